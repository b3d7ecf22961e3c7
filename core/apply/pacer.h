/* Private to core/apply: the pacer of one apply run. It spaces the run's calls by Pipedrive's
 * x-ratelimit-* headers and keeps the run's wait budget (--max-wait); every call of the run,
 * its listings included, asks it before it is sent and tells it the answer. */
#ifndef PDHOOKS_APPLY_PACER_H
#define PDHOOKS_APPLY_PACER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/http.h"

/* What pdh_pacer_begin returns when no call may be sent. */
#define PDH_PACE_INTERRUPTED (-1)
#define PDH_PACE_EXHAUSTED (-2)

typedef struct pdh_pacer {
	pthread_mutex_t mu;      /* guards everything below but the hooks */
	long remaining;          /* calls the rate limit still allows; -1 unknown */
	long long reset_at;      /* when the window resets (monotonic ms) */
	bool probing;            /* the one call sent after a reset is in flight */
	int in_flight;
	size_t n_calls;          /* calls let through */
	char *stopped;           /* set once: why no further call is sent (the wait budget);
	                            NULL while calls may go on. Owned by the pacer */
	long long max_wait_ms;   /* the wait budget */
	long long waited_ms;     /* taken from it: the wall-clock time some wait covered */
	long long waited_until;  /* end of the latest wait taken */
	const atomic_int *interrupt; /* non-zero: no further call, waits end; NULL never */
	/* Told of a wait long enough to tell (retry.h's rule), outside the lock. */
	void (*tell)(void *ctx, long long ms, const char *what);
	void *tell_ctx;
} pdh_pacer;

void pdh_pacer_init(pdh_pacer *p, long long max_wait_ms, const atomic_int *interrupt,
                    void (*tell)(void *ctx, long long ms, const char *what), void *tell_ctx);
void pdh_pacer_dispose(pdh_pacer *p);

/* Waits until the rate limit allows one more call and counts it. Returns
 * PDH_PACE_INTERRUPTED, PDH_PACE_EXHAUSTED (the limit allows no call within the wait
 * budget: p->stopped says why), 1 when this call is the probe sent after a reset (its answer
 * tells how many may follow), else 0. */
int pdh_pacer_begin(pdh_pacer *p);
/* Learns from the answer to a call that pdh_pacer_begin let through (probe: what it
 * returned) how many calls may follow. */
void pdh_pacer_end(pdh_pacer *p, const pdh_http_result *hr, int probe);
/* Waits ms before a retry or a listing, taken from the budget and told when long. False when
 * the budget or an interrupt stopped it; *why then gets the reason: p->stopped, or the
 * static "interrupted". */
bool pdh_pacer_wait(pdh_pacer *p, long ms, const char *what, const char **why);
/* Stops the run: a wait of ms for `what` does not fit in the budget (rate: the rate limit
 * asks for it). Only the first stop is kept. */
void pdh_pacer_stop(pdh_pacer *p, long long ms, const char *what, bool rate);
/* Stops the run for why (copied), e.g. a spent daily budget. Only the first stop is kept. */
void pdh_pacer_stop_why(pdh_pacer *p, const char *why);

#endif
