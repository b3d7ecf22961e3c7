/* Pipedrive's meter end to end: what each run's calls cost from the company's daily token
 * budget (text, JSON, metrics), the budget 429 that is never retried and stops that company
 * at once (exit 5, or 1 after a write; in a fleet only that account, unavailable, reason
 * budget), the burst 429 still retried, and apply's --min-daily-tokens brake. Against
 * pdhooks-fake with --daily-budget over real HTTP; the fake keeps its own account of the
 * tokens (GET /_fake/meter), which the runs' figures must match. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/cost.h"
#include "pdhooks/retry.h"
#include "testutil.h"
#include "world.h"

/* Two declared webhooks, both missing, and one owned live webhook not declared: a plan of two
 * creates and one delete, 2 x 10 + 6 + 10 (the verification listing) = 36 tokens to apply. */
#define DESIRED                                                                          \
	PDH_T_YAML_HEAD                                                                  \
	PDH_T_YAML_HOOK("a", "create", "deal", "https://hooks.example.com/a")            \
	PDH_T_YAML_HOOK("b", "create", "person", "https://hooks.example.com/b")
#define SEED                                                                             \
	"[{\"id\":7,\"name\":\"old\",\"event_action\":\"change\",\"event_object\":\"deal\"," \
	"\"subscription_url\":\"https://hooks.example.com/old\"}]"
#define APPLY_COST 36

#define SPENT "the company's daily API budget is spent"

static pdh_t_world W;

static void S_setup(void)
{
	pdh_t_world_setup(&W, (char *[]){ "--daily-budget", "30000", NULL }, DESIRED);
	pdh_t_world_seed(&W, SEED);
}

static void S_teardown(void)
{
	pdh_t_world_teardown(&W);
}

TestSuite(meter, .init = S_setup, .fini = S_teardown, .timeout = 120);

/* The fake's meter of the --token company: {"daily_budget","remaining","tokens","calls"}. */
static json_t *S_meter(pdh_t_fake *f, const char *company)
{
	char *path = company ? pdh_xasprintf("/_fake/meter?company=%s", company)
	                     : pdh_xstrdup("/_fake/meter");
	char *body = NULL;
	json_t *j;

	cr_assert_eq(pdh_t_fake_control(f, "GET", path, NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	cr_assert_not_null(j, "%s", body);
	free(body);
	free(path);
	return j;
}

static long long S_meter_num(pdh_t_fake *f, const char *key)
{
	json_t *j = S_meter(f, NULL);
	long long v = (long long)json_integer_value(json_object_get(j, key));

	json_decref(j);
	return v;
}

/* What the company has left; the calls and tokens counted from zero. */
static void S_left(pdh_t_fake *f, long left)
{
	char *json = pdh_xasprintf("{\"remaining\":%ld}", left);

	cr_assert_eq(pdh_t_fake_control(f, "POST", "/_fake/meter/reset", NULL, NULL), 200);
	cr_assert_eq(pdh_t_fake_control(f, "POST", "/_fake/meter", json, NULL), 200);
	cr_assert_eq(pdh_t_fake_control(f, "POST", "/_fake/calls/reset", NULL, NULL), 200);
	{
		json_t *j = S_meter(f, NULL);

		cr_assert_eq(json_integer_value(json_object_get(j, "remaining")), left);
		json_decref(j);
	}
	free(json);
}

static json_t *S_json(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	cr_assert_not_null(j, "not JSON: %s", text);
	return j;
}

static json_int_t S_int(json_t *doc, const char *obj, const char *key)
{
	json_t *v = json_object_get(json_object_get(doc, obj), key);

	cr_assert(json_is_integer(v), "%s.%s is not an integer", obj, key);
	return json_integer_value(v);
}

/* ---- the table ---- */

Test(meter, one_table_prices_every_call_by_method_and_path)
{
	cr_expect_eq(pdh_call_cost_of("GET", "/webhooks"), 10);
	cr_expect_eq(pdh_call_cost_of("POST", "/webhooks"), 10);
	cr_expect_eq(pdh_call_cost_of("DELETE", "/webhooks/42"), 6);
	cr_expect_eq(pdh_call_cost_of("GET", "/users/me"), 2);
	cr_expect_eq(pdh_call_kind_of("GET", "/webhooks?limit=1"), PDH_CALL_LIST_WEBHOOKS);
	cr_expect_eq(pdh_call_kind_of("DELETE", "/webhooks/"), -1);
	cr_expect_eq(pdh_call_kind_of("DELETE", "/webhooks/1/2"), -1);
	cr_expect_eq(pdh_call_cost_of("PUT", "/webhooks"), 0);
	cr_expect_eq(pdh_cost_apply(2, 1), APPLY_COST);
	cr_expect_eq(pdh_cost_apply(0, 0), 0, "nothing to do: no call, not even the verification");
}

Test(meter, only_a_429_with_no_budget_left_is_the_budget)
{
	pdh_http_result r;
	pdh_retry_decision d;
	const char *spent = "x-daily-ratelimit-token-remaining: 0\r\n";
	const char *left = "x-daily-ratelimit-token-remaining: 12\r\n";

	pdh_http_result_init(&r);
	r.status = 429;
	d = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 1, 0, 0.5);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN, "no header: a burst 429");
	pdh_http_parse_header(&r, left, strlen(left), 0);
	d = pdh_retry_decide(NULL, PDH_METHOD_GET, &r, 1, 0, 0.5);
	cr_expect_eq(d.verdict, PDH_RETRY_AGAIN, "budget left: a burst 429");
	cr_expect_not(d.budget_spent);
	pdh_http_parse_header(&r, spent, strlen(spent), 0);
	for (int m = PDH_METHOD_GET; m <= PDH_METHOD_DELETE; m++) {
		d = pdh_retry_decide(NULL, (pdh_http_method)m, &r, 1, 0, 0.5);
		cr_expect_eq(d.verdict, PDH_RETRY_GIVE_UP, "a spent budget is never retried");
		cr_expect(d.budget_spent);
	}
	r.status = 200;
	cr_expect_not(pdh_retry_budget_spent(&r), "an answer with nothing left is no refusal");
}

/* ---- what a run spent ---- */

Test(meter, plan_says_its_calls_its_tokens_and_what_applying_costs)
{
	pdh_t_run r;
	json_t *j;
	char *want;

	pdh_t_world_run(&r, &W, NULL, "plan", "--no-color", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	want = pdh_xasprintf("(1 API call, 10 tokens; applying it costs %d tokens; 29990 daily "
	                     "tokens left)\n", APPLY_COST);
	cr_expect_not_null(strstr(r.out, want), "%s", r.out);
	free(want);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &W, NULL, "plan", "--format", "json", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	j = S_json(r.out);
	cr_expect_eq(S_int(j, "summary", "tokens"), 10);
	cr_expect_eq(S_int(j, "summary", "apply_tokens"), APPLY_COST);
	cr_expect_eq(S_int(j, "summary", "daily_tokens_remaining"), 29980);
	json_decref(j);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &W, NULL, "plan", "--format", "markdown", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "(1 API call, 10 tokens; applying it costs 36 tokens"),
	                   "%s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &W, NULL, "status", "--no-color", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "(1 API call, 10 tokens; 29960 daily tokens left)\n"),
	                   "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(meter, apply_json_tokens_are_what_the_fake_charged)
{
	pdh_t_run r;
	json_t *j;
	long long charged;

	S_left(W.fake, 30000);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--format", "json",
	                NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_world_check_apply_json(&W, r.out);
	j = S_json(r.out);
	charged = S_meter_num(W.fake, "tokens");
	/* the listing, two POSTs, one DELETE, the verification listing */
	cr_expect_eq(charged, 10 + 10 + 10 + 6 + 10);
	cr_expect_eq(S_int(j, "summary", "tokens"), charged, "summary.tokens %lld, the fake "
	             "charged %lld", (long long)S_int(j, "summary", "tokens"), charged);
	cr_expect_eq(S_int(j, "summary", "daily_tokens_remaining"), 30000 - charged,
	             "the budget header's decrease");
	cr_expect_eq(S_int(j, "summary", "calls"), S_meter_num(W.fake, "calls"));
	json_decref(j);
	pdh_t_run_dispose(&r);

	/* text: the summary line says both */
	S_left(W.fake, 30000);
	pdh_t_world_desired(&W, PDH_T_YAML_HEAD
	                    PDH_T_YAML_HOOK("a", "create", "deal", "https://hooks.example.com/a"));
	pdh_t_world_run(&r, &W, NULL, "apply", "--no-color", "-f", W.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Apply: 0 created, 1 deleted, 0 failed, 0 not run (3 API "
	                                 "calls, 26 tokens; 29974 daily tokens left)."),
	                   "%s", r.out);
	cr_expect_eq(S_meter_num(W.fake, "tokens"), 26);
	pdh_t_run_dispose(&r);
}

Test(meter, metrics_file_carries_the_tokens_and_the_budget_left)
{
	char *prom = pdh_t_world_path(&W, "m.prom"), *text;

	text = pdh_t_world_metrics(&W, "plan", prom);
	cr_expect_not_null(strstr(text, "# TYPE pdhooks_api_tokens gauge\n"), "%s", text);
	cr_expect_not_null(strstr(text, "pdhooks_api_tokens{command=\"plan\",file=\""), "%s", text);
	cr_expect_not_null(strstr(text, "\"} 10\n"), "%s", text);
	cr_expect_not_null(strstr(text, "pdhooks_daily_tokens_remaining{command=\"plan\""), "%s",
	                   text);
	cr_expect_not_null(strstr(text, "\"} 29990\n"), "%s", text);
	free(text);
	cr_expect_eq(pdh_t_python(NULL, "check_metrics.py", NULL, prom, (char *)NULL), 0);

	/* without the header (no --daily-budget): the tokens, and no budget metric */
	pdh_t_world_teardown(&W);
	pdh_t_world_setup(&W, NULL, DESIRED);
	free(prom);
	prom = pdh_t_world_path(&W, "m.prom");
	text = pdh_t_world_metrics(&W, "status", prom);
	cr_expect_not_null(strstr(text, "pdhooks_api_tokens{command=\"status\""), "%s", text);
	cr_expect_null(strstr(text, "pdhooks_daily_tokens_remaining"), "%s", text);
	free(text);
	free(prom);
}

/* ---- the budget 429 and the burst 429 ---- */

Test(meter, a_spent_budget_costs_one_call_and_exits_5)
{
	const char *cmds[] = { "plan", "status", "apply" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		pdh_t_run r;

		S_left(W.fake, 0);
		pdh_t_world_run(&r, &W, NULL, cmds[i], "-f", W.file,
		                strcmp(cmds[i], "apply") == 0 ? "--auto-approve" : NULL, NULL);
		cr_expect_eq(r.status, 5, "%s: %s", cmds[i], r.err);
		cr_expect_not_null(strstr(r.err, SPENT), "%s: %s", cmds[i], r.err);
		cr_expect_not_null(strstr(r.err, "it resets at "), "%s: %s", cmds[i], r.err);
		pdh_t_world_expect_calls(&W, 1, 0, 0);
		pdh_t_run_dispose(&r);
	}
}

Test(meter, a_spent_budget_mid_apply_exits_1_and_calls_no_more)
{
	pdh_t_run r;
	char *log;

	/* the listing (10) and one POST (10), then nothing left */
	S_left(W.fake, 20);
	pdh_t_world_run(&r, &W, NULL, "apply", "--no-color", "-f", W.file, "--auto-approve",
	                "--parallelism", "1", "--force", NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, SPENT), "%s", r.err);
	cr_expect_not_null(strstr(r.out, "Stopped: " SPENT), "%s", r.out);
	/* one POST made the webhook, the next met the 429; no DELETE, no verification listing */
	pdh_t_world_expect_calls(&W, 1, 2, 0);
	log = pdh_t_world_call_log(&W);
	cr_expect_eq(pdh_t_count(log, " 429"), 1, "%s", log);
	cr_expect_not_null(strstr(log, "POST /v1/webhooks 429\n"), "the last call: %s", log);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 2, "the old webhook is kept");
	free(log);
	pdh_t_run_dispose(&r);

	/* nothing written: exit 5 */
	S_left(W.fake, 10);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--force",
	                "--format", "json", NULL);
	cr_expect_eq(r.status, 5, "%s%s", r.out, r.err);
	pdh_t_world_check_apply_json(&W, r.out);
	pdh_t_world_expect_calls(&W, 1, 1, 0);
	pdh_t_run_dispose(&r);
}

Test(meter, a_burst_429_is_still_retried)
{
	pdh_t_run r;

	/* with the budget header (plenty left) and without it */
	for (int with_header = 1; with_header >= 0; with_header--) {
		if (!with_header) {
			pdh_t_world_teardown(&W);
			pdh_t_world_setup(&W, NULL, DESIRED);
			pdh_t_world_seed(&W, SEED);   /* a company its listing names */
		}
		pdh_t_world_reset_calls(&W);
		pdh_t_world_fail(&W, "\"GET:429\"");
		pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, NULL);
		cr_expect_eq(r.status, 0, "header %d: %s", with_header, r.err);
		cr_expect_null(strstr(r.err, SPENT), "%s", r.err);
		pdh_t_world_expect_calls(&W, 2, 0, 0);
		pdh_t_run_dispose(&r);
	}
}

/* ---- --min-daily-tokens ---- */

Test(meter, the_reserve_brake_refuses_before_any_write)
{
	char *plan = pdh_t_world_path(&W, "pdhooks.plan");
	pdh_t_run r;

	/* 100 left, 90 after the listing: 90 < 36 + 60 */
	S_left(W.fake, 100);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve",
	                "--min-daily-tokens", "60", NULL);
	cr_expect_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "refused: the company's daily API budget has 90 tokens "
	                                 "left, below the 36 this plan costs plus "
	                                 "--min-daily-tokens 60 (use --force to apply anyway)"),
	                   "%s", r.err);
	pdh_t_world_expect_calls(&W, 1, 0, 0);
	pdh_t_run_dispose(&r);

	/* 90 >= 36 + 54: applied */
	S_left(W.fake, 100);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve",
	                "--min-daily-tokens", "54", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_world_expect_calls(&W, 2, 2, 1);
	pdh_t_run_dispose(&r);

	/* a saved plan: checked from apply's own listing */
	pdh_t_world_seed(&W, SEED);
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "-o", plan, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	S_left(W.fake, 40);   /* 30 after apply's listing, below 36 */
	pdh_t_world_run(&r, &W, NULL, "apply", "--auto-approve", plan, NULL);
	cr_expect_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "has 30 tokens left, below the 36"), "%s", r.err);
	pdh_t_world_expect_calls(&W, 1, 0, 0);
	pdh_t_run_dispose(&r);
	free(plan);
}

/* ---- a fleet ---- */

#define FLEET_DESIRED PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", \
	"https://hooks.example.com/${TENANT}/deals")

/* Two companies with 1000 tokens a day each: acme and globex. */
static void S_two_accounts(pdh_t_fleet *f)
{
	char *accounts[3];

	pdh_t_fleet_setup(f, 2, (char *[]){ "--daily-budget", "1000", NULL }, FLEET_DESIRED);
	accounts[0] = pdh_t_fleet_account(f, "acme", 0, "vars: { TENANT: acme }");
	accounts[1] = pdh_t_fleet_account(f, "globex", 1, "vars: { TENANT: globex }");
	accounts[2] = NULL;
	pdh_t_fleet_write(f, accounts);
}

Test(meter, a_fleet_stops_only_the_account_whose_budget_is_spent)
{
	pdh_t_fleet f;
	pdh_t_run r;
	json_t *j, *acc;
	const char *cmds[] = { "plan", "apply" };

	S_two_accounts(&f);
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		S_left(f.fakes[0], 1000);
		S_left(f.fakes[1], 0);
		pdh_t_pdhooks(&r, f.env, NULL, cmds[c], "--fleet", f.fleet, "--format", "json",
		              c == 1 ? "--auto-approve" : NULL, NULL);
		cr_expect_eq(r.status, 5, "%s: %s", cmds[c], r.err);
		j = S_json(r.out);
		acc = json_array_get(json_object_get(j, "accounts"), 0);
		cr_expect_str_eq(json_string_value(json_object_get(acc, "outcome")),
		                 c == 0 ? "changes" : "applied", "%s", r.out);
		cr_expect_null(json_object_get(acc, "reason"));
		/* every call made for the account in the command is in its tokens (apply's listing
		 * pass before any write included) */
		cr_expect_eq(json_integer_value(json_object_get(acc, "tokens")),
		             S_meter_num(f.fakes[0], "tokens"), "%s: %s", cmds[c], r.out);
		acc = json_array_get(json_object_get(j, "accounts"), 1);
		cr_expect_str_eq(json_string_value(json_object_get(acc, "outcome")), "unavailable");
		cr_expect_str_eq(json_string_value(json_object_get(acc, "reason")), "budget", "%s",
		                 r.out);
		cr_expect_not_null(strstr(json_string_value(json_object_get(acc, "error")), SPENT));
		cr_expect_eq(json_integer_value(json_object_get(acc, "daily_tokens_remaining")), 0);
		cr_expect_eq(S_int(j, "summary", "unavailable"), 1);
		json_decref(j);
		cr_expect_eq(pdh_t_fake_calls(f.fakes[1], "POST") + pdh_t_fake_calls(f.fakes[1],
		             "DELETE"), 0, "%s: nothing sent to the spent company", cmds[c]);
		/* plan asks the spent company once (its one pass also checks for one company in
		 * two accounts); apply --auto-approve twice: the listing pass before any write,
		 * then its own */
		cr_expect_eq(pdh_t_fake_calls(f.fakes[1], NULL), c == 0 ? 1 : 2,
		             "%s: calls to the spent company", cmds[c]);
		pdh_t_run_dispose(&r);
	}
	pdh_t_fleet_teardown(&f);
}

Test(meter, a_fleet_apply_keeps_the_reserve_per_account)
{
	pdh_t_fleet f;
	pdh_t_run r;
	json_t *j;

	S_two_accounts(&f);
	S_left(f.fakes[0], 1000);
	S_left(f.fakes[1], 15);   /* at most 5 left after the listing: below 20 + 100 */
	pdh_t_pdhooks(&r, f.env, NULL, "apply", "--fleet", f.fleet, "--format", "json",
	              "--auto-approve", "--min-daily-tokens", "100", NULL);
	cr_expect_eq(r.status, 3, "%s", r.err);
	j = S_json(r.out);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j,
	                 "accounts"), 0), "outcome")), "applied", "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j,
	                 "accounts"), 1), "outcome")), "refused", "%s", r.out);
	cr_expect_not_null(strstr(r.out, "plus --min-daily-tokens 100"), "%s", r.out);
	json_decref(j);
	cr_expect_eq(pdh_t_fake_calls(f.fakes[1], "POST"), 0);
	pdh_t_run_dispose(&r);
	pdh_t_fleet_teardown(&f);
}

/* The fleet's text and Markdown summary lines say what the run spent, as the fakes counted it
 * (their calls, and their meters' tokens): plan and apply of one account (no listing pass
 * before the run), status of two. */
static void S_expect_fleet_spent(pdh_t_fleet *f, const char *const args[], const char *head)
{
	pdh_t_run r;
	long long calls = 0, tokens = 0;

	for (size_t i = 0; i < f->n; i++)
		S_left(f->fakes[i], 1000);
	pdh_t_pdhooks(&r, f->env, NULL, args[0], "--fleet", f->fleet, args[1], args[2], args[3],
	              args[4], NULL);
	cr_expect(r.status == 0 || r.status == 2, "%s: exit %d\n%s%s", args[0], r.status, r.out,
	          r.err);
	for (size_t i = 0; i < f->n; i++) {
		calls += pdh_t_fake_calls(f->fakes[i], NULL);
		tokens += S_meter_num(f->fakes[i], "tokens");
	}
	cr_expect_gt(tokens, 0);
	pdh_t_fleet_expect_summary(r.out, head, calls, tokens);
	pdh_t_run_dispose(&r);
}

Test(meter, a_fleet_summary_says_the_calls_and_tokens_the_fakes_counted)
{
	pdh_t_fleet f;

	S_two_accounts(&f);
	S_expect_fleet_spent(&f, (const char *const[]){ "plan", "--account", "acme", NULL, NULL },
	                     "Fleet: 0 in sync, 1 with changes, 0 failed (1 account");
	S_expect_fleet_spent(&f, (const char *const[]){ "plan", "--account", "acme", "--format",
	                                               "markdown" },
	                     "**Fleet: 0 in sync, 1 with changes, 0 failed (1 account");
	S_expect_fleet_spent(&f, (const char *const[]){ "apply", "--account", "acme",
	                                               "--auto-approve", NULL },
	                     "Fleet: 0 in sync, 1 applied, 0 failed (1 account");
	S_expect_fleet_spent(&f, (const char *const[]){ "status", NULL, NULL, NULL, NULL },
	                     "Fleet: 2 healthy, 0 unhealthy, 0 failed (2 accounts");
	pdh_t_fleet_teardown(&f);
}

/* The JSON report's summary sums its accounts' calls and tokens, and merge sums the shards'. */
Test(meter, a_fleet_reports_calls_and_tokens_summed_and_merge_sums_them_again)
{
	pdh_t_fleet f;
	pdh_t_run r;
	json_t *j;
	char *paths[2];
	long long calls = 0, tokens = 0;

	S_two_accounts(&f);
	pdh_t_pdhooks(&r, f.env, NULL, "plan", "--fleet", f.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	j = S_json(r.out);
	for (size_t i = 0; i < 2; i++) {
		json_t *a = json_array_get(json_object_get(j, "accounts"), i);

		cr_expect_gt(json_integer_value(json_object_get(a, "calls")), 0, "%s", r.out);
		calls += json_integer_value(json_object_get(a, "calls"));
		tokens += json_integer_value(json_object_get(a, "tokens"));
	}
	cr_expect_eq(S_int(j, "summary", "calls"), calls, "%s", r.out);
	cr_expect_eq(S_int(j, "summary", "tokens"), tokens, "%s", r.out);
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);

	pdh_t_fleet_shard_reports(&f, paths);
	pdh_t_pdhooks(&r, f.env, NULL, "merge", paths[0], paths[1], NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 0 in sync, 2 with changes, 0 failed (2 accounts",
	                           calls, tokens);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, f.env, NULL, "merge", paths[0], paths[1], "--format", "json", NULL);
	j = S_json(r.out);
	cr_expect_eq(S_int(j, "summary", "calls"), calls, "%s", r.out);
	cr_expect_eq(S_int(j, "summary", "tokens"), tokens, "%s", r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
	free(paths[0]);
	free(paths[1]);
	pdh_t_fleet_teardown(&f);
}

/* export says what its listing cost, as plan does, and -v shows each call's cost on its line:
 * the fake's meter agrees. */
Test(meter, export_and_verbose_lines_say_what_the_calls_cost)
{
	pdh_t_run r;
	char *want;

	S_left(W.fake, 1000);
	pdh_t_world_run(&r, &W, NULL, "export", "-v", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(S_meter_num(W.fake, "tokens"), 10);
	cr_expect_not_null(strstr(r.err, "pdhooks: exported 1 webhook (1 API call, 10 tokens; 990 "
	                          "daily tokens left)\n"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "GET /v1/webhooks 200 "), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "ms 10 tokens (correlation id "), "%s", r.err);
	pdh_t_run_dispose(&r);

	/* apply -v: each POST and DELETE line with its own cost; the summary as the fake counts */
	S_left(W.fake, 1000);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--force", "-v",
	                "--no-color", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_count(r.err, "ms 10 tokens"), 4, "2 listings, 2 POSTs: %s", r.err);
	cr_expect_eq(pdh_t_count(r.err, "ms 6 tokens"), 1, "1 DELETE: %s", r.err);
	want = pdh_xasprintf("(5 API calls, %lld tokens;", S_meter_num(W.fake, "tokens"));
	cr_expect_not_null(strstr(r.out, want), "%s", r.out);
	free(want);
	pdh_t_run_dispose(&r);
}
