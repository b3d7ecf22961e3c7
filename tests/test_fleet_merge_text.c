/* pdhooks merge in text form: an account in sync has a section that says so ("No changes.
 * N unchanged."), an account with changes its action lines. Two companies of pdhooks-fake,
 * one shard report each. A plan that apply would refuse shows its brake. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define DESIRED                                                                         \
	"pdhooks: 1\nwebhooks:\n"                                                       \
	"  - {event_action: create, event_object: deal, "                               \
	"subscription_url: https://hooks.example.com/deals}\n"

Test(fleet_merge_text, an_account_in_sync_says_no_changes, .timeout = 60)
{
	pdh_t_fleet f;
	pdh_t_run r;
	char *paths[2], *sync_part;

	pdh_t_fleet_setup(&f, 2, NULL, DESIRED);
	pdh_t_fleet_write(&f, (char *[]){ pdh_t_fleet_account(&f, "insync", 0, NULL),
	                                  pdh_t_fleet_account(&f, "pending", 1, NULL), NULL });
	/* the first company gets its webhook; the second keeps a create pending */
	pdh_t_pdhooks(&r, f.env, NULL, "apply", "--fleet", f.fleet, "--account", "insync",
	              "--auto-approve", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_fleet_shard_reports(&f, paths);
	pdh_t_pdhooks(&r, f.env, NULL, "merge", paths[0], paths[1], NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	sync_part = strstr(r.out, "=== insync");
	cr_assert_not_null(sync_part, "%s", r.out);
	cr_expect(strncmp(strchr(sync_part, '\n') + 1, "No changes. 1 unchanged.\n", 25) == 0,
	          "the in-sync account's section: %s", r.out);
	cr_expect_not_null(strstr(r.out, "+   create.deal "), "the pending create: %s", r.out);
	pdh_t_fleet_expect_summary(r.out, "Fleet: 1 in sync, 1 with changes, 0 failed (2 accounts",
	                           -1, -1);
	pdh_t_run_dispose(&r);
	free(paths[0]);
	free(paths[1]);
	pdh_t_fleet_teardown(&f);
}

/* An account whose plan apply would refuse shows the brake in the merged text and Markdown,
 * as its own plan does; the other account shows none. */
Test(fleet_merge_text, a_braked_account_shows_its_brake, .timeout = 60)
{
	static const char *const formats[] = { "text", "markdown" };
	static const char *const says[] = {
		"  Brake: apply will refuse this plan without --force: ",
		"> **Refused by a safety brake:** " };
	pdh_t_fleet f;
	pdh_t_run r;
	char *path, *braked;

	pdh_t_fleet_setup(&f, 2, NULL, "pdhooks: 1\nmanage:\n  max_deletes: 1\n"
	                  "  urls: [\"https://hooks.example.com/\"]\nwebhooks: []\n");
	pdh_t_fleet_write(&f, (char *[]){ pdh_t_fleet_account(&f, "calm", 0, NULL),
	                                  pdh_t_fleet_account(&f, "braked", 1, NULL), NULL });
	/* two owned webhooks that the file does not declare: deleting both passes max_deletes */
	pdh_t_fake_set_state(f.fakes[1], "[{\"id\":1,\"event_action\":\"create\","
	                     "\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/a\"},{\"id\":2,\"event_action\":"
	                     "\"create\",\"event_object\":\"deal\",\"subscription_url\":"
	                     "\"https://hooks.example.com/b\"}]");
	pdh_t_pdhooks(&r, f.env, NULL, "plan", "--fleet", f.fleet, "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	path = pdh_xasprintf("%s/report.json", f.dir);
	pdh_t_write_file(path, r.out);
	pdh_t_run_dispose(&r);
	for (size_t i = 0; i < 2; i++) {
		pdh_t_pdhooks(&r, f.env, NULL, "merge", "--format", formats[i], path, NULL);
		cr_expect_eq(r.status, 0, "%s", r.err);
		/* the calm account (listed first in text, not at all in Markdown) has none */
		braked = strstr(r.out, "braked");
		cr_assert_not_null(braked, "%s", r.out);
		cr_expect_not_null(strstr(braked, says[i]), "%s merge: %s", formats[i], r.out);
		cr_expect_eq(strstr(r.out, says[i]), strstr(braked, says[i]), "%s", r.out);
		cr_expect_not_null(strstr(braked, "it deletes 2 webhooks, more than max"),
		                   "%s merge: %s", formats[i], r.out);
		pdh_t_run_dispose(&r);
	}
	free(path);
	pdh_t_fleet_teardown(&f);
}
