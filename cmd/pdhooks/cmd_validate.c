/* pdhooks validate: load and check the desired-state file; no network. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int pdh_cmd_validate(int argc, char **argv)
{
	const char *path = "pdhooks.yaml";
	bool quiet = false, no_color = false;
	pdh_load_opts lo = { .getenv = NULL };
	pdh_desired *d = NULL;
	size_t n_warnings = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0) {
			if (i + 1 >= argc) {
				pdh_cli_error("%s needs a file name", a);
				return PDH_EXIT_ERROR;
			}
			path = argv[++i];
		} else if (strncmp(a, "--file=", 7) == 0) {
			path = a + 7;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = true;
		} else if (strcmp(a, "--no-color") == 0) {
			no_color = true;
		} else if (strcmp(a, "--no-env") == 0) {
			lo.no_env = true;
		} else {
			pdh_cli_error("validate: unknown argument '%s' (see 'pdhooks help validate')", a);
			return PDH_EXIT_ERROR;
		}
	}
	rc = pdh_cli_load_desired(path, &lo, quiet, pdh_cli_color_stderr(no_color), &d,
	                          &n_warnings);
	if (rc == PDH_OK && !quiet) {
		printf("%s: ok, %zu webhook%s", path, d->n_webhooks, d->n_webhooks == 1 ? "" : "s");
		if (lo.no_env)
			printf(", references checked without reading the environment");
		if (n_warnings)
			printf(" (%zu warning%s)", n_warnings, n_warnings == 1 ? "" : "s");
		putchar('\n');
	}
	pdh_desired_free(d);
	return pdh_exit_code(rc);
}
