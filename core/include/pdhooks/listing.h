/* The one owner of "list a target's live webhooks": GET /webhooks with the retry policy of
 * apply's calls, so that no command raises a drift alarm over one 503 or 429. Every command
 * that lists (plan, apply, apply PLANFILE, status, export) goes through pdh_listing_get. */
#ifndef PDHOOKS_LISTING_H
#define PDHOOKS_LISTING_H

#include <stdatomic.h>
#include <stdbool.h>

#include "pdhooks/client.h"
#include "pdhooks/error.h"
#include "pdhooks/http.h"
#include "pdhooks/live.h"
#include "pdhooks/retry.h"

/* Optional hooks for a caller that paces its calls itself (apply's rate-limit pacer). A zeroed
 * struct means none. Each hook gets ctx. */
typedef struct pdh_listing_pacer {
	/* Before each attempt: 0 to send it, or a negative PDH_E* code (with err set) to stop. */
	int (*before)(void *ctx, pdh_error *err);
	/* After each attempt, with what the exchange looked like. */
	void (*after)(void *ctx, const pdh_http_result *res);
	/* Instead of the listing's own sleep before a retry (what says why, e.g. "retrying GET
	 * /webhooks (rate limited (429))"): true once ms have passed; false to stop, with
	 * *budget set to the reason when a wait budget ran out (then PDH_EUNAVAILABLE), left
	 * NULL when interrupted. NULL: the listing sleeps itself, watching opts->interrupt. */
	bool (*wait)(void *ctx, long ms, const char *what, const char **budget);
	void *ctx;
} pdh_listing_pacer;

typedef struct pdh_listing_opts {
	pdh_retry_policy retry;        /* zeroed: the defaults of retry.h */
	atomic_int *interrupt;         /* non-zero: no further attempt, the wait ends; NULL never */
	unsigned long long seed;       /* jitter seed; 0: from the clock */
	pdh_listing_pacer pacer;       /* zeroed: none */
	/* Told before the listing's own wait before a retry (not the pacer's), when retry.h's
	 * rule says it is long enough to tell: ms and what it is for, e.g. "retrying GET
	 * /webhooks (rate limited (429))". NULL: silent. */
	void (*on_wait)(void *ctx, long ms, const char *what);
	void *on_wait_ctx;
} pdh_listing_opts;

/* What a listing cost and how it ended. */
typedef struct pdh_listing_report {
	int calls;                     /* GET /webhooks sent, the confirming one included */
	pdh_http_result last;          /* of the last call */
	long elapsed_ms;               /* from the first attempt to the end */
} pdh_listing_report;

/* Lists the live webhooks with c, retrying as pdh_retry_decide() says for GET (connection
 * errors, 429, 502/503/504, honouring Retry-After and x-ratelimit-reset), bounded by
 * opts->retry in attempts and total time. A `data: null` answer is confirmed by a second
 * listing before it is read as "no webhooks" ((*out)->data_null then says so).
 * Returns 0 with *out the caller's (pdh_live_free), or:
 *  PDH_EUNAVAILABLE  the API stayed unreachable or kept failing (network, 5xx, 429) after the
 *                    retries; err says "could not check the live webhooks: <last cause>";
 *  PDH_EAUTH, PDH_EAPI, PDH_EPROTO, ...  a definite answer that another try would not change
 *                    (401, 403, another 4xx, a broken 2xx answer, a certificate problem);
 *  the pacer's code when its before hook stopped the listing.
 * rep (may not be NULL) is always filled. */
int pdh_listing_get(pdh_client *c, const pdh_listing_opts *opts, pdh_live **out,
                    pdh_listing_report *rep, pdh_error *err);

/* The same with a client of its own made from copts. */
int pdh_listing_get_with(const pdh_client_opts *copts, const pdh_listing_opts *opts,
                         pdh_live **out, pdh_listing_report *rep, pdh_error *err);

#endif
