/* Two accounts of a fleet that resolve to one company (a copied token_env, a company_domain
 * mistyped into another URL of the same API) are refused before any write, both, each naming
 * the other; the other accounts go on. Against pdhooks-fake; the rules themselves
 * (pdh_fleet_same_company) at the end. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

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
