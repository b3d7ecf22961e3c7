/* pdhooks-fake: Marketplace apps (--oauth-app): application webhooks, the app's own listing,
 * delete rights and OAuth scopes. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"

#define API "x-api-token: test-token"
#define APP1 "Authorization: Bearer app-1"
#define APP2 "Authorization: Bearer app-2"
#define HOOK(url) PDH_T_DEAL_HOOK(url)
#define SEED \
	"[{\"id\":1,\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"subscription_url\":\"https://h.example/general\"}," \
	"{\"id\":2,\"type\":\"automation\",\"event_action\":\"*\",\"event_object\":\"*\"," \
	"\"subscription_url\":\"https://h.example/auto\"}]"

/* The listing's ids as "1,2," */
static char *S_ids(pdh_t_fake *f, const char *auth)
{
	return pdh_t_fake_list_ids(f, auth, false);
}

static long S_create(pdh_t_fake *f, const char *auth, const char *url_body)
{
	json_t *j = pdh_t_fake_api_json(f, auth, "POST", "/webhooks", url_body, 201);
	long id = (long)json_integer_value(json_object_get(json_object_get(j, "data"), "id"));
	cr_expect_null(json_object_get(json_object_get(j, "data"), "_app"));
	json_decref(j);
	return id;
}

static void S_expect_ids(pdh_t_fake *f, const char *auth, const char *want)
{
	char *ids = S_ids(f, auth);
	cr_expect_str_eq(ids, want, "listing as %s", auth);
	free(ids);
}

Test(fake_oauth, app_creates_application_webhooks_and_lists_only_its_own)
{
	char *args[] = { "--oauth-app", "app-1", "--oauth-app", "app-2", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	json_t *j;
	char *state;
	long a, b;

	pdh_t_fake_set_state(f, SEED);
	j = pdh_t_fake_api_json(f, APP1, "POST", "/webhooks", HOOK("https://app.example/1"), 201);
	a = (long)json_integer_value(json_object_get(json_object_get(j, "data"), "id"));
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "data"), "type")),
	                 "application");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "data"), "company_id")), 1);
	json_decref(j);
	b = S_create(f, APP2, HOOK("https://app.example/2"));
	cr_expect_eq(a, 3);
	cr_expect_eq(b, 4);
	S_expect_ids(f, APP1, "3,");
	S_expect_ids(f, APP2, "4,");
	S_expect_ids(f, API, "1,2,3,4,");
	state = pdh_t_fake_state(f);
	cr_expect_not_null(strstr(state, "\"_app\":\"app-1\""), "the state names the app: %s", state);
	free(state);
	pdh_t_fake_stop(f);
}

Test(fake_oauth, app_deletes_only_its_own_and_api_token_never_an_apps)
{
	char *args[] = { "--oauth-app", "app-1", "--oauth-app", "app-2", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	json_t *j;
	long a, b;

	pdh_t_fake_set_state(f, SEED);
	a = S_create(f, APP1, HOOK("https://app.example/1"));
	b = S_create(f, APP2, HOOK("https://app.example/2"));
	j = pdh_t_fake_api_json(f, APP1, "DELETE", "/webhooks/1", NULL, 403);
	cr_expect_str_eq(json_string_value(json_object_get(j, "message")), "Forbidden");
	json_decref(j);
	json_decref(pdh_t_fake_api_json(f, APP1, "DELETE", "/webhooks/2", NULL, 403));
	{
		char *p = pdh_xasprintf("/webhooks/%ld", b);
		json_decref(pdh_t_fake_api_json(f, APP1, "DELETE", p, NULL, 403));
		json_decref(pdh_t_fake_api_json(f, API, "DELETE", p, NULL, 403));
		free(p);
	}
	{
		char *p = pdh_xasprintf("/webhooks/%ld", a);
		json_decref(pdh_t_fake_api_json(f, APP1, "DELETE", p, NULL, 200));
		json_decref(pdh_t_fake_api_json(f, APP1, "DELETE", p, NULL, 404));
		free(p);
	}
	S_expect_ids(f, API, "1,2,4,");
	json_decref(pdh_t_fake_api_json(f, API, "DELETE", "/webhooks/1", NULL, 200));
	S_expect_ids(f, API, "2,4,");
	pdh_t_fake_stop(f);
}

Test(fake_oauth, app_token_counts_only_as_bearer)
{
	char *args[] = { "--oauth-app", "app-1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	json_decref(pdh_t_fake_api_json(f, "x-api-token: app-1", "GET", "/webhooks", NULL, 401));
	json_decref(pdh_t_fake_api_json(f, "Authorization: Bearer app-x", "GET", "/webhooks", NULL, 401));
	json_decref(pdh_t_fake_api_json(f, "Authorization: Bearer test-token", "GET", "/webhooks", NULL, 200));
	pdh_t_fake_stop(f);
}

/* A 403 for a missing scope: Pipedrive's general error shape, the scope named. */
static void S_expect_scope(pdh_t_fake *f, const char *auth, const char *method, const char *path,
                           const char *body, const char *scope)
{
	json_t *j = pdh_t_fake_api_json(f, auth, method, path, body, 403);

	cr_expect(json_is_false(json_object_get(j, "success")));
	cr_expect_str_eq(json_string_value(json_object_get(j, "error")), "Scope and URL mismatch");
	cr_expect_eq(json_integer_value(json_object_get(j, "errorCode")), 403);
	cr_expect_not_null(strstr(json_string_value(json_object_get(j, "error_info")), scope),
	                   "%s %s: error_info names %s", method, path, scope);
	json_decref(j);
}

Test(fake_oauth, scopes_read_full_admin_and_none)
{
	char *args[] = { "--oauth-app", "ro:webhooks:read", "--oauth-app", "adm:admin",
		"--oauth-app", "both:webhooks:read,webhooks:full", "--oauth-app", "no:none", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	long id;

	S_expect_ids(f, "Authorization: Bearer ro", "");
	S_expect_scope(f, "Authorization: Bearer ro", "POST", "/webhooks", HOOK("https://a.example/"),
	               "webhooks:full");
	id = S_create(f, "Authorization: Bearer adm", HOOK("https://a.example/adm"));
	S_expect_ids(f, "Authorization: Bearer adm", "1,");
	S_create(f, "Authorization: Bearer both", HOOK("https://a.example/both"));
	S_expect_scope(f, "Authorization: Bearer ro", "DELETE", "/webhooks/1", NULL, "webhooks:full");
	S_expect_scope(f, "Authorization: Bearer no", "GET", "/webhooks", NULL, "webhooks:read");
	cr_expect_eq(pdh_t_fake_calls(f, "POST"), 3, "refused calls are counted");
	{
		char *p = pdh_xasprintf("/webhooks/%ld", id);
		json_decref(pdh_t_fake_api_json(f, "Authorization: Bearer adm", "DELETE", p, NULL, 200));
		free(p);
	}
	S_expect_ids(f, API, "2,");
	pdh_t_fake_stop(f);
}

Test(fake_oauth, app_limit_counts_the_apps_webhooks)
{
	char *args[] = { "--oauth-app", "app-1", "--max-webhooks", "1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	S_create(f, API, HOOK("https://h.example/general"));
	S_create(f, APP1, HOOK("https://app.example/1"));
	json_decref(pdh_t_fake_api_json(f, APP1, "POST", "/webhooks", HOOK("https://app.example/2"), 422));
	json_decref(pdh_t_fake_api_json(f, API, "POST", "/webhooks", HOOK("https://h.example/2"), 422));
	pdh_t_fake_stop(f);
}

Test(fake_oauth, seeded_application_webhook_of_another_app)
{
	char *args[] = { "--oauth-app", "app-1", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	pdh_t_fake_set_state(f,
		"[{\"id\":5,\"type\":\"application\",\"_app\":\"app-1\",\"event_action\":\"*\","
		"\"event_object\":\"deal\",\"subscription_url\":\"https://app.example/mine\"},"
		"{\"id\":6,\"type\":\"application\",\"event_action\":\"*\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://other-app.example/\"}]");
	S_expect_ids(f, APP1, "5,");
	json_decref(pdh_t_fake_api_json(f, APP1, "DELETE", "/webhooks/6", NULL, 403));
	json_decref(pdh_t_fake_api_json(f, APP1, "DELETE", "/webhooks/5", NULL, 200));
	S_expect_ids(f, API, "6,");
	pdh_t_fake_stop(f);
}

Test(fake_oauth, bad_app_options_exit_2)
{
	const char *bad[][4] = { { "--oauth-app", "", NULL, NULL },
		{ "--oauth-app", "a:webhooks:write", NULL, NULL },
		{ "--oauth-app", "a@99", NULL, NULL },
		{ "--oauth-app", "a@x", NULL, NULL },
		{ "--oauth-app", "a", "--oauth-app", "a" },
		{ "--oauth-app", "test-token", NULL, NULL } };

	pdh_t_fake_expect_bad_args(bad, sizeof(bad) / sizeof(bad[0]), "oauth-app");
}

Test(fake_oauth, apps_webhooks_survive_a_restart_and_the_fake_stops_clean)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/state.json", dir);
	char *args[] = { "--oauth-app", "app-1", "--state", path, NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);

	S_create(f, APP1, HOOK("https://app.example/1"));
	S_create(f, API, HOOK("https://h.example/g"));
	cr_expect_eq(pdh_t_fake_stop_status(f), 0);
	f = pdh_t_fake_start(args);
	S_expect_ids(f, APP1, "1,");
	S_expect_ids(f, API, "1,2,");
	json_decref(pdh_t_fake_api_json(f, API, "DELETE", "/webhooks/1", NULL, 403));
	cr_expect_eq(pdh_t_fake_stop_status(f), 0);
	pdh_t_remove(path);
	pdh_t_remove(dir);
}

Test(fake_oauth, real_password_listing_never_shows_the_app_field)
{
	char *args[] = { "--oauth-app", "app-1", "--password-listing", "real", NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	pdh_t_http r;

	S_create(f, APP1, HOOK("https://app.example/1"));
	S_expect_ids(f, API, "1,");
	S_expect_ids(f, APP1, "1,");
	pdh_t_fake_api(&r, f, API, "GET", "/webhooks", NULL);
	cr_expect_null(strstr(r.body, "_app"), "%s", r.body);
	pdh_t_http_dispose(&r);
	pdh_t_fake_stop(f);
}
