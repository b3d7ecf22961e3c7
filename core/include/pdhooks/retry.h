/* When to send an API call again: a pure function of what the last attempt looked like, so that
 * every case is a unit test and apply only carries the decision out. */
#ifndef PDHOOKS_RETRY_H
#define PDHOOKS_RETRY_H

#include <stdbool.h>

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

typedef struct pdh_retry_decision {
	pdh_retry_verdict verdict;
	long delay_ms;           /* AGAIN and UNKNOWN: how long to wait first; else 0 */
	bool outcome_unknown;    /* the server may have acted on it (set with UNKNOWN, and with
	                            GIVE_UP when a POST of unknown outcome ran out of bounds) */
	const char *why;         /* a short static reason, e.g. "rate limited (429)" */
	long wanted_ms;          /* GIVE_UP because the wait would end past max_total_ms: that
	                            wait (> 0); else 0 */
} pdh_retry_decision;

/* Decides after attempt number `attempt` (1 = the first) of `method` ended with `res`,
 * `elapsed_ms` after the first attempt began. `jitter` is a number in [0, 1) from the caller's
 * random source; the same inputs give the same decision. policy may be NULL (defaults).
 *  - 2xx is DONE; DELETE 404 is DONE (someone else removed it).
 *  - 429: AGAIN after Retry-After, else x-ratelimit-reset, else the back-off — any method,
 *    since a rate-limited call was not processed.
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

/* A small, thread-confined random source for `jitter`: returns [0, 1) and advances *state
 * (seed it with anything non-zero). */
double pdh_retry_jitter(unsigned long long *state);
/* Whether a wait of ms is long enough to tell the user: rate_limit for a pause for the rate
 * limit (a 429, or no call left in the window), by the rule above. */
bool pdh_retry_tell_wait(bool rate_limit, long long ms);

const char *pdh_http_method_name(pdh_http_method m);

#endif
