/* The rate-limit pacer and wait budget of one apply run (pacer.h). */
#include "pacer.h"

#include <stdio.h>
#include <stdlib.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/retry.h"

void pdh_pacer_init(pdh_pacer *p, long long max_wait_ms, const atomic_int *interrupt,
                    void (*tell)(void *ctx, long long ms, const char *what), void *tell_ctx)
{
	pthread_mutex_init(&p->mu, NULL);
	p->remaining = -1;
	p->reset_at = 0;
	p->probing = false;
	p->in_flight = 0;
	p->n_calls = 0;
	p->stopped = NULL;
	p->max_wait_ms = max_wait_ms;
	p->waited_ms = 0;
	p->waited_until = 0;
	p->interrupt = interrupt;
	p->tell = tell;
	p->tell_ctx = tell_ctx;
}

void pdh_pacer_dispose(pdh_pacer *p)
{
	free(p->stopped);
	p->stopped = NULL;
	pthread_mutex_destroy(&p->mu);
}

static bool S_interrupted(const pdh_pacer *p)
{
	return p->interrupt && atomic_load(p->interrupt) != 0;
}

static void S_tell(pdh_pacer *p, long long ms, const char *what)
{
	if (p->tell)
		p->tell(p->tell_ctx, ms, what);
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

/* pdh_pacer_stop with p->mu held. */
static void S_stop_locked(pdh_pacer *p, long long ms, const char *what, bool rate)
{
	char want[32], budget[32];

	if (p->stopped)
		return;
	S_seconds(want, sizeof(want), ms);
	S_seconds(budget, sizeof(budget), p->max_wait_ms);
	if (rate)
		p->stopped = pdh_xasprintf("%s allows no call for %s, past the wait budget of %s "
		                           "(--max-wait)", what, want, budget);
	else
		p->stopped = pdh_xasprintf("the wait budget of %s (--max-wait) is spent: %s would "
		                           "wait %s more", budget, what, want);
}

void pdh_pacer_stop(pdh_pacer *p, long long ms, const char *what, bool rate)
{
	pthread_mutex_lock(&p->mu);
	S_stop_locked(p, ms, what, rate);
	pthread_mutex_unlock(&p->mu);
}

void pdh_pacer_stop_why(pdh_pacer *p, const char *why)
{
	pthread_mutex_lock(&p->mu);
	if (p->stopped == NULL)
		p->stopped = pdh_xstrdup(why);
	pthread_mutex_unlock(&p->mu);
}

/* Takes a wait of ms starting now from the run-wide budget. The budget counts wall-clock
 * time during which some call waits (waits of several threads at once count once), so it
 * bounds the run's waiting whatever the plan's size. False, with p->stopped set, when the
 * wait would go past it. *fresh (may be NULL) tells whether no earlier wait covered now.
 * Call with p->mu held. */
static bool S_budget_take_locked(pdh_pacer *p, long long ms, const char *what, bool rate,
                                 bool *fresh)
{
	long long now = pdh_now_ms();
	long long from = p->waited_until > now ? p->waited_until : now;
	long long add = now + ms - from;

	if (fresh)
		*fresh = p->waited_until <= now;
	if (p->stopped)
		return false;
	if (add <= 0)
		return true;
	if (p->waited_ms + add > p->max_wait_ms) {
		S_stop_locked(p, ms, what, rate);
		return false;
	}
	p->waited_ms += add;
	p->waited_until = now + ms;
	return true;
}

int pdh_pacer_begin(pdh_pacer *p)
{
	int probe = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		long long now;
		long nap;
		bool fresh;

		if (S_interrupted(p)) {
			pthread_mutex_unlock(&p->mu);
			return PDH_PACE_INTERRUPTED;
		}
		if (p->stopped) {
			pthread_mutex_unlock(&p->mu);
			return PDH_PACE_EXHAUSTED;
		}
		if (p->remaining != 0)
			break;
		now = pdh_now_ms();
		if (now >= p->reset_at && !p->probing) {
			p->probing = true;
			probe = 1;
			break;
		}
		if (p->reset_at > p->waited_until) {
			/* The window closed or moved: this pause counts against the budget. */
			long long w = p->reset_at - now;

			if (!S_budget_take_locked(p, w, "Pipedrive's rate limit", true, &fresh))
				continue;   /* stopped: the loop returns PDH_PACE_EXHAUSTED */
			if (fresh && pdh_retry_tell_wait(true, w)) {
				pthread_mutex_unlock(&p->mu);
				S_tell(p, w, "Pipedrive's rate limit (no call left in this window)");
				pthread_mutex_lock(&p->mu);
				continue;
			}
		}
		/* reset_at is read under the lock: other workers move it */
		nap = p->reset_at - now > 0 && p->reset_at - now < PDH_NAP_SLICE_MS
		      ? (long)(p->reset_at - now) : PDH_NAP_SLICE_MS;
		pthread_mutex_unlock(&p->mu);
		pdh_nap_ms(nap);
		pthread_mutex_lock(&p->mu);
	}
	if (p->remaining > 0)
		p->remaining--;
	p->in_flight++;
	p->n_calls++;
	pthread_mutex_unlock(&p->mu);
	return probe;
}

/* The estimate only goes down within a window: answers arrive out of order, and a call still
 * in flight may not be counted in the header yet. */
void pdh_pacer_end(pdh_pacer *p, const pdh_http_result *hr, int probe)
{
	long long now = pdh_now_ms();

	pthread_mutex_lock(&p->mu);
	p->in_flight--;
	if (probe)
		p->probing = false;
	if (hr->status == 429) {
		long wait = hr->retry_after_ms >= 0 ? hr->retry_after_ms
		            : hr->ratelimit_reset_ms >= 0 ? hr->ratelimit_reset_ms
		            : PDH_RATE_DEFAULT_WINDOW_MS;
		p->remaining = 0;
		if (now + wait > p->reset_at)
			p->reset_at = now + wait;
	} else if (hr->ratelimit_remaining >= 0) {
		long left = hr->ratelimit_remaining - p->in_flight;

		if (left < 0)
			left = 0;
		if (probe || p->remaining < 0 || now >= p->reset_at || left < p->remaining)
			p->remaining = left;
		p->reset_at = now + (hr->ratelimit_reset_ms >= 0 ? hr->ratelimit_reset_ms
		                                                 : PDH_RATE_DEFAULT_WINDOW_MS);
	} else if (probe) {
		p->remaining = -1;   /* no headers: nothing to pace by */
	}
	pthread_mutex_unlock(&p->mu);
}

bool pdh_pacer_wait(pdh_pacer *p, long ms, const char *what, const char **why)
{
	bool ok;

	pthread_mutex_lock(&p->mu);
	ok = S_budget_take_locked(p, ms, what, false, NULL);
	pthread_mutex_unlock(&p->mu);
	if (!ok) {
		*why = p->stopped;
		return false;
	}
	if (pdh_retry_tell_wait(false, ms))
		S_tell(p, ms, what);
	if (!pdh_sleep_watching(ms, p->interrupt)) {
		*why = "interrupted";
		return false;
	}
	return true;
}
