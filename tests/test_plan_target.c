/* A saved plan names its target (the API URL and the company id its listing showed), and
 * `pdhooks apply PLANFILE` refuses a plan made for another company: against pdhooks-fake
 * serving two companies (the --token one, company 1, token "test-token"; and company 7,
 * token "tok-b"), and against two fakes for two API URLs. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define DESIRED PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", "https://hooks.example.com/deals")

/* Another tool's webhook (another host: not owned, so it leaves the owned state of both
 * companies empty, the same), whose company_id names the company in the listing. */
#define FOREIGN(id) "[{\"id\":" #id ",\"name\":\"other\",\"event_action\":\"change\"," \
	"\"event_object\":\"person\",\"subscription_url\":\"https://other.example.org/p\"}]"

static pdh_t_world W;
static char *S_plan_path;

static void S_setup(void)
{
	char *args[] = { "--company", "7:tok-b", NULL };

	pdh_t_world_setup(&W, args, DESIRED);
	S_plan_path = pdh_xasprintf("%s/plan.json", W.dir);
}

static void S_teardown(void)
{
	free(S_plan_path);
	pdh_t_world_teardown(&W);
}

static void S_seed_foreign(void)
{
	cr_assert_eq(pdh_t_fake_control(W.fake, "PUT", "/_fake/state", FOREIGN(500), NULL), 200);
	cr_assert_eq(pdh_t_fake_control(W.fake, "PUT", "/_fake/state?company=7", FOREIGN(600),
	                                NULL), 200);
}

/* The environment of a run as company 7 at api_url (NULL: the world's). Caller frees
 * env[0] and env[1]. */
static void S_env_b(char *env[5], const char *api_url)
{
	env[0] = pdh_xstrdup("PIPEDRIVE_API_TOKEN=tok-b");
	env[1] = api_url ? pdh_xasprintf("PIPEDRIVE_API_URL=%s", api_url) : pdh_xstrdup(W.env_url);
	env[2] = "PIPEDRIVE_OAUTH_TOKEN=";
	env[3] = "PIPEDRIVE_COMPANY_DOMAIN=";
	env[4] = NULL;
}

static void S_save_plan(void)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, W.env, NULL, "plan", "-f", W.file, "-o", S_plan_path, NULL);
	cr_assert_eq(r.status, 0, "plan -o: %s", r.err);
	pdh_t_run_dispose(&r);
}

static json_t *S_saved_target(void)
{
	json_error_t e;
	json_t *doc = json_load_file(S_plan_path, 0, &e), *t;

	cr_assert_not_null(doc, "%s: %s", S_plan_path, e.text);
	t = json_object_get(json_object_get(doc, "saved"), "target");
	cr_assert(json_is_object(t), "the saved plan has no saved.target");
	json_incref(t);
	json_decref(doc);
	return t;
}

/* Webhooks of company (1 or 7) with the desired URL. */
static size_t S_created_in(const char *company)
{
	char *path = pdh_xasprintf("/_fake/state?company=%s", company), *body = NULL;
	size_t n = 0;
	const char *p;

	cr_assert_eq(pdh_t_fake_control(W.fake, "GET", path, NULL, &body), 200);
	for (p = body; (p = strstr(p, "hooks.example.com/deals")) != NULL; p++)
		n++;
	free(body);
	free(path);
	return n;
}

TestSuite(plan_target, .init = S_setup, .fini = S_teardown, .timeout = 60);

Test(plan_target, saved_plan_names_api_url_and_company_id)
{
	json_t *t;

	S_seed_foreign();
	S_save_plan();
	t = S_saved_target();
	cr_expect_str_eq(json_string_value(json_object_get(t, "api_url")), pdh_t_fake_url(W.fake));
	cr_expect(json_is_integer(json_object_get(t, "company_id")));
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 1);
	json_decref(t);
}

/* An empty listing shows no company: GET /users/me names it (test_target has the rest). */
Test(plan_target, empty_listing_names_the_company_users_me_answers)
{
	json_t *t;

	S_save_plan();
	t = S_saved_target();
	cr_expect_str_eq(json_string_value(json_object_get(t, "api_url")), pdh_t_fake_url(W.fake));
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(t, "company_name")), "Company 1");
	json_decref(t);
}

/* The bug: the owned state of both companies is the same (empty), so before saved plans named
 * their company the plan of company 1 applied to company 7 with exit 0. */
Test(plan_target, apply_refuses_a_plan_of_another_company)
{
	char *env[5];
	pdh_t_run r;

	S_seed_foreign();
	S_save_plan();
	S_env_b(env, NULL);
	pdh_t_pdhooks(&r, env, NULL, "apply", S_plan_path, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "made for another company"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "company 1"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "company 7"), "%s", r.err);
	cr_expect_null(strstr(r.err, "tok-b"), "the token leaked: %s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0, "a refused plan made a call");
	cr_expect_eq(S_created_in("7"), 0);
	pdh_t_run_dispose(&r);
	/* The company it was made for still takes it. */
	pdh_t_pdhooks(&r, W.env, NULL, "apply", S_plan_path, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_eq(S_created_in("1"), 1);
	pdh_t_run_dispose(&r);
	free(env[0]);
	free(env[1]);
}

/* Both listings empty, at two API URLs: refused by the API URL, before any call. */
Test(plan_target, apply_refuses_a_plan_of_another_api_url)
{
	char *args[] = { "--token", "tok-b", NULL }, *env[5];
	pdh_t_fake *other = pdh_t_fake_start(args);
	pdh_t_run r;

	S_save_plan();
	S_env_b(env, pdh_t_fake_url(other));
	pdh_t_pdhooks(&r, env, NULL, "apply", S_plan_path, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "made for another company"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, pdh_t_fake_url(W.fake)), "%s", r.err);
	cr_expect_not_null(strstr(r.err, pdh_t_fake_url(other)), "%s", r.err);
	/* Refused before any call. */
	cr_expect_eq(pdh_t_fake_calls(other, NULL), 0);
	pdh_t_run_dispose(&r);
	pdh_t_fake_stop(other);
	free(env[0]);
	free(env[1]);
}

/* One API written two ways (a trailing slash) is the same target. */
Test(plan_target, same_api_with_a_trailing_slash_applies)
{
	char *url = pdh_xasprintf("%s/", pdh_t_fake_url(W.fake)), *env[5];
	pdh_t_run r;

	S_seed_foreign();
	S_save_plan();
	env[0] = W.env_token;
	env[1] = pdh_xasprintf("PIPEDRIVE_API_URL=%s", url);
	env[2] = "PIPEDRIVE_OAUTH_TOKEN=";
	env[3] = "PIPEDRIVE_COMPANY_DOMAIN=";
	env[4] = NULL;
	pdh_t_pdhooks(&r, env, NULL, "apply", S_plan_path, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_eq(S_created_in("1"), 1);
	pdh_t_run_dispose(&r);
	free(env[1]);
	free(url);
}

/* A saved plan that does not name its target (an older pdhooks wrote it) is refused with a
 * clear message, not applied to whatever the credentials reach. */
Test(plan_target, plan_without_a_target_is_refused)
{
	json_error_t e;
	json_t *doc;
	pdh_t_run r;

	S_save_plan();
	doc = json_load_file(S_plan_path, 0, &e);
	cr_assert_not_null(doc);
	cr_assert_eq(json_object_del(json_object_get(doc, "saved"), "target"), 0);
	cr_assert_eq(json_dump_file(doc, S_plan_path, JSON_INDENT(2)), 0);
	json_decref(doc);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", S_plan_path, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "does not name its target"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
	pdh_t_run_dispose(&r);
}

/* A target of the wrong type is not a saved plan. */
Test(plan_target, malformed_target_is_refused)
{
	static const char *const bad[] = { "\"target\": {\"api_url\": 5, \"company_id\": null}",
		"\"target\": {\"api_url\": \"x\", \"company_id\": \"1\"}",
		"\"target\": {\"api_url\": \"x\"}",
		"\"target\": {\"api_url\": \"x\", \"company_id\": 1, \"extra\": 1}" };

	S_save_plan();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = pdh_t_read_file(S_plan_path, NULL), *start, *end, *mod;
		pdh_t_run r;

		cr_assert_not_null(text);
		start = strstr(text, "\"saved\":");   /* the saved target, not the plan's */
		cr_assert_not_null(start, "%s", text);
		start = strstr(start, "\"target\":");
		cr_assert_not_null(start, "%s", text);
		end = strchr(start, '}');
		cr_assert_not_null(end);
		mod = pdh_xasprintf("%.*s%s%s", (int)(start - text), text, bad[i], end + 1);
		pdh_t_write_file(S_plan_path, mod);
		pdh_t_pdhooks(&r, W.env, NULL, "apply", S_plan_path, "--auto-approve", NULL);
		cr_expect_eq(r.status, 1, "%s: exit %d: %s", bad[i], r.status, r.err);
		cr_expect_not_null(strstr(r.err, "not a pdhooks saved plan"), "%s: %s", bad[i], r.err);
		pdh_t_run_dispose(&r);
		/* Back to the good plan for the next case. */
		pdh_t_write_file(S_plan_path, text);
		free(mod);
		free(text);
	}
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
}

/* Fleet mode: `apply --fleet F DIR` checks each account's saved plan against the account's
 * target now. An account whose api_url changed in the fleet file since the plan (here two
 * accounts swapped their companies) is refused as an error, never applied. */
static pdh_t_fleet F;

/* A plan made in one directory is applied from another (a CI job's checkout, a Docker
 * volume): the desired file is found beside the plan, where it was when planning; a plan
 * moved away from it still finds it as given, from the working directory. */
Test(plan_target, saved_plan_finds_its_desired_file_from_another_directory)
{
	char *repo = pdh_xasprintf("%s/repo", W.dir), *out = pdh_xasprintf("%s/repo/out", W.dir);
	char *desired = pdh_xasprintf("%s/pdhooks.yaml", repo);
	char *moved = pdh_xasprintf("%s/moved.plan", W.dir), *text;
	pdh_t_run r;

	cr_assert_eq(mkdir(repo, 0700), 0);
	cr_assert_eq(mkdir(out, 0700), 0);
	pdh_t_write_file(desired, DESIRED);
	pdh_t_world_run(&r, &W, NULL, "plan", "-C", repo, "-f", "pdhooks.yaml", "-o",
	                "out/p.plan", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_xasprintf("%s/p.plan", out);
	{
		char *saved = pdh_t_read_file(text, NULL);

		cr_expect_not_null(strstr(saved, "\"desired_file_from_plan\": \"../pdhooks.yaml\""),
		                   "%s", saved);
		pdh_t_write_file(moved, saved);
		free(saved);
	}
	free(text);
	/* from the directory above the checkout */
	pdh_t_world_run(&r, &W, NULL, "apply", "-C", W.dir, "--auto-approve", "repo/out/p.plan",
	                NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "of repo/out/../pdhooks.yaml"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 1);
	pdh_t_run_dispose(&r);
	/* moved away: the desired file as given, from where apply runs; the company emptied
	 * again, so that the plan is not stale */
	pdh_t_world_seed(&W, "[]");
	pdh_t_world_run(&r, &W, NULL, "apply", "-C", repo, "--auto-approve", moved, NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "of pdhooks.yaml"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 2);
	pdh_t_run_dispose(&r);
	PDH_FREE_ALL(repo, out, desired, moved);
}


static void S_fleet_setup(void)
{
	char *acc[3];

	pdh_t_fleet_setup(&F, 2, NULL, DESIRED);
	acc[0] = pdh_t_fleet_account(&F, "acme", 0, NULL);
	acc[1] = pdh_t_fleet_account(&F, "globex", 1, NULL);
	acc[2] = NULL;
	pdh_t_fleet_write(&F, acc);
	for (size_t i = 0; i < 2; i++)
		pdh_t_fake_set_state(F.fakes[i], i == 0 ? FOREIGN(500) : FOREIGN(600));
}

static void S_fleet_teardown(void)
{
	pdh_t_fleet_teardown(&F);
}

TestSuite(plan_target_fleet, .init = S_fleet_setup, .fini = S_fleet_teardown, .timeout = 60);

Test(plan_target_fleet, saved_plans_name_their_company_and_a_swap_is_refused)
{
	char *dir = pdh_xasprintf("%s/plans", F.dir), *path, *acc[3];
	json_error_t e;
	json_t *doc, *t;
	pdh_t_run r;

	pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	pdh_t_run_dispose(&r);
	path = pdh_xasprintf("%s/globex.json", dir);
	doc = json_load_file(path, 0, &e);
	cr_assert_not_null(doc, "%s: %s", path, e.text);
	t = json_object_get(json_object_get(doc, "saved"), "target");
	cr_expect_str_eq(json_string_value(json_object_get(t, "api_url")), pdh_t_fake_url(F.fakes[1]));
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 102);
	json_decref(doc);
	free(path);

	acc[0] = pdh_t_fleet_account(&F, "acme", 1, NULL);
	acc[1] = pdh_t_fleet_account(&F, "globex", 0, NULL);
	acc[2] = NULL;
	pdh_t_fleet_write(&F, acc);
	pdh_t_pdhooks(&r, F.env, NULL, "apply", "--fleet", F.fleet, dir, "--auto-approve",
	              "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s %s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.out, "made for another company"), "%s", r.out);
	for (size_t i = 0; i < 2; i++)
		cr_expect_eq(pdh_t_fake_calls(F.fakes[i], "POST"), 0, "company %zu got a create", i);
	pdh_t_run_dispose(&r);
	free(dir);
}
