/* Pipedrive's meter in the fake: each company's daily token budget (--daily-budget), what
 * its calls cost, the budget 429 once it is spent, and the /_fake/meter control paths. */
#include "fake.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A copy of Pipedrive's published token costs, as pdhooks keeps them in core/api/cost.c
 * (GET /webhooks 10, POST /webhooks 10, DELETE /webhooks/{id} 6; GET /users/me 2, assumed).
 * The fake keeps its own so that a test compares two accounts, not one table with itself. */
static long S_cost(const fake_server *s, int method, const char *url)
{
	size_t pl = strlen(s->prefix);
	const char *rest = url;

	if (strncmp(url, s->prefix, pl) != 0)
		return 0;
	rest = url + pl;
	if (strcmp(rest, "/webhooks") == 0)
		return method == FAKE_GET || method == FAKE_POST ? 10 : 0;
	if (strncmp(rest, "/webhooks/", 10) == 0 && rest[10] != '\0' && !strchr(rest + 10, '/'))
		return method == FAKE_DELETE ? 6 : 0;
	if (strcmp(rest, "/users/me") == 0)
		return method == FAKE_GET ? 2 : 0;
	return 0;
}

static long long S_left(const fake_server *s, const fake_company *co)
{
	long long left = s->daily_budget - co->budget_used;

	return left > 0 ? left : 0;
}

bool fake_meter_spent(const fake_server *s, const fake_company *co)
{
	return co != NULL && s->daily_budget > 0 && S_left(s, co) == 0;
}

static long S_seconds_to_utc_midnight(void)
{
	time_t now = time(NULL);

	return 86400 - (long)(now % 86400);
}

void fake_meter_charge(fake_server *s, fake_company *co, int method, const char *url,
                       bool unanswered, fake_budget *out)
{
	long cost = S_cost(s, method, url);

	memset(out, 0, sizeof(*out));
	if (co == NULL)   /* no known token: nobody's budget */
		return;
	if (!unanswered) {
		co->tokens += cost;
		co->charged_calls++;
		co->budget_used += cost;
	}
	if (s->daily_budget <= 0)
		return;
	out->on = true;
	out->limit = s->daily_budget;
	out->left = S_left(s, co);
	out->reset_s = out->left == 0 ? S_seconds_to_utc_midnight() : 0;
}

void fake_meter_headers(struct MHD_Response *r, const fake_budget *b)
{
	char num[32];

	if (b == NULL || !b->on)
		return;
	snprintf(num, sizeof(num), "%lld", b->limit);
	MHD_add_response_header(r, "x-daily-ratelimit-token-limit", num);
	snprintf(num, sizeof(num), "%lld", b->left);
	MHD_add_response_header(r, "x-daily-ratelimit-token-remaining", num);
	if (b->reset_s > 0) {
		snprintf(num, sizeof(num), "%ld", b->reset_s);
		MHD_add_response_header(r, "x-daily-ratelimit-reset", num);
	}
}

json_t *fake_meter_error(void)
{
	return json_pack("{s:b, s:s, s:i, s:s, s:n, s:n}", "success", 0, "error",
	                 "Daily token budget exceeded: no more API calls until it resets",
	                 "errorCode", 429, "error_info",
	                 "Please check developers.pipedrive.com for more information about "
	                 "Pipedrive API.", "data", "additional_data");
}

json_t *fake_meter_json(const fake_server *s, const fake_company *co)
{
	bool on = s->daily_budget > 0;

	return json_pack("{s:o, s:o, s:I, s:I}",
	                 "daily_budget", on ? json_integer(s->daily_budget) : json_null(),
	                 "remaining", on ? json_integer(S_left(s, co)) : json_null(),
	                 "tokens", (json_int_t)co->tokens, "calls", (json_int_t)co->charged_calls);
}

int fake_meter_set(fake_server *s, fake_company *co, const json_t *in, const char **why)
{
	json_t *budget = json_object_get(in, "daily_budget"), *left = json_object_get(in,
	                                                                          "remaining");

	if (!json_is_object(in) || json_object_size(in) != (size_t)(!!budget + !!left) ||
	    (budget && (!json_is_integer(budget) || json_integer_value(budget) < 0)) ||
	    (left && (!json_is_integer(left) || json_integer_value(left) < 0))) {
		*why = "expected {\"daily_budget\": N, \"remaining\": N} (either or both, N >= 0)";
		return -1;
	}
	if (budget)
		s->daily_budget = (long long)json_integer_value(budget);
	if (left) {
		if (s->daily_budget <= 0) {
			*why = "no daily budget: give daily_budget (or --daily-budget) first";
			return -1;
		}
		co->budget_used = s->daily_budget - (long long)json_integer_value(left);
	}
	return 0;
}

void fake_meter_reset(fake_server *s, fake_company *co)
{
	for (size_t i = 0; i < s->ncompanies; i++) {
		if (co != NULL && s->companies[i] != co)
			continue;
		s->companies[i]->budget_used = 0;
		s->companies[i]->tokens = 0;
		s->companies[i]->charged_calls = 0;
	}
}
