#include "pdhooks/apply.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/listing.h"

#define S_PACE_INTERRUPTED (-1)
#define S_PACE_EXHAUSTED (-2)
/* Pause after x-ratelimit-remaining reached 0 when no x-ratelimit-reset came with it. */
#define S_DEFAULT_WINDOW_MS 1000
/* See S_land_by(). */
#define S_LAND_MARGIN_MS 2000L

/* What apply keeps about a step besides the public record. */
typedef struct S_extra {
	bool started;            /* first_ms is set */
	long long first_ms;      /* when the first attempt began */
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
	pthread_mutex_t mu;      /* guards everything below */
	const size_t *queue;     /* the steps of the phase running */
	size_t n_queue, next;
	long remaining;          /* calls the rate limit still allows; -1 unknown */
	long long reset_at;      /* when the window resets (monotonic ms) */
	bool probing;            /* the one call sent after a reset is in flight */
	char *stopped;           /* set once: why no further call is sent (the wait budget);
	                            NULL while calls may go on */
	long long max_wait_ms;   /* the wait budget */
	long long waited_ms;     /* taken from it: the wall-clock time some wait covered */
	long long waited_until;  /* end of the latest wait taken */
	int in_flight;
	unsigned long long seed;
	pthread_mutex_t progress_mu; /* one progress call at a time */
} S_run;

typedef struct S_worker_arg {
	S_run *run;
	int index;
} S_worker_arg;

static bool S_interrupted(const S_run *run)
{
	return run->opts->interrupt && atomic_load(run->opts->interrupt) != 0;
}

/* Why a step was not sent; caller frees. run->stopped is set once, before any reader is
 * told of it under the lock. */
static char *S_unsent_text(const S_run *run, int pace)
{
	if (pace == S_PACE_EXHAUSTED)
		return pdh_xasprintf("not sent: %s", run->stopped);
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

static void S_tell_wait(S_run *run, long long ms, const char *why)
{
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
	if (x->started)
		st->ms = pdh_now_ms() - x->first_ms;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PDH_APPLY_EVENT_STEP;
	ev.step = st;
	S_emit(run, &ev);
}

/* "2 s", "0.6 s"; whole seconds from 10 s on (a wait computed a few ms after its header
 * was read says "3600 s", not "3599.9 s"). */
static void S_seconds(char *out, size_t n, long long ms)
{
	if (ms >= 10000)
		snprintf(out, n, "%lld s", ms / 1000 + (ms % 1000 >= 500));
	else if (ms % 1000 == 0)
		snprintf(out, n, "%lld s", ms / 1000);
	else
		snprintf(out, n, "%.1f s", (double)ms / 1000.0);
}

/* Stops the run: a wait of ms for `what` does not fit in the budget. Call with run->mu held. */
static void S_stop_locked(S_run *run, long long ms, const char *what, bool rate)
{
	char want[32], budget[32];

	if (run->stopped)
		return;
	S_seconds(want, sizeof(want), ms);
	S_seconds(budget, sizeof(budget), run->max_wait_ms);
	if (rate)
		run->stopped = pdh_xasprintf("%s allows no call for %s, past the wait budget of %s "
		                             "(--max-wait)", what, want, budget);
	else
		run->stopped = pdh_xasprintf("the wait budget of %s (--max-wait) is spent: %s would "
		                             "wait %s more", budget, what, want);
}

/* Takes a wait of ms starting now from the run-wide budget. The budget counts wall-clock
 * time during which some call waits (waits of several threads at once count once), so it
 * bounds the run's waiting whatever the plan's size. False, with run->stopped set, when the
 * wait would go past it. *fresh (may be NULL) tells whether no earlier wait covered now.
 * Call with run->mu held. */
static bool S_budget_take_locked(S_run *run, long long ms, const char *what, bool rate,
                                 bool *fresh)
{
	long long now = pdh_now_ms();
	long long from = run->waited_until > now ? run->waited_until : now;
	long long add = now + ms - from;

	if (fresh)
		*fresh = run->waited_until <= now;
	if (run->stopped)
		return false;
	if (add <= 0)
		return true;
	if (run->waited_ms + add > run->max_wait_ms) {
		S_stop_locked(run, ms, what, rate);
		return false;
	}
	run->waited_ms += add;
	run->waited_until = now + ms;
	return true;
}

static bool S_budget_take(S_run *run, long long ms, const char *what)
{
	bool ok;

	pthread_mutex_lock(&run->mu);
	ok = S_budget_take_locked(run, ms, what, false, NULL);
	pthread_mutex_unlock(&run->mu);
	return ok;
}

/* Waits until the rate limit allows one more call and counts it. Returns S_PACE_INTERRUPTED,
 * S_PACE_EXHAUSTED (the limit allows no call within the retry budget), 1 when this call is
 * the probe sent after a reset (its answer tells how many may follow), else 0. */
static int S_pace_begin(S_run *run)
{
	int probe = 0;

	pthread_mutex_lock(&run->mu);
	for (;;) {
		long long now;
		long nap;
		bool fresh;

		if (S_interrupted(run)) {
			pthread_mutex_unlock(&run->mu);
			return S_PACE_INTERRUPTED;
		}
		if (run->stopped) {
			pthread_mutex_unlock(&run->mu);
			return S_PACE_EXHAUSTED;
		}
		if (run->remaining != 0)
			break;
		now = pdh_now_ms();
		if (now >= run->reset_at && !run->probing) {
			run->probing = true;
			probe = 1;
			break;
		}
		if (run->reset_at > run->waited_until) {
			/* The window closed or moved: this pause counts against the budget. */
			long long w = run->reset_at - now;

			if (!S_budget_take_locked(run, w, "Pipedrive's rate limit", true, &fresh))
				continue;   /* stopped: the loop returns S_PACE_EXHAUSTED */
			if (fresh && pdh_retry_tell_wait(true, w)) {
				pthread_mutex_unlock(&run->mu);
				S_tell_wait(run, w, "Pipedrive's rate limit (no call left in this window)");
				pthread_mutex_lock(&run->mu);
				continue;
			}
		}
		/* reset_at is read under the lock: other workers move it */
		nap = run->reset_at - now > 0 && run->reset_at - now < PDH_NAP_SLICE_MS
		      ? (long)(run->reset_at - now) : PDH_NAP_SLICE_MS;
		pthread_mutex_unlock(&run->mu);
		pdh_nap_ms(nap);
		pthread_mutex_lock(&run->mu);
	}
	if (run->remaining > 0)
		run->remaining--;
	run->in_flight++;
	run->res->n_calls++;
	pthread_mutex_unlock(&run->mu);
	return probe;
}

/* Learns from the answer's x-ratelimit-* headers (and from a 429) how many calls may follow.
 * The estimate only goes down within a window: answers arrive out of order, and a call still
 * in flight may not be counted in the header yet. */
static void S_pace_end(S_run *run, const pdh_http_result *hr, int probe)
{
	long long now = pdh_now_ms();

	pthread_mutex_lock(&run->mu);
	run->in_flight--;
	if (probe)
		run->probing = false;
	if (hr->status == 429) {
		long wait = hr->retry_after_ms >= 0 ? hr->retry_after_ms
		            : hr->ratelimit_reset_ms >= 0 ? hr->ratelimit_reset_ms
		            : S_DEFAULT_WINDOW_MS;
		run->remaining = 0;
		if (now + wait > run->reset_at)
			run->reset_at = now + wait;
	} else if (hr->ratelimit_remaining >= 0) {
		long left = hr->ratelimit_remaining - run->in_flight;

		if (left < 0)
			left = 0;
		if (probe || run->remaining < 0 || now >= run->reset_at || left < run->remaining)
			run->remaining = left;
		run->reset_at = now + (hr->ratelimit_reset_ms >= 0 ? hr->ratelimit_reset_ms
		                                                   : S_DEFAULT_WINDOW_MS);
	} else if (probe) {
		run->remaining = -1;   /* no headers: nothing to pace by */
	}
	pthread_mutex_unlock(&run->mu);
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
 * S_LAND_MARGIN_MS for the write to show in a listing. */
static long long S_land_by(const pdh_http_result *hr, long long sent_ms)
{
	if (hr->transport != CURLE_OPERATION_TIMEDOUT && hr->status != 504)
		return 0;
	return sent_ms + 2LL * hr->elapsed_ms + S_LAND_MARGIN_MS;
}

/* Waits ms before a retry or a listing, taken from the budget and told when long. False when
 * the budget or an interrupt stopped it; *why then gets the reason (static or run-owned). */
static bool S_wait(S_run *run, long ms, const char *what, const char **why)
{
	if (!S_budget_take(run, ms, what)) {
		*why = run->stopped;
		return false;
	}
	if (pdh_retry_tell_wait(false, ms))
		S_tell_wait(run, ms, what);
	if (!pdh_sleep_watching(ms, run->opts->interrupt)) {
		*why = "interrupted";
		return false;
	}
	return true;
}

/* Sends one step until the retry policy says it is settled. Runs in a worker thread; the step
 * and its extra record belong to this thread for the time of the call. */
static void S_run_step(S_run *run, pdh_client *c, size_t i, unsigned long long *rng)
{
	pdh_apply_step *st = &run->res->steps[i];
	S_extra *x = &run->extra[i];
	pdh_http_method method = st->kind == PDH_STEP_CREATE ? PDH_METHOD_POST : PDH_METHOD_DELETE;

	for (;;) {
		pdh_http_result hr;
		pdh_retry_decision d;
		pdh_error e;
		int rc, probe;

		if ((probe = S_pace_begin(run)) < 0) {
			if (st->attempts == 0) {
				st->state = PDH_STEP_NOT_RUN;
				S_set_error(st, S_unsent_text(run, probe));
			} else if (probe == S_PACE_INTERRUPTED) {
				st->state = PDH_STEP_FAILED;
				S_set_error(st, pdh_xstrdup("interrupted before it could be retried"));
			} else {
				st->state = PDH_STEP_FAILED;
				S_set_error(st, st->http_status > 0
				            ? pdh_xasprintf("not retried (last answer: HTTP %ld): %s",
				                            st->http_status, run->stopped)
				            : pdh_xasprintf("not retried: %s", run->stopped));
			}
			if (!x->limited && !x->unknown_pending)
				S_report(run, i);
			return;
		}
		x->sent_ms = pdh_now_ms();
		if (!x->started) {
			x->started = true;
			x->first_ms = x->sent_ms;
		}
		pdh_http_result_init(&hr);
		pdh_error_clear(&e);
		st->attempts++;
		if (st->kind == PDH_STEP_CREATE) {
			pdh_live_webhook made;

			memset(&made, 0, sizeof(made));
			rc = pdh_client_create(c, st->action->desired, &made, &hr, &e);
			if (rc == 0)
				st->id = made.id;
			pdh_live_webhook_dispose(&made);
		} else {
			rc = pdh_client_delete(c, st->action->live->id, &hr, &e);
		}
		S_pace_end(run, &hr, probe);
		st->http_status = hr.status;
		if (rc == 0) {
			st->state = PDH_STEP_DONE;
			st->outcome_unknown = false;
			x->limited = false;
			S_set_error(st, NULL);
			S_report(run, i);
			return;
		}
		d = pdh_retry_decide(&run->opts->retry, method, &hr, st->attempts,
		                     (long)(pdh_now_ms() - x->first_ms), pdh_retry_jitter(rng));
		if (d.verdict == PDH_RETRY_DONE && method == PDH_METHOD_POST) {
			/* 2xx with an answer that does not parse: made, most likely; a listing tells. */
			d.verdict = PDH_RETRY_UNKNOWN;
			d.outcome_unknown = true;
			d.delay_ms = 0;
		}
		switch (d.verdict) {
		case PDH_RETRY_DONE:
			st->state = PDH_STEP_DONE;
			st->already_gone = hr.status == 404;
			S_set_error(st, NULL);
			S_report(run, i);
			return;
		case PDH_RETRY_AGAIN: {
			const char *why = NULL;
			char *what = pdh_xasprintf("retrying %s %s (%s)",
			                           pdh_http_method_name(method), st->action->key,
			                           d.why ? d.why : "a passing failure");
			bool waited = S_wait(run, d.delay_ms, what, &why);

			free(what);
			if (!waited) {
				st->state = PDH_STEP_FAILED;
				if (why == run->stopped)
					S_set_error(st, pdh_xasprintf("not retried: %s; last answer: %s",
					                              why, e.message));
				else
					S_set_error(st, pdh_xasprintf("interrupted while waiting to retry: "
					                              "%s", e.message));
				S_report(run, i);
				return;
			}
			continue;
		}
		case PDH_RETRY_UNKNOWN:
			st->state = PDH_STEP_FAILED;
			st->outcome_unknown = true;
			x->unknown_pending = true;
			x->wait_ms = d.delay_ms;
			if (S_land_by(&hr, x->sent_ms) > x->land_by_ms)
				x->land_by_ms = S_land_by(&hr, x->sent_ms);
			S_set_error(st, pdh_xasprintf("outcome unknown: %s", e.message));
			return;
		case PDH_RETRY_GIVE_UP:
			st->state = PDH_STEP_FAILED;
			st->outcome_unknown = d.outcome_unknown;
			x->limited = method == PDH_METHOD_POST && hr.status == 422;
			x->limit_named = x->limited && pdh_api_names_webhook_limit(e.message);
			if (hr.status == 429 && d.wanted_ms > 0) {
				/* The rate limit's wait is past the budget: no call can be made in
				 * this run (exit 5), whatever the step. */
				pthread_mutex_lock(&run->mu);
				S_stop_locked(run, d.wanted_ms, "Pipedrive's rate limit", true);
				S_set_error(st, pdh_xasprintf("not retried: %s; last answer: %s",
				                              run->stopped, e.message));
				pthread_mutex_unlock(&run->mu);
			} else {
				S_set_error(st, S_failure_text(&e, st->attempts));
			}
			if (!x->limited)
				S_report(run, i);
			return;
		}
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
 * other calls, and stop when the run is interrupted or the limit is exhausted. */
typedef struct S_list_pace {
	S_run *run;
	int probe;
} S_list_pace;

static int S_list_before(void *ctx, pdh_error *err)
{
	S_list_pace *lp = ctx;
	char *why;

	if ((lp->probe = S_pace_begin(lp->run)) >= 0)
		return 0;
	why = S_unsent_text(lp->run, lp->probe);
	pdh_error_set(err, PDH_EPARTIAL, "%s", why);
	free(why);
	return PDH_EPARTIAL;
}

static void S_list_after(void *ctx, const pdh_http_result *hr)
{
	S_list_pace *lp = ctx;

	S_pace_end(lp->run, hr, lp->probe);
}

/* Retries of a listing wait within the run's budget, and say so when long. */
static bool S_list_wait(void *ctx, long ms, const char *what, const char **budget)
{
	S_list_pace *lp = ctx;
	const char *why = NULL;

	if (S_wait(lp->run, ms, what, &why))
		return true;
	*budget = why == lp->run->stopped ? why : NULL;
	return false;
}

/* GET /webhooks through pdh_listing_get, on the first client (no phase is running). */
static int S_list(S_run *run, pdh_live **out, pdh_error *err)
{
	S_list_pace lp = { run, 0 };
	pdh_listing_opts lo;
	pdh_listing_report rep;

	memset(&lo, 0, sizeof(lo));
	lo.retry = run->opts->retry;
	lo.interrupt = run->opts->interrupt;
	lo.seed = run->seed;
	lo.pacer.before = S_list_before;
	lo.pacer.after = S_list_after;
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
		if (!S_wait(run, wait, "listing to learn whether a POST of unknown outcome made its "
		            "webhook", &fail)) {
			if (fail != run->stopped)
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

/* One call outside the steps, with the retry policy, on the first client: POST of w (its new
 * id into *made) when w is set, else DELETE of id. A POST whose outcome is unknown is never
 * sent again: it fails, and the verification listing tells. */
static int S_call_one(S_run *run, const pdh_desired_webhook *w, long long id, long long *made,
                      const char *what, pdh_error *err)
{
	unsigned long long rng = run->seed ^ 0x2545F4914F6CDD1Dull;
	long long first = pdh_now_ms();
	pdh_http_method method = w ? PDH_METHOD_POST : PDH_METHOD_DELETE;

	for (int attempt = 1;; attempt++) {
		pdh_http_result hr;
		pdh_retry_decision d;
		const char *why = NULL;
		int rc, probe;

		if ((probe = S_pace_begin(run)) < 0) {
			char *text = S_unsent_text(run, probe);

			pdh_error_set(err, PDH_EPARTIAL, "%s", text);
			free(text);
			return PDH_EPARTIAL;
		}
		pdh_http_result_init(&hr);
		pdh_error_clear(err);
		if (w) {
			pdh_live_webhook out;

			memset(&out, 0, sizeof(out));
			rc = pdh_client_create(run->clients[0], w, &out, &hr, err);
			if (rc == 0)
				*made = out.id;
			pdh_live_webhook_dispose(&out);
		} else {
			rc = pdh_client_delete(run->clients[0], id, &hr, err);
		}
		S_pace_end(run, &hr, probe);
		if (rc == 0)
			return 0;
		d = pdh_retry_decide(&run->opts->retry, method, &hr, attempt,
		                     (long)(pdh_now_ms() - first), pdh_retry_jitter(&rng));
		if (d.verdict == PDH_RETRY_DONE && !w)
			return 0;
		if (d.verdict != PDH_RETRY_AGAIN || !S_wait(run, d.delay_ms, what, &why))
			return rc;
	}
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
			else if (run->stopped)
				st->error = pdh_xasprintf("not sent: %s", run->stopped);
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
	const char *made = run->opts->plan_opts.auth == PDH_AUTH_BEARER ? "application"
	                                                                : "general";

	return w != NULL && w->has_user_id && w->user_id == user &&
	       strcmp(w->type ? w->type : "general", made) == 0;
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
	run.remaining = -1;
	run.max_wait_ms = opts->max_wait_ms ? opts->max_wait_ms : PDH_APPLY_DEFAULT_MAX_WAIT_MS;
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
	if (res->limit_fallback && !S_interrupted(&run) && !run.stopped)
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
	res->waited_ms = run.waited_ms;
	if (run.stopped) {
		res->unavailable = true;
		res->stop_reason = run.stopped;
		run.stopped = NULL;
	}

	if (res->interrupted)
		rc = pdh_error_set(err, PDH_EPARTIAL,
		                   "interrupted: %zu created, %zu deleted, %zu failed, %zu not run",
		                   res->n_created, res->n_deleted, res->n_failed, res->n_not_run);
	else if (res->unavailable)
		rc = pdh_error_set(err, PDH_EUNAVAILABLE,
		                   "stopped: %s; %zu created, %zu deleted, %zu failed, %zu not run",
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
	free(run.stopped);
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
