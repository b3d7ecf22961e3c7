/* The listing's waits outside apply's engine: plan, status and export say on stderr when they
 * wait for Pipedrive's rate limit (not with -q), and apply --max-wait bounds the retries of
 * the plan's own listing. Against pdhooks-fake over real HTTP. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "testutil.h"
#include "world.h"

#define ONE                                                                             \
	"pdhooks: 1\nwebhooks:\n"                                                       \
	"  - {event_action: create, event_object: deal, "                               \
	"subscription_url: https://hooks.example.com/one}\n"

#define WAIT_LINE "pdhooks: waiting "
#define WAIT_WHY "retrying GET /webhooks (rate limited (429))"

/* In a world that allows one call per 2 s (12 s under valgrind): a first plan spends the window's call, then `cmd`
 * (with -q when quiet) lists at once, is answered 429 and waits for the window. Returns
 * the second run (the caller disposes it). */
static void S_second_listing(pdh_t_run *r, const char *cmd, bool quiet)
{
	pdh_t_world w;
	pdh_t_run first;
	/* under valgrind the second run must still start within the window */
	char *window = pdh_t_slow_ms(2000);

	pdh_t_world_setup(&w, (char *[]){ "--rate-limit", "1", "--rate-window-ms", window, NULL },
	                  ONE);
	free(window);
	pdh_t_world_run(&first, &w, NULL, "plan", "-q", "-f", w.file, NULL);
	cr_assert_eq(first.status, 0, "%s", first.err);
	pdh_t_run_dispose(&first);
	if (strcmp(cmd, "export") == 0)
		pdh_t_world_run(r, &w, NULL, cmd, quiet ? "-q" : "--no-color", NULL);
	else
		pdh_t_world_run(r, &w, NULL, cmd, quiet ? "-q" : "--no-color", "-f", w.file, NULL);
	cr_expect_eq(r->status, 0, "%s: exit %d: %s", cmd, r->status, r->err);
	pdh_t_world_teardown(&w);
}

/* Every test's bound: the first makes three runs, each waiting for the rate limit, and needs
 * room for valgrind on a busy machine (one suite-level timeout: a test's own leaks a
 * Criterion allocation under LeakSanitizer). */
TestSuite(listing_waits, .timeout = 180);

Test(listing_waits, plan_status_and_export_say_a_rate_limit_wait)
{
	const char *cmds[] = { "plan", "status", "export" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		pdh_t_run r;

		S_second_listing(&r, cmds[i], false);
		cr_expect_not_null(strstr(r.err, WAIT_LINE), "%s: %s", cmds[i], r.err);
		cr_expect_not_null(strstr(r.err, WAIT_WHY), "%s: %s", cmds[i], r.err);
		pdh_t_run_dispose(&r);
	}
}

Test(listing_waits, quiet_keeps_the_listing_wait_to_itself)
{
	pdh_t_run r;

	S_second_listing(&r, "plan", true);
	cr_expect_null(strstr(r.err, WAIT_LINE), "%s", r.err);
	pdh_t_run_dispose(&r);
}

/* A persistent 503 on the listing: with --max-wait 1 the plan's listing stops retrying after
 * about a second (its waits would end past it), where the default bound takes 5 attempts. */
Test(listing_waits, max_wait_bounds_the_plans_listing)
{
	pdh_t_world w;
	pdh_t_run r;
	char *log;
	long long start, took;
	int gets;

	pdh_t_world_setup(&w, NULL, ONE);
	pdh_t_world_fail(&w, "\"GET:503:1000\"");
	pdh_t_world_reset_calls(&w);
	start = pdh_now_ms();
	pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", "--max-wait", "1", "-f", w.file,
	                NULL);
	took = pdh_now_ms() - start;
	cr_expect_eq(r.status, 5, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "could not check the live webhooks"), "%s", r.err);
	log = pdh_t_world_call_log(&w);
	gets = pdh_t_count(log, "GET /");
	cr_expect(gets >= 2 && gets < 5, "%d GETs within a 1 s budget: %s", gets, log);
	cr_expect_lt(took, 2500LL * pdh_t_slowdown(), "took %lld ms", took);
	free(log);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* A 429 whose wait overflows any integer (Retry-After or x-ratelimit-reset): past every
 * budget, so plan says the API could not be checked (exit 5) at once, and apply stops
 * before any write. */
Test(listing_waits, a_huge_rate_limit_wait_is_exit_5_at_once)
{
	static const char *const kinds[] = { "retry-after-huge", "ratelimit-reset-huge" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *get = pdh_xasprintf("GET:%s:9", kinds[i]);
		char *post = pdh_xasprintf("POST:%s:9", kinds[i]);
		pdh_t_world w;
		pdh_t_run r;
		long long t0;

		pdh_t_world_setup(&w, (char *[]){ "--fail", get, NULL }, ONE);
		t0 = pdh_now_ms();
		pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
		cr_expect_eq(r.status, 5, "%s: plan exit %d: %s", kinds[i], r.status, r.err);
		cr_expect_lt(pdh_now_ms() - t0, 3000LL * pdh_t_slowdown(), "%s: plan took %lld ms",
		             kinds[i],
		             pdh_now_ms() - t0);
		cr_expect_not_null(strstr(r.err, "could not check the live webhooks: HTTP 429"),
		                   "%s: %s", kinds[i], r.err);
		cr_expect_not_null(strstr(r.err, "past the retry time"), "%s: %s", kinds[i], r.err);
		pdh_t_run_dispose(&r);
		pdh_t_world_teardown(&w);

		pdh_t_world_setup(&w, (char *[]){ "--fail", post, NULL }, ONE);
		t0 = pdh_now_ms();
		pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", "-f", w.file, NULL);
		cr_expect_eq(r.status, 5, "%s: apply exit %d: %s\n%s", kinds[i], r.status, r.out,
		             r.err);
		cr_expect_lt(pdh_now_ms() - t0, 3000LL * pdh_t_slowdown(), "%s: apply took %lld ms",
		             kinds[i],
		             pdh_now_ms() - t0);
		cr_expect_not_null(strstr(r.out, "Pipedrive's rate limit allows no call for"),
		                   "%s: %s", kinds[i], r.out);
		cr_expect_eq(pdh_t_world_count_hooks(&w), 0);
		pdh_t_run_dispose(&r);
		pdh_t_world_teardown(&w);
		free(get);
		free(post);
	}
}
