/* Fleet mode end to end: pdhooks validate|plan|apply --fleet and merge, against one
 * pdhooks-fake per company (tests/support/world.h). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/fleet.h"
#include "pdhooks/apply_lock.h"
#include "pdhooks/fleet_run.h"
#include "pdhooks/limits.h"
#include "testutil.h"
#include "world.h"

#define DESIRED PDH_T_YAML_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", "https://hooks.example.com/${TENANT}/deals")

#define SEED(id, path) "{\"id\":" #id ",\"name\":\"x\",\"event_action\":\"change\"," \
	"\"event_object\":\"person\",\"subscription_url\":\"https://hooks.example.com/" path "\"}"

static pdh_t_fleet W;

/* Three companies, one fake each started with fake_args (may be NULL). */
static void S_setup3_with(char *const fake_args[])
{
	char *acc[4];

	pdh_t_fleet_setup(&W, 3, fake_args, DESIRED);
	acc[0] = pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme }\nlabels: { tier: gold }");
	acc[1] = pdh_t_fleet_account(&W, "globex", 1, "vars: { TENANT: globex }");
	acc[2] = pdh_t_fleet_account(&W, "initech", 2, "vars: { TENANT: initech }\nlabels: { tier: gold }");
	acc[3] = NULL;
	pdh_t_fleet_write(&W, acc);
}

static void S_setup3(void)
{
	S_setup3_with(NULL);
}

static void S_teardown(void)
{
	pdh_t_fleet_teardown(&W);
}

static json_t *S_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, text);
	return j;
}

static json_t *S_account(json_t *report, const char *name)
{
	json_t *accounts = json_object_get(report, "accounts");

	for (size_t i = 0; i < json_array_size(accounts); i++) {
		json_t *a = json_array_get(accounts, i);
		if (strcmp(json_string_value(json_object_get(a, "name")), name) == 0)
			return a;
	}
	return NULL;
}

static const char *S_outcome(json_t *report, const char *name)
{
	json_t *a = S_account(report, name);

	cr_assert_not_null(a, "no account %s", name);
	return json_string_value(json_object_get(a, "outcome"));
}

/* Expects the report's outcome of each account: want[] is name, outcome, name, outcome, ...,
 * NULL. */
static void S_expect_outcomes(json_t *report, const char *const want[])
{
	for (size_t i = 0; want[i]; i += 2)
		cr_expect_str_eq(S_outcome(report, want[i]), want[i + 1], "account %s", want[i]);
}

/* A fleet run's JSON report (caller decrefs): the run exited status, and each account had
 * its outcome (outcomes as for S_expect_outcomes). */
static json_t *S_report(const pdh_t_run *r, int status, const char *const outcomes[])
{
	json_t *j;

	cr_expect_eq(r->status, status, "exit %d\n%s\n%s", r->status, r->out, r->err);
	j = S_json(r->out);
	S_expect_outcomes(j, outcomes);
	return j;
}

TestSuite(fleet, .init = S_setup3, .fini = S_teardown, .timeout = 120);

Test(fleet, validate_renders_each_account_with_its_vars)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "3 of 3 selected accounts valid") != NULL, "%s", r.out);
	pdh_t_run_dispose(&r);
	/* Without vars, ${TENANT} is unset: that account fails, naming itself. */
	{
		char *acc[] = { pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme }"),
		                pdh_t_fleet_account(&W, "novars", 1, NULL), NULL };
		pdh_t_fleet_write(&W, acc);
	}
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "pdhooks: account novars:") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "TENANT") != NULL, "%s", r.err);
	cr_expect(strstr(r.out, "1 of 2 selected accounts valid") != NULL, "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], NULL), 0, "validate makes no call");
	pdh_t_run_dispose(&r);
}

/* The subscription_url bound holds for each account's rendered file: a TENANT that makes the
 * URL 2049 characters long fails that account alone, at its line and column. */
Test(fleet, validate_refuses_a_url_made_too_long_by_an_account_vars)
{
	/* "https://hooks.example.com/" + TENANT + "/deals" is 32 + len(TENANT) */
	char *tenant = pdh_xmalloc(PDH_URL_MAX - 32 + 2), *vars;
	pdh_t_run r;

	memset(tenant, 't', PDH_URL_MAX - 32 + 1);
	tenant[PDH_URL_MAX - 32 + 1] = '\0';
	vars = pdh_xasprintf("vars: { TENANT: %s }", tenant);
	{
		char *acc[] = { pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme }"),
		                pdh_t_fleet_account(&W, "longtenant", 1, vars), NULL };
		pdh_t_fleet_write(&W, acc);
	}
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(strstr(r.err, "pdhooks: account longtenant:") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, ":6:23: error: subscription_url is 2049 characters long; pdhooks "
	                        "allows at most 2048") != NULL, "%s", r.err);
	cr_expect(strstr(r.out, "1 of 2 selected accounts valid") != NULL, "%s", r.out);
	pdh_t_run_dispose(&r);
	free(vars);
	free(tenant);
}

Test(fleet, loader_errors_are_file_line_col_and_nothing_is_called)
{
	pdh_t_run r;

	pdh_t_write_file(W.fleet, "pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n"
	                          "  - name: a\n    company_domain: a\n    token_env: A\n"
	                          "    token_file: f\n  - name: a\n    company_domain: b\n"
	                          "    token_env: B\n    colour: red\n");
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "fleet.yaml:7:5: error: accounts[1]: give one token source") != NULL,
	          "%s", r.err);
	cr_expect(strstr(r.err, "fleet.yaml:8:11: error: duplicate account name 'a'") != NULL,
	          "%s", r.err);
	cr_expect(strstr(r.err, "fleet.yaml:11:5: error: unknown key 'colour'") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "does not load: 3 errors") != NULL, "%s", r.err);
	cr_expect_str_eq(r.out, "");
	pdh_t_run_dispose(&r);
}

Test(fleet, plan_text_report_headers_table_and_summary_line)
{
	pdh_t_run r;

	pdh_t_fake_set_state(W.fakes[1], "[{\"id\":5,\"name\":\"deals\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/globex/deals\"}]");
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "%s", r.err);
	{
		/* acme is empty: GET /users/me names its company */
		char *h = pdh_xasprintf("=== acme (%s, company 101)\n", pdh_t_fake_url(W.fakes[0]));
		char *g = pdh_xasprintf("=== globex (%s, company 102)\n", pdh_t_fake_url(W.fakes[1]));
		cr_expect(strstr(r.out, h) != NULL, "%s", r.out);
		cr_expect(strstr(r.out, g) != NULL, "%s", r.out);
		cr_expect(strstr(r.out, h) < strstr(r.out, g), "file order");
		free(h);
		free(g);
	}
	cr_expect(strstr(r.out, "https://hooks.example.com/acme/deals") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "ACCOUNT  OUTCOME") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "globex   in_sync") != NULL, "%s", r.out);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 1 in sync, 2 with changes, 0 failed (3 accounts",
	                           -1, -1);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 0, "changes without --detailed-exitcode: 0");
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 0);
}

Test(fleet, failing_token_command_fails_that_account_only_and_shows_its_stderr_scrubbed)
{
	/* What the command printed on stdout (its token, were it one) is never shown, not even
	 * echoed on stderr; a secret of the environment on stderr is shown as its name. */
	char *acc[] = {
		pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme }"),
		pdh_xasprintf("  - name: vault\n    api_url: %s\n    token_command: [sh, -c, "
		              "\"echo LEAKED-OUT; echo vault: denied for $VAULT_TOKEN, LEAKED-OUT >&2; "
		              "echo try vault login >&2; exit 7\"]\n    vars: { TENANT: v }\n",
		              pdh_t_fake_url(W.fakes[1])),
		pdh_t_fleet_account(&W, "initech", 2, "vars: { TENANT: initech }"),
		NULL };
	char *env[PDH_T_FLEET_MAX + 8];
	size_t n = 0;
	pdh_t_run r;
	json_t *j;

	for (; W.env[n]; n++)
		env[n] = W.env[n];
	env[n++] = "VAULT_TOKEN=hvs-SECRET-4242";
	env[n] = NULL;
	pdh_t_fleet_write(&W, acc);
	pdh_t_pdhooks(&r, env, NULL, "plan", "--fleet", W.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "account vault: token_command sh exited with status 7; it said: "
	                 "vault: denied for ${VAULT_TOKEN}, *** | try vault login") != NULL,
	          "%s", r.err);
	cr_expect(strstr(r.out, "LEAKED") == NULL && strstr(r.err, "LEAKED") == NULL);
	cr_expect(strstr(r.out, "SECRET") == NULL && strstr(r.err, "SECRET") == NULL);
	j = S_json(r.out);
	S_expect_outcomes(j, (const char *const[]){ "acme", "changes", "vault", "failed",
		"initech", "changes", NULL });
	cr_expect_eq(json_integer_value(json_object_get(S_account(j, "vault"), "exit_code")), 1);
	cr_expect(strstr(json_string_value(json_object_get(S_account(j, "vault"), "error")),
	                 "it said: vault: denied for ${VAULT_TOKEN}") != NULL);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], NULL), 0, "no call without a token");
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
}

/* Whether process pid is gone (a zombie nobody has reaped yet counts as gone). */
static bool S_gone(long pid)
{
	char path[64], *stat;
	bool gone;

	if (kill((pid_t)pid, 0) != 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	stat = pdh_t_read_file(path, NULL);
	gone = stat == NULL || (strrchr(stat, ')') && strrchr(stat, ')')[1] == ' ' &&
	                        strrchr(stat, ')')[2] == 'Z');
	free(stat);
	return gone;
}

/* The pid a token command wrote into DIR/NAME.pid. */
static long S_pid_in(const char *name)
{
	char *path = pdh_xasprintf("%s/%s.pid", W.dir, name), *text = pdh_t_read_file(path, NULL);
	long pid;

	cr_assert_not_null(text, "no %s", path);
	pid = strtol(text, NULL, 10);
	cr_assert_gt(pid, 1);
	free(text);
	free(path);
	return pid;
}

Test(fleet, token_command_that_leaves_a_process_is_not_waited_for_and_ends_it)
{
	/* held: sleep keeps the command's stdout open; the token is read when sh exits, not at
	 * EOF. loose: sleep lets go of the pipes and would go on running. Both sleeps end with
	 * their command's process group. */
	char *acc[] = {
		pdh_xasprintf("  - name: held\n    api_url: %s\n    token_command: [sh, -c, "
		              "\"sleep 30 & echo $! > '%s/held.pid'; echo tok-1\"]\n"
		              "    vars: { TENANT: held }\n", pdh_t_fake_url(W.fakes[1]), W.dir),
		pdh_xasprintf("  - name: loose\n    api_url: %s\n    token_command: [sh, -c, "
		              "\"sleep 30 >/dev/null 2>&1 & echo $! > '%s/loose.pid'; echo tok-2\"]\n"
		              "    vars: { TENANT: loose }\n", pdh_t_fake_url(W.fakes[2]), W.dir),
		NULL };
	const char *names[] = { "held", "loose" };
	long long started;
	pdh_t_run r;
	json_t *j;

	pdh_t_fleet_write(&W, acc);
	started = pdh_now_ms();
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "json", NULL);
	cr_expect_lt(pdh_now_ms() - started, 5000LL * pdh_t_slowdown(), "took %lld ms",
	             pdh_now_ms() - started);
	j = S_report(&r, 0, (const char *const[]){ "held", "changes", "loose", "changes", NULL });
	for (size_t i = 0; i < 2; i++) {
		long pid = S_pid_in(names[i]);

		cr_expect(S_gone(pid), "%s: the command's background process %ld outlived pdhooks",
		          names[i], pid);
		if (!S_gone(pid))
			kill((pid_t)pid, SIGKILL);
	}
	json_decref(j);
	pdh_t_run_dispose(&r);
}

Test(fleet, token_command_runs_in_the_fleet_files_directory)
{
	/* The fleet file is elsewhere than the working directory: ./get-token.sh is its. */
	char *script = pdh_xasprintf("%s/get-token.sh", W.dir);
	char *acc[] = {
		pdh_xasprintf("  - name: rel\n    api_url: %s\n    token_command: [./get-token.sh]\n"
		              "    vars: { TENANT: rel }\n", pdh_t_fake_url(W.fakes[2])),
		NULL };
	char cwd[4096];
	pdh_t_run r;
	json_t *j;

	pdh_t_write_file(script, "#!/bin/sh\ncat ./token.txt\n");
	chmod(script, 0755);
	free(script);
	script = pdh_xasprintf("%s/token.txt", W.dir);
	pdh_t_write_file(script, "tok-2\n");
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert(strncmp(cwd, W.dir, strlen(W.dir)) != 0, "the test runs outside %s", W.dir);
	pdh_t_fleet_write(&W, acc);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "json", NULL);
	j = S_report(&r, 0, (const char *const[]){ "rel", "changes", NULL });
	json_decref(j);
	pdh_t_run_dispose(&r);
	free(script);
}

/* The fleet file of three accounts: names[i] of company i (vars TENANT: its name), but
 * account `wrong` with company `token`'s token, which its company refuses (401). */
static void S_write_one_wrong(const char *const names[3], size_t wrong, size_t token)
{
	char *acc[4];

	for (size_t i = 0; i < 3; i++) {
		char *vars = pdh_xasprintf("vars: { TENANT: %s }", names[i]);

		acc[i] = pdh_t_fleet_account_token(&W, names[i], i, i == wrong ? token : i, vars);
		free(vars);
	}
	acc[3] = NULL;
	pdh_t_fleet_write(&W, acc);
}

Test(fleet, refused_token_fails_that_account_while_the_others_are_planned)
{
	pdh_t_run r;
	json_t *j;

	S_write_one_wrong((const char *const[]){ "acme", "wrong", "initech" }, 1, 0);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "json",
	              "--concurrency", "1", NULL);
	j = S_report(&r, 1, (const char *const[]){ "wrong", "failed", "acme", "changes",
		"initech", "changes", NULL });
	cr_expect(strstr(r.err, "account wrong:") != NULL, "%s", r.err);
	cr_expect(strstr(r.out, "tok-0") == NULL && strstr(r.err, "tok-0") == NULL, "no token");
	json_decref(j);
	pdh_t_run_dispose(&r);
}

Test(fleet, brake_refuses_one_account_and_the_others_are_applied)
{
	pdh_t_run r;
	json_t *j;

	/* globex has three owned webhooks the file does not declare: deleting them all brakes. */
	pdh_t_fake_set_state(W.fakes[1], "[" SEED(1, "a") "," SEED(2, "b") "," SEED(3, "c") "]");
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--format",
	              "json", NULL);
	j = S_report(&r, 3, (const char *const[]){ "acme", "applied", "globex", "refused",
		"initech", "applied", NULL });
	cr_expect(strstr(json_string_value(json_object_get(S_account(j, "globex"), "error")),
	                 "--force") != NULL);
	/* The target is named by the company_id its listing shows; an empty one shows none, and
	 * GET /users/me names it. */
	cr_expect_eq(json_integer_value(json_object_get(S_account(j, "globex"), "company_id")), 102);
	cr_expect_eq(json_integer_value(json_object_get(S_account(j, "acme"), "company_id")), 101);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "POST"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "DELETE"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 1);
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
	/* --force lifts it. */
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--force",
	              NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 2 in sync, 1 applied, 0 failed (3 accounts", -1, -1);
	pdh_t_run_dispose(&r);
}

Test(fleet, failing_canary_stops_before_the_rest)
{
	pdh_t_run r;
	json_t *j;

	S_write_one_wrong((const char *const[]){ "canary", "globex", "initech" }, 0, 2);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--canary",
	              "1", "--format", "json", NULL);
	j = S_report(&r, 1, (const char *const[]){ "canary", "failed", "globex", "skipped",
		"initech", "skipped", NULL });
	cr_expect(strstr(r.err, "1 of 1 canary account did not apply cleanly") != NULL, "%s", r.err);
	/* listed once, by the pass that looks for accounts of one company, never written */
	for (int i = 1; i <= 2; i++) {
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], "GET"), 1, "the rest is listed once");
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], "POST"), 0, "the rest is not written");
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], "DELETE"), 0, "the rest is not written");
	}
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
}

Test(fleet, passing_canary_goes_on_to_the_rest)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--canary",
	              "1", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 0 in sync, 3 applied, 0 failed (3 accounts", -1, -1);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], "POST"), 1);
	pdh_t_run_dispose(&r);
}

Test(fleet, apply_without_a_terminal_needs_auto_approve)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "--auto-approve") != NULL, "%s", r.err);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], NULL), 0);
	pdh_t_run_dispose(&r);
}

Test(fleet, selection_by_account_and_label)
{
	pdh_t_run r;
	json_t *j;

	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "json", "--label",
	              "tier=gold", "--account", "i*", "--account", "globex", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	j = S_json(r.out);
	cr_expect_eq(json_array_size(json_object_get(j, "accounts")), 1);
	cr_expect_not_null(S_account(j, "initech"));
	json_decref(j);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--account", "x", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "need --fleet") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--shard", "3/3", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "--shard '3/3'") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
}

/* A selection that matches no account is a typo: exit 1, before any call, in every
 * command. An empty shard is not: a matrix may have more shards than accounts. */
Test(fleet, a_selection_that_matches_no_account_is_an_error_an_empty_shard_is_not)
{
	static const char *const cmds[] = { "validate", "plan", "status", NULL };
	pdh_t_run r;
	char shard[16] = "";
	json_t *j;

	for (size_t i = 0; cmds[i]; i++) {
		pdh_t_pdhooks(&r, W.env, NULL, cmds[i], "--fleet", W.fleet, "--account", "acmee", NULL);
		cr_expect_eq(r.status, 1, "%s --account acmee: %s", cmds[i], r.err);
		cr_expect(strstr(r.err, "no account matches the --account and --label given") != NULL,
		          "%s: %s", cmds[i], r.err);
		pdh_t_run_dispose(&r);
		pdh_t_pdhooks(&r, W.env, NULL, cmds[i], "--fleet", W.fleet, "--label", "tier=platinum",
		              NULL);
		cr_expect_eq(r.status, 1, "%s --label tier=platinum: %s", cmds[i], r.err);
		pdh_t_run_dispose(&r);
	}
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--account",
	              "nobody", NULL);
	cr_expect_eq(r.status, 1, "apply: %s", r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], NULL), 0, "no call");
	/* 3 accounts over 64 shards: some shard holds none of them; its report is valid, empty */
	for (unsigned s = 0; s < 64 && !shard[0]; s++) {
		snprintf(shard, sizeof(shard), "%u/64", s);
		pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--shard", shard, "--format",
		              "json", NULL);
		j = S_json(r.out);
		if (json_array_size(json_object_get(j, "accounts")) != 0)
			shard[0] = '\0';
		else
			cr_expect_eq(r.status, 0, "empty shard %s: %s", shard, r.err);
		json_decref(j);
		pdh_t_run_dispose(&r);
	}
	cr_expect(shard[0] != '\0', "no empty shard found");
	/* the same with an --account that matches accounts of other shards only */
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--shard", shard, "--account",
	              "*", NULL);
	cr_expect_eq(r.status, 0, "--account '*' in an empty shard: %s", r.err);
	pdh_t_run_dispose(&r);
}

/* Seven companies on one pdhooks-fake (--companies 7: tokens tok-1 to tok-7), so that no two
 * accounts are one company's. */
static char *S_env_shards[10];

static void S_setup_shards(void)
{
	static char *args[] = { "--companies", "7", NULL };

	pdh_t_fleet_setup(&W, 1, args, DESIRED);
	for (int i = 0; i < 7; i++)
		S_env_shards[i] = pdh_xasprintf("PDH_T_TOK_%d=tok-%d", i + 1, i + 1);
	S_env_shards[7] = "PIPEDRIVE_API_TOKEN=";
	S_env_shards[8] = "PIPEDRIVE_OAUTH_TOKEN=";
	S_env_shards[9] = NULL;
}

static void S_teardown_shards(void)
{
	for (int i = 0; i < 7; i++)
		free(S_env_shards[i]);
	pdh_t_fleet_teardown(&W);
}

TestSuite(fleet_shards, .init = S_setup_shards, .fini = S_teardown_shards, .timeout = 120);

/* Seven accounts over three shards: each account in exactly one, and merge gives them all. */
Test(fleet_shards, shards_partition_the_accounts_and_merge_joins_them)
{
	static const char *names[] = { "a1", "b2", "c3", "d4", "e5", "f6", "g7" };
	char *acc[8], *paths[3];
	int seen[7] = { 0 };
	pdh_t_run r;

	for (size_t i = 0; i < 7; i++) {
		acc[i] = pdh_xasprintf("  - name: %s\n    api_url: %s\n    token_env: PDH_T_TOK_%zu\n"
		                       "    vars: { TENANT: %s }\n", names[i],
		                       pdh_t_fake_url(W.fakes[0]), i + 1, names[i]);
	}
	acc[7] = NULL;
	pdh_t_fleet_write(&W, acc);
	for (int s = 0; s < 3; s++) {
		char shard[8];
		json_t *j;

		snprintf(shard, sizeof(shard), "%d/3", s);
		pdh_t_pdhooks(&r, S_env_shards, NULL, "plan", "--fleet", W.fleet, "--shard", shard,
		              "--format", "json", NULL);
		cr_assert_eq(r.status, 0, "%s", r.err);
		j = S_json(r.out);
		for (size_t i = 0; i < json_array_size(json_object_get(j, "accounts")); i++) {
			const char *n = json_string_value(json_object_get(
				json_array_get(json_object_get(j, "accounts"), i), "name"));
			seen[n[1] - '1']++;
		}
		paths[s] = pdh_xasprintf("%s/shard-%d.json", W.dir, s);
		pdh_t_write_file(paths[s], r.out);
		json_decref(j);
		pdh_t_run_dispose(&r);
	}
	for (int i = 0; i < 7; i++)
		cr_expect_eq(seen[i], 1, "%s is in %d shards", names[i], seen[i]);

	pdh_t_pdhooks(&r, S_env_shards, NULL, "merge", paths[2], paths[0], paths[1], "--format", "json",
	              "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "%s", r.err);
	{
		json_t *j = S_json(r.out);
		json_t *accounts = json_object_get(j, "accounts");

		cr_assert_eq(json_array_size(accounts), 7);
		for (size_t i = 0; i < 7; i++)
			cr_expect_str_eq(json_string_value(json_object_get(json_array_get(accounts, i),
			                                                   "name")), names[i]);
		cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"),
		                                                "changes")), 7);
		json_decref(j);
	}
	pdh_t_fleet_check_report(r.out);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, S_env_shards, NULL, "merge", paths[0], paths[1], NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "shard 2/3 is missing") != NULL, "%s", r.err);
	cr_expect_str_eq(r.out, "");
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, S_env_shards, NULL, "merge", paths[0], paths[1], paths[1], paths[2], NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "shard 1/3 is given twice") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, S_env_shards, NULL, "merge", paths[0], paths[1], paths[2], "--format",
	              "markdown", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 0 in sync, 7 with changes, 0 failed (7 accounts",
	                           -1, -1);
	pdh_t_run_dispose(&r);
	/* A report of another fleet file is refused. */
	pdh_t_write_file(W.fleet, "pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts: []\n");
	pdh_t_pdhooks(&r, S_env_shards, NULL, "plan", "--fleet", W.fleet, "--shard", "2/3", "--format",
	              "json", NULL);
	pdh_t_write_file(paths[2], r.out);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, S_env_shards, NULL, "merge", paths[0], paths[1], paths[2], NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "different fleet files") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	for (int s = 0; s < 3; s++)
		free(paths[s]);
}

Test(fleet, saved_plans_per_account_refuse_only_the_stale_one)
{
	char *dir = pdh_xasprintf("%s/plans", W.dir), *path;
	struct stat st;
	pdh_t_run r;
	json_t *j;

	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "saved the plan of account globex (sha256 ") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	for (const char *const *n = (const char *const[]){ "acme", "globex", "initech", NULL }; *n; n++) {
		path = pdh_xasprintf("%s/%s.json", dir, *n);
		cr_expect_eq(stat(path, &st), 0, "%s", path);
		free(path);
	}
	/* Someone adds a webhook to globex after the review: its plan is stale. */
	pdh_t_fake_set_state(W.fakes[1], "[" SEED(9, "globex/other") "]");
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, dir, "--auto-approve",
	              "--format", "json", NULL);
	j = S_report(&r, 4, (const char *const[]){ "acme", "applied", "globex", "stale",
		"initech", "applied", NULL });
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "POST"), 0);
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
	/* A missing saved plan fails that account. */
	path = pdh_xasprintf("%s/acme.json", dir);
	remove(path);
	free(path);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, dir, "--auto-approve",
	              "--account", "acme", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "account acme:") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	free(dir);
}

/* A saved plan's brake comes from the account's desired file and the command line: 99
 * written into one account's saved options lifts nothing, that account alone is refused. */
Test(fleet, saved_plan_with_an_edited_max_deletes_is_refused_by_the_brake)
{
	char *dir = pdh_xasprintf("%s/plans", W.dir), *path;
	json_error_t e;
	json_t *doc, *j;
	pdh_t_run r;

	pdh_t_write_file(W.desired, "pdhooks: 1\nmanage:\n  max_deletes: 1\nwebhooks:\n"
	                            "  - event_action: create\n    event_object: deal\n"
	                            "    subscription_url: https://hooks.example.com/${TENANT}/deals\n");
	/* The declared webhook is live: the plan deletes 2 of 3, only max_deletes stops it. */
	pdh_t_fake_set_state(W.fakes[0], "[{\"id\":4,\"name\":\"x\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/acme/deals\"}," SEED(5, "acme/a") ","
	                     SEED(6, "acme/b") "]");
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "-o", dir, "--account", "acme",
	              NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	path = pdh_xasprintf("%s/acme.json", dir);
	doc = json_load_file(path, 0, &e);
	cr_assert_not_null(doc, "%s", e.text);
	json_object_set_new(json_object_get(json_object_get(doc, "saved"), "options"), "max_deletes",
	                    json_integer(99));
	cr_assert_eq(json_dump_file(doc, path, JSON_INDENT(2)), 0);
	json_decref(doc);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, dir, "--auto-approve",
	              "--account", "acme", "--format", "json", NULL);
	j = S_report(&r, 3, (const char *const[]){ "acme", "refused", NULL });
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "DELETE"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 0);
	json_decref(j);
	pdh_t_run_dispose(&r);
	free(path);
	free(dir);
}

/* `pdhooks ARGS --fleet FLEET` expecting exit 1 before any call, with "--metrics-file ... is
 * WHAT" on stderr and the file keep as it was (absent when it was). */
static void S_metrics_refused(const char *const args[], const char *keep, const char *what)
{
	const char *argv[16] = { getenv("PDH_BIN") };
	size_t n = 1, before_len = 0, after_len = 0;
	char *before = pdh_t_read_file(keep, &before_len), *after;
	pdh_t_run r;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	for (size_t i = 0; i < W.n; i++)
		pdh_t_fake_control(W.fakes[i], "POST", "/_fake/calls/reset", NULL, NULL);
	pdh_t_run_argv(&r, (char *const *)argv, W.env, NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "pdhooks: error: --metrics-file ") != NULL &&
	          strstr(r.err, what) != NULL, "stderr says it is %s: %s", what, r.err);
	for (size_t i = 0; i < W.n; i++)
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], NULL), 0, "company %zu was called", i);
	after = pdh_t_read_file(keep, &after_len);
	if (before == NULL)
		cr_expect_null(after, "%s was made", keep);
	else
		cr_expect(after && before_len == after_len && memcmp(before, after, before_len) == 0,
		          "%s changed", keep);
	free(before);
	free(after);
	pdh_t_run_dispose(&r);
}

/* --metrics-file with --fleet: the fleet file, an account's desired file and token_file, and
 * the saved plans of -o DIR and of apply DIR are refused, before any call. */
Test(fleet, metrics_file_never_replaces_a_file_of_the_fleet_run)
{
	char *dir = pdh_xasprintf("%s/plans", W.dir), *plan = pdh_xasprintf("%s/acme.json", dir);
	char *tok = pdh_xasprintf("%s/globex.tok", W.dir), *acc[3], *entry, *at;
	pdh_t_run r;

	pdh_t_write_file(tok, W.tokens[1]);
	acc[0] = pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme }");
	entry = pdh_t_fleet_account(&W, "globex", 1, "vars: { TENANT: globex }");
	at = strstr(entry, "token_env: PDH_T_TOK_1\n");
	cr_assert_not_null(at);
	acc[1] = pdh_xasprintf("%.*stoken_file: globex.tok\n%s", (int)(at - entry), entry,
	                       at + strlen("token_env: PDH_T_TOK_1\n"));
	free(entry);
	acc[2] = NULL;
	pdh_t_fleet_write(&W, acc);
	S_metrics_refused((const char *const[]){ "plan", "--fleet", W.fleet, "--metrics-file",
	                                         W.fleet, NULL }, W.fleet, "is the fleet file");
	S_metrics_refused((const char *const[]){ "status", "--fleet", W.fleet, "--metrics-file",
	                                         W.desired, NULL }, W.desired,
	                  "is the desired file of account acme");
	S_metrics_refused((const char *const[]){ "plan", "--fleet", W.fleet, "--metrics-file",
	                                         tok, NULL }, tok,
	                  "is the token_file of account globex");
	S_metrics_refused((const char *const[]){ "plan", "--fleet", W.fleet, "-o", dir,
	                                         "--metrics-file", plan, NULL }, plan,
	                  "is the saved plan of account acme");
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	S_metrics_refused((const char *const[]){ "apply", "--fleet", W.fleet, dir, "--auto-approve",
	                                         "--metrics-file", plan, NULL }, plan,
	                  "is the saved plan of account acme");
	free(plan);
	free(dir);
	free(tok);
}

Test(fleet, markdown_report_is_a_comment)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "markdown", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strncmp(r.out, "### pdhooks fleet plan\n", 23) == 0, "%s", r.out);
	cr_expect(strstr(r.out, "<details><summary>acme: changes</summary>") != NULL, "%s", r.out);
	cr_expect_leq(strlen(r.out), 60000);
	pdh_t_run_dispose(&r);
}

/* On a terminal (script(1) gives it one): every plan, then one question for the whole fleet. */
static void S_apply_on_terminal(pdh_t_run *r, const char *answer)
{
	char *cmd = pdh_xasprintf("%s apply --fleet %s", getenv("PDH_BIN"), W.fleet);
	char *argv[] = { "/usr/bin/script", "-qec", cmd, "/dev/null", NULL };

	pdh_t_run_argv(r, argv, W.env, answer);
	free(cmd);
}

static size_t S_count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

Test(fleet, one_confirmation_for_the_whole_fleet)
{
	pdh_t_run r;

	S_apply_on_terminal(&r, "no\n");
	cr_expect_eq(r.status, 1, "%s", r.out);
	cr_expect_eq(S_count(r.out, "Do you want to perform these actions in 3 accounts?"), 1,
	             "%s", r.out);
	cr_expect(strstr(r.out, "apply cancelled") != NULL, "%s", r.out);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], "POST"), 0);
	pdh_t_run_dispose(&r);

	S_apply_on_terminal(&r, "yes\n");
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect_eq(S_count(r.out, "Do you want to perform"), 1, "%s", r.out);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 0 in sync, 3 applied, 0 failed (3 accounts", -1, -1);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], "POST"), 1);
	pdh_t_run_dispose(&r);

	S_apply_on_terminal(&r, "yes\n");
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect(strstr(r.out, "Nothing to do.") != NULL, "%s", r.out);
	cr_expect_eq(S_count(r.out, "Do you want to perform"), 0, "nothing to ask: %s", r.out);
	pdh_t_run_dispose(&r);
}

/* ---- the runner through the core API ---- */

typedef struct S_seen {
	size_t n;
	size_t index[16];
	int outcome[16];
	char *sig[16];
} S_seen;

static void S_collect(void *ctx, const pdh_fleet_result *r)
{
	S_seen *s = ctx;

	s->index[s->n] = r->row.index;
	s->outcome[s->n] = r->row.outcome;
	s->sig[s->n] = r->plan_signature ? pdh_xstrdup(r->plan_signature) : NULL;
	s->n++;
}

static const char *S_env_lookup(const char *name, void *ctx)
{
	char **env = ctx;
	size_t n = strlen(name);

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static void S_core_run(S_seen *seen, pdh_fleet *f, pdh_fleet_mode mode, char *const *expect)
{
	size_t idx[3] = { 0, 1, 2 };
	pdh_fleet_run_opts o;
	pdh_error err = { 0 };

	memset(&o, 0, sizeof(o));
	memset(seen, 0, sizeof(*seen));
	o.fleet = f;
	o.accounts = idx;
	o.n_accounts = 3;
	o.mode = mode;
	o.concurrency = 3;
	o.token.getenv = S_env_lookup;
	o.token.getenv_ctx = W.env;
	o.format = PDH_FLEET_JSON;
	o.expect_signature = expect;
	o.emit = S_collect;
	o.emit_ctx = seen;
	cr_assert_eq(pdh_fleet_run(&o, &err), 0, "%s", err.message);
}

Test(fleet, runner_hands_results_back_in_file_order_and_refuses_a_changed_plan)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	pdh_fleet *f = NULL;
	S_seen plan, applied;

	/* The first company answers slowly: the others finish first, yet come back after it. */
	pdh_t_fake_control(W.fakes[0], "POST", "/_fake/config", "{\"latency_ms\":300}", NULL);
	pdh_diags_init(&diags, W.fleet);
	cr_assert_eq(pdh_fleet_load_file(&f, W.fleet, &diags, &err), 0);
	S_core_run(&plan, f, PDH_FLEET_PLAN, NULL);
	cr_assert_eq(plan.n, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_expect_eq(plan.index[i], i);
		cr_expect_eq(plan.outcome[i], PDH_FLEET_CHANGES);
		cr_expect_not_null(plan.sig[i]);
	}
	/* globex changes after its plan was confirmed: only it is refused. */
	pdh_t_fake_set_state(W.fakes[1], "[" SEED(4, "globex/new") "]");
	S_core_run(&applied, f, PDH_FLEET_APPLY, plan.sig);
	cr_expect_eq(applied.outcome[0], PDH_FLEET_APPLIED);
	cr_expect_eq(applied.outcome[1], PDH_FLEET_STALE);
	cr_expect_eq(applied.outcome[2], PDH_FLEET_APPLIED);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "POST"), 0);
	for (size_t i = 0; i < 3; i++) {
		free(plan.sig[i]);
		free(applied.sig[i]);
	}
	pdh_fleet_free(f);
	pdh_diags_dispose(&diags);
}

Test(fleet, token_file_readable_by_others_is_warned_about_and_verbose_names_the_account)
{
	char *tok = pdh_xasprintf("%s/globex.token", W.dir);
	char *acc[] = {
		pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme }"),
		pdh_xasprintf("  - name: globex\n    api_url: %s\n    token_file: globex.token\n"
		              "    vars: { TENANT: globex }\n", pdh_t_fake_url(W.fakes[1])),
		NULL };
	pdh_t_run r;

	pdh_t_fleet_write(&W, acc);
	pdh_t_write_file(tok, "tok-1\n");
	chmod(tok, 0644);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "-v", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "pdhooks: warning: account globex: token_file ") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "can be read by its group or others (mode 644)") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "[globex] GET ") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "[acme] GET ") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "tok-1") == NULL && strstr(r.out, "tok-1") == NULL);
	pdh_t_run_dispose(&r);
	chmod(tok, 0600);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "warning") == NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	free(tok);
}

Test(fleet, single_company_options_are_refused_with_a_fleet)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--api-url",
	              "https://x.pipedrive.com/api/v1", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "with --fleet, each account names") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, "-f", W.desired, NULL);
	cr_expect_eq(r.status, 1);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--token-file", W.desired,
	              "--auto-approve", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "with --fleet, each account names") != NULL, "%s", r.err);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(pdh_t_fake_calls(W.fakes[i], NULL), 0);
	pdh_t_run_dispose(&r);
}

/* ---- one pdhooks-fake serving many companies (--companies, --oauth-app) ---- */

static char *S_env_many[8];

static void S_setup_many(void)
{
	static char *args[] = { "--companies", "3", "--oauth-app", "app-1@1002", NULL };
	char *acc[6];

	pdh_t_fleet_setup(&W, 1, args, DESIRED);
	for (int i = 0; i < 3; i++) {
		char name[8], extra[128];

		snprintf(name, sizeof(name), "c%d", i + 1);
		snprintf(extra, sizeof(extra), "vars: { TENANT: c%d }", i + 1);
		acc[i] = pdh_t_fleet_account(&W, name, 0, extra);
		/* company i+1's own token instead of the world's */
		memcpy(strstr(acc[i], "PDH_T_TOK_0"), "PDH_T_TOK_", 10);
		strstr(acc[i], "PDH_T_TOK_")[10] = (char)('1' + i);
	}
	acc[3] = pdh_xasprintf("  - name: app\n    api_url: %s\n    token_env: APP_TOKEN\n"
	                       "    oauth: true\n    vars: { TENANT: app }\n",
	                       pdh_t_fake_url(W.fakes[0]));
	acc[4] = pdh_xasprintf("  - name: app-as-api-token\n    api_url: %s\n"
	                       "    token_env: APP_TOKEN\n    vars: { TENANT: app }\n",
	                       pdh_t_fake_url(W.fakes[0]));
	acc[5] = NULL;
	pdh_t_fleet_write(&W, acc);
	S_env_many[0] = "PDH_T_TOK_1=tok-1";
	S_env_many[1] = "PDH_T_TOK_2=tok-2";
	S_env_many[2] = "PDH_T_TOK_3=tok-3";
	S_env_many[3] = "APP_TOKEN=app-1";
	S_env_many[4] = "PIPEDRIVE_API_TOKEN=";
	S_env_many[5] = "PIPEDRIVE_OAUTH_TOKEN=";
	S_env_many[6] = NULL;
}

TestSuite(fleet_many, .init = S_setup_many, .fini = S_teardown, .timeout = 120);

Test(fleet_many, companies_of_one_server_each_with_its_token_and_company_id)
{
	pdh_t_run r;
	json_t *j;

	pdh_t_pdhooks(&r, S_env_many, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	              "--account", "c*", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, S_env_many, NULL, "plan", "--fleet", W.fleet, "--format", "json",
	              "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 1, "app-as-api-token is refused: %s", r.err);
	j = S_json(r.out);
	for (int i = 0; i < 3; i++) {
		char name[8];
		json_t *a;

		snprintf(name, sizeof(name), "c%d", i + 1);
		a = S_account(j, name);
		cr_expect_str_eq(S_outcome(j, name), "in_sync");
		cr_expect_eq(json_integer_value(json_object_get(a, "company_id")), 1001 + i, "%s", name);
	}
	/* oauth: true sends the app's token as Bearer, which is how the fake takes it. */
	S_expect_outcomes(j, (const char *const[]){ "app", "changes",
		"app-as-api-token", "failed", NULL });
	cr_expect(strstr(r.err, "account app-as-api-token:") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "account app:") == NULL, "%s", r.err);
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
}

Test(fleet_many, oauth_account_manages_its_application_webhooks_and_converges)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, S_env_many, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	              "--account", "app", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 0 in sync, 1 applied, 0 failed (1 account", -1, -1);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, S_env_many, NULL, "plan", "--fleet", W.fleet, "--account", "app",
	              "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "its own application webhook is in sync: %s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
}

Test(fleet, max_deletes_holds_in_every_account)
{
	pdh_t_run r;
	json_t *j;

	/* globex: the declared webhook and one more owned one, so the plan deletes one of two. */
	pdh_t_fake_set_state(W.fakes[1], "[{\"id\":5,\"name\":\"deals\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/globex/deals\"}," SEED(6, "b") "]");
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	              "--max-deletes", "0", "--format", "json", NULL);
	j = S_report(&r, 3, (const char *const[]){ "globex", "refused", "acme", "applied", NULL });
	json_decref(j);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "DELETE"), 1);
	pdh_t_run_dispose(&r);
}

Test(fleet, vars_are_typed_and_validate_no_env_reads_no_environment)
{
	char *acc[] = {
		pdh_t_fleet_account(&W, "acme", 0, "vars: { TENANT: acme, PD_USER_ID: \"123\" }"),
		pdh_t_fleet_account(&W, "globex", 1, "vars: { TENANT: globex, PD_USER_ID: \"x\" }"),
		NULL };
	pdh_t_run r;

	pdh_t_write_file(W.desired, "pdhooks: 1\ndefaults:\n  user_id: ${PD_USER_ID}\nwebhooks:\n"
	                            "  - event_action: create\n    event_object: deal\n"
	                            "    subscription_url: https://hooks.example.com/${TENANT}/d\n"
	                            "    http_auth_password: ${HOOK_PASSWORD}\n");
	pdh_t_fleet_write(&W, acc);
	/* HOOK_PASSWORD is not set: only --no-env lets the files pass, and globex's user_id is
	 * no integer either way. */
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "HOOK_PASSWORD") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, W.env, NULL, "validate", "--fleet", W.fleet, "--no-env", NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(strstr(r.out, "acme: ok") != NULL, "%s", r.out);
	cr_expect(strstr(r.err, "pdhooks: account globex:") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "PD_USER_ID") != NULL, "%s", r.err);
	pdh_t_run_dispose(&r);
	{
		char *env[PDH_T_FLEET_MAX + 8];
		size_t k = 0;
		json_t *j, *after;

		for (; W.env[k]; k++)
			env[k] = W.env[k];
		env[k++] = "HOOK_PASSWORD=s3cret-pw";
		env[k] = NULL;
		pdh_t_pdhooks(&r, env, NULL, "plan", "--fleet", W.fleet, "--account", "acme",
		              "--format", "json", NULL);
		cr_expect_eq(r.status, 0, "%s", r.err);
		cr_expect(strstr(r.out, "s3cret-pw") == NULL, "no secret in the report");
		j = S_json(r.out);
		after = json_object_get(json_array_get(json_object_get(json_object_get(
			S_account(j, "acme"), "plan"), "actions"), 0), "after");
		cr_expect_eq(json_integer_value(json_object_get(after, "user_id")), 123,
		             "a var that is one ${VAR} takes the key's type: %s", r.out);
		json_decref(j);
		pdh_t_run_dispose(&r);
	}
}

Test(fleet, an_account_whose_apply_lock_is_held_fails_alone)
{
	pdh_apply_lock *lock = NULL;
	pdh_error err = { 0 };
	pdh_t_run r;
	json_t *j;

	cr_assert_eq(pdh_apply_lock_take(&lock, W.tokens[1], &err), 0,
	             "%s", err.message);
	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--format",
	              "json", NULL);
	j = S_report(&r, 1, (const char *const[]){ "acme", "applied", "globex", "failed",
		"initech", "applied", NULL });
	cr_expect(strstr(r.err, "account globex:") != NULL, "%s", r.err);
	/* only the listing pass (before any lock) lists it; apply does not without the lock */
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "GET"), 1, "listed without the lock");
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "POST"), 0, "written without the lock");
	json_decref(j);
	pdh_t_run_dispose(&r);
	pdh_apply_lock_release(lock);
}

Test(fleet, an_account_whose_api_keeps_failing_could_not_be_checked_exit_5)
{
	pdh_t_run r;
	json_t *j;

	cr_assert_eq(pdh_t_fake_control(W.fakes[1], "POST", "/_fake/fail",
	                                "{\"method\":\"GET\",\"kind\":\"status\",\"status\":503,\"count\":100}", NULL), 200);
	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--format", "json",
	              "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 5, "%s", r.err);
	j = S_json(r.out);
	cr_expect_str_eq(S_outcome(j, "globex"), "unavailable");
	cr_expect_eq(json_integer_value(json_object_get(S_account(j, "globex"), "exit_code")), 5);
	cr_expect_str_eq(S_outcome(j, "acme"), "changes");
	cr_expect_gt(pdh_t_fake_calls(W.fakes[1], "GET"), 1, "the listing was retried");
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
}

Test(fleet, status_shows_each_accounts_health_and_metrics_carry_the_account)
{
	char *metrics = pdh_xasprintf("%s/fleet.prom", W.dir), *m;
	pdh_t_run r;
	json_t *j;

	/* acme and globex have the declared webhook; globex's last delivery failed. */
	pdh_t_fake_set_state(W.fakes[0], "[{\"id\":3,\"name\":\"deals\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/acme/deals\"}]");
	pdh_t_fake_set_state(W.fakes[1], "[{\"id\":5,\"name\":\"deals\",\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/globex/deals\"}]");
	cr_assert_eq(pdh_t_fake_control(W.fakes[1], "POST", "/_fake/webhooks/5",
	                                "{\"last_http_status\":500,\"last_delivery_time\":"
	                                "\"2026-11-30 10:00:00\"}", NULL), 200);
	pdh_t_pdhooks(&r, W.env, NULL, "status", "--fleet", W.fleet, "--detailed-exitcode",
	              "--metrics-file", metrics, NULL);
	cr_expect_eq(r.status, 2, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "globex   unhealthy") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "acme     healthy") != NULL, "%s", r.out);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 2 healthy, 1 unhealthy, 0 failed (3 accounts", -1, -1);
	pdh_t_run_dispose(&r);
	m = pdh_t_read_file(metrics, NULL);
	cr_assert_not_null(m);
	cr_expect_eq(S_count(m, "# HELP pdhooks_run_success "), 1, "one HELP per family: %s", m);
	cr_expect(strstr(m, "account=\"acme\"") != NULL || strstr(m, "account=acme") != NULL, "%s", m);
	cr_expect(strstr(m, "account=\"globex\"") != NULL || strstr(m, "account=globex") != NULL,
	          "%s", m);
	free(m);
	pdh_t_pdhooks(&r, W.env, NULL, "status", "--fleet", W.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	j = S_json(r.out);
	cr_expect_str_eq(S_outcome(j, "globex"), "unhealthy");
	cr_expect_not_null(json_object_get(S_account(j, "globex"), "status"));
	pdh_t_fleet_check_report(r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);
	free(metrics);
}

static void S_setup_slow(void)
{
	char *latency = pdh_t_slow_ms(300);
	char *args[] = { "--latency-ms", latency, NULL };

	S_setup3_with(args);
	free(latency);
}

TestSuite(fleet_signals, .init = S_setup_slow, .fini = S_teardown, .timeout = 120);

/* SIGTERM and SIGHUP (a cancelled CI job) stop a fleet apply as Ctrl-C does: the account in
 * flight finishes, no other starts, exit 128 + the signal. */
static void S_fleet_signal_case(int sig, int want_status)
{
	pdh_t_world view;
	pdh_t_bg b;
	pdh_t_run r;

	memset(&view, 0, sizeof(view));
	view.dir = W.dir;
	for (size_t i = 0; i < PDH_T_FLEET_MAX + 6 && i < PDH_T_WORLD_ENV - 1 && W.env[i]; i++)
		view.env[i] = W.env[i];
	pdh_t_bg_start(&b, &view, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	               "--concurrency", "1", NULL);
	/* inside the first account, once its first call came (so pdhooks is past its start-up,
	 * where the signal would find no handler yet: a slow machine, valgrind), then a little
	 * later: its listing or its POST */
	for (int i = 0; i < 3000 && pdh_t_fake_calls(W.fakes[0], "GET") < 1; i++)
		pdh_nap_ms(10);
	pdh_nap_ms(100L * pdh_t_slowdown());
	pdh_t_bg_signal(&b, sig);
	pdh_t_bg_wait(&b, &r);
	cr_expect_eq(r.status, want_status, "%s\n%s", r.out, r.err);
	/* not killed: the report was finished */
	cr_expect_not_null(strstr(r.out, "\nFleet: "), "%s\n%s", r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[2], "POST"), 0,
	             "the last account was applied after the signal:\n%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[2], "GET"), 0,
	             "the last account was started after the signal:\n%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(fleet_signals, sigterm_stops_a_fleet_apply_with_143)
{
	S_fleet_signal_case(SIGTERM, 143);
}

Test(fleet_signals, sighup_stops_a_fleet_apply_with_129)
{
	S_fleet_signal_case(SIGHUP, 129);
}

/* --target and --exclude choose the same actions in every account of a fleet: the rest is
 * counted as excluded in each account's plan, and apply writes only what was chosen. */
Test(fleet, target_and_exclude_apply_to_every_account)
{
	pdh_t_run r;
	json_t *j, *summary;

	pdh_t_pdhooks(&r, W.env, NULL, "plan", "--fleet", W.fleet, "--exclude",
	              "* https://hooks.example.com/globex/*", "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	j = S_json(r.out);
	summary = json_object_get(json_object_get(S_account(j, "globex"), "plan"), "summary");
	cr_expect_eq(json_integer_value(json_object_get(summary, "excluded")), 1, "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(summary, "create")), 0, "%s", r.out);
	summary = json_object_get(json_object_get(S_account(j, "acme"), "plan"), "summary");
	cr_expect_eq(json_integer_value(json_object_get(summary, "excluded")), 0, "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(summary, "create")), 1, "%s", r.out);
	json_decref(j);
	pdh_t_run_dispose(&r);

	pdh_t_pdhooks(&r, W.env, NULL, "apply", "--fleet", W.fleet, "--auto-approve", "--target",
	              "create.deal https://hooks.example.com/acme/*", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(W.fakes[0], "POST"), 1, "acme: its one create");
	cr_expect_eq(pdh_t_fake_calls(W.fakes[1], "POST"), 0, "globex: excluded");
	cr_expect_eq(pdh_t_fake_calls(W.fakes[2], "POST"), 0, "initech: excluded");
}
