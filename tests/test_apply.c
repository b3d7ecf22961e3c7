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
#include "pdhooks/clock.h"
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

/* Live webhooks for the fake's state, with a literal id; HOOK_DEALS matches "deals". */
#define HOOK_DEALS(id) "{\"id\":" #id ",\"name\":\"deals\",\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"subscription_url\":\"https://hooks.example.com/deals\"}"
#define HOOK_PERSONS(id) "{\"id\":" #id ",\"name\":\"persons\",\"event_action\":\"change\"," \
	"\"event_object\":\"person\",\"subscription_url\":\"https://hooks.example.com/persons\"}"
#define HOOK_ORGS(id) "{\"id\":" #id ",\"name\":\"orgs\",\"event_action\":\"create\"," \
	"\"event_object\":\"organization\",\"subscription_url\":\"https://hooks.example.com/orgs\"}"
/* Faults for POST /_fake/fail: the next count answers to method have that status; the next
 * answer to method is of that kind (see `pdhooks-fake --help`). */
#define FAULT_STATUS(method, status, count) "{\"method\":\"" method "\",\"kind\":\"status\"," \
	"\"status\":" #status ",\"count\":" #count "}"
#define FAULT_ONCE(method, kind) "{\"method\":\"" method "\",\"kind\":\"" kind "\",\"count\":1}"
/* "deals" under another name, as id 41: the plan replaces it. */
#define OLD_DEALS_41 \
	"[{\"id\":41,\"name\":\"old\",\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"subscription_url\":\"https://hooks.example.com/deals\"}]"

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

static double S_now(void)
{
	return (double)pdh_now_ms() / 1e3;
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

/* ---- apply scenarios: one case each, run by S_run_case ---- */

#define S_LIST 6   /* the most entries in one list of a case */
#define S_ARGS 3   /* the most arguments a case adds */

/* A number after the apply: what is "GET", "POST" or "DELETE" (the calls of that method the
 * fake served), "calls" (all of them) or "hooks" (the live webhooks). It is n, or from n to
 * up_to when up_to is set. In log_counts, what is a text counted in the call log. */
typedef struct S_count {
	const char *what;
	int n, up_to;
} S_count;

/* How many live webhooks have url (only the active ones, when active). */
typedef struct S_url {
	const char *url;
	int n;
	bool active;
} S_url;

/* One scenario: what the fake holds and is told, how apply runs, and what must follow. Every
 * list ends at its first empty entry. The call counts are reset just before the run. */
typedef struct S_case {
	void (*prepare)(void);       /* first, what a literal cannot set up; NULL: nothing */
	const char *seed;            /* the live webhooks (a JSON array); NULL: as they are */
	const char *config;          /* POST /_fake/config; NULL: none */
	const char *desired;         /* the desired file; NULL: as it is */
	const char *fault;           /* POST /_fake/fail; NULL: none */
	/* The run: `apply -f FILE [--auto-approve] args...` with stdin from in (NULL: none). */
	bool no_auto_approve;
	const char *args[S_ARGS];
	const char *in;
	int status;                  /* the exit status */
	double min_s, max_s;         /* it took at least min_s, less than max_s (0: unchecked) */
	S_count counts[S_LIST];
	S_url urls[S_LIST];
	const char *out_has[S_LIST], *out_lacks[S_LIST];
	const char *err_has[S_LIST], *err_lacks[S_LIST];
	const char *log_has[S_LIST];
	S_count log_counts[S_LIST];
	const char *log_order[S_LIST];   /* their first places in the call log are in this order */
	bool converged;              /* then `plan --detailed-exitcode` has nothing to do */
	const struct S_case *then;   /* run next in the same world (NULL: none) */
} S_case;

static int S_count_of(const char *what)
{
	if (strcmp(what, "hooks") == 0)
		return (int)pdh_t_world_count_hooks(&W);
	return pdh_t_fake_calls(W.fake, strcmp(what, "calls") == 0 ? NULL : what);
}

static void S_expect_count(const S_count *c, int got, const char *where)
{
	if (c->up_to) {
		cr_expect_geq(got, c->n, "%s %s: %d, fewer than %d", where, c->what, got, c->n);
		cr_expect_leq(got, c->up_to, "%s %s: %d, more than %d", where, c->what, got, c->up_to);
	} else {
		cr_expect_eq(got, c->n, "%s %s: %d, not %d", where, c->what, got, c->n);
	}
}

/* Expects text to hold each of want (or, unless has, none of them). */
static void S_expect_texts(const char *what, const char *text, const char *const want[], bool has)
{
	for (size_t i = 0; i < S_LIST && want[i]; i++)
		cr_expect_eq(strstr(text, want[i]) != NULL, has, "%s %s '%s':\n%s", what,
		             has ? "lacks" : "holds", want[i], text);
}

static void S_expect_log(const S_case *c)
{
	char *log = pdh_t_world_call_log(&W);
	const char *prev = NULL;

	S_expect_texts("the call log", log, c->log_has, true);
	for (size_t i = 0; i < S_LIST && c->log_counts[i].what; i++)
		S_expect_count(&c->log_counts[i], pdh_t_count(log, c->log_counts[i].what),
		               "in the call log,");
	for (size_t i = 0; i < S_LIST && c->log_order[i]; i++) {
		const char *p = strstr(log, c->log_order[i]);

		cr_expect_not_null(p, "no '%s' in the call log:\n%s", c->log_order[i], log);
		if (i > 0)
			cr_expect(prev && p && prev < p, "'%s' is not after '%s':\n%s", c->log_order[i],
			          c->log_order[i - 1], log);
		prev = p;
	}
	free(log);
}

/* Sets up c's world, runs apply, checks all c expects, then runs c->then. */
static void S_run_case(const S_case *c)
{
	const char *opt[S_ARGS + 1] = { NULL };   /* --auto-approve, args */
	size_t n = 0;
	pdh_t_run r;
	double t0, took;

	if (!c->no_auto_approve)
		opt[n++] = "--auto-approve";
	for (size_t i = 0; i < S_ARGS && c->args[i]; i++)
		opt[n++] = c->args[i];

	if (c->prepare)
		c->prepare();
	if (c->seed)
		pdh_t_fake_set_state(W.fake, c->seed);
	if (c->config)
		pdh_t_world_control(&W, "/_fake/config", c->config);
	if (c->desired)
		S_desired(c->desired);
	if (c->fault)
		pdh_t_world_fail(&W, c->fault);
	pdh_t_world_reset_calls(&W);
	t0 = S_now();
	pdh_t_world_run_in(&r, &W, NULL, c->in, "apply", "-f", W.file, opt[0], opt[1], opt[2],
	                   opt[3], NULL);
	took = S_now() - t0;
	cr_expect_eq(r.status, c->status, "exit %d, not %d\nstdout: %s\nstderr: %s", r.status,
	             c->status, r.out, r.err);
	if (c->min_s)
		cr_expect_geq(took, c->min_s, "%.2f s: the limit was not waited out", took);
	if (c->max_s)
		cr_expect_lt(took, c->max_s, "%.2f s", took);
	for (size_t i = 0; i < S_LIST && c->counts[i].what; i++)
		S_expect_count(&c->counts[i], S_count_of(c->counts[i].what), "after the apply,");
	for (size_t i = 0; i < S_LIST && c->urls[i].url; i++) {
		const S_url *u = &c->urls[i];
		int got = pdh_t_world_count_url(&W, u->url, u->active);

		cr_expect_eq(got, u->n, "%d %swebhooks at %s, not %d", got, u->active ? "active " : "",
		             u->url, u->n);
	}
	S_expect_texts("stdout", r.out, c->out_has, true);
	S_expect_texts("stdout", r.out, c->out_lacks, false);
	S_expect_texts("stderr", r.err, c->err_has, true);
	S_expect_texts("stderr", r.err, c->err_lacks, false);
	if (c->log_has[0] || c->log_counts[0].what || c->log_order[0])
		S_expect_log(c);
	if (c->converged)
		cr_expect_eq(S_plan_status(), 0);
	pdh_t_run_dispose(&r);
	if (c->then)
		S_run_case(c->then);
}

TestSuite(apply, .init = setup, .fini = teardown, .timeout = 60);

static const S_case S_empty_account = {
	.desired = three,
	.status = 0,
	.out_has = { "Plan: 3 to create", "Apply: 3 created, 0 deleted, 0 failed, 0 not run",
	             "Verified" },
	.urls = { { "https://hooks.example.com/deals", 1, true },
	          { "https://hooks.example.com/persons", 1, true },
	          { "https://hooks.example.com/notes", 1, true } },
	/* one listing to plan, GET /users/me (an empty listing names no company), three
	 * creates, one listing to verify */
	.counts = { { "hooks", 3 }, { "GET", 3 }, { "POST", 3 }, { "DELETE", 0 } },
	.converged = true,
};
Test(apply, converges_from_an_empty_account) { S_run_case(&S_empty_account); }

static const S_case S_partial_account = {
	.seed = "[" HOOK_DEALS(7) "]",
	.desired = three,
	.status = 0,
	.counts = { { "POST", 2 }, { "DELETE", 0 }, { "hooks", 3 } },
	.urls = { { "https://hooks.example.com/deals", 1, true } },
	.converged = true,
};
Test(apply, converges_from_a_partial_account) { S_run_case(&S_partial_account); }

/* deals matches; persons has another name (replace); notes is inactive (replace); orgs is
 * owned and undeclared (delete); the other host is foreign (kept). */
static const S_case S_drifted_account = {
	.seed = "[" HOOK_DEALS(1) ","
	        "{\"id\":2,\"name\":\"old-persons\",\"event_action\":\"change\","
	        "\"event_object\":\"person\",\"subscription_url\":\"https://hooks.example.com/persons\"},"
	        "{\"id\":3,\"name\":\"notes\",\"event_action\":\"delete\",\"event_object\":\"note\","
	        "\"subscription_url\":\"https://hooks.example.com/notes\",\"is_active\":0},"
	        HOOK_ORGS(4) ","
	        "{\"id\":5,\"name\":\"theirs\",\"event_action\":\"create\",\"event_object\":\"deal\","
	        "\"subscription_url\":\"https://other.example.org/x\"}]",
	.desired = three,
	.status = 0,
	.out_has = { "Apply: 2 created, 3 deleted, 0 failed, 0 not run" },
	.urls = { { "https://hooks.example.com/deals", 1 },
	          { "https://hooks.example.com/persons", 1 },
	          { "https://hooks.example.com/notes", 1, true },
	          { "https://hooks.example.com/notes", 1 },
	          { "https://hooks.example.com/orgs", 0 },
	          { "https://other.example.org/x", 1 } },
	.converged = true,
};
Test(apply, converges_from_a_drifted_account) { S_run_case(&S_drifted_account); }

/* Once applied, a second apply only lists. */
static const S_case S_second_apply = {
	.desired = three,
	.status = 0,
	.then = &(const S_case){
		.status = 0,
		.out_has = { "Nothing to do." },
		.counts = { { "GET", 1 }, { "calls", 1 } },
	},
};
Test(apply, second_apply_makes_only_the_listing) { S_run_case(&S_second_apply); }

static const S_case S_nothing_to_do = {
	.desired = "pdhooks: 1\nwebhooks: []\n",
	.no_auto_approve = true,
	.status = 0,
	.out_has = { "Nothing to do." },
	.counts = { { "calls", 2 } },   /* the listing, and /users/me: it is empty */
};
Test(apply, nothing_to_do_needs_no_terminal_and_no_approval) { S_run_case(&S_nothing_to_do); }

static const S_case S_replace_order = {
	.seed = OLD_DEALS_41,
	.desired = one,
	.status = 0,
	/* the create comes before the delete */
	.log_order = { "POST /v1/webhooks 201", "DELETE /v1/webhooks/41 200" },
	.urls = { { "https://hooks.example.com/deals", 1 } },
};
Test(apply, replace_creates_before_it_deletes) { S_run_case(&S_replace_order); }

static const S_case S_failed_create_of_a_replace = {
	.seed = OLD_DEALS_41,
	.desired = one,
	.fault = FAULT_STATUS("POST", 400, 1),
	.status = 1,
	.counts = { { "DELETE", 0 } },
	.urls = { { "https://hooks.example.com/deals", 1 } },
	.out_has = { "not run  delete", "(id 41): kept", "failed   create" },
};
Test(apply, failed_create_of_a_replace_keeps_the_old_webhook)
{
	S_run_case(&S_failed_create_of_a_replace);
}

static const S_case S_one_failed_call = {
	.desired = three,
	.fault = FAULT_STATUS("POST", 400, 1),
	.args = { "--parallelism", "1" },
	.status = 1,
	.counts = { { "hooks", 2 } },
	/* Pipedrive's own text (the fake's answer for 400) is shown with the failure. */
	.out_has = { "Apply: 2 created, 0 deleted, 1 failed", "Bad Request", "Not converged" },
	.err_has = { "pdhooks: error:" },
};
Test(apply, one_failed_call_does_not_stop_the_others) { S_run_case(&S_one_failed_call); }

/* 1 call per 2 s: the listing takes it, so the create (sent before any header could say so)
 * runs into a 429 with Retry-After, waits it out and is sent again. */
static const S_case S_retry_after = {
	.config = "{\"rate_limit\":1}",
	.desired = one,
	.status = 0,
	.min_s = 0.9,
	.log_has = { "POST /v1/webhooks 429\n" },
	.log_counts = { { "POST /v1/webhooks 201\n", 1 } },
	.counts = { { "hooks", 1 } },
};
Test(apply, rate_limit_429_with_retry_after_is_waited_out) { S_run_case(&S_retry_after); }

/* A high limit: every answer carries x-ratelimit-*; the injected 429s have no Retry-After,
 * so the wait comes from x-ratelimit-reset (whole seconds). */
static const S_case S_ratelimit_headers_only = {
	.config = "{\"rate_limit\":1000}",
	.fault = FAULT_STATUS("POST", 429, 1),
	.desired = one,
	.status = 0,
	.min_s = 0.9,
	.counts = { { "POST", 2 }, { "hooks", 1 } },
};
Test(apply, rate_limit_429_with_ratelimit_headers_only) { S_run_case(&S_ratelimit_headers_only); }

static void S_twelve_new(void)
{
	S_desired_n(12);
}

/* The paced calls never run into the limit. */
static const S_case S_paced = {
	.config = "{\"rate_limit\":8}",
	.prepare = S_twelve_new,
	.status = 0,
	.log_counts = { { " 429\n", 0 } },
	.counts = { { "hooks", 12 } },
};
Test(apply, ratelimit_headers_pace_the_calls) { S_run_case(&S_paced); }

static void S_skip_near_midnight(void)
{
	time_t now = time(NULL);

	if (86400 - now % 86400 < 120)
		cr_skip_test("the fake's daily limit resets at UTC midnight, which is too close");
}

/* The plan's listing, /users/me (the company is empty) and two creates use the day's budget;
 * the third create gets 429 with a Retry-After of hours, and nothing more is sent. */
static const S_case S_beyond_the_retry_budget = {
	.prepare = S_skip_near_midnight,
	.config = "{\"daily_limit\":4}",
	.desired = "pdhooks: 1\nwebhooks:\n"
	           "  - {name: a, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/a}\n"
	           "  - {name: b, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/b}\n"
	           "  - {name: c, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/c}\n"
	           "  - {name: d, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/d}\n",
	.args = { "--parallelism", "1" },
	/* 5: the API kept refusing (429) past the wait budget, not a problem of the file */
	.status = 5,
	.max_s = 10.0,
	.counts = { { "POST", 3 }, { "GET", 2 }, { "hooks", 2 } },
	.out_has = { "not sent: Pipedrive's rate limit allows no call", "Not verified" },
};
Test(apply, rate_limit_beyond_the_retry_budget_stops_sending)
{
	S_run_case(&S_beyond_the_retry_budget);
}

static const S_case S_post_503 = {
	.desired = one,
	.fault = FAULT_STATUS("POST", 503, 1),
	.status = 0,
	/* GET: plan, /users/me (empty), the listing that showed it absent, verification */
	.counts = { { "hooks", 1 }, { "POST", 2 }, { "GET", 4 } },
};
Test(apply, post_503_without_creation_is_sent_again_after_a_listing) { S_run_case(&S_post_503); }

static const S_case S_create_then_503 = {
	.desired = one,
	.fault = FAULT_ONCE("POST", "create-503"),
	.status = 0,
	.urls = { { "https://hooks.example.com/deals", 1 } },
	.counts = { { "POST", 1 } },
	.out_has = { "confirmed by a listing" },
};
Test(apply, create_then_503_makes_exactly_one_webhook) { S_run_case(&S_create_then_503); }

static const S_case S_dropped_post = {
	.desired = one,
	.fault = FAULT_ONCE("POST", "drop"),
	.status = 0,
	.urls = { { "https://hooks.example.com/deals", 1 } },
	.log_counts = { { "POST /v1/webhooks 0\n", 1 }, { "POST /v1/webhooks 201\n", 1 } },
	/* the listing between the lost answer and the second POST */
	.log_has = { "POST /v1/webhooks 0\nGET /v1/webhooks 200\nPOST /v1/webhooks 201\n" },
};
Test(apply, dropped_connection_on_post_is_settled_by_a_listing) { S_run_case(&S_dropped_post); }

static const S_case S_truncated_post = {
	.desired = one,
	.fault = FAULT_ONCE("POST", "truncated"),
	.status = 0,
	.urls = { { "https://hooks.example.com/deals", 1 } },
	/* the plan's listing, /users/me (empty), the settling listing, the verification */
	.counts = { { "GET", 4 } },
};
Test(apply, truncated_answer_to_a_post_is_settled_by_a_listing) { S_run_case(&S_truncated_post); }

static const S_case S_cdn_html_on_delete = {
	.seed = "[" HOOK_DEALS(1) "," HOOK_ORGS(2) "]",
	.desired = one,
	.fault = "{\"method\":\"DELETE\",\"kind\":\"html\",\"status\":403,\"count\":1}",
	.status = 1,
	/* 403 is final: one DELETE, no retry */
	.counts = { { "DELETE", 1 }, { "hooks", 2 } },
	.out_has = { "failed   delete" },
	.out_lacks = { "<html" },
};
Test(apply, cdn_html_page_on_delete_is_a_failure_with_its_status)
{
	S_run_case(&S_cdn_html_on_delete);
}

static const S_case S_gateway_error_on_delete = {
	.seed = "[" HOOK_DEALS(1) "," HOOK_ORGS(2) "]",
	.desired = one,
	.fault = FAULT_STATUS("DELETE", 502, 2),
	.status = 0,
	.counts = { { "DELETE", 3 }, { "hooks", 1 } },
};
Test(apply, gateway_error_on_delete_is_retried) { S_run_case(&S_gateway_error_on_delete); }

/* The fake takes 1.5 s and makes the webhook; pdhooks gives up waiting after 1 s. */
static const S_case S_timed_out_post = {
	.desired = one,
	.fault = "{\"method\":\"POST\",\"kind\":\"delay\",\"delay_ms\":1500,\"count\":1}",
	.args = { "--timeout", "1" },
	.status = 0,
	.urls = { { "https://hooks.example.com/deals", 1 } },
	.counts = { { "POST", 1 } },
	.out_has = { "confirmed by a listing" },
};
Test(apply, timed_out_post_that_the_server_finishes_is_not_sent_twice)
{
	S_run_case(&S_timed_out_post);
}

static const S_case S_first_listing_retried = {
	.desired = one,
	.fault = FAULT_STATUS("GET", 503, 1),
	.status = 0,
	/* GET: 503, the listing planned from, /users/me (empty), the verification */
	.counts = { { "GET", 4 }, { "hooks", 1 } },
};
Test(apply, the_first_listing_is_retried_too) { S_run_case(&S_first_listing_retried); }

static const S_case S_persistent_5xx = {
	.seed = "[" HOOK_ORGS(9) "]",
	.desired = one,
	.fault = FAULT_STATUS("POST", 503, 1000),
	.status = 1,
	.max_s = 20.0,
	/* hooks 0: the delete was made */
	.counts = { { "POST", 2, PDH_RETRY_DEFAULT_ATTEMPTS }, { "hooks", 0 } },
	.out_has = { "deleted  create.organization", "failed   create", "Service Unavailable" },
};
Test(apply, persistent_5xx_is_bounded_and_the_rest_is_done) { S_run_case(&S_persistent_5xx); }

/* 40 webhooks (the limit): 37 declared, 3 undeclared; the file adds 3 new ones. */
static void S_at_the_limit(void)
{
	pdh_buf seed = PDH_BUF_INIT, y = PDH_BUF_INIT;

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
	pdh_buf_dispose(&seed);
	pdh_buf_dispose(&y);
}

static const S_case S_webhook_limit = {
	.prepare = S_at_the_limit,
	.status = 0,
	.counts = { { "hooks", 40 } },
	.urls = { { "https://hooks.example.com/new/2", 1 }, { "https://hooks.example.com/h/39", 0 } },
	.log_order = { "POST /v1/webhooks 422\n", "DELETE /v1/webhooks/", "POST /v1/webhooks 201\n" },
	.log_counts = { { "POST /v1/webhooks 201\n", 3 } },
};
Test(apply, webhook_limit_422_runs_the_deletes_first) { S_run_case(&S_webhook_limit); }

static const S_case S_max_deletes = {
	.seed = "[" HOOK_ORGS(1) "," HOOK_PERSONS(2) "," HOOK_DEALS(3) "]",
	.desired = one,
	.args = { "--max-deletes", "1" },
	.status = 3,
	.err_has = { "max_deletes" },
	.counts = { { "POST", 0 }, { "DELETE", 0 }, { "hooks", 3 } },
	/* --force applies the same plan */
	.then = &(const S_case){
		.args = { "--max-deletes", "1", "--force" },
		.status = 0,
		.counts = { { "hooks", 1 } },
	},
};
Test(apply, brake_max_deletes_refuses_with_exit_3_and_no_write) { S_run_case(&S_max_deletes); }

static const S_case S_brake_every_owned = {
	.seed = "[" HOOK_ORGS(1) "," HOOK_PERSONS(2) "]",
	.desired = one,
	.status = 3,
	.err_has = { "pdhooks: error: refused" },
	.counts = { { "POST", 0 }, { "DELETE", 0 }, { "GET", 1 } },
};
Test(apply, brake_deleting_every_owned_webhook_refuses) { S_run_case(&S_brake_every_owned); }

static const S_case S_no_terminal_no_auto_approve = {
	.desired = three,
	.no_auto_approve = true,
	.in = "yes\n",
	.status = 1,
	.err_has = { "--auto-approve" },
	.out_has = { "Plan: 3 to create" },
	.counts = { { "POST", 0 }, { "GET", 2 }, { "hooks", 0 } },  /* listing, /users/me */
};
Test(apply, refuses_without_a_terminal_and_without_auto_approve)
{
	S_run_case(&S_no_terminal_no_auto_approve);
}

static const S_case S_verbose = {
	.desired = three,
	.args = { "-v" },
	.status = 0,
	.err_has = { "POST" },
	.err_lacks = { "test-token" },
	.out_lacks = { "test-token" },
};
Test(apply, verbose_logs_calls_but_never_the_token) { S_run_case(&S_verbose); }


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
		pdh_nap_ms(20);
		waited += 20;
	}
	pdh_nap_ms(100);
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

	pdh_t_fake_set_state(W.fake, "[" HOOK_DEALS(1) "," HOOK_ORGS(2) "]");
	S_desired(one);
	S_core_plan(&c);
	cr_assert_eq(c.run.plan->n_actions, 1);
	/* Someone else removes the webhook between the plan and the apply. */
	pdh_t_fake_set_state(W.fake, "[" HOOK_DEALS(1) "]");
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

	pdh_t_fake_set_state(W.fake, "[" HOOK_PERSONS(1) "," HOOK_ORGS(2) "]");
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
