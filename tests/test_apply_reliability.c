/* apply under the conditions of a real day: signals from a cancelled CI job, a closed stdout,
 * two applies at once, a rate limit or a 429 storm that will not end, the 40-webhook limit
 * reached by replaces, and a POST answered after the timeout. Against pdhooks-fake over real
 * HTTP, pdhooks run as a process. */
#define _DEFAULT_SOURCE /* usleep */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/http.h"
#include "testutil.h"
#include "world.h"

#define HOOK(n) "  - {name: " n ", event_action: create, event_object: deal, " \
	"subscription_url: https://hooks.example.com/" n "}\n"
#define ONE "pdhooks: 1\nwebhooks:\n" HOOK("a")
#define TWO "pdhooks: 1\nwebhooks:\n" HOOK("a") HOOK("b")
#define SIX "pdhooks: 1\nwebhooks:\n" HOOK("a") HOOK("b") HOOK("c") HOOK("d") HOOK("e") HOOK("f")
/* A live webhook of the fake's state as JSON: HOOK's webhook at hooks.example.com/url. */
#define LIVE(name, url) "{\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"name\":\"" name "\",\"subscription_url\":\"https://hooks.example.com/" url "\"}"

static double S_now(void)
{
	return (double)pdh_now_ms() / 1e3;
}

/* Reads stdout until a result line ("created ...") shows the apply is calling. */
static void S_wait_for_first_result(pdh_t_bg *b)
{
	char *line;

	while ((line = pdh_t_bg_line(b, 20.0)) != NULL) {
		bool created = strncmp(line, "created ", 8) == 0;

		free(line);
		if (created)
			return;
	}
	cr_assert_fail("no result line came");
}

/* The six webhooks, the fake started with one option, and apply started in the background
 * one call at a time. */
static void S_start_six(pdh_t_world *w, pdh_t_bg *b, char *fake_opt, char *fake_value)
{
	pdh_t_world_setup(w, (char *[]){ fake_opt, fake_value, NULL }, SIX);
	pdh_t_bg_start(b, w, NULL, "apply", "-f", w->file, "--auto-approve", "--parallelism", "1",
	               NULL);
}

static void S_signal_case(int sig, int want_status)
{
	pdh_t_world w;
	pdh_t_bg b;
	pdh_t_run r;
	int posts;

	S_start_six(&w, &b, "--latency-ms", "300");
	S_wait_for_first_result(&b);
	pdh_t_bg_signal(&b, sig);
	pdh_t_bg_wait(&b, &r);
	cr_expect_eq(r.status, want_status, "%s%s", r.out, r.err);
	/* the call in flight finished, no new one started, the summary was printed */
	cr_expect_not_null(strstr(r.out, "Interrupted: calls in flight finished"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\nApply: "), "%s", r.out);
	posts = pdh_t_fake_calls(w.fake, "POST");
	cr_expect_lt(posts, 6, "%d POSTs: the apply went on after the signal", posts);
	cr_expect_eq(pdh_t_world_count_hooks(&w), (size_t)posts, "a POST was cut off half-way");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, sigterm_finishes_the_call_in_flight_and_exits_143)
{
	S_signal_case(SIGTERM, 143);
}

Test(apply_reliability, sighup_finishes_the_call_in_flight_and_exits_129)
{
	S_signal_case(SIGHUP, 129);
}

Test(apply_reliability, sigint_finishes_the_call_in_flight_and_exits_130)
{
	S_signal_case(SIGINT, 130);
}

Test(apply_reliability, a_second_signal_stops_at_once)
{
	pdh_t_world w;
	pdh_t_bg b;
	pdh_t_run r;
	double t0;

	/* A call takes 3 s: the second signal must not wait for it. */
	S_start_six(&w, &b, "--fail", "POST:delay=3000:1");
	/* the plan is printed, then the first POST hangs */
	for (char *line; (line = pdh_t_bg_line(&b, 20.0)) != NULL;) {
		bool plan_done = strncmp(line, "Plan: ", 6) == 0;

		free(line);
		if (plan_done)
			break;
	}
	usleep(500000);   /* inside the first POST */
	t0 = S_now();
	pdh_t_bg_signal(&b, SIGTERM);
	usleep(100000);   /* two signals, not one pending twice */
	pdh_t_bg_signal(&b, SIGTERM);
	pdh_t_bg_wait(&b, &r);
	cr_expect_eq(r.status, 143, "%s%s", r.out, r.err);
	cr_expect_lt(S_now() - t0, 1.5, "the second signal waited for the call in flight");
	cr_expect_null(strstr(r.out, "\nApply: "), "the second signal waited:\n%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 0, "a POST was answered");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, a_closed_stdout_does_not_stop_the_apply)
{
	pdh_t_world w;
	pdh_t_bg b;
	pdh_t_run r;
	char *line;

	/* apply | head -1 */
	S_start_six(&w, &b, "--latency-ms", "100");
	line = pdh_t_bg_line(&b, 20.0);
	cr_assert_not_null(line);
	free(line);
	pdh_t_bg_close_stdout(&b);
	pdh_t_bg_wait(&b, &r);
	/* every call made, the result verified, the failure said on stderr */
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 6);
	/* the plan's listing, /users/me (empty), the verification listing */
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 3, "no verification listing");
	cr_expect_eq(pdh_t_world_count_hooks(&w), 6);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "cannot write to standard output"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, a_second_apply_on_the_target_is_refused_naming_the_pid)
{
	pdh_t_world w;
	pdh_t_bg a;
	pdh_t_run r, ra;
	char *xdg, *pid;
	char *env[2] = { NULL, NULL };

	char *latency = pdh_t_slow_ms(300);

	S_start_six(&w, &a, "--latency-ms", latency);
	free(latency);
	S_wait_for_first_result(&a);
	/* the lock's directory is the first's */
	xdg = pdh_xasprintf("XDG_RUNTIME_DIR=%s", w.dir);
	env[0] = xdg;
	pdh_t_world_run(&r, &w, env, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	pid = pdh_xasprintf("(pid %d)", a.pid);
	cr_expect_not_null(strstr(r.err, pid), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "another pdhooks apply"), "%s", r.err);
	pdh_t_bg_wait(&a, &ra);
	cr_expect_eq(ra.status, 0, "%s%s", ra.out, ra.err);
	/* the second made no call at all, so nothing is duplicated */
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 6);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 6);
	/* the lock ends with the first: a third apply runs (and has nothing to do) */
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, env, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Nothing to do."), "%s", r.out);
	free(pid);
	free(xdg);
	pdh_t_run_dispose(&r);
	pdh_t_run_dispose(&ra);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, healing_the_duplicates_of_a_race_needs_no_force)
{
	pdh_t_world w;
	pdh_t_run r;

	/* What two concurrent runs left: every key twice; max_deletes is 1. */
	pdh_t_world_setup(&w, NULL, "pdhooks: 1\nmanage:\n  max_deletes: 1\nwebhooks:\n"
	                  HOOK("a") HOOK("b") HOOK("c"));
	pdh_t_pdhooks(&r, w.env, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_fake_set_state(w.fake, "[" LIVE("a", "a") "," LIVE("b", "b") "," LIVE("c", "c") ","
	                     LIVE("a", "a") "," LIVE("b", "b") "," LIVE("c", "c") "]");
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "Apply: 0 created, 3 deleted"), "%s", r.out);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 3);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, a_429_storm_ends_within_the_wait_budget_with_exit_5)
{
	pdh_t_world w;
	pdh_t_run r;
	double t0;

	/* Every POST refused with 429, for ever; the plan has six creates. */
	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:429:1000", NULL }, SIX);
	t0 = S_now();
	pdh_t_world_apply(&r, &w, 5, "--max-wait", "2");
	cr_expect_lt(S_now() - t0, 6.0 * pdh_t_slowdown(), "the storm ran past the budget");
	cr_expect_not_null(strstr(r.out, "Stopped: "), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "wait budget of 2 s (--max-wait)"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Not run:\n  create create.deal https://hooks.example.com/"),
	                   "%s", r.out);
	cr_expect_not_null(strstr(r.err, "pdhooks: error: stopped: "), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, max_wait_wants_seconds)
{
	pdh_t_world_expect_option_refused(SIX, "apply", "--max-wait", "soon",
	                                  "--max-wait wants a number of seconds");
}

Test(apply_reliability, ratelimit_reset_as_an_epoch_second_is_read_as_one)
{
	pdh_http_result r;
	const char *rel = "x-ratelimit-reset: 3600\r\n";
	char epoch[64];

	pdh_http_result_init(&r);
	pdh_http_parse_header(&r, rel, strlen(rel), 1800000000);
	cr_expect_eq(r.ratelimit_reset_ms, 3600000L);
	/* an epoch second 7 s from now */
	snprintf(epoch, sizeof(epoch), "x-ratelimit-reset: %d\r\n", 1800000007);
	pdh_http_parse_header(&r, epoch, strlen(epoch), 1800000000);
	cr_expect_eq(r.ratelimit_reset_ms, 7000L);
	/* one in the past: no wait */
	snprintf(epoch, sizeof(epoch), "x-ratelimit-reset: %d\r\n", 1799999990);
	pdh_http_parse_header(&r, epoch, strlen(epoch), 1800000000);
	cr_expect_eq(r.ratelimit_reset_ms, 0L);
}

Test(apply_reliability, replaces_at_the_webhook_limit_are_done_delete_first)
{
	pdh_t_world w;
	pdh_t_run r;
	char *state;

	/* Two webhooks and a limit of two: a replace's create can never come first. */
	pdh_t_world_setup(&w, (char *[]){ "--max-webhooks", "2", NULL }, TWO);
	pdh_t_fake_set_state(w.fake, "[" LIVE("a-old", "a") "," LIVE("b-old", "b") "]");
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "Delete-first: 2 replaces at the webhook limit"), "%s",
	                   r.out);
	cr_expect_not_null(strstr(r.out, "events in between were lost"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	state = pdh_t_fake_state(w.fake);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 2, "%s", state);
	cr_expect_null(strstr(state, "-old"), "%s", state);
	free(state);
	/* and the next run has nothing to do */
	pdh_t_run_dispose(&r);
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "Nothing to do."), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, a_post_that_lands_after_its_resend_leaves_no_duplicate)
{
	pdh_t_world w;
	pdh_t_run r;

	/* The first POST is answered after 2.3 s and still creates; pdhooks gives up after 1 s,
	 * lists at about 2 s (not there yet), sends it again, and must then wait for the first
	 * to land before it says "Verified". */
	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:delay=2300:1", NULL }, ONE);
	pdh_t_world_apply(&r, &w, 0, "--timeout", "1");
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 2, "%s", r.out);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 1, "a duplicate was left:\n%s", r.out);
	cr_expect_not_null(strstr(r.out, "note: removed webhook "), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "the POST that timed out made it after all"), "%s",
	                   r.out);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

static void S_no_call_left_case(const char *fault, const char *said, const char *alt)
{
	pdh_t_world w;
	pdh_t_run r;
	double t0;

	/* The first create is served with "no call left" for an hour: apply must not sleep. */
	pdh_t_world_setup(&w, (char *[]){ "--fail", (char *)fault, NULL }, SIX);
	t0 = S_now();
	pdh_t_world_apply(&r, &w, 5, "--parallelism", "1");
	cr_expect_lt(S_now() - t0, 5.0);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1);
	cr_expect_not_null(strstr(r.out, "Apply: 1 created, 0 deleted, 0 failed, 5 not run"), "%s",
	                   r.out);
	cr_expect(strstr(r.out, said) || (alt && strstr(r.out, alt)), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Not run:\n"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_reliability, no_call_left_for_an_hour_stops_at_once_with_exit_5)
{
	S_no_call_left_case("POST:ratelimit-zero:1", "rate limit allows no call for 3600 s", NULL);
}

Test(apply_reliability, a_reset_given_as_an_epoch_second_is_waited_for_as_one)
{
	/* reset = now + 3600 as a Unix time: read as an hour, not as 56 years (3599 s when a
	 * second ends between the fake's clock and ours) */
	S_no_call_left_case("POST:ratelimit-zero-epoch:1", "rate limit allows no call for 3600 s",
	                    "rate limit allows no call for 3599 s");
}

Test(apply_reliability, a_post_made_at_once_but_answered_late_is_found_by_a_listing)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:late-answer=2500:1", NULL }, ONE);
	pdh_t_world_apply(&r, &w, 0, "--timeout", "1");
	/* (the fake logs the late POST only once it has answered, so count webhooks) */
	cr_expect_eq(pdh_t_world_count_hooks(&w), 1, "re-sent blindly:\n%s", r.out);
	cr_expect_not_null(strstr(r.out, "(confirmed by a listing)"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
