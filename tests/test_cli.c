#include <criterion/criterion.h>
#include <string.h>

#include "testutil.h"

Test(cli, version_prints_name_and_version)
{
	pdh_t_run r;
	pdh_t_pdhooks(&r, NULL, NULL, "version", NULL);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, "pdhooks " PDH_VERSION "\n");
	pdh_t_run_dispose(&r);
}

Test(cli, help_lists_every_command)
{
	static const char *const has[] = { "version", "help", NULL };

	PDH_T_EXPECT_OUT(has, "help");
}

Test(cli, unknown_command_is_an_error)
{
	pdh_t_run r;
	pdh_t_pdhooks(&r, NULL, NULL, "frobnicate", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_not_null(strstr(r.err, "pdhooks: error: unknown command 'frobnicate'"));
	pdh_t_run_dispose(&r);
}

Test(cli, help_for_unknown_command_is_an_error)
{
	pdh_t_run r;
	pdh_t_pdhooks(&r, NULL, NULL, "help", "nope", NULL);
	cr_expect_eq(r.status, 1);
	pdh_t_run_dispose(&r);
}

Test(cli, no_command_prints_usage_and_fails)
{
	pdh_t_run r;
	pdh_t_pdhooks(&r, NULL, NULL, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.out, "Usage: pdhooks COMMAND"));
	pdh_t_run_dispose(&r);
}

Test(cli, apply_refuses_a_file_and_a_saved_plan_together)
{
	pdh_t_run r;
	pdh_t_pdhooks(&r, NULL, NULL, "apply", "-f", "other.yaml", "saved.plan", "--auto-approve",
	              NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_not_null(strstr(r.err, "pdhooks: error: apply: give either -f FILE or a saved plan"),
	                   "%s", r.err);
	pdh_t_run_dispose(&r);
}
