/* A fleet command's work above the runner: the choice of accounts, the listing pass that
 * refuses accounts of one company, apply's plan pass and canaries, the results counted and
 * the report's pieces handed to the caller's hooks. */
#include "pdhooks/fleet_job.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/same_file.h"

int pdh_fleet_choice_parse(pdh_fleet_choice *c, const char *shard, const char *const *globs,
                           size_t n_globs, const char *const *labels, size_t n_labels,
                           pdh_error *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (shard && (rc = pdh_fleet_shard_parse(&c->sel.shard, shard, err)) != 0)
		return rc;
	for (size_t i = 0; i < n_labels; i++)
		if ((rc = pdh_fleet_label_check(labels[i], err)) != 0)
			return rc;
	c->sel.globs = globs;
	c->sel.n_globs = n_globs;
	c->sel.labels = labels;
	c->sel.n_labels = n_labels;
	return 0;
}

int pdh_fleet_choice_select(pdh_fleet_choice *c, const pdh_fleet *f, const char *path,
                            bool record, pdh_error *err)
{
	pdh_fleet_select(&c->idx, &c->n, f, &c->sel);
	if (record) {
		c->names = pdh_xcalloc(c->n + 1, sizeof(*c->names));
		for (size_t i = 0; i < c->n; i++)
			c->names[i] = f->accounts[c->idx[i]].name;
		pdh_fleet_selection_sha256(f, &c->sel, c->whole_sha256, &c->n_whole);
	}
	if (c->n == 0 && (c->sel.n_globs || c->sel.n_labels)) {
		/* --account and --label name accounts: matching none is a typo, an error. An empty
		 * --shard is not (a matrix may have more shards than accounts), so ask again
		 * without it. */
		pdh_fleet_selector whole = c->sel;
		size_t *all = NULL, n_all = 0;

		memset(&whole.shard, 0, sizeof(whole.shard));
		pdh_fleet_select(&all, &n_all, f, &whole);
		free(all);
		if (n_all == 0)
			return pdh_error_set(err, PDH_EINVAL, "%s: no account matches the --account and "
			                     "--label given", path);
	}
	return 0;
}

void pdh_fleet_choice_dispose(pdh_fleet_choice *c)
{
	free(c->idx);
	free(c->names);
	memset(c, 0, sizeof(*c));
}

void pdh_fleet_pass_put(pdh_fleet_pass *p, char *piece)
{
	if (p->hooks.put && !p->hooks.put(p->hooks.ctx, piece))
		p->write_failed = true;
	free(piece);
}

void pdh_fleet_pass_emit(void *pass, const pdh_fleet_result *r)
{
	pdh_fleet_pass *p = pass;

	if (p->hooks.result)
		p->hooks.result(p->hooks.ctx, r);
	if (p->metrics && r->metrics)
		pdh_fleet_metrics_add(p->metrics, r->metrics);
	if (p->signatures)
		p->signatures[p->k] = pdh_xstrdup(r->plan_signature);
	p->k++;
	p->any_changes = p->any_changes || r->changes;
	if (r->row.outcome != PDH_FLEET_IN_SYNC && r->row.outcome != PDH_FLEET_APPLIED &&
	    r->row.outcome != PDH_FLEET_HEALTHY && r->row.outcome != PDH_FLEET_UNHEALTHY &&
	    !r->account->disabled)
		p->n_not_ok++;
	if (p->report)
		pdh_fleet_pass_put(p, pdh_fleet_report_add(p->report, &r->row, r->section));
}

void pdh_fleet_pass_dispose(pdh_fleet_pass *p)
{
	pdh_fleet_metrics_free(p->metrics);
	pdh_fleet_report_free(p->report);
	pdh_free_strings(p->signatures, p->k);
	memset(p, 0, sizeof(*p));
}

void pdh_fleet_job_dispose(pdh_fleet_job *j)
{
	pdh_fleet_pass_dispose(&j->pass);
	pdh_free_strings(j->refuse, j->choice.n);
	pdh_free_strings(j->installs, j->choice.n);
	j->refuse = NULL;
	j->installs = NULL;
	free(j->spent);
	j->spent = NULL;
	pdh_fleet_choice_dispose(&j->choice);
	pdh_fleet_free(j->f);
	j->f = NULL;
}

/* The options of a plan pass over the chosen accounts (text), its results to emit. */
static void S_plan_pass(pdh_fleet_run_opts *ro, const pdh_fleet_job *j, pdh_fleet_emit_fn emit,
                        void *emit_ctx)
{
	*ro = j->base;
	ro->mode = PDH_RUN_PLAN;
	ro->accounts = j->choice.idx;
	ro->n_accounts = j->choice.n;
	ro->format = PDH_FORMAT_TEXT;
	ro->emit = emit;
	ro->emit_ctx = emit_ctx;
}

/* A pass that holds its results until every account is run (ctx: S_held). */
typedef struct S_held {
	pdh_fleet_result **r;
	size_t k;
} S_held;

static void S_take(void *ctx, pdh_fleet_result *r)
{
	S_held *h = ctx;

	h->r[h->k++] = r;
}

/* The refusals of the accounts of h (all run, or skipped) into j, as pdh_fleet_survey finds
 * them, and what their calls spent. */
static void S_refusals(pdh_fleet_job *j, const S_held *h)
{
	pdh_fleet_identity *ids;

	pdh_free_strings(j->refuse, j->choice.n);
	pdh_free_strings(j->installs, j->choice.n);
	j->refuse = NULL;
	j->installs = NULL;
	free(j->spent);
	j->spent = pdh_xcalloc(h->k + 1, sizeof(*j->spent));
	for (size_t i = 0; i < h->k; i++)
		j->spent[i] = h->r[i]->spent;
	if (h->k < 2)
		return;
	ids = pdh_xcalloc(h->k, sizeof(*ids));
	for (size_t i = 0; i < h->k; i++)
		ids[i] = h->r[i]->id;
	j->installs = pdh_fleet_same_installs(ids, h->k);
	j->refuse = pdh_fleet_same_company(ids, h->k);
	free(ids);
}

int pdh_fleet_checked_run(pdh_fleet_job *j, const pdh_fleet_run_opts *ro,
                          const pdh_fleet_pass_hooks *hooks, pdh_error *err)
{
	pdh_fleet_run_opts held = *ro;
	S_held h;
	int rc;

	h.r = pdh_xcalloc(ro->n_accounts + 1, sizeof(*h.r));
	h.k = 0;
	held.refuse = NULL;
	held.take = S_take;
	held.emit_ctx = &h;
	rc = pdh_fleet_run(&held, err);
	if (rc == 0 && h.k == ro->n_accounts) {
		S_refusals(j, &h);
		for (size_t i = 0; j->installs && i < h.k; i++)
			if (j->installs[i] && hooks->warning)
				hooks->warning(hooks->ctx, j->installs[i]);
	}
	for (size_t i = 0; i < h.k; i++) {
		pdh_fleet_result *r = h.r[i];

		if (j->refuse && j->refuse[i]) {
			/* refused as if never run: not even the plan the pass saved is kept */
			if (r->saved_digest && ro->save_dir) {
				char *path = pdh_fleet_plan_path(ro->save_dir, r->account->name);

				unlink(path);
				free(path);
			}
			r = pdh_fleet_result_refused(ro, i, j->refuse[i], h.r[i]);
			pdh_fleet_result_free(h.r[i]);
		}
		if (ro->emit)
			ro->emit(ro->emit_ctx, r);
		pdh_fleet_result_free(r);
	}
	free(h.r);
	return rc;
}

void pdh_fleet_survey(pdh_fleet_job *j, atomic_int *interrupt)
{
	pdh_fleet_run_opts ro;
	pdh_error err = { 0 };
	S_held h;

	if (j->choice.n < 2)
		return;
	h.r = pdh_xcalloc(j->choice.n + 1, sizeof(*h.r));
	h.k = 0;
	S_plan_pass(&ro, j, NULL, &h);
	ro.take = S_take;
	ro.interrupt = interrupt;
	ro.company_from_listing = true;   /* the check goes by listings: no /users/me */
	if (pdh_fleet_run(&ro, &err) == 0 && h.k == j->choice.n)
		S_refusals(j, &h);
	for (size_t i = 0; i < h.k; i++)
		pdh_fleet_result_free(h.r[i]);
	free(h.r);
}

void pdh_fleet_job_begin(pdh_fleet_job *j, pdh_run_mode mode, pdh_format format,
                         const char *command, bool metrics, const pdh_fleet_pass_hooks *hooks)
{
	pdh_fleet_report_opts *rep = &j->rep;

	memset(rep, 0, sizeof(*rep));
	rep->format = format;
	rep->fleet_sha256 = j->f->sha256;
	rep->shard = j->choice.sel.shard;
	rep->command = command;
	rep->selected = j->choice.names;
	rep->n_selected = j->choice.n;
	rep->fleet_selected = j->choice.n_whole;
	rep->fleet_selected_sha256 = j->choice.whole_sha256;
	memset(&j->pass, 0, sizeof(j->pass));
	j->pass.hooks = *hooks;
	j->pass.report = pdh_fleet_report_new(rep);
	j->pass.metrics = metrics ? pdh_fleet_metrics_new() : NULL;
	pdh_fleet_pass_put(&j->pass, pdh_fleet_report_begin(j->pass.report));
	j->ro = j->base;
	j->ro.mode = mode;
	j->ro.accounts = j->choice.idx;
	j->ro.n_accounts = j->choice.n;
	j->ro.refuse = j->refuse;
	j->ro.spent = j->spent;
	j->ro.metrics_command = metrics ? command : NULL;
	j->ro.format = format;
	j->ro.emit = pdh_fleet_pass_emit;
	j->ro.emit_ctx = &j->pass;
}

int pdh_fleet_preview(pdh_fleet_job *j, const pdh_fleet_pass_hooks *hooks, char ***sig,
                      pdh_error *err)
{
	pdh_fleet_report_opts rep;
	pdh_fleet_run_opts ro;
	pdh_fleet_pass p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&rep, 0, sizeof(rep));
	rep.format = PDH_FORMAT_TEXT;
	rep.fleet_sha256 = j->f->sha256;
	rep.command = "plan";
	p.hooks = *hooks;
	p.report = pdh_fleet_report_new(&rep);
	p.signatures = pdh_xcalloc(j->choice.n + 1, sizeof(*p.signatures));
	S_plan_pass(&ro, j, pdh_fleet_pass_emit, &p);
	rc = pdh_fleet_checked_run(j, &ro, hooks, err);
	if (rc == 0) {
		pdh_fleet_pass_put(&p, pdh_fleet_report_end(p.report));
		rc = p.any_changes ? 0 : 1;
	}
	if (rc == 0) {
		*sig = p.signatures;
		p.signatures = NULL;
	}
	pdh_fleet_pass_dispose(&p);
	return rc;
}

int pdh_fleet_apply_canaries(pdh_fleet_job *j, size_t canary, char *const *sig,
                             pdh_error *err)
{
	size_t n = j->choice.n;
	size_t first = canary > 0 && canary < n ? canary : n;
	int rc;

	j->ro.accounts = j->choice.idx;
	j->ro.n_accounts = first;
	j->ro.expect_signature = sig;
	j->ro.refuse = j->refuse;
	j->ro.spent = j->spent;
	rc = pdh_fleet_run(&j->ro, err);
	if (rc != 0 || first == n)
		return rc;
	j->ro.accounts = j->choice.idx + first;
	j->ro.n_accounts = n - first;
	j->ro.expect_signature = sig ? sig + first : NULL;
	j->ro.refuse = j->refuse ? j->refuse + first : NULL;
	j->ro.spent = j->spent ? j->spent + first : NULL;
	if (j->pass.n_not_ok > 0) {
		if (j->pass.hooks.canaries_failed)
			j->pass.hooks.canaries_failed(j->pass.hooks.ctx, j->pass.n_not_ok, first,
			                              n - first);
		j->ro.skip_reason = "skipped: a canary account did not apply cleanly";
	}
	return pdh_fleet_run(&j->ro, err);
}

int pdh_fleet_metrics_check(const pdh_fleet_job *j, const char *metrics_file, const char *dir,
                            pdh_error *err)
{
	const pdh_fleet *f = j->f;
	pdh_run_file *files;
	char **owned;           /* the texts made here, 4 per account */
	size_t n = 0, k = 0;
	int rc;

	if (metrics_file == NULL)
		return 0;
	files = pdh_xcalloc(3 * f->n_accounts + 1, sizeof(*files));
	owned = pdh_xcalloc(4 * f->n_accounts + 1, sizeof(*owned));
	files[n++] = (pdh_run_file){ j->path, "the fleet file" };
	for (size_t i = 0; i < f->n_accounts; i++) {
		const pdh_fleet_account *acc = &f->accounts[i];
		char *plan = dir ? pdh_fleet_plan_path(dir, acc->name) : NULL;

		owned[k++] = plan;
		files[n++] = (pdh_run_file){ acc->desired, owned[k++] = pdh_xasprintf(
			"the desired file of account %s", acc->name) };
		files[n++] = (pdh_run_file){ acc->token_file, owned[k++] = pdh_xasprintf(
			"the token_file of account %s", acc->name) };
		files[n++] = (pdh_run_file){ plan, owned[k++] = pdh_xasprintf(
			"the saved plan of account %s", acc->name) };
	}
	rc = pdh_metrics_file_check(metrics_file, files, n, err);
	for (size_t i = 0; i < k; i++)
		free(owned[i]);
	PDH_FREE_ALL(owned, files);
	return rc;
}

int pdh_fleet_plan_dir(const char *dir, pdh_error *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	return pdh_error_set(err, PDH_EIO, "cannot make the plan directory %s: %s", dir,
	                     errno == EEXIST ? "a file of that name exists" : strerror(errno));
}
