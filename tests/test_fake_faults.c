/* pdhooks-fake: the faults of the reliability review (echoed bodies, an exhausted rate limit,
 * broken ids, a null listing, answers that come after the client has given up). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"

static const char *const S_hdr[] = { "x-api-token: test-token",
	"Content-Type: application/json", NULL };

#define BODY(url) \
	"{\"subscription_url\":\"" url "\",\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"name\":\"d\",\"http_auth_user\":\"u\",\"http_auth_password\":\"hunter2\"}"
#define SEED \
	"[{\"id\":3,\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"subscription_url\":\"https://h.example/a\"},{\"id\":4,\"event_action\":\"create\"," \
	"\"event_object\":\"person\",\"subscription_url\":\"https://h.example/b\"}]"

static void S_api(pdh_t_http *r, pdh_t_fake *f, const char *method, const char *body)
{
	char *url = pdh_xasprintf("%s/webhooks", pdh_t_fake_url(f));
	pdh_t_http_call(r, method, url, S_hdr, body, -1);
	cr_assert_eq(r->curl_code, 0);
	free(url);
}

static void S_fail(pdh_t_fake *f, const char *json)
{
	char *body = NULL;
	long st = pdh_t_fake_control(f, "POST", "/_fake/fail", json, &body);
	cr_assert_eq(st, 200, "POST /_fake/fail %s: %ld %s", json, st, body);
	free(body);
}

static size_t S_stored(pdh_t_fake *f)
{
	char *state = pdh_t_fake_state(f);
	json_t *j = json_loads(state, 0, NULL);
	size_t n = json_array_size(j);
	json_decref(j);
	free(state);
	return n;
}

/* The listing's ids in order, as "3,4," */
static char *S_ids(pdh_t_fake *f, json_t **data_out)
{
	pdh_t_http r;
	json_t *j, *h;
	char *ids = pdh_xstrdup("");
	size_t i;

	S_api(&r, f, "GET", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j);
	if (data_out)
		*data_out = json_incref(json_object_get(j, "data"));
	json_array_foreach(json_object_get(j, "data"), i, h) {
		char *n = pdh_xasprintf("%s%lld,", ids, json_integer_value(json_object_get(h, "id")));
		free(ids);
		ids = n;
	}
	json_decref(j);
	pdh_t_http_dispose(&r);
	return ids;
}

Test(fake_faults, echo_400_quotes_the_body_and_creates_nothing)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	json_t *j;

	S_fail(f, "{\"method\":\"POST\",\"kind\":\"echo-400\"}");
	S_api(&r, f, "POST", BODY("https://h.example/x"));
	cr_expect_eq(r.status, 400);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "%s", r.body);
	cr_expect(json_is_false(json_object_get(j, "success")));
	cr_expect_not_null(strstr(json_string_value(json_object_get(j, "error")), "hunter2"),
	                   "the error quotes the request: %s", r.body);
	json_decref(j);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_stored(f), 0);
	S_api(&r, f, "POST", BODY("https://h.example/x"));
	cr_expect_eq(r.status, 201, "one-shot");
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake_faults, ratelimit_zero_succeeds_with_no_call_left)
{
	char *args[] = { "--fail", "POST:ratelimit-zero", "--fail", "GET:ratelimit-zero-epoch=7200",
		NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_t_http r;
	long now = (long)time(NULL), reset;

	S_api(&r, f, "POST", BODY("https://h.example/x"));
	cr_expect_eq(r.status, 201, "the call is served");
	cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-remaining"), 0);
	cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-reset"), 3600);
	cr_expect_gt(pdh_t_http_header_num(&r, "x-ratelimit-limit"), 0);
	pdh_t_http_dispose(&r);
	cr_expect_eq(S_stored(f), 1, "and the webhook is created");
	S_api(&r, f, "GET", NULL);
	cr_expect_eq(r.status, 200);
	reset = pdh_t_http_header_num(&r, "x-ratelimit-reset");
	cr_expect(reset >= now + 7200 && reset <= now + 7205, "epoch reset %ld (now %ld)", reset, now);
	cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-remaining"), 0);
	pdh_t_http_dispose(&r);
	S_api(&r, f, "GET", NULL);
	cr_expect_null(pdh_t_http_header(&r, "x-ratelimit-remaining"), "one-shot, limits off");
	pdh_t_http_dispose(&r);
	S_fail(f, "{\"kind\":\"ratelimit-zero\",\"seconds\":60}");
	S_api(&r, f, "GET", NULL);
	cr_expect_eq(pdh_t_http_header_num(&r, "x-ratelimit-reset"), 60);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}

Test(fake_faults, listing_with_an_id_twice_zero_or_negative)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *ids;

	pdh_t_fake_set_state(f, SEED);
	S_fail(f, "\"GET:duplicate-id\"");
	S_fail(f, "{\"method\":\"GET\",\"kind\":\"zero-id\"}");
	S_fail(f, "\"GET:negative-id\"");
	ids = S_ids(f, NULL);
	cr_expect_str_eq(ids, "3,4,3,");
	free(ids);
	ids = S_ids(f, NULL);
	cr_expect_str_eq(ids, "3,4,0,");
	free(ids);
	ids = S_ids(f, NULL);
	cr_expect_str_eq(ids, "3,4,-1,");
	free(ids);
	ids = S_ids(f, NULL);
	cr_expect_str_eq(ids, "3,4,", "the faults are spent");
	free(ids);
	cr_expect_eq(S_stored(f), 2, "the store never held them");
	pdh_t_fake_stop(f);
}

Test(fake_faults, duplicate_id_of_an_empty_company_still_repeats_one)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *ids;

	S_fail(f, "\"GET:duplicate-id\"");
	ids = S_ids(f, NULL);
	cr_expect_str_eq(ids, "9001,9001,");
	free(ids);
	pdh_t_fake_stop(f);
}

Test(fake_faults, null_data_once_then_the_real_listing)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_t_http r;
	json_t *data = NULL;
	char *ids;

	pdh_t_fake_set_state(f, SEED);
	S_fail(f, "\"*:null-data\"");
	S_api(&r, f, "POST", BODY("https://h.example/x"));
	cr_expect_eq(r.status, 201, "a POST is served and does not use the fault");
	pdh_t_http_dispose(&r);
	ids = S_ids(f, &data);
	cr_expect(json_is_null(data), "data: null");
	cr_expect_str_eq(ids, "");
	json_decref(data);
	free(ids);
	ids = S_ids(f, &data);
	cr_expect(json_is_array(data));
	cr_expect_str_eq(ids, "3,4,5,");
	json_decref(data);
	free(ids);
	pdh_t_fake_stop(f);
}

/* A POST the client gives up on after 500 ms. */
static void S_post_gives_up(pdh_t_fake *f)
{
	char *url = pdh_xasprintf("%s/webhooks", pdh_t_fake_url(f));
	pdh_t_http r;

	pdh_t_http_call_timeout(&r, "POST", url, S_hdr, BODY("https://h.example/slow"), -1, 500);
	cr_expect_eq(r.curl_code, CURLE_OPERATION_TIMEDOUT, "curl %d, status %ld", r.curl_code,
	             r.status);
	pdh_t_http_dispose(&r);
	free(url);
}

/* A fake with the fault set, and one POST that the client gave up on (S_post_gives_up). */
static pdh_t_fake *S_abandoned_post(const char *fault)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);

	S_fail(f, fault);
	S_post_gives_up(f);
	return f;
}

Test(fake_faults, late_answer_creates_at_once_and_answers_after_the_client_left)
{
	pdh_t_fake *f = S_abandoned_post("\"POST:late-answer=3000\"");

	cr_expect_eq(S_stored(f), 1, "the webhook exists while the answer is still pending");
	pdh_t_fake_stop(f);
}

Test(fake_faults, delay_serves_the_post_even_when_the_client_has_gone)
{
	pdh_t_fake *f = S_abandoned_post("{\"method\":\"POST\",\"kind\":\"delay\",\"delay_ms\":1000}");

	cr_expect_eq(S_stored(f), 0, "not yet: the delay comes before the call is served");
	pdh_nap_ms(1500);
	cr_expect_eq(S_stored(f), 1, "the create lands after the delay");
	pdh_t_fake_stop(f);
}

Test(fake_faults, bad_specs_are_refused)
{
	const char *bad[] = { "{\"kind\":\"late-answer\"}", "{\"kind\":\"ratelimit-zero\",\"seconds\":-1}",
		"\"GET:ratelimit-zero=x\"", "\"POST:late-answer\"", "{\"kind\":\"zero-ids\"}" };
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	char *body = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(pdh_t_fake_control(f, "POST", "/_fake/fail", bad[i], &body), 400, "%s", bad[i]);
		cr_expect_not_null(strcasestr(body, "kind"), "%s: %s", bad[i], body);
		free(body);
	}
	pdh_t_fake_stop(f);
}
