/* When to send an API call again: a pure function of what the last attempt looked like, so that
 * every case is a unit test and apply only carries the decision out. */
#ifndef PDHOOKS_RETRY_H
#define PDHOOKS_RETRY_H

#include <stdatomic.h>
#include <stdbool.h>

#include "pdhooks/error.h"
#include "pdhooks/http.h"

typedef enum {
	PDH_METHOD_GET,
	PDH_METHOD_POST,
	PDH_METHOD_DELETE
} pdh_http_method;

typedef enum {
	PDH_RETRY_DONE,     /* success, or a DELETE answered 404 (already gone) */
	PDH_RETRY_AGAIN,    /* send the same call again after delay_ms */
	PDH_RETRY_GIVE_UP,  /* a definite refusal, or the bounds are reached */
	PDH_RETRY_UNKNOWN   /* a POST that may have created the webhook: list the webhooks after
	                       delay_ms and send it again only if the webhook is absent */
} pdh_retry_verdict;

/* Bounds; a zero field takes the default in brackets. */
typedef struct pdh_retry_policy {
	int max_attempts;        /* attempts of one call, the first included [5] */
	long base_delay_ms;      /* first back-off [250]; it doubles per attempt */
	long max_delay_ms;       /* cap of one computed back-off [8000] */
	long max_total_ms;       /* no wait that would end past this, from the first attempt [30000] */
} pdh_retry_policy;

#define PDH_RETRY_DEFAULT_ATTEMPTS 5
#define PDH_RETRY_DEFAULT_BASE_MS 250
#define PDH_RETRY_DEFAULT_MAX_DELAY_MS 8000
#define PDH_RETRY_DEFAULT_MAX_TOTAL_MS 30000

/* Which waits are told to the user (apply's events, the listing's on_wait): a pause for the
 * rate limit of at least PDH_TELL_RATE_WAIT_MS, any other wait longer than PDH_TELL_WAIT_MS.
 * pdh_retry_tell_wait applies the rule. */
#define PDH_TELL_RATE_WAIT_MS 500
#define PDH_TELL_WAIT_MS 2000

/* The rate limit's pause after x-ratelimit-remaining reached 0 (or a 429) when no wait came
 * with it: one window. */
#define PDH_RATE_DEFAULT_WINDOW_MS 1000
/* A POST of unknown outcome cut off by a timeout may land on the server for as long again as
 * its attempt took, plus this margin for the write to show in a listing. */
#define PDH_RETRY_LAND_MARGIN_MS 2000L

typedef struct pdh_retry_decision {
	pdh_retry_verdict verdict;
	long delay_ms;           /* AGAIN and UNKNOWN: how long to wait first; else 0 */
	bool outcome_unknown;    /* the server may have acted on it (set with UNKNOWN, and with
	                            GIVE_UP when a POST of unknown outcome ran out of bounds) */
	const char *why;         /* a short static reason, e.g. "rate limited (429)" */
	long wanted_ms;          /* GIVE_UP because the wait would end past max_total_ms: that
	                            wait (> 0); else 0 */
	bool budget_spent;       /* GIVE_UP on a budget 429 (pdh_retry_budget_spent): no call
	                            to this company can succeed before its budget resets */
} pdh_retry_decision;

/* Decides after attempt number `attempt` (1 = the first) of `method` ended with `res`,
 * `elapsed_ms` after the first attempt began. `jitter` is a number in [0, 1) from the caller's
 * random source; the same inputs give the same decision. policy may be NULL (defaults).
 *  - 2xx is DONE; DELETE 404 is DONE (someone else removed it).
 *  - 429 with x-daily-ratelimit-token-remaining: 0 (the daily budget is spent until it
 *    resets, hours away): GIVE_UP with budget_spent, never retried.
 *  - Any other 429 (the burst window): AGAIN after Retry-After, else x-ratelimit-reset, else
 *    the back-off — any method, since a rate-limited call was not processed.
 *  - Transport errors before the request left (resolve, connect, TLS handshake): AGAIN.
 *  - 502/503/504 and transport errors after the request may have left (timeout, send/receive
 *    error, empty reply): AGAIN for GET and DELETE; UNKNOWN for POST. Any other 5xx on a
 *    POST is UNKNOWN too; on GET/DELETE it is GIVE_UP. A POST that timed out waits at least
 *    as long as the attempt took (res->elapsed_ms) before the listing.
 *  - Everything else (4xx, TLS certificate problems, a body over the cap): GIVE_UP.
 *  - AGAIN/UNKNOWN become GIVE_UP when attempt >= max_attempts or the wait would end past
 *    max_total_ms. */
pdh_retry_decision pdh_retry_decide(const pdh_retry_policy *policy, pdh_http_method method,
                                    const pdh_http_result *res, int attempt, long elapsed_ms,
                                    double jitter);

/* Whether an attempt that ended with res failed for a passing reason: a connection error
 * (the certificate and option problems excluded), any 5xx (a proxy's HTML 502 page included)
 * or a 429. When the retries run out on one of these, the API "could not be checked"
 * (PDH_EUNAVAILABLE); any other failure is a definite answer. */
bool pdh_retry_unavailable(const pdh_http_result *res);
/* Whether res is the 429 of a spent daily budget (its x-daily-ratelimit-token-remaining is
 * 0), not of the burst window (remaining above 0, or the header absent). */
bool pdh_retry_budget_spent(const pdh_http_result *res);

/* A small, thread-confined random source for `jitter`: returns [0, 1) and advances *state
 * (seed it with anything non-zero). */
double pdh_retry_jitter(unsigned long long *state);
/* Whether a wait of ms is long enough to tell the user: rate_limit for a pause for the rate
 * limit (a 429, or no call left in the window), by the rule above. */
bool pdh_retry_tell_wait(bool rate_limit, long long ms);

const char *pdh_http_method_name(pdh_http_method m);

/* The one retry loop: one call sent until the policy settles it. The listing, apply's steps
 * and apply's single calls run it with hooks for what differs: the call itself, the pacer
 * before and after each attempt, and the wait before a retry. */
typedef struct pdh_retry_hooks {
	/* Before each attempt (the pacer's go-ahead): 0 to send it, or a negative PDH_E* code
	 * (err set) to stop without sending. NULL: always send. */
	int (*before)(void *ctx, pdh_error *err);
	/* The attempt (required): 0 when it succeeded, else a negative PDH_E* code with err set;
	 * res (initialised by the loop) says what the exchange looked like. */
	int (*call)(void *ctx, pdh_http_result *res, pdh_error *err);
	/* After each attempt, with what the exchange looked like. NULL: none. */
	void (*after)(void *ctx, const pdh_http_result *res);
	/* The wait of ms before a retry (what says why): true once ms have passed, false to stop
	 * (a wait budget, an interrupt). NULL: the loop tells the wait (tell, below) and sleeps,
	 * watching the call's interrupt flag. */
	bool (*wait)(void *ctx, long ms, const char *what);
	/* With wait NULL: told before a wait that pdh_retry_tell_wait says is long enough (a 429
	 * counts as the rate limit). NULL: silent. */
	void (*tell)(void *ctx, long ms, const char *what);
	void *ctx;
} pdh_retry_hooks;

/* One call and its bounds. The counters carry over when the loop runs again for the same
 * call (apply re-sends a POST of unknown outcome after a listing); zero them for a new one. */
typedef struct pdh_retry_call {
	pdh_http_method method;
	const char *subject;          /* the wait's text: "retrying METHOD SUBJECT (why)" */
	const char *what;             /* a fixed text for the wait instead; NULL: the above */
	const pdh_retry_policy *policy; /* NULL: the defaults */
	const atomic_int *interrupt;  /* ends the loop's own sleep when non-zero; NULL: never */
	unsigned long long *rng;      /* the jitter's source (pdh_retry_jitter) */
	int attempts;                 /* attempts made so far */
	bool started;                 /* first_ms is set; else the loop sets it at the first */
	long long first_ms;           /* the retry time is counted from it (pdh_now_ms) */
} pdh_retry_call;

typedef enum {
	PDH_RETRY_END_OK,       /* the call succeeded */
	PDH_RETRY_END_UNSENT,   /* the before hook stopped it; no attempt this time */
	PDH_RETRY_END_SETTLED,  /* the policy's DONE, UNKNOWN or GIVE_UP, in decision */
	PDH_RETRY_END_NO_WAIT   /* AGAIN, but the wait before it was refused (budget, interrupt) */
} pdh_retry_end;

typedef struct pdh_retry_outcome {
	pdh_retry_end end;
	pdh_retry_decision decision;  /* SETTLED and NO_WAIT: the last decision */
	pdh_http_result last;         /* of the last attempt (initialised when none was made) */
} pdh_retry_outcome;

/* Runs call->method through hooks until it succeeds, the policy settles it (a failed
 * 2xx POST, whose answer did not parse, is UNKNOWN: it was made, most likely), a wait is
 * refused or the before hook stops it; pdh_retry_decide is asked after each failed attempt.
 * Returns 0 (END_OK), else the before hook's code (END_UNSENT) or the last attempt's, with
 * err set by that hook. */
int pdh_retry_run(pdh_retry_call *call, const pdh_retry_hooks *hooks, pdh_retry_outcome *out,
                  pdh_error *err);

#endif
