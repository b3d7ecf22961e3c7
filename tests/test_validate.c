/* pdhooks validate: output, exit codes and options, through the real binary. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "testutil.h"

static char *T_file(const char *rel)
{
	char *sub = pdh_xasprintf("desired/%s", rel);
	char *path = pdh_t_testdata(sub);
	free(sub);
	return path;
}

Test(validate, valid_file_prints_ok_line_and_exits_0)
{
	pdh_t_run r;
	char *path = T_file("good/v1.yaml");
	char *want = pdh_xasprintf("%s: ok, 3 webhooks\n", path);

	pdh_t_pdhooks(&r, NULL, NULL, "validate", "-f", path, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, want);
	cr_expect_str_eq(r.err, "");
	pdh_t_run_dispose(&r);
	free(want);
	free(path);
}

Test(validate, warnings_are_counted_and_shown_but_pass)
{
	pdh_t_run r;
	char *path = T_file("good/warn-unknown-object.yaml");
	char *want = pdh_xasprintf("%s: ok, 2 webhooks (2 warnings)\n", path);
	char *where = pdh_xasprintf("%s:4:19: warning: unknown event_object 'invoice'", path);

	pdh_t_pdhooks(&r, NULL, NULL, "validate", "--file", path, NULL);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, want);
	cr_expect_not_null(strstr(r.err, where), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "\n      event_object: invoice\n                    ^\n"), "%s", r.err);
	pdh_t_run_dispose(&r);
	free(where);
	free(want);
	free(path);
}

Test(validate, quiet_prints_only_errors)
{
	pdh_t_run r;
	char *path = T_file("good/warn-http.yaml");

	pdh_t_pdhooks(&r, NULL, NULL, "validate", "-q", "-f", path, NULL);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, "");
	cr_expect_str_eq(r.err, "");
	pdh_t_run_dispose(&r);
	free(path);

	path = T_file("bad/several-errors.yaml");
	pdh_t_pdhooks(&r, NULL, NULL, "validate", "-q", "-f", path, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_not_null(strstr(r.err, ":11:14: error: user_id: -3 is out of range"), "%s", r.err);
	pdh_t_run_dispose(&r);
	free(path);
}

Test(validate, invalid_file_lists_every_error_and_exits_1)
{
	pdh_t_run r;
	char *path = T_file("bad/several-errors.yaml");
	char *summary = pdh_xasprintf("pdhooks: error: %s does not load: 4 errors\n", path);
	const char *p;
	int n = 0;

	pdh_t_pdhooks(&r, NULL, NULL, "validate", "-f", path, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	for (p = r.err; (p = strstr(p, ": error: ")) != NULL; p++)
		n++;
	cr_expect_eq(n, 5, "%s", r.err); /* four diagnostics and the summary */
	cr_expect_not_null(strstr(r.err, summary), "%s", r.err);
	/* In file order. */
	cr_expect_lt(strstr(r.err, ":3:5:"), strstr(r.err, ":11:14:"));
	cr_expect_null(strchr(r.err, '\033'));
	pdh_t_run_dispose(&r);
	free(summary);
	free(path);
}

Test(validate, defaults_to_pdhooks_yaml_in_the_current_directory)
{
	pdh_t_run r;
	char *dir = pdh_t_tmpdir();
	char *file = pdh_xasprintf("%s/pdhooks.yaml", dir);

	pdh_t_write_file(file, "pdhooks: 1\nwebhooks: []\n");
	cr_assert_eq(chdir(dir), 0);
	pdh_t_pdhooks(&r, NULL, NULL, "validate", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "pdhooks.yaml: ok, 0 webhooks\n");
	pdh_t_run_dispose(&r);
	unlink(file);
	PDH_T_EXPECT_ERR(1, "pdhooks: error: cannot read pdhooks.yaml: No such file or directory\n",
	                 "validate");
	rmdir(dir);
	free(file);
	free(dir);
}

Test(validate, environment_variables_are_resolved)
{
	pdh_t_run r;
	char *path = T_file("good/full.yaml");
	char *const env_set[] = { "PD_HOOK_PASSWORD=hunter2-from-env", NULL };
	char *const env_unset[] = { "PD_HOOK_PASSWORD=", NULL };

	pdh_t_pdhooks(&r, env_set, NULL, "validate", "-f", path, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_null(strstr(r.out, "hunter2"));
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, env_unset, NULL, "validate", "-f", path, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "environment variable 'PD_HOOK_PASSWORD' is not set"),
	                   "%s", r.err);
	pdh_t_run_dispose(&r);
	free(path);
}

Test(validate, bad_arguments)
{
	PDH_T_EXPECT_ERR(1, "pdhooks: error: validate: unknown option --frobnicate "
	                    "(see 'pdhooks help validate')\n",
	                 "validate", "--frobnicate");
	PDH_T_EXPECT_ERR(1, "pdhooks: error: validate: option -f needs a value\n", "validate", "-f");
}

Test(validate, help_describes_the_options)
{
	static const char *const help[] = {
		"Usage: pdhooks validate [-f FILE] [-q] [--format text|json|github] [--no-env]",
		"--no-color", NULL
	};
	static const char *const list[] = { "  validate ", NULL };

	PDH_T_EXPECT_OUT(help, "help", "validate");
	PDH_T_EXPECT_OUT(list, "help");
}

/* Colour needs a terminal on stderr: script(1) gives the command a pseudo-terminal. */
static void T_on_tty(pdh_t_run *r, const char *no_color, const char *extra)
{
	char *path = T_file("good/warn-http.yaml");
	char *cmd = pdh_xasprintf("'%s' validate %s -f '%s'", getenv("PDH_BIN"), extra, path);
	char *env_nc = pdh_xasprintf("NO_COLOR=%s", no_color);
	char *const argv[] = { "/usr/bin/script", "-qec", cmd, "/dev/null", NULL };
	char *const env[] = { env_nc, NULL };

	pdh_t_run_argv(r, argv, env, NULL);
	free(env_nc);
	free(cmd);
	free(path);
}

Test(validate, colour_only_on_a_terminal_and_when_allowed)
{
	pdh_t_run r;

	if (access("/usr/bin/script", X_OK) != 0)
		cr_skip_test("script(1) is not installed");
	T_on_tty(&r, "", "");
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\033[1;35mwarning:\033[0m subscription_url"), "%s", r.out);
	pdh_t_run_dispose(&r);
	T_on_tty(&r, "", "--no-color");
	cr_expect_not_null(strstr(r.out, "warning: subscription_url"), "%s", r.out);
	cr_expect_null(strchr(r.out, '\033'), "%s", r.out);
	pdh_t_run_dispose(&r);
	T_on_tty(&r, "1", "");
	cr_expect_not_null(strstr(r.out, "warning: subscription_url"), "%s", r.out);
	cr_expect_null(strchr(r.out, '\033'), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(validate, secret_values_never_reach_stderr)
{
	static const char *const files[] = { "bad/secret-in-error.yaml",
		"bad/secret-in-url-scheme.yaml", "good/warn-literal-password.yaml" };
	char *const env[] = { "PD_HOOK_PASSWORD=zz-cli-secret.zz", NULL };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		pdh_t_run r;
		char *path = T_file(files[i]);

		pdh_t_pdhooks(&r, env, NULL, "validate", "-f", path, NULL);
		cr_expect_neq(strlen(r.err), 0, "%s", files[i]);
		cr_expect_null(strstr(r.err, "zz-cli-secret"), "%s:\n%s", files[i], r.err);
		cr_expect_null(strstr(r.err, "hunter2"), "%s:\n%s", files[i], r.err);
		cr_expect_null(strstr(r.out, "zz-cli-secret"), "%s", files[i]);
		pdh_t_run_dispose(&r);
		free(path);
	}
}
