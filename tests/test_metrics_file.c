/* --metrics-file never replaces a file the run reads or writes — the desired file, the
 * --token-file, the plan saved with -o, the PLANFILE applied and its desired file, however
 * the path is spelled — nor a file that is not pdhooks' metrics: such a run exits 1 before
 * any call, every file as it was. pdhooks' own earlier metrics are rewritten. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

PDH_T_WORLD_SUITE(metrics_file, PDH_T_ONE_DEAL_DESIRED);

/* pdhooks with args (NULL-terminated) in W, expecting exit 1 with "--metrics-file ... is
 * WHAT" on stderr, no call made, and the file at keep byte for byte as before (absent when
 * it was). */
static void S_refused(const char *const args[], const char *keep, const char *what)
{
	const char *argv[24] = { getenv("PDH_BIN") };
	size_t n = 1, before_len = 0, after_len = 0;
	char *before = pdh_t_read_file(keep, &before_len), *after, *msg;
	pdh_t_run r;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pdh_t_world_reset_calls(&W);
	pdh_t_run_argv(&r, (char *const *)argv, W.env, NULL);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	msg = pdh_xasprintf("is %s", what);
	cr_expect(strstr(r.err, "pdhooks: error: --metrics-file ") != NULL &&
	          strstr(r.err, msg) != NULL, "stderr says it is %s: %s", what, r.err);
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	after = pdh_t_read_file(keep, &after_len);
	if (before == NULL) {
		cr_expect_null(after, "%s was made", keep);
	} else {
		cr_assert_not_null(after, "%s is gone", keep);
		cr_expect(before_len == after_len && memcmp(before, after, before_len) == 0,
		          "%s changed", keep);
	}
	PDH_FREE_ALL(before, after, msg);
	pdh_t_run_dispose(&r);
}

/* The plan of W saved to W.planfile. */
static void S_save_plan(void)
{
	pdh_t_run r;

	pdh_t_world_run(&r, &W, NULL, "plan", "-q", "-f", W.file, "-o", W.planfile, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
}

Test(metrics_file, the_desired_file_is_refused_by_plan_apply_and_status)
{
	S_refused((const char *const[]){ "plan", "-f", W.file, "--metrics-file", W.file, NULL },
	          W.file, "the desired-state file");
	S_refused((const char *const[]){ "status", "-f", W.file, "--metrics-file", W.file, NULL },
	          W.file, "the desired-state file");
	S_refused((const char *const[]){ "apply", "-f", W.file, "--auto-approve", "--metrics-file",
	                                 W.file, NULL }, W.file, "the desired-state file");
}

Test(metrics_file, the_token_file_is_refused)
{
	char *tok = pdh_t_world_path(&W, "token.txt");

	pdh_t_write_file(tok, pdh_t_fake_token(W.fake));
	S_refused((const char *const[]){ "plan", "-f", W.file, "--token-file", tok,
	                                 "--metrics-file", tok, NULL }, tok, "the --token-file");
	free(tok);
}

Test(metrics_file, the_plan_saved_with_o_is_refused_existing_or_not)
{
	char *sub = pdh_t_world_path(&W, "sub"), *spelled;

	cr_assert_eq(mkdir(sub, 0700), 0);
	spelled = pdh_xasprintf("%s/../pdhooks.plan", sub);
	/* Not made yet: the path decides. */
	S_refused((const char *const[]){ "plan", "-f", W.file, "-o", W.planfile, "--metrics-file",
	                                 spelled, NULL }, W.planfile, "the plan's -o PLANFILE");
	S_save_plan();
	S_refused((const char *const[]){ "plan", "-f", W.file, "-o", W.planfile, "--metrics-file",
	                                 W.planfile, NULL }, W.planfile, "the plan's -o PLANFILE");
	free(spelled);
	free(sub);
}

Test(metrics_file, the_plan_being_applied_and_its_desired_file_are_refused)
{
	/* A first line that reads as metrics: only the path can tell. */
	pdh_t_world_desired(&W, "# HELP pdhooks_ a comment\n" PDH_T_ONE_DEAL_DESIRED);
	S_save_plan();
	S_refused((const char *const[]){ "apply", W.planfile, "--auto-approve", "--metrics-file",
	                                 W.planfile, NULL }, W.planfile,
	          "the saved plan being applied");
	S_refused((const char *const[]){ "apply", W.planfile, "--auto-approve", "--metrics-file",
	                                 W.file, NULL }, W.file, "the saved plan's desired file");
}

Test(metrics_file, a_link_or_another_spelling_of_the_desired_file_is_refused)
{
	char *link = pdh_t_world_path(&W, "metrics.prom"), *sub = pdh_t_world_path(&W, "d");
	char *spelled = pdh_xasprintf("%s/../pdhooks.yaml", sub);

	cr_assert_eq(symlink(W.file, link), 0);
	S_refused((const char *const[]){ "plan", "-f", W.file, "--metrics-file", link, NULL },
	          W.file, "the desired-state file");
	cr_assert_eq(mkdir(sub, 0700), 0);
	S_refused((const char *const[]){ "plan", "-f", W.file, "--metrics-file", spelled, NULL },
	          W.file, "the desired-state file");
	PDH_FREE_ALL(link, sub, spelled);
}

Test(metrics_file, a_file_that_is_not_pdhooks_metrics_is_refused)
{
	char *path = pdh_t_world_path(&W, "notes.txt");

	pdh_t_write_file(path, "my notes\n# HELP pdhooks_run_success is not on the first line\n");
	S_refused((const char *const[]){ "status", "-f", W.file, "--metrics-file", path, NULL },
	          path, "a file that is not pdhooks' metrics");
	free(path);
}

/* pdhooks' own earlier file, and an empty one, are written over. */
Test(metrics_file, pdhooks_own_metrics_are_rewritten)
{
	char *path = pdh_t_world_path(&W, "pdhooks.prom"), *text, *marked;
	pdh_t_run r;

	pdh_t_write_file(path, "");
	pdh_t_world_run(&r, &W, NULL, "plan", "-q", "-f", W.file, "--metrics-file", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(path, NULL);
	cr_assert_not_null(text);
	cr_assert(strncmp(text, "# HELP pdhooks_", 15) == 0, "%s", text);
	marked = pdh_xasprintf("%s# an old run\n", text);
	pdh_t_write_file(path, marked);
	pdh_t_world_run(&r, &W, NULL, "status", "-f", W.file, "--metrics-file", path, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	free(text);
	text = pdh_t_read_file(path, NULL);
	cr_expect(strncmp(text, "# HELP pdhooks_", 15) == 0, "%s", text);
	cr_expect_null(strstr(text, "# an old run"), "rewritten: %s", text);
	PDH_FREE_ALL(path, text, marked);
}
