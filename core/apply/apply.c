#include "pdhooks/apply.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/cost.h"
#include "pdhooks/listing.h"
#include "pdhooks/names.h"

#include "pacer.h"

/* What apply keeps about a step besides the public record. */
typedef struct S_extra {
	pdh_retry_call call;     /* its attempts and when the first began, across re-sends */
	bool limited;            /* a create refused with 422: the webhook limit, unless
	                            S_sort_refusals finds it is not */
	bool limit_named;        /* that 422's text names the webhook limit */
	bool unknown_pending;    /* a POST of unknown outcome, for the next listing to settle */
	long wait_ms;            /* wait before that listing */
	bool queued;             /* handed to a phase already */
	size_t create_of;        /* the delete half of a replace: its create step; SIZE_MAX none */
	bool reported;           /* its PDH_APPLY_EVENT_STEP was sent */
	bool hold;               /* not reported yet, whatever happens: the caller adds to it */
	long long sent_ms;       /* when the latest attempt began */
	long long land_by_ms;    /* a POST of unknown outcome may land on the server until then */
	bool resent;             /* re-sent after a listing did not show a POST of unknown
	                            outcome: the first one may still land (S_verify) */
} S_extra;

typedef struct S_run {
	const pdh_apply_opts *opts;
	const pdh_desired *desired;
	pdh_apply_result *res;
	S_extra *extra;
	pdh_client **clients;
	int n_clients;
	pdh_pacer pacer;         /* the rate limit and the wait budget of every call */
	pthread_mutex_t mu;      /* guards the queue */
	const size_t *queue;     /* the steps of the phase running */
	size_t n_queue, next;
	unsigned long long seed;
	pthread_mutex_t progress_mu; /* one progress call at a time */
	atomic_bool budget_spent; /* a call met the company's spent daily budget */
	atomic_bool closed;       /* a call was answered 402: the company's account is not open */
} S_run;

typedef struct S_worker_arg {
	S_run *run;
	int index;
} S_worker_arg;

static bool S_interrupted(const S_run *run)
{
	return run->opts->interrupt && atomic_load(run->opts->interrupt) != 0;
}

/* Why a step was not sent; caller frees. The pacer's stopped is set once, before any reader
 * is told of it under its lock. */
static char *S_unsent_text(const S_run *run, int pace)
{
	if (pace == PDH_PACE_EXHAUSTED)
		return pdh_xasprintf("not sent: %s", run->pacer.stopped);
	return pdh_xstrdup("interrupted before it was sent");
}

static void S_emit(S_run *run, const pdh_apply_event *ev)
{
	if (run->opts->progress == NULL)
		return;
	pthread_mutex_lock(&run->progress_mu);
	run->opts->progress(run->opts->progress_ctx, ev);
	pthread_mutex_unlock(&run->progress_mu);
}

static void S_tell_wait(void *ctx, long long ms, const char *why)
{
	S_run *run = ctx;
	pdh_apply_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = PDH_APPLY_EVENT_WAIT;
	ev.wait_ms = (long)ms;
	ev.text = why;
	S_emit(run, &ev);
}

static void S_note(S_run *run, const pdh_apply_step *st, const char *text)
{
	pdh_apply_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = PDH_APPLY_EVENT_NOTE;
	ev.step = st;
	ev.text = text;
	S_emit(run, &ev);
}

/* Tells that step i is settled, once. Runs in the thread that owns the step. */
static void S_report(S_run *run, size_t i)
{
	pdh_apply_step *st = &run->res->steps[i];
	S_extra *x = &run->extra[i];
	pdh_apply_event ev;

	if (x->reported || x->hold)
		return;
	x->reported = true;
	if (x->call.started)
		st->ms = pdh_now_ms() - x->call.first_ms;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PDH_APPLY_EVENT_STEP;
	ev.step = st;
	S_emit(run, &ev);
}

static void S_set_error(pdh_apply_step *st, char *text)
{
	free(st->error);
	st->error = text;
}

static char *S_failure_text(const pdh_error *e, int attempts)
{
	const char *msg = e->message[0] ? e->message : pdh_error_name(e->code);

	if (attempts > 1)
		return pdh_xasprintf("%s (after %d attempts)", msg, attempts);
	return pdh_xstrdup(msg);
}

/* Until when a POST whose attempt began at sent_ms and was given up after elapsed_ms may
 * still land; 0 when it cannot. Only an attempt cut off by a timeout (ours, or a gateway's
 * 504) leaves the server working on it: any other answer or a dropped connection ends it.
 * The server behind works on a request about as long as its client was willing to wait
 * for it (the gateways in front of an API cut requests off at timeouts of the same order
 * as a client's), so we allow the attempt's time once more after it was given up, plus
 * PDH_RETRY_LAND_MARGIN_MS for the write to show in a listing. */
static long long S_land_by(const pdh_http_result *hr, long long sent_ms)
{
	if (hr->transport != CURLE_OPERATION_TIMEDOUT && hr->status != 504)
		return 0;
	return sent_ms + 2LL * hr->elapsed_ms + PDH_RETRY_LAND_MARGIN_MS;
}

/* The retry loop's hooks shared by every call of the run: the pacer before and after each
 * attempt, the wait before a retry within the budget. */
typedef struct S_paced {
	S_run *run;
	int probe;               /* what pdh_pacer_begin said for the latest attempt */
	const char *why;         /* why the latest wait was refused: the pacer's stopped, or
	                            "interrupted" */
} S_paced;

static int S_paced_before(void *ctx, pdh_error *err)
{
	S_paced *pc = ctx;
	char *why;

	if ((pc->probe = pdh_pacer_begin(&pc->run->pacer)) >= 0)
		return 0;
	why = S_unsent_text(pc->run, pc->probe);
	pdh_error_set(err, PDH_EPARTIAL, "%s", why);
	free(why);
	return PDH_EPARTIAL;
}

static void S_paced_after(void *ctx, const pdh_http_result *hr)
{
	S_paced *pc = ctx;

	if (pdh_retry_budget_spent(hr)) {
		/* No call to this company can succeed before its budget resets: none is sent. */
		char why[256];

		pdh_budget_spent_text(why, sizeof(why), hr);
		pdh_pacer_stop_why(&pc->run->pacer, why);
		atomic_store(&pc->run->budget_spent, true);
	} else if (hr->status == 402) {
		/* The company's account is not open: nothing works for it until it is again. */
		pdh_pacer_stop_why(&pc->run->pacer, PDH_APPLY_CLOSED_TEXT);
		atomic_store(&pc->run->closed, true);
	}
	pdh_pacer_end(&pc->run->pacer, hr, pc->probe);
}

static bool S_paced_wait(void *ctx, long ms, const char *what)
{
	S_paced *pc = ctx;

	return pdh_pacer_wait(&pc->run->pacer, ms, what, &pc->why);
}

/* One step's call: the paced hooks first (the retry loop's ctx is this struct). */
typedef struct S_step_call {
	S_paced paced;
	pdh_client *c;
	pdh_apply_step *st;
	S_extra *x;
} S_step_call;

static int S_step_send(void *ctx, pdh_http_result *hr, pdh_error *e)
{
	S_step_call *sc = ctx;
	pdh_apply_step *st = sc->st;
	int rc;

	sc->x->sent_ms = pdh_now_ms();
	st->attempts = sc->x->call.attempts;
	if (st->kind == PDH_STEP_CREATE) {
		pdh_live_webhook made;

		memset(&made, 0, sizeof(made));
		rc = pdh_client_create(sc->c, st->action->desired, &made, hr, e);
		if (rc == 0)
			st->id = made.id;
		pdh_live_webhook_dispose(&made);
	} else {
		rc = pdh_client_delete(sc->c, st->action->live->id, hr, e);
	}
	st->http_status = hr->status;
	memcpy(st->correlation_id, hr->correlation_id, sizeof(st->correlation_id));
	return rc;
}

/* A step the pacer would not let out (probe: why). */
static void S_step_unsent(S_run *run, size_t i, int probe)
{
	pdh_apply_step *st = &run->res->steps[i];
	S_extra *x = &run->extra[i];

	if (st->attempts == 0) {
		st->state = PDH_STEP_NOT_RUN;
		S_set_error(st, S_unsent_text(run, probe));
	} else if (probe == PDH_PACE_INTERRUPTED) {
		st->state = PDH_STEP_FAILED;
		S_set_error(st, pdh_xstrdup("interrupted before it could be retried"));
	} else {
		st->state = PDH_STEP_FAILED;
		S_set_error(st, st->http_status > 0
		            ? pdh_xasprintf("not retried (last answer: HTTP %ld): %s",
		                            st->http_status, run->pacer.stopped)
		            : pdh_xasprintf("not retried: %s", run->pacer.stopped));
	}
	if (!x->limited && !x->unknown_pending)
		S_report(run, i);
}

/* Sends one step until the retry policy says it is settled. Runs in a worker thread; the step
 * and its extra record belong to this thread for the time of the call. */
static void S_run_step(S_run *run, pdh_client *c, size_t i, unsigned long long *rng)
{
	pdh_apply_step *st = &run->res->steps[i];
	S_extra *x = &run->extra[i];
	S_step_call sc = { { run, 0, NULL }, c, st, x };
	pdh_retry_hooks h = { S_paced_before, S_step_send, S_paced_after, S_paced_wait, NULL, &sc };
	pdh_http_method method = st->kind == PDH_STEP_CREATE ? PDH_METHOD_POST : PDH_METHOD_DELETE;
	pdh_retry_outcome end;
	pdh_retry_decision d;
	pdh_error e;

	x->call.method = method;
	x->call.subject = st->action->key;
	x->call.policy = &run->opts->retry;
	x->call.interrupt = run->opts->interrupt;
	x->call.rng = rng;
	pdh_error_clear(&e);
	(void)pdh_retry_run(&x->call, &h, &end, &e);
	st->attempts = x->call.attempts;
	d = end.decision;
	switch (end.end) {
	case PDH_RETRY_END_UNSENT:
		S_step_unsent(run, i, sc.paced.probe);
		return;
	case PDH_RETRY_END_OK:
		st->state = PDH_STEP_DONE;
		st->outcome_unknown = false;
		x->limited = false;
		S_set_error(st, NULL);
		S_report(run, i);
		return;
	case PDH_RETRY_END_NO_WAIT:
		st->state = PDH_STEP_FAILED;
		if (sc.paced.why == run->pacer.stopped)
			S_set_error(st, pdh_xasprintf("not retried: %s; last answer: %s",
			                              sc.paced.why, e.message));
		else
			S_set_error(st, pdh_xasprintf("interrupted while waiting to retry: %s",
			                              e.message));
		S_report(run, i);
		return;
	case PDH_RETRY_END_SETTLED:
		break;
	}
	switch (d.verdict) {
	case PDH_RETRY_DONE:
	case PDH_RETRY_AGAIN:   /* not settled by the loop */
		st->state = PDH_STEP_DONE;
		st->already_gone = end.last.status == 404;
		S_set_error(st, NULL);
		S_report(run, i);
		return;
	case PDH_RETRY_UNKNOWN:
		st->state = PDH_STEP_FAILED;
		st->outcome_unknown = true;
		x->unknown_pending = true;
		x->wait_ms = d.delay_ms;
		if (S_land_by(&end.last, x->sent_ms) > x->land_by_ms)
			x->land_by_ms = S_land_by(&end.last, x->sent_ms);
		S_set_error(st, pdh_xasprintf("outcome unknown: %s", e.message));
		return;
	case PDH_RETRY_GIVE_UP:
		st->state = PDH_STEP_FAILED;
		st->outcome_unknown = d.outcome_unknown;
		x->limited = method == PDH_METHOD_POST && end.last.status == 422;
		x->limit_named = x->limited && pdh_api_names_webhook_limit(e.message);
		if (end.last.status == 429 && d.wanted_ms > 0) {
			/* The rate limit's wait is past the budget: no call can be made in this run
			 * (exit 5), whatever the step. */
			pdh_pacer_stop(&run->pacer, d.wanted_ms, "Pipedrive's rate limit", true);
			S_set_error(st, pdh_xasprintf("not retried: %s; last answer: %s",
			                              run->pacer.stopped, e.message));
		} else {
			S_set_error(st, S_failure_text(&e, st->attempts));
		}
		if (!x->limited)
			S_report(run, i);
		return;
	}
}

static void *S_worker(void *p)
{
	S_worker_arg *a = p;
	S_run *run = a->run;
	unsigned long long rng = run->seed + 0x9E3779B97F4A7C15ull * (unsigned)(a->index + 1);

	for (;;) {
		size_t i;

		pthread_mutex_lock(&run->mu);
		if (run->next >= run->n_queue) {
			pthread_mutex_unlock(&run->mu);
			break;
		}
		i = run->queue[run->next++];
		pthread_mutex_unlock(&run->mu);
		if (S_interrupted(run)) {
			run->res->steps[i].state = PDH_STEP_NOT_RUN;
			S_set_error(&run->res->steps[i], pdh_xstrdup("interrupted before it was sent"));
			S_report(run, i);
			continue;
		}
		S_run_step(run, run->clients[a->index], i, &rng);
	}
	return NULL;
}

/* Runs the given steps, up to n_clients at once, and returns when all are settled. */
static void S_run_phase(S_run *run, const size_t *idx, size_t n)
{
	pthread_t threads[PDH_APPLY_MAX_PARALLELISM];
	S_worker_arg args[PDH_APPLY_MAX_PARALLELISM];
	int started = 0;
	int want;

	if (n == 0)
		return;
	for (size_t k = 0; k < n; k++)
		run->extra[idx[k]].queued = true;
	run->queue = idx;
	run->n_queue = n;
	run->next = 0;
	want = (size_t)run->n_clients < n ? run->n_clients : (int)n;
	/* The calling thread is worker 0; a thread that cannot start leaves its share to it. */
	for (int t = 1; t < want; t++) {
		args[t].run = run;
		args[t].index = t;
		if (pthread_create(&threads[t], NULL, S_worker, &args[t]) != 0)
			break;
		started = t;
	}
	args[0].run = run;
	args[0].index = 0;
	S_worker(&args[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(threads[t], NULL);
	run->queue = NULL;
	run->n_queue = run->next = 0;
}

/* The listing's pacer hooks: apply's listings count against the same rate limit as its
 * other calls, stop when the run is interrupted or the limit is exhausted, and their retries
 * wait within the run's budget. */
static bool S_list_wait(void *ctx, long ms, const char *what, const char **budget)
{
	S_paced *pc = ctx;

	if (S_paced_wait(pc, ms, what))
		return true;
	*budget = pc->why == pc->run->pacer.stopped ? pc->why : NULL;
	return false;
}

/* GET /webhooks through pdh_listing_get, on the first client (no phase is running). */
static int S_list(S_run *run, pdh_live **out, pdh_error *err)
{
	S_paced lp = { run, 0, NULL };
	pdh_listing_opts lo;
	pdh_listing_report rep;

	memset(&lo, 0, sizeof(lo));
	lo.retry = run->opts->retry;
	lo.interrupt = run->opts->interrupt;
	lo.seed = run->seed;
	lo.pacer.before = S_paced_before;
	lo.pacer.after = S_paced_after;
	lo.pacer.wait = S_list_wait;
	lo.pacer.ctx = &lp;
	return pdh_listing_get(run->clients[0], &lo, out, &rep, err);
}

/* Whether a plan made from a fresh listing still wants to create w: false means a live
 * webhook already matches it, key and attributes. */
static bool S_still_wanted(const pdh_plan *p, const pdh_desired_webhook *w)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].desired == w && (p->actions[i].kind == PDH_ACTION_CREATE ||
		                                   p->actions[i].kind == PDH_ACTION_REPLACE))
			return true;
	return false;
}

/* Queues the delete half of each replace whose create is done. */
static void S_run_replace_deletes(S_run *run)
{
	size_t *idx = pdh_xcalloc(run->res->n_steps + 1, sizeof(*idx));
	size_t n = 0;

	for (size_t i = 0; i < run->res->n_steps; i++) {
		S_extra *x = &run->extra[i];

		if (x->queued || x->create_of == SIZE_MAX)
			continue;
		if (run->res->steps[x->create_of].state == PDH_STEP_DONE)
			idx[n++] = i;
	}
	S_run_phase(run, idx, n);
	free(idx);
}

/* Settles the POSTs of unknown outcome: one listing, then re-send only those whose webhook it
 * does not show. The retry policy bounds the rounds through each step's attempt count. */
static void S_settle_unknown(S_run *run)
{
	pdh_apply_result *res = run->res;
	size_t *resend = pdh_xcalloc(res->n_steps + 1, sizeof(*resend));
	int max_rounds = (run->opts->retry.max_attempts > 0 ? run->opts->retry.max_attempts
	                  : PDH_RETRY_DEFAULT_ATTEMPTS) + 1;

	for (int round = 0; round < max_rounds; round++) {
		pdh_live *live = NULL;
		pdh_plan *plan = NULL;
		pdh_error e;
		long wait = 0;
		size_t n_pending = 0, n_resend = 0;
		const char *fail = NULL;
		int rc;

		for (size_t i = 0; i < res->n_steps; i++)
			if (run->extra[i].unknown_pending) {
				n_pending++;
				if (run->extra[i].wait_ms > wait)
					wait = run->extra[i].wait_ms;
			}
		if (n_pending == 0)
			break;
		pdh_error_clear(&e);
		if (!pdh_pacer_wait(&run->pacer, wait, "listing to learn whether a POST of unknown "
		                    "outcome made its webhook", &fail)) {
			if (fail != run->pacer.stopped)
				fail = "interrupted before a listing could tell";
		} else if ((rc = S_list(run, &live, &e)) != 0) {
			fail = e.message;
		} else if ((rc = pdh_plan_compute(&plan, run->desired, live, &run->opts->plan_opts,
		                                  &e)) != 0) {
			fail = e.message;
		}
		for (size_t i = 0; i < res->n_steps; i++) {
			pdh_apply_step *st = &res->steps[i];

			if (!run->extra[i].unknown_pending)
				continue;
			run->extra[i].unknown_pending = false;
			if (fail) {
				S_set_error(st, pdh_xasprintf("%s; the listing to check it failed: %s",
				                              st->error, fail));
				S_report(run, i);
			} else if (!S_still_wanted(plan, st->action->desired)) {
				st->state = PDH_STEP_DONE;
				st->found_by_listing = true;
				st->outcome_unknown = false;
				S_set_error(st, NULL);
				S_report(run, i);
			} else {
				st->outcome_unknown = false;
				run->extra[i].resent = true;
				resend[n_resend++] = i;
			}
		}
		pdh_plan_free(plan);
		pdh_live_free(live);
		if (fail)
			break;
		S_run_phase(run, resend, n_resend);
	}
	/* Only reachable when the policy allows more attempts than rounds: leave them failed. */
	for (size_t i = 0; i < res->n_steps; i++)
		run->extra[i].unknown_pending = false;
	free(resend);
}

/* One call outside the steps: the paced hooks first (the retry loop's ctx is this struct). */
typedef struct S_one_call {
	S_paced paced;
	const pdh_desired_webhook *w;
	long long id;
	long long *made;
} S_one_call;

static int S_one_send(void *ctx, pdh_http_result *hr, pdh_error *err)
{
	S_one_call *oc = ctx;
	pdh_client *c = oc->paced.run->clients[0];
	pdh_live_webhook out;
	int rc;

	if (oc->w == NULL)
		return pdh_client_delete(c, oc->id, hr, err);
	memset(&out, 0, sizeof(out));
	rc = pdh_client_create(c, oc->w, &out, hr, err);
	if (rc == 0)
		*oc->made = out.id;
	pdh_live_webhook_dispose(&out);
	return rc;
}

/* One call outside the steps, with the retry policy, on the first client: POST of w (its new
 * id into *made) when w is set, else DELETE of id. A POST whose outcome is unknown is never
 * sent again: it fails, and the verification listing tells. */
static int S_call_one(S_run *run, const pdh_desired_webhook *w, long long id, long long *made,
                      const char *what, pdh_error *err)
{
	unsigned long long rng = run->seed ^ 0x2545F4914F6CDD1Dull;
	S_one_call oc = { { run, 0, NULL }, w, id, made };
	pdh_retry_hooks h = { S_paced_before, S_one_send, S_paced_after, S_paced_wait, NULL, &oc };
	pdh_retry_call call;
	pdh_retry_outcome end;
	int rc;

	memset(&call, 0, sizeof(call));
	call.method = w ? PDH_METHOD_POST : PDH_METHOD_DELETE;
	call.what = what;
	call.policy = &run->opts->retry;
	call.interrupt = run->opts->interrupt;
	call.rng = &rng;
	call.started = true;
	call.first_ms = pdh_now_ms();
	rc = pdh_retry_run(&call, &h, &end, err);
	/* a DELETE answered 404: gone already (a POST's DONE comes back as UNKNOWN) */
	if (rc != 0 && end.end == PDH_RETRY_END_SETTLED && end.decision.verdict == PDH_RETRY_DONE)
		return 0;
	return rc;
}

/* After a re-send that followed a POST of unknown outcome, the first POST may still land
 * (S_land_by): wait for that, then remove a second copy of such a key, which only that POST
 * can have made. The planner picks the copy to delete (it keeps the lowest id). */
static void S_remove_late_copies(S_run *run, const pdh_plan *plan, size_t *n_removed)
{
	pdh_apply_result *res = run->res;

	*n_removed = 0;
	for (size_t a = 0; a < plan->n_actions; a++) {
		const pdh_action *act = &plan->actions[a];

		if (act->kind != PDH_ACTION_DELETE || act->live == NULL ||
		    act->why != PDH_REASON_DUPLICATE)
			continue;
		for (size_t i = 0; i < res->n_steps; i++) {
			pdh_apply_step *st = &res->steps[i];
			pdh_error e;
			char *text;

			if (!run->extra[i].resent || st->kind != PDH_STEP_CREATE ||
			    strcmp(st->action->key, act->key) != 0)
				continue;
			pdh_error_clear(&e);
			if (S_call_one(run, NULL, act->live->id, NULL, "retrying DELETE of a second copy",
			               &e) == 0) {
				st->extra_removed = act->live->id;
				res->n_extra_removed++;
				(*n_removed)++;
				text = pdh_xasprintf("removed webhook %lld, a second copy of %s: the POST "
				                     "that timed out made it after all", act->live->id,
				                     act->key);
			} else {
				text = pdh_xasprintf("could not remove webhook %lld, a second copy of %s "
				                     "(the POST that timed out made it after all): %s",
				                     act->live->id, act->key, e.message);
			}
			S_note(run, st, text);
			free(text);
			break;
		}
	}
}

/* Lists and plans again. Creates that gave up with an unknown outcome are settled by it. */
static void S_verify(S_run *run)
{
	pdh_apply_result *res = run->res;
	pdh_live *live = NULL;
	pdh_plan *plan = NULL;
	pdh_error e;
	long long land_by = 0;

	for (size_t i = 0; i < res->n_steps; i++)
		if (run->extra[i].resent && run->extra[i].land_by_ms > land_by)
			land_by = run->extra[i].land_by_ms;
	if (land_by > pdh_now_ms()) {
		/* Bounded by S_land_by(), not by the wait budget: leaving early is what made the
		 * duplicate in the first place. */
		S_tell_wait(run, land_by - pdh_now_ms(), "before verifying: a POST that timed out may "
		            "still make its webhook");
		if (!pdh_sleep_watching((long)(land_by - pdh_now_ms()), run->opts->interrupt))
			return;
	}
	pdh_error_clear(&e);
	if (land_by > 0 && S_list(run, &live, &e) == 0 &&
	    pdh_plan_compute(&plan, run->desired, live, &run->opts->plan_opts, &e) == 0) {
		size_t removed;

		S_remove_late_copies(run, plan, &removed);
		if (removed == 0) {
			/* nothing removed: this listing is the verification */
			goto planned;
		}
	}
	pdh_plan_free(plan);
	pdh_live_free(live);
	plan = NULL;
	live = NULL;
	pdh_error_clear(&e);
	if (S_list(run, &live, &e) != 0 ||
	    pdh_plan_compute(&plan, run->desired, live, &run->opts->plan_opts, &e) != 0) {
		res->verify_error = pdh_xstrdup(e.message[0] ? e.message : pdh_error_name(e.code));
		pdh_live_free(live);
		return;
	}
planned:
	res->verified = true;
	for (size_t i = 0; i < res->n_steps; i++) {
		pdh_apply_step *st = &res->steps[i];

		if (st->kind == PDH_STEP_CREATE && st->state != PDH_STEP_DONE &&
		    st->outcome_unknown && !S_still_wanted(plan, st->action->desired)) {
			st->state = PDH_STEP_DONE;
			st->found_by_listing = true;
			st->outcome_unknown = false;
			S_set_error(st, NULL);
		}
	}
	res->converged = pdh_plan_is_empty(plan);
	if (res->converged) {
		pdh_plan_free(plan);
		pdh_live_free(live);
	} else {
		res->remaining = plan;
		res->remaining_live = live;
	}
}

/* Steps in result order: the creates, then the deletes, each in plan order. */
static void S_build_steps(pdh_apply_result *res, S_extra **extra, const pdh_plan *plan)
{
	size_t n = 0, k = 0;
	size_t *create_idx = pdh_xcalloc(plan->n_actions + 1, sizeof(*create_idx));

	for (size_t a = 0; a < plan->n_actions; a++)
		n += plan->actions[a].kind == PDH_ACTION_REPLACE ? 2 : 1;
	res->steps = pdh_xcalloc(n + 1, sizeof(*res->steps));
	*extra = pdh_xcalloc(n + 1, sizeof(**extra));
	/* Two passes over the plan: its creates (a replace's first half), then its deletes. */
	for (int deletes = 0; deletes <= 1; deletes++) {
		pdh_action_kind skip = deletes ? PDH_ACTION_CREATE : PDH_ACTION_DELETE;

		for (size_t a = 0; a < plan->n_actions; a++) {
			const pdh_action *act = &plan->actions[a];
			pdh_apply_step *st = &res->steps[k];

			if (act->kind == skip)
				continue;
			st->kind = deletes ? PDH_STEP_DELETE : PDH_STEP_CREATE;
			st->action = act;
			st->id = deletes && act->live ? act->live->id : 0;
			(*extra)[k].create_of =
			    deletes && act->kind == PDH_ACTION_REPLACE ? create_idx[a] : SIZE_MAX;
			if (!deletes)
				create_idx[a] = k;
			k++;
		}
	}
	res->n_steps = k;
	free(create_idx);
}

static void S_tally(S_run *run)
{
	pdh_apply_result *res = run->res;
	const S_extra *extra = run->extra;

	for (size_t i = 0; i < res->n_steps; i++) {
		pdh_apply_step *st = &res->steps[i];

		if (st->state == PDH_STEP_NOT_RUN && st->error == NULL) {
			if (extra[i].create_of != SIZE_MAX &&
			    res->steps[extra[i].create_of].state != PDH_STEP_DONE)
				st->error = pdh_xstrdup("kept: the new webhook was not created");
			else if (run->pacer.stopped)
				st->error = pdh_xasprintf("not sent: %s", run->pacer.stopped);
			else
				st->error = pdh_xstrdup("interrupted before it was sent");
		}
		S_report(run, i);
		switch (st->state) {
		case PDH_STEP_DONE:
			if (st->kind == PDH_STEP_CREATE)
				res->n_created++;
			else
				res->n_deleted++;
			break;
		case PDH_STEP_FAILED: res->n_failed++; break;
		case PDH_STEP_NOT_RUN: res->n_not_run++; break;
		}
	}
}

/* The user whose room a create takes at the webhook limit: the user_id it declares, else
 * that of the webhook it replaces (a create without one is made for the caller, as the
 * webhook it replaces most likely was). False when neither is known: then only Pipedrive's
 * text can tell a 422 at the limit. */
static bool S_limit_user(const pdh_action *a, long long *user)
{
	if (a->desired != NULL && a->desired->has_user_id) {
		*user = a->desired->user_id;
		return true;
	}
	if (a->live != NULL && a->live->has_user_id) {
		*user = a->live->user_id;
		return true;
	}
	return false;
}

/* Whether the limit of user counts live webhook w: its user_id is user, and it is of the type
 * this credential makes (general with an API token; an app's listing shows its own). */
static bool S_counts_for(const S_run *run, const pdh_live_webhook *w, long long user)
{
	unsigned made = run->opts->plan_opts.auth == PDH_AUTH_BEARER ? PDH_TYPE_APPLICATION
	                                                             : PDH_TYPE_GENERAL;

	return w != NULL && w->has_user_id && w->user_id == user &&
	       (w->type ? pdh_webhook_type_of(w->type) : PDH_TYPE_GENERAL) == made;
}

/* The webhooks of user the limit counts now: the listing the plan came from, plus this run's
 * creates done for that user, less its deletes done. */
static long S_user_count(const S_run *run, long long user)
{
	const pdh_live *live = run->opts->live;
	long n = 0;

	for (size_t k = 0; live != NULL && k < live->n; k++)
		if (S_counts_for(run, &live->items[k], user))
			n++;
	for (size_t i = 0; i < run->res->n_steps; i++) {
		const pdh_apply_step *st = &run->res->steps[i];
		long long u;

		if (st->state != PDH_STEP_DONE)
			continue;
		if (st->kind == PDH_STEP_CREATE && S_limit_user(st->action, &u) && u == user)
			n++;
		else if (st->kind == PDH_STEP_DELETE && !st->already_gone &&
		         S_counts_for(run, st->action->live, user))
			n--;
	}
	return n;
}

/* The creates of the phase just run that were refused with 422. The webhook limit, kept for a
 * try after the deletes and delete-first, only when Pipedrive's text names it or the user is
 * at PDH_WEBHOOKS_PER_USER; any other 422 (a name or URL refused) is a failed create, told
 * now, and nothing is deleted for it. */
static void S_sort_refusals(S_run *run)
{
	for (size_t i = 0; i < run->res->n_steps; i++) {
		pdh_apply_step *st = &run->res->steps[i];
		S_extra *x = &run->extra[i];
		long long user;
		long n = -1;
		char *why;

		if (!x->limited || x->limit_named || x->hold)
			continue;
		if (S_limit_user(st->action, &user) &&
		    (n = S_user_count(run, user)) >= PDH_WEBHOOKS_PER_USER)
			continue;
		x->limited = false;
		if (n >= 0)
			why = pdh_xasprintf("%s (not the webhook limit: Pipedrive's text does not name "
			                    "it, and user %lld has %ld of %d webhooks; nothing was "
			                    "deleted to make room)", st->error, user, n,
			                    PDH_WEBHOOKS_PER_USER);
		else
			why = pdh_xasprintf("%s (not the webhook limit: Pipedrive's text does not name "
			                    "it; nothing was deleted to make room)", st->error);
		S_set_error(st, why);
		S_report(run, i);
	}
}

/* A delete-first replace whose create failed: the old webhook (delete step j) is made again
 * from its listed fields. Never from a listed password: it may be a mask, and a real one is
 * the old credential; the summary says the webhook came back without one. Returns the text
 * the create step's error ends with. */
static char *S_restore(S_run *run, size_t j)
{
	pdh_apply_step *del = &run->res->steps[j];
	const pdh_live_webhook *old = del->action->live;
	pdh_desired_webhook w;
	pdh_error e;
	long long id = 0;
	char *note, *tail;

	memset(&w, 0, sizeof(w));
	w.name = old->name;
	w.event_action = old->event_action;
	w.event_object = old->event_object;
	w.subscription_url = old->subscription_url;
	w.version = old->version;
	w.has_user_id = old->has_user_id;
	w.user_id = old->user_id;
	w.has_http_auth_user = old->http_auth_user != NULL;
	w.http_auth_user = old->http_auth_user;
	pdh_error_clear(&e);
	if (S_call_one(run, &w, 0, &id, "retrying POST of the old webhook", &e) == 0) {
		bool had_password = old->password_state != PDH_SECRET_NONE;

		del->restore = PDH_RESTORE_DONE;
		del->restored_id = id;
		run->res->n_restored++;
		note = pdh_xasprintf("re-created the old webhook %s (deleted first at the webhook "
		                     "limit) as webhook %lld from its listed fields%s", del->action->key,
		                     id, had_password ? ", without its password (a listing does "
		                     "not give it)" : "");
		tail = pdh_xasprintf("then re-created as webhook %lld%s", id,
		                     had_password ? " without its password" : "");
	} else {
		del->restore = PDH_RESTORE_FAILED;
		run->res->n_restore_failed++;
		note = pdh_xasprintf("could not re-create the old webhook %s (webhook %lld, deleted "
		                     "first at the webhook limit): %s; it is gone until apply runs "
		                     "again", del->action->key, old->id, e.message);
		tail = pdh_xasprintf("and could not be re-created: %s", e.message);
	}
	S_note(run, del, note);
	free(note);
	return tail;
}

/* Whether a replace gives its webhook to another user. Pipedrive's limit is "40 webhooks per
 * user", most likely counted by user_id: deleting the old webhook then frees room for its
 * user, not for the new one's, and delete-first would only lose the webhook. */
static bool S_moves_user(const pdh_action *a)
{
	return a != NULL && a->desired != NULL && a->live != NULL && a->desired->has_user_id &&
	       a->live->has_user_id && a->desired->user_id != a->live->user_id;
}

/* The replaces whose create was refused at the webhook limit even after the deletes: their
 * delete half now, then the create once more. idx has room for every step. */
static void S_delete_first(S_run *run, size_t *idx)
{
	pdh_apply_result *res = run->res;
	size_t n = 0;

	for (size_t j = 0; j < res->n_steps; j++) {
		size_t i = run->extra[j].create_of;

		if (i == SIZE_MAX || run->extra[j].queued || !run->extra[i].limited)
			continue;
		if (S_moves_user(res->steps[i].action)) {
			const pdh_action *a = res->steps[i].action;
			pdh_apply_step *st = &res->steps[i];
			char *why = pdh_xasprintf("%s (not done delete-first: the webhook moves from "
			                          "user %lld to user %lld, and deleting it would free "
			                          "room only for user %lld; the old webhook is kept)",
			                          st->error ? st->error : "refused at the webhook limit",
			                          a->live->user_id, a->desired->user_id,
			                          a->live->user_id);
			S_set_error(st, why);
			run->extra[i].limited = false;
			continue;
		}
		res->steps[i].delete_first = res->steps[j].delete_first = true;
		idx[n++] = j;
	}
	S_run_phase(run, idx, n);
	n = 0;
	for (size_t j = 0; j < res->n_steps; j++) {
		size_t i = run->extra[j].create_of;

		if (i == SIZE_MAX || !res->steps[j].delete_first ||
		    res->steps[j].state != PDH_STEP_DONE)
			continue;
		run->extra[i].limited = false;
		run->extra[i].hold = true;
		res->n_delete_first++;
		idx[n++] = i;
	}
	S_run_phase(run, idx, n);
	for (size_t k = 0; k < n; k++) {
		pdh_apply_step *st = &res->steps[idx[k]];

		if (st->state != PDH_STEP_DONE && !st->outcome_unknown) {
			size_t j = 0;
			char *tail, *why;

			while (run->extra[j].create_of != idx[k])
				j++;
			tail = S_restore(run, j);
			why = pdh_xasprintf("%s (the old webhook was deleted first to make room at the "
			                    "webhook limit, %s; run apply again)",
			                    st->error ? st->error : "not created", tail);
			S_set_error(st, why);
			free(tail);
		} else if (st->state != PDH_STEP_DONE) {
			char *why = pdh_xasprintf("%s (the old webhook was deleted first to make room "
			                          "at the webhook limit; run apply again)",
			                          st->error ? st->error : "not created");
			S_set_error(st, why);
		}
		run->extra[idx[k]].hold = false;
		run->extra[idx[k]].limited = false;
		S_report(run, idx[k]);
	}
}

/* Whether the run changed the company's webhooks, or may have (a POST of unknown outcome). */
static bool S_wrote(const pdh_apply_result *res)
{
	for (size_t i = 0; i < res->n_steps; i++)
		if ((res->steps[i].state == PDH_STEP_DONE && !res->steps[i].already_gone) ||
		    res->steps[i].outcome_unknown)
			return true;
	return res->n_restored > 0 || res->n_extra_removed > 0;
}

/* A call answered 402 stopped the run: exit 1 (an answer about the account, not "could not
 * check"), in the words of that answer when a step got it, with the error's status 402 (a
 * fleet's outcome closed). */
static int S_closed_error(const pdh_apply_result *res, pdh_error *err)
{
	const char *why = res->stop_reason;
	int rc;

	for (size_t i = 0; i < res->n_steps; i++)
		if (res->steps[i].http_status == 402 && res->steps[i].error) {
			why = res->steps[i].error;
			break;
		}
	rc = pdh_error_set(err, S_wrote(res) ? PDH_EPARTIAL : PDH_EAPI, "%s; no further call "
	                   "was made: %zu created, %zu deleted, %zu failed, %zu not run", why,
	                   res->n_created, res->n_deleted, res->n_failed, res->n_not_run);
	err->http_status = 402;
	return rc;
}

int pdh_apply(pdh_apply_result **out, const pdh_plan *plan, const pdh_desired *desired,
              const pdh_apply_opts *opts, pdh_error *err)
{
	pdh_apply_result *res = NULL;
	S_run run;
	size_t *idx = NULL;
	size_t n;
	int parallelism;
	int rc = 0;

	*out = NULL;
	memset(&run, 0, sizeof(run));
	pthread_mutex_init(&run.mu, NULL);
	pthread_mutex_init(&run.progress_mu, NULL);
	pdh_pacer_init(&run.pacer, 0, NULL, S_tell_wait, &run);
	if (plan == NULL || desired == NULL || opts == NULL) {
		rc = pdh_error_set(err, PDH_EINVAL, "apply needs a plan, its desired set and options");
		goto done;
	}
	if (plan->brake && !opts->force) {
		rc = pdh_error_set(err, PDH_EBRAKE, "%s (use --force to apply anyway)",
		                   plan->brake_reason ? plan->brake_reason : "refused by a safety brake");
		goto done;
	}
	if (opts->parallelism < 0) {
		rc = pdh_error_set(err, PDH_EINVAL, "parallelism must be at least 1");
		goto done;
	}
	parallelism = opts->parallelism ? opts->parallelism : PDH_APPLY_DEFAULT_PARALLELISM;
	if (parallelism > PDH_APPLY_MAX_PARALLELISM)
		parallelism = PDH_APPLY_MAX_PARALLELISM;

	if (opts->max_wait_ms < 0) {
		rc = pdh_error_set(err, PDH_EINVAL, "the wait budget must be 0 s or more");
		goto done;
	}
	res = pdh_xcalloc(1, sizeof(*res));
	S_build_steps(res, &run.extra, plan);
	res->n_calls = opts->prior_calls;
	run.opts = opts;
	run.desired = desired;
	run.res = res;
	run.pacer.max_wait_ms = opts->max_wait_ms ? opts->max_wait_ms
	                        : PDH_APPLY_DEFAULT_MAX_WAIT_MS;
	run.pacer.interrupt = opts->interrupt;
	run.seed = opts->seed ? opts->seed : (unsigned long long)pdh_now_ms() * 2654435761ull;
	/* One client per thread; at least one for the listings. */
	run.n_clients = res->n_steps == 0 ? 1
	                : (size_t)parallelism < res->n_steps ? parallelism : (int)res->n_steps;
	run.clients = pdh_xcalloc((size_t)run.n_clients, sizeof(*run.clients));
	{
		/* Pipedrive's texts in the summary are scrubbed of the file's secrets too. */
		pdh_client_opts co = opts->client;
		if (co.secrets == NULL)
			co.secrets = desired->secrets;
		for (int t = 0; t < run.n_clients; t++)
			if ((rc = pdh_client_new(&run.clients[t], &co, err)) != 0)
				goto done;
	}

	idx = pdh_xcalloc(res->n_steps + 1, sizeof(*idx));

	/* 1. Every create, the new halves of replaces included. */
	n = 0;
	for (size_t i = 0; i < res->n_steps; i++)
		if (res->steps[i].kind == PDH_STEP_CREATE)
			idx[n++] = i;
	S_run_phase(&run, idx, n);
	S_sort_refusals(&run);
	for (size_t i = 0; i < res->n_steps; i++)
		if (run.extra[i].limited)
			res->limit_fallback = true;

	/* 2. The deletes, and the old halves of the replaces whose create is done. */
	n = 0;
	for (size_t i = 0; i < res->n_steps; i++)
		if (res->steps[i].kind == PDH_STEP_DELETE && run.extra[i].create_of == SIZE_MAX)
			idx[n++] = i;
	S_run_phase(&run, idx, n);
	S_run_replace_deletes(&run);

	/* 3. Creates refused for the webhook limit: once more, now that the deletes made room. */
	if (res->limit_fallback && !S_interrupted(&run)) {
		n = 0;
		for (size_t i = 0; i < res->n_steps; i++)
			if (run.extra[i].limited) {
				run.extra[i].limited = false;
				idx[n++] = i;
			}
		S_run_phase(&run, idx, n);
		S_sort_refusals(&run);
		S_run_replace_deletes(&run);
	}

	/* 3b. Replaces whose create is still refused at the limit: delete-first, the only way to
	 * converge there. Events between the delete and the create are lost (said in the summary). */
	if (res->limit_fallback && !S_interrupted(&run) && !run.pacer.stopped)
		S_delete_first(&run, idx);

	/* 4. POSTs of unknown outcome: a listing, then a re-send only of what is absent. */
	S_settle_unknown(&run);
	S_run_replace_deletes(&run);

	/* 5. Verification: list and plan again. */
	if (S_interrupted(&run))
		res->interrupted = true;
	else
		S_verify(&run);
	if (S_interrupted(&run))
		res->interrupted = true;
	S_tally(&run);
	res->waited_ms = run.pacer.waited_ms;
	res->n_calls += run.pacer.n_calls;
	if (run.pacer.stopped) {
		res->unavailable = true;
		res->stop_reason = run.pacer.stopped;
		res->budget_spent = atomic_load(&run.budget_spent);
		res->closed = atomic_load(&run.closed);
		run.pacer.stopped = NULL;
	}

	if (res->interrupted)
		rc = pdh_error_set(err, PDH_EPARTIAL,
		                   "interrupted: %zu created, %zu deleted, %zu failed, %zu not run",
		                   res->n_created, res->n_deleted, res->n_failed, res->n_not_run);
	else if (res->closed)
		rc = S_closed_error(res, err);
	else if (res->unavailable)
		rc = pdh_error_set(err, res->budget_spent && S_wrote(res) ? PDH_EPARTIAL
		                   : PDH_EUNAVAILABLE, "stopped: %s; %zu created, %zu deleted, %zu failed, %zu not run",
		                   res->stop_reason, res->n_created, res->n_deleted, res->n_failed,
		                   res->n_not_run);
	else if (res->n_failed || res->n_not_run)
		rc = pdh_error_set(err, PDH_EPARTIAL, "%zu of %zu calls failed, %zu not run",
		                   res->n_failed, res->n_steps, res->n_not_run);
	else if (!res->verified)
		rc = pdh_error_set(err, PDH_EPARTIAL, "could not verify the result: %s",
		                   res->verify_error);
	else if (!res->converged)
		rc = pdh_error_set(err, PDH_EPARTIAL, "not converged: %zu action(s) still planned",
		                   res->remaining->n_actions);
	*out = res;
	res = NULL;

done:
	if (run.clients)
		for (int t = 0; t < run.n_clients; t++)
			pdh_client_free(run.clients[t]);
	free(run.clients);
	free(run.extra);
	pdh_pacer_dispose(&run.pacer);
	free(idx);
	pdh_apply_result_free(res);
	pthread_mutex_destroy(&run.progress_mu);
	pthread_mutex_destroy(&run.mu);
	return rc;
}

void pdh_apply_result_free(pdh_apply_result *r)
{
	if (r == NULL)
		return;
	PDH_FREE_EACH_FIELD(r->steps, r->n_steps, error);
	pdh_plan_free(r->remaining);
	pdh_live_free(r->remaining_live);
	PDH_FREE_ALL(r->verify_error, r->stop_reason, r);
}
