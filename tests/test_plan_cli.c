/* `pdhooks plan` end to end: the CLI against pdhooks-fake over real HTTP on 127.0.0.1. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define DESIRED_ONE                                                                    \
	"pdhooks: 1\n"                                                                 \
	"webhooks:\n"                                                                  \
	"  - name: deals-to-warehouse\n"                                               \
	"    event_action: create\n"                                                   \
	"    event_object: deal\n"                                                     \
	"    subscription_url: https://hooks.example.com/pipedrive/deals\n"

#define LIVE_MATCHING                                                                  \
	"[{\"id\": 1, \"event_action\": \"create\", \"event_object\": \"deal\","       \
	" \"subscription_url\": \"https://hooks.example.com/pipedrive/deals\","        \
	" \"name\": \"deals-to-warehouse\", \"version\": \"2.0\", \"type\": \"general\"," \
	" \"is_active\": 1}]"

/* Every test's world W: a fake server, a temporary directory with DESIRED_ONE in it (a test
 * that needs another file rewrites it). Runs (pdh_t_world_run_env) get only the environment a
 * test gives them. */
PDH_T_WORLD_SUITE(plan_cli, DESIRED_ONE);

/* An error run: exit `want`, nothing on stdout, "pdhooks: error: " and needle on stderr. */
static void S_expect_exit(const pdh_t_run *r, int want, const char *needle)
{
	cr_expect_eq(r->status, want, "exit status (stderr: %s)", r->err);
	cr_expect_str_eq(r->out, "", "nothing on stdout");
	cr_expect_not_null(strstr(r->err, "pdhooks: error: "), "stderr: %s", r->err);
	cr_expect_not_null(strstr(r->err, needle), "stderr '%s' should say '%s'", r->err, needle);
}

/* The same with exit 1: a problem of the file, the credentials or a definite answer. */
static void S_expect_error(const pdh_t_run *r, const char *needle)
{
	S_expect_exit(r, 1, needle);
}

/* plan -f FILE of DESIRED_ONE, with flag after it unless flag is NULL, against the live state
 * live (none when NULL): exit want, each of has[] (NULL-terminated) on stdout, one listing
 * (and GET /users/me when none is live: an empty listing names no company) and no write. */
static void S_expect_plan(const char *live, const char *flag, int want, const char *const has[])
{
	pdh_t_run r;

	if (live != NULL)
		pdh_t_fake_set_state(W.fake, live);
	/* a NULL flag ends the arguments there */
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, flag, NULL);
	cr_expect_eq(r.status, want, "stderr: %s stdout: %s", r.err, r.out);
	pdh_t_expect_has(r.out, has);
	pdh_t_world_expect_calls(&W, live != NULL ? 1 : 2, 0, 0);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, pending_changes_exit_0_and_only_list)
{
	static const char *const has[] = {
		"create.deal https://hooks.example.com/pipedrive/deals", "Plan: 1 to create", NULL
	};

	S_expect_plan(NULL, NULL, 0, has);
}

Test(plan_cli, detailed_exitcode_2_when_changes_pending)
{
	static const char *const has[] = { NULL };

	S_expect_plan(NULL, "--detailed-exitcode", 2, has);
}

Test(plan_cli, detailed_exitcode_0_when_nothing_to_do)
{
	static const char *const has[] = { "No changes.", NULL };

	S_expect_plan(LIVE_MATCHING, "--detailed-exitcode", 0, has);
}

Test(plan_cli, default_file_is_pdhooks_yaml_and_api_url_flag_works)
{
	pdh_t_run r;
	char *argv[4];
	char *full_env[3];

	/* run from the directory holding pdhooks.yaml, through sh so that cd works */
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = pdh_xasprintf("cd '%s' && exec \"$PDH_BIN\" plan --api-url '%s'", W.dir,
	                        pdh_t_fake_url(W.fake));
	argv[3] = NULL;
	full_env[0] = W.env_token;
	full_env[1] = "PIPEDRIVE_API_URL=https://wrong.invalid/v1";
	full_env[2] = NULL;
	pdh_t_run_argv(&r, argv, full_env, NULL);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.out, "Plan: 1 to create"), "stdout: %s", r.out);
	pdh_t_world_expect_calls(&W, 2, 0, 0);   /* the listing, /users/me (it is empty) */
	free(argv[2]);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, oauth_token_and_token_file_are_accepted)
{
	pdh_t_run r;
	char *env[] = { NULL, NULL, NULL };
	char *tokfile;

	env[0] = pdh_xasprintf("PIPEDRIVE_OAUTH_TOKEN=%s", pdh_t_fake_token(W.fake));
	env[1] = W.env_url;
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "Bearer: stderr: %s", r.err);
	pdh_t_run_dispose(&r);
	free(env[0]);

	tokfile = pdh_xasprintf("%s/token", W.dir);
	env[0] = pdh_xasprintf("%s\n", pdh_t_fake_token(W.fake));
	pdh_t_write_file(tokfile, env[0]);
	free(env[0]);
	env[0] = "PIPEDRIVE_API_TOKEN=not-the-token"; /* the file wins */
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, "--token-file", tokfile, NULL);
	cr_expect_eq(r.status, 0, "token file: stderr: %s", r.err);
	pdh_t_world_expect_calls(&W, 4, 0, 0);   /* each: the listing, /users/me (empty) */
	pdh_t_run_dispose(&r);
	free(tokfile);
}

Test(plan_cli, wrong_token_is_a_clear_401)
{
	pdh_t_run r;
	char *env[] = { "PIPEDRIVE_API_TOKEN=wrong-token", NULL, NULL };

	env[1] = W.env_url;
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, NULL);
	S_expect_error(&r, "HTTP 401");
	cr_expect_not_null(strstr(r.err, "unauthorized"), "Pipedrive's text: %s", r.err);
	cr_expect_null(strstr(r.err, "wrong-token"), "the token is echoed: %s", r.err);
	cr_expect_not_null(strstr(r.err, "the token came from PIPEDRIVE_API_TOKEN"), "%s", r.err);
	pdh_t_world_expect_calls(&W, 1, 0, 0);
	pdh_t_run_dispose(&r);
}

static void S_fault_case_exit(const char *fault, const char *needle, const char *timeout,
                              int want)
{
	pdh_t_run r;

	pdh_t_world_fail(&W, fault);
	if (timeout)
		pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, "--timeout", timeout, NULL);
	else
		pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, NULL);
	S_expect_exit(&r, want, needle);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
}

static void S_fault_case(const char *fault, const char *needle, const char *timeout)
{
	S_fault_case_exit(fault, needle, timeout, 1);
}

Test(plan_cli, server_error_names_the_status)
{
	/* a 500 is not retried (not a passing gateway problem), and it is no answer about the
	 * file or the credentials: "could not check", exit 5 */
	S_fault_case_exit("{\"method\":\"GET\",\"kind\":\"status\",\"status\":500,"
	                  "\"count\":1}", "HTTP 500", NULL, 5);
}

Test(plan_cli, html_page_is_named_as_such)
{
	S_fault_case("{\"method\":\"GET\",\"kind\":\"html\",\"status\":403,\"count\":1}",
	             "HTML error page", NULL);
}

Test(plan_cli, html_page_with_200_is_not_a_listing)
{
	S_fault_case("{\"method\":\"GET\",\"kind\":\"html\",\"status\":200,\"count\":1}",
	             "HTML page", NULL);
}

Test(plan_cli, truncated_body_is_an_error_not_an_empty_listing)
{
	S_fault_case("{\"method\":\"GET\",\"kind\":\"truncated\",\"count\":1}", "GET", NULL);
}

Test(plan_cli, dropped_connection_is_a_network_error)
{
	/* every listing dropped: the retries run out, exit 5 */
	S_fault_case_exit("{\"method\":\"GET\",\"kind\":\"drop\",\"count\":100}",
	                  "GET http://127.0.0.1", NULL, 5);
}

Test(plan_cli, slow_api_times_out)
{
	S_fault_case_exit("{\"method\":\"GET\",\"kind\":\"delay\",\"delay_ms\":3000,"
	                  "\"count\":100}", "timed out after 1 s", "1", 5);
}

Test(plan_cli, no_credentials_no_call)
{
	pdh_t_run r;
	char *env[] = { NULL, NULL };

	env[0] = W.env_url;
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, NULL);
	S_expect_error(&r, "no Pipedrive credentials");
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, unreadable_token_file_no_call)
{
	pdh_t_run r;

	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, "--token-file", "/nonexistent/token", NULL);
	S_expect_error(&r, "cannot read token file /nonexistent/token");
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, plain_http_to_a_remote_host_is_refused)
{
	pdh_t_run r;
	char *env[] = { NULL, NULL };

	env[0] = W.env_token;
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, "--api-url", "http://api.pipedrive.com/v1",
	      NULL);
	S_expect_error(&r, "refusing plain http://");
	pdh_t_run_dispose(&r);
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, "--api-url", "https://user:pw@example.com/v1",
	      NULL);
	S_expect_error(&r, "credentials do not belong in the URL");
	cr_expect_null(strstr(r.err, "pw@"), "the URL's password is echoed: %s", r.err);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, bad_company_domain_is_refused)
{
	pdh_t_run r;
	char *env[] = { NULL, "PIPEDRIVE_COMPANY_DOMAIN=evil.example/x", NULL };

	env[0] = W.env_token;
	pdh_t_world_run_env(&r, &W, env, "plan", "-f", W.file, NULL);
	S_expect_error(&r, "PIPEDRIVE_COMPANY_DOMAIN");
	pdh_t_run_dispose(&r);
}

Test(plan_cli, bad_desired_file_shows_diagnostics_and_makes_no_call)
{
	pdh_t_run r;

	pdh_t_world_desired(&W, "pdhooks: 1\nwebhooks:\n  - event_action: create\n    event_object: deal\n"
	            "    subscription_url: https://hooks.example.com/x\n    colour: red\n");
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 1, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, "");
	/* the diagnostic's position, the key it names, the error line */
	pdh_t_expect_has(r.err, (const char *const[]){ "pdhooks.yaml:6:", "colour",
		"pdhooks: error: ", NULL });
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, missing_desired_file_makes_no_call)
{
	pdh_t_run r;
	char *missing;

	missing = pdh_xasprintf("%s/nope.yaml", W.dir);
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", missing, NULL);
	S_expect_error(&r, "nope.yaml");
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	free(missing);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, verbose_logs_one_line_per_call_without_secrets)
{
	pdh_t_run r;
	const char *line;

	pdh_t_world_run_env(&r, &W, W.env, "plan", "-v", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	line = strstr(r.err, "GET /v1/webhooks 200 ");
	cr_expect_not_null(line, "stderr: %s", r.err);
	cr_expect_null(line ? strstr(line + 1, "GET /v1/webhooks") : NULL, "one line per call");
	cr_expect_null(strstr(r.err, "?"), "no query string in the log: %s", r.err);
	cr_expect_null(strstr(r.out, "GET /v1/webhooks"), "the log is not on stdout");
	pdh_t_run_dispose(&r);

	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, NULL);
	cr_expect_null(strstr(r.err, "GET /v1/webhooks"), "no log without -v: %s", r.err);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, bad_options_are_errors)
{
	/* the arguments after plan (a NULL second one: just one), what stderr says */
	static const struct {
		const char *args[2];
		const char *says;
	} cases[] = {
		{ { "--timeout", "soon" }, "--timeout" },
		{ { "--max-deletes", "-3" }, "--max-deletes" },
		{ { "--frobnicate", NULL }, "unknown option --frobnicate" },
		{ { "-f", NULL }, "needs a value" },
		{ { "--token", "abc" }, "unknown option --token (did you mean --token-file?" },
		{ { "extra.yaml", NULL }, "unexpected argument 'extra.yaml'" },
	};
	pdh_t_run r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pdh_t_world_run_env(&r, &W, W.env, "plan", cases[i].args[0], cases[i].args[1], NULL);
		S_expect_error(&r, cases[i].says);
		pdh_t_run_dispose(&r);
	}
	pdh_t_world_expect_calls(&W, 0, 0, 0);
}

Test(plan_cli, help_documents_credentials_and_exit_codes)
{
	static const char *const has[] = { "--detailed-exitcode", "PIPEDRIVE_API_TOKEN",
		                           "--token-file", "Exit codes", NULL };

	PDH_T_EXPECT_OUT(has, "help", "plan");
}

#define LIVE_TWO_UNDECLARED                                                            \
	"[{\"id\": 1, \"event_action\": \"create\", \"event_object\": \"deal\","       \
	" \"subscription_url\": \"https://hooks.example.com/pipedrive/deals\","        \
	" \"name\": \"deals-to-warehouse\"},"                                          \
	" {\"id\": 2, \"event_action\": \"change\", \"event_object\": \"deal\","       \
	" \"subscription_url\": \"https://hooks.example.com/old/a\"},"                 \
	" {\"id\": 3, \"event_action\": \"change\", \"event_object\": \"person\","     \
	" \"subscription_url\": \"https://hooks.example.com/old/b\"}]"

Test(plan_cli, max_deletes_sets_the_brake_shown_in_advance)
{
	pdh_t_run r;

	pdh_t_fake_set_state(W.fake, LIVE_TWO_UNDECLARED);
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.out, "0 to create, 0 to replace, 2 to delete"), "%s", r.out);
	cr_expect_null(strstr(r.out, "max_deletes"), "no brake within the default: %s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, "--max-deletes", "1", NULL);
	cr_expect_eq(r.status, 0, "plan itself does not refuse: %s", r.err);
	cr_expect_not_null(strstr(r.out, "max_deletes (1)"), "the brake's verdict: %s", r.out);
	pdh_t_world_expect_calls(&W, 2, 0, 0);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, quiet_hides_warnings_not_the_plan)
{
	pdh_t_run r;

	pdh_t_world_desired(&W, DESIRED_ONE "    http_auth_password: literal-secret\n");
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.err, "warning:"), "the file's warning: %s", r.err);
	cr_expect_null(strstr(r.err, "literal-secret"), "the secret is quoted: %s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-q", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.err, "", "-q: nothing on stderr");
	cr_expect_not_null(strstr(r.out, "Plan: 1 to create"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(plan_cli, https_is_tls_and_cacert_is_used)
{
	pdh_t_run r;
	char *https_url;

	/* The fake speaks plain HTTP: an https:// URL to it must fail in the TLS handshake,
	 * before any request (and its token) is sent. */
	https_url = pdh_xasprintf("https://127.0.0.1:%d/v1", pdh_t_fake_port(W.fake));
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-q", "-f", W.file, "--api-url", https_url, NULL);
	/* a failed handshake may pass (libcurl's SSL_CONNECT_ERROR): retried, then exit 5 */
	S_expect_exit(&r, 5, https_url);
	pdh_t_run_dispose(&r);
	pdh_t_world_run_env(&r, &W, W.env, "plan", "-q", "-f", W.file, "--api-url", https_url, "--cacert",
	      "/nonexistent/ca.pem", NULL);
	S_expect_error(&r, "/nonexistent/ca.pem");
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	free(https_url);
}
