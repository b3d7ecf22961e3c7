/* The fleet runner: a pool of threads, each taking the next account in file order and
 * running it on clients of its own; the calling thread hands the results back in order. */
#include "pdhooks/fleet_run.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/fleet_json.h"
#include "plan/plan_json.h"
#include "pdhooks/alloc.h"
#include "pdhooks/apply.h"
#include "pdhooks/apply_lock.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "pdhooks/metrics.h"
#include "pdhooks/planfile.h"
#include "pdhooks/render_json.h"
#include "pdhooks/render_markdown.h"
#include "pdhooks/render_text.h"
#include "pdhooks/sha256.h"
#include "pdhooks/status.h"
#include "pdhooks/target.h"
#include "pdhooks/url.h"

/* An account's Markdown plan is part of a comment shared with others. */
#define S_MARKDOWN_PER_ACCOUNT 20000

typedef struct S_pool {
	const pdh_fleet_run_opts *o;
	pdh_session *session;         /* every account's calls */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;                  /* the next account a worker takes */
	size_t emitted;               /* accounts handed back so far */
	size_t window;                /* how far ahead of `emitted` workers may go */
	pdh_fleet_result **slots;
	bool *done;
} S_pool;

typedef struct S_log_ctx {
	const pdh_fleet_run_opts *o;
	const char *name;
} S_log_ctx;

static void S_log(void *ctx, const char *line)
{
	S_log_ctx *l = ctx;
	char *s = pdh_xasprintf("[%s] %s", l->name, line);

	l->o->log(l->o->log_ctx, s);
	free(s);
}

static void S_fail(pdh_fleet_result *r, int rc, const char *message)
{
	size_t n = strlen(r->account->name);

	/* The report names the account already. */
	if (message && strncmp(message, "account ", 8) == 0 &&
	    strncmp(message + 8, r->account->name, n) == 0 && strncmp(message + 8 + n, ": ", 2) == 0)
		message += 8 + n + 2;
	r->core_rc = rc;
	r->row.outcome = pdh_fleet_outcome_of(rc);
	free(r->error);
	r->error = pdh_xstrdup(message && *message ? message : pdh_error_name(rc));
}

/* What the plan does, for an apply that must do what was shown and confirmed. */
static char *S_signature(const pdh_plan *p, const pdh_live *live)
{
	pdh_buf b = PDH_BUF_INIT;
	char fp[65], sum[65];

	pdh_live_fingerprint(fp, live, p);
	pdh_buf_printf(&b, "%s\n", fp);
	for (size_t i = 0; i < p->n_actions; i++)
		pdh_buf_printf(&b, "%d %s %lld\n", (int)p->actions[i].kind, p->actions[i].key,
		               p->actions[i].live ? p->actions[i].live->id : -1LL);
	pdh_sha256_hex(pdh_buf_cstr(&b), b.len, sum);
	pdh_buf_dispose(&b);
	return pdh_xstrdup(sum);
}

static json_t *S_apply_json(const pdh_apply_result *a)
{
	if (a == NULL)
		return NULL;
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "created", (json_int_t)a->n_created,
	                 "deleted", (json_int_t)a->n_deleted, "failed", (json_int_t)a->n_failed,
	                 "not_run", (json_int_t)a->n_not_run, "calls", (json_int_t)a->n_calls,
	                 "verified", a->verified, "converged", a->converged);
}

static void S_apply_text(pdh_buf *b, const pdh_apply_result *a)
{
	for (size_t i = 0; i < a->n_steps; i++) {
		const pdh_apply_step *st = &a->steps[i];
		const char *verb = st->state == PDH_STEP_DONE
		                   ? (st->kind == PDH_STEP_CREATE ? "created" : "deleted")
		                   : st->state == PDH_STEP_FAILED ? "failed" : "not run";

		pdh_buf_printf(b, "%-8s %s%s", verb, st->state == PDH_STEP_DONE ? "" :
		               st->kind == PDH_STEP_CREATE ? "create " : "delete ", st->action->key);
		if (st->id > 0)
			pdh_buf_printf(b, " (id %lld)", st->id);
		if (st->error)
			pdh_buf_printf(b, ": %s", st->error);
		pdh_buf_putc(b, '\n');
	}
	pdh_buf_printf(b, "Apply: %zu created, %zu deleted, %zu failed, %zu not run (%zu API "
	               "calls); %s.\n", a->n_created, a->n_deleted, a->n_failed, a->n_not_run,
	               a->n_calls, a->converged ? "verified" : a->verified ? "not converged"
	                                                                 : "not verified");
}

/* The account's part of the report, in the run's format. */
static void S_section(pdh_fleet_result *r, const pdh_fleet_run_opts *o,
                      const pdh_target_run *run, const pdh_apply_result *applied)
{
	json_t *plan_doc = NULL, *acct;
	pdh_buf b = PDH_BUF_INIT;

	if (o->mode == PDH_FLEET_STATUS) {
		char *text = NULL;

		if (o->format == PDH_FLEET_JSON) {
			json_t *doc = NULL;

			if (run->plan) {
				text = pdh_status_render_json(run->plan, run->desired);
				doc = json_loads(text, 0, NULL);
				free(text);
			}
			acct = pdh_fleet_account_json_as(&r->row, "status", doc, NULL);
			r->section = json_dumps(acct, JSON_COMPACT);
			json_decref(acct);
		} else if (run->plan) {
			r->section = pdh_status_render_text(run->plan, o->color);
		}
		return;
	}
	switch (o->format) {
	case PDH_FLEET_JSON:
		if (run->plan)
			plan_doc = pdh_plan_json(run->plan, run->desired, run->live, &run->diags);
		acct = pdh_fleet_account_json(&r->row, plan_doc, S_apply_json(applied));
		r->section = json_dumps(acct, JSON_COMPACT);
		json_decref(acct);
		break;
	case PDH_FLEET_TEXT:
		if (run->plan) {
			char *t = pdh_render_text(run->plan, o->color);
			pdh_buf_puts(&b, t);
			free(t);
		}
		if (applied)
			S_apply_text(&b, applied);
		if (b.data)
			r->section = pdh_buf_detach(&b);
		break;
	case PDH_FLEET_MARKDOWN:
		if (run->plan) {
			pdh_markdown_opts mo = { S_MARKDOWN_PER_ACCOUNT, r->saved_digest, &run->diags };
			r->section = pdh_render_markdown(run->plan, run->desired, run->live, &mo);
		}
		break;
	}
}

char *pdh_fleet_plan_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	return pdh_xasprintf("%s%s%s.json", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Lists (through the one retried listing path) and plans, from the desired file or from the
 * account's saved plan. */
static int S_plan(pdh_target_run *run, pdh_target *t, pdh_planfile **pf,
                  const pdh_fleet_run_opts *o, const pdh_fleet_account *a, pdh_error *err)
{
	int rc;

	t->listing.retry = o->retry;
	t->listing.interrupt = o->interrupt;
	if (o->saved_dir) {
		char *path = pdh_fleet_plan_path(o->saved_dir, a->name);

		rc = pdh_planfile_load(pf, path, err);
		free(path);
		if (rc != 0)
			return rc;
		pdh_target_run_dispose(run);
		pdh_target_run_init(run, (*pf)->desired_path);
		return pdh_planfile_target_plan(run, t, *pf, err);
	}
	return pdh_target_plan(run, t, err);
}

static int S_apply(pdh_fleet_result *r, pdh_apply_result **res, const pdh_target_run *run,
                   const pdh_target *t, const pdh_fleet_run_opts *o, pdh_error *err)
{
	pdh_apply_opts ao;
	int rc;

	if (run->plan->brake && !o->force)
		return pdh_error_set(err, PDH_EBRAKE, "refused: %s (use --force to apply anyway)",
		                     run->plan->brake_reason ? run->plan->brake_reason
		                                             : "a safety brake");
	memset(&ao, 0, sizeof(ao));
	ao.client = t->client;
	ao.parallelism = o->parallelism;
	ao.force = o->force;
	ao.plan_opts = t->plan;
	ao.retry = o->retry;
	ao.interrupt = o->interrupt;
	ao.live = run->live;
	rc = pdh_apply(res, run->plan, run->desired, &ao, err);
	if (rc == PDH_EPARTIAL && *res && err->message[0] == '\0')
		pdh_error_set(err, rc, "%zu call%s failed, %zu not run%s", (*res)->n_failed,
		              (*res)->n_failed == 1 ? "" : "s", (*res)->n_not_run,
		              (*res)->converged ? "" : "; not converged");
	(void)r;
	return rc;
}

/* The account's credential as pdh_fleet_same_company compares it: the API URL normalised (as
 * a subscription URL is, trailing '/' dropped), the kind of token and the token, hashed. */
static void S_target_digest(char out[65], const char *api_url, bool bearer, const char *token)
{
	char *url = pdh_url_normalize(api_url);
	char token_hex[65];
	pdh_buf b = PDH_BUF_INIT;
	size_t n;

	if (url == NULL)
		url = pdh_xstrdup(api_url);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	pdh_sha256_hex(token, strlen(token), token_hex);
	pdh_buf_printf(&b, "pdhooks target\n%.*s\n%s\n%s", (int)n, url,
	               bearer ? "bearer" : "api-token", token_hex);
	pdh_sha256_hex(pdh_buf_cstr(&b), b.len, out);
	pdh_buf_dispose(&b);
	free(url);
}

static pdh_fleet_result *S_run_account(const pdh_fleet_run_opts *o, pdh_session *session,
                                       size_t slot)
{
	const pdh_fleet_account *a = &o->fleet->accounts[o->accounts[slot]];
	pdh_fleet_result *r = pdh_xcalloc(1, sizeof(*r));
	S_log_ctx log = { o, a->name };
	pdh_apply_result *applied = NULL;
	pdh_apply_lock *lock = NULL;
	pdh_planfile *pf = NULL;
	pdh_error err = { 0 };
	pdh_target_run run;
	pdh_target t;
	char *token = NULL, warning[512];
	bool bearer = false;
	long long started = pdh_now_ms();
	int rc;

	r->account = a;
	r->row.index = o->accounts[slot];
	r->row.name = a->name;
	r->row.api_url = a->api_url;
	r->id.name = a->name;
	memset(&t, 0, sizeof(t));
	pdh_target_run_init(&run, a->desired);
	rc = pdh_fleet_token(&token, &bearer, a, &o->token, warning, sizeof(warning), &err);
	if (warning[0])
		r->warning = pdh_xstrdup(warning);
	if (rc != 0) {
		S_fail(r, rc, err.message);
		goto render;
	}
	S_target_digest(r->id.target_sha256, a->api_url, bearer, token);
	r->id.bearer = bearer;
	t.desired_path = a->desired;
	t.load.vars = pdh_fleet_var;
	t.load.vars_ctx = (void *)a;
	t.load.getenv = o->getenv;
	t.load.getenv_ctx = o->getenv_ctx;
	t.client.api_url = a->api_url;
	t.client.auth = bearer ? PDH_AUTH_BEARER : PDH_AUTH_API_TOKEN;
	t.client.token = token;
	t.client.cacert = o->cacert;
	t.client.session = session;
	t.client.timeout_ms = o->timeout_ms;
	t.client.log = o->log ? S_log : NULL;
	t.client.log_ctx = &log;
	t.plan = o->plan;
	t.plan.auth = t.client.auth;  /* the types managed follow the credential kind */
	/* One apply per company on this machine, taken before the listing it plans from. */
	if (o->mode == PDH_FLEET_APPLY &&
	    (rc = pdh_apply_lock_take(&lock, token, &err)) != 0) {
		S_fail(r, rc, err.message);
		goto render;
	}
	rc = S_plan(&run, &t, &pf, o, a, &err);
	if (run.diags.len > 0)
		r->diagnostics = pdh_diags_render(&run.diags, run.source, run.source_len, false,
		                                  o->color);
	for (size_t i = 0; run.live && i < run.live->n; i++)
		if (run.live->items[i].has_company_id) {
			r->row.has_company_id = true;
			r->row.company_id = run.live->items[i].company_id;
			break;
		}
	r->id.has_company_id = r->row.has_company_id;
	r->id.company_id = r->row.company_id;
	r->id.declared_types = run.desired ? run.desired->manage_types : 0;
	if (rc != 0) {
		if (rc == PDH_EFILE && err.message[0] == '\0')
			pdh_error_set(&err, rc, "%s does not load: %zu error%s", run.diags.file,
			              run.diags.n_errors, run.diags.n_errors == 1 ? "" : "s");
		S_fail(r, rc, err.message);
		goto render;
	}
	r->changes = !pdh_plan_is_empty(run.plan);
	r->row.n_create = (long)run.plan->n_create;
	r->row.n_replace = (long)run.plan->n_replace;
	r->row.n_delete = (long)run.plan->n_delete;
	r->row.n_unchanged = (long)run.plan->n_unchanged;
	r->plan_signature = S_signature(run.plan, run.live);
	r->row.outcome = r->changes ? PDH_FLEET_CHANGES : PDH_FLEET_IN_SYNC;
	if (o->mode == PDH_FLEET_STATUS) {
		r->row.outcome = pdh_status_unhealthy(run.plan) ? PDH_FLEET_UNHEALTHY : PDH_FLEET_HEALTHY;
		goto render;
	}
	if (o->expect_signature && o->expect_signature[slot] &&
	    strcmp(o->expect_signature[slot], r->plan_signature) != 0) {
		S_fail(r, PDH_ESTALE, "the plan changed since it was shown and confirmed; plan again");
		goto render;
	}
	if (o->mode == PDH_FLEET_PLAN && o->save_dir) {
		char *path = pdh_fleet_plan_path(o->save_dir, a->name), *text = NULL, sum[65];

		rc = pdh_planfile_format(&text, run.plan, run.desired, run.live, &t.plan,
		                         a->api_url, &err);
		if (rc == 0)
			rc = pdh_planfile_save(path, text, sum, &err);
		if (rc == 0)
			r->saved_digest = pdh_xstrdup(sum);
		else
			S_fail(r, rc, err.message);
		free(text);
		free(path);
	}
	if (o->mode == PDH_FLEET_APPLY && r->changes) {
		rc = S_apply(r, &applied, &run, &t, o, &err);
		if (rc == 0)
			r->row.outcome = PDH_FLEET_APPLIED;
		else
			S_fail(r, rc, err.message);
	}
render:
	r->row.error = r->error;
	r->row.exit_code = pdh_fleet_outcome_exit(r->row.outcome);
	S_section(r, o, &run, applied);
	if (o->metrics_command) {
		pdh_metrics_run m;

		memset(&m, 0, sizeof(m));
		m.command = o->metrics_command;
		m.account = a->name;
		m.plan = run.plan;
		m.exit_code = r->row.exit_code == 2 && o->mode == PDH_FLEET_APPLY ? 0 : r->row.exit_code;
		m.success = m.exit_code == 0 || m.exit_code == 2;
		m.finished_unix = (double)time(NULL);
		m.duration_seconds = (double)(pdh_now_ms() - started) / 1e3;
		m.api_calls = run.listing.calls + (applied ? (int)applied->n_calls : 0);
		r->metrics = pdh_metrics_render(&m);
	}
	pdh_apply_result_free(applied);
	pdh_apply_lock_release(lock);
	pdh_planfile_free(pf);
	pdh_target_run_dispose(&run);
	pdh_free_secret(token);
	return r;
}

/* An account not run: skipped (why), or refused (why is its error). */
static pdh_fleet_result *S_not_run(const pdh_fleet_run_opts *o, size_t slot,
                                   pdh_fleet_outcome outcome, const char *why)
{
	const pdh_fleet_account *a = &o->fleet->accounts[o->accounts[slot]];
	pdh_fleet_result *r = pdh_xcalloc(1, sizeof(*r));
	pdh_target_run run;

	memset(&run, 0, sizeof(run));
	pdh_diags_init(&run.diags, a->desired);
	r->account = a;
	r->row.index = o->accounts[slot];
	r->row.name = a->name;
	r->row.api_url = a->api_url;
	r->row.outcome = outcome;
	r->core_rc = outcome == PDH_FLEET_FAILED ? PDH_EINVAL : 0;
	r->id.name = a->name;
	r->error = pdh_xstrdup(why);
	r->row.error = r->error;
	r->row.exit_code = pdh_fleet_outcome_exit(r->row.outcome);
	S_section(r, o, &run, NULL);
	pdh_diags_dispose(&run.diags);
	return r;
}

static void S_result_free(pdh_fleet_result *r)
{
	if (r == NULL)
		return;
	PDH_FREE_ALL(r->error, r->diagnostics, r->warning, r->section, r->saved_digest,
	             r->plan_signature, r->metrics, r);
}

static void *S_worker(void *arg)
{
	S_pool *P = arg;

	for (;;) {
		pdh_fleet_result *r;
		size_t i;

		pthread_mutex_lock(&P->mu);
		while (P->next < P->o->n_accounts && P->next >= P->emitted + P->window)
			pthread_cond_wait(&P->cv, &P->mu);
		if (P->next >= P->o->n_accounts) {
			pthread_mutex_unlock(&P->mu);
			break;
		}
		i = P->next++;
		pthread_mutex_unlock(&P->mu);
		if (P->o->skip_reason)
			r = S_not_run(P->o, i, PDH_FLEET_SKIPPED, P->o->skip_reason);
		else if (P->o->refuse && P->o->refuse[i])
			r = S_not_run(P->o, i, PDH_FLEET_FAILED, P->o->refuse[i]);
		else if (P->o->interrupt && atomic_load(P->o->interrupt))
			r = S_not_run(P->o, i, PDH_FLEET_SKIPPED, "interrupted before it started");
		else
			r = S_run_account(P->o, P->session, i);
		pthread_mutex_lock(&P->mu);
		P->slots[i] = r;
		P->done[i] = true;
		pthread_cond_broadcast(&P->cv);
		pthread_mutex_unlock(&P->mu);
	}
	return NULL;
}

int pdh_fleet_run(const pdh_fleet_run_opts *o, pdh_error *err)
{
	S_pool P;
	pthread_t *threads;
	size_t n_threads, started = 0;
	int conc = o->concurrency > 0 ? o->concurrency : o->fleet->concurrency;
	pdh_session *own = NULL;
	int rc;

	if (conc <= 0)
		conc = PDH_FLEET_DEFAULT_CONCURRENCY;
	if (conc > PDH_FLEET_MAX_CONCURRENCY)
		return pdh_error_set(err, PDH_EINVAL, "concurrency %d: at most %d", conc,
		                     PDH_FLEET_MAX_CONCURRENCY);
	if (o->n_accounts == 0)
		return 0;
	memset(&P, 0, sizeof(P));
	P.session = o->session;
	{
		/* Connections for the calls in flight: conc accounts, each with its apply's. */
		int per = o->mode != PDH_FLEET_APPLY ? 1 : o->parallelism > 0
		          ? o->parallelism : PDH_APPLY_DEFAULT_PARALLELISM;
		pdh_session_opts so = { o->cacert, conc * per + 1 };

		if (P.session == NULL && (rc = pdh_session_new(&own, &so, err)) != 0)
			return rc;
		if (P.session == NULL)
			P.session = own;
		pdh_session_expect(P.session, (long)conc * per);
	}
	P.o = o;
	P.window = (size_t)conc * 4;
	P.slots = pdh_xcalloc(o->n_accounts, sizeof(*P.slots));
	P.done = pdh_xcalloc(o->n_accounts, sizeof(*P.done));
	pthread_mutex_init(&P.mu, NULL);
	pthread_cond_init(&P.cv, NULL);
	n_threads = (size_t)conc < o->n_accounts ? (size_t)conc : o->n_accounts;
	threads = pdh_xcalloc(n_threads, sizeof(*threads));
	for (size_t i = 0; i < n_threads; i++)
		if (pthread_create(&threads[started], NULL, S_worker, &P) == 0)
			started++;
	if (started == 0)  /* no thread at all: run them here, one by one */
		S_worker(&P);
	for (size_t i = 0; i < o->n_accounts; i++) {
		pdh_fleet_result *r;

		pthread_mutex_lock(&P.mu);
		while (!P.done[i])
			pthread_cond_wait(&P.cv, &P.mu);
		r = P.slots[i];
		P.slots[i] = NULL;
		P.emitted = i + 1;
		pthread_cond_broadcast(&P.cv);
		pthread_mutex_unlock(&P.mu);
		if (o->emit)
			o->emit(o->emit_ctx, r);
		S_result_free(r);
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&P.mu);
	pthread_cond_destroy(&P.cv);
	free(P.slots);
	free(P.done);
	pdh_session_free(own);
	return 0;
}

int pdh_fleet_load_account(pdh_target_run *run, const pdh_fleet_account *a,
                           pdh_getenv_fn getenv, void *ctx, bool no_env, pdh_error *err)
{
	pdh_target t;

	memset(&t, 0, sizeof(t));
	t.desired_path = a->desired;
	t.load.vars = pdh_fleet_var;
	t.load.vars_ctx = (void *)a;
	t.load.getenv = getenv;
	t.load.getenv_ctx = ctx;
	t.load.no_env = no_env;
	pdh_target_run_init(run, a->desired);
	return pdh_target_load(run, &t, err);
}
