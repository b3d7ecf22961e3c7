/* Companies whose Pipedrive account is not open (402: trial ended, unpaid) and fleet accounts
 * that say enabled: false. A 402 is never retried and exits 1 saying what it means; in a fleet
 * that account is `closed` and the others go on. A disabled account is skipped (reason
 * disabled) without any call and without its token source being used, in every output. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "world.h"

#define S_CLOSED_TEXT "the company's Pipedrive account is not open (trial ended or unpaid)"
#define S_EMPTY "pdhooks: 1\nwebhooks: []\n"

static json_t *S_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, text);
	return j;
}

/* ---- one company ---- */

TestSuite(closed, .timeout = 60);

/* plan, status and apply of a closed company: one GET, exit 1, the meaning in words with
 * Pipedrive's own text; never 5 (it is not "could not check"). */
Test(closed, single_company_402_is_exit_1_in_words_never_retried)
{
	static const char *const cmds[] = { "plan", "status", "apply" };

	for (size_t i = 0; i < 3; i++) {
		pdh_t_world w;
		pdh_t_run r;

		pdh_t_world_setup(&w, (char *[]){ "--fail", "*:402:50", NULL }, PDH_T_ONE_DEAL_DESIRED);
		if (strcmp(cmds[i], "apply") == 0)
			pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
		else
			pdh_t_world_run(&r, &w, NULL, cmds[i], "-f", w.file, NULL);
		cr_expect_eq(r.status, 1, "%s: exit %d\n%s", cmds[i], r.status, r.err);
		cr_expect_not_null(strstr(r.err, S_CLOSED_TEXT), "%s: %s", cmds[i], r.err);
		cr_expect_not_null(strstr(r.err, "402"), "%s: %s", cmds[i], r.err);
		cr_expect_not_null(strstr(r.err, "Company account is not open"), "%s: %s", cmds[i],
		                   r.err);
		pdh_t_world_expect_calls(&w, 1, 0, 0);
		pdh_t_run_dispose(&r);
		pdh_t_world_teardown(&w);
	}
}

/* The account closes during an apply: the POST answered 402 is not retried, and the run says
 * why it failed. */
Test(closed, a_402_during_apply_is_not_retried_and_named)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *step;

	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:402:50", NULL }, PDH_T_ONE_DEAL_DESIRED);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--format", "json",
	                NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.err, S_CLOSED_TEXT), "%s", r.err);
	/* list, /users/me (the company is empty), the POST once; no verification listing */
	pdh_t_world_expect_calls(&w, 2, 1, 0);
	doc = S_json(r.out);
	step = json_array_get(json_object_get(doc, "steps"), 0);
	cr_expect_eq(json_integer_value(json_object_get(step, "http_status")), 402);
	cr_expect_eq(json_integer_value(json_object_get(step, "attempts")), 1);
	cr_expect_not_null(strstr(json_string_value(json_object_get(step, "error")), S_CLOSED_TEXT),
	                   "%s", r.out);
	pdh_t_world_check_apply_json(&w, r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* Three creates, one at a time: the first POST is answered 402, and no further call goes to
 * the company (no other step, no verification listing); the steps not sent are not run, in
 * text and JSON, and the run exits 1 in the 402's words. */
#define S_THREE_DESIRED                                                                  \
	PDH_T_YAML_HEAD                                                                  \
	PDH_T_YAML_HOOK("a", "create", "deal", "https://hooks.example.com/a")            \
	PDH_T_YAML_HOOK("b", "create", "person", "https://hooks.example.com/b")          \
	PDH_T_YAML_HOOK("c", "create", "organization", "https://hooks.example.com/c")

Test(closed, a_402_during_apply_stops_every_further_call)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *steps, *sum;
	size_t not_run = 0;

	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:402:50", NULL }, S_THREE_DESIRED);
	pdh_t_world_run(&r, &w, NULL, "apply", "--no-color", "-f", w.file, "--auto-approve",
	                "--parallelism", "1", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.err, S_CLOSED_TEXT), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "Company account is not open"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "no further call was made"), "%s", r.err);
	cr_expect_null(strstr(r.err, "could not"), "not a check that failed: %s", r.err);
	/* list, /users/me (the company is empty), one POST */
	pdh_t_world_expect_calls(&w, 2, 1, 0);
	cr_expect_not_null(strstr(r.out, "Apply: 0 created, 0 deleted, 1 failed, 2 not run"), "%s",
	                   r.out);
	cr_expect_eq(pdh_t_count(r.out, "\nnot run  create "), 2, "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Not run:\n"), "%s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_world_reset_calls(&w);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--parallelism",
	                "1", "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	pdh_t_world_expect_calls(&w, 2, 1, 0);
	doc = S_json(r.out);
	steps = json_object_get(doc, "steps");
	cr_expect_eq(json_array_size(steps), 3, "%s", r.out);
	for (size_t i = 0; i < json_array_size(steps); i++) {
		json_t *st = json_array_get(steps, i);
		const char *outcome = json_string_value(json_object_get(st, "outcome"));

		if (json_integer_value(json_object_get(st, "http_status")) == 402)
			continue;
		cr_expect_str_eq(outcome ? outcome : "(none)", "not_run", "%s", r.out);
		cr_expect_eq(json_integer_value(json_object_get(st, "attempts")), 0, "%s", r.out);
		not_run++;
	}
	cr_expect_eq(not_run, 2, "%s", r.out);
	sum = json_object_get(doc, "summary");
	cr_expect_eq(json_integer_value(json_object_get(sum, "not_run")), 2, "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(sum, "failed")), 1, "%s", r.out);
	pdh_t_world_check_apply_json(&w, r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* ---- fleets ---- */

PDH_T_FLEET_SUITE(W, closed_fleet, 3, S_EMPTY);

/* An entry of company i whose token would come from a command that leaves a mark; with
 * enabled: false it must never run. */
static char *S_disabled_account(const char *name, size_t i, const char *enabled)
{
	return pdh_xasprintf("  - name: %s\n    api_url: %s\n    token_command: [sh, -c, "
	                     "\"touch token-command-ran; echo tok-%zu\"]\n    enabled: %s\n",
	                     name, pdh_t_fake_url(W.fakes[i]), i, enabled);
}

/* ok (company 0), shut (company 1: every call 402), off (company 2, enabled: false). */
static void S_three(void)
{
	char *acc[4];

	cr_assert_eq(pdh_t_fake_control(W.fakes[1], "POST", "/_fake/fail", "\"*:402:1000\"", NULL),
	             200);
	acc[0] = pdh_t_fleet_account(&W, "ok", 0, NULL);
	acc[1] = pdh_t_fleet_account(&W, "shut", 1, NULL);
	acc[2] = S_disabled_account("off", 2, "false");
	acc[3] = NULL;
	pdh_t_fleet_write(&W, acc);
}

static void S_expect_untouched(void)
{
	char *mark = pdh_xasprintf("%s/token-command-ran", W.dir);

	cr_expect_eq(pdh_t_fake_calls(W.fakes[2], NULL), 0, "the disabled account was called");
	cr_expect_neq(access(mark, F_OK), 0, "the disabled account's token_command ran");
	free(mark);
}

/* The JSON report (and, merged, the same): shut closed with the 402's meaning, ok in sync,
 * off skipped for reason disabled; the fleet exits 1 for the closed one. */
static void S_expect_json(const char *text)
{
	json_t *j = S_json(text), *a, *sum = NULL;

	a = pdh_t_report_account(j, "shut");
	cr_expect_str_eq(json_string_value(json_object_get(a, "outcome")), "closed", "%s", text);
	cr_expect_eq(json_integer_value(json_object_get(a, "exit_code")), 1);
	cr_expect_not_null(strstr(json_string_value(json_object_get(a, "error")), S_CLOSED_TEXT),
	                   "%s", text);
	a = pdh_t_report_account(j, "ok");
	cr_expect_str_eq(json_string_value(json_object_get(a, "outcome")), "in_sync", "%s", text);
	a = pdh_t_report_account(j, "off");
	cr_expect_str_eq(json_string_value(json_object_get(a, "outcome")), "skipped", "%s", text);
	cr_expect_str_eq(json_string_value(json_object_get(a, "reason")), "disabled", "%s", text);
	cr_expect_eq(json_integer_value(json_object_get(a, "exit_code")), 0);
	sum = json_object_get(j, "summary");
	cr_expect_eq(json_integer_value(json_object_get(sum, "closed")), 1, "%s", text);
	cr_expect_eq(json_integer_value(json_object_get(sum, "skipped")), 1, "%s", text);
	cr_expect_eq(json_integer_value(json_object_get(sum, "exit_code")), 1, "%s", text);
	pdh_t_fleet_check_report(text);
	json_decref(j);
}

Test(closed_fleet, a_closed_company_is_closed_the_others_go_on_json_and_merge)
{
	char *report = pdh_xasprintf("%s/fleet-report.json", W.dir);
	pdh_t_run r;

	S_three();
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	S_expect_json(r.out);
	/* the closed company was asked once, never retried (the plan's one pass also looks for
	 * one company in two accounts: there is no second listing pass, which made it 2); a
	 * healthy empty one lists once and asks /users/me for its company (was 3: 2 listings) */
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], NULL), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "GET"), 2);
	S_expect_untouched();
	pdh_t_write_file(report, r.out);
	pdh_t_run_dispose(&r);

	pdh_t_pdhooks(&r, W.env, NULL, "merge", report, "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	S_expect_json(r.out);
	pdh_t_run_dispose(&r);

	pdh_t_pdhooks(&r, W.env, NULL, "merge", report, NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.out, "disabled"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "closed"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "1 closed"), "%s", r.out);
	pdh_t_run_dispose(&r);
	free(report);
}

/* Text and Markdown say the same: the table's rows and the summary. */
Test(closed_fleet, text_and_markdown_show_closed_and_disabled)
{
	const char *fmts[] = { "text", "markdown" };
	pdh_t_run r;

	S_three();
	for (size_t i = 0; i < 2; i++) {
		char *line;

		pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", fmts[i], NULL);
		cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
		line = strstr(r.out, i == 0 ? "\nshut " : "| shut |");
		cr_expect(line && strstr(line, "closed") && strstr(line, "closed") <
		          strchr(line + 1, '\n'), "%s", r.out);
		line = strstr(r.out, i == 0 ? "\noff " : "| off |");
		cr_expect(line && strstr(line, "skipped") && strstr(line, "disabled") &&
		          strstr(line, "disabled") < strchr(line + 1, '\n'), "%s", r.out);
		cr_expect_not_null(strstr(r.out, "1 closed"), "%s", r.out);
		cr_expect_not_null(strstr(r.out, "1 skipped"), "%s", r.out);
		pdh_t_run_dispose(&r);
	}
	S_expect_untouched();
}

/* apply and status too: the closed account closed, the others done. */
Test(closed_fleet, apply_and_status_fleets)
{
	pdh_t_run r;
	json_t *j;

	S_three();
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--format",
	              "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	S_expect_json(r.out);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "status", "--fleet", W.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	j = S_json(r.out);
	cr_expect_str_eq(json_string_value(json_object_get(pdh_t_report_account(j, "shut"), "outcome")),
	                 "closed", "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(pdh_t_report_account(j, "ok"), "outcome")),
	                 "healthy", "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(pdh_t_report_account(j, "off"), "reason")),
	                 "disabled", "%s", r.out);
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "status", "--fleet", W.fleet, NULL);
	cr_expect_not_null(strstr(r.out, "1 closed"), "%s", r.out);
	pdh_t_run_dispose(&r);
	S_expect_untouched();
}

/* A company whose account closes during a fleet apply (its POST answered 402): that account
 * stops at once (closed, one POST, no verification listing), the others are applied. */
Test(closed_fleet, a_402_during_a_fleet_apply_stops_only_that_account)
{
	char *acc[3];
	pdh_t_run r;
	json_t *j, *a;

	pdh_t_fleet_teardown(&W);
	pdh_t_fleet_setup(&W, 2, NULL, S_THREE_DESIRED);
	cr_assert_eq(pdh_t_fake_control(W.fakes[1], "POST", "/_fake/fail", "\"POST:402:1000\"",
	                                NULL), 200);
	acc[0] = pdh_t_fleet_account(&W, "ok", 0, NULL);
	acc[1] = pdh_t_fleet_account(&W, "shut", 1, NULL);
	acc[2] = NULL;
	pdh_t_fleet_write(&W, acc);
	cr_assert_eq(pdh_t_fake_control(W.fakes[1], "POST", "/_fake/calls/reset", NULL, NULL), 200);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	              "--parallelism", "1", "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	j = S_json(r.out);
	a = pdh_t_report_account(j, "shut");
	cr_expect_str_eq(json_string_value(json_object_get(a, "outcome")), "closed", "%s", r.out);
	cr_expect_not_null(strstr(json_string_value(json_object_get(a, "error")), S_CLOSED_TEXT),
	                   "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(a, "apply"), "not_run")), 2,
	             "%s", r.out);
	cr_expect(json_is_false(json_object_get(json_object_get(a, "apply"), "verified")), "%s",
	          r.out);
	a = pdh_t_report_account(j, "ok");
	cr_expect_str_eq(json_string_value(json_object_get(a, "outcome")), "applied", "%s", r.out);
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "POST"), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 3);
	pdh_t_run_dispose(&r);
}

/* A disabled account does not count against the fleet's exit code, with or without
 * --detailed-exitcode, even though its token source would fail. */
Test(closed_fleet, a_disabled_account_leaves_the_exit_code_alone)
{
	char *acc[3];
	pdh_t_run r;

	acc[0] = pdh_t_fleet_account(&W, "ok", 0, NULL);
	acc[1] = pdh_xasprintf("  - name: off\n    api_url: %s\n    token_env: PDH_T_NOT_SET\n"
	                       "    enabled: false\n", pdh_t_fake_url(W.fakes[2]));
	acc[2] = NULL;
	pdh_t_fleet_write(&W, acc);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.out, "disabled"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[2], NULL), 0);
}

/* enabled must be a boolean: validate --fleet names the spot. */
Test(closed_fleet, enabled_not_a_boolean_is_refused_at_its_spot)
{
	char *acc[2];
	pdh_t_run r;

	acc[0] = S_disabled_account("off", 2, "\"no\"");
	acc[1] = NULL;
	pdh_t_fleet_write(&W, acc);
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.err, "fleet.yaml:7:14:"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "enabled"), "%s", r.err);
	pdh_t_run_dispose(&r);
	S_expect_untouched();
}
