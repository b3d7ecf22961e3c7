/* pdhooks apply against pdhooks-fake: convergence, idempotence, call order, retries, the
 * webhook limit, brakes, confirmation and interrupts. Real HTTP on 127.0.0.1. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/apply.h"
#include "pdhooks/buf.h"
#include "pdhooks/target.h"
#include "testutil.h"
#include "world.h"

/* The suite's world: the fake, the directory, the desired file, the environment. */
static pdh_t_world W;

/* Three declared webhooks under https://hooks.example.com/ (owned by default). */
static const char three[] =
	"pdhooks: 1\n"
	"webhooks:\n"
	"  - name: deals\n"
	"    event_action: create\n"
	"    event_object: deal\n"
	"    subscription_url: https://hooks.example.com/deals\n"
	"  - name: persons\n"
	"    event_action: change\n"
	"    event_object: person\n"
	"    subscription_url: https://hooks.example.com/persons\n"
	"  - name: notes\n"
	"    event_action: delete\n"
	"    event_object: note\n"
	"    subscription_url: https://hooks.example.com/notes\n";

/* One declared webhook, "deals" (HOOK_DEALS matches it). */
static const char one[] =
	"pdhooks: 1\n"
	"webhooks:\n"
	"  - name: deals\n"
	"    event_action: create\n"
	"    event_object: deal\n"
	"    subscription_url: https://hooks.example.com/deals\n";

#define HOOK_DEALS "{\"id\":%d,\"name\":\"deals\",\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"subscription_url\":\"https://hooks.example.com/deals\"}"
#define HOOK_PERSONS "{\"id\":%d,\"name\":\"persons\",\"event_action\":\"change\"," \
	"\"event_object\":\"person\",\"subscription_url\":\"https://hooks.example.com/persons\"}"
#define HOOK_ORGS "{\"id\":%d,\"name\":\"orgs\",\"event_action\":\"create\"," \
	"\"event_object\":\"organization\",\"subscription_url\":\"https://hooks.example.com/orgs\"}"

static void setup(void)
{
	pdh_t_world_setup(&W, NULL, NULL);
}

static void teardown(void)
{
	pdh_t_world_teardown(&W);
}

static void S_desired(const char *yaml)
{
	pdh_t_world_desired(&W, yaml);
}

/* `pdhooks apply -f FILE --auto-approve`. */
static void S_apply(pdh_t_run *r)
{
	pdh_t_world_run(r, &W, NULL, "apply", "-f", W.file, "--auto-approve", NULL);
}

/* A file that declares n webhooks h0..h(n-1), none of them live yet. */
static void S_desired_n(int n)
{
	pdh_buf y = PDH_BUF_INIT;

	pdh_buf_puts(&y, "pdhooks: 1\nwebhooks:\n");
	for (int i = 0; i < n; i++)
		pdh_buf_printf(&y, "  - name: h%d\n    event_action: create\n    event_object: deal\n"
		                   "    subscription_url: https://hooks.example.com/h/%d\n", i, i);
	S_desired(pdh_buf_cstr(&y));
	pdh_buf_dispose(&y);
}

static void S_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `pdhooks plan --detailed-exitcode`: 0 when nothing is left to do. */
static int S_plan_status(void)
{
	pdh_t_run r;
	int st;

	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "--detailed-exitcode", NULL);
	st = r.status;
	pdh_t_run_dispose(&r);
	return st;
}

TestSuite(apply, .init = setup, .fini = teardown, .timeout = 60);

Test(apply, converges_from_an_empty_account)
{
	pdh_t_run r;

	S_desired(three);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Plan: 3 to create"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Apply: 3 created, 0 deleted, 0 failed, 0 not run"),
	                   "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", true), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/persons", true), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/notes", true), 1);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 3);
	/* one listing to plan, three creates, one listing to verify */
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 2);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 3);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 0);
	cr_expect_eq(S_plan_status(), 0);
	pdh_t_run_dispose(&r);
}

Test(apply, converges_from_a_partial_account)
{
	pdh_t_run r;

	pdh_t_world_seed(&W, "[" HOOK_DEALS "]", 7);
	S_desired(three);
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 2);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 0);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 3);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", true), 1);
	cr_expect_eq(S_plan_status(), 0);
	pdh_t_run_dispose(&r);
}

Test(apply, converges_from_a_drifted_account)
{
	pdh_t_run r;

	/* deals matches; persons has another name (replace); notes is inactive (replace);
	 * orgs is owned and undeclared (delete); the other host is foreign (kept). */
	pdh_t_world_seed(&W, "[" HOOK_DEALS ","
	         "{\"id\":2,\"name\":\"old-persons\",\"event_action\":\"change\","
	         "\"event_object\":\"person\",\"subscription_url\":\"https://hooks.example.com/persons\"},"
	         "{\"id\":3,\"name\":\"notes\",\"event_action\":\"delete\",\"event_object\":\"note\","
	         "\"subscription_url\":\"https://hooks.example.com/notes\",\"is_active\":0},"
	         HOOK_ORGS ","
	         "{\"id\":5,\"name\":\"theirs\",\"event_action\":\"create\",\"event_object\":\"deal\","
	         "\"subscription_url\":\"https://other.example.org/x\"}]", 1, 4);
	S_desired(three);
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Apply: 2 created, 3 deleted, 0 failed, 0 not run"),
	                   "%s", r.out);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/persons", false), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/notes", true), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/notes", false), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/orgs", false), 0);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://other.example.org/x", false), 1);
	cr_expect_eq(S_plan_status(), 0);
	pdh_t_run_dispose(&r);
}

Test(apply, second_apply_makes_only_the_listing)
{
	pdh_t_run r;

	S_desired(three);
	S_apply(&r);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Nothing to do."), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fake, NULL), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, nothing_to_do_needs_no_terminal_and_no_approval)
{
	pdh_t_run r;

	S_desired("pdhooks: 1\nwebhooks: []\n");
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Nothing to do."), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fake, NULL), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, replace_creates_before_it_deletes)
{
	pdh_t_run r;
	char *log, *post, *del;

	pdh_t_fake_set_state(W.fake,
		"[{\"id\":41,\"name\":\"old\",\"event_action\":\"create\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://hooks.example.com/deals\"}]");
	S_desired(one);
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	log = pdh_t_world_call_log(&W);
	post = strstr(log, "POST /v1/webhooks 201");
	del = strstr(log, "DELETE /v1/webhooks/41 200");
	cr_expect_not_null(post, "%s", log);
	cr_expect_not_null(del, "%s", log);
	cr_expect(post && del && post < del, "create after delete:\n%s", log);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	free(log);
	pdh_t_run_dispose(&r);
}

Test(apply, failed_create_of_a_replace_keeps_the_old_webhook)
{
	pdh_t_run r;

	pdh_t_fake_set_state(W.fake,
		"[{\"id\":41,\"name\":\"old\",\"event_action\":\"create\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://hooks.example.com/deals\"}]");
	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"status\",\"status\":400,\"count\":1}");
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 0);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	cr_expect_not_null(strstr(r.out, "not run  delete"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "(id 41): kept"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "failed   create"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(apply, one_failed_call_does_not_stop_the_others)
{
	pdh_t_run r;

	S_desired(three);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"status\",\"status\":400,\"count\":1}");
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--parallelism", "1",
	              NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 2);
	cr_expect_not_null(strstr(r.out, "Apply: 2 created, 0 deleted, 1 failed"), "%s", r.out);
	/* Pipedrive's own text (the fake's answer for 400) is shown with the failure. */
	cr_expect_not_null(strstr(r.out, "Bad Request"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Not converged"), "%s", r.out);
	cr_expect_not_null(strstr(r.err, "pdhooks: error:"), "%s", r.err);
	pdh_t_run_dispose(&r);
}

Test(apply, rate_limit_429_with_retry_after_is_waited_out)
{
	pdh_t_run r;
	double t0;
	char *log;

	/* 1 call per 2 s: the listing takes it, so the create (sent before any header could
	 * say so) runs into a 429 with Retry-After, waits it out and is sent again. */
	pdh_t_world_control(&W, "/_fake/config", "{\"rate_limit\":1}");
	S_desired(one);
	t0 = S_now();
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_geq(S_now() - t0, 0.9, "Retry-After was not waited for");
	log = pdh_t_world_call_log(&W);
	cr_expect_not_null(strstr(log, "POST /v1/webhooks 429\n"), "%s", log);
	cr_expect_eq(pdh_t_count(log, "POST /v1/webhooks 201\n"), 1, "%s", log);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 1);
	free(log);
	pdh_t_run_dispose(&r);
}

Test(apply, rate_limit_429_with_ratelimit_headers_only)
{
	pdh_t_run r;
	double t0;

	/* A high limit: every answer carries x-ratelimit-*; the injected 429s have no
	 * Retry-After, so the wait comes from x-ratelimit-reset (whole seconds). */
	pdh_t_world_control(&W, "/_fake/config", "{\"rate_limit\":1000}");
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"status\",\"status\":429,\"count\":1}");
	S_desired(one);
	t0 = S_now();
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_geq(S_now() - t0, 0.9, "x-ratelimit-reset was not waited for");
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 2);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, ratelimit_headers_pace_the_calls)
{
	pdh_t_run r;
	char *log;

	pdh_t_world_control(&W, "/_fake/config", "{\"rate_limit\":8}");
	S_desired_n(12);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	log = pdh_t_world_call_log(&W);
	cr_expect_eq(pdh_t_count(log, " 429\n"), 0, "paced calls ran into the limit:\n%s", log);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 12);
	free(log);
	pdh_t_run_dispose(&r);
}

Test(apply, rate_limit_beyond_the_retry_budget_stops_sending)
{
	pdh_t_run r;
	double t0;
	time_t now = time(NULL);

	if (86400 - now % 86400 < 120)
		cr_skip_test("the fake's daily limit resets at UTC midnight, which is too close");
	/* The plan's listing and two creates use the day's budget; the third create gets 429
	 * with a Retry-After of hours, and nothing more is sent. */
	pdh_t_world_control(&W, "/_fake/config", "{\"daily_limit\":3}");
	S_desired("pdhooks: 1\nwebhooks:\n"
	          "  - {name: a, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/a}\n"
	          "  - {name: b, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/b}\n"
	          "  - {name: c, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/c}\n"
	          "  - {name: d, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/d}\n");
	t0 = S_now();
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--parallelism", "1",
	              NULL);
	/* 5: the API kept refusing (429) past the wait budget, not a problem of the file */
	cr_expect_eq(r.status, 5, "%s%s", r.out, r.err);
	cr_expect_lt(S_now() - t0, 10.0);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 3);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 1);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 2);
	cr_expect_not_null(strstr(r.out, "not sent: Pipedrive's rate limit allows no call"),
	                   "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Not verified"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(apply, post_503_without_creation_is_sent_again_after_a_listing)
{
	pdh_t_run r;

	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"status\",\"status\":503,\"count\":1}");
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 2);
	/* plan, the listing that showed it absent, verification */
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 3);
	pdh_t_run_dispose(&r);
}

Test(apply, create_then_503_makes_exactly_one_webhook)
{
	pdh_t_run r;

	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"create-503\",\"count\":1}");
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 1);
	cr_expect_not_null(strstr(r.out, "confirmed by a listing"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(apply, dropped_connection_on_post_is_settled_by_a_listing)
{
	pdh_t_run r;
	char *log;

	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"drop\",\"count\":1}");
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	log = pdh_t_world_call_log(&W);
	cr_expect_eq(pdh_t_count(log, "POST /v1/webhooks 0\n"), 1, "%s", log);
	cr_expect_eq(pdh_t_count(log, "POST /v1/webhooks 201\n"), 1, "%s", log);
	/* the listing between the lost answer and the second POST */
	cr_expect_not_null(strstr(log, "POST /v1/webhooks 0\nGET /v1/webhooks 200\n"
	                               "POST /v1/webhooks 201\n"), "%s", log);
	free(log);
	pdh_t_run_dispose(&r);
}

Test(apply, truncated_answer_to_a_post_is_settled_by_a_listing)
{
	pdh_t_run r;

	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"truncated\",\"count\":1}");
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 3);
	pdh_t_run_dispose(&r);
}

Test(apply, cdn_html_page_on_delete_is_a_failure_with_its_status)
{
	pdh_t_run r;

	pdh_t_world_seed(&W, "[" HOOK_DEALS "," HOOK_ORGS "]", 1, 2);
	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"DELETE\",\"kind\":\"html\",\"status\":403,\"count\":1}");
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	/* 403 is final: one DELETE, no retry */
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 1);
	cr_expect_not_null(strstr(r.out, "failed   delete"), "%s", r.out);
	cr_expect_null(strstr(r.out, "<html"), "%s", r.out);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 2);
	pdh_t_run_dispose(&r);
}

Test(apply, gateway_error_on_delete_is_retried)
{
	pdh_t_run r;

	pdh_t_world_seed(&W, "[" HOOK_DEALS "," HOOK_ORGS "]", 1, 2);
	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"DELETE\",\"kind\":\"status\",\"status\":502,\"count\":2}");
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 3);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, timed_out_post_that_the_server_finishes_is_not_sent_twice)
{
	pdh_t_run r;

	/* The fake takes 1.5 s and makes the webhook; pdhooks gives up waiting after 1 s. */
	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"delay\",\"delay_ms\":1500,\"count\":1}");
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--timeout", "1", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deals", false), 1);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 1);
	cr_expect_not_null(strstr(r.out, "confirmed by a listing"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(apply, the_first_listing_is_retried_too)
{
	pdh_t_run r;

	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"GET\",\"kind\":\"status\",\"status\":503,\"count\":1}");
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	/* 503, the listing planned from, the verification */
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 3);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, persistent_5xx_is_bounded_and_the_rest_is_done)
{
	pdh_t_run r;
	double t0;

	pdh_t_world_seed(&W, "[" HOOK_ORGS "]", 9);
	S_desired(one);
	pdh_t_world_fail(&W, "{\"method\":\"POST\",\"kind\":\"status\",\"status\":503,\"count\":1000}");
	t0 = S_now();
	S_apply(&r);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_lt(S_now() - t0, 20.0);
	cr_expect_leq(pdh_t_fake_calls(W.fake, "POST"), PDH_RETRY_DEFAULT_ATTEMPTS);
	cr_expect_geq(pdh_t_fake_calls(W.fake, "POST"), 2);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 0, "the delete was not made");
	cr_expect_not_null(strstr(r.out, "deleted  create.organization"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "failed   create"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Service Unavailable"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(apply, webhook_limit_422_runs_the_deletes_first)
{
	pdh_t_run r;
	pdh_buf seed = PDH_BUF_INIT, y = PDH_BUF_INIT;
	char *log, *first422, *del, *post201;

	/* 40 webhooks (the limit): 37 declared, 3 undeclared; the file adds 3 new ones. */
	pdh_buf_puts(&y, "pdhooks: 1\nwebhooks:\n");
	pdh_buf_putc(&seed, '[');
	for (int i = 0; i < 40; i++) {
		pdh_buf_printf(&seed, "%s{\"id\":%d,\"name\":\"h%d\",\"event_action\":\"create\","
		               "\"event_object\":\"deal\","
		               "\"subscription_url\":\"https://hooks.example.com/h/%d\"}",
		               i ? "," : "", i + 1, i, i);
		if (i < 37)
			pdh_buf_printf(&y, "  - name: h%d\n    event_action: create\n"
			               "    event_object: deal\n"
			               "    subscription_url: https://hooks.example.com/h/%d\n", i, i);
	}
	pdh_buf_putc(&seed, ']');
	for (int i = 0; i < 3; i++)
		pdh_buf_printf(&y, "  - name: new%d\n    event_action: create\n    event_object: deal\n"
		               "    subscription_url: https://hooks.example.com/new/%d\n", i, i);
	pdh_t_fake_set_state(W.fake, pdh_buf_cstr(&seed));
	S_desired(pdh_buf_cstr(&y));
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 40);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/new/2", false), 1);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/h/39", false), 0);
	log = pdh_t_world_call_log(&W);
	first422 = strstr(log, "POST /v1/webhooks 422\n");
	del = strstr(log, "DELETE /v1/webhooks/");
	post201 = strstr(log, "POST /v1/webhooks 201\n");
	cr_expect(first422 && del && post201 && first422 < del && del < post201, "%s", log);
	cr_expect_eq(pdh_t_count(log, "POST /v1/webhooks 201\n"), 3, "%s", log);
	free(log);
	pdh_buf_dispose(&seed);
	pdh_buf_dispose(&y);
	pdh_t_run_dispose(&r);
}

Test(apply, brake_max_deletes_refuses_with_exit_3_and_no_write)
{
	pdh_t_run r;

	pdh_t_world_seed(&W, "[" HOOK_ORGS "," HOOK_PERSONS "," HOOK_DEALS "]", 1, 2, 3);
	S_desired(one);
	pdh_t_world_reset_calls(&W);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--max-deletes", "1",
	              NULL);
	cr_expect_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "max_deletes"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 0);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 3);
	pdh_t_run_dispose(&r);

	/* --force applies the same plan */
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "--max-deletes", "1",
	              "--force", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, brake_deleting_every_owned_webhook_refuses)
{
	pdh_t_run r;

	pdh_t_world_seed(&W, "[" HOOK_ORGS "," HOOK_PERSONS "]", 1, 2);
	S_desired(one);
	pdh_t_world_reset_calls(&W);
	S_apply(&r);
	cr_expect_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks: error: refused"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 1);
	pdh_t_run_dispose(&r);
}

Test(apply, refuses_without_a_terminal_and_without_auto_approve)
{
	pdh_t_run r;

	S_desired(three);
	pdh_t_world_run_in(&r, &W, NULL, "yes\n", "apply", "-f", W.file, NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "--auto-approve"), "%s", r.err);
	cr_expect_not_null(strstr(r.out, "Plan: 3 to create"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "GET"), 1);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 0);
	pdh_t_run_dispose(&r);
}

Test(apply, verbose_logs_calls_but_never_the_token)
{
	pdh_t_run r;

	S_desired(three);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--auto-approve", "-v", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "POST"), "%s", r.err);
	cr_expect_null(strstr(r.err, "test-token"), "%s", r.err);
	cr_expect_null(strstr(r.out, "test-token"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(apply, bad_options_are_errors_before_any_call)
{
	pdh_t_run r;

	S_desired(three);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--parallelism", "0", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "--parallelism"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, NULL, "apply", "-f", W.file, "--max-deletes", "x", NULL);
	cr_expect_eq(r.status, 1);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, NULL, "apply", "no-such-plan.json", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "cannot read no-such-plan.json"), "%s", r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(W.fake, NULL), 0);
}

/* ---- interrupt: the process gets SIGINT while calls are slow ---- */

static pid_t S_spawn_apply(const char *out_path, const char *err_path)
{
	pid_t pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		const char *bin = getenv("PDH_BIN");
		FILE *o = freopen(out_path, "w", stdout);
		FILE *e = freopen(err_path, "w", stderr);
		FILE *i = freopen("/dev/null", "r", stdin);

		if (!o || !e || !i || !bin)
			_exit(127);
		pdh_t_world_child_env(&W);
		execl(bin, bin, "apply", "-f", W.file, "--auto-approve", "--parallelism", "2",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

Test(apply, interrupt_finishes_calls_in_flight_and_reports)
{
	char *out_path = pdh_t_world_path(&W, "out"), *err_path = pdh_t_world_path(&W, "err");
	char *out, *err;
	int status, posts, waited = 0;
	pid_t pid;

	S_desired_n(8);
	pdh_t_world_control(&W, "/_fake/config", "{\"latency_ms\":300}");
	pid = S_spawn_apply(out_path, err_path);
	/* Wait for the first created webhooks, then interrupt while the next ones are in flight. */
	while (pdh_t_fake_calls(W.fake, "POST") < 2 && waited < 10000) {
		S_msleep(20);
		waited += 20;
	}
	S_msleep(100);
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	out = pdh_t_read_file(out_path, NULL);
	err = pdh_t_read_file(err_path, NULL);
	cr_assert(out && err);
	cr_expect(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
	cr_expect_eq(WEXITSTATUS(status), 130, "%s%s", out, err);
	posts = pdh_t_fake_calls(W.fake, "POST");
	/* every POST sent was answered and made one webhook; not all of them were sent */
	cr_expect_eq((int)pdh_t_world_count_hooks(&W), posts, "%s", out);
	cr_expect_lt(posts, 8, "%s", out);
	cr_expect_geq(posts, 2);
	pdh_t_expect_has(out, (const char *const[]){ "not run  create", "Interrupted", NULL });
	pdh_t_expect_has(err, (const char *const[]){ "interrupted", NULL });
	free(out);
	free(err);
	pdh_t_remove(out_path);
	pdh_t_remove(err_path);
}

/* ---- the question on a terminal: pdhooks runs on a pseudo-terminal ---- */

/* Runs `pdhooks apply -f FILE` with stdin and stdout on a terminal, answers `answer` once the
 * question shows, and returns the exit status; *out gets all the terminal showed. */
static int S_apply_on_terminal(const char *answer, char **out)
{
	const char *bin = getenv("PDH_BIN");
	pdh_buf b = PDH_BUF_INIT;
	bool answered = false;
	int master, status;
	pid_t pid;

	cr_assert_not_null(bin);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	cr_assert_geq(master, 0);
	cr_assert_eq(grantpt(master), 0);
	cr_assert_eq(unlockpt(master), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int slave;

		setsid();
		slave = open(ptsname(master), O_RDWR);
		if (slave < 0)
			_exit(127);
		dup2(slave, STDIN_FILENO);
		dup2(slave, STDOUT_FILENO);
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		close(master);
		pdh_t_world_child_env(&W);
		execl(bin, bin, "apply", "-f", W.file, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		char chunk[512];
		ssize_t n = read(master, chunk, sizeof(chunk));

		if (n <= 0)
			break;   /* EIO once the child has closed the terminal */
		pdh_buf_append(&b, chunk, (size_t)n);
		if (!answered && strstr(pdh_buf_cstr(&b), "Only 'yes' will be accepted:")) {
			cr_assert_eq(write(master, answer, strlen(answer)), (ssize_t)strlen(answer));
			answered = true;
		}
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	close(master);
	*out = pdh_buf_detach(&b);
	cr_expect(answered, "no question asked: %s", *out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(apply, asks_on_a_terminal_and_applies_on_yes)
{
	char *out;

	S_desired(three);
	cr_expect_eq(S_apply_on_terminal("yes\n", &out), 0, "%s", out);
	cr_expect_not_null(strstr(out, "Do you want to perform these actions?"), "%s", out);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 3);
	free(out);
}

Test(apply, asks_on_a_terminal_and_changes_nothing_on_another_answer)
{
	char *out;

	S_desired(three);
	cr_expect_eq(S_apply_on_terminal("y\n", &out), 1, "%s", out);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "POST"), 0);
	cr_expect_eq(pdh_t_world_count_hooks(&W), 0);
	free(out);
}

/* ---- the core API directly ---- */

typedef struct S_core {
	pdh_target t;
	pdh_target_run run;
	pdh_apply_opts opts;
} S_core;

static void S_core_plan(S_core *c)
{
	pdh_error err = { 0 };

	memset(c, 0, sizeof(*c));
	c->t.desired_path = W.file;
	c->t.client.api_url = pdh_t_fake_url(W.fake);
	c->t.client.auth = PDH_AUTH_API_TOKEN;
	c->t.client.token = pdh_t_fake_token(W.fake);
	pdh_target_run_init(&c->run, W.file);
	cr_assert_eq(pdh_target_plan(&c->run, &c->t, &err), 0, "%s", err.message);
	c->opts.client = c->t.client;
	c->opts.plan_opts = c->t.plan;
	c->opts.seed = 1;
}

Test(apply, delete_answered_404_counts_as_done)
{
	S_core c;
	pdh_apply_result *res = NULL;
	pdh_error err = { 0 };
	int rc;

	pdh_t_world_seed(&W, "[" HOOK_DEALS "," HOOK_ORGS "]", 1, 2);
	S_desired(one);
	S_core_plan(&c);
	cr_assert_eq(c.run.plan->n_actions, 1);
	/* Someone else removes the webhook between the plan and the apply. */
	pdh_t_world_seed(&W, "[" HOOK_DEALS "]", 1);
	rc = pdh_apply(&res, c.run.plan, c.run.desired, &c.opts, &err);
	cr_expect_eq(rc, 0, "%s", err.message);
	cr_assert_not_null(res);
	cr_expect_eq(res->n_deleted, 1);
	cr_expect(res->steps[0].already_gone);
	cr_expect_eq(res->steps[0].http_status, 404);
	cr_expect(res->converged);
	cr_expect_eq(pdh_t_fake_calls(W.fake, "DELETE"), 1);
	pdh_apply_result_free(res);
	pdh_target_run_dispose(&c.run);
}

Test(apply, core_brake_makes_no_call)
{
	S_core c;
	pdh_apply_result *res = NULL;
	pdh_error err = { 0 };

	pdh_t_world_seed(&W, "[" HOOK_PERSONS "," HOOK_ORGS "]", 1, 2);
	S_desired(one);
	S_core_plan(&c);
	cr_assert(c.run.plan->brake);
	pdh_t_world_reset_calls(&W);
	cr_expect_eq(pdh_apply(&res, c.run.plan, c.run.desired, &c.opts, &err), PDH_EBRAKE);
	cr_expect_null(res);
	cr_expect_neq(err.message[0], '\0');
	cr_expect_eq(pdh_t_fake_calls(W.fake, NULL), 0);
	pdh_target_run_dispose(&c.run);
}

Test(apply, core_interrupt_before_start_sends_nothing)
{
	S_core c;
	pdh_apply_result *res = NULL;
	pdh_error err = { 0 };
	atomic_int stop = 1;

	S_desired(three);
	S_core_plan(&c);
	c.opts.interrupt = &stop;
	pdh_t_world_reset_calls(&W);
	cr_expect_eq(pdh_apply(&res, c.run.plan, c.run.desired, &c.opts, &err), PDH_EPARTIAL);
	cr_assert_not_null(res);
	cr_expect(res->interrupted);
	cr_expect_eq(res->n_not_run, 3);
	cr_expect_eq(res->n_calls, 0);
	for (size_t i = 0; i < res->n_steps; i++)
		cr_expect_str_eq(res->steps[i].error, "interrupted before it was sent");
	cr_expect_eq(pdh_t_fake_calls(W.fake, NULL), 0);
	pdh_apply_result_free(res);
	pdh_target_run_dispose(&c.run);
}

Test(apply, core_rejects_bad_arguments)
{
	pdh_apply_result *res = NULL;
	pdh_error err = { 0 };
	pdh_apply_opts o;

	pdh_plan plan;
	pdh_desired desired;

	memset(&o, 0, sizeof(o));
	memset(&plan, 0, sizeof(plan));
	memset(&desired, 0, sizeof(desired));
	cr_expect_eq(pdh_apply(&res, NULL, NULL, &o, &err), PDH_EINVAL);
	cr_expect_null(res);
	o.parallelism = -1;
	cr_expect_eq(pdh_apply(&res, &plan, &desired, &o, &err), PDH_EINVAL);
	cr_expect_null(res);
	cr_expect_not_null(strstr(err.message, "parallelism"), "%s", err.message);
	pdh_apply_result_free(NULL);
}
