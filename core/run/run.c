/* One run of one company, for the single-company commands and each account of a fleet. */
#include "pdhooks/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdhooks/alloc.h"
#include "pdhooks/apply_lock.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "pdhooks/cost.h"
#include "pdhooks/metrics.h"
#include "pdhooks/sha256.h"
#include "pdhooks/status.h"

char *pdh_run_brake_message(const pdh_plan *plan)
{
	return pdh_xasprintf("refused: %s (use --force to apply anyway)",
	                     plan->brake_reason ? plan->brake_reason : "a safety brake");
}

long long pdh_run_apply_tokens(const pdh_plan *plan)
{
	return pdh_cost_apply(plan->n_create + plan->n_replace, plan->n_delete + plan->n_replace);
}

char *pdh_run_budget_brake(const pdh_plan *plan, long long remaining,
                           long long min_daily_tokens)
{
	long long cost = pdh_run_apply_tokens(plan);

	if (remaining < 0 || cost == 0 || remaining >= cost + min_daily_tokens)
		return NULL;
	return pdh_xasprintf("refused: the company's daily API budget has %lld token%s left, "
	                     "below the %lld this plan costs plus --min-daily-tokens %lld (use "
	                     "--force to apply anyway)", remaining, remaining == 1 ? "" : "s",
	                     cost, min_daily_tokens);
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

/* The plan, from the desired file or from the saved plan at opts->saved_path. */
static int S_plan(pdh_run_result *r, const pdh_run_opts *o)
{
	int rc;

	if (o->saved_path == NULL) {
		pdh_target_run_init(&r->t, o->target.desired_path);
		rc = pdh_target_plan(&r->t, &o->target, &r->err);
		/* Every plan names its company. One that cannot be named (an empty listing, GET
		 * /users/me failed) is still shown, with a warning; it is not saved. */
		if (rc == PDH_OK && o->mode != PDH_RUN_STATUS)
			pdh_target_company(&r->t, &o->target, NULL);
		return rc;
	}
	pdh_target_run_init(&r->t, NULL);
	rc = pdh_planfile_load(&r->saved, o->saved_path, &r->err);
	if (rc == PDH_OK && o->hooks.saved &&
	    o->hooks.saved(o->hooks.ctx, r->saved, o->saved_path, &r->err) != 0)
		return r->err.code ? r->err.code : PDH_EINVAL;
	if (rc != PDH_OK)
		return rc;
	pdh_target_run_dispose(&r->t);
	pdh_target_run_init(&r->t, r->saved->desired_path);
	return pdh_planfile_target_plan(&r->t, &o->target, r->saved, &r->err);
}

typedef struct S_progress_ctx {
	const pdh_run_opts *o;
	pdh_buf lines;
} S_progress_ctx;

static void S_progress(void *ctx, const pdh_apply_event *ev)
{
	S_progress_ctx *p = ctx;
	char *line = pdh_run_render_event(ev);

	if (line)
		pdh_buf_puts(&p->lines, line);
	if (p->o->hooks.progress)
		p->o->hooks.progress(p->o->hooks.ctx, ev, line);
	free(line);
}

static int S_apply(pdh_run_result *r, const pdh_run_opts *o)
{
	S_progress_ctx pc = { o, PDH_BUF_INIT };
	pdh_apply_opts ao;
	int rc;

	memset(&ao, 0, sizeof(ao));
	ao.client = o->target.client;
	if (ao.client.meter == NULL)
		ao.client.meter = &r->t.meter;
	ao.plan_opts = o->target.plan;
	if (r->saved)  /* verified with the choice the saved plan was reviewed with */
		pdh_planfile_choice(&ao.plan_opts, r->saved);
	ao.parallelism = o->parallelism;
	ao.force = o->force;
	ao.retry = o->retry;
	ao.interrupt = o->interrupt;
	ao.max_wait_ms = o->max_wait_ms;
	ao.progress = S_progress;
	ao.progress_ctx = &pc;
	ao.prior_calls = (size_t)r->t.listing.calls;
	ao.live = r->t.live;
	rc = pdh_apply(&r->applied, r->t.plan, r->t.desired, &ao, &r->err);
	r->apply_lines = pc.lines.data ? pdh_buf_detach(&pc.lines) : pdh_xstrdup("");
	if (rc == PDH_EPARTIAL && r->applied && r->err.message[0] == '\0')
		pdh_error_set(&r->err, rc, "%zu call%s failed, %zu not run%s", r->applied->n_failed,
		              r->applied->n_failed == 1 ? "" : "s", r->applied->n_not_run,
		              r->applied->converged ? "" : "; not converged");
	if (r->applied && r->applied->interrupted) {
		int sig = o->interrupt ? atomic_load(o->interrupt) : 0;

		r->interrupted_by = sig ? sig : 2;
	}
	return rc;
}

/* After the plan: the mode's own steps. */
static int S_after_plan(pdh_run_result *r, const pdh_run_opts *o)
{
	const pdh_plan *plan = r->t.plan;
	char *why;
	int rc;

	r->signature = S_signature(plan, r->t.live);
	r->plan_tokens = pdh_meter_tokens(&r->t.meter);
	r->plan_daily_remaining = pdh_meter_daily_remaining(&r->t.meter);
	if (o->hooks.planned)
		o->hooks.planned(o->hooks.ctx, r);
	if (o->mode == PDH_RUN_STATUS) {
		r->outcome = pdh_status_unhealthy(plan) ? PDH_FLEET_UNHEALTHY : PDH_FLEET_HEALTHY;
		return PDH_OK;
	}
	r->outcome = pdh_plan_is_empty(plan) ? PDH_FLEET_IN_SYNC : PDH_FLEET_CHANGES;
	if (o->expect_signature && strcmp(o->expect_signature, r->signature) != 0)
		return pdh_error_set(&r->err, PDH_ESTALE, "the plan changed since it was shown and "
		                     "confirmed; plan again");
	if (o->mode == PDH_RUN_PLAN) {
		char *text = NULL;

		if (o->save_to == NULL)
			return PDH_OK;
		if (r->t.company.source == PDH_COMPANY_UNKNOWN)
			return pdh_error_set(&r->err, r->t.company_rc ? r->t.company_rc : PDH_EINVAL,
			                     "the plan was not saved: it must name its company, and "
			                     "%s", r->t.company_err.message);
		rc = pdh_planfile_format(&text, plan, r->t.desired, r->t.live, &o->target.plan,
		                         o->target.client.api_url, o->save_to, &r->err);
		if (rc == PDH_OK)
			rc = pdh_planfile_save(o->save_to, text, r->saved_digest, &r->err);
		free(text);
		return rc;
	}
	if (pdh_plan_is_empty(plan))
		return PDH_OK;
	if (plan->brake && !o->force) {
		why = pdh_run_brake_message(plan);

		r->refused = true;
		pdh_error_set(&r->err, PDH_EBRAKE, "%s", why);
		free(why);
		return PDH_EBRAKE;
	}
	if (!o->force && (why = pdh_run_budget_brake(plan, pdh_meter_daily_remaining(&r->t.meter),
	                                             o->min_daily_tokens)) != NULL) {
		r->refused = true;
		pdh_error_set(&r->err, PDH_EBRAKE, "%s", why);
		free(why);
		return PDH_EBRAKE;
	}
	if (o->hooks.confirm && !o->hooks.confirm(o->hooks.ctx, r, &r->err)) {
		r->refused = true;
		return r->err.code ? r->err.code : PDH_EINVAL;
	}
	rc = S_apply(r, o);
	if (rc == PDH_OK)
		r->outcome = PDH_FLEET_APPLIED;
	return rc;
}

bool pdh_run_company(const pdh_run_result *r, long long *company_id)
{
	return r->t.live != NULL && pdh_live_company(r->t.live, company_id);
}

/* The credential's company against the run's, before any write. */
static int S_check_company(pdh_run_result *r, const pdh_run_opts *o)
{
	long long id;

	if (!o->expect_company || !pdh_run_company(r, &id) || id == o->expect_company_id)
		return PDH_OK;
	return pdh_error_set(&r->err, PDH_EAUTH, "the token is for company %lld, but the API at "
	                     "%s is company %lld's; nothing was written", o->expect_company_id,
	                     o->target.client.api_url, id);
}

/* The exit code of a single-company run that ended as r did. */
static int S_exit_code(const pdh_run_result *r, const pdh_run_opts *o)
{
	if (r->interrupted_by)
		return 128 + r->interrupted_by;
	if (r->rc != PDH_OK)
		return pdh_fleet_outcome_exit(r->outcome);
	if (r->outcome == PDH_FLEET_CHANGES || r->outcome == PDH_FLEET_UNHEALTHY)
		return o->detailed_exitcode && o->mode != PDH_RUN_APPLY ? 2 : 0;
	return 0;
}

int pdh_run(pdh_run_result *r, const pdh_run_opts *o)
{
	long long started = pdh_now_ms();
	pdh_apply_lock *lock = NULL;
	int rc = PDH_OK;

	memset(r, 0, sizeof(*r));
	r->mode = o->mode;
	/* One apply per company on this machine, taken before the listing it plans from. */
	if (o->mode == PDH_RUN_APPLY)
		rc = o->lock_key ? pdh_apply_lock_take_key(&lock, o->lock_key, &r->err)
		                 : pdh_apply_lock_take(&lock, o->target.client.token, &r->err);
	if (rc == PDH_OK)
		rc = S_plan(r, o);
	else
		pdh_target_run_init(&r->t, o->target.desired_path);
	if (rc == PDH_EFILE && r->t.diags.n_errors > 0)
		pdh_error_set(&r->err, rc, "%s does not load: %zu error%s", r->t.diags.file,
		              r->t.diags.n_errors, r->t.diags.n_errors == 1 ? "" : "s");
	if (rc == PDH_OK)
		rc = S_check_company(r, o);
	if (rc == PDH_OK)
		rc = S_after_plan(r, o);
	pdh_apply_lock_release(lock);
	r->rc = rc;
	if (rc != PDH_OK && r->outcome != PDH_FLEET_APPLIED)
		r->outcome = pdh_fleet_outcome_of_error(rc, &r->err);
	if (rc != PDH_OK && r->err.message[0] == '\0')
		pdh_error_set(&r->err, rc, "%s", pdh_error_name(rc));
	r->exit_code = S_exit_code(r, o);
	r->api_calls = r->applied ? (int)r->applied->n_calls : r->t.listing.calls;
	r->duration_ms = pdh_now_ms() - started;
	return rc;
}

void pdh_run_result_dispose(pdh_run_result *r)
{
	if (r == NULL)
		return;
	pdh_apply_result_free(r->applied);
	pdh_target_run_dispose(&r->t);
	pdh_planfile_free(r->saved);
	PDH_FREE_ALL(r->signature, r->apply_lines);
	memset(r, 0, sizeof(*r));
}

char *pdh_run_metrics(const pdh_run_result *r, const char *command, const char *account,
                      int exit_code)
{
	pdh_metrics_run m;
	struct timespec wall;

	clock_gettime(CLOCK_REALTIME, &wall);
	memset(&m, 0, sizeof(m));
	m.command = command;
	m.account = account;
	m.plan = r->t.plan;
	m.exit_code = exit_code;
	m.success = exit_code == 0 || (exit_code == 2 && r->mode != PDH_RUN_APPLY);
	m.finished_unix = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	m.duration_seconds = (double)r->duration_ms / 1e3;
	m.api_calls = r->api_calls;
	m.api_tokens = pdh_meter_tokens(&r->t.meter);
	m.daily_tokens_remaining = pdh_meter_daily_remaining(&r->t.meter);
	m.has_daily_tokens_remaining = m.daily_tokens_remaining >= 0;
	return pdh_metrics_render(&m);
}
