/* pdhooks validate: load and check the desired-state file; no network. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fleet_cli.h"
#include "options.h"

int pdh_cmd_validate(int argc, char **argv)
{
	pdh_desired *d = NULL;
	size_t n_warnings = 0;
	pdh_common o;
	int first, rc;

	pdh_common_init(&o);
	if (pdh_common_parse(&o, PDH_CMD_VALIDATE, argc, argv, &first) != 0 ||
	    pdh_fleet_args_check(&o, "validate") != 0) {
		pdh_common_dispose(&o);
		return PDH_EXIT_ERROR;
	}
	if (first < argc) {
		pdh_cli_error("validate: unexpected argument '%s' (the file goes after -f)",
		              argv[first]);
		pdh_common_dispose(&o);
		return PDH_EXIT_ERROR;
	}
	if (o.fleet) {
		pdh_fleet_args fa;

		pdh_fleet_args_from(&fa, &o);
		rc = pdh_cli_fleet_validate(&o, &fa);
		pdh_common_dispose(&o);
		return rc;
	}
	{
		pdh_load_opts lo = { .no_env = o.no_env };
		rc = pdh_cli_load_desired_from(o.file, o.file_stdin, &lo, o.quiet, o.color_err, &d,
		                               &n_warnings);
	}
	if (rc == PDH_OK && !o.quiet) {
		printf("%s: ok, %zu webhook%s", o.file, d->n_webhooks, d->n_webhooks == 1 ? "" : "s");
		if (o.no_env)
			printf(", references checked without reading the environment");
		if (n_warnings)
			printf(" (%zu warning%s)", n_warnings, n_warnings == 1 ? "" : "s");
		putchar('\n');
	}
	pdh_desired_free(d);
	pdh_common_dispose(&o);
	return pdh_exit_code(rc);
}
