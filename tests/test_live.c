/* The parsers of Pipedrive's answers: every shape they accept and every way they refuse. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/live.h"

static pdh_live *S_parse_ok(const char *body)
{
	pdh_live *l = NULL;
	pdh_error err = { 0 };
	int rc = pdh_live_parse_listing(&l, body, strlen(body), &err);
	cr_assert_eq(rc, 0, "listing should parse: %s", err.message);
	cr_assert_not_null(l);
	return l;
}

/* Expects the listing to be refused with PDH_EPROTO and a message containing each of the
 * NULL-terminated fragments. */
static void S_parse_bad(const char *body, ...)
{
	pdh_live *l = (pdh_live *)1;
	pdh_error err = { 0 };
	va_list ap;
	const char *frag;
	int rc = pdh_live_parse_listing(&l, body, body ? strlen(body) : 0, &err);

	cr_expect_eq(rc, PDH_EPROTO, "'%s' should be refused", body);
	cr_expect_eq(err.code, PDH_EPROTO);
	cr_expect_null(l, "no listing on error");
	va_start(ap, body);
	while ((frag = va_arg(ap, const char *)) != NULL)
		cr_expect(strstr(err.message, frag) != NULL, "message '%s' should contain '%s'",
		          err.message, frag);
	va_end(ap);
}

#define ITEM(extra) "{\"success\":true,\"data\":[{\"id\":7,\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"subscription_url\":\"https://h.example/x\"" extra "}]}"

Test(live, parses_every_field)
{
	pdh_live *l = S_parse_ok(
		"{\"success\":true,\"status\":\"ok\",\"data\":[{\"id\":42,\"company_id\":1,"
		"\"owner_id\":5,\"user_id\":6,\"event_action\":\"added\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://h.example/d\",\"version\":\"1.0\",\"is_active\":1,"
		"\"add_time\":\"2024-01-02T03:04:05.000Z\",\"remove_time\":null,\"type\":\"general\","
		"\"http_auth_user\":\"pd\",\"http_auth_password\":\"s3cret\",\"remove_reason\":null,"
		"\"last_delivery_time\":null,\"last_http_status\":200,\"admin_id\":1,"
		"\"name\":\"deals\"}]}");
	cr_assert_eq(l->n, 1);
	pdh_live_webhook *w = &l->items[0];
	cr_expect_eq(w->id, 42);
	cr_expect_str_eq(w->event_action, "added");
	cr_expect_str_eq(w->event_object, "deal");
	cr_expect_str_eq(w->subscription_url, "https://h.example/d");
	cr_expect_str_eq(w->version, "1.0");
	cr_expect_str_eq(w->name, "deals");
	cr_expect_str_eq(w->type, "general");
	cr_expect(w->has_user_id);
	cr_expect_eq(w->user_id, 6);
	cr_expect(w->has_owner_id);
	cr_expect_eq(w->owner_id, 5);
	cr_expect_str_eq(w->http_auth_user, "pd");
	cr_expect_eq(w->password_state, PDH_SECRET_REAL);
	cr_expect_str_eq(w->http_auth_password, "s3cret");
	cr_expect_eq(w->is_active, 1);
	cr_expect_str_eq(w->add_time, "2024-01-02T03:04:05Z");
	pdh_live_free(l);
}

Test(live, optional_fields_absent_or_null)
{
	pdh_live *l = S_parse_ok(ITEM(",\"name\":null,\"user_id\":null,\"http_auth_user\":null,"
	                              "\"version\":null,\"type\":null"));
	pdh_live_webhook *w = &l->items[0];
	cr_expect_null(w->name);
	cr_expect_null(w->version);
	cr_expect_null(w->type);
	cr_expect_null(w->http_auth_user);
	cr_expect_null(w->add_time);
	cr_expect_not(w->has_user_id);
	cr_expect_not(w->has_owner_id);
	cr_expect_eq(w->password_state, PDH_SECRET_NONE);
	cr_expect_null(w->http_auth_password);
	cr_expect_eq(w->is_active, 1, "an absent is_active is the spec's default, 1");
	pdh_live_free(l);
}

Test(live, empty_and_null_data_are_empty_listings)
{
	pdh_live *l = S_parse_ok("{\"success\":true,\"data\":[]}");
	cr_expect_eq(l->n, 0);
	pdh_live_free(l);
	l = S_parse_ok("{\"success\":true,\"data\":null}");
	cr_expect_eq(l->n, 0);
	pdh_live_free(l);
}

Test(live, is_active_forms)
{
	const char *on[] = { ITEM(",\"is_active\":1"), ITEM(",\"is_active\":true"),
		ITEM(",\"is_active\":1.0"), ITEM(",\"is_active\":null") };
	const char *off[] = { ITEM(",\"is_active\":0"), ITEM(",\"is_active\":false"),
		ITEM(",\"is_active\":0.0") };
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		pdh_live *l = S_parse_ok(on[i]);
		cr_expect_eq(l->items[0].is_active, 1, "%s", on[i]);
		pdh_live_free(l);
	}
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		pdh_live *l = S_parse_ok(off[i]);
		cr_expect_eq(l->items[0].is_active, 0, "%s", off[i]);
		pdh_live_free(l);
	}
}

Test(live, password_states)
{
	struct { const char *json; pdh_secret_state want; } cases[] = {
		{ ITEM(""), PDH_SECRET_NONE },
		{ ITEM(",\"http_auth_password\":null"), PDH_SECRET_NONE },
		{ ITEM(",\"http_auth_password\":\"\""), PDH_SECRET_NONE },
		{ ITEM(",\"http_auth_password\":\"******\""), PDH_SECRET_MASKED },
		{ ITEM(",\"http_auth_password\":\"*\""), PDH_SECRET_MASKED },
		{ ITEM(",\"http_auth_password\":\"\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\""), PDH_SECRET_MASKED },
		{ ITEM(",\"http_auth_password\":\"\xe2\x97\x8f\xe2\x97\x8f\""), PDH_SECRET_MASKED },
		{ ITEM(",\"http_auth_password\":\"**x**\""), PDH_SECRET_REAL },
		{ ITEM(",\"http_auth_password\":\"hunter2\""), PDH_SECRET_REAL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pdh_live *l = S_parse_ok(cases[i].json);
		cr_expect_eq(l->items[0].password_state, cases[i].want, "case %zu", i);
		if (cases[i].want == PDH_SECRET_REAL)
			cr_expect_not_null(l->items[0].http_auth_password);
		else
			cr_expect_null(l->items[0].http_auth_password, "a mask is not kept as a value");
		pdh_live_free(l);
	}
}

Test(live, refuses_bodies_that_are_not_the_envelope)
{
	S_parse_bad(NULL, "empty", NULL);
	S_parse_bad("", "empty", NULL);
	S_parse_bad("<html>403 Forbidden</html>", "not valid JSON", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":1", "not valid JSON", NULL);
	S_parse_bad("[1,2]", "is a list, expected an object", NULL);
	S_parse_bad("{\"data\":[]}", "no \"success\" field", NULL);
	S_parse_bad("{\"success\":\"yes\",\"data\":[]}", "\"success\" is a string", NULL);
	S_parse_bad("{\"success\":1,\"data\":[]}", "\"success\" is an integer", NULL);
	S_parse_bad("{\"success\":true}", "no \"data\" field", NULL);
	S_parse_bad("{\"success\":true,\"data\":{}}", "\"data\" is an object, expected a list", NULL);
	S_parse_bad("{\"success\":true,\"data\":\"x\"}", "\"data\" is a string", NULL);
	S_parse_bad("{\"success\":true,\"success\":true,\"data\":[]}", "not valid JSON", NULL);
}

/* The parser's own text quotes the body near the fault: a message says where, not what. */
Test(live, a_parse_error_never_quotes_the_body)
{
	static const char *const bodies[] = {
		"{\"success\":true,\"data\":[{\"id\":1,\"http_auth_password\":\"pw-cut-SEC",
		"{\"success\":true,\"data\":[{\"id\":1,\"http_auth_password\":pw-cut-SECRET}]}",
		"{\"success\":true,\"data\":[],\"pw-cut-SECRET\":1,\"pw-cut-SECRET\":2}",
		"{\"success\":true,\"data\":[]} pw-cut-SECRET",
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		pdh_live *l = NULL;
		pdh_error e;

		pdh_error_clear(&e);
		cr_expect_neq(pdh_live_parse_listing(&l, bodies[i], strlen(bodies[i]), &e), 0);
		cr_expect_not_null(strstr(e.message, "is not valid JSON"), "%s", e.message);
		cr_expect_not_null(strstr(e.message, "(line 1, column "), "%s", e.message);
		cr_expect_null(strstr(e.message, "pw-cut"), "%s", e.message);
		cr_expect_null(strstr(e.message, "near"), "%s", e.message);
		pdh_live_free(l);
	}
}

Test(live, success_false_carries_pipedrives_text)
{
	S_parse_bad("{\"success\":false,\"error\":\"unauthorized access\",\"errorCode\":401}",
	            "success: false", "unauthorized access", NULL);
	S_parse_bad("{\"success\":false}", "success: false", NULL);
}

Test(live, refuses_bad_items_naming_index_and_field)
{
	S_parse_bad("{\"success\":true,\"data\":[7]}", "item 0 is an integer, expected an object",
	            NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":1,\"event_action\":\"create\","
	            "\"event_object\":\"deal\",\"subscription_url\":\"https://h/x\"},"
	            "{\"event_action\":\"create\"}]}", "item 1", "\"id\" is missing", NULL);
	S_parse_bad(ITEM(",\"id\":\"7\""), NULL); /* duplicate key: refused as JSON */
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":\"7\"}]}", "item 0",
	            "\"id\" is a string, expected an integer", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":7.5}]}", "\"id\" is a number", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":null}]}", "\"id\" is missing", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":1,\"event_object\":\"deal\","
	            "\"subscription_url\":\"https://h/x\"}]}", "\"event_action\" is missing", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":1,\"event_action\":\"create\","
	            "\"subscription_url\":\"https://h/x\"}]}", "\"event_object\" is missing", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":1,\"event_action\":\"create\","
	            "\"event_object\":\"deal\"}]}", "\"subscription_url\" is missing", NULL);
	S_parse_bad("{\"success\":true,\"data\":[{\"id\":1,\"event_action\":5,"
	            "\"event_object\":\"deal\",\"subscription_url\":\"https://h/x\"}]}",
	            "\"event_action\" is an integer, expected a string", NULL);
}

Test(live, refuses_fields_of_the_wrong_type)
{
	S_parse_bad(ITEM(",\"name\":1"), "item 0", "\"name\" is an integer, expected a string", NULL);
	S_parse_bad(ITEM(",\"version\":2.0"), "\"version\" is a number, expected a string", NULL);
	S_parse_bad(ITEM(",\"type\":[]"), "\"type\" is a list", NULL);
	S_parse_bad(ITEM(",\"http_auth_user\":{}"), "\"http_auth_user\" is an object", NULL);
	S_parse_bad(ITEM(",\"http_auth_password\":true"), "\"http_auth_password\" is true", NULL);
	S_parse_bad(ITEM(",\"add_time\":0"), "\"add_time\" is an integer", NULL);
	S_parse_bad(ITEM(",\"user_id\":\"6\""), "\"user_id\" is a string, expected an integer", NULL);
	S_parse_bad(ITEM(",\"owner_id\":1.5"), "\"owner_id\" is a number, expected an integer", NULL);
	S_parse_bad(ITEM(",\"is_active\":2"), "\"is_active\" is 2, expected 0 or 1", NULL);
	S_parse_bad(ITEM(",\"is_active\":\"1\""), "\"is_active\" is a string, expected 0 or 1", NULL);
	S_parse_bad(ITEM(",\"is_active\":0.5"), "\"is_active\" is a number, expected 0 or 1", NULL);
}

Test(live, created_answer)
{
	const char *body = "{\"success\":true,\"data\":{\"id\":9,\"event_action\":\"create\","
	                   "\"event_object\":\"deal\",\"subscription_url\":\"https://h/x\","
	                   "\"type\":\"general\",\"is_active\":1}}";
	pdh_live_webhook w;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_live_parse_created(&w, body, strlen(body), &err), 0, "%s", err.message);
	cr_expect_eq(w.id, 9);
	cr_expect_str_eq(w.type, "general");
	pdh_live_webhook_dispose(&w);
	cr_expect_null(w.event_action, "dispose leaves a zeroed struct");
	pdh_live_webhook_dispose(&w);
	pdh_live_webhook_dispose(NULL);
	pdh_live_free(NULL);
}

Test(live, created_answer_refused)
{
	const char *bad[][2] = {
		{ "", "empty" },
		{ "{\"success\":true,\"data\":{\"id\":9", "not valid JSON" },
		{ "{\"success\":true,\"data\":[]}", "is a list, expected an object" },
		{ "{\"success\":true,\"data\":null}", "is null, expected an object" },
		{ "{\"success\":true}", "no \"data\" field" },
		{ "{\"success\":true,\"data\":{\"event_action\":\"create\"}}", "\"id\" is missing" },
		{ "{\"success\":false,\"status\":\"error\",\"errors\":{\"subscription_url\":"
		  "[\"invalid or non-reachable URL\"]}}",
		  "subscription_url: invalid or non-reachable URL" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pdh_live_webhook w;
		pdh_error err = { 0 };
		cr_expect_eq(pdh_live_parse_created(&w, bad[i][0], strlen(bad[i][0]), &err), PDH_EPROTO,
		             "'%s'", bad[i][0]);
		cr_expect(strstr(err.message, bad[i][1]) != NULL, "'%s' should contain '%s'",
		          err.message, bad[i][1]);
		cr_expect(strstr(err.message, "POST /webhooks") != NULL, "%s", err.message);
		cr_expect_null(w.event_action);
	}
}

static void S_expect_text(const char *body, const char *want)
{
	char *got = pdh_api_error_text(body, body ? strlen(body) : 0);
	if (want == NULL) {
		cr_expect_null(got, "'%s' has no text, got '%s'", body, got ? got : "");
	} else {
		cr_assert_not_null(got, "'%s' should give '%s'", body, want);
		cr_expect_str_eq(got, want);
	}
	free(got);
}

Test(live, api_error_text_shapes)
{
	S_expect_text("{\"success\":false,\"error\":\"unauthorized access\",\"errorCode\":401}",
	              "unauthorized access");
	S_expect_text("{\"success\":false,\"message\":\"Forbidden\"}", "Forbidden");
	S_expect_text("{\"success\":false,\"status\":\"error\",\"errors\":{\"id\":[\"not found\"]}}",
	              "id: not found");
	S_expect_text("{\"success\":false,\"errors\":{\"subscription_url\":[\"invalid\",\"bad\"],"
	              "\"name\":\"too long\"}}", "subscription_url: invalid; subscription_url: bad; "
	              "name: too long");
	S_expect_text("{\"success\":false,\"error\":\"Bad request\",\"error_info\":\"Please check "
	              "developers.pipedrive.com\"}", "Bad request; Please check developers.pipedrive.com");
	S_expect_text("{\"error\":\"Limit\",\"message\":\"Limit\"}", "Limit");
	S_expect_text("{\"errors\":[\"one\",\"two\"]}", "one; two");
	S_expect_text("{\"errors\":\"flat\"}", "flat");
	S_expect_text("{\"errors\":{\"x\":{\"message\":\"nested\"}}}", "x: nested");
	S_expect_text("{\"error\":\"line\\nbreak\\u001b[31m\"}", "line break [31m");
	S_expect_text("<html>403</html>", NULL);
	S_expect_text("{\"success\":false}", NULL);
	S_expect_text("[\"error\"]", NULL);
	S_expect_text("", NULL);
	S_expect_text(NULL, NULL);
}

Test(live, api_error_text_is_capped)
{
	size_t n = 5000;
	char *body = malloc(n + 32);
	strcpy(body, "{\"error\":\"");
	memset(body + strlen(body), 'x', n);
	strcpy(body + 10 + n, "\"}");
	char *got = pdh_api_error_text(body, strlen(body));
	cr_assert_not_null(got);
	cr_expect_leq(strlen(got), 500);
	free(got);
	free(body);
}
