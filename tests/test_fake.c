/* pdhooks-fake over real HTTP: Pipedrive's answers, auth, limits, faults, control API. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "testutil.h"

static const char *const S_json_hdr[] = { "x-api-token: test-token",
	"Content-Type: application/json", NULL };

/* A call with the right token; path is below the prefix ("/webhooks"). It may fail as a
 * transport (r->curl_code). */
static void S_call(pdh_t_http *r, pdh_t_fake *f, const char *method, const char *path,
                   const char *body)
{
	char *url = pdh_xasprintf("%s%s", pdh_t_fake_url(f), path);
	pdh_t_http_call(r, method, url, S_json_hdr, body, -1);
	free(url);
}

/* An API call with the right token that is answered. */
static void S_api(pdh_t_http *r, pdh_t_fake *f, const char *method, const char *path,
                  const char *body)
{
	S_call(r, f, method, path, body);
	cr_assert_eq(r->curl_code, 0, "%s %s: curl error %d", method, path, r->curl_code);
}

/* An API call whose answer only matters by its status. */
static long S_status(pdh_t_fake *f, const char *method, const char *path, const char *body)
{
	pdh_t_http r;
	long st;

	S_api(&r, f, method, path, body);
	st = r.status;
	pdh_t_http_dispose(&r);
	return st;
}

static json_t *S_parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	cr_assert_not_null(j, "not JSON (%s): %s", e.text, text);
	return j;
}

/* GET /webhooks into r, expecting HTTP status want. Caller disposes r. */
static void S_list(pdh_t_http *r, pdh_t_fake *f, long want)
{
	S_api(r, f, "GET", "/webhooks", NULL);
	cr_expect_eq(r->status, want, "GET /webhooks: %s", r->body);
}

/* GET /webhooks expecting HTTP status want: the number its header name says. */
static long S_list_header(pdh_t_fake *f, long want, const char *name)
{
	pdh_t_http r;
	long n;

	S_list(&r, f, want);
	n = pdh_t_http_header_num(&r, name);
	pdh_t_http_dispose(&r);
	return n;
}

/* POST /_fake/fail with a fault; asserts it is taken. */
static void S_fail(pdh_t_fake *f, const char *fault)
{
	cr_assert_eq(pdh_t_fake_control(f, "POST", "/_fake/fail", fault, NULL), 200, "%s", fault);
}

/* POST /_fake/config with a setting (JSON); asserts it is taken. */
static void S_config(pdh_t_fake *f, const char *json)
{
	cr_assert_eq(pdh_t_fake_control(f, "POST", "/_fake/config", json, NULL), 200, "%s", json);
}

static size_t S_discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* How long GET /webhooks takes, in ms; its HTTP status in *status unless NULL. */
static long long S_listing_ms(pdh_t_fake *f, long *status)
{
	pdh_t_http r;
	long long t0 = pdh_now_ms(), ms;

	S_api(&r, f, "GET", "/webhooks", NULL);
	ms = pdh_now_ms() - t0;
	if (status)
		*status = r.status;
	pdh_t_http_dispose(&r);
	return ms;
}

#define HOOK(action, object, url) \
	"{\"event_action\":\"" action "\",\"event_object\":\"" object "\",\"subscription_url\":\"" url "\"}"
#define GOOD_BODY \
	"{\"subscription_url\":\"https://hooks.example.com/deals\",\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"name\":\"deals\"}"

/* A body of a refused call: {"success": false} with an "error" text when has_error. */
static void S_expect_refusal_body(const char *body, bool has_error)
{
	json_t *j = S_parse(body);

	cr_expect(json_is_false(json_object_get(j, "success")), "%s", body);
	if (has_error)
		cr_expect(json_is_string(json_object_get(j, "error")), "%s", body);
	json_decref(j);
}

/* POST body; expects 400 with exactly `field` named among the errors. */
static void S_expect_400(pdh_t_fake *f, const char *body, const char *field)
{
	pdh_t_http r;
	json_t *j;

	S_api(&r, f, "POST", "/webhooks", body);
	cr_expect_eq(r.status, 400, "body %s: status %ld, %s", body, r.status, r.body);
	j = S_parse(r.body);
	cr_expect(json_is_false(json_object_get(j, "success")));
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "error");
	cr_expect(json_is_array(json_object_get(json_object_get(j, "errors"), field)),
	          "body %s: no error for %s in %s", body, field, r.body);
	cr_expect(json_is_string(json_array_get(json_object_get(json_object_get(j, "errors"), field), 0)));
	json_decref(j);
	pdh_t_http_dispose(&r);
}

static int S_count_hooks(pdh_t_fake *f)
{
	char *state = pdh_t_fake_state(f);
	json_t *j = S_parse(state);
	int n = (int)json_array_size(j);
	json_decref(j);
	free(state);
	return n;
}

Test(fake, prints_port_and_stops_cleanly)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	cr_expect_gt(pdh_t_fake_port(f), 0);
	cr_expect_eq(pdh_t_fake_stop_status(f), 0);
}

Test(fake, fixed_port)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char port[16];
	char *args[] = { "--port", port, NULL };

	/* a port that was free a moment ago */
	snprintf(port, sizeof(port), "%d", pdh_t_fake_port(f));
	pdh_t_fake_stop(f);
	f = pdh_t_fake_start(args);
	cr_expect_eq(pdh_t_fake_port(f), atoi(port));
	pdh_t_fake_stop(f);
}

Test(fake, empty_listing)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;

	S_list(&r, f, 200);
	cr_expect_str_eq(r.body, "{\"success\":true,\"status\":\"ok\",\"data\":[]}");
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, create_answers_201_with_the_full_webhook)
{
	const char *fields[] = { "id", "company_id", "owner_id", "user_id", "event_action",
		"event_object", "subscription_url", "version", "is_active", "add_time", "remove_time",
		"type", "http_auth_user", "http_auth_password", "remove_reason", "last_delivery_time",
		"last_http_status", "admin_id", "name" };
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	json_t *j, *d;
	const char *t;
	int y, mo, da, h, mi, s, ms;
	char z;

	S_api(&r, f, "POST", "/webhooks",
	      "{\"subscription_url\":\"https://hooks.example.com/deals\",\"event_action\":\"create\","
	      "\"event_object\":\"deal\",\"name\":\"deals\",\"http_auth_user\":\"u\","
	      "\"http_auth_password\":\"p\"}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	j = S_parse(r.body);
	cr_expect(json_is_true(json_object_get(j, "success")));
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "ok");
	d = json_object_get(j, "data");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		cr_expect_not_null(json_object_get(d, fields[i]), "missing %s", fields[i]);
	cr_expect_eq(json_object_size(d), sizeof(fields) / sizeof(fields[0]));
	cr_expect_eq(json_integer_value(json_object_get(d, "id")), 1);
	cr_expect_eq(json_integer_value(json_object_get(d, "owner_id")), 1);
	cr_expect_eq(json_integer_value(json_object_get(d, "user_id")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(d, "version")), "2.0");
	cr_expect(json_is_integer(json_object_get(d, "is_active")));
	cr_expect_eq(json_integer_value(json_object_get(d, "is_active")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(d, "type")), "general");
	cr_expect_str_eq(json_string_value(json_object_get(d, "http_auth_user")), "u");
	cr_expect_str_eq(json_string_value(json_object_get(d, "http_auth_password")), "p");
	cr_expect(json_is_null(json_object_get(d, "remove_time")));
	cr_expect(json_is_null(json_object_get(d, "last_http_status")));
	t = json_string_value(json_object_get(d, "add_time"));
	cr_expect_eq(strlen(t), 24, "add_time %s", t);
	cr_expect_eq(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &da, &h, &mi, &s, &ms, &z), 8,
	             "add_time %s", t);
	cr_expect_eq(z, 'Z');
	cr_expect_geq(y, 2024);
	json_decref(j);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, ids_count_up_and_listing_shows_created)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	json_t *j;

	for (int i = 1; i <= 3; i++) {
		S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
		j = S_parse(r.body);
		cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "data"), "id")), i);
		json_decref(j);
		pdh_t_http_dispose(&r);
	}
	S_status(f, "DELETE", "/webhooks/3", NULL);
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	j = S_parse(r.body);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "data"), "id")), 4,
	             "ids are not reused");
	json_decref(j);
	pdh_t_http_dispose(&r);
	S_api(&r, f, "GET", "/webhooks", NULL);
	j = S_parse(r.body);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 3);
	json_decref(j);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

static size_t S_listed(pdh_t_fake *f)
{
	pdh_t_http r;
	json_t *j;
	size_t n;

	S_api(&r, f, "GET", "/webhooks", NULL);
	cr_assert_eq(r.status, 200);
	j = S_parse(r.body);
	n = json_array_size(json_object_get(j, "data"));
	json_decref(j);
	pdh_t_http_dispose(&r);
	return n;
}

Test(fake, listing_follows_every_change)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	cr_expect_eq(S_listed(f), 0);
	S_status(f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(S_listed(f), 1, "after POST");
	S_status(f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(S_listed(f), 2, "after the second POST");
	S_status(f, "DELETE", "/webhooks/1", NULL);
	cr_expect_eq(S_listed(f), 1, "after DELETE");
	pdh_t_fake_set_state(f, "[" HOOK("create", "deal", "https://a.example/") ","
	                        HOOK("create", "person", "https://a.example/") ","
	                        HOOK("create", "note", "https://a.example/") "]");
	cr_expect_eq(S_listed(f), 3, "after PUT /_fake/state");
	pdh_t_fake_stop(f);
}

/* Expects the listing to be want: "id:subscription_url:password" items joined by spaces. */
static void S_expect_listing(pdh_t_fake *f, const char *want)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_t_http r;
	json_t *j, *h;
	size_t i;
	char *got;

	S_api(&r, f, "GET", "/webhooks", NULL);
	cr_assert_eq(r.status, 200);
	j = S_parse(r.body);
	json_array_foreach(json_object_get(j, "data"), i, h) {
		json_t *pw = json_object_get(h, "http_auth_password");
		char *item = pdh_xasprintf("%s%lld:%s:%s", i ? " " : "",
			(long long)json_integer_value(json_object_get(h, "id")),
			json_string_value(json_object_get(h, "subscription_url")),
			json_is_string(pw) ? json_string_value(pw) : "null");
		pdh_buf_append(&b, item, strlen(item));
		free(item);
	}
	json_decref(j);
	pdh_t_http_dispose(&r);
	got = pdh_buf_detach(&b);
	cr_expect_str_eq(got, want);
	free(got);
}

#define PW_HOOK(url, pw) \
	"{\"event_action\":\"create\",\"event_object\":\"deal\",\"subscription_url\":\"" url \
	"\",\"http_auth_user\":\"u\",\"http_auth_password\":\"" pw "\"}"

/* The fake keeps each webhook's text between listings: a change in the middle, a new webhook
 * and a password mode switch must all show, and nothing stale. */
Test(fake, listing_texts_follow_changes_in_place)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	pdh_t_fake_set_state(f, "[" PW_HOOK("https://a.example/1", "p1") ","
	                        PW_HOOK("https://a.example/2", "p2") ","
	                        PW_HOOK("https://a.example/3", "p3") "]");
	S_expect_listing(f, "1:https://a.example/1:****** 2:https://a.example/2:****** "
	                 "3:https://a.example/3:******");
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/2", NULL), 200);
	S_expect_listing(f, "1:https://a.example/1:****** 3:https://a.example/3:******");
	cr_expect_eq(S_status(f, "POST", "/webhooks", "{\"event_action\":\"create\","
	             "\"event_object\":\"deal\",\"subscription_url\":\"https://a.example/4\",\"name\":\"n4\","
	             "\"http_auth_user\":\"u\",\"http_auth_password\":\"p4\"}"), 201);
	S_config(f, "{\"password_listing\":\"real\"}");
	S_expect_listing(f, "1:https://a.example/1:p1 3:https://a.example/3:p3 "
	                 "4:https://a.example/4:p4");
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/1", NULL), 200);
	S_config(f, "{\"password_listing\":\"null\"}");
	S_expect_listing(f, "3:https://a.example/3:null 4:https://a.example/4:null");
	pdh_t_fake_set_state(f, "[" PW_HOOK("https://b.example/", "q") "]");
	S_expect_listing(f, "5:https://b.example/:null");
	pdh_t_fake_stop(f);
}

Test(fake, user_id_from_body_and_owner_from_caller)
{
	char *args[] = { "--user-id", "7", "--company-id", "99", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_t_http r;
	json_t *j, *d;

	S_api(&r, f, "POST", "/webhooks",
	      "{\"subscription_url\":\"https://h.example/x\",\"event_action\":\"*\","
	      "\"event_object\":\"*\",\"name\":\"all\",\"user_id\":12}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	j = S_parse(r.body);
	d = json_object_get(j, "data");
	cr_expect_eq(json_integer_value(json_object_get(d, "user_id")), 12);
	cr_expect_eq(json_integer_value(json_object_get(d, "owner_id")), 7);
	cr_expect_eq(json_integer_value(json_object_get(d, "company_id")), 99);
	json_decref(j);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, concurrent_creates_get_distinct_ids)
{
	enum { N = 16 };
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *url = pdh_xasprintf("%s/webhooks", pdh_t_fake_url(f));
	struct curl_slist *hdrs = NULL;
	CURL *h[N];
	CURLM *m = curl_multi_init();
	int running = 0;
	char *state;
	json_t *j, *w;
	size_t i;
	bool seen[N + 1] = { false };

	for (const char *const *p = S_json_hdr; *p; p++)
		hdrs = curl_slist_append(hdrs, *p);
	for (i = 0; i < N; i++) {
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, url);
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, GOOD_BODY);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, S_discard);
		curl_multi_add_handle(m, h[i]);
	}
	do {
		cr_assert_eq(curl_multi_perform(m, &running), CURLM_OK);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running);
	for (i = 0; i < N; i++) {
		long st = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &st);
		cr_expect_eq(st, 201);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	free(url);
	state = pdh_t_fake_state(f);
	j = S_parse(state);
	cr_expect_eq(json_array_size(j), N);
	json_array_foreach(j, i, w) {
		json_int_t id = json_integer_value(json_object_get(w, "id"));
		cr_assert(id >= 1 && id <= N, "id %lld", (long long)id);
		cr_expect_not(seen[id], "id %lld twice", (long long)id);
		seen[id] = true;
	}
	json_decref(j);
	free(state);
	cr_expect_eq(pdh_t_fake_calls(f, "POST"), N);
	pdh_t_fake_stop(f);
}

Test(fake, delete_200_then_404)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;

	S_status(f, "POST", "/webhooks", GOOD_BODY);
	S_api(&r, f, "DELETE", "/webhooks/1", NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "{\"success\":true,\"status\":\"ok\"}");
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_count_hooks(f), 0);
	S_api(&r, f, "DELETE", "/webhooks/1", NULL);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(r.body,
	                 "{\"success\":false,\"status\":\"error\",\"errors\":{\"id\":[\"not found\"]}}");
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/abc", NULL), 404);
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/99999999999999999999999", NULL), 404);
	pdh_t_fake_stop(f);
}

Test(fake, delete_non_general_is_403)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;

	pdh_t_fake_set_state(f, "[{\"id\":5,\"type\":\"application\",\"event_action\":\"*\","
	                        "\"event_object\":\"*\",\"subscription_url\":\"https://app.example/\"},"
	                        "{\"id\":6,\"type\":\"automation\",\"event_action\":\"*\","
	                        "\"event_object\":\"*\",\"subscription_url\":\"https://a.example/\"}]");
	S_api(&r, f, "DELETE", "/webhooks/5", NULL);
	cr_expect_eq(r.status, 403);
	cr_expect_str_eq(r.body, "{\"success\":false,\"message\":\"Forbidden\"}");
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/6", NULL), 403);
	cr_expect_eq(S_count_hooks(f), 2);
	pdh_t_fake_stop(f);
}

/* ---- auth ---- */

static long S_status_with(pdh_t_fake *f, const char *method, const char *query,
                          const char *header)
{
	const char *hdrs[] = { header, NULL };
	char *url = pdh_xasprintf("%s/webhooks%s", pdh_t_fake_url(f), query);
	pdh_t_http r;
	long st;

	pdh_t_http_call(&r, method, url, hdrs, NULL, -1);
	st = r.status;
	if (st == 401)
		cr_expect_str_eq(r.body,
		                 "{\"success\":false,\"error\":\"unauthorized access\",\"errorCode\":401}");
	pdh_t_http_dispose(&r);
	free(url);
	return st;
}

Test(fake, auth_three_ways)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	cr_expect_eq(S_status_with(f, "GET", "", "x-api-token: test-token"), 200);
	cr_expect_eq(S_status_with(f, "GET", "?api_token=test-token", NULL), 200);
	cr_expect_eq(S_status_with(f, "GET", "", "Authorization: Bearer test-token"), 200);
	cr_expect_eq(S_status_with(f, "GET", "", "authorization: bearer test-token"), 200);
	pdh_t_fake_stop(f);
}

Test(fake, auth_refused_401)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	cr_expect_eq(S_status_with(f, "GET", "", NULL), 401);
	cr_expect_eq(S_status_with(f, "GET", "", "x-api-token: wrong"), 401);
	cr_expect_eq(S_status_with(f, "GET", "", "x-api-token: test-token-longer"), 401);
	cr_expect_eq(S_status_with(f, "GET", "?api_token=wrong", NULL), 401);
	cr_expect_eq(S_status_with(f, "GET", "", "Authorization: Bearer wrong"), 401);
	cr_expect_eq(S_status_with(f, "GET", "", "Authorization: Basic dGVzdC10b2tlbg=="), 401);
	cr_expect_eq(S_status_with(f, "POST", "", "x-api-token: wrong"), 401);
	cr_expect_eq(S_status_with(f, "DELETE", "/1", NULL), 401);
	cr_expect_eq(S_count_hooks(f), 0);
	pdh_t_fake_stop(f);
}

Test(fake, custom_token)
{
	char *args[] = { "--token", "s3cr3t", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	cr_expect_eq(S_status_with(f, "GET", "", "x-api-token: test-token"), 401);
	cr_expect_eq(S_status_with(f, "GET", "", "x-api-token: s3cr3t"), 200);
	pdh_t_fake_stop(f);
}

/* ---- routing ---- */

Test(fake, unknown_path_404_and_other_methods_405)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	char *allow;

	S_api(&r, f, "GET", "/deals", NULL);
	cr_expect_eq(r.status, 404);
	S_expect_refusal_body(r.body, true);
	pdh_t_http_dispose(&r);
	S_api(&r, f, "PUT", "/webhooks", "{}");
	cr_expect_eq(r.status, 405);
	allow = pdh_t_http_header(&r, "Allow");
	cr_expect_str_eq(allow, "GET, POST");
	free(allow);
	S_expect_refusal_body(r.body, false);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "GET", "/webhooks/1", NULL), 405);
	cr_expect_eq(S_status(f, "PATCH", "/webhooks/1", "{}"), 405);
	pdh_t_fake_stop(f);
}

Test(fake, prefix_api_v1)
{
	char *args[] = { "--prefix", "/api/v1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_t_http r;
	char *url = pdh_xasprintf("%s/v1/webhooks", pdh_t_fake_base(f));

	cr_expect_str_eq(pdh_t_fake_url(f) + strlen(pdh_t_fake_base(f)), "/api/v1");
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200);
	pdh_t_http_call(&r, "GET", url, S_json_hdr, NULL, -1);
	cr_expect_eq(r.status, 404);
	pdh_t_http_dispose(&r);
	free(url);
	pdh_t_fake_stop(f);
}

/* ---- validation ---- */

Test(fake, missing_fields_are_each_named)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	const char *req[] = { "subscription_url", "event_action", "event_object", "name" };

	for (size_t i = 0; i < 4; i++)
		S_expect_400(f, "{}", req[i]);
	S_expect_400(f, "{\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"n\"}",
	             "subscription_url");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_object\":\"deal\","
	                "\"name\":\"n\"}", "event_action");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"name\":\"n\"}", "event_object");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"event_object\":\"deal\"}", "name");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"event_object\":\"deal\",\"name\":\"\"}", "name");
	cr_expect_eq(S_count_hooks(f), 0);
	pdh_t_fake_stop(f);
}

#define WITH(extra) \
	"{\"subscription_url\":\"https://h.example/x\",\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"name\":\"n\"," extra "}"

Test(fake, wrong_types_and_values)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *long_name = pdh_xmalloc(300), *body;

	S_expect_400(f, WITH("\"user_id\":\"12\""), "user_id");
	S_expect_400(f, WITH("\"user_id\":1.5"), "user_id");
	S_expect_400(f, WITH("\"user_id\":-3"), "user_id");
	S_expect_400(f, WITH("\"http_auth_user\":5"), "http_auth_user");
	S_expect_400(f, WITH("\"http_auth_password\":true"), "http_auth_password");
	S_expect_400(f, WITH("\"version\":\"3.0\""), "version");
	S_expect_400(f, WITH("\"version\":2"), "version");
	S_expect_400(f, "{\"subscription_url\":5,\"event_action\":\"create\",\"event_object\":\"deal\","
	                "\"name\":\"n\"}", "subscription_url");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":[],"
	                "\"event_object\":\"deal\",\"name\":\"n\"}", "event_action");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"event_object\":\"deal\",\"name\":{}}", "name");
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	body = pdh_xasprintf("{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"name\":\"%s\"}", long_name);
	S_expect_400(f, body, "name");
	free(body);
	cr_expect_eq(S_count_hooks(f), 0);
	/* 255 characters, some of them two bytes long, are fine */
	long_name[254] = '\0';
	body = pdh_xasprintf("{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"name\":\"\\u00e9%s\"}", long_name);
	{
		pdh_t_http r;
		S_api(&r, f, "POST", "/webhooks", body);
		cr_expect_eq(r.status, 201, "%s", r.body);
		pdh_t_http_dispose(&r);
	}
	free(body);
	free(long_name);
	pdh_t_fake_stop(f);
}

Test(fake, subscription_url_rules)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	const char *bad[] = { "hooks.example.com/x", "/relative", "ftp://h.example/x", "https://",
		"https://api.pipedrive.com/v1/webhooks", "https://acme.pipedrive.com/x",
		"https://PIPEDRIVE.COM/" };
	pdh_t_http r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *body = pdh_xasprintf("{\"subscription_url\":\"%s\",\"event_action\":\"create\","
		                           "\"event_object\":\"deal\",\"name\":\"n\"}", bad[i]);
		S_expect_400(f, body, "subscription_url");
		free(body);
	}
	S_api(&r, f, "POST", "/webhooks", "{\"subscription_url\":\"http://notpipedrive.com/x\","
	      "\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"n\"}");
	cr_expect_eq(r.status, 201, "%s", r.body);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, vocabulary_by_version)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	json_t *j;

	/* v1 names with 2.0 (the default) and v2 names with 1.0 */
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"added\","
	                "\"event_object\":\"deal\",\"name\":\"n\"}", "event_action");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"updated\","
	                "\"event_object\":\"deal\",\"name\":\"n\",\"version\":\"2.0\"}", "event_action");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"event_object\":\"deal\",\"name\":\"n\",\"version\":\"1.0\"}", "event_action");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"event_object\":\"activityType\",\"name\":\"n\"}", "event_object");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"added\","
	                "\"event_object\":\"lead\",\"name\":\"n\",\"version\":\"1.0\"}", "event_object");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"frob\","
	                "\"event_object\":\"deal\",\"name\":\"n\"}", "event_action");
	S_expect_400(f, "{\"subscription_url\":\"https://h.example/\",\"event_action\":\"create\","
	                "\"event_object\":\"deals\",\"name\":\"n\"}", "event_object");
	cr_expect_eq(S_count_hooks(f), 0);
	S_api(&r, f, "POST", "/webhooks", "{\"subscription_url\":\"https://h.example/\","
	      "\"event_action\":\"added\",\"event_object\":\"lead\",\"name\":\"n\"}");
	cr_expect_not_null(strstr(r.body, "\"is a version 1.0 action; with version 2.0 use one of: "
	                                  "create, change, delete, *\""), "%s", r.body);
	cr_expect_null(strstr(r.body, "event_object"), "lead is a v2 object: %s", r.body);
	pdh_t_http_dispose(&r);
	S_api(&r, f, "POST", "/webhooks", "{\"subscription_url\":\"https://h.example/\","
	      "\"event_action\":\"added\",\"event_object\":\"lead\",\"name\":\"n\","
	      "\"version\":\"1.0\"}");
	cr_expect_not_null(strstr(r.body, "\"is a version 2.0 object; with version 1.0 use one of: "),
	                   "%s", r.body);
	pdh_t_http_dispose(&r);
	S_api(&r, f, "POST", "/webhooks", "{\"subscription_url\":\"https://h.example/\","
	      "\"event_action\":\"added\",\"event_object\":\"activityType\",\"name\":\"n\","
	      "\"version\":\"1.0\"}");
	cr_expect_eq(r.status, 201, "%s", r.body);
	j = S_parse(r.body);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "data"), "version")),
	                 "1.0");
	json_decref(j);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, form_encoded_create)
{
	const char *hdrs[] = { "x-api-token: test-token",
		"Content-Type: application/x-www-form-urlencoded", NULL };
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *url = pdh_xasprintf("%s/webhooks", pdh_t_fake_url(f));
	pdh_t_http r;
	json_t *j, *d;

	pdh_t_http_call(&r, "POST", url, hdrs,
	                "subscription_url=https%3A%2F%2Fh.example%2Fp%3Fa%3D1&event_action=change"
	                "&event_object=person&name=my+hook&user_id=42&http_auth_user=bob", -1);
	cr_assert_eq(r.status, 201, "%s", r.body);
	j = S_parse(r.body);
	d = json_object_get(j, "data");
	cr_expect_str_eq(json_string_value(json_object_get(d, "subscription_url")),
	                 "https://h.example/p?a=1");
	cr_expect_str_eq(json_string_value(json_object_get(d, "name")), "my hook");
	cr_expect_eq(json_integer_value(json_object_get(d, "user_id")), 42);
	cr_expect_str_eq(json_string_value(json_object_get(d, "http_auth_user")), "bob");
	json_decref(j);
	pdh_t_http_dispose(&r);
	pdh_t_http_call(&r, "POST", url, hdrs,
	                "subscription_url=https%3A%2F%2Fh.example%2F&event_action=change&user_id=x", -1);
	cr_expect_eq(r.status, 400);
	j = S_parse(r.body);
	cr_expect_not_null(json_object_get(json_object_get(j, "errors"), "user_id"));
	cr_expect_not_null(json_object_get(json_object_get(j, "errors"), "event_object"));
	cr_expect_not_null(json_object_get(json_object_get(j, "errors"), "name"));
	json_decref(j);
	pdh_t_http_dispose(&r);
	free(url);
	pdh_t_fake_stop(f);
}

static char *S_general_hooks(int n, long owner)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_buf_putc(&b, '[');
	for (int i = 0; i < n; i++)
		pdh_buf_printf(&b, "%s{\"owner_id\":%ld,\"event_action\":\"create\",\"event_object\":"
		               "\"deal\",\"subscription_url\":\"https://h.example/%d\"}",
		               i ? "," : "", owner, i);
	pdh_buf_putc(&b, ']');
	return pdh_buf_detach(&b);
}

Test(fake, limit_of_40_general_webhooks_is_422)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *hooks = S_general_hooks(39, 1);
	pdh_t_http r;
	json_t *j;

	pdh_t_fake_set_state(f, hooks);
	free(hooks);
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(r.status, 201, "the 40th is fine: %s", r.body);
	pdh_t_http_dispose(&r);
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(r.status, 422, "%s", r.body);
	j = S_parse(r.body);
	cr_expect(json_is_false(json_object_get(j, "success")));
	cr_expect(json_is_string(json_object_get(j, "error")));
	cr_expect(json_is_string(json_object_get(j, "error_info")));
	json_decref(j);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_count_hooks(f), 40);
	/* other users' and non-general webhooks do not count */
	hooks = S_general_hooks(40, 2);
	pdh_t_fake_set_state(f, hooks);
	free(hooks);
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(r.status, 201, "%s", r.body);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, max_webhooks_option)
{
	char *args[] = { "--max-webhooks", "1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 201);
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 422);
	pdh_t_fake_stop(f);
}

/* ---- bad bodies ---- */

Test(fake, bad_bodies_never_crash)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	size_t big = 2 * 1024 * 1024, deep = 100000;
	char *huge = pdh_xmalloc(big + 1), *nest = pdh_xmalloc(deep + 1);
	pdh_t_http r;
	static const char *const bad[] = { "{\"subscription_url\":", "[1,2,3]",
		"\"just a string\"", "null", "{\"name\":\"\xff\xfe\"}" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		S_expect_400(f, bad[i], "body");
	memset(nest, '[', deep);
	nest[deep] = '\0';
	S_expect_400(f, nest, "body");
	memset(huge, 'x', big);
	huge[big] = '\0';
	S_api(&r, f, "POST", "/webhooks", huge);
	cr_expect_eq(r.status, 413);
	S_expect_refusal_body(r.body, false);
	pdh_t_http_dispose(&r);
	{
		char bin[64];
		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (char)(i * 37);
		char *url = pdh_xasprintf("%s/webhooks", pdh_t_fake_url(f));
		pdh_t_http_call(&r, "POST", url, S_json_hdr, bin, (long)sizeof(bin));
		cr_expect_eq(r.status, 400);
		pdh_t_http_dispose(&r);
		free(url);
	}
	free(huge);
	free(nest);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200, "still serving");
	cr_expect_eq(pdh_t_fake_stop_status(f), 0);
}

/* ---- control API ---- */

Test(fake, control_calls_counts_and_log)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *body = NULL;
	json_t *j, *log;

	S_status(f, "GET", "/webhooks", NULL);
	S_status(f, "POST", "/webhooks", GOOD_BODY);
	S_status(f, "POST", "/webhooks", "{}");
	S_status(f, "DELETE", "/webhooks/1", NULL);
	cr_expect_eq(pdh_t_fake_calls(f, "GET"), 1);
	cr_expect_eq(pdh_t_fake_calls(f, "POST"), 2);
	cr_expect_eq(pdh_t_fake_calls(f, "DELETE"), 1);
	cr_expect_eq(pdh_t_fake_calls(f, NULL), 4, "control calls are not counted");
	cr_assert_eq(pdh_t_fake_control(f, "GET", "/_fake/calls", NULL, &body), 200);
	j = S_parse(body);
	log = json_object_get(j, "log");
	cr_assert_eq(json_array_size(log), 4);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(log, 0), "method")), "GET");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(log, 0), "path")),
	                 "/v1/webhooks");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(log, 1), "status")), 201);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(log, 2), "status")), 400);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(log, 3), "path")),
	                 "/v1/webhooks/1");
	json_decref(j);
	free(body);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/calls/reset", NULL, NULL), 200);
	cr_expect_eq(pdh_t_fake_calls(f, NULL), 0);
	cr_expect_eq(pdh_t_fake_control(f, "GET", "/_fake/nope", NULL, NULL), 404);
	cr_expect_eq(pdh_t_fake_control(f, "DELETE", "/_fake/calls", NULL, NULL), 405);
	pdh_t_fake_stop(f);
}

Test(fake, control_state_get_and_put)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *state, *body = NULL;
	json_t *j, *h;
	pdh_t_http r;

	pdh_t_fake_set_state(f,
		"[" HOOK("create", "deal", "https://a.example/1") ","
		"{\"id\":10,\"event_action\":\"added\",\"event_object\":\"activityType\","
		"\"subscription_url\":\"https://a.example/2\",\"version\":\"1.0\",\"is_active\":0,"
		"\"http_auth_password\":\"pw\",\"type\":\"automation\",\"name\":\"x\"}]");
	state = pdh_t_fake_state(f);
	j = S_parse(state);
	cr_assert_eq(json_array_size(j), 2);
	h = json_array_get(j, 0);
	cr_expect_eq(json_integer_value(json_object_get(h, "id")), 11, "auto ids follow the highest");
	cr_expect_str_eq(json_string_value(json_object_get(h, "type")), "general");
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(h, "version")), "2.0");
	cr_expect_str_eq(json_string_value(json_object_get(h, "name")), "create.deal");
	cr_expect(json_is_string(json_object_get(h, "add_time")));
	cr_expect_eq(json_object_size(h), 19);
	h = json_array_get(j, 1);
	cr_expect_eq(json_integer_value(json_object_get(h, "is_active")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(h, "http_auth_password")), "pw");
	json_decref(j);
	free(state);
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	j = S_parse(r.body);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "data"), "id")), 12);
	json_decref(j);
	pdh_t_http_dispose(&r);
	/* bad states are refused and change nothing */
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state", "{\"a\":1}", NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state", "[{\"bogus\":1}]", &body), 400);
	cr_expect_not_null(strstr(body, "bogus"), "%s", body);
	free(body);
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state",
		"[{\"id\":1,\"event_action\":\"a\",\"event_object\":\"b\",\"subscription_url\":\"c\"},"
		"{\"id\":1,\"event_action\":\"a\",\"event_object\":\"b\",\"subscription_url\":\"c\"}]",
		NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state",
		"[{\"event_action\":\"a\",\"event_object\":\"b\",\"subscription_url\":\"c\","
		"\"is_active\":2}]", NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state",
		"[{\"event_action\":\"a\",\"event_object\":\"b\"}]", NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "PUT", "/_fake/state", "[", NULL), 400);
	cr_expect_eq(S_count_hooks(f), 3);
	pdh_t_fake_stop(f);
}

Test(fake, password_listing_modes)
{
	const char *modes[] = { "masked", "real", "null" };
	const char *want[] = { "\"******\"", "\"pw\"", "null" };

	for (size_t i = 0; i < 3; i++) {
		char *args[] = { "--password-listing", (char *)modes[i], NULL };
		pdh_t_fake *f = pdh_t_fake_start(i == 0 ? NULL : args);
		pdh_t_http r;
		json_t *j;
		char *got, *state;

		pdh_t_fake_set_state(f, "[{\"event_action\":\"create\",\"event_object\":\"deal\","
		                        "\"subscription_url\":\"https://h.example/\","
		                        "\"http_auth_user\":\"u\",\"http_auth_password\":\"pw\"},"
		                        HOOK("create", "person", "https://h.example/") "]");
		S_api(&r, f, "GET", "/webhooks", NULL);
		j = S_parse(r.body);
		got = json_dumps(json_object_get(json_array_get(json_object_get(j, "data"), 0),
		                                 "http_auth_password"), JSON_ENCODE_ANY);
		cr_expect_str_eq(got, want[i], "mode %s", modes[i]);
		cr_expect(json_is_null(json_object_get(json_array_get(json_object_get(j, "data"), 1),
		                                       "http_auth_password")), "unset stays null");
		free(got);
		json_decref(j);
		pdh_t_http_dispose(&r);
		state = pdh_t_fake_state(f);
		cr_expect_not_null(strstr(state, "\"pw\""), "the state keeps the real password");
		free(state);
		pdh_t_fake_stop(f);
	}
}

Test(fake, config_password_listing)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;

	pdh_t_fake_set_state(f, "[{\"event_action\":\"create\",\"event_object\":\"deal\","
	                        "\"subscription_url\":\"https://h.example/\",\"http_auth_password\":\"pw\"}]");
	S_config(f, "{\"password_listing\":\"real\"}");
	S_api(&r, f, "GET", "/webhooks", NULL);
	cr_expect_not_null(strstr(r.body, "\"http_auth_password\":\"pw\""), "%s", r.body);
	pdh_t_http_dispose(&r);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/config", "{\"password_listing\":\"x\"}",
	                                NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/config", "{\"bogus\":1}", NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/config", "{\"latency_ms\":-1}", NULL), 400);
	pdh_t_fake_stop(f);
}

/* ---- state file ---- */

Test(fake, state_file_seeds_and_persists_across_restart)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/state.json", dir);
	char *args[] = { "--state", path, NULL };
	pdh_t_fake *f;
	pdh_t_http r;
	json_t *j;
	char *text;

	pdh_t_write_file(path, "[" HOOK("create", "deal", "https://a.example/") ","
	                       "{\"id\":7,\"type\":\"application\",\"event_action\":\"*\","
	                       "\"event_object\":\"*\",\"subscription_url\":\"https://app.example/\"}]");
	f = pdh_t_fake_start(args);
	S_api(&r, f, "GET", "/webhooks", NULL);
	j = S_parse(r.body);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 2);
	json_decref(j);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 201);
	S_api(&r, f, "DELETE", "/webhooks/8", NULL);
	cr_expect_eq(r.status, 200, "auto id after 7 was 8: %s", r.body);
	pdh_t_http_dispose(&r);
	text = pdh_t_read_file(path, NULL);
	j = S_parse(text);
	cr_expect_eq(json_array_size(j), 2, "written after each change: %s", text);
	json_decref(j);
	free(text);
	cr_expect_eq(pdh_t_fake_stop_status(f), 0);

	f = pdh_t_fake_start(args);
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	j = S_parse(r.body);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "data"), "id")), 10,
	             "ids go on after the restart: %s", r.body);
	json_decref(j);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_count_hooks(f), 3);
	pdh_t_fake_stop(f);
	pdh_t_remove(path);
	pdh_t_remove(dir);
}

Test(fake, state_file_missing_starts_empty_and_bad_file_refuses)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/state.json", dir);
	char *args[] = { "--state", path, NULL };
	char *argv[] = { getenv("PDH_FAKE_BIN"), "--state", path, NULL };
	pdh_t_fake *f;
	pdh_t_run run;

	f = pdh_t_fake_start(args);
	cr_expect_eq(S_count_hooks(f), 0);
	S_status(f, "POST", "/webhooks", GOOD_BODY);
	pdh_t_fake_stop(f);
	cr_expect_eq(access(path, F_OK), 0, "created on the first change");
	pdh_t_write_file(path, "[{\"id\":\"x\"}]");
	pdh_t_run_argv(&run, argv, NULL, NULL);
	cr_expect_eq(run.status, 1);
	cr_expect_not_null(strstr(run.err, path), "%s", run.err);
	cr_expect_str_eq(run.out, "");
	pdh_t_run_dispose(&run);
	pdh_t_write_file(path, "[{");
	pdh_t_run_argv(&run, argv, NULL, NULL);
	cr_expect_eq(run.status, 1);
	pdh_t_run_dispose(&run);
	pdh_t_remove(path);
	pdh_t_remove(dir);
}

Test(fake, example_state_file_loads)
{
	const char *src = getenv("PDH_SOURCE_DIR");
	char *example = pdh_xasprintf("%s/examples/fake-state.json", src ? src : ".");
	char *text = pdh_t_read_file(example, NULL), *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/state.json", dir);
	char *args[] = { "--state", path, NULL };
	pdh_t_fake *f;
	pdh_t_http r;
	json_t *j, *h;
	size_t i;
	int application = 0, inactive = 0;

	cr_assert_not_null(text, "cannot read %s", example);
	pdh_t_write_file(path, text);
	f = pdh_t_fake_start(args);
	S_api(&r, f, "GET", "/webhooks", NULL);
	j = S_parse(r.body);
	json_array_foreach(json_object_get(j, "data"), i, h) {
		application += strcmp(json_string_value(json_object_get(h, "type")), "application") == 0;
		inactive += json_integer_value(json_object_get(h, "is_active")) == 0;
	}
	cr_expect_geq(json_array_size(json_object_get(j, "data")), 4);
	cr_expect_geq(application, 1);
	cr_expect_geq(inactive, 1);
	json_decref(j);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
	pdh_t_remove(path);
	pdh_t_remove(dir);
	free(text);
	free(example);
}

Test(fake, demo_desired_file_validates)
{
	const char *src = getenv("PDH_SOURCE_DIR");
	char *file = pdh_xasprintf("%s/examples/demo/pdhooks.yaml", src ? src : ".");
	char *env[] = { "PD_HOOK_PASSWORD=demo-password", NULL };
	pdh_t_run r;

	pdh_t_pdhooks(&r, env, NULL, "validate", "-f", file, NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	free(file);
}

/* ---- latency and rate limit ---- */

Test(fake, latency_option_and_config)
{
	char *args[] = { "--latency-ms", "300", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	cr_expect_geq(S_listing_ms(f, NULL), 300);
	S_config(f, "{\"latency_ms\":0}");
	cr_expect_lt(S_listing_ms(f, NULL), 300);
	S_config(f, "{\"latency_ms\":200}");
	cr_expect_geq(S_listing_ms(f, NULL), 200);
	pdh_t_fake_stop(f);
}

Test(fake, rate_limit_headers_and_429)
{
	char *args[] = { "--rate-limit", "3", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_t_http r;
	long retry;

	for (long i = 0; i < 3; i++) {
		S_list(&r, f, 200);
		cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-limit"), 3);
		cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-remaining"), 2 - i);
		cr_expect_geq(pdh_t_http_header_num(&r, "x-ratelimit-reset"), 1);
		cr_expect_leq(pdh_t_http_header_num(&r, "x-ratelimit-reset"), 2);
		pdh_t_http_dispose(&r);
	}
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(r.status, 429);
	retry = pdh_t_http_header_num(&r, "Retry-After");
	cr_expect(retry >= 1 && retry <= 2, "Retry-After %ld", retry);
	cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-remaining"), 0);
	S_expect_refusal_body(r.body, false);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_count_hooks(f), 0, "a refused call does nothing");
	sleep((unsigned)retry);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200, "the window has moved on");
	S_config(f, "{\"rate_limit\":0}");
	for (int i = 0; i < 5; i++) {
		S_list(&r, f, 200);
		cr_expect_null(strcasestr(r.headers, "x-ratelimit-limit"), "off: no headers");
		pdh_t_http_dispose(&r);
	}
	pdh_t_fake_stop(f);
}

Test(fake, rate_limit_by_config_and_daily_budget)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	S_config(f, "{\"rate_limit\":1,\"daily_limit\":2}");
	cr_expect_eq(S_list_header(f, 200, "x-daily-requests-left"), 1);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 429);
	S_config(f, "{\"rate_limit\":0}");
	cr_expect_eq(S_list_header(f, 200, "x-daily-requests-left"), 0);
	/* the daily budget is spent */
	cr_expect_gt(S_list_header(f, 429, "Retry-After"), 0);
	pdh_t_fake_stop(f);
}

/* ---- faults ---- */

Test(fake, fault_status_for_the_next_n_calls)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;

	S_fail(f, "{\"method\":\"POST\",\"kind\":\"status\",\"status\":503,\"count\":2}");
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200, "other methods are untouched");
	for (int i = 0; i < 2; i++) {
		S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
		cr_expect_eq(r.status, 503);
		S_expect_refusal_body(r.body, true);
		pdh_t_http_dispose(&r);
	}
	cr_expect_eq(S_count_hooks(f), 0, "failed calls do nothing");
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 201);
	cr_expect_eq(pdh_t_fake_calls(f, "POST"), 3);
	pdh_t_fake_stop(f);
}

Test(fake, fault_html_page)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	char *ct;

	S_fail(f, "{\"kind\":\"html\"}");
	S_fail(f, "{\"method\":\"GET\",\"kind\":\"html\",\"status\":403}");
	S_list(&r, f, 503);
	ct = pdh_t_http_header(&r, "Content-Type");
	cr_expect_not_null(strstr(ct, "text/html"), "%s", ct);
	free(ct);
	cr_expect_not_null(strstr(r.body, "<html>"));
	pdh_t_http_dispose(&r);
	S_list(&r, f, 403);
	cr_expect_not_null(strstr(r.body, "<html>"));
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200);
	pdh_t_fake_stop(f);
}

Test(fake, fault_truncated_body)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;

	S_fail(f, "{\"method\":\"GET\",\"kind\":\"truncated\"}");
	S_list(&r, f, 200);
	cr_expect_gt(strlen(r.body), 0);
	cr_expect_null(json_loads(r.body, 0, NULL), "not JSON: %s", r.body);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, fault_drop_connection)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	char *body = NULL;

	S_status(f, "POST", "/webhooks", GOOD_BODY);
	S_fail(f, "{\"method\":\"DELETE\",\"kind\":\"drop\"}");
	S_call(&r, f, "DELETE", "/webhooks/1", NULL);
	cr_expect_eq(r.curl_code, CURLE_GOT_NOTHING, "curl %d", r.curl_code);
	cr_expect_eq(r.status, 0);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_count_hooks(f), 1, "a dropped call does nothing");
	cr_assert_eq(pdh_t_fake_control(f, "GET", "/_fake/calls", NULL, &body), 200);
	cr_expect_not_null(strstr(body, "\"status\":0"), "%s", body);
	free(body);
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/1", NULL), 200);
	pdh_t_fake_stop(f);
}

Test(fake, fault_delay_then_serves)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	long status;

	S_fail(f, "{\"method\":\"GET\",\"kind\":\"delay\",\"delay_ms\":400}");
	cr_expect_geq(S_listing_ms(f, &status), 400);
	cr_expect_eq(status, 200);
	cr_expect_lt(S_listing_ms(f, NULL), 400, "only the next call");
	pdh_t_fake_stop(f);
}

Test(fake, fault_create_503_creates_anyway)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	S_fail(f, "{\"method\":\"POST\",\"kind\":\"create-503\"}");
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 503);
	cr_expect_eq(S_count_hooks(f), 1, "the webhook was made");
	pdh_t_fake_stop(f);
}

Test(fake, fault_from_command_line)
{
	char *args[] = { "--fail", "POST:502:2", "--fail", "GET:drop", "--fail", "*:html=403:1",
		"--fail", "GET:delay=1:1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_t_http r;

	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 502);
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 502);
	S_call(&r, f, "GET", "/webhooks", NULL);
	cr_expect_eq(r.curl_code, CURLE_GOT_NOTHING);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 403, "the * fault is next in line for POST");
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200);
	cr_expect_eq(S_status(f, "POST", "/webhooks", GOOD_BODY), 201);
	pdh_t_fake_stop(f);
}

Test(fake, fault_json_takes_command_line_kinds_too)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	S_fail(f, "{\"method\":\"GET\",\"kind\":\"502\",\"count\":2}");
	S_fail(f, "\"GET:html=403\"");
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 502);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 502);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 403);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200);
	pdh_t_fake_stop(f);
}

/* ---- hostile faults ---- */

Test(fake, fault_huge_streams_a_listing_past_the_size)
{
	pdh_t_fake *f = pdh_t_fake_start((char *[]){ "--fail", "GET:huge", NULL });
	pdh_t_http r;
	char *len;
	json_t *j;

	S_list(&r, f, 200);
	cr_expect_geq(strlen(r.body), (size_t)40 * 1024 * 1024, "the default is past a 32 MiB cap");
	cr_expect_lt(strlen(r.body), (size_t)40 * 1024 * 1024 + 512);
	len = pdh_t_http_header(&r, "Content-Length");
	cr_expect_null(len, "streamed (chunked), no length announced: %s", len);
	free(len);
	pdh_t_http_dispose(&r);
	S_fail(f, "{\"method\":\"GET\",\"kind\":\"huge\",\"size\":100000}");
	S_api(&r, f, "GET", "/webhooks", NULL);
	cr_expect_geq(strlen(r.body), 100000);
	j = S_parse(r.body);   /* complete: a valid listing of made-up webhooks */
	cr_expect_gt(json_array_size(json_object_get(j, "data")), 100);
	json_decref(j);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_listed(f), 0, "the next call is served normally");
	pdh_t_fake_stop(f);
}

/* The last webhook of a GET listing, or the created one of a POST: the defective one. */
static json_t *S_defect_of(const char *body, bool listing)
{
	json_t *j = S_parse(body), *data = json_object_get(j, "data"), *h;

	h = json_incref(listing ? json_array_get(data, json_array_size(data) - 1) : data);
	json_decref(j);
	cr_assert_not_null(h, "%s", body);
	return h;
}

Test(fake, fault_wrong_types_and_missing_id)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	json_t *h;

	S_status(f, "POST", "/webhooks", GOOD_BODY);
	S_fail(f, "\"GET:wrong-types\"");
	S_list(&r, f, 200);
	h = S_defect_of(r.body, true);
	cr_expect(json_is_string(json_object_get(h, "id")), "%s", r.body);
	cr_expect(json_is_string(json_object_get(h, "is_active")));
	cr_expect(json_is_integer(json_object_get(h, "event_object")));
	json_decref(h);
	cr_expect_not_null(strstr(r.body, "\"id\":1,"), "the real webhooks are listed too");
	pdh_t_http_dispose(&r);

	S_fail(f, "{\"method\":\"GET\",\"kind\":\"missing-id\"}");
	S_list(&r, f, 200);
	h = S_defect_of(r.body, true);
	cr_expect_null(json_object_get(h, "id"), "%s", r.body);
	cr_expect(json_is_integer(json_object_get(h, "is_active")), "other fields are right");
	json_decref(h);
	pdh_t_http_dispose(&r);

	S_fail(f, "\"POST:missing-id\"");
	S_api(&r, f, "POST", "/webhooks", GOOD_BODY);
	cr_expect_eq(r.status, 201);
	h = S_defect_of(r.body, false);
	cr_expect_null(json_object_get(h, "id"), "%s", r.body);
	json_decref(h);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_count_hooks(f), 1, "a faulted POST creates nothing");
	pdh_t_fake_stop(f);
}

Test(fake, fault_success_false_with_200)
{
	pdh_t_fake *f = pdh_t_fake_start((char *[]){ "--fail", "*:success-false", NULL });
	pdh_t_http r;

	S_list(&r, f, 200);
	S_expect_refusal_body(r.body, true);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake, fault_reset_mid_body)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	char *len, *whole;

	pdh_t_fake_set_state(f, "[" HOOK("create", "deal", "https://a.example/1") ","
	                        HOOK("create", "person", "https://a.example/2") "]");
	S_api(&r, f, "GET", "/webhooks", NULL);
	whole = pdh_xstrdup(r.body);
	pdh_t_http_dispose(&r);
	S_fail(f, "{\"method\":\"GET\",\"kind\":\"reset-mid-body\"}");
	S_call(&r, f, "GET", "/webhooks", NULL);
	cr_expect_eq(r.curl_code, CURLE_PARTIAL_FILE, "curl %d", r.curl_code);
	len = pdh_t_http_header(&r, "Content-Length");
	cr_expect_not_null(len);
	cr_expect_eq(len ? strtoul(len, NULL, 10) : 0, strlen(whole), "the whole length announced");
	cr_expect_gt(strlen(r.body), 0, "part of the body came");
	cr_expect_lt(strlen(r.body), strlen(whole));
	cr_expect_eq(strncmp(r.body, whole, strlen(r.body)), 0, "the start of the real listing");
	free(len);
	free(whole);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_listed(f), 2, "the next call is served normally");
	pdh_t_fake_stop(f);
}

Test(fake, fault_redirect_to_another_port)
{
	pdh_t_fake *f = pdh_t_fake_start((char *[]){ "--fail", "GET:redirect=4242", NULL });
	pdh_t_http r;
	char *loc, *want = pdh_xasprintf("http://127.0.0.1:4242%s/webhooks",
	                                 strstr(pdh_t_fake_url(f) + 7, "/"));

	S_list(&r, f, 302);
	loc = pdh_t_http_header(&r, "Location");
	cr_expect_str_eq(loc, want);
	free(loc);
	pdh_t_http_dispose(&r);
	S_fail(f, "{\"method\":\"DELETE\",\"kind\":\"redirect\",\"port\":4243,\"status\":307}");
	S_api(&r, f, "DELETE", "/webhooks/3", NULL);
	cr_expect_eq(r.status, 307);
	loc = pdh_t_http_header(&r, "Location");
	cr_expect_str_eq(loc, "http://127.0.0.1:4243/v1/webhooks/3");
	free(loc);
	pdh_t_http_dispose(&r);
	free(want);
	pdh_t_fake_stop(f);
}

Test(fake, bad_hostile_faults_are_refused)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	const char *bad[] = { "\"GET:redirect\"", "\"GET:redirect=0\"", "\"GET:redirect=70000\"",
		"\"GET:huge=0\"", "\"GET:huge=x\"", "\"GET:wrong_types\"", "{\"kind\":\"redirect\"}",
		"{\"kind\":\"redirect\",\"port\":80,\"status\":200}", "{\"kind\":\"huge\",\"size\":0}",
		"{\"kind\":\"huge\",\"size\":\"big\"}", "{\"kind\":\"reset\"}" };
	const char *bad_cli[] = { "GET:redirect", "GET:huge=2000000000", "GET:missing_id" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail", bad[i], NULL), 400, "%s", bad[i]);
	for (size_t i = 0; i < sizeof(bad_cli) / sizeof(bad_cli[0]); i++) {
		char *argv[] = { getenv("PDH_FAKE_BIN"), "--fail", (char *)bad_cli[i], NULL };
		pdh_t_run r;
		pdh_t_run_argv(&r, argv, NULL, NULL);
		cr_expect_eq(r.status, 2, "--fail %s: status %d", bad_cli[i], r.status);
		cr_expect_not_null(strstr(r.err, "redirect=PORT"), "the kinds are listed: %s", r.err);
		pdh_t_run_dispose(&r);
	}
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200, "nothing was queued");
	pdh_t_fake_stop(f);
}

Test(fake, verbose_logs_calls_without_secrets)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/stderr", dir);
	char *args[] = { "-v", NULL };
	char *url, *log;
	int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pdh_t_fake *f;
	pdh_t_http r;

	/* the fake inherits this process's stderr */
	cr_assert(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	f = pdh_t_fake_start(args);
	dup2(saved, 2);
	close(saved);
	close(fd);
	url = pdh_xasprintf("%s/webhooks?api_token=test-token", pdh_t_fake_url(f));
	pdh_t_http_call(&r, "GET", url, NULL, NULL, -1);
	cr_expect_eq(r.status, 200);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_status(f, "DELETE", "/webhooks/9", NULL), 404);
	pdh_t_fake_stop(f);
	log = pdh_t_read_file(path, NULL);
	cr_expect_not_null(strstr(log, "GET /v1/webhooks 200\n"), "%s", log);
	cr_expect_not_null(strstr(log, "DELETE /v1/webhooks/9 404\n"), "%s", log);
	cr_expect_null(strstr(log, "test-token"), "%s", log);
	free(log);
	free(url);
	pdh_t_remove(path);
	pdh_t_remove(dir);
}

Test(fake, bad_fault_requests_are_refused)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	const char *bad[] = { "{\"kind\":\"status\"}", "{\"kind\":\"boom\"}", "{}",
		"{\"kind\":\"delay\"}", "{\"kind\":\"drop\",\"method\":\"PUT\"}",
		"{\"kind\":\"drop\",\"count\":0}", "{\"kind\":\"status\",\"status\":42}", "[" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail", bad[i], NULL), 400, "%s", bad[i]);
	S_fail(f, "{\"kind\":\"drop\"}");
	S_fail(f, "\"GET:503:3\"");
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail", "\"GET:nope\"", NULL), 400);
	cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail/reset", NULL, NULL), 200);
	cr_expect_eq(S_status(f, "GET", "/webhooks", NULL), 200, "reset forgot the fault");
	pdh_t_fake_stop(f);
}

/* ---- command line ---- */

Test(fake, help_documents_every_option)
{
	const char *opts[] = { "--port", "--prefix", "--token", "--user-id", "--company-id",
		"--state", "--password-listing", "--latency-ms", "--rate-limit", "--daily-limit",
		"--max-webhooks", "--fail", "--verbose", "--help", "--version", "/_fake/calls",
		"/_fake/calls/reset", "/_fake/state", "/_fake/fail", "/_fake/fail/reset",
		"/_fake/config", "\"******\"", "huge[=BYTES]", "wrong-types", "missing-id",
		"success-false", "reset-mid-body", "redirect=PORT", "--daily-budget",
		"x-daily-ratelimit-token-remaining", "/_fake/meter", "/_fake/meter/reset" };
	char *argv[] = { getenv("PDH_FAKE_BIN"), "--help", NULL };
	pdh_t_run r;

	pdh_t_run_argv(&r, argv, NULL, NULL);
	cr_expect_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		cr_expect_not_null(strstr(r.out, opts[i]), "--help does not mention %s", opts[i]);
	pdh_t_run_dispose(&r);
}

Test(fake, bad_options_exit_2)
{
	const char *bad[][2] = { { "--port", "x" }, { "--port", "70000" }, { "--fail", "POST" },
		{ "--fail", "PUT:503" }, { "--fail", "GET:teapot" }, { "--fail", "GET:503:0" },
		{ "--password-listing", "plain" }, { "--prefix", "v1" }, { "--rate-limit", "-1" },
		{ "--bogus", "1" }, { "--token", "" } };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { getenv("PDH_FAKE_BIN"), (char *)bad[i][0], (char *)bad[i][1], NULL };
		pdh_t_run r;
		pdh_t_run_argv(&r, argv, NULL, NULL);
		cr_expect_eq(r.status, 2, "%s %s: status %d", bad[i][0], bad[i][1], r.status);
		cr_expect_str_eq(r.out, "");
		cr_expect_neq(strlen(r.err), 0);
		pdh_t_run_dispose(&r);
	}
}
