/* The client against pdhooks-fake over real HTTP: list, create, delete, and how each failure
 * is classified for the CLI and apply. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/client.h"

typedef struct S_logbuf {
	char lines[8][256];
	int n;
} S_logbuf;

static void S_log(void *ctx, const char *line)
{
	S_logbuf *l = ctx;
	if (l->n < 8)
		snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s", line);
	l->n++;
}

/* The options of a client of f: its token unless token is given, the log into log if any. */
static pdh_client_opts S_opts(pdh_t_fake *f, const char *token, S_logbuf *log, long timeout_ms)
{
	pdh_client_opts o;

	memset(&o, 0, sizeof(o));
	o.api_url = pdh_t_fake_url(f);
	o.auth = PDH_AUTH_API_TOKEN;
	o.token = token ? token : pdh_t_fake_token(f);
	o.timeout_ms = timeout_ms;
	o.log = log ? S_log : NULL;
	o.log_ctx = log;
	return o;
}

static pdh_client *S_client_of(const pdh_client_opts *o)
{
	pdh_client *c = NULL;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_client_new(&c, o, &err), 0, "%s", err.message);
	return c;
}

static pdh_client *S_client(pdh_t_fake *f, const char *token, S_logbuf *log, long timeout_ms)
{
	pdh_client_opts o = S_opts(f, token, log, timeout_ms);

	return S_client_of(&o);
}

static pdh_desired_webhook S_webhook(void)
{
	pdh_desired_webhook w;
	memset(&w, 0, sizeof(w));
	w.name = "deals";
	w.event_action = "create";
	w.event_object = "deal";
	w.subscription_url = "https://hooks.example.com/deals";
	w.version = "2.0";
	return w;
}

static void S_fail(pdh_t_fake *f, const char *json)
{
	cr_assert_eq(pdh_t_fake_control(f, "POST", "/_fake/fail", json, NULL), 200);
}

Test(client_http, create_list_delete_round_trip)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	S_logbuf log = { .n = 0 };
	pdh_client *c = S_client(f, NULL, &log, 0);
	pdh_desired_webhook w = S_webhook();
	pdh_live_webhook made;
	pdh_live *l = NULL;
	pdh_http_result res;
	pdh_error err = { 0 };

	w.has_user_id = false;
	w.has_http_auth_user = w.has_http_auth_password = true;
	w.http_auth_user = "hook";
	w.http_auth_password = "pw-123";
	cr_assert_eq(pdh_client_create(c, &w, &made, &res, &err), 0, "%s", err.message);
	cr_expect_eq(res.status, 201);
	cr_expect_gt(made.id, 0);
	cr_expect_str_eq(made.subscription_url, "https://hooks.example.com/deals");
	cr_expect_str_eq(made.http_auth_user, "hook");
	cr_expect_eq(res.ratelimit_remaining, -1, "no rate-limit headers, none read");

	cr_assert_eq(pdh_client_list(c, &l, &res, &err), 0, "%s", err.message);
	cr_expect_eq(res.status, 200);
	cr_assert_eq(l->n, 1);
	cr_expect_eq(l->items[0].id, made.id);
	cr_expect_str_eq(l->items[0].name, "deals");
	pdh_live_free(l);

	cr_expect_eq(pdh_client_delete(c, made.id, &res, &err), 0, "%s", err.message);
	cr_expect_eq(res.status, 200);
	cr_expect_eq(pdh_client_delete(c, made.id, &res, &err), PDH_EAPI, "a second delete");
	cr_expect_eq(res.status, 404);
	cr_expect_eq(err.http_status, 404);
	cr_expect_not_null(strstr(err.message, "HTTP 404"), "%s", err.message);

	cr_expect_eq(log.n, 4, "one log line per call");
	cr_expect_eq(strncmp(log.lines[0], "POST /v1/webhooks 201 ", 22), 0, "%s", log.lines[0]);
	cr_expect_eq(strncmp(log.lines[1], "GET /v1/webhooks 200 ", 21), 0, "%s", log.lines[1]);
	cr_expect_eq(strncmp(log.lines[2], "DELETE /v1/webhooks/", 20), 0, "%s", log.lines[2]);
	cr_expect_not_null(strstr(log.lines[3], " 404 "), "%s", log.lines[3]);
	for (int i = 0; i < 4; i++)
		cr_expect_null(strstr(log.lines[i], "test-token"), "token in the log");
	cr_expect_eq(pdh_t_fake_calls(f, "POST"), 1);
	pdh_live_webhook_dispose(&made);
	pdh_client_free(c);
	pdh_t_fake_stop(f);
}

Test(client_http, rate_limit_headers_and_429_reach_the_result)
{
	char *args[] = { "--rate-limit", "2", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_client *c = S_client(f, NULL, NULL, 0);
	pdh_live *l = NULL;
	pdh_http_result res;
	pdh_error err = { 0 };

	cr_assert_eq(pdh_client_list(c, &l, &res, &err), 0, "%s", err.message);
	cr_expect_eq(res.ratelimit_remaining, 1);
	cr_expect_geq(res.ratelimit_reset_ms, 0);
	pdh_live_free(l);
	cr_assert_eq(pdh_client_list(c, &l, &res, &err), 0, "%s", err.message);
	cr_expect_eq(res.ratelimit_remaining, 0);
	pdh_live_free(l);
	cr_expect_eq(pdh_client_list(c, &l, &res, &err), PDH_EAPI);
	cr_expect_null(l);
	cr_expect_eq(res.status, 429);
	cr_expect_gt(res.retry_after_ms, 0, "Retry-After is read");
	cr_expect_not_null(strstr(err.message, "HTTP 429"), "%s", err.message);
	pdh_client_free(c);
	pdh_t_fake_stop(f);
}

/* A create of S_webhook() (at url, unless NULL), after fault (may be NULL), answered with
 * HTTP status: an API error that says msg (unless NULL), made nothing. */
static void S_expect_create_refused(char *url, const char *fault, int status,
                                    const char *msg)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_client *c = S_client(f, NULL, NULL, 0);
	pdh_desired_webhook w = S_webhook();
	pdh_live_webhook made;
	pdh_http_result res;
	pdh_error err = { 0 };

	if (url)
		w.subscription_url = url;
	if (fault)
		S_fail(f, fault);
	cr_expect_eq(pdh_client_create(c, &w, &made, &res, &err), PDH_EAPI);
	cr_expect_eq(res.status, status, "apply needs the status to know the outcome is unknown");
	cr_expect_eq(res.transport, 0);
	if (msg)
		cr_expect_not_null(strstr(err.message, msg), "%s", err.message);
	cr_expect_eq(made.id, 0);
	pdh_client_free(c);
	pdh_t_fake_stop(f);
}

Test(client_http, a_refused_create_carries_pipedrives_text)
{
	S_expect_create_refused("not a url", NULL, 400, "HTTP 400: subscription_url");
}

Test(client_http, wrong_token_is_an_auth_error)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_client *c = S_client(f, "wrong", NULL, 0);
	pdh_live *l = (pdh_live *)1;
	pdh_http_result res;
	pdh_error err = { 0 };

	cr_expect_eq(pdh_client_list(c, &l, &res, &err), PDH_EAUTH);
	cr_expect_null(l);
	cr_expect_eq(res.status, 401);
	cr_expect_not_null(strstr(err.message, "HTTP 401: unauthorized access"), "%s",
	                   err.message);
	pdh_client_free(c);
	pdh_t_fake_stop(f);
}

Test(client_http, create_answered_503_is_an_api_error_with_status)
{
	S_expect_create_refused(NULL, "{\"method\":\"POST\",\"kind\":\"create-503\",\"count\":1}",
	                        503, NULL);
}

/* A client of a fresh fake, and what its last listing gave. */
typedef struct S_lister {
	pdh_t_fake *f;
	pdh_client *c;
	pdh_live *l;
	pdh_http_result res;
	pdh_error err;
} S_lister;

static void S_lister_open(S_lister *k, long timeout_ms)
{
	memset(k, 0, sizeof(*k));
	k->f = pdh_t_fake_start(NULL);
	k->c = S_client(k->f, NULL, NULL, timeout_ms);
}

static void S_lister_close(S_lister *k)
{
	pdh_client_free(k->c);
	pdh_t_fake_stop(k->f);
}

/* The listing, once the fault (a /_fake/fail body) is queued. */
static int S_list_after(S_lister *k, const char *fault)
{
	S_fail(k->f, fault);
	return pdh_client_list(k->c, &k->l, &k->res, &k->err);
}

Test(client_http, dropped_and_slow_calls_are_transport_errors)
{
	S_lister k;

	S_lister_open(&k, 500);
	cr_expect_eq(S_list_after(&k, "{\"method\":\"GET\",\"kind\":\"drop\",\"count\":1}"), PDH_ENET);
	cr_expect_neq(k.res.transport, 0);
	cr_expect_eq(k.res.status, 0);
	cr_expect_eq(S_list_after(&k, "{\"method\":\"GET\",\"kind\":\"delay\",\"delay_ms\":2000,\"count\":1}"), PDH_ENET);
	cr_expect_not_null(strstr(k.err.message, "timed out after 0.5 s"), "%s", k.err.message);
	cr_expect_null(k.l);
	/* the handle is still usable after failures */
	cr_expect_eq(pdh_client_list(k.c, &k.l, &k.res, &k.err), 0, "%s", k.err.message);
	pdh_live_free(k.l);
	S_lister_close(&k);
}

Test(client_http, a_redirect_is_an_error_naming_the_status_not_followed)
{
	S_lister k;

	S_lister_open(&k, 0);
	cr_expect_eq(S_list_after(&k, "{\"method\":\"GET\",\"kind\":\"status\",\"status\":302,\"count\":1}"), PDH_EAPI);
	cr_expect_null(k.l);
	cr_expect_eq(k.res.status, 302);
	cr_expect_not_null(strstr(k.err.message, "HTTP 302"), "%s", k.err.message);
	cr_expect_not_null(strstr(k.err.message, "does not follow redirects"), "%s", k.err.message);
	cr_expect_eq(pdh_t_fake_calls(k.f, "GET"), 1, "one call, nothing followed");
	S_lister_close(&k);
}

Test(client_http, oversized_body_is_refused)
{
	pdh_t_fake *f = pdh_t_fake_start(NULL);
	pdh_client_opts o = S_opts(f, NULL, NULL, 0);
	pdh_client *c;
	pdh_http_result res;
	pdh_error err = { 0 };
	pdh_desired_webhook w = S_webhook();
	pdh_live_webhook made;

	o.auth = PDH_AUTH_BEARER;
	o.max_body = 64;
	c = S_client_of(&o);
	/* the POST answer (a full webhook) is larger than 64 bytes */
	cr_expect_eq(pdh_client_create(c, &w, &made, &res, &err), PDH_EPROTO);
	cr_expect_not_null(strstr(err.message, "larger than 64 bytes"), "%s", err.message);
	pdh_client_free(c);
	pdh_t_fake_stop(f);
}

Test(client_http, client_new_refuses_bad_options)
{
	pdh_client_opts o;
	pdh_client *c = (pdh_client *)1;
	pdh_error err = { 0 };

	memset(&o, 0, sizeof(o));
	o.api_url = "http://10.1.2.3/v1";
	o.auth = PDH_AUTH_API_TOKEN;
	o.token = "t";
	cr_expect_eq(pdh_client_new(&c, &o, &err), PDH_EINVAL);
	cr_expect_null(c);
	o.api_url = "https://api.example/v1";
	o.auth = PDH_AUTH_NONE;
	cr_expect_eq(pdh_client_new(&c, &o, &err), PDH_EAUTH);
	o.auth = PDH_AUTH_BEARER;
	o.token = "bad token";
	cr_expect_eq(pdh_client_new(&c, &o, &err), PDH_EAUTH);
	cr_expect_null(strstr(err.message, "bad token"));
	pdh_client_free(NULL);
}
