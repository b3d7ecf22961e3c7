/* Pipedrive's meter: what each call costs from the company's daily token budget (one table,
 * core/api/cost.c), what a run spent, the last remaining budget a response showed, and the
 * words for a budget that is spent. Every call that got an HTTP answer (any status, a 429
 * included) is counted at its table cost: the client charges the run's meter as the answer
 * comes (pdh_client_opts.meter). A call that got no answer (no connection, a timeout before
 * the status line) costs nothing. */
#ifndef PDHOOKS_COST_H
#define PDHOOKS_COST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/buf.h"
#include "pdhooks/http.h"

/* The kinds of call pdhooks makes, by method and path below the API base URL. */
typedef enum {
	PDH_CALL_LIST_WEBHOOKS,    /* GET /webhooks */
	PDH_CALL_CREATE_WEBHOOK,   /* POST /webhooks */
	PDH_CALL_DELETE_WEBHOOK,   /* DELETE /webhooks/{id} */
	PDH_CALL_USERS_ME,         /* GET /users/me */
	PDH_CALL_KIND_COUNT
} pdh_call_kind;

/* The kind of METHOD PATH (PATH below the API base, "/webhooks/42"; a query string is
 * ignored), or -1 for a call the table does not know. */
int pdh_call_kind_of(const char *method, const char *path);
/* The tokens a call of that kind costs; 0 for -1 (a call the table does not know). */
int pdh_call_cost(int kind);
/* Both at once: the tokens METHOD PATH costs. */
int pdh_call_cost_of(const char *method, const char *path);
/* What applying a plan costs after the listing it was made from: creates POSTs, deletes
 * DELETEs (a replace is one of each) and the verification listing; 0 when there is nothing
 * to do (apply makes no call then). Retries and the listings that settle a POST of unknown
 * outcome come on top. */
long long pdh_cost_apply(size_t creates, size_t deletes);

/* What one run (one company) spent. Zeroed is empty: nothing spent, no budget seen. Charged
 * from several threads at once (apply's), read when the calls are over. */
typedef struct pdh_meter {
	atomic_llong tokens;        /* the answered calls' costs, by the table */
	atomic_llong answered;      /* calls that got an HTTP answer */
	atomic_llong daily_plus_one;/* the last x-daily-ratelimit-token-remaining + 1; 0: none */
	atomic_bool budget_spent;   /* a budget 429 came (pdh_retry_budget_spent) */
} pdh_meter;

/* Counts the call METHOD PATH that got the answer res (res->status > 0): its cost, and the
 * daily budget its headers show. m may be NULL (nothing counted). */
void pdh_meter_charge(pdh_meter *m, const char *method, const char *path,
                      const pdh_http_result *res);
long long pdh_meter_tokens(const pdh_meter *m);
/* The last remaining daily budget a response showed; -1 when none showed it. */
long long pdh_meter_daily_remaining(const pdh_meter *m);
bool pdh_meter_budget_spent(const pdh_meter *m);

/* "8 API calls, 70 tokens" ("1 API call, 10 tokens") into b: what calls spent, in every
 * text summary. */
void pdh_cost_words(pdh_buf *b, long long calls, long long tokens);

/* The message of a budget 429 (pdh_retry_budget_spent), into buf: "the company's daily API
 * budget is spent" and when it resets: at the time res's x-daily-ratelimit-reset gives,
 * else at midnight, Pipedrive's server time. */
void pdh_budget_spent_text(char *buf, size_t size, const pdh_http_result *res);
#define PDH_BUDGET_SPENT "the company's daily API budget is spent"

#endif
