/* Every plan names its target: the API URL and the company. The company is the company_id
 * the listing shows; an empty listing shows none, and then GET /users/me (called only then,
 * once) names it, with its name and domain. A saved plan is bound to that company: `apply
 * PLANFILE` refuses it, before any write, for another company at the same API URL (on real
 * Pipedrive every company shares api.pipedrive.com), and never applies it to a company that
 * cannot be named. Against pdhooks-fake: company 42 ("Acme Inc", acme) of token test-token,
 * and company 7 of token tok-b, one API URL for both. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "sampleplan.h"
#include "testutil.h"
#include "world.h"

#define DESIRED PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", "https://hooks.example.com/deals")

/* Another tool's webhook (another host: not owned, so the owned state stays empty); the fake
 * gives it its company's company_id, which names the company in the listing. */
#define FOREIGN "[{\"id\":500,\"name\":\"other\",\"event_action\":\"change\"," \
	"\"event_object\":\"person\",\"subscription_url\":\"https://other.example.org/p\"}]"

#define USERS_ME "GET /v1/users/me "
#define FAIL_USERS_ME(status) "{\"kind\":\"status\",\"status\":" #status ",\"count\":100," \
	"\"path\":\"/users/me\"}"

static char *const S_fake_args[] = { "--company-id", "42", "--company-name", "Acme Inc",
                                     "--company-domain", "acme", "--company", "7:tok-b",
                                     NULL };
static pdh_t_world W;

static void S_setup(void)
{
	pdh_t_world_setup(&W, S_fake_args, DESIRED);
}

static void S_teardown(void)
{
	pdh_t_world_teardown(&W);
}

TestSuite(target, .init = S_setup, .fini = S_teardown, .timeout = 120);

/* How many GET /users/me the fake served since the last reset. */
static int S_users_me_calls(void)
{
	char *log = pdh_t_world_call_log(&W);
	int n = pdh_t_count(log, USERS_ME);

	free(log);
	return n;
}

/* The "target" object of `plan --format json` (exit 0 expected). Caller decrefs. */
static json_t *S_json_target(void)
{
	json_error_t e;
	json_t *doc, *t;
	pdh_t_run r;

	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "plan: %s", r.err);
	cr_assert_eq(pdh_t_validate_plan_json(r.out), 0, "not valid against the schema: %s", r.out);
	doc = json_loads(r.out, 0, &e);
	cr_assert_not_null(doc, "%s", e.text);
	t = json_object_get(doc, "target");
	cr_assert(json_is_object(t), "the JSON plan has no target: %s", r.out);
	json_incref(t);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	return t;
}

/* plan -o W.planfile as company 42; asserts exit 0. */
static void S_save_plan(void)
{
	pdh_t_run r;

	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "-o", W.planfile, NULL);
	cr_assert_eq(r.status, 0, "plan -o: %s", r.err);
	pdh_t_run_dispose(&r);
}

/* apply PLANFILE --auto-approve with token (NULL: the world's), into r. */
static void S_apply_saved(pdh_t_run *r, const char *token)
{
	char *env[2] = { token ? pdh_xasprintf("PIPEDRIVE_API_TOKEN=%s", token) : NULL, NULL };

	pdh_t_world_run(r, &W, token ? env : NULL, "apply", W.planfile, "--auto-approve", NULL);
	free(env[0]);
}

/* The saved plan applied with token (NULL: the world's) and refused: exit status, stderr
 * saying says, and no webhook made. */
static void S_expect_saved_refused(pdh_t_run *r, const char *token, int status,
                                   const char *says)
{
	S_apply_saved(r, token);
	cr_expect_eq(r->status, status, "exit %d: %s", r->status, r->err);
	cr_expect_not_null(strstr(r->err, says), "%s", r->err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0, "a refused plan wrote");
}

/* The saved plan of company 42 applied with company 7's token: refused (exit 1), naming both
 * companies, and nothing written. */
static void S_expect_refused_for_7(pdh_t_run *r)
{
	pdh_t_world_reset_calls(&W);
	S_expect_saved_refused(r, "tok-b", 1, "made for another company");
	cr_expect_not_null(strstr(r->err, "company 42"), "%s", r->err);
	cr_expect_not_null(strstr(r->err, "company 7"), "%s", r->err);
}

/* Webhooks of company (42 or 7) with the desired URL. */
static int S_created_in(const char *company)
{
	char *path = pdh_xasprintf("/_fake/state?company=%s", company), *body = NULL;
	int n;

	cr_assert_eq(pdh_t_fake_control(W.fake, "GET", path, NULL, &body), 200);
	n = pdh_t_count(body, "hooks.example.com/deals");
	free(body);
	free(path);
	return n;
}

/* A listing that shows the company names it: no call to /users/me, and no name. */
Test(target, json_plan_names_the_listings_company_without_asking)
{
	json_t *t;

	pdh_t_world_seed(&W, FOREIGN);
	pdh_t_world_reset_calls(&W);
	t = S_json_target();
	cr_expect_str_eq(json_string_value(json_object_get(t, "api_url")), pdh_t_fake_url(W.fake));
	cr_expect(json_is_integer(json_object_get(t, "company_id")));
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 42);
	cr_expect_null(json_object_get(t, "company_name"), "not asked, so not known");
	cr_expect_eq(S_users_me_calls(), 0, "the listing named the company: no /users/me");
	pdh_t_world_expect_calls(&W, 1, 0, 0);
	json_decref(t);
}

/* An empty company: one GET /users/me, whose answer names it. */
Test(target, empty_company_asks_users_me_once)
{
	json_t *t;

	pdh_t_world_reset_calls(&W);
	t = S_json_target();
	cr_expect_str_eq(json_string_value(json_object_get(t, "api_url")), pdh_t_fake_url(W.fake));
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 42);
	cr_expect_str_eq(json_string_value(json_object_get(t, "company_name")), "Acme Inc");
	cr_expect_str_eq(json_string_value(json_object_get(t, "company_domain")), "acme");
	cr_expect_eq(S_users_me_calls(), 1);
	pdh_t_world_expect_calls(&W, 2, 0, 0);   /* the listing and /users/me */
	json_decref(t);
}

Test(target, text_and_markdown_headers_name_the_company)
{
	char *want = pdh_xasprintf("Target: %s, company 42 (Acme Inc, acme).\n",
	                           pdh_t_fake_url(W.fake));
	pdh_t_run r;

	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "the text plan begins %s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "--format", "markdown", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "\nTarget: "), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "127.0.0.1"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, ", company 42 (Acme Inc, acme).\n"), "%s", r.out);
	pdh_t_run_dispose(&r);
	/* Named by the listing: the id alone. */
	pdh_t_world_seed(&W, FOREIGN);
	free(want);
	want = pdh_xasprintf("Target: %s, company 42.\n", pdh_t_fake_url(W.fake));
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, NULL);
	cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "the text plan begins %s", r.out);
	pdh_t_run_dispose(&r);
	free(want);
}

/* The metrics of a single run carry the company it named as their company_id label. */
Test(target, metrics_label_an_empty_company_by_users_me)
{
	char *path = pdh_t_world_path(&W, "plan.prom");
	char *text = pdh_t_world_metrics(&W, "plan", path);

	cr_expect_not_null(strstr(text, "company_id=\"42\""), "%s", text);
	free(text);
	free(path);
}

/* The saved plan records the company /users/me named. */
Test(target, saved_plan_of_an_empty_company_names_it)
{
	json_error_t e;
	json_t *doc, *t;

	S_save_plan();
	doc = json_load_file(W.planfile, 0, &e);
	cr_assert_not_null(doc, "%s", e.text);
	t = json_object_get(json_object_get(doc, "saved"), "target");
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 42);
	cr_expect_str_eq(json_string_value(json_object_get(t, "company_name")), "Acme Inc");
	json_decref(doc);
}

/* The bug: both companies empty, one API URL. The plan of company 42 applied cleanly to
 * company 7. Now refused before any write, naming both; the company it was made for takes it. */
Test(target, empty_plan_refused_for_another_empty_company_at_the_same_url)
{
	pdh_t_run r;

	S_save_plan();
	S_expect_refused_for_7(&r);
	cr_expect_not_null(strstr(r.err, "company 42 (Acme Inc, acme)"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "company 7 (Company 7, company7)"), "%s", r.err);
	cr_expect_eq(S_users_me_calls(), 1, "one /users/me names company 7");
	cr_expect_eq(S_created_in("7"), 0);
	pdh_t_run_dispose(&r);
	S_apply_saved(&r, NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_eq(S_created_in("42"), 1);
	pdh_t_run_dispose(&r);
}

/* The other company's listing names it: refused without asking /users/me for it. */
Test(target, empty_plan_refused_for_a_non_empty_other_company)
{
	pdh_t_run r;

	S_save_plan();
	cr_assert_eq(pdh_t_fake_control(W.fake, "PUT", "/_fake/state?company=7", FOREIGN, NULL),
	             200);
	S_expect_refused_for_7(&r);
	cr_expect_eq(S_users_me_calls(), 0);
	cr_expect_eq(S_created_in("7"), 0);
	pdh_t_run_dispose(&r);
}

/* The same API URL and even the same token string, but the server behind it now serves
 * another company (the fake restarted on its port with another --company-id). */
Test(target, same_url_and_token_but_another_company_is_refused)
{
	char port[16];
	char *args[] = { "--port", port, "--company-id", "9", NULL };
	pdh_t_fake *other;
	pdh_t_run r;

	S_save_plan();
	snprintf(port, sizeof(port), "%d", pdh_t_fake_port(W.fake));
	pdh_t_fake_stop(W.fake);
	W.fake = other = pdh_t_fake_start(args);   /* the world stops it */
	cr_assert_str_eq(pdh_t_fake_url(other), strchr(W.env_url, '=') + 1, "the same API URL");
	S_apply_saved(&r, NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "company 42"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "company 9"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(other, "POST"), 0, "a refused plan wrote");
	pdh_t_run_dispose(&r);
}

/* A company that cannot be named (empty listing, /users/me failing) never takes a saved plan:
 * exit 5 while the API keeps failing, 1 for a definite refusal; applied once it answers. */
Test(target, failed_users_me_never_applies_a_saved_plan)
{
	pdh_t_run r;

	S_save_plan();
	pdh_t_world_fail(&W, FAIL_USERS_ME(503));
	S_expect_saved_refused(&r, NULL, 5, "cannot tell which company");
	cr_expect_not_null(strstr(r.err, "nothing applied"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_control(&W, "/_fake/fail/reset", NULL);
	pdh_t_world_fail(&W, FAIL_USERS_ME(404));
	S_expect_saved_refused(&r, NULL, 1, "cannot tell which company");
	pdh_t_run_dispose(&r);
	pdh_t_world_control(&W, "/_fake/fail/reset", NULL);
	S_apply_saved(&r, NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_eq(S_created_in("42"), 1);
	pdh_t_run_dispose(&r);
}

/* plan keeps its plan when /users/me fails: shown, with a warning, naming no company; but
 * never saved, since no apply could take it. */
Test(target, failed_users_me_shows_the_plan_and_saves_none)
{
	char *want = pdh_xasprintf("Target: %s, an unknown company.\n", pdh_t_fake_url(W.fake));
	json_t *t;
	pdh_t_run r;

	pdh_t_world_fail(&W, FAIL_USERS_ME(503));
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
	cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "%s", r.out);
	cr_expect_not_null(strstr(r.out, "+   create.deal https://hooks.example.com/deals"), "%s",
	                   r.out);
	cr_expect_not_null(strstr(r.out, "this plan names no company"), "%s", r.out);
	pdh_t_run_dispose(&r);
	t = S_json_target();
	cr_expect(json_is_null(json_object_get(t, "company_id")));
	json_decref(t);
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "-o", W.planfile, NULL);
	cr_expect_eq(r.status, 5, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "not saved"), "%s", r.err);
	cr_expect_neq(access(W.planfile, F_OK), 0, "a plan naming no company was saved");
	pdh_t_run_dispose(&r);
	free(want);
}

/* A saved plan that names no company (an older pdhooks saved an empty listing's plan with
 * company_id null: the API URL alone named it) is refused, asking for a new plan. */
Test(target, saved_plan_naming_no_company_is_refused)
{
	json_error_t e;
	json_t *doc, *t;
	pdh_t_run r;

	S_save_plan();
	doc = json_load_file(W.planfile, 0, &e);
	cr_assert_not_null(doc, "%s", e.text);
	t = json_object_get(json_object_get(doc, "saved"), "target");
	json_object_set_new(t, "company_id", json_null());
	json_object_del(t, "company_name");
	json_object_del(t, "company_domain");
	cr_assert_eq(json_dump_file(doc, W.planfile, JSON_INDENT(2)), 0);
	json_decref(doc);
	S_expect_saved_refused(&r, NULL, 1, "names no company");
	cr_expect_not_null(strstr(r.err, "plan again"), "%s", r.err);
	pdh_t_run_dispose(&r);
}

/* The fake serves /users/me as Pipedrive does: with a token only, GET only. */
Test(target, fake_users_me_needs_a_token)
{
	json_t *doc;
	pdh_t_http h;

	doc = pdh_t_fake_api_json(W.fake, "x-api-token: tok-b", "GET", "/users/me", NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "data"),
	                                                "company_id")), 7);
	json_decref(doc);
	pdh_t_fake_api(&h, W.fake, NULL, "GET", "/users/me", NULL);
	cr_expect_eq(h.status, 401);
	free(h.body);
	free(h.headers);
	pdh_t_fake_api(&h, W.fake, "x-api-token: tok-b", "POST", "/users/me", NULL);
	cr_expect_eq(h.status, 405);
	free(h.body);
	free(h.headers);
}

/* A fleet's report names each account's company the same way: an empty company by
 * /users/me, in the account's company_id and in its plan's target. */
PDH_T_FLEET_SUITE(F, target_fleet, 1, DESIRED);

Test(target_fleet, report_names_an_empty_companys_company)
{
	char *accounts[] = { pdh_t_fleet_account(&F, "acme", 0, NULL), NULL };
	json_error_t e;
	json_t *doc, *a, *t;
	pdh_t_run r;

	pdh_t_fleet_write(&F, accounts);
	pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	doc = json_loads(r.out, 0, &e);
	cr_assert_not_null(doc, "%s", e.text);
	a = json_array_get(json_object_get(doc, "accounts"), 0);
	cr_expect_eq(json_integer_value(json_object_get(a, "company_id")), 101, "%s", r.out);
	t = json_object_get(json_object_get(a, "plan"), "target");
	cr_expect_eq(json_integer_value(json_object_get(t, "company_id")), 101, "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(t, "company_name")), "Company 101");
	json_decref(doc);
	pdh_t_run_dispose(&r);
}
