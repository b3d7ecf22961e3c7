/* A run's result in one format: the single-company commands and the fleet's report both
 * render through here, so one company reads the same in either. */
#include "pdhooks/run.h"

#include <stdlib.h>
#include <string.h>

#include "monitor/status_json.h"
#include "plan/plan_json.h"
#include "run/run_json.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/render_apply_json.h"
#include "pdhooks/render_json.h"
#include "pdhooks/render_markdown.h"
#include "pdhooks/render_text.h"
#include "pdhooks/status.h"

/* One line for a settled step: what happened, the key, the id, the time, and for failures
 * Pipedrive's text. "created KEY", but "failed create KEY": a failure says which half. */
static void S_step_line(pdh_buf *b, const pdh_apply_step *st)
{
	pdh_buf_printf(b, "%-8s %s%s", pdh_step_outcome_word(pdh_step_outcome_of(st)),
	               st->state == PDH_STEP_DONE ? ""
	               : st->kind == PDH_STEP_CREATE ? "create " : "delete ", st->action->key);
	if (st->id > 0)
		pdh_buf_printf(b, " (id %lld)", st->id);
	else if (st->found_by_listing)
		pdh_buf_puts(b, " (confirmed by a listing)");
	if (st->already_gone)
		pdh_buf_puts(b, " (already gone)");
	if (st->delete_first)
		pdh_buf_puts(b, " (delete-first at the webhook limit)");
	if (st->attempts > 0)
		pdh_buf_printf(b, " [%lld ms]", st->ms);
	if (st->error)
		pdh_buf_printf(b, ": %s", st->error);
	pdh_buf_putc(b, '\n');
}

char *pdh_run_render_event(const pdh_apply_event *ev)
{
	pdh_buf b = PDH_BUF_INIT;

	switch (ev->kind) {
	case PDH_APPLY_EVENT_STEP:
		S_step_line(&b, ev->step);
		break;
	case PDH_APPLY_EVENT_NOTE:
		pdh_buf_printf(&b, "note: %s\n", ev->text);
		break;
	case PDH_APPLY_EVENT_WAIT:
		return NULL;
	}
	return pdh_buf_detach(&b);
}

/* "(8 API calls, 70 tokens; applying it costs 36 tokens; 29930 daily tokens left)": what
 * the calls cost, what applying the plan would (apply_tokens >= 0), the budget left
 * (remaining >= 0). */
static void S_cost(pdh_buf *b, long long calls, long long tokens, long long apply_tokens,
                   long long remaining)
{
	pdh_buf_putc(b, '(');
	pdh_cost_words(b, calls, tokens);
	if (apply_tokens >= 0)
		pdh_buf_printf(b, "; applying it costs %lld token%s", apply_tokens,
		               apply_tokens == 1 ? "" : "s");
	if (remaining >= 0)
		pdh_buf_printf(b, "; %lld daily token%s left", remaining, remaining == 1 ? "" : "s");
	pdh_buf_putc(b, ')');
}

/* The cost line of a plan or a status report (text and Markdown). Caller frees. */
static char *S_plan_cost(const pdh_run_result *r)
{
	pdh_buf b = PDH_BUF_INIT;

	S_cost(&b, r->t.listing.calls, r->plan_tokens,
	       r->mode == PDH_RUN_STATUS || pdh_plan_is_empty(r->t.plan) ? -1
	       : pdh_run_apply_tokens(r->t.plan),
	       r->plan_daily_remaining);
	return pdh_buf_detach(&b);
}

/* The daily budget's figures in a run's JSON summary: tokens spent, and the budget left
 * (null when no answer showed it). */
static void S_meter_json(json_t *summary, long long tokens, long long remaining)
{
	json_object_set_new(summary, "tokens", json_integer((json_int_t)tokens));
	json_object_set_new(summary, "daily_tokens_remaining",
	                    remaining >= 0 ? json_integer((json_int_t)remaining) : json_null());
}

char *pdh_run_render_plan(const pdh_run_result *r, pdh_format fmt, bool color,
                          size_t max_markdown)
{
	const pdh_target_run *t = &r->t;
	char *cost, *text, *both;

	if (t->plan == NULL)
		return NULL;
	if (fmt == PDH_FORMAT_JSON) {
		json_t *doc = pdh_run_doc_json(r);

		text = pdh_json_dump(doc);
		json_decref(doc);
		return text;
	}
	cost = S_plan_cost(r);
	if (fmt == PDH_FORMAT_MARKDOWN && r->mode != PDH_RUN_STATUS) {
		/* The cost line closes the comment, within its limit. */
		size_t limit = max_markdown ? max_markdown : PDH_MARKDOWN_MAX, need = strlen(cost) + 2;
		pdh_markdown_opts mo = { limit > need ? limit - need : 1,
		                         r->saved_digest[0] ? r->saved_digest : NULL, &t->diags };

		text = pdh_render_markdown(t->plan, t->desired, t->live, &mo);
		both = pdh_xasprintf("%s\n%s\n", text, cost);
		PDH_FREE_ALL(text, cost);
		return both;
	}
	text = r->mode == PDH_RUN_STATUS ? pdh_status_render_text(t->plan, color)
	                                 : pdh_render_text(t->plan, color);
	both = pdh_xasprintf("%s%s\n", text, cost);
	PDH_FREE_ALL(text, cost);
	return both;
}

static const char *S_s(size_t n)
{
	return n == 1 ? "" : "s";
}

static void S_summary(pdh_buf *b, const pdh_run_result *r, bool color)
{
	const pdh_apply_result *res = r->applied;

	pdh_buf_printf(b, "\nApply: %zu created, %zu deleted, %zu failed, %zu not run ",
	               res->n_created, res->n_deleted, res->n_failed, res->n_not_run);
	S_cost(b, (long long)res->n_calls, pdh_meter_tokens(&r->t.meter), -1,
	       pdh_meter_daily_remaining(&r->t.meter));
	pdh_buf_puts(b, ".\n");
	if (res->waited_ms >= 1000)
		pdh_buf_printf(b, "Waited %.1f s in all for the rate limit and before retries.\n",
		               (double)res->waited_ms / 1000.0);
	if (res->n_delete_first)
		pdh_buf_printf(b, "Delete-first: %zu replace%s at the webhook limit deleted the old "
		               "webhook before creating the new one; events in between were lost.\n",
		               res->n_delete_first, S_s(res->n_delete_first));
	if (res->n_restored)
		pdh_buf_printf(b, "Re-created: %zu old webhook%s deleted first whose new one could "
		               "not be made, from the listed fields (never a password).\n",
		               res->n_restored, S_s(res->n_restored));
	if (res->n_restore_failed)
		pdh_buf_printf(b, "Lost: %zu old webhook%s deleted first could not be re-created; "
		               "run apply again.\n", res->n_restore_failed, S_s(res->n_restore_failed));
	if (res->n_extra_removed)
		pdh_buf_printf(b, "Removed %zu second cop%s made by a POST that timed out and landed "
		               "later.\n", res->n_extra_removed, res->n_extra_removed == 1 ? "y" : "ies");
	if (res->unavailable) {
		pdh_buf_printf(b, "Stopped: %s.\n", res->stop_reason);
		if (res->n_not_run)
			pdh_buf_puts(b, "Not run:\n");
		for (size_t i = 0; res->n_not_run && i < res->n_steps; i++)
			if (res->steps[i].state == PDH_STEP_NOT_RUN)
				pdh_buf_printf(b, "  %s %s\n", res->steps[i].kind == PDH_STEP_CREATE
				               ? "create" : "delete", res->steps[i].action->key);
	}
	if (res->interrupted) {
		pdh_buf_puts(b, "Interrupted: calls in flight finished, no new call was started.\n");
	} else if (res->converged) {
		pdh_buf_puts(b, "Verified: the live webhooks match the file.\n");
	} else if (res->verified) {
		char *text = pdh_render_text(res->remaining, color);

		pdh_buf_puts(b, "Not converged: a new plan still has changes:\n");
		pdh_buf_puts(b, text);
		free(text);
	} else if (res->verify_error) {
		pdh_buf_printf(b, "Not verified: %s\n", res->verify_error);
	}
}

char *pdh_run_render_apply_end(const pdh_run_result *r, bool color)
{
	pdh_buf b = PDH_BUF_INIT;

	if (r->t.plan && pdh_plan_is_empty(r->t.plan) && r->rc == PDH_OK)
		pdh_buf_puts(&b, "Nothing to do.\n");
	else if (r->applied)
		S_summary(&b, r, color);
	return b.data ? pdh_buf_detach(&b) : pdh_xstrdup("");
}

char *pdh_run_render_apply_text(const pdh_run_result *r, bool color)
{
	char *end = pdh_run_render_apply_end(r, color), *text;

	if (r->applied == NULL)
		return end;
	text = pdh_xasprintf("\n%s%s", r->apply_lines ? r->apply_lines : "", end);
	free(end);
	return text;
}

char *pdh_run_render_apply_json(const pdh_run_result *r, int exit_code, const char *signal,
                                const char *error)
{
	/* Without a result nothing was applied: refused, unless the plan had nothing to do. */
	bool refused = !(r->t.plan && pdh_plan_is_empty(r->t.plan) && r->rc == PDH_OK);
	pdh_apply_json_extra x = { signal, exit_code, error, r->applied == NULL && refused,
		                   pdh_meter_tokens(&r->t.meter),
		                   pdh_meter_daily_remaining(&r->t.meter) };

	return pdh_render_apply_json(r->applied, (size_t)r->api_calls, &x);
}

json_t *pdh_run_doc_json(const pdh_run_result *r)
{
	const pdh_target_run *t = &r->t;

	json_t *doc, *summary;

	if (t->plan == NULL)
		return NULL;
	doc = r->mode == PDH_RUN_STATUS ? pdh_status_json(t->plan, t->desired)
	                                : pdh_plan_json(t->plan, t->desired, t->live, &t->diags);
	summary = json_object_get(doc, "summary");
	S_meter_json(summary, r->plan_tokens, r->plan_daily_remaining);
	if (r->mode != PDH_RUN_STATUS)
		json_object_set_new(summary, "apply_tokens",
		                    json_integer((json_int_t)pdh_run_apply_tokens(t->plan)));
	return doc;
}

json_t *pdh_run_apply_counts_json(const pdh_run_result *r)
{
	const pdh_apply_result *a = r->applied;

	if (a == NULL)
		return NULL;
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "created", (json_int_t)a->n_created,
	                 "deleted", (json_int_t)a->n_deleted, "failed", (json_int_t)a->n_failed,
	                 "not_run", (json_int_t)a->n_not_run, "calls", (json_int_t)a->n_calls,
	                 "tokens", (json_int_t)pdh_meter_tokens(&r->t.meter),
	                 "verified", a->verified, "converged", a->converged);
}
