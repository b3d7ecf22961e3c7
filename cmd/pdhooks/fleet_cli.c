/* Fleet mode at the CLI edge. The report goes to stdout as the accounts finish; diagnostics,
 * warnings and errors go to stderr, each naming its account. */
#include "fleet_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_plan.h"
#include "cmd.h"
#include "pdhooks/run.h"
#include "run_files.h"
#include "stop_signal.h"
#include "pdhooks/alloc.h"
#include "pdhooks/apply.h"
#include "pdhooks/atomic_write.h"
#include "pdhooks/fleet.h"
#include "pdhooks/fleet_report.h"
#include "pdhooks/fleet_run.h"

void pdh_fleet_args_from(pdh_fleet_args *a, const pdh_common *o)
{
	memset(a, 0, sizeof(*a));
	a->fleet = o->fleet;
	a->globs = o->accounts.items;
	a->n_globs = o->accounts.n;
	a->labels = o->labels.items;
	a->n_labels = o->labels.n;
	a->shard = o->shard;
	a->concurrency = o->concurrency > 0 ? o->concurrency : 0;
	a->canary = o->canary > 0 ? o->canary : 0;
	a->format = o->format;
	a->detailed_exitcode = o->detailed_exitcode;
	a->max_deletes = o->max_deletes;
	a->out_dir = o->out;
	a->auto_approve = o->auto_approve;
	a->force = o->force;
	a->parallelism = o->parallelism;
	a->metrics_file = o->metrics_file;
}

int pdh_fleet_args_check(const pdh_common *o, const char *command)
{
	if (o->fleet == NULL && (o->accounts.n || o->labels.n || o->shard || o->concurrency > 0 ||
	                         o->canary > 0)) {
		pdh_cli_error("%s: --account, --label, --shard, --concurrency and --canary need "
		              "--fleet FLEETFILE", command);
		return -1;
	}
	return 0;
}

int pdh_cli_target_or_fleet(pdh_cli_metrics *mx, pdh_common *o, pdh_cmd_id id,
                            const char *name, int argc, char **argv,
                            int (*fleet)(pdh_common *, const pdh_fleet_args *), int *code)
{
	int first;

	pdh_cli_metrics_start(mx, name);
	pdh_common_init(o);
	*code = PDH_EXIT_ERROR;
	if (pdh_common_parse(o, id, argc, argv, &first) != 0 || pdh_fleet_args_check(o, name) != 0)
		return 1;
	if (first < argc) {
		pdh_cli_error("%s: unexpected argument '%s' (the file goes after -f)", name,
		              argv[first]);
		return 1;
	}
	if (o->fleet) {
		pdh_fleet_args fa;

		pdh_fleet_args_from(&fa, o);
		*code = fleet(o, &fa);
		return 1;
	}
	return pdh_cli_metrics_check_common(o, NULL) != 0;
}

/* Options that name one company make no sense with a fleet: each account names its own. */
static int S_check_common(const pdh_common *o)
{
	if (o->file_given || o->api_url || o->token_file) {
		pdh_cli_error("with --fleet, each account names its desired file, API URL and token "
		              "source; -f, --api-url and --token-file are not used");
		return -1;
	}
	if (o->metrics_labels.n > 0) {
		pdh_cli_error("with --fleet, each account's metrics carry its account label; "
		              "--metrics-label is for one company's");
		return -1;
	}
	return 0;
}

/* What a run selected, as its report records it for merge: the names of its accounts, and
 * the number and digest of the accounts the filters select before --shard. */
typedef struct S_selection {
	const char **names;
	size_t n_whole;
	char whole_sha256[65];
} S_selection;

/* Loads the fleet file (diagnostics printed, or through checks) and selects the accounts
 * (what was selected into *what when it is not NULL). */
static int S_load(pdh_common *o, const pdh_fleet_args *a, pdh_cli_checks *checks, pdh_fleet **f,
                  size_t **idx, size_t *n, pdh_fleet_shard *shard, S_selection *what)
{
	pdh_fleet_selector sel;
	pdh_diags diags;
	pdh_error err = { 0 };
	char *data = NULL;
	size_t len = 0;
	int rc;

	*f = NULL;
	*idx = NULL;
	*n = 0;
	memset(&sel, 0, sizeof(sel));
	if (a->shard && pdh_fleet_shard_parse(&sel.shard, a->shard, &err) != 0) {
		pdh_cli_error("%s", err.message);
		return PDH_EXIT_ERROR;
	}
	for (size_t i = 0; i < a->n_labels; i++)
		if (pdh_fleet_label_check(a->labels[i], &err) != 0) {
			pdh_cli_error("%s", err.message);
			return PDH_EXIT_ERROR;
		}
	*shard = sel.shard;
	pdh_diags_init(&diags, a->fleet);
	rc = pdh_fleet_read_file(&data, &len, a->fleet, &diags, &err);
	if (rc == PDH_OK)
		rc = pdh_fleet_load_buffer(f, a->fleet, data, len, &diags, &err);
	pdh_cli_check_diags(checks, a->fleet, NULL, &diags, data, len, rc,
	                    rc == PDH_EIO ? err.message : NULL, o->quiet, o->color_err);
	free(data);
	pdh_diags_dispose(&diags);
	if (rc != PDH_OK)
		return PDH_EXIT_ERROR;
	sel.globs = a->globs;
	sel.n_globs = a->n_globs;
	sel.labels = a->labels;
	sel.n_labels = a->n_labels;
	pdh_fleet_select(idx, n, *f, &sel);
	if (what) {
		what->names = pdh_xcalloc(*n + 1, sizeof(*what->names));
		for (size_t i = 0; i < *n; i++)
			what->names[i] = (*f)->accounts[(*idx)[i]].name;
		pdh_fleet_selection_sha256(*f, &sel, what->whole_sha256, &what->n_whole);
	}
	if (*n == 0 && (a->n_globs || a->n_labels)) {
		/* --account and --label name accounts: matching none is a typo, an error. An empty
		 * --shard is not (a matrix may have more shards than accounts), so ask again
		 * without it. */
		size_t *all = NULL, n_all = 0;

		memset(&sel.shard, 0, sizeof(sel.shard));
		pdh_fleet_select(&all, &n_all, *f, &sel);
		free(all);
		if (n_all == 0) {
			pdh_cli_error("%s: no account matches the --account and --label given",
			              a->fleet);
			return PDH_EXIT_ERROR;
		}
	}
	if (*n == 0 && !o->quiet)
		pdh_cli_warning("%s: no account is selected", a->fleet);
	return PDH_EXIT_OK;
}

int pdh_cli_fleet_validate(pdh_common *o, const pdh_fleet_args *a, pdh_cli_checks *checks)
{
	pdh_fleet *f = NULL;
	pdh_fleet_shard shard;
	size_t *idx = NULL, n = 0, bad = 0;
	int code;

	if (S_check_common(o) != 0)
		return PDH_EXIT_ERROR;
	code = S_load(o, a, checks, &f, &idx, &n, &shard, NULL);
	if (code != PDH_EXIT_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const pdh_fleet_account *acc = &f->accounts[idx[i]];
		pdh_error err = { 0 };
		pdh_target_run run;
		int rc = pdh_fleet_load_account(&run, acc, NULL, NULL, o->no_env, &err);
		size_t n_warn = run.diags.n_warnings;

		if (checks)
			pdh_check_report_add(&checks->report, acc->desired, acc->name, &run.diags,
			                     rc == PDH_OK, rc == PDH_EIO ? err.message : NULL);
		if (checks && !checks->print) {
			bad += rc != PDH_OK;
			pdh_target_run_dispose(&run);
			continue;
		}
		if (run.diags.len > 0 && (rc != PDH_OK || !o->quiet)) {
			char *diags = pdh_diags_render(&run.diags, run.source, run.source_len, false,
			                               o->color_err);

			fprintf(stderr, "pdhooks: account %s:\n%s", acc->name, diags);
			free(diags);
		}
		if (rc == PDH_EIO)
			pdh_cli_error("account %s: %s", acc->name, err.message);
		else if (rc != PDH_OK)
			pdh_cli_error("account %s: %s does not load", acc->name, acc->desired);
		if (rc != PDH_OK)
			bad++;
		else if (!o->quiet)
			printf("%s: ok (%s)%s\n", acc->name, acc->desired, n_warn ? " with warnings" : "");
		pdh_target_run_dispose(&run);
	}
	if (!o->quiet && (checks == NULL || checks->print))
		printf("%s: %zu of %zu selected account%s valid\n", a->fleet, n - bad, n,
		       n == 1 ? "" : "s");
	code = bad ? PDH_EXIT_ERROR : PDH_EXIT_OK;
done:
	free(idx);
	pdh_fleet_free(f);
	return code;
}

/* ---- plan and apply ---- */

typedef struct S_emit_ctx {
	const pdh_common *o;
	pdh_fleet_report *report;
	bool print;                 /* write the report's pieces to stdout */
	char **signatures;          /* collect plan signatures (one per account run), or NULL */
	size_t k;
	bool any_changes;
	size_t n_not_ok;            /* accounts neither in sync nor applied (canary check) */
	bool write_failed;
	pdh_fleet_metrics *metrics; /* --metrics-file, or NULL */
} S_emit_ctx;

static void S_put(S_emit_ctx *c, char *piece)
{
	if (c->print && fputs(piece, stdout) == EOF)
		c->write_failed = true;
	free(piece);
}

static void S_emit(void *ctx, const pdh_fleet_result *r)
{
	S_emit_ctx *c = ctx;
	const char *name = r->account->name;

	if (r->warning && !c->o->quiet)
		pdh_cli_warning("%s", r->warning);
	if (r->diagnostics && (r->core_rc == PDH_EFILE || !c->o->quiet))
		fprintf(stderr, "pdhooks: account %s:\n%s", name, r->diagnostics);
	if (r->error && r->row.outcome != PDH_FLEET_SKIPPED)
		pdh_cli_error("account %s: %s", name, r->error);
	if (r->saved_digest && !c->o->quiet)
		fprintf(stderr, "pdhooks: saved the plan of account %s (sha256 %s)\n", name,
		        r->saved_digest);
	if (c->metrics && r->metrics)
		pdh_fleet_metrics_add(c->metrics, r->metrics);
	if (c->signatures)
		c->signatures[c->k] = pdh_xstrdup(r->plan_signature);
	c->k++;
	c->any_changes = c->any_changes || r->changes;
	if (r->row.outcome != PDH_FLEET_IN_SYNC && r->row.outcome != PDH_FLEET_APPLIED &&
	    r->row.outcome != PDH_FLEET_HEALTHY && r->row.outcome != PDH_FLEET_UNHEALTHY)
		c->n_not_ok++;
	if (c->report)
		S_put(c, pdh_fleet_report_add(c->report, &r->row, r->section));
	if (c->print)
		fflush(stdout);
}

/* --metrics-file: every account's metrics in one file, written whole. Returns code, or
 * PDH_EXIT_ERROR when code was 0 and the file could not be written. */
static int S_write_metrics(const pdh_fleet_args *a, const S_emit_ctx *c, int code)
{
	pdh_error err = { 0 };
	char *text;
	int rc;

	if (a->metrics_file == NULL || c->metrics == NULL)
		return code;
	text = pdh_fleet_metrics_render(c->metrics);
	rc = pdh_write_file_atomic(a->metrics_file, text, strlen(text), 0644, true, &err);
	free(text);
	if (rc != 0) {
		pdh_cli_error("cannot write the metrics: %s", err.message);
		return code == PDH_EXIT_OK ? PDH_EXIT_ERROR : code;
	}
	return code;
}

static void S_run_opts(pdh_fleet_run_opts *ro, pdh_common *o, const pdh_fleet_args *a,
                       const pdh_fleet *f)
{
	memset(ro, 0, sizeof(*ro));
	ro->fleet = f;
	ro->concurrency = a->concurrency;
	ro->cacert = o->cacert;
	ro->session = pdh_common_session(o);
	ro->timeout_ms = o->timeout_ms;
	ro->log = o->verbose ? pdh_cli_log_stderr : NULL;
	ro->plan.max_deletes_set = a->max_deletes >= 0;
	ro->plan.max_deletes = a->max_deletes;
	pdh_cli_plan_choice(o, &ro->plan);  /* the same patterns for every account */
	ro->force = a->force;
	ro->parallelism = a->parallelism;
	ro->color = o->color;
}

/* The start of a fleet run of command: the report begun on stdout through c, and ro set from
 * o and a for mode, with the results going to S_emit. */
static void S_begin(pdh_fleet_run_opts *ro, pdh_fleet_report_opts *rep, S_emit_ctx *c,
                    pdh_common *o, const pdh_fleet_args *a, const pdh_fleet *f,
                    const pdh_fleet_shard *shard, const S_selection *what, size_t n,
                    pdh_fleet_mode mode, const char *command)
{
	memset(rep, 0, sizeof(*rep));
	rep->format = (pdh_fleet_format)a->format;  /* same order (core/fleet/run.c) */
	rep->fleet_sha256 = f->sha256;
	rep->shard = *shard;
	rep->command = command;
	rep->selected = what->names;
	rep->n_selected = n;
	rep->fleet_selected = what->n_whole;
	rep->fleet_selected_sha256 = what->whole_sha256;
	c->o = o;
	c->print = true;
	c->report = pdh_fleet_report_new(rep);
	c->metrics = a->metrics_file ? pdh_fleet_metrics_new() : NULL;
	S_put(c, pdh_fleet_report_begin(c->report));
	S_run_opts(ro, o, a, f);
	ro->mode = mode;
	ro->metrics_command = c->metrics ? command : NULL;
	ro->format = rep->format;
	ro->emit = S_emit;
	ro->emit_ctx = c;
}

/* The options of a plan pass before apply (text; from apply DIR's saved plans when given). */
static void S_plan_pass(pdh_fleet_run_opts *ro, pdh_common *o, const pdh_fleet_args *a,
                        const pdh_fleet *f, const size_t *idx, size_t n, pdh_fleet_emit_fn emit,
                        void *emit_ctx)
{
	S_run_opts(ro, o, a, f);
	ro->mode = PDH_FLEET_PLAN;
	ro->accounts = idx;
	ro->n_accounts = n;
	ro->saved_dir = a->saved_dir;
	ro->format = PDH_FLEET_TEXT;
	ro->emit = emit;
	ro->emit_ctx = emit_ctx;
}

typedef struct S_survey_ctx {
	pdh_fleet_identity *ids;
	size_t k;
} S_survey_ctx;

static void S_collect(void *ctx, const pdh_fleet_result *r)
{
	S_survey_ctx *c = ctx;

	c->ids[c->k++] = r->id;
}

/* The listing pass before plan or apply works on the accounts: each account listed and
 * planned (nothing shown, nothing written), then the accounts that manage one company's
 * general webhooks found (pdh_fleet_same_company). NULL when none clash (or fewer than two
 * accounts), else one refusal (or NULL) per account, for the run's refuse. */
static char **S_survey(pdh_common *o, const pdh_fleet_args *a, const pdh_fleet *f,
                       const size_t *idx, size_t n, atomic_int *interrupt)
{
	pdh_fleet_run_opts ro;
	pdh_error err = { 0 };
	S_survey_ctx c;
	char **refuse = NULL;

	if (n < 2)
		return NULL;
	c.ids = pdh_xcalloc(n, sizeof(*c.ids));
	c.k = 0;
	S_plan_pass(&ro, o, a, f, idx, n, S_collect, &c);
	ro.interrupt = interrupt;
	if (pdh_fleet_run(&ro, &err) == 0) {
		char **installs = pdh_fleet_same_installs(c.ids, c.k);

		for (size_t i = 0; installs && i < c.k && !o->quiet; i++)
			if (installs[i])
				pdh_cli_warning("%s", installs[i]);
		pdh_free_strings(installs, c.k);
		refuse = pdh_fleet_same_company(c.ids, c.k);
	}
	free(c.ids);
	return refuse;
}

static int S_mkdir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	pdh_cli_error("cannot make the plan directory %s: %s", dir,
	              errno == EEXIST ? "a file of that name exists" : strerror(errno));
	return -1;
}

/* What a fleet command holds: the fleet read and its selected accounts (idx, n), the report
 * and the run's options. */
typedef struct S_job {
	pdh_fleet *f;
	pdh_fleet_shard shard;
	S_selection what;
	char **refuse;              /* accounts of one company (S_survey), or NULL */
	size_t *idx, n;
	pdh_fleet_run_opts ro;
	pdh_fleet_report_opts rep;
	S_emit_ctx c;
} S_job;

/* --metrics-file against every file the fleet run may read or write: the fleet file, each
 * account's desired file and token_file, and its saved plan in the -o or applied directory.
 * 0, or -1 after the error. */
static int S_check_metrics(const pdh_fleet_args *a, const pdh_fleet *f)
{
	const char *dir = a->out_dir ? a->out_dir : a->saved_dir;
	pdh_cli_run_file *files;
	char **owned;           /* the texts made here, 4 per account */
	size_t n = 0, k = 0;
	int rc;

	if (a->metrics_file == NULL)
		return 0;
	files = pdh_xcalloc(3 * f->n_accounts + 1, sizeof(*files));
	owned = pdh_xcalloc(4 * f->n_accounts + 1, sizeof(*owned));
	files[n++] = (pdh_cli_run_file){ a->fleet, "the fleet file" };
	for (size_t i = 0; i < f->n_accounts; i++) {
		const pdh_fleet_account *acc = &f->accounts[i];
		char *plan = dir ? pdh_fleet_plan_path(dir, acc->name) : NULL;

		owned[k++] = plan;
		files[n++] = (pdh_cli_run_file){ acc->desired, owned[k++] = pdh_xasprintf(
			"the desired file of account %s", acc->name) };
		files[n++] = (pdh_cli_run_file){ acc->token_file, owned[k++] = pdh_xasprintf(
			"the token_file of account %s", acc->name) };
		files[n++] = (pdh_cli_run_file){ plan, owned[k++] = pdh_xasprintf(
			"the saved plan of account %s", acc->name) };
	}
	rc = pdh_cli_metrics_check(a->metrics_file, files, n);
	for (size_t i = 0; i < k; i++)
		free(owned[i]);
	PDH_FREE_ALL(owned, files);
	return rc;
}

/* The common checks and the fleet's load: PDH_EXIT_OK, or the exit code after an error. */
static int S_job_open(S_job *j, pdh_common *o, const pdh_fleet_args *a)
{
	int code;

	memset(j, 0, sizeof(*j));
	if (S_check_common(o) != 0)
		return PDH_EXIT_ERROR;
	code = S_load(o, a, NULL, &j->f, &j->idx, &j->n, &j->shard, &j->what);
	if (code == PDH_EXIT_OK && S_check_metrics(a, j->f) != 0)
		code = PDH_EXIT_ERROR;
	return code;
}

static void S_job_close(S_job *j)
{
	pdh_fleet_metrics_free(j->c.metrics);
	pdh_fleet_report_free(j->c.report);
	free(j->what.names);
	pdh_free_strings(j->refuse, j->n);
	free(j->idx);
	pdh_fleet_free(j->f);
}

/* plan --fleet and status --fleet: one pass over the accounts, the report as they finish. */
static int S_plan_or_status(pdh_common *o, const pdh_fleet_args *a, pdh_fleet_mode mode,
                            const char *command)
{
	S_job j;
	pdh_error err = { 0 };
	int code;

	code = S_job_open(&j, o, a);
	if (code != PDH_EXIT_OK)
		goto done;
	if (a->out_dir && S_mkdir(a->out_dir) != 0) {
		code = PDH_EXIT_ERROR;
		goto done;
	}
	if (mode == PDH_FLEET_PLAN)
		j.refuse = S_survey(o, a, j.f, j.idx, j.n, NULL);
	S_begin(&j.ro, &j.rep, &j.c, o, a, j.f, &j.shard, &j.what, j.n, mode, command);
	j.ro.accounts = j.idx;
	j.ro.n_accounts = j.n;
	j.ro.refuse = j.refuse;
	j.ro.save_dir = mode == PDH_FLEET_PLAN ? a->out_dir : NULL;
	if (pdh_fleet_run(&j.ro, &err) != 0) {
		pdh_cli_error("%s", err.message);
		code = PDH_EXIT_ERROR;
		goto done;
	}
	S_put(&j.c, pdh_fleet_report_end(j.c.report));
	if (fflush(stdout) != 0 || j.c.write_failed) {
		pdh_cli_error("cannot write the report: %s", strerror(errno));
		code = PDH_EXIT_ERROR;
		goto done;
	}
	code = pdh_fleet_report_exit_code(j.c.report, a->detailed_exitcode);
	code = S_write_metrics(a, &j.c, code);
done:
	S_job_close(&j);
	return code;
}

int pdh_cli_fleet_plan(pdh_common *o, const pdh_fleet_args *a)
{
	return S_plan_or_status(o, a, PDH_FLEET_PLAN, "plan");
}

int pdh_cli_fleet_status(pdh_common *o, const pdh_fleet_args *a)
{
	return S_plan_or_status(o, a, PDH_FLEET_STATUS, "status");
}

/* Shows every selected account's plan and asks once. 0 with *sig the plans' signatures
 * (one per account) when confirmed; 1 when there is nothing to do; -1 when refused or not
 * confirmed (error printed). */
static int S_show_and_confirm(pdh_common *o, const pdh_fleet_args *a, const pdh_fleet *f,
                              const size_t *idx, size_t n, char *const *refuse, char ***sig)
{
	pdh_fleet_report_opts rep;
	pdh_fleet_run_opts ro;
	pdh_error err = { 0 };
	S_emit_ctx c;
	char *where;
	bool confirmed;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	memset(&rep, 0, sizeof(rep));
	rep.format = PDH_FLEET_TEXT;
	rep.fleet_sha256 = f->sha256;
	rep.command = "plan";
	c.o = o;
	c.print = true;
	c.report = pdh_fleet_report_new(&rep);
	c.signatures = pdh_xcalloc(n + 1, sizeof(*c.signatures));
	S_plan_pass(&ro, o, a, f, idx, n, S_emit, &c);
	ro.refuse = refuse;
	if (pdh_fleet_run(&ro, &err) != 0) {
		pdh_cli_error("%s", err.message);
		goto done;
	}
	S_put(&c, pdh_fleet_report_end(c.report));
	if (!c.any_changes) {
		puts("Nothing to do.");
		rc = 1;
		goto done;
	}
	where = pdh_xasprintf(" in %zu account%s", n, n == 1 ? "" : "s");
	confirmed = pdh_cli_confirm(stdout, where);
	free(where);
	if (!confirmed) {
		pdh_cli_error("apply cancelled: only 'yes' is accepted");
		goto done;
	}
	*sig = c.signatures;
	c.signatures = NULL;
	rc = 0;
done:
	for (size_t i = 0; c.signatures && i < n; i++)
		free(c.signatures[i]);
	free(c.signatures);
	pdh_fleet_report_free(c.report);
	return rc;
}

int pdh_cli_fleet_apply(pdh_common *o, const pdh_fleet_args *a)
{
	S_job j;
	pdh_error err = { 0 };
	pdh_stop_signals stops;
	char **sig = NULL;
	size_t first;
	int code;

	memset(&stops, 0, sizeof(stops));
	code = S_job_open(&j, o, a);
	if (code != PDH_EXIT_OK)
		goto done;
	code = PDH_EXIT_ERROR;
	if (!a->auto_approve && !isatty(STDIN_FILENO)) {
		pdh_cli_error("apply --fleet needs one confirmation, and stdin is not a terminal: "
		              "review 'pdhooks plan --fleet' and run again with --auto-approve");
		goto done;
	}
	/* Accounts of one company are refused before anything is shown or written. Without a
	 * prompt a signal stops the listing pass too (the accounts not started are skipped). */
	if (a->auto_approve)
		pdh_stop_signals_install(&stops);
	j.refuse = S_survey(o, a, j.f, j.idx, j.n, a->auto_approve ? &pdh_stop_signal : NULL);
	if (!a->auto_approve) {
		int shown = S_show_and_confirm(o, a, j.f, j.idx, j.n, j.refuse, &sig);

		if (shown != 0) {
			/* nothing to do but for refused accounts is still an error */
			code = shown > 0 && j.refuse == NULL ? PDH_EXIT_OK : PDH_EXIT_ERROR;
			goto done;
		}
		putchar('\n');
		pdh_stop_signals_install(&stops);
	}

	S_begin(&j.ro, &j.rep, &j.c, o, a, j.f, &j.shard, &j.what, j.n, PDH_FLEET_APPLY,
	        "apply");
	j.ro.saved_dir = a->saved_dir;
	j.ro.interrupt = &pdh_stop_signal;
	/* The canaries first (file order), then the rest only if every canary converged. */
	first = a->canary > 0 && (size_t)a->canary < j.n ? (size_t)a->canary : j.n;
	j.ro.accounts = j.idx;
	j.ro.n_accounts = first;
	j.ro.expect_signature = sig;
	j.ro.refuse = j.refuse;
	if (pdh_fleet_run(&j.ro, &err) != 0)
		goto run_error;
	if (first < j.n) {
		j.ro.accounts = j.idx + first;
		j.ro.n_accounts = j.n - first;
		j.ro.expect_signature = sig ? sig + first : NULL;
		j.ro.refuse = j.refuse ? j.refuse + first : NULL;
		if (j.c.n_not_ok > 0) {
			pdh_cli_error("%zu of %zu canary account%s did not apply cleanly; the other %zu "
			              "account%s are skipped", j.c.n_not_ok, first, first == 1 ? "" : "s",
			              j.n - first, j.n - first == 1 ? "" : "s");
			j.ro.skip_reason = "skipped: a canary account did not apply cleanly";
		}
		if (pdh_fleet_run(&j.ro, &err) != 0)
			goto run_error;
	}
	S_put(&j.c, pdh_fleet_report_end(j.c.report));
	fflush(stdout);
	code = atomic_load(&pdh_stop_signal) ? PDH_EXIT_SIGNAL_BASE + atomic_load(&pdh_stop_signal)
	                                     : pdh_fleet_report_exit_code(j.c.report, false);
	code = S_write_metrics(a, &j.c, code);
	goto done;
run_error:
	pdh_cli_error("%s", err.message);
	code = PDH_EXIT_ERROR;
done:
	pdh_stop_signals_restore(&stops);
	for (size_t i = 0; sig && i < j.n; i++)
		free(sig[i]);
	free(sig);
	S_job_close(&j);
	return code;
}
