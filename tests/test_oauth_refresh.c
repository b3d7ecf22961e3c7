/* OAuth tokens that expire, end to end against pdhooks-fake's token endpoint: a token_command
 * that prints JSON (api_domain, scope, company_id), oauth_refresh with its token file
 * (refreshed once, written back 0600, used as is while fresh, one refresh for two runs at
 * once, invalid_grant leaving the file as it was), a 401 in the middle of a run that asks
 * the token source again and sends the call once more, and the apply lock of an install,
 * one whatever access token each of two applies holds. No client secret, refresh token or
 * access token in any output. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "testutil.h"
#include "world.h"

#define CLIENT_ID "pdhooks-test-client"
#define CLIENT_SECRET "client-secret-7f3a9c2e"
#define RT_ACME "refresh-acme-5d8e1b"
#define RT_GLOBEX "refresh-globex-9a4c7f"
#define APP_TOKEN "app-token-full-3e8b6d"
#define APP_READ_ONLY "app-token-read-2c7f1a"
#define OLD_ACCESS "old-access-token-0b1d"

#define DESIRED                                                                         \
	PDH_T_YAML_HEAD                                                                 \
	PDH_T_YAML_HOOK("deals", "create", "deal", "https://hooks.example.com/${TENANT}/deals") \
	PDH_T_YAML_HOOK("people", "change", "person", "https://hooks.example.com/${TENANT}/people")

static pdh_t_fleet W;
static char *S_env[8];

/* The fake: companies 1 (test-token), 1001 and 1002; the app installed in 1001 (refresh
 * token RT_ACME) and 1002 (RT_GLOBEX); static app tokens in 1001, one of them read-only;
 * then extra (NULL-terminated, may be NULL). */
static void S_setup_with(char *const extra[])
{
	static char *args[32];
	char *base[] = { "--prefix", "/api/v1", "--companies", "2", "--client-id", CLIENT_ID,
	                 "--client-secret", CLIENT_SECRET, "--oauth-install", RT_ACME "@1001",
	                 "--oauth-install", RT_GLOBEX "@1002", "--oauth-app",
	                 APP_TOKEN ":webhooks:full@1001", "--oauth-app",
	                 APP_READ_ONLY ":webhooks:read@1001", NULL };
	size_t n = 0;

	for (size_t i = 0; base[i]; i++)
		args[n++] = base[i];
	for (size_t i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	pdh_t_fleet_setup(&W, 1, args, DESIRED);
	S_env[0] = "PD_CLIENT_ID=" CLIENT_ID;
	S_env[1] = "PD_CLIENT_SECRET=" CLIENT_SECRET;
	S_env[2] = "PIPEDRIVE_API_TOKEN=";
	S_env[3] = "PIPEDRIVE_OAUTH_TOKEN=";
	S_env[4] = "PIPEDRIVE_API_URL=";
	S_env[5] = NULL;
}

static void S_setup(void)
{
	S_setup_with(NULL);
}

static void S_setup_rotating(void)
{
	static char *extra[] = { "--rotate-refresh", "--latency-ms", "300", NULL };

	S_setup_with(extra);
}

static void S_teardown(void)
{
	pdh_t_fleet_teardown(&W);
}

static char *S_path(const char *name)
{
	return pdh_xasprintf("%s/%s", W.dir, name);
}

static void S_write(const char *name, const char *text)
{
	char *p = S_path(name);

	pdh_t_write_file(p, text);
	chmod(p, 0600);
	free(p);
}

static char *S_read(const char *name)
{
	char *p = S_path(name), *text = pdh_t_read_file(p, NULL);

	free(p);
	return text;
}

/* Text that must hold no secret: the client secret, a refresh token, an access token. */
static void S_no_secret(const char *what, const char *text)
{
	static const char *const secrets[] = { CLIENT_SECRET, RT_ACME, RT_GLOBEX, APP_TOKEN,
	                                       APP_READ_ONLY, OLD_ACCESS, "fake-access-",
	                                       "fake-refresh-", NULL };

	for (size_t i = 0; secrets[i]; i++)
		cr_expect(text == NULL || strstr(text, secrets[i]) == NULL, "%s shows %s:\n%s", what,
		          secrets[i], text);
}

#define RUN(r, ...)                                              \
	do {                                                     \
		pdh_t_pdhooks(r, S_env, NULL, __VA_ARGS__, NULL); \
		S_no_secret("stdout", (r)->out);                 \
		S_no_secret("stderr", (r)->err);                 \
	} while (0)

/* DIR/fleet.yaml with these account entries (one string). */
static void S_fleet(const char *accounts)
{
	char *text = pdh_xasprintf("pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n%s",
	                           accounts);

	pdh_t_write_file(W.fleet, text);
	free(text);
}

/* An oauth_refresh account of the fake's token endpoint; its token file NAME.json. No
 * api_url: the token's api_domain says where the API is. */
static char *S_refresh_account(const char *name)
{
	return pdh_xasprintf("  - name: %s\n    vars: { TENANT: %s }\n    oauth_refresh:\n"
	                     "      client_id_env: PD_CLIENT_ID\n"
	                     "      client_secret_env: PD_CLIENT_SECRET\n"
	                     "      token_file: %s.json\n      token_url: %s/oauth/token\n",
	                     name, name, name, pdh_t_fake_base(W.fakes[0]));
}

/* NAME.json with an access token that has expired: a refresh is due. */
static void S_expired(const char *name, const char *refresh)
{
	char *file = pdh_xasprintf("%s.json", name);
	char *text = pdh_xasprintf("{\"refresh_token\": \"%s\", \"access_token\": \"" OLD_ACCESS
	                           "\", \"expires_at\": 1700000000, \"note\": \"kept\"}\n",
	                           refresh);

	S_write(file, text);
	PDH_FREE_ALL(file, text);
}

/* The fake's OAuth state (GET /_fake/oauth). Caller decrefs. */
static json_t *S_oauth(void)
{
	char *body = NULL;
	json_t *j;

	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "GET", "/_fake/oauth", NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	free(body);
	cr_assert_not_null(j);
	return j;
}

/* The install of company's answered refreshes; its refresh token now into *rt (when not
 * NULL; caller frees). */
static long S_refreshes(long company, char **rt)
{
	json_t *j = S_oauth(), *in;
	size_t i;
	long n = -1;

	json_array_foreach(json_object_get(j, "installs"), i, in) {
		if (json_integer_value(json_object_get(in, "company_id")) != company)
			continue;
		n = (long)json_integer_value(json_object_get(in, "refreshes"));
		if (rt)
			*rt = pdh_xstrdup(json_string_value(json_object_get(in, "refresh_token")));
	}
	json_decref(j);
	return n;
}

/* Webhooks of company with this URL. */
static int S_hooks(long company, const char *url)
{
	char *path = pdh_xasprintf("/_fake/state?company=%ld", company), *body = NULL;
	json_t *j, *h;
	size_t i;
	int n = 0;

	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "GET", path, NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	cr_assert(json_is_array(j), "%s", body);
	json_array_foreach(j, i, h)
		n += strcmp(json_string_value(json_object_get(h, "subscription_url")), url) == 0;
	json_decref(j);
	PDH_FREE_ALL(path, body);
	return n;
}

static void S_fail(long company, const char *method, int status, int count)
{
	char *path = pdh_xasprintf("/_fake/fail?company=%ld", company);
	char *json = pdh_xasprintf("{\"method\":\"%s\",\"kind\":\"status\",\"status\":%d,"
	                           "\"count\":%d}", method, status, count);

	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "POST", path, json, NULL), 200);
	PDH_FREE_ALL(path, json);
}

static json_t *S_account(json_t *report, const char *name)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(report, "accounts"), i, a)
		if (strcmp(json_string_value(json_object_get(a, "name")), name) == 0)
			return a;
	cr_assert_fail("no account %s in the report", name);
	return NULL;
}

static json_t *S_json(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	cr_assert_not_null(j, "not JSON: %s", text);
	return j;
}

/* ---- token_command printing JSON ---- */

/* An account whose token_command prints tc.token and counts its runs in tc.count. */
#define TC_ACCOUNT                                                                       \
	"  - name: tc\n    vars: { TENANT: tc }\n"                                        \
	"    token_command: [sh, -c, 'cat tc.token; n=$(cat tc.count 2>/dev/null || echo 0); " \
	"echo $((n+1)) > tc.count']\n"

static void S_tc_token(const char *token, const char *scope, long company)
{
	char *text = pdh_xasprintf("{\"access_token\": \"%s\", \"api_domain\": \"%s/\", "
	                           "\"expires_at\": \"2099-01-01T00:00:00Z\", \"scope\": \"%s\", "
	                           "\"company_id\": %ld}\n", token,
	                           pdh_t_fake_base(W.fakes[0]), scope, company);

	S_write("tc.token", text);
	free(text);
	S_fleet(TC_ACCOUNT);
}

TestSuite(oauth_json, .init = S_setup, .fini = S_teardown, .timeout = 120);

Test(oauth_json, the_base_url_is_the_tokens_api_domain)
{
	char *want = pdh_xasprintf("%s/api/v1", pdh_t_fake_base(W.fakes[0]));
	pdh_t_run r;
	json_t *j;

	S_tc_token(APP_TOKEN, "base webhooks:full", 1001);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve", "--format", "json");
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	j = S_json(r.out);
	cr_expect_str_eq(json_string_value(json_object_get(S_account(j, "tc"), "api_url")), want);
	cr_expect_str_eq(json_string_value(json_object_get(S_account(j, "tc"), "outcome")),
	                 "applied");
	cr_expect_eq(S_hooks(1001, "https://hooks.example.com/tc/deals"), 1);
	json_decref(j);
	pdh_t_run_dispose(&r);
	free(want);
}

Test(oauth_json, a_scope_without_webhooks_full_fails_apply_before_any_call)
{
	pdh_t_run r;

	S_tc_token(APP_READ_ONLY, "base,webhooks:read", 1001);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve");
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "the token's scope lacks webhooks:full, which apply needs") != NULL,
	          "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], NULL), 0, "no API call");
	pdh_t_run_dispose(&r);
	/* webhooks:read is enough for plan */
	RUN(&r, "plan", "--fleet", W.fleet);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	S_tc_token(APP_READ_ONLY, "base", 1001);
	RUN(&r, "plan", "--fleet", W.fleet);
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "lacks webhooks:read, which plan needs") != NULL, "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(oauth_json, a_token_of_another_company_fails_before_any_write)
{
	pdh_t_run r;
	int posts;

	S_tc_token(APP_TOKEN, "base,webhooks:full", 1001);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve");
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	posts = pdh_t_fake_calls(W.fakes[0], "POST");
	/* one more webhook to create, with a token that says it is company 1002's */
	pdh_t_write_file(W.desired, DESIRED PDH_T_YAML_HOOK("orgs", "create", "organization",
	                 "https://hooks.example.com/${TENANT}/orgs"));
	S_tc_token(APP_TOKEN, "base,webhooks:full", 1002);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve");
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "the token is for company 1002, but the API at") != NULL, "%s",
	          r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), posts, "nothing written");
	cr_expect_eq(S_hooks(1001, "https://hooks.example.com/tc/orgs"), 0);
	pdh_t_run_dispose(&r);
}

/* `plan --fleet` after count GETs of company 1001 are answered status: exit want, and the
 * token command has run runs times in all. */
static void S_plan_after(int status, int count, int want, const char *runs, const char *why)
{
	pdh_t_run r;
	char *ran;

	S_fail(1001, "GET", status, count);
	RUN(&r, "plan", "--fleet", W.fleet, "-v");
	cr_expect_eq(r.status, want, "%s\n%s", r.out, r.err);
	ran = S_read("tc.count");
	cr_expect_str_eq(ran, runs, "%s", why);
	free(ran);
	pdh_t_run_dispose(&r);
}

Test(oauth_json, a_401_runs_the_command_again_and_sends_the_call_once_more)
{
	S_tc_token(APP_TOKEN, "base,webhooks:full", 1001);
	S_plan_after(401, 1, 0, "2\n", "the command ran twice");
	/* a second 401 for the same call fails the account */
	S_plan_after(401, 2, 1, "4\n", "once more, not again and again");
}

Test(oauth_json, only_a_401_asks_the_command_again)
{
	S_tc_token(APP_TOKEN, "base,webhooks:full", 1001);
	S_plan_after(403, 1, 1, "1\n", "a 403 is final: the command ran once");
	/* a 503 is retried by the retry policy, with the same token */
	S_plan_after(503, 1, 0, "2\n", "once for this run, not for the 503");
}

Test(oauth_json, two_installs_in_one_company_are_a_warning_not_a_refusal)
{
	char *two = pdh_xasprintf("%s%s", TC_ACCOUNT, "  - name: tc2\n    vars: { TENANT: tc2 }\n"
	                          "    token_command: [cat, tc2.token]\n");
	char *tok = pdh_xasprintf("{\"access_token\": \"" APP_READ_ONLY "\", \"api_domain\": "
	                          "\"%s\", \"company_id\": 1001}\n", pdh_t_fake_base(W.fakes[0]));
	pdh_t_run r;
	char *ran;

	S_tc_token(APP_TOKEN, "base,webhooks:full", 1001);
	S_write("tc2.token", tok);
	S_fleet(two);
	RUN(&r, "plan", "--fleet", W.fleet);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.err, "warning: accounts tc and tc2 are OAuth installs in one company "
	                 "(company_id 1001)") != NULL, "%s", r.err);
	cr_expect(strstr(r.out, "refused") == NULL, "%s", r.out);
	pdh_t_run_dispose(&r);
	/* the plan asked each account's token source once: its one pass also made the check */
	ran = S_read("tc.count");
	cr_expect_str_eq(ran, "1\n", "the token_command ran more than once in one plan");
	free(ran);
	PDH_FREE_ALL(two, tok);
}

/* ---- oauth_refresh ---- */

TestSuite(oauth_refresh, .init = S_setup, .fini = S_teardown, .timeout = 120);

Test(oauth_refresh, an_expired_token_is_refreshed_once_and_written_back_0600)
{
	char *acc = S_refresh_account("acme"), *text, *path = S_path("acme.json");
	long long now = (long long)time(NULL), exp;
	struct stat st;
	pdh_t_run r;
	json_t *j;

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve", "-v");
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect_eq(S_refreshes(1001, NULL), 1);
	cr_expect_eq(S_hooks(1001, "https://hooks.example.com/acme/deals"), 1);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
	text = S_read("acme.json");
	j = S_json(text);
	cr_expect_eq(strncmp(json_string_value(json_object_get(j, "access_token")),
	                     "fake-access-", 12), 0, "%s", text);
	cr_expect_str_eq(json_string_value(json_object_get(j, "refresh_token")), RT_ACME);
	cr_expect_str_eq(json_string_value(json_object_get(j, "api_domain")),
	                 pdh_t_fake_base(W.fakes[0]));
	cr_expect_str_eq(json_string_value(json_object_get(j, "note")), "kept");
	exp = (long long)json_integer_value(json_object_get(j, "expires_at"));
	cr_expect(exp >= now + 3590 && exp <= now + 3700, "expires_at %lld, now %lld", exp, now);
	json_decref(j);
	free(text);
	pdh_t_run_dispose(&r);
	PDH_FREE_ALL(acc, path);
}

Test(oauth_refresh, a_fresh_stored_token_is_used_as_it_is)
{
	char *acc = S_refresh_account("acme"), *before, *after;
	pdh_t_run r;

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	RUN(&r, "plan", "--fleet", W.fleet);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	cr_assert_eq(S_refreshes(1001, NULL), 1);
	before = S_read("acme.json");
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve");
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect_eq(S_refreshes(1001, NULL), 1, "no call to the token endpoint");
	cr_expect_eq(S_hooks(1001, "https://hooks.example.com/acme/people"), 1);
	after = S_read("acme.json");
	cr_expect_str_eq(after, before);
	pdh_t_run_dispose(&r);
	PDH_FREE_ALL(acc, before, after);
}

Test(oauth_refresh, invalid_grant_is_reauthorize_exit_1_and_the_file_untouched)
{
	char *acc = S_refresh_account("acme"), *before, *after, *path = S_path("acme.json");
	struct stat st0, st1;
	pdh_t_run r;
	json_t *j;

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "POST", "/_fake/oauth/revoke",
	                                "{\"refresh_token\":\"" RT_ACME "\"}", NULL), 200);
	before = S_read("acme.json");
	cr_assert_eq(stat(path, &st0), 0);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve", "--format", "json");
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	j = S_json(r.out);
	cr_expect_str_eq(json_string_value(json_object_get(S_account(j, "acme"), "outcome")),
	                 "reauthorize");
	cr_expect(strstr(json_string_value(json_object_get(S_account(j, "acme"), "error")),
	                 "invalid_grant") != NULL, "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"),
	                                                "reauthorize")), 1);
	json_decref(j);
	pdh_t_run_dispose(&r);
	after = S_read("acme.json");
	cr_expect_str_eq(after, before, "byte for byte");
	cr_assert_eq(stat(path, &st1), 0);
	cr_expect_eq(st1.st_ino, st0.st_ino, "not replaced");
	cr_expect_eq(st1.st_mtime, st0.st_mtime);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], NULL), 0, "no API call");
	RUN(&r, "plan", "--fleet", W.fleet);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "1 to authorize again (invalid_grant)") != NULL, "%s", r.out);
	pdh_t_run_dispose(&r);
	PDH_FREE_ALL(acc, before, after, path);
}

Test(oauth_refresh, a_wrong_client_secret_fails_the_account_with_the_endpoints_words)
{
	char *acc = S_refresh_account("acme"), *before, *after;
	char *env[] = { "PD_CLIENT_ID=" CLIENT_ID, "PD_CLIENT_SECRET=wrong-secret-6b2d9e",
	                "PIPEDRIVE_API_TOKEN=", "PIPEDRIVE_OAUTH_TOKEN=", NULL };
	pdh_t_run r;

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	before = S_read("acme.json");
	pdh_t_pdhooks(&r, env, NULL, "plan", "--fleet", W.fleet, NULL);
	S_no_secret("stdout", r.out);
	S_no_secret("stderr", r.err);
	cr_expect(strstr(r.out, "wrong-secret-6b2d9e") == NULL && strstr(r.err,
	          "wrong-secret-6b2d9e") == NULL, "%s\n%s", r.out, r.err);
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "failed: oauth_refresh: the token endpoint refused the refresh "
	                 "(HTTP 401: Invalid client credentials: " CLIENT_ID ":***)") != NULL,
	          "%s", r.out);
	after = S_read("acme.json");
	cr_expect_str_eq(after, before);
	pdh_t_run_dispose(&r);
	PDH_FREE_ALL(acc, before, after);
}

Test(oauth_refresh, a_token_that_expires_mid_apply_is_refreshed_and_the_call_sent_once_more)
{
	char *acc = S_refresh_account("acme");
	pdh_t_run r;

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	/* the first POST finds the access token expired */
	S_fail(1001, "POST", 401, 1);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve", "-v");
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect_eq(S_refreshes(1001, NULL), 2, "refreshed at the start and after the 401");
	cr_expect_eq(S_hooks(1001, "https://hooks.example.com/acme/deals"), 1);
	cr_expect_eq(S_hooks(1001, "https://hooks.example.com/acme/people"), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 3, "two creates and the refused one");
	pdh_t_run_dispose(&r);
	/* the server stops taking a stored token that has not expired by its expires_at */
	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "POST", "/_fake/oauth/expire", NULL, NULL), 200);
	RUN(&r, "plan", "--fleet", W.fleet, "--detailed-exitcode");
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect_eq(S_refreshes(1001, NULL), 3);
	pdh_t_run_dispose(&r);
	free(acc);
}

Test(oauth_refresh, a_refresh_token_revoked_during_the_run_is_reauthorize)
{
	char *acc = S_refresh_account("acme");
	pdh_t_run r;
	json_t *j;

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	RUN(&r, "plan", "--fleet", W.fleet);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	/* the user uninstalls the app: its tokens stop working */
	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "POST", "/_fake/oauth/revoke", "{}", NULL), 200);
	cr_assert_eq(pdh_t_fake_control(W.fakes[0], "POST", "/_fake/oauth/expire", NULL, NULL), 200);
	RUN(&r, "apply", "--fleet", W.fleet, "--auto-approve", "--format", "json");
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	j = S_json(r.out);
	cr_expect_str_eq(json_string_value(json_object_get(S_account(j, "acme"), "outcome")),
	                 "reauthorize", "%s", r.out);
	json_decref(j);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 0);
	pdh_t_run_dispose(&r);
	free(acc);
}

/* ---- two runs at once, rotating refresh tokens ---- */

TestSuite(oauth_race, .init = S_setup_rotating, .fini = S_teardown, .timeout = 120);

Test(oauth_race, two_runs_at_once_refresh_each_account_once)
{
	char *a1 = S_refresh_account("acme"), *a2 = S_refresh_account("globex");
	char *accounts = pdh_xasprintf("%s%s", a1, a2), *script, *bin = getenv("PDH_BIN");
	pdh_t_run r;

	cr_assert_not_null(bin);
	S_fleet(accounts);
	S_expired("acme", RT_ACME);
	S_expired("globex", RT_GLOBEX);
	script = pdh_xasprintf("cd '%s' && for i in 1 2; do (\"$0\" plan --fleet fleet.yaml -v "
	                       ">out$i 2>err$i; echo $? >status$i) & done; wait", W.dir);
	{
		char *full[] = { "/bin/sh", "-c", script, bin, NULL };

		pdh_t_run_argv(&r, full, S_env, NULL);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	for (int i = 1; i <= 2; i++) {
		char name[16], *text;

		snprintf(name, sizeof(name), "status%d", i);
		text = S_read(name);
		cr_expect_str_eq(text, "0\n", "run %d", i);
		free(text);
		snprintf(name, sizeof(name), "out%d", i);
		text = S_read(name);
		S_no_secret(name, text);
		cr_expect(strstr(text, "Fleet: 0 in sync, 2 with changes, 0 failed") != NULL,
		          "run %d: %s", i, text);
		free(text);
		snprintf(name, sizeof(name), "err%d", i);
		text = S_read(name);
		S_no_secret(name, text);
		free(text);
	}
	{
		json_t *j = S_oauth();

		/* without the lock, the second run spends the refresh token the first has
		 * exchanged already */
		cr_expect_eq(json_integer_value(json_object_get(j, "invalid_grants")), 0);
		cr_expect_eq(json_integer_value(json_object_get(j, "issued")), 2);
		json_decref(j);
	}
	for (long company = 1001; company <= 1002; company++) {
		char *rt = NULL, *text = S_read(company == 1001 ? "acme.json" : "globex.json");
		json_t *j = S_json(text);

		cr_expect_eq(S_refreshes(company, &rt), 1, "company %ld", company);
		cr_expect_str_eq(json_string_value(json_object_get(j, "refresh_token")), rt,
		                 "the rotated refresh token is kept");
		json_decref(j);
		PDH_FREE_ALL(rt, text);
	}
	PDH_FREE_ALL(a1, a2, accounts, script);
}

/* ---- the apply lock of an install whose access token changes ---- */

#define APP_TOKEN_2 "app-token-full-second-8d1f4a"

/* Access tokens that live 60 s, so that every run refreshes (less than 5 minutes left), and
 * API calls (the token endpoint's too) answered after 150 ms; a second app token of 1001. */
static void S_setup_short_lived(void)
{
	static char latency[32];
	static char *extra[] = { "--token-ttl", "60", "--latency-ms", latency, "--oauth-app",
	                         APP_TOKEN_2 ":webhooks:full@1001", NULL };
	char *ms = pdh_t_slow_ms(150);

	snprintf(latency, sizeof(latency), "%s", ms);
	free(ms);
	S_setup_with(extra);
}

TestSuite(oauth_lock, .init = S_setup_short_lived, .fini = S_teardown, .timeout = 120);

#define H(n) PDH_T_YAML_HOOK("h" #n, "create", "deal", "https://hooks.example.com/${TENANT}/h" #n)
#define EIGHT PDH_T_YAML_HEAD H(1) H(2) H(3) H(4) H(5) H(6) H(7) H(8)

/* Two `apply --fleet` at once of the fleet file's one account (TENANT name) and eight
 * webhooks of company 1001: the second starts once the first has sent a POST, so holds its
 * lock. The second meets that lock as two applies of one API token do, though each has its
 * own access token; each webhook is created once. */
static void S_two_applies(const char *name)
{
	char *desired = S_path("pdhooks.yaml");
	long long deadline = (long long)time(NULL) + 30;
	pdh_t_world w;   /* what pdh_t_bg_start takes: the environment and the lock directory */
	pdh_t_bg a, b;
	pdh_t_run ra, rb;
	int posts = 0;

	memset(&w, 0, sizeof(w));
	w.dir = W.dir;
	for (size_t i = 0; S_env[i]; i++)
		w.env[i] = S_env[i];
	pdh_t_write_file(desired, EIGHT);
	pdh_t_bg_start(&a, &w, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	               "--parallelism", "1", NULL);
	while ((posts = pdh_t_fake_calls(W.fakes[0], "POST")) < 1 && (long long)time(NULL) < deadline)
		pdh_nap_ms(20);
	cr_assert_eq(posts, 1, "the first apply sent no POST in time");
	pdh_t_bg_start(&b, &w, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	               "--parallelism", "1", NULL);
	pdh_t_bg_wait(&b, &rb);
	pdh_t_bg_wait(&a, &ra);
	for (int i = 0; i < 2; i++) {
		S_no_secret("stdout", i ? rb.out : ra.out);
		S_no_secret("stderr", i ? rb.err : ra.err);
	}
	cr_expect_eq(ra.status, 0, "%s%s", ra.out, ra.err);
	cr_expect_eq(rb.status, 1, "%s%s", rb.out, rb.err);
	cr_expect(strstr(rb.err, "another pdhooks apply (pid ") != NULL &&
	          strstr(rb.err, "running with this OAuth install") != NULL, "%s%s", rb.out, rb.err);
	for (int i = 1; i <= 8; i++) {
		char url[64];

		snprintf(url, sizeof(url), "https://hooks.example.com/%s/h%d", name, i);
		cr_expect_eq(S_hooks(1001, url), 1, "%s", url);
	}
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 8, "each webhook created once");
	pdh_t_run_dispose(&ra);
	pdh_t_run_dispose(&rb);
	free(desired);
}

Test(oauth_lock, a_second_apply_of_one_refresh_account_meets_the_lock_after_a_refresh)
{
	char *acc = S_refresh_account("acme");

	S_fleet(acc);
	S_expired("acme", RT_ACME);
	S_two_applies("acme");
	cr_expect_eq(S_refreshes(1001, NULL), 2, "each apply refreshed its own access token");
	free(acc);
}

Test(oauth_lock, a_second_apply_of_one_token_command_meets_the_lock_with_another_token)
{
	char *tok = pdh_xasprintf("{\"access_token\": \"" APP_TOKEN_2 "\", \"api_domain\": \"%s\", "
	                          "\"company_id\": 1001}\n", pdh_t_fake_base(W.fakes[0]));
	char *runs;

	S_tc_token(APP_TOKEN, "base,webhooks:full", 1001);
	S_write("tc2.token", tok);
	/* the first run prints tc.token, the second tc2.token */
	S_fleet("  - name: tc\n    vars: { TENANT: tc }\n"
	        "    token_command: [sh, -c, 'if [ -e tc.count ]; then cat tc2.token; "
	        "else cat tc.token; fi; echo >> tc.count']\n");
	S_two_applies("tc");
	runs = S_read("tc.count");
	cr_expect_str_eq(runs, "\n\n", "the command ran once for each apply");
	PDH_FREE_ALL(tok, runs);
}
