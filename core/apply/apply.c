#include "pdhooks/apply.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdhooks/alloc.h"
#include "pdhooks/listing.h"

/* Longest single sleep between two looks at the interrupt flag. */
#define S_SLICE_MS 50
#define S_PACE_INTERRUPTED (-1)
#define S_PACE_EXHAUSTED (-2)
/* Pause after x-ratelimit-remaining reached 0 when no x-ratelimit-reset came with it. */
#define S_DEFAULT_WINDOW_MS 1000

/* What apply keeps about a step besides the public record. */
typedef struct S_extra {
	bool started;            /* first_ms is set */
	long long first_ms;      /* when the first attempt began */
	bool limited;            /* a create refused with 422 (webhook limit) */
	bool unknown_pending;    /* a POST of unknown outcome, for the next listing to settle */
	long wait_ms;            /* wait before that listing */
	bool queued;             /* handed to a phase already */
	size_t create_of;        /* the delete half of a replace: its create step; SIZE_MAX none */
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
	long exhausted_s;        /* > 0: a 429 asked to wait longer than the retry budget (this
	                            many seconds): no further call is sent */
	int in_flight;
	unsigned long long seed;
} S_run;

typedef struct S_worker_arg {
	S_run *run;
	int index;
} S_worker_arg;

static long long S_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool S_interrupted(const S_run *run)
{
	return run->opts->interrupt && atomic_load(run->opts->interrupt) != 0;
}

static long S_budget_ms(const S_run *run)
{
	return run->opts->retry.max_total_ms > 0 ? run->opts->retry.max_total_ms
	                                          : PDH_RETRY_DEFAULT_MAX_TOTAL_MS;
}

/* Why a step was not sent; caller frees. */
static char *S_unsent_text(const S_run *run, int pace)
{
	if (pace == S_PACE_EXHAUSTED)
		return pdh_xasprintf("not sent: Pipedrive's rate limit allows no call for %ld s",
		                     run->exhausted_s);
	return pdh_xstrdup("interrupted before it was sent");
}

static void S_nap(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Sleeps ms, looking at the interrupt flag between short naps. False when interrupted. */
static bool S_sleep(const S_run *run, long ms)
{
	long long until = S_now_ms() + ms;

	for (;;) {
		long long left;

		if (S_interrupted(run))
			return false;
		left = until - S_now_ms();
		if (left <= 0)
			return true;
		S_nap(left < S_SLICE_MS ? (long)left : S_SLICE_MS);
	}
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

		if (S_interrupted(run)) {
			pthread_mutex_unlock(&run->mu);
			return S_PACE_INTERRUPTED;
		}
		if (run->exhausted_s > 0) {
			pthread_mutex_unlock(&run->mu);
			return S_PACE_EXHAUSTED;
		}
		if (run->remaining != 0)
			break;
		now = S_now_ms();
		if (now >= run->reset_at && !run->probing) {
			run->probing = true;
			probe = 1;
			break;
		}
		/* reset_at is read under the lock: other workers move it */
		nap = run->reset_at - now > 0 && run->reset_at - now < S_SLICE_MS
		      ? (long)(run->reset_at - now) : S_SLICE_MS;
		pthread_mutex_unlock(&run->mu);
		S_nap(nap);
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
	long long now = S_now_ms();

	pthread_mutex_lock(&run->mu);
	run->in_flight--;
	if (probe)
		run->probing = false;
	if (hr->status == 429) {
		long wait = hr->retry_after_ms >= 0 ? hr->retry_after_ms
		            : hr->ratelimit_reset_ms >= 0 ? hr->ratelimit_reset_ms
		            : S_DEFAULT_WINDOW_MS;
		run->remaining = 0;
		if (wait > S_budget_ms(run))
			run->exhausted_s = (wait + 999) / 1000;
		else if (now + wait > run->reset_at)
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
				S_set_error(st, S_unsent_text(run, probe));
			}
			return;
		}
		if (!x->started) {
			x->started = true;
			x->first_ms = S_now_ms();
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
			S_set_error(st, NULL);
			return;
		}
		d = pdh_retry_decide(&run->opts->retry, method, &hr, st->attempts,
		                     (long)(S_now_ms() - x->first_ms), pdh_retry_jitter(rng));
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
			return;
		case PDH_RETRY_AGAIN:
			if (!S_sleep(run, d.delay_ms)) {
				st->state = PDH_STEP_FAILED;
				S_set_error(st, pdh_xasprintf("interrupted while waiting to retry: %s",
				                              e.message));
				return;
			}
			continue;
		case PDH_RETRY_UNKNOWN:
			st->state = PDH_STEP_FAILED;
			st->outcome_unknown = true;
			x->unknown_pending = true;
			x->wait_ms = d.delay_ms;
			S_set_error(st, pdh_xasprintf("outcome unknown: %s", e.message));
			return;
		case PDH_RETRY_GIVE_UP:
			st->state = PDH_STEP_FAILED;
			st->outcome_unknown = d.outcome_unknown;
			x->limited = method == PDH_METHOD_POST && hr.status == 422;
			S_set_error(st, S_failure_text(&e, st->attempts));
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
		if (!S_sleep(run, wait)) {
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
			} else if (!S_still_wanted(plan, st->action->desired)) {
				st->state = PDH_STEP_DONE;
				st->found_by_listing = true;
				st->outcome_unknown = false;
				S_set_error(st, NULL);
			} else {
				st->outcome_unknown = false;
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

/* Lists and plans again. Creates that gave up with an unknown outcome are settled by it. */
static void S_verify(S_run *run)
{
	pdh_apply_result *res = run->res;
	pdh_live *live = NULL;
	pdh_plan *plan = NULL;
	pdh_error e;

	pdh_error_clear(&e);
	if (S_list(run, &live, &e) != 0 ||
	    pdh_plan_compute(&plan, run->desired, live, &run->opts->plan_opts, &e) != 0) {
		res->verify_error = pdh_xstrdup(e.message[0] ? e.message : pdh_error_name(e.code));
		pdh_live_free(live);
		return;
	}
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
	for (size_t a = 0; a < plan->n_actions; a++) {
		const pdh_action *act = &plan->actions[a];

		if (act->kind == PDH_ACTION_DELETE)
			continue;
		res->steps[k].kind = PDH_STEP_CREATE;
		res->steps[k].action = act;
		(*extra)[k].create_of = SIZE_MAX;
		create_idx[a] = k++;
	}
	for (size_t a = 0; a < plan->n_actions; a++) {
		const pdh_action *act = &plan->actions[a];

		if (act->kind == PDH_ACTION_CREATE)
			continue;
		res->steps[k].kind = PDH_STEP_DELETE;
		res->steps[k].action = act;
		res->steps[k].id = act->live ? act->live->id : 0;
		(*extra)[k].create_of = act->kind == PDH_ACTION_REPLACE ? create_idx[a] : SIZE_MAX;
		k++;
	}
	res->n_steps = k;
	free(create_idx);
}

static void S_tally(pdh_apply_result *res, const S_extra *extra)
{
	for (size_t i = 0; i < res->n_steps; i++) {
		pdh_apply_step *st = &res->steps[i];

		if (st->state == PDH_STEP_NOT_RUN && st->error == NULL) {
			if (extra[i].create_of != SIZE_MAX &&
			    res->steps[extra[i].create_of].state != PDH_STEP_DONE)
				st->error = pdh_xstrdup("kept: the new webhook was not created");
			else
				st->error = pdh_xstrdup("interrupted before it was sent");
		}
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

	res = pdh_xcalloc(1, sizeof(*res));
	S_build_steps(res, &run.extra, plan);
	run.opts = opts;
	run.desired = desired;
	run.res = res;
	run.remaining = -1;
	run.seed = opts->seed ? opts->seed : (unsigned long long)S_now_ms() * 2654435761ull;
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
		S_run_replace_deletes(&run);
	}

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
	S_tally(res, run.extra);

	if (res->interrupted)
		rc = pdh_error_set(err, PDH_EPARTIAL,
		                   "interrupted: %zu created, %zu deleted, %zu failed, %zu not run",
		                   res->n_created, res->n_deleted, res->n_failed, res->n_not_run);
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
	free(idx);
	pdh_apply_result_free(res);
	pthread_mutex_destroy(&run.mu);
	return rc;
}

void pdh_apply_result_free(pdh_apply_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_steps; i++)
		free(r->steps[i].error);
	free(r->steps);
	free(r->verify_error);
	pdh_plan_free(r->remaining);
	pdh_live_free(r->remaining_live);
	free(r);
}
