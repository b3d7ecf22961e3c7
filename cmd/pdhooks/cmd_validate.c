/* pdhooks validate: load and check the desired-state file; no network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleet_cli.h"
#include "options.h"
#include "plan_output.h"

/* --format json and github: the report on stdout, after the text mode's work. */
static void S_print_report(const pdh_common *o, const pdh_check_report *r)
{
	char *text = o->format == PDH_FORMAT_JSON ? pdh_check_report_json(r)
	                                          : pdh_check_report_github(r);

	fputs(text, stdout);
	free(text);
}

int pdh_cmd_validate(int argc, char **argv)
{
	pdh_desired *d = NULL;
	size_t n_warnings = 0;
	pdh_common o;
	pdh_cli_checks checks, *ck = NULL;
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
	if (o.format != PDH_FORMAT_TEXT) {
		pdh_check_report_init(&checks.report, o.fleet, o.no_env, o.quiet);
		checks.print = o.format == PDH_VALIDATE_FORMAT_GITHUB;
		ck = &checks;
	}
	if (o.fleet) {
		pdh_fleet_args fa;

		pdh_fleet_args_from(&fa, &o);
		rc = pdh_cli_fleet_validate(&o, &fa, ck);
	} else {
		pdh_load_opts lo = { .no_env = o.no_env };

		rc = pdh_cli_check_desired(ck, o.file, o.file_stdin, &lo, o.quiet, o.color_err, &d,
		                           &n_warnings);
		if (rc == PDH_OK && !o.quiet && o.format != PDH_FORMAT_JSON) {
			printf("%s: ok, %zu webhook%s", o.file, d->n_webhooks,
			       d->n_webhooks == 1 ? "" : "s");
			if (o.no_env)
				printf(", references checked without reading the environment");
			if (n_warnings)
				printf(" (%zu warning%s)", n_warnings, n_warnings == 1 ? "" : "s");
			putchar('\n');
		}
		pdh_desired_free(d);
		rc = pdh_exit_code(rc);
	}
	if (ck) {
		S_print_report(&o, &ck->report);
		pdh_check_report_dispose(&ck->report);
	}
	pdh_common_dispose(&o);
	return rc;
}
