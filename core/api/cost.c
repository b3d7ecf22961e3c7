/* The one table of what Pipedrive's calls cost, and the meter of a run (cost.h). */
#include "pdhooks/cost.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pdhooks/retry.h"

/* Pipedrive's published token costs (`x-token-cost` in its OpenAPI spec, the rate-limit
 * pages): GET /webhooks 10, POST /webhooks 10, DELETE /webhooks/{id} 6. GET /users/me is an
 * assumption: its cost is not published with the webhook endpoints; 2 is what Pipedrive's
 * lightest v1 reads cost. pdhooks-fake keeps its own copy (cmd/pdhooks-fake/meter.c). */
static const struct {
	const char *method;
	const char *path;       /* "{id}" stands for one path segment */
	int tokens;
} S_costs[PDH_CALL_KIND_COUNT] = {
	[PDH_CALL_LIST_WEBHOOKS] = { "GET", "/webhooks", 10 },
	[PDH_CALL_CREATE_WEBHOOK] = { "POST", "/webhooks", 10 },
	[PDH_CALL_DELETE_WEBHOOK] = { "DELETE", "/webhooks/{id}", 6 },
	[PDH_CALL_USERS_ME] = { "GET", "/users/me", 2 },
};

/* Whether path (up to a '?') matches pattern, where "{id}" matches one non-empty segment. */
static bool S_path_matches(const char *pattern, const char *path)
{
	size_t end = strcspn(path, "?");

	while (*pattern) {
		if (strncmp(pattern, "{id}", 4) == 0) {
			size_t seg = strcspn(path, "/?");

			if (seg == 0)
				return false;
			path += seg;
			end -= seg;
			pattern += 4;
			continue;
		}
		if (end == 0 || *pattern != *path)
			return false;
		pattern++;
		path++;
		end--;
	}
	return end == 0;
}

int pdh_call_kind_of(const char *method, const char *path)
{
	if (method == NULL || path == NULL)
		return -1;
	for (int k = 0; k < PDH_CALL_KIND_COUNT; k++)
		if (strcmp(S_costs[k].method, method) == 0 && S_path_matches(S_costs[k].path, path))
			return k;
	return -1;
}

int pdh_call_cost(int kind)
{
	return kind >= 0 && kind < PDH_CALL_KIND_COUNT ? S_costs[kind].tokens : 0;
}

int pdh_call_cost_of(const char *method, const char *path)
{
	return pdh_call_cost(pdh_call_kind_of(method, path));
}

long long pdh_cost_apply(size_t creates, size_t deletes)
{
	if (creates + deletes == 0)
		return 0;
	return (long long)creates * pdh_call_cost(PDH_CALL_CREATE_WEBHOOK) +
	       (long long)deletes * pdh_call_cost(PDH_CALL_DELETE_WEBHOOK) +
	       pdh_call_cost(PDH_CALL_LIST_WEBHOOKS);
}

void pdh_meter_charge(pdh_meter *m, const char *method, const char *path,
                      const pdh_http_result *res)
{
	if (m == NULL || res->status <= 0)
		return;
	atomic_fetch_add(&m->tokens, pdh_call_cost_of(method, path));
	atomic_fetch_add(&m->answered, 1);
	if (res->daily_tokens_remaining >= 0)
		atomic_store(&m->daily_plus_one, (long long)res->daily_tokens_remaining + 1);
	if (pdh_retry_budget_spent(res))
		atomic_store(&m->budget_spent, true);
}

long long pdh_meter_tokens(const pdh_meter *m)
{
	return atomic_load(&m->tokens);
}

long long pdh_meter_daily_remaining(const pdh_meter *m)
{
	return atomic_load(&m->daily_plus_one) - 1;
}

bool pdh_meter_budget_spent(const pdh_meter *m)
{
	return atomic_load(&m->budget_spent);
}

void pdh_cost_words(pdh_buf *b, long long calls, long long tokens)
{
	pdh_buf_printf(b, "%lld API call%s, %lld token%s", calls, calls == 1 ? "" : "s", tokens,
	               tokens == 1 ? "" : "s");
}

void pdh_budget_spent_text(char *buf, size_t size, const pdh_http_result *res)
{
	char when[32];
	struct tm tm;
	time_t at;
	long mins;

	if (res == NULL || res->daily_reset_ms < 0) {
		snprintf(buf, size, "%s (it resets at midnight, Pipedrive's server time)",
		         PDH_BUDGET_SPENT);
		return;
	}
	at = time(NULL) + (time_t)((res->daily_reset_ms + 999) / 1000);
	if (gmtime_r(&at, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
	                                           &tm) == 0)
		snprintf(when, sizeof(when), "%s", "midnight");
	mins = (res->daily_reset_ms + 59999) / 60000;
	snprintf(buf, size, "%s (it resets at %s, in %ld h %02ld min)", PDH_BUDGET_SPENT, when,
	         mins / 60, mins % 60);
}
