/* pdhooks merge of shard reports that are not what their runs selected: real shard reports
 * of two companies of pdhooks-fake, edited (an account lost, gained, moved to another shard),
 * each refused with exit 1 and a message naming the account; and a report's hostile text
 * (ESC, a right-to-left override) shown escaped. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/fleet.h"
#include "testutil.h"
#include "world.h"

#define DESIRED                                                                         \
	"pdhooks: 1\nwebhooks:\n"                                                       \
	"  - {event_action: create, event_object: deal, "                               \
	"subscription_url: https://hooks.example.com/deals}\n"

static pdh_t_fleet F;
static char *S_paths[2];

/* Three accounts: "pending" in shard 0/2, "acme" and "insync" in shard 1/2 (fnv1a64 of the
 * names); one shard report each, written to DIR/shard-I.json. */
static void S_setup(void)
{
	pdh_t_fleet_setup(&F, 3, NULL, DESIRED);
	pdh_t_fleet_write(&F, (char *[]){ pdh_t_fleet_account(&F, "acme", 0, NULL),
	                                  pdh_t_fleet_account(&F, "insync", 1, NULL),
	                                  pdh_t_fleet_account(&F, "pending", 2, NULL), NULL });
	pdh_t_fleet_shard_reports(&F, S_paths);
}

static void S_teardown(void)
{
	free(S_paths[0]);
	free(S_paths[1]);
	pdh_t_fleet_teardown(&F);
}

TestSuite(fleet_merge_forged, .init = S_setup, .fini = S_teardown, .timeout = 60);

static json_t *S_load(int shard)
{
	json_error_t e;
	json_t *j = json_load_file(S_paths[shard], 0, &e);

	cr_assert_not_null(j, "%s: %s", S_paths[shard], e.text);
	return j;
}

static void S_save(int shard, json_t *j)
{
	cr_assert_eq(json_dump_file(j, S_paths[shard], JSON_COMPACT), 0);
	json_decref(j);
}

/* The index of the account named name in array a (of objects with "name", or of strings). */
static size_t S_find(json_t *a, const char *name)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i);
		const char *n = json_is_string(x) ? json_string_value(x)
		                                  : json_string_value(json_object_get(x, "name"));

		if (n && strcmp(n, name) == 0)
			return i;
	}
	cr_assert_fail("no account %s", name);
	return 0;
}

static json_t *S_selected(json_t *report)
{
	return json_object_get(json_object_get(report, "selection"), "accounts");
}

/* merge of the two shard reports exits 1, says want, and prints no report. */
static void S_expect_refused(const char *want)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, F.env, NULL, "merge", S_paths[0], S_paths[1], NULL);
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.err, want), "want '%s' in: %s", want, r.err);
	cr_expect_str_eq(r.out, "");
	pdh_t_run_dispose(&r);
}

Test(fleet_merge_forged, the_honest_reports_merge)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, F.env, NULL, "merge", S_paths[1], S_paths[0], "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "\"accounts\":3"), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(fleet_merge_forged, a_report_that_lost_an_account_is_refused)
{
	json_t *j = S_load(1);

	json_array_remove(json_object_get(j, "accounts"),
	                  S_find(json_object_get(j, "accounts"), "insync"));
	S_save(1, j);
	S_expect_refused("account insync was selected by its run but is not in the report");
}

Test(fleet_merge_forged, a_report_that_lost_an_account_from_its_selection_too_is_refused)
{
	json_t *j = S_load(1);

	json_array_remove(json_object_get(j, "accounts"),
	                  S_find(json_object_get(j, "accounts"), "insync"));
	json_array_remove(S_selected(j), S_find(S_selected(j), "insync"));
	S_save(1, j);
	S_expect_refused("the reports hold 2 accounts, not the 3 the fleet's selection had");
}

Test(fleet_merge_forged, a_report_that_gained_an_account_is_refused)
{
	json_t *j = S_load(0), *extra;

	extra = json_deep_copy(json_array_get(json_object_get(j, "accounts"), 0));
	json_object_set_new(extra, "name", json_string("stranger"));
	json_object_set_new(extra, "index", json_integer(7));
	json_array_append_new(json_object_get(j, "accounts"), extra);
	S_save(0, j);
	S_expect_refused("account stranger is in the report but its run did not select it");
}

Test(fleet_merge_forged, a_report_that_gained_an_account_in_its_selection_too_is_refused)
{
	/* a name of shard 0/2, so only the whole selection's digest tells */
	json_t *j = S_load(0), *extra;
	char name[16];

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "extra%d", i);
		if (pdh_fnv1a64(name, strlen(name)) % 2 == 0)
			break;
	}
	extra = json_deep_copy(json_array_get(json_object_get(j, "accounts"), 0));
	json_object_set_new(extra, "name", json_string(name));
	json_object_set_new(extra, "index", json_integer(7));
	json_array_append_new(json_object_get(j, "accounts"), extra);
	json_array_append_new(S_selected(j), json_string(name));
	S_save(0, j);
	S_expect_refused("the reports hold 4 accounts, not the 3 the fleet's selection had");
}

Test(fleet_merge_forged, an_account_moved_to_another_shard_is_refused)
{
	json_t *from = S_load(1), *to = S_load(0);
	size_t k = S_find(json_object_get(from, "accounts"), "acme");

	json_array_append(json_object_get(to, "accounts"),
	                  json_array_get(json_object_get(from, "accounts"), k));
	json_array_append_new(S_selected(to), json_string("acme"));
	json_array_remove(json_object_get(from, "accounts"), k);
	json_array_remove(S_selected(from), S_find(S_selected(from), "acme"));
	S_save(0, to);
	S_save(1, from);
	S_expect_refused("account acme belongs to shard 1/2, not 0/2");
}

Test(fleet_merge_forged, shards_of_other_filters_are_refused)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "--shard", "1/2",
	              "--account", "a*", "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_write_file(S_paths[1], r.out);
	pdh_t_run_dispose(&r);
	S_expect_refused("select different accounts of the fleet");
}

/* ESC and a right-to-left override in an account's name, its error and an action's reason:
 * merge shows them escaped, in text and Markdown. */
Test(fleet_merge_forged, hostile_text_in_a_report_is_shown_escaped)
{
	static const char *const formats[] = { "text", "markdown" };
	const char *hostile = "ev\x1b[31mil\xe2\x80\xae" "gnp.exe";
	json_t *j, *acct, *names;
	const char *all[3];
	char digest[65];
	pdh_t_run r;

	/* one report of the whole fleet, its "pending" renamed, its selection kept in step */
	pdh_t_pdhooks(&r, F.env, NULL, "plan", "--fleet", F.fleet, "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = json_loads(r.out, 0, NULL);
	pdh_t_run_dispose(&r);
	cr_assert_not_null(j);
	acct = json_array_get(json_object_get(j, "accounts"),
	                      S_find(json_object_get(j, "accounts"), "pending"));
	json_object_set_new(acct, "name", json_string(hostile));
	json_object_set_new(acct, "outcome", json_string("failed"));
	json_object_set_new(acct, "exit_code", json_integer(1));
	json_object_set_new(acct, "error", json_string(hostile));
	json_object_set_new(json_array_get(json_object_get(json_object_get(acct, "plan"),
	                                                   "actions"), 0),
	                    "reason", json_string(hostile));
	names = S_selected(j);
	json_array_set_new(names, S_find(names, "pending"), json_string(hostile));
	for (size_t i = 0; i < 3; i++)
		all[i] = json_string_value(json_array_get(names, i));
	pdh_fleet_names_sha256(all, 3, digest);
	json_object_set_new(json_object_get(j, "selection"), "fleet_accounts_sha256",
	                    json_string(digest));
	S_save(0, j);
	for (size_t f = 0; f < 2; f++) {
		pdh_t_pdhooks(&r, F.env, NULL, "merge", S_paths[0], "--format", formats[f], NULL);
		cr_expect_eq(r.status, 1, "%s: exit %d\n%s", formats[f], r.status, r.err);
		cr_expect_null(strchr(r.out, '\x1b'), "%s: a raw ESC:\n%s", formats[f], r.out);
		cr_expect_null(strstr(r.out, "\xe2\x80\xae"), "%s: a raw U+202E:\n%s", formats[f],
		               r.out);
		cr_expect_not_null(strstr(r.out, "\\u{202E}"), "%s: escaped:\n%s", formats[f], r.out);
		pdh_t_run_dispose(&r);
	}
}
