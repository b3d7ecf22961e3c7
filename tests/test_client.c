/* The client's pure parts: API URL resolution, credentials, the POST body, response headers. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/api_url.h"
#include "pdhooks/client.h"
#include "pdhooks/credentials.h"
#include "pdhooks/http.h"
#include "pdhooks/live.h"
#include "testutil.h"

/* ---- API URL ---- */

static void S_expect_url(const char *flag, const char *env_url, const char *domain,
                         const char *want)
{
	pdh_error err = { 0 };
	char *got = NULL;
	int rc = pdh_api_url_resolve(&got, flag, env_url, domain, &err);
	cr_assert_eq(rc, 0, "resolve failed: %s", err.message);
	cr_expect_str_eq(got, want);
	free(got);
}

static void S_expect_url_error(const char *flag, const char *env_url, const char *domain,
                               const char *needle)
{
	pdh_error err = { 0 };
	char *got = (char *)"sentinel";
	int rc = pdh_api_url_resolve(&got, flag, env_url, domain, &err);
	cr_expect_eq(rc, PDH_EINVAL);
	cr_expect_null(got);
	cr_expect_not_null(strstr(err.message, needle), "message '%s' lacks '%s'", err.message,
	                   needle);
}

Test(api_url, default_is_pipedrive_v1)
{
	S_expect_url(NULL, NULL, NULL, "https://api.pipedrive.com/v1");
	S_expect_url("", "", "", "https://api.pipedrive.com/v1");
}

Test(api_url, flag_beats_env_beats_company_domain)
{
	S_expect_url("https://flag.example/v1", "https://env.example/v1", "acme",
	             "https://flag.example/v1");
	S_expect_url(NULL, "https://env.example/v1", "acme", "https://env.example/v1");
	S_expect_url("", "https://env.example/v1", "acme", "https://env.example/v1");
	S_expect_url(NULL, NULL, "acme", "https://acme.pipedrive.com/api/v1");
	S_expect_url(NULL, "", "my-co2", "https://my-co2.pipedrive.com/api/v1");
}

Test(api_url, trailing_slashes_are_dropped)
{
	S_expect_url("https://api.example/v1/", NULL, NULL, "https://api.example/v1");
	S_expect_url("http://127.0.0.1:8080//", NULL, NULL, "http://127.0.0.1:8080");
}

Test(api_url, company_domain_must_be_a_label)
{
	static const char *const good[] = {
		"acme", "a", "acme-2",
		"a23456789012345678901234567890123456789012345678901234567890123", /* 63 */
	};
	static const char *const bad[] = {
		"", NULL, "-acme", "acme-", "acme.evil.example", "acme/x", "acme@evil", "ac me",
		"a234567890123456789012345678901234567890123456789012345678901234", /* 64 */
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_expect(pdh_company_domain_valid(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(pdh_company_domain_valid(bad[i]), "%s", bad[i] ? bad[i] : "NULL");
	S_expect_url_error(NULL, NULL, "evil.example/x?", "PIPEDRIVE_COMPANY_DOMAIN");
}

Test(api_url, plain_http_only_to_loopback)
{
	S_expect_url("http://127.0.0.1:4000/v1", NULL, NULL, "http://127.0.0.1:4000/v1");
	S_expect_url("http://localhost:4000/api/v1", NULL, NULL, "http://localhost:4000/api/v1");
	S_expect_url("http://[::1]:4000/v1", NULL, NULL, "http://[::1]:4000/v1");
	S_expect_url_error("http://api.pipedrive.com/v1", NULL, NULL, "refusing plain http://");
	S_expect_url_error(NULL, "http://10.0.0.1/v1", NULL, "refusing plain http://");
	S_expect_url_error("http://127.0.0.1.evil.example/v1", NULL, NULL, "refusing");
}

Test(api_url, no_credentials_query_or_other_schemes)
{
	S_expect_url_error("https://user:pw@api.example/v1", NULL, NULL, "credentials");
	S_expect_url_error("https://api.example/v1?api_token=x", NULL, NULL, "no query");
	S_expect_url_error("https://api.example/v1#x", NULL, NULL, "no query or fragment");
	S_expect_url_error("ftp://api.example/v1", NULL, NULL, "scheme must be https");
	S_expect_url_error("api.pipedrive.com/v1", NULL, NULL, "invalid API URL");
	S_expect_url_error("https://", NULL, NULL, "invalid API URL");
}

/* ---- credentials ---- */

static char *S_token_file(const char *content)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/token", dir);
	pdh_t_write_file(path, content);
	free(dir);
	return path;
}

Test(credentials, api_token_env_is_x_api_token)
{
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_assert_eq(pdh_credentials_resolve(&c, NULL, "tok123", NULL, &err), 0);
	cr_expect_eq(c.auth, PDH_AUTH_API_TOKEN);
	cr_expect_str_eq(c.token, "tok123");
	cr_expect_str_eq(c.source, "PIPEDRIVE_API_TOKEN");
	pdh_credentials_dispose(&c);
	cr_expect_null(c.token);
}

Test(credentials, oauth_env_is_bearer)
{
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_assert_eq(pdh_credentials_resolve(&c, NULL, "", "oauth.tok", &err), 0);
	cr_expect_eq(c.auth, PDH_AUTH_BEARER);
	cr_expect_str_eq(c.token, "oauth.tok");
	pdh_credentials_dispose(&c);
}

Test(credentials, none_is_a_clear_auth_error)
{
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_expect_eq(pdh_credentials_resolve(&c, NULL, NULL, NULL, &err), PDH_EAUTH);
	cr_expect_not_null(strstr(err.message, "no Pipedrive credentials"));
	cr_expect_eq(pdh_credentials_resolve(&c, "", "", "", &err), PDH_EAUTH);
	cr_expect_null(c.token);
}

Test(credentials, both_env_tokens_are_ambiguous)
{
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_expect_eq(pdh_credentials_resolve(&c, NULL, "a", "b", &err), PDH_EAUTH);
	cr_expect_not_null(strstr(err.message, "both PIPEDRIVE_API_TOKEN and"));
	cr_expect_null(c.token);
}

Test(credentials, token_with_control_characters_is_refused)
{
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_expect_eq(pdh_credentials_resolve(&c, NULL, "tok\r\nX-Evil: 1", NULL, &err), PDH_EAUTH);
	cr_expect_null(strstr(err.message, "Evil"), "the message must not echo the token");
	cr_expect_null(c.token);
	cr_expect_not(pdh_token_valid("a b"));
	cr_expect(pdh_token_valid("0123456789abcdef"));
}

Test(credentials, token_file_wins_first_line_trimmed)
{
	char *path = S_token_file("  filetok  \r\nsecond line\n");
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_assert_eq(pdh_credentials_resolve(&c, path, "envtok", "oauthtok", &err), 0,
	             "%s", err.message);
	cr_expect_eq(c.auth, PDH_AUTH_API_TOKEN);
	cr_expect_str_eq(c.token, "filetok");
	cr_expect_str_eq(c.source, "--token-file");
	pdh_credentials_dispose(&c);
	free(path);
}

Test(credentials, token_file_bearer_prefix_is_oauth)
{
	char *path = S_token_file("Bearer oauth-in-file\n");
	pdh_credentials c;
	pdh_error err = { 0 };
	cr_assert_eq(pdh_credentials_resolve(&c, path, NULL, NULL, &err), 0, "%s", err.message);
	cr_expect_eq(c.auth, PDH_AUTH_BEARER);
	cr_expect_str_eq(c.token, "oauth-in-file");
	pdh_credentials_dispose(&c);
	free(path);
}

/* A token file holding content is refused, with msg, though the environment has a token. */
static void S_expect_token_file_refused(const char *content, const char *msg)
{
	char *path = S_token_file(content);
	pdh_credentials c;
	pdh_error err = { 0 };

	cr_expect_eq(pdh_credentials_resolve(&c, path, "envtok", NULL, &err), PDH_EAUTH);
	cr_expect_not_null(strstr(err.message, msg), "%s", err.message);
	free(path);
}

Test(credentials, token_file_empty_or_missing_is_an_error)
{
	pdh_credentials c;
	pdh_error err = { 0 };

	S_expect_token_file_refused("", "is empty");
	S_expect_token_file_refused("   \nsecond\n", "holds no token");
	cr_expect_eq(pdh_credentials_resolve(&c, "/nonexistent/pdhooks-token", NULL, NULL, &err),
	             PDH_EAUTH);
	cr_expect_not_null(strstr(err.message, "cannot read token file /nonexistent/pdhooks-token"));
	cr_expect_null(c.token);
}

/* ---- POST body ---- */

static pdh_desired_webhook S_webhook(void)
{
	pdh_desired_webhook w;
	memset(&w, 0, sizeof(w));
	w.name = (char *)"deals-to-warehouse";
	w.event_action = (char *)"create";
	w.event_object = (char *)"deal";
	w.subscription_url = (char *)"https://hooks.example.com/pipedrive/deals";
	w.version = (char *)"2.0";
	return w;
}

static json_t *S_body(const pdh_desired_webhook *w)
{
	char *s = pdh_client_create_body(w);
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);
	cr_assert_not_null(j, "body is not JSON: %s (%s)", s, jerr.text);
	free(s);
	return j;
}

static void S_expect_str(json_t *o, const char *key, const char *want)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_string(v), "%s should be a string", key);
	cr_expect_str_eq(json_string_value(v), want, "%s", key);
}

Test(body, minimal_has_required_fields_and_version_only)
{
	pdh_desired_webhook w = S_webhook();
	json_t *j = S_body(&w);
	S_expect_str(j, "subscription_url", "https://hooks.example.com/pipedrive/deals");
	S_expect_str(j, "event_action", "create");
	S_expect_str(j, "event_object", "deal");
	S_expect_str(j, "name", "deals-to-warehouse");
	S_expect_str(j, "version", "2.0");
	cr_expect_eq(json_object_size(j), 5, "nothing undeclared is sent");
	cr_expect_null(json_object_get(j, "user_id"));
	cr_expect_null(json_object_get(j, "http_auth_user"));
	cr_expect_null(json_object_get(j, "http_auth_password"));
	json_decref(j);
}

Test(body, declared_optionals_are_sent_with_their_types)
{
	pdh_desired_webhook w = S_webhook();
	json_t *j;
	w.has_user_id = true;
	w.user_id = 9007199254740993LL; /* beyond a double's exact range: sent as an integer */
	w.has_http_auth_user = true;
	w.http_auth_user = (char *)"pipedrive";
	w.has_http_auth_password = true;
	w.http_auth_password = (char *)"s3cr\"et\\";
	j = S_body(&w);
	cr_assert(json_is_integer(json_object_get(j, "user_id")));
	cr_expect_eq(json_integer_value(json_object_get(j, "user_id")), 9007199254740993LL);
	S_expect_str(j, "http_auth_user", "pipedrive");
	S_expect_str(j, "http_auth_password", "s3cr\"et\\");
	cr_expect_eq(json_object_size(j), 8);
	json_decref(j);
}

Test(body, declared_null_auth_is_sent_as_null)
{
	pdh_desired_webhook w = S_webhook();
	json_t *j;
	w.has_http_auth_user = true;
	w.has_http_auth_password = true;
	j = S_body(&w);
	cr_expect(json_is_null(json_object_get(j, "http_auth_user")));
	cr_expect(json_is_null(json_object_get(j, "http_auth_password")));
	json_decref(j);
}

Test(body, v1_webhook_keeps_its_vocabulary)
{
	pdh_desired_webhook w = S_webhook();
	json_t *j;
	w.event_action = (char *)"added";
	w.event_object = (char *)"activityType";
	w.version = (char *)"1.0";
	j = S_body(&w);
	S_expect_str(j, "event_action", "added");
	S_expect_str(j, "event_object", "activityType");
	S_expect_str(j, "version", "1.0");
	json_decref(j);
}

/* Runs tests/support/openapi_check.py on files against the spec's addWebhookRequest. */
static int S_check_against_spec(char *const files[], size_t n)
{
	const char *src = getenv("PDH_SOURCE_DIR");
	char *script, *spec;
	char *argv[16];
	size_t k = 0;
	pdh_t_run r;
	int status;

	cr_assert_not_null(src, "PDH_SOURCE_DIR is not set (run through ctest)");
	script = pdh_xasprintf("%s/tests/support/openapi_check.py", src);
	spec = pdh_xasprintf("%s/testdata/pipedrive/openapi-webhooks.yaml", src);
	argv[k++] = (char *)"/usr/bin/python3";
	argv[k++] = script;
	argv[k++] = spec;
	argv[k++] = (char *)"addWebhookRequest";
	for (size_t i = 0; i < n && k < 15; i++)
		argv[k++] = files[i];
	argv[k] = NULL;
	pdh_t_run_argv(&r, argv, NULL, NULL);
	status = r.status;
	if (status != 0)
		cr_log_info("openapi_check: %s%s", r.out, r.err);
	cr_expect_null(strstr(r.err, "Traceback"), "the checker itself failed: %s", r.err);
	pdh_t_run_dispose(&r);
	free(script);
	free(spec);
	return status;
}

static char *S_write_body(const char *dir, const char *name, const pdh_desired_webhook *w)
{
	char *path = pdh_xasprintf("%s/%s.json", dir, name);
	char *body = pdh_client_create_body(w);
	pdh_t_write_file(path, body);
	free(body);
	return path;
}

Test(body, conforms_to_the_openapi_add_webhook_request)
{
	char *dir = pdh_t_tmpdir();
	pdh_desired_webhook full = S_webhook(), nulls = S_webhook(), wild = S_webhook();
	char *files[3];
	full.has_user_id = true;
	full.user_id = 12345;
	full.has_http_auth_user = full.has_http_auth_password = true;
	full.http_auth_user = (char *)"u";
	full.http_auth_password = (char *)"p";
	nulls.has_http_auth_user = nulls.has_http_auth_password = true;
	wild.event_action = (char *)"*";
	wild.event_object = (char *)"*";
	files[0] = S_write_body(dir, "full", &full);
	files[1] = S_write_body(dir, "nulls", &nulls);
	files[2] = S_write_body(dir, "wild", &wild);
	cr_expect_eq(S_check_against_spec(files, 3), 0);
	for (size_t i = 0; i < 3; i++)
		free(files[i]);
	free(dir);
}

Test(body, the_spec_check_rejects_what_the_schema_forbids)
{
	/* The checker itself must be able to fail: a missing name, an unknown field, a string id. */
	char *dir = pdh_t_tmpdir();
	char *a = pdh_xasprintf("%s/a.json", dir), *b = pdh_xasprintf("%s/b.json", dir);
	char *c = pdh_xasprintf("%s/c.json", dir);
	char *one[1];
	pdh_t_write_file(a, "{\"subscription_url\":\"https://x.example/\",\"event_action\":"
	                 "\"create\",\"event_object\":\"deal\"}");
	pdh_t_write_file(b, "{\"subscription_url\":\"https://x.example/\",\"event_action\":"
	                 "\"create\",\"event_object\":\"deal\",\"name\":\"n\",\"api_token\":\"t\"}");
	pdh_t_write_file(c, "{\"subscription_url\":\"https://x.example/\",\"event_action\":"
	                 "\"create\",\"event_object\":\"deal\",\"name\":\"n\",\"user_id\":\"1\"}");
	one[0] = a;
	cr_expect_neq(S_check_against_spec(one, 1), 0);
	one[0] = b;
	cr_expect_neq(S_check_against_spec(one, 1), 0);
	one[0] = c;
	cr_expect_neq(S_check_against_spec(one, 1), 0);
	free(a);
	free(b);
	free(c);
	free(dir);
}

/* ---- response headers ---- */

Test(headers, retry_after_seconds_and_dates)
{
	time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
	cr_expect_eq(pdh_http_parse_retry_after("0", now), 0);
	cr_expect_eq(pdh_http_parse_retry_after("120", now), 120000);
	cr_expect_eq(pdh_http_parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
	cr_expect_eq(pdh_http_parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now), 60000);
	cr_expect_eq(pdh_http_parse_retry_after("Sun Nov  6 08:49:38 1994", now), 1000);
	cr_expect_eq(pdh_http_parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0,
	             "a date in the past means now");
	cr_expect_eq(pdh_http_parse_retry_after("", now), -1);
	cr_expect_eq(pdh_http_parse_retry_after("-5", now), -1);
	cr_expect_eq(pdh_http_parse_retry_after("1.5", now), -1);
	cr_expect_eq(pdh_http_parse_retry_after("soon", now), -1);
	cr_expect_gt(pdh_http_parse_retry_after("99999999999999999999999", now), 0,
	             "huge values saturate instead of overflowing");
}

static void S_feed(pdh_http_result *r, const char *line)
{
	pdh_http_parse_header(r, line, strlen(line), 1000);
}

/* A fresh result with each of lines (NULL-terminated) parsed in turn. */
static void S_parse(pdh_http_result *r, const char *const lines[])
{
	pdh_http_result_init(r);
	for (size_t i = 0; lines[i]; i++)
		S_feed(r, lines[i]);
}

Test(headers, ratelimit_and_retry_after_lines)
{
	pdh_http_result r;
	pdh_http_result_init(&r);
	cr_expect_eq(r.retry_after_ms, -1);
	cr_expect_eq(r.ratelimit_remaining, -1);
	cr_expect_eq(r.ratelimit_reset_ms, -1);
	S_feed(&r, "HTTP/1.1 429 Too Many Requests\r\n");
	S_feed(&r, "Content-Type: application/json\r\n");
	S_feed(&r, "X-RateLimit-Remaining: 0\r\n");
	S_feed(&r, "x-ratelimit-reset:2\r\n");
	S_feed(&r, "Retry-After:  3 \r\n");
	S_feed(&r, "\r\n");
	cr_expect_eq(r.ratelimit_remaining, 0);
	cr_expect_eq(r.ratelimit_reset_ms, 2000);
	cr_expect_eq(r.retry_after_ms, 3000);
	S_feed(&r, "x-ratelimit-reset: 0.25\r\n");
	cr_expect_eq(r.ratelimit_reset_ms, 250);
}

Test(headers, bad_values_read_as_absent)
{
	pdh_http_result r;
	S_parse(&r, (const char *const[]){ "x-ratelimit-remaining: lots\r\n",
		"x-ratelimit-reset: -1\r\n", "retry-after: later\r\n",
		"x-ratelimit-remaining-extra: 5\r\n", "no colon here\r\n", NULL });
	cr_expect_eq(r.ratelimit_remaining, -1);
	cr_expect_eq(r.ratelimit_reset_ms, -1);
	cr_expect_eq(r.retry_after_ms, -1);
}

Test(headers, a_new_status_line_forgets_the_interim_answer)
{
	pdh_http_result r;
	S_parse(&r, (const char *const[]){ "HTTP/1.1 100 Continue\r\n", "Retry-After: 5\r\n",
		"HTTP/1.1 201 Created\r\n", NULL });
	cr_expect_eq(r.retry_after_ms, -1);
}

/* ---- answers pdhooks-fake cannot be made to give: the parsers the client hands 2xx bodies to ---- */

Test(answers, listing_with_success_false_and_200_is_refused)
{
	static const char body[] = "{\"success\":false,\"error\":\"Scope and URL mismatch\"}";
	pdh_live *l = (pdh_live *)1;
	pdh_error err = { 0 };
	cr_expect_eq(pdh_live_parse_listing(&l, body, strlen(body), &err), PDH_EPROTO);
	cr_expect_null(l, "never an empty listing");
	cr_expect_not_null(strstr(err.message, "Scope and URL mismatch"), "%s", err.message);
}

Test(answers, listing_with_wrong_types_is_refused)
{
	static const char *const bodies[] = {
		"{\"success\":true,\"data\":{\"id\":1}}",
		"{\"success\":true,\"data\":[{\"id\":\"1\",\"event_action\":\"create\","
		"\"event_object\":\"deal\",\"subscription_url\":\"https://x.example/\"}]}",
		"{\"success\":true,\"data\":[{\"id\":1,\"event_action\":7,"
		"\"event_object\":\"deal\",\"subscription_url\":\"https://x.example/\"}]}",
		"{\"success\":\"yes\",\"data\":[]}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		pdh_live *l = (pdh_live *)1;
		pdh_error err = { 0 };
		cr_expect_eq(pdh_live_parse_listing(&l, bodies[i], strlen(bodies[i]), &err),
		             PDH_EPROTO, "%s", bodies[i]);
		cr_expect_null(l);
	}
}
