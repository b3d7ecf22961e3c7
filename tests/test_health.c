/* Delivery health, the metrics text and the "could not check" classification: pure
 * functions, one table row per case. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <string.h>

#include "pdhooks/health.h"
#include "pdhooks/live.h"
#include "pdhooks/metrics.h"
#include "pdhooks/retry.h"

typedef struct S_row {
	const char *name;
	int is_active;
	bool has_status;
	long long status;
	const char *time;
	pdh_health want;
	bool failed;
	const char *text;
} S_row;

static const S_row S_rows[] = {
	{ "2xx", 1, true, 200, "2026-11-30T10:00:00Z", PDH_HEALTH_OK, false,
	  "HTTP 200 at 2026-11-30T10:00:00Z" },
	{ "299 is still 2xx", 1, true, 299, NULL, PDH_HEALTH_OK, false, "HTTP 299" },
	{ "500", 1, true, 500, "2026-11-30T11:00:00Z", PDH_HEALTH_FAILING, true,
	  "HTTP 500 at 2026-11-30T11:00:00Z" },
	{ "3xx is no success", 1, true, 301, NULL, PDH_HEALTH_FAILING, true, "HTTP 301" },
	{ "199", 1, true, 199, NULL, PDH_HEALTH_FAILING, true, "HTTP 199" },
	{ "404", 1, true, 404, "t", PDH_HEALTH_FAILING, true, "HTTP 404 at t" },
	{ "status 0: no answer", 1, true, 0, "2026-11-30T12:00:00Z", PDH_HEALTH_FAILING, true,
	  "no answer at 2026-11-30T12:00:00Z" },
	{ "a time without a status: no answer", 1, false, 0, "2026-11-30T12:00:00Z",
	  PDH_HEALTH_FAILING, true, "no answer at 2026-11-30T12:00:00Z" },
	{ "nothing yet", 1, false, 0, NULL, PDH_HEALTH_NEVER, false, "no delivery yet" },
	{ "an empty time is no time", 1, false, 0, "", PDH_HEALTH_NEVER, false,
	  "no delivery yet" },
	{ "inactive and healthy", 0, true, 200, "t", PDH_HEALTH_INACTIVE, false, "HTTP 200 at t" },
	{ "inactive and failing", 0, true, 503, "t", PDH_HEALTH_INACTIVE, true, "HTTP 503 at t" },
	{ "inactive, never", 0, false, 0, NULL, PDH_HEALTH_INACTIVE, false, "no delivery yet" },
	{ "a time with a terminal escape and a bidi override is shown escaped", 1, true, 500,
	  "2026\x1b[2J\xe2\x80\xaeZ", PDH_HEALTH_FAILING, true,
	  "HTTP 500 at 2026\\x1b[2J\\u{202E}Z" },
};

Test(health, table)
{
	for (size_t i = 0; i < sizeof(S_rows) / sizeof(S_rows[0]); i++) {
		const S_row *r = &S_rows[i];
		pdh_live_webhook w;
		char *text;

		memset(&w, 0, sizeof(w));
		w.is_active = r->is_active;
		w.has_last_http_status = r->has_status;
		w.last_http_status = r->status;
		w.last_delivery_time = (char *)r->time;
		cr_expect_eq(pdh_health_of(&w), r->want, "%s: %s", r->name,
		             pdh_health_name(pdh_health_of(&w)));
		cr_expect_eq(pdh_health_delivery_failed(&w), r->failed, "%s", r->name);
		text = pdh_health_last_delivery_text(&w);
		cr_expect_str_eq(text, r->text, "%s", r->name);
		free(text);
	}
	cr_expect_str_eq(pdh_health_name(PDH_HEALTH_OK), "ok");
	cr_expect_str_eq(pdh_health_name(PDH_HEALTH_FAILING), "failing");
	cr_expect_str_eq(pdh_health_name(PDH_HEALTH_NEVER), "never");
	cr_expect_str_eq(pdh_health_name(PDH_HEALTH_INACTIVE), "inactive");
}

#define ENVELOPE(items) "{\"success\":true,\"data\":[" items "]}"
#define ITEM_ID(id, extra)                                                             \
	"{\"id\":" #id ",\"event_action\":\"create\",\"event_object\":\"deal\","        \
	"\"subscription_url\":\"https://h.example/x\"" extra "}"
#define ITEM(extra) ITEM_ID(1, extra)

Test(health, listing_fields_parsed)
{
	static const char body[] = ENVELOPE(
		ITEM(",\"last_delivery_time\":\"2026-11-30T11:00:00Z\",\"last_http_status\":500,"
		     "\"remove_time\":\"2026-12-01T00:00:00Z\",\"remove_reason\":\"failing\"") ","
		ITEM_ID(2, ",\"last_delivery_time\":null,\"last_http_status\":null,"
		        "\"remove_time\":null,\"remove_reason\":null") ","
		ITEM_ID(3, ""));
	pdh_live *l = NULL;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_live_parse_listing(&l, body, strlen(body), &err), 0, "%s", err.message);
	cr_assert_eq(l->n, 3);
	cr_expect_str_eq(l->items[0].last_delivery_time, "2026-11-30T11:00:00Z");
	cr_expect(l->items[0].has_last_http_status);
	cr_expect_eq(l->items[0].last_http_status, 500);
	cr_expect_str_eq(l->items[0].remove_time, "2026-12-01T00:00:00Z");
	cr_expect_str_eq(l->items[0].remove_reason, "failing");
	for (size_t i = 1; i < 3; i++) {
		cr_expect_null(l->items[i].last_delivery_time, "item %zu", i);
		cr_expect_not(l->items[i].has_last_http_status, "item %zu", i);
		cr_expect_null(l->items[i].remove_time, "item %zu", i);
		cr_expect_null(l->items[i].remove_reason, "item %zu", i);
		cr_expect_eq(pdh_health_of(&l->items[i]), PDH_HEALTH_NEVER);
	}
	cr_expect_not(l->data_null);
	pdh_live_free(l);
}

Test(health, listing_fields_of_a_wrong_type_are_a_protocol_error)
{
	static const struct { const char *body, *needle; } bad[] = {
		{ ENVELOPE(ITEM(",\"last_http_status\":\"500\"")),
		  "\"last_http_status\" is a string, expected an integer" },
		{ ENVELOPE(ITEM(",\"last_http_status\":500.5")),
		  "\"last_http_status\" is a number, expected an integer" },
		{ ENVELOPE(ITEM(",\"last_delivery_time\":12")),
		  "\"last_delivery_time\" is an integer, expected a string" },
		{ ENVELOPE(ITEM(",\"remove_time\":true")), "\"remove_time\" is" },
		{ ENVELOPE(ITEM(",\"remove_reason\":[]")), "\"remove_reason\" is" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pdh_live *l = NULL;
		pdh_error err = { 0 };

		cr_expect_eq(pdh_live_parse_listing(&l, bad[i].body, strlen(bad[i].body), &err),
		             PDH_EPROTO, "%s", bad[i].body);
		cr_expect_null(l);
		cr_expect_not_null(strstr(err.message, bad[i].needle), "%s: %s", bad[i].body,
		                   err.message);
	}
}

Test(health, data_null_is_flagged)
{
	static const char body[] = "{\"success\":true,\"data\":null}";
	pdh_live *l = NULL;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_live_parse_listing(&l, body, strlen(body), &err), 0, "%s", err.message);
	cr_expect_eq(l->n, 0);
	cr_expect(l->data_null);
	pdh_live_free(l);
}

/* Which final failures mean "could not check" (exit 5) rather than an answer (exit 1). */
Test(health, unavailable_classification)
{
	static const struct { int transport; long status; bool want; } rows[] = {
		{ 0, 503, true }, { 0, 502, true }, { 0, 504, true }, { 0, 500, true },
		{ 0, 599, true }, { 0, 429, true },
		{ 0, 401, false }, { 0, 403, false }, { 0, 400, false }, { 0, 404, false },
		{ 0, 422, false }, { 0, 200, false }, { 0, 301, false },
		{ CURLE_COULDNT_CONNECT, 0, true }, { CURLE_COULDNT_RESOLVE_HOST, 0, true },
		{ CURLE_OPERATION_TIMEDOUT, 0, true }, { CURLE_GOT_NOTHING, 0, true },
		{ CURLE_RECV_ERROR, 0, true }, { CURLE_SSL_CONNECT_ERROR, 0, true },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, false }, { CURLE_SSL_CACERT_BADFILE, 0, false },
		{ CURLE_FILESIZE_EXCEEDED, 0, false }, { CURLE_URL_MALFORMAT, 0, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		pdh_http_result r;

		pdh_http_result_init(&r);
		r.transport = rows[i].transport;
		r.status = rows[i].status;
		cr_expect_eq(pdh_retry_unavailable(&r), rows[i].want, "transport %d status %ld",
		             rows[i].transport, rows[i].status);
	}
}

/* Every non-comment line is "name{labels} value"; every family has HELP and TYPE before its
 * samples, once. */
static void S_check_exposition(const char *text)
{
	char seen[64][64];
	size_t n_seen = 0;
	const char *p = text;

	cr_assert(strlen(text) > 0 && text[strlen(text) - 1] == '\n', "ends with a newline");
	while (*p) {
		const char *eol = strchr(p, '\n');
		char line[512];
		size_t len = (size_t)(eol - p);

		cr_assert(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		if (strncmp(line, "# HELP ", 7) == 0) {
			char name[64];
			cr_assert_eq(sscanf(line + 7, "%63s", name), 1);
			for (size_t i = 0; i < n_seen; i++)
				cr_expect_str_neq(seen[i], name, "HELP twice for %s", name);
			cr_assert(n_seen < 64);
			strcpy(seen[n_seen++], name);
			cr_expect_eq(strncmp(name, "pdhooks_", 8), 0, "%s", name);
			/* the next line is its TYPE */
			cr_expect(strncmp(eol + 1, "# TYPE ", 7) == 0, "%s", line);
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			cr_expect_not_null(strstr(line, " gauge"), "%s", line);
		} else {
			cr_assert(n_seen > 0, "a sample before any HELP: %s", line);
			cr_expect_eq(strncmp(line, seen[n_seen - 1], strlen(seen[n_seen - 1])), 0,
			             "sample %s is not of family %s", line, seen[n_seen - 1]);
		}
		p = eol + 1;
	}
}

Test(health, metrics_without_a_plan_are_the_run_only)
{
	pdh_metrics_run m;
	char *text;

	memset(&m, 0, sizeof(m));
	m.command = "plan";
	m.exit_code = 5;
	m.finished_unix = 1796160000.5;
	m.duration_seconds = 2.25;
	m.api_calls = 5;
	text = pdh_metrics_render(&m);
	S_check_exposition(text);
	cr_expect_not_null(strstr(text, "# HELP pdhooks_run_success "), "%s", text);
	cr_expect_not_null(strstr(text, "\npdhooks_run_success{command=\"plan\"} 0\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\npdhooks_exit_code{command=\"plan\"} 5\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\npdhooks_last_run_timestamp_seconds{command=\"plan\"} "
	                          "1796160000.5\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\npdhooks_run_duration_seconds{command=\"plan\"} 2.25\n"),
	                   "%s", text);
	cr_expect_not_null(strstr(text, "\npdhooks_api_calls{command=\"plan\"} 5\n"), "%s", text);
	cr_expect_null(strstr(text, "pdhooks_plan_actions"), "%s", text);
	cr_expect_null(strstr(text, "pdhooks_webhooks"), "%s", text);
	free(text);
}

Test(health, metrics_of_a_plan_with_an_account_label)
{
	pdh_live_webhook lw[3];
	pdh_owned_webhook owned[3];
	pdh_plan p;
	pdh_metrics_run m;
	char *text;

	memset(lw, 0, sizeof(lw));
	memset(owned, 0, sizeof(owned));
	memset(&p, 0, sizeof(p));
	owned[0].live = &lw[0];
	owned[0].health = PDH_HEALTH_OK;
	owned[1].live = &lw[1];
	owned[1].health = PDH_HEALTH_FAILING;
	owned[2].live = &lw[2];
	owned[2].health = PDH_HEALTH_FAILING;
	p.owned = owned;
	p.n_owned = 3;
	p.n_create = 2;
	p.n_delete = 1;
	p.n_actions = 3;
	p.n_unchanged = 1;
	p.n_foreign = 4;
	p.n_delivery_failed = 2;
	memset(&m, 0, sizeof(m));
	m.command = "status";
	m.account = "acme \"eu\"\\\nprod";
	m.plan = &p;
	m.success = true;
	text = pdh_metrics_render(&m);
	S_check_exposition(text);
	/* label values escape ", \ and newline */
	cr_expect_not_null(strstr(text, "\npdhooks_run_success{command=\"status\",account=\"acme "
	                          "\\\"eu\\\"\\\\\\nprod\"} 1\n"), "%s", text);
	cr_expect_not_null(strstr(text, "pdhooks_plan_actions{command=\"status\",account=\"acme "
	                          "\\\"eu\\\"\\\\\\nprod\",action=\"create\"} 2\n"), "%s", text);
	cr_expect_not_null(strstr(text, ",action=\"replace\"} 0\n"), "%s", text);
	cr_expect_not_null(strstr(text, ",action=\"delete\"} 1\n"), "%s", text);
	cr_expect_not_null(strstr(text, ",health=\"ok\"} 1\n"), "%s", text);
	cr_expect_not_null(strstr(text, ",health=\"failing\"} 2\n"), "%s", text);
	cr_expect_not_null(strstr(text, ",health=\"never\"} 0\n"), "%s", text);
	cr_expect_not_null(strstr(text, ",health=\"inactive\"} 0\n"), "%s", text);
	cr_expect_not_null(strstr(text, "pdhooks_changes_pending{"), "%s", text);
	cr_expect_not_null(strstr(text, "prod\"} 4\n"), "foreign: %s", text);
	free(text);
}
