/* pdhooks validate: load and check the desired-state file; no network. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fleet_cli.h"
#include "options.h"

int pdh_cmd_validate(int argc, char **argv)
{
	const char *path = "pdhooks.yaml";
	bool quiet = false, no_color = false;
	static const char *const fleet_opts[] = { "--fleet", "--account", "--label", "--shard",
	                                          NULL };
	pdh_desired *d = NULL;
	pdh_fleet_args fa;
	bool file_given = false;
	size_t n_warnings = 0;
	int rc;

	pdh_fleet_args_init(&fa);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int which = -1;

		for (int k = 0; fleet_opts[k]; k++)
			if (strcmp(a, fleet_opts[k]) == 0)
				which = k;
		if (which >= 0) {
			if (i + 1 >= argc) {
				pdh_cli_error("%s needs a value", a);
				pdh_fleet_args_dispose(&fa);
				return PDH_EXIT_ERROR;
			}
			pdh_fleet_option(&fa, which, argv[++i]);
			continue;
		}
		if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0) {
			if (i + 1 >= argc) {
				pdh_cli_error("%s needs a file name", a);
				return PDH_EXIT_ERROR;
			}
			path = argv[++i];
			file_given = true;
		} else if (strncmp(a, "--file=", 7) == 0) {
			path = a + 7;
			file_given = true;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = true;
		} else if (strcmp(a, "--no-color") == 0) {
			no_color = true;
		} else {
			pdh_cli_error("validate: unknown argument '%s' (see 'pdhooks help validate')", a);
			pdh_fleet_args_dispose(&fa);
			return PDH_EXIT_ERROR;
		}
	}
	if (pdh_fleet_args_check(&fa, "validate") != 0) {
		pdh_fleet_args_dispose(&fa);
		return PDH_EXIT_ERROR;
	}
	if (fa.fleet) {
		pdh_common o;

		pdh_common_init(&o);
		o.quiet = quiet;
		o.file_given = file_given;
		o.color_err = pdh_cli_color_stderr(no_color);
		rc = pdh_cli_fleet_validate(&o, &fa);
		pdh_fleet_args_dispose(&fa);
		return rc;
	}
	pdh_fleet_args_dispose(&fa);
	rc = pdh_cli_load_desired(path, quiet, pdh_cli_color_stderr(no_color), &d, &n_warnings);
	if (rc == PDH_OK && !quiet) {
		printf("%s: ok, %zu webhook%s", path, d->n_webhooks, d->n_webhooks == 1 ? "" : "s");
		if (n_warnings)
			printf(" (%zu warning%s)", n_warnings, n_warnings == 1 ? "" : "s");
		putchar('\n');
	}
	pdh_desired_free(d);
	return pdh_exit_code(rc);
}
