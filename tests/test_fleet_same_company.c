/* Two accounts of a fleet that resolve to one company (a copied token_env, a company_domain
 * mistyped into another URL of the same API) are refused before any write, both, each naming
 * the other; the other accounts go on. Against pdhooks-fake; the rules themselves
 * (pdh_fleet_same_company) at the end. */
#define _DEFAULT_SOURCE /* openpty */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "pdhooks/fleet_run.h"
#include "testutil.h"
#include "world.h"

#define DESIRED                                                                         \
	"pdhooks: 1\nwebhooks:\n"                                                       \
	"  - {event_action: create, event_object: deal, "                               \
	"subscription_url: https://hooks.example.com/deals}\n"

PDH_T_FLEET_SUITE(F, fleet_same_company, 2, DESIRED);

/* An account entry of company 0 reached through url (the fake's own with "127.0.0.1" as
 * host, or "localhost"). */
static char *S_entry(const char *name, const char *host)
{
	const char *url = pdh_t_fake_url(F.fakes[0]);
	const char *at = strstr(url, "127.0.0.1");

	cr_assert_not_null(at);
	return pdh_xasprintf("  - name: %s\n    api_url: %.*s%s%s\n    token_env: PDH_T_TOK_0\n",
	                     name, (int)(at - url), url, host, at + strlen("127.0.0.1"));
}

/* In report, account name failed with an error naming other. */
static void S_expect_refused(json_t *report, const char *name, const char *other,
                             const char *why)
{
	json_t *a = pdh_t_report_account(report, name);
	const char *e = json_string_value(json_object_get(a, "error"));
	char *want = pdh_xasprintf("refused: account %s %s", other, why);

	cr_expect_str_eq(json_string_value(json_object_get(a, "outcome")), "failed");
	cr_expect_eq(json_integer_value(json_object_get(a, "exit_code")), 1);
	cr_expect(e && strstr(e, want), "%s: %s", name, e ? e : "(no error)");
	cr_expect(e && strstr(e, "tok-0") == NULL, "the token shown: %s", e);
	free(want);
}

/* `pdhooks apply --auto-approve` or `plan`, --fleet, --format json: its report. */
/* Both accounts refused, each naming the other. */
static void S_expect_pair(json_t *report, const char *a, const char *b, const char *why)
{
	S_expect_refused(report, a, b, why);
	S_expect_refused(report, b, a, why);
}

static json_t *S_run(int want, const char *command)
{
	pdh_t_run r;
	json_t *j;

	if (strcmp(command, "apply") == 0)
		pdh_t_pdhooks(&r, F.env, NULL, "apply", "--fleet", F.fleet, "--auto-approve",
		              "--format", "json", NULL);
	else
		pdh_t_pdhooks(&r, F.env, NULL, command, "--fleet", F.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, want, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "tok-0") == NULL && strstr(r.err, "tok-0") == NULL,
	          "the token shown:\n%s%s", r.out, r.err);
	j = json_loads(r.out, 0, NULL);
	cr_assert_not_null(j, "%s", r.out);
	pdh_t_run_dispose(&r);
	return j;
}

Test(fleet_same_company, one_token_copied_into_two_accounts_refuses_both_before_any_write)
{
	json_t *j;

	pdh_t_fleet_write(&F, (char *[]){ S_entry("first", "127.0.0.1"),
	                                  S_entry("copy", "127.0.0.1"),
	                                  pdh_t_fleet_account(&F, "other", 1, NULL), NULL });
	j = S_run(1, "apply");
	S_expect_pair(j, "first", "copy", "has the same API URL and token");
	cr_expect_str_eq(json_string_value(json_object_get(pdh_t_report_account(j, "other"), "outcome")),
	                 "applied");
	json_decref(j);
	cr_expect_eq(pdh_t_fake_calls(F.fakes[0], "POST"), 0, "a write to the shared company");
	cr_expect_eq(pdh_t_fake_calls(F.fakes[0], "DELETE"), 0, "a write to the shared company");
	cr_expect_eq(pdh_t_fake_calls(F.fakes[1], "POST"), 1);

	/* plan says so too, in every format */
	j = S_run(1, "plan");
	S_expect_pair(j, "first", "copy", "has the same API URL and token");
	cr_expect_str_eq(json_string_value(json_object_get(pdh_t_report_account(j, "other"), "outcome")),
	                 "in_sync");
	json_decref(j);
	for (int f = 0; f < 2; f++) {
		pdh_t_run r;

		pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "--format",
		              f ? "markdown" : "text", NULL);
		cr_expect_eq(r.status, 1, "%s", r.err);
		cr_expect(strstr(r.out, "account copy has the same API URL and token"), "%s", r.out);
		cr_expect(strstr(r.out, "account first has the same API URL and token"), "%s", r.out);
		cr_expect(strstr(r.err, "account first: refused: account copy"), "%s", r.err);
		pdh_t_run_dispose(&r);
	}
}

/* The same company through another URL of its API (a mistyped company_domain): the listing's
 * company_id tells, once the company has a webhook to show it. */
Test(fleet_same_company, one_company_under_two_urls_is_refused_by_its_company_id)
{
	json_t *j;
	pdh_t_run r;
	int posts;

	pdh_t_fleet_write(&F, (char *[]){ S_entry("first", "127.0.0.1"),
	                                  S_entry("typo", "localhost"),
	                                  pdh_t_fleet_account(&F, "other", 1, NULL), NULL });
	/* an empty company shows no company_id: only the first account applies here */
	pdh_t_pdhooks(&r, F.env, NULL, "apply", "--fleet", F.fleet, "--account", "first",
	              "--auto-approve", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	posts = pdh_t_fake_calls(F.fakes[0], "POST");
	j = S_run(1, "apply");
	S_expect_pair(j, "first", "typo", "manages the general webhooks of the same company "
	              "(company_id 101)");
	cr_expect_str_eq(json_string_value(json_object_get(pdh_t_report_account(j, "other"), "outcome")),
	                 "applied");
	json_decref(j);
	cr_expect_eq(pdh_t_fake_calls(F.fakes[0], "POST"), posts, "a write to the shared company");
	cr_expect_eq(pdh_t_fake_calls(F.fakes[0], "DELETE"), 0, "a write to the shared company");
}

/* ---- each account listed once ---- */

/* The GET /v1/webhooks f served since its calls were last reset. */
static int S_listings(pdh_t_fake *f)
{
	char *body = NULL;
	json_t *j, *h;
	size_t i;
	int n = 0;

	cr_assert_eq(pdh_t_fake_control(f, "GET", "/_fake/calls", NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	cr_assert_not_null(j, "%s", body);
	free(body);
	json_array_foreach(json_object_get(j, "log"), i, h) {
		const char *m = json_string_value(json_object_get(h, "method"));
		const char *p = json_string_value(json_object_get(h, "path"));

		n += m && p && strcmp(m, "GET") == 0 && strncmp(p, "/v1/webhooks", 12) == 0 &&
		     (p[12] == '\0' || p[12] == '?');
	}
	json_decref(j);
	return n;
}

static void S_reset_calls(void)
{
	for (size_t i = 0; i < F.n; i++)
		cr_assert_eq(pdh_t_fake_control(F.fakes[i], "POST", "/_fake/calls/reset", NULL, NULL),
		             200);
}

/* Two companies with a webhook each (so a plan names them from its listing alone), two
 * accounts on them. */
static void S_two_seeded(void)
{
	pdh_t_run r;

	pdh_t_fleet_write(&F, (char *[]){ pdh_t_fleet_account(&F, "acme", 0, NULL),
	                                  pdh_t_fleet_account(&F, "globex", 1, NULL), NULL });
	pdh_t_pdhooks(&r, F.env, NULL, "apply", "--fleet", F.fleet, "--auto-approve", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
}

/* plan --fleet lists each account once, in every format and with -o: the check of one
 * company in two accounts goes by the plan's own listings. */
Test(fleet_same_company, a_fleet_plan_lists_each_account_once)
{
	const char *formats[] = { "text", "json", "markdown" };
	char *dir = pdh_xasprintf("%s/plans", F.dir);

	S_two_seeded();
	for (int k = 0; k < 4; k++) {
		pdh_t_run r;

		S_reset_calls();
		if (k < 3)
			pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "--format", formats[k],
			              NULL);
		else
			pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "-o", dir, NULL);
		cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
		for (size_t i = 0; i < 2; i++) {
			cr_expect_eq(S_listings(F.fakes[i]), 1, "plan %d, company %zu", k, i);
			cr_expect_eq(pdh_t_fake_calls(F.fakes[i], NULL), 1, "plan %d, company %zu: "
			             "more than the listing", k, i);
		}
		pdh_t_run_dispose(&r);
	}
	free(dir);
}

/* A pair refused by the plan's one pass: no saved plan for either with -o (a plan saved by
 * the pass is removed), the other account's saved; each account still listed once. */
Test(fleet_same_company, a_refused_pair_gets_no_saved_plan)
{
	char *dir = pdh_xasprintf("%s/plans", F.dir);
	char *path[3];
	const char *names[] = { "first", "copy", "other" };
	pdh_t_run r;
	json_t *j;

	S_two_seeded();
	pdh_t_fleet_write(&F, (char *[]){ S_entry("first", "127.0.0.1"),
	                                  S_entry("copy", "127.0.0.1"),
	                                  pdh_t_fleet_account(&F, "other", 1, NULL), NULL });
	for (int i = 0; i < 3; i++)
		path[i] = pdh_xasprintf("%s/%s.json", dir, names[i]);
	for (int f = 0; f < 2; f++) {
		S_reset_calls();
		pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "-o", dir, "--format",
		              f ? "json" : "text", NULL);
		cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
		cr_expect(strstr(r.err, "account first: refused: account copy"), "%s", r.err);
		cr_expect(strstr(r.err, "saved the plan of account first") == NULL, "%s", r.err);
		cr_expect(strstr(r.err, "saved the plan of account other"), "%s", r.err);
		if (f) {
			j = json_loads(r.out, 0, NULL);
			cr_assert_not_null(j, "%s", r.out);
			S_expect_pair(j, "first", "copy", "has the same API URL and token");
			/* refused after its listing: the listing's cost is the account's */
			cr_expect_gt(json_integer_value(json_object_get(pdh_t_report_account(j, "first"),
			             "tokens")), 0, "%s", r.out);
			json_decref(j);
		} else {
			cr_expect(strstr(r.out, "account copy has the same API URL and token"), "%s",
			          r.out);
		}
		cr_expect_neq(access(path[0], F_OK), 0, "a refused account's plan saved");
		cr_expect_neq(access(path[1], F_OK), 0, "a refused account's plan saved");
		cr_expect_eq(access(path[2], F_OK), 0, "the other account's plan not saved");
		cr_expect_eq(S_listings(F.fakes[0]), 2, "first and copy, once each");
		cr_expect_eq(S_listings(F.fakes[1]), 1, "other, once");
		pdh_t_run_dispose(&r);
	}
	for (int i = 0; i < 3; i++)
		free(path[i]);
	free(dir);
}

/* `pdhooks apply --fleet F` with a terminal as stdin, answered "yes": its exit status, and
 * stdout and stderr into *out and *err (caller frees). */
static int S_apply_confirmed(char **out, char **err)
{
	char *out_path = pdh_xasprintf("%s/apply.out", F.dir);
	char *err_path = pdh_xasprintf("%s/apply.err", F.dir);
	int master, slave, status;
	pid_t pid;

	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0, "openpty: %s", strerror(errno));
	cr_assert_eq(write(master, "yes\n", 4), 4);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char *argv[] = { getenv("PDH_BIN"), "apply", "--fleet", F.fleet, NULL };

		pdh_t_apply_env(F.env);
		pdh_t_child_exec(slave, open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		                 open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600), argv);
	}
	close(slave);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	close(master);
	*out = pdh_t_read_file(out_path, NULL);
	*err = pdh_t_read_file(err_path, NULL);
	PDH_FREE_ALL(out_path, err_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* apply shown and confirmed: the preview's listings make the check, no listing pass before
 * it; a pair is still refused before any write, shown as refused. */
Test(fleet_same_company, apply_with_a_preview_lists_each_account_once_before_applying)
{
	char *out, *err;
	int status;

	S_two_seeded();
	pdh_t_write_file(F.desired, DESIRED "  - {event_action: create, event_object: person, "
	                 "subscription_url: https://hooks.example.com/people}\n");
	S_reset_calls();
	status = S_apply_confirmed(&out, &err);
	cr_expect_eq(status, 0, "%s%s", out, err);
	for (size_t i = 0; i < 2; i++) {
		/* the preview's, the apply's, and the one that verifies its write (a listing pass
		 * before the preview made it 4) */
		cr_expect_eq(S_listings(F.fakes[i]), 3, "company %zu:\n%s%s", i, out, err);
		cr_expect_eq(pdh_t_fake_calls(F.fakes[i], "POST"), 1, "company %zu", i);
	}
	PDH_FREE_ALL(out, err);

	pdh_t_write_file(F.desired, DESIRED "  - {event_action: create, event_object: org, "
	                 "subscription_url: https://hooks.example.com/orgs}\n");
	pdh_t_fleet_write(&F, (char *[]){ S_entry("first", "127.0.0.1"),
	                                  S_entry("copy", "127.0.0.1"),
	                                  pdh_t_fleet_account(&F, "other", 1, NULL), NULL });
	S_reset_calls();
	status = S_apply_confirmed(&out, &err);
	cr_expect_eq(status, 1, "%s%s", out, err);
	cr_expect(strstr(out, "account copy has the same API URL and token"), "%s", out);
	cr_expect(strstr(err, "account first: refused: account copy"), "%s", err);
	cr_expect_eq(pdh_t_fake_calls(F.fakes[0], "POST"), 0, "a write to the shared company");
	cr_expect_eq(pdh_t_fake_calls(F.fakes[0], "DELETE"), 0, "a write to the shared company");
	cr_expect_eq(pdh_t_fake_calls(F.fakes[1], "POST"), 1, "the other account applied");
	cr_expect_eq(S_listings(F.fakes[0]), 2, "first and copy, listed once each");
	PDH_FREE_ALL(out, err);
}

/* ---- the rules ---- */

static pdh_fleet_identity S_id(const char *name, const char *target, long long company,
                               bool bearer, unsigned declared)
{
	pdh_fleet_identity id;

	memset(&id, 0, sizeof(id));
	id.name = name;
	snprintf(id.target_sha256, sizeof(id.target_sha256), "%s", target);
	id.has_company_id = company > 0;
	id.company_id = company;
	id.bearer = bearer;
	id.declared_types = declared;
	return id;
}

/* Whether the two accounts are refused (each or neither). */
static bool S_refused(pdh_fleet_identity a, pdh_fleet_identity b)
{
	pdh_fleet_identity ids[3] = { a, b, S_id("far", "t-far", 999, false, 0) };
	char **why = pdh_fleet_same_company(ids, 3);
	bool both = why && why[0] && why[1], any = why && (why[0] || why[1]);

	cr_expect(both == any, "only one of the two refused");
	cr_expect(why == NULL || why[2] == NULL, "the third account refused");
	pdh_free_strings(why, 3);
	return both;
}

Test(fleet_same_company_rules, which_pairs_are_refused)
{
	/* API tokens of one company, or one credential whatever the types */
	cr_expect(S_refused(S_id("a", "t1", 5, false, 0), S_id("b", "t2", 5, false, 0)));
	cr_expect(S_refused(S_id("a", "t1", 0, false, 0), S_id("b", "t1", 0, false, 0)),
	          "an empty listing: the URL and token still tell");
	cr_expect(S_refused(S_id("a", "t1", 5, true, 0), S_id("b", "t1", 5, true, 0)),
	          "one OAuth token in two accounts");
	/* OAuth: its listing shows only its app's own webhooks */
	cr_expect(!S_refused(S_id("a", "t1", 5, true, 0), S_id("b", "t2", 5, true, 0)),
	          "two OAuth installs in one company");
	cr_expect(!S_refused(S_id("a", "t1", 5, true, PDH_TYPE_GENERAL),
	                     S_id("b", "t2", 5, true, PDH_TYPE_GENERAL)),
	          "two OAuth installs in one company, both declaring general");
	cr_expect(!S_refused(S_id("a", "t1", 5, true, 0), S_id("b", "t2", 5, false, 0)),
	          "an app (default types) beside an API token");
	cr_expect(!S_refused(S_id("a", "t1", 5, true, PDH_TYPE_APPLICATION),
	                     S_id("b", "t2", 5, false, 0)));
	cr_expect(S_refused(S_id("a", "t1", 5, true, PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION),
	                    S_id("b", "t2", 5, false, 0)),
	          "an app that declares general beside an API token");
	/* other companies; unknown ones */
	cr_expect(!S_refused(S_id("a", "t1", 5, false, 0), S_id("b", "t2", 6, false, 0)));
	cr_expect(!S_refused(S_id("a", "", 0, false, 0), S_id("b", "", 0, false, 0)),
	          "no token had: nothing known");
}

/* The fleet's cap is 100,000 accounts: the check sorts instead of comparing every pair, so
 * neither a large fleet nor one token copied into every account makes it quadratic (10^10
 * pairs would outlast the suite's timeout), and a message names three others and counts the
 * rest. */
Test(fleet_same_company_rules, the_largest_fleet_is_checked_and_a_copied_token_is_counted)
{
	enum { N = 100000 };
	pdh_fleet_identity *ids = calloc(N, sizeof(*ids));
	char (*names)[16] = calloc(N, sizeof(*names)), (*targets)[16] = calloc(N, sizeof(*targets));
	char **why;

	cr_assert(ids && names && targets);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "a%d", i);
		snprintf(targets[i], sizeof(targets[i]), "t%d", i);
		ids[i] = S_id(names[i], targets[i], 1000 + i, false, 0);
	}
	ids[N - 1].company_id = 1000;  /* the last account lists the first one's company */
	why = pdh_fleet_same_company(ids, N);
	cr_assert_not_null(why);
	cr_expect_not_null(why[0]);
	cr_expect_not_null(why[N - 1]);
	cr_expect(why[0] && strstr(why[0], "account a99999 manages the general webhooks") != NULL,
	          "%s", why[0]);
	for (int i = 1; i < N - 1; i++)
		if (why[i] != NULL)
			cr_expect_fail("account %d refused: %s", i, why[i]);
	pdh_free_strings(why, N);

	/* one token in every account: each is refused, naming three and counting the rest */
	for (int i = 0; i < N; i++)
		ids[i] = S_id(names[i], "t-copied", 0, false, 0);
	why = pdh_fleet_same_company(ids, N);
	cr_assert_not_null(why);
	for (int i = 0; i < N; i++)
		if (why[i] == NULL || strstr(why[i], "; and 99996 more accounts;") == NULL) {
			cr_expect_fail("account %d: %s", i, why[i] ? why[i] : "(not refused)");
			break;
		}
	cr_expect(strstr(why[5], "refused: account a0 has the same API URL and token; so does "
	                         "account a1; so does account a2; and 99996 more") != NULL,
	          "%s", why[5]);
	pdh_free_strings(why, N);

	/* one company under 1,000 API tokens and 1,000 OAuth installs that declare general: an
	 * install clashes with the API tokens only, an API token with everyone else */
	for (int i = 0; i < 2000; i++)
		ids[i] = S_id(names[i], targets[i], 7, i >= 1000, i >= 1000 ? PDH_TYPE_GENERAL : 0);
	why = pdh_fleet_same_company(ids, 2000);
	cr_assert_not_null(why);
	cr_expect(strstr(why[0], "; and 1996 more accounts;") != NULL, "%s", why[0]);
	cr_expect(strstr(why[1500], "; and 997 more accounts;") != NULL, "%s", why[1500]);
	pdh_free_strings(why, 2000);
	PDH_FREE_ALL(ids, names, targets);
}
