/* What pdhooks writes: -o never replaces a file the run reads, and nothing is listed first. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "fake.h"
#include "testutil.h"
#include "world.h"

static const char S_desired[] =
	"pdhooks: 1\n"
	"webhooks:\n"
	"  - event_action: create\n"
	"    event_object: deal\n"
	"    subscription_url: https://hooks.example.com/deals\n";

Test(output_files, plan_o_never_replaces_the_desired_file)
{
	pdh_t_world w;
	pdh_t_run r;
	char *text, *link;

	pdh_t_world_setup(&w, NULL, S_desired);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "-o", w.file, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "is the desired-state file; save the plan to another path"),
	                   "%s", r.err);
	pdh_t_run_dispose(&r);
	/* Another spelling of the same file too: a symbolic link to it. */
	link = pdh_t_world_path(&w, "link.yaml");
	cr_assert_eq(symlink(w.file, link), 0);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "-o", link, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(w.file, NULL);
	cr_expect_str_eq(text, S_desired, "the desired file is untouched");
	pdh_t_world_expect_calls(&w, 0, 0, 0);
	free(text);
	free(link);
	pdh_t_world_teardown(&w);
}

Test(output_files, plan_o_never_replaces_the_token_file)
{
	pdh_t_world w;
	pdh_t_run r;
	char *tok, *text, *want, *env[2];

	pdh_t_world_setup(&w, NULL, S_desired);
	tok = pdh_t_world_path(&w, "token");
	want = pdh_xasprintf("%s\n", pdh_t_fake_token(w.fake));
	pdh_t_write_file(tok, want);
	env[0] = "PIPEDRIVE_API_TOKEN=";
	env[1] = NULL;
	pdh_t_world_run(&r, &w, env, "plan", "-f", w.file, "--token-file", tok, "-o", tok, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "is the --token-file"), "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(tok, NULL);
	cr_expect_str_eq(text, want);
	pdh_t_world_expect_calls(&w, 0, 0, 0);
	free(text);
	free(want);
	free(tok);
	pdh_t_world_teardown(&w);
}

Test(output_files, plan_o_still_replaces_an_older_plan)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, S_desired);
	pdh_t_write_file(w.planfile, "{}\n");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "-o", w.planfile, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "apply", w.planfile, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 1);
	pdh_t_world_teardown(&w);
}

/* The bounds a seconds option names are the ones it takes: 0 is refused, so not "between 0". */
Test(output_files, a_seconds_option_says_zero_is_not_taken)
{
	pdh_t_run r;
	static const char *const opts[] = { "--timeout", "--max-wait" };

	for (size_t i = 0; i < 2; i++) {
		pdh_t_pdhooks(&r, NULL, NULL, "apply", opts[i], "0", NULL);
		cr_expect_eq(r.status, 1);
		cr_expect_not_null(strstr(r.err, "wants a number of seconds over 0 and at most"), "%s",
		                   r.err);
		cr_expect_null(strstr(r.err, "between 0"), "%s", r.err);
		pdh_t_run_dispose(&r);
	}
}
