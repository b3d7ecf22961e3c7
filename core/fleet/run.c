/* The fleet runner: a pool of threads, each taking the next account in file order and
 * running it on clients of its own; the calling thread hands the results back in order. */
#include "pdhooks/fleet_run.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/json_quick.h"
#include "fleet/fleet_json.h"
#include "run/run_json.h"
#include "pdhooks/alloc.h"
#include "pdhooks/apply.h"
#include "pdhooks/buf.h"
#include "pdhooks/planfile.h"
#include "pdhooks/run.h"
#include "pdhooks/sha256.h"
#include "pdhooks/target.h"
#include "pdhooks/url.h"

/* The API URL of an account that leaves it to its token's api_domain, before it has one. */
#define S_NO_URL "(the token's api_domain)"

/* An account's Markdown plan is part of a comment shared with others. */
#define S_MARKDOWN_PER_ACCOUNT 20000

/* A desired file the accounts share, read and parsed once (NULL: each account reads it). */
typedef struct S_file {
	const char *path;
	pdh_desired_shared *shared;
} S_file;

typedef struct S_pool {
	const pdh_fleet_run_opts *o;
	pdh_session *session;         /* every account's calls */
	pthread_mutex_t files_mu;
	S_file *files;                /* each desired file met so far */
	size_t n_files, cap_files;
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

static void S_fail(pdh_fleet_result *r, int rc, const pdh_error *err)
{
	size_t n = strlen(r->account->name);
	const char *message = err->message;

	/* The report names the account already. */
	if (message && strncmp(message, "account ", 8) == 0 &&
	    strncmp(message + 8, r->account->name, n) == 0 && strncmp(message + 8 + n, ": ", 2) == 0)
		message += 8 + n + 2;
	r->core_rc = rc;
	r->row.outcome = pdh_fleet_outcome_of_error(rc, err);
	free(r->error);
	r->error = pdh_xstrdup(message && *message ? message : pdh_error_name(rc));
}

_Static_assert((int)PDH_FLEET_PLAN == (int)PDH_RUN_PLAN && (int)PDH_FLEET_APPLY ==
               (int)PDH_RUN_APPLY && (int)PDH_FLEET_STATUS == (int)PDH_RUN_STATUS,
               "a fleet's mode is a run's");
_Static_assert((int)PDH_FLEET_TEXT == (int)PDH_FORMAT_TEXT && (int)PDH_FLEET_JSON ==
               (int)PDH_FORMAT_JSON && (int)PDH_FLEET_MARKDOWN == (int)PDH_FORMAT_MARKDOWN,
               "a fleet's format is a run's");

/* The account's part of the report, in the run's format: what a single run of the company
 * prints (pdh_run_render_*), the account's header and row being the report's. */
static void S_section(pdh_fleet_result *r, const pdh_fleet_run_opts *o,
                      const pdh_run_result *run)
{
	json_t *acct;

	if (o->format == PDH_FLEET_JSON) {
		json_t *doc = pdh_run_doc_json(run);

		if (o->mode == PDH_FLEET_STATUS)
			acct = pdh_fleet_account_json_as(&r->row, "status", doc, NULL);
		else
			acct = pdh_fleet_account_json(&r->row, doc, pdh_run_apply_counts_json(run));
		r->section = json_dumps(acct, JSON_COMPACT);
		json_decref(acct);
		return;
	}
	r->section = pdh_run_render_plan(run, (pdh_format)o->format, o->color,
	                                 S_MARKDOWN_PER_ACCOUNT);
	if (o->mode == PDH_FLEET_APPLY && o->format == PDH_FLEET_TEXT && run->t.plan) {
		char *tail = pdh_run_render_apply_text(run, o->color);
		char *both = pdh_xasprintf("%s%s", r->section, tail);

		free(r->section);
		free(tail);
		r->section = both;
	}
}

char *pdh_fleet_plan_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	return pdh_xasprintf("%s%s%s.json", dir, n && dir[n - 1] == '/' ? "" : "/", name);
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

/* An account's credential source during its run: asked at the start, and again by its clients
 * after a 401 (pdh_client_opts.reauth), once per token refused and at most S_MAX_REASK times. */
#define S_MAX_REASK 5

typedef struct S_source {
	pthread_mutex_t mu;
	const pdh_fleet_account *a;
	pdh_token_opts opts;
	char *token;                  /* the latest token */
	int asked;                    /* times asked again */
	pdh_error err;                /* why the last asking failed; code 0: it did not */
} S_source;

static int S_reask(void *ctx, const char *refused, char **fresh)
{
	S_source *s = ctx;
	pdh_fleet_cred c;
	char warning[512];
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	if (strcmp(s->token, refused) == 0) {  /* not yet asked again for this token */
		if (s->asked >= S_MAX_REASK) {
			rc = -1;
		} else {
			s->asked++;
			pdh_error_clear(&s->err);
			rc = pdh_fleet_credential(&c, s->a, &s->opts, refused, warning, sizeof(warning),
			                          &s->err);
		}
		if (rc == 0) {
			pdh_free_secret(s->token);
			s->token = c.token;
			c.token = NULL;
			pdh_fleet_cred_dispose(&c);
		}
	}
	if (rc == 0)
		*fresh = pdh_xstrdup(s->token);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* The API URL of an account: its own (api_url, company_domain), else its token's
 * api_domain + /api/v1 into *own. NULL when neither. */
static const char *S_api_url(const pdh_fleet_account *a, const pdh_fleet_cred *c, char **own)
{
	if (a->api_url)
		return a->api_url;
	if (c->api_domain)
		return *own = pdh_oauth_api_url(c->api_domain);
	return NULL;
}

/* Checks made before any call: an API URL, and the scope the command needs. */
static int S_precheck(const pdh_fleet_run_opts *o, const pdh_fleet_cred *c, const char *api_url,
                      pdh_error *err)
{
	const char *missing;

	if (api_url == NULL)
		return pdh_error_set(err, PDH_EINVAL, "no API URL: the account sets neither api_url "
		                     "nor company_domain, and its %s gave no api_domain", c->source);
	if (c->scope && (missing = pdh_oauth_scope_missing(c->scope, o->mode ==
	                                                   PDH_FLEET_APPLY)) != NULL)
		return pdh_error_set(err, PDH_EAUTH, "the token's scope lacks %s, which %s needs%s; "
		                     "nothing was called", missing, o->mode == PDH_FLEET_APPLY
		                     ? "apply" : o->mode == PDH_FLEET_PLAN ? "plan" : "status",
		                     o->mode == PDH_FLEET_APPLY ? " (or admin)"
		                                                : " (or webhooks:full, admin)");
	return 0;
}

/* The desired file at path, read and parsed by the first account that needs it: what ${VAR}
 * changes is checked for each account, on its own vars, by pdh_desired_load_shared. */
static const pdh_desired_shared *S_desired_file(S_pool *P, const char *path)
{
	const pdh_desired_shared *found = NULL;
	size_t i;

	pthread_mutex_lock(&P->files_mu);
	for (i = 0; i < P->n_files && strcmp(P->files[i].path, path) != 0; i++)
		;
	if (i == P->n_files) {
		P->files = pdh_xgrow(P->files, &P->cap_files, P->n_files + 1, sizeof(*P->files));
		P->files[i].path = path;
		P->files[i].shared = pdh_desired_shared_read(path);
		P->n_files++;
	}
	found = P->files[i].shared;
	pthread_mutex_unlock(&P->files_mu);
	return found;
}

/* What earlier passes spent on the account at slot (o->spent) added to run's calls. */
static void S_count_before(pdh_run_result *run, const pdh_fleet_run_opts *o, size_t slot)
{
	if (o->spent == NULL)
		return;
	atomic_fetch_add(&run->t.meter.tokens, o->spent[slot].tokens);
	run->api_calls += o->spent[slot].calls;
	if (run->applied)  /* what apply's text says beside the tokens */
		run->applied->n_calls += (size_t)o->spent[slot].calls;
}

/* What the account's calls spent in all (run's, earlier passes' counted in) into r. */
static void S_spent(pdh_fleet_result *r, const pdh_fleet_run_opts *o, size_t slot,
                    const pdh_run_result *run)
{
	r->row.tokens = pdh_meter_tokens(&run->t.meter);
	r->row.calls = run->api_calls;
	r->row.daily_tokens_remaining = pdh_meter_daily_remaining(&run->t.meter);
	if (r->row.daily_tokens_remaining < 0 && o->spent)
		r->row.daily_tokens_remaining = o->spent[slot].daily_remaining;
	r->row.has_daily_tokens_remaining = r->row.daily_tokens_remaining >= 0;
	r->spent.tokens = r->row.tokens;
	r->spent.calls = run->api_calls;
	r->spent.daily_remaining = r->row.daily_tokens_remaining;
}

static pdh_fleet_result *S_run_account(const pdh_fleet_run_opts *o, S_pool *P, size_t slot)
{
	pdh_session *session = P->session;
	const pdh_fleet_account *a = &o->fleet->accounts[o->accounts[slot]];
	pdh_fleet_result *r = pdh_xcalloc(1, sizeof(*r));
	S_log_ctx log = { o, a->name };
	S_source src;
	pdh_fleet_cred cred;
	pdh_run_result run;
	pdh_run_opts ro;
	pdh_error err = { 0 };
	char *save = NULL, *saved = NULL, warning[512];
	const char *api_url;
	int rc;

	r->account = a;
	r->row.index = o->accounts[slot];
	r->row.name = a->name;
	r->row.api_url = a->api_url ? a->api_url : S_NO_URL;
	r->id.name = a->name;
	memset(&run, 0, sizeof(run));
	run.mode = (pdh_run_mode)o->mode;
	memset(&src, 0, sizeof(src));
	pthread_mutex_init(&src.mu, NULL);
	src.a = a;
	src.opts = o->token;
	src.opts.cacert = o->cacert;
	src.opts.session = session;
	src.opts.timeout_ms = o->timeout_ms;
	rc = pdh_fleet_credential(&cred, a, &src.opts, NULL, warning, sizeof(warning), &err);
	if (warning[0])
		r->warning = pdh_xstrdup(warning);
	if (rc != 0) {
		S_fail(r, rc, &err);
		goto render;
	}
	api_url = S_api_url(a, &cred, &r->api_url);
	if (api_url)
		r->row.api_url = api_url;
	if ((rc = S_precheck(o, &cred, api_url, &err)) != 0) {
		S_fail(r, rc, &err);
		goto render;
	}
	src.token = pdh_xstrdup(cred.token);
	S_target_digest(r->id.target_sha256, api_url, cred.bearer, cred.token);
	r->id.bearer = cred.bearer;
	memset(&ro, 0, sizeof(ro));
	ro.mode = (pdh_run_mode)o->mode;
	ro.target.desired_path = a->desired;
	if (a->desired && o->saved_dir == NULL)
		ro.target.desired_shared = S_desired_file(P, a->desired);
	ro.target.load.vars = pdh_fleet_var;
	ro.target.load.vars_ctx = (void *)a;
	ro.target.load.getenv = o->getenv;
	ro.target.load.getenv_ctx = o->getenv_ctx;
	ro.target.client.api_url = api_url;
	ro.target.client.auth = cred.bearer ? PDH_AUTH_BEARER : PDH_AUTH_API_TOKEN;
	ro.target.client.token = cred.token;
	ro.target.client.reauth = S_reask;
	ro.target.client.reauth_ctx = &src;
	ro.expect_company = cred.has_company_id;
	ro.expect_company_id = cred.company_id;
	ro.lock_key = cred.lock_key;
	ro.target.client.cacert = o->cacert;
	ro.target.client.session = session;
	ro.target.client.timeout_ms = o->timeout_ms;
	ro.target.client.log = o->log ? S_log : NULL;
	ro.target.client.log_ctx = &log;
	ro.target.plan = o->plan;
	ro.target.plan.auth = ro.target.client.auth;  /* the types managed follow the credential */
	ro.target.listing.retry = o->retry;
	ro.target.listing.interrupt = o->interrupt;
	ro.target.company_from_listing = o->company_from_listing;
	if (o->save_dir && o->mode == PDH_FLEET_PLAN)
		ro.save_to = save = pdh_fleet_plan_path(o->save_dir, a->name);
	if (o->saved_dir)
		ro.saved_path = saved = pdh_fleet_plan_path(o->saved_dir, a->name);
	ro.expect_signature = o->expect_signature ? o->expect_signature[slot] : NULL;
	ro.force = o->force;
	ro.min_daily_tokens = o->min_daily_tokens;
	ro.parallelism = o->parallelism;
	ro.retry = o->retry;
	ro.interrupt = o->interrupt;
	rc = pdh_run(&run, &ro);
	S_count_before(&run, o, slot);
	if (run.t.diags.len > 0)
		r->diagnostics = pdh_diags_render(&run.t.diags, run.t.source, run.t.source_len, false,
		                                  o->color);
	/* The report names the company the run named (the listing's, or /users/me's for an
	 * empty listing); the check of one company in two accounts goes by listings alone. */
	r->id.has_company_id = pdh_live_company(run.t.live, &r->id.company_id);
	r->row.has_company_id = run.t.company.source != PDH_COMPANY_UNKNOWN || r->id.has_company_id;
	r->row.company_id = run.t.company.source != PDH_COMPANY_UNKNOWN ? run.t.company.id
	                                                                : r->id.company_id;
	if (!r->id.has_company_id && cred.has_company_id) {  /* an empty listing: the token's */
		r->id.has_company_id = true;
		r->id.company_id = cred.company_id;
	}
	r->id.declared_types = run.t.desired ? run.t.desired->manage_types : 0;
	if (run.t.plan) {
		r->changes = !pdh_plan_is_empty(run.t.plan);
		r->row.n_create = (long)run.t.plan->n_create;
		r->row.n_replace = (long)run.t.plan->n_replace;
		r->row.n_delete = (long)run.t.plan->n_delete;
		r->row.n_unchanged = (long)run.t.plan->n_unchanged;
		r->plan_signature = pdh_xstrdup(run.signature);
	}
	if (run.saved_digest[0])
		r->saved_digest = pdh_xstrdup(run.saved_digest);
	r->row.outcome = run.outcome;
	if (rc == PDH_EAUTH && src.err.code != 0)  /* asked again after a 401, and that failed */
		S_fail(r, src.err.code, &src.err);
	else if (rc != 0)
		S_fail(r, rc, &run.err);
	S_spent(r, o, slot, &run);
	if (rc != 0 && pdh_meter_budget_spent(&run.t.meter))
		r->row.reason = "budget";
	goto rendered;
render:  /* failed before its run: what earlier passes spent */
	S_count_before(&run, o, slot);
	S_spent(r, o, slot, &run);
rendered:
	r->row.error = r->error;
	r->row.exit_code = pdh_fleet_outcome_exit(r->row.outcome);
	S_section(r, o, &run);
	if (o->metrics_command)
		r->metrics = pdh_run_metrics(&run, o->metrics_command, a->name, r->row.exit_code == 2 &&
		                             o->mode == PDH_FLEET_APPLY ? 0 : r->row.exit_code);
	pdh_run_result_dispose(&run);
	PDH_FREE_ALL(save, saved);
	pdh_fleet_cred_dispose(&cred);
	pdh_free_secret(src.token);
	pthread_mutex_destroy(&src.mu);
	return r;
}

/* An account not run: skipped (why; reason: a word for it, or NULL), or refused (why is its
 * error); before: what calls made for it earlier spent (carried), or NULL. */
static pdh_fleet_result *S_not_run(const pdh_fleet_run_opts *o, size_t slot,
                                   pdh_fleet_outcome outcome, const char *why,
                                   const char *reason, const pdh_fleet_spent *before)
{
	const pdh_fleet_account *a = &o->fleet->accounts[o->accounts[slot]];
	pdh_fleet_result *r = pdh_xcalloc(1, sizeof(*r));
	pdh_run_result run;

	memset(&run, 0, sizeof(run));
	run.mode = (pdh_run_mode)o->mode;
	r->account = a;
	r->row.index = o->accounts[slot];
	r->row.name = a->name;
	r->row.api_url = a->api_url ? a->api_url : S_NO_URL;
	r->row.outcome = outcome;
	r->core_rc = outcome == PDH_FLEET_FAILED ? PDH_EINVAL : 0;
	r->id.name = a->name;
	r->error = pdh_xstrdup(why);
	r->row.error = r->error;
	r->row.reason = reason;
	r->row.exit_code = pdh_fleet_outcome_exit(r->row.outcome);
	r->spent.daily_remaining = -1;
	if (before == NULL && o->spent)
		before = &o->spent[slot];
	if (before) {
		r->spent = *before;
		r->row.tokens = before->tokens;
		r->row.daily_tokens_remaining = before->daily_remaining;
		r->row.has_daily_tokens_remaining = before->daily_remaining >= 0;
	}
	S_section(r, o, &run);
	return r;
}

pdh_fleet_result *pdh_fleet_result_refused(const pdh_fleet_run_opts *o, size_t slot,
                                           const char *why, const pdh_fleet_result *ran)
{
	return S_not_run(o, slot, PDH_FLEET_FAILED, why, NULL, ran ? &ran->spent : NULL);
}

void pdh_fleet_result_free(pdh_fleet_result *r)
{
	if (r == NULL)
		return;
	PDH_FREE_ALL(r->error, r->diagnostics, r->warning, r->section, r->saved_digest,
	             r->plan_signature, r->metrics, r->api_url, r);
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
		/* enabled: false: no token asked for, no call made */
		if (P->o->fleet->accounts[P->o->accounts[i]].disabled)
			r = S_not_run(P->o, i, PDH_FLEET_SKIPPED, "disabled: enabled: false in the "
			              "fleet file", PDH_FLEET_REASON_DISABLED, NULL);
		else if (P->o->skip_reason)
			r = S_not_run(P->o, i, PDH_FLEET_SKIPPED, P->o->skip_reason, NULL, NULL);
		else if (P->o->refuse && P->o->refuse[i])
			r = S_not_run(P->o, i, PDH_FLEET_FAILED, P->o->refuse[i], NULL, NULL);
		else if (P->o->interrupt && atomic_load(P->o->interrupt))
			r = S_not_run(P->o, i, PDH_FLEET_SKIPPED, "interrupted before it started", NULL,
			              NULL);
		else
			r = S_run_account(P->o, P, i);
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
	pdh_json_quick_init();  /* before the threads: listings are read in arenas */
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
	pthread_mutex_init(&P.files_mu, NULL);
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
		if (o->take) {
			o->take(o->emit_ctx, r);
			continue;
		}
		if (o->emit)
			o->emit(o->emit_ctx, r);
		pdh_fleet_result_free(r);
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&P.mu);
	pthread_mutex_destroy(&P.files_mu);
	pthread_cond_destroy(&P.cv);
	for (size_t i = 0; i < P.n_files; i++)
		pdh_desired_shared_free(P.files[i].shared);
	free(P.files);
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
