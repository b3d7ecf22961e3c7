/* Loading the desired-state file for any command, with diagnostics printed the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pdhooks/diag.h"

bool pdh_cli_color_stderr(bool no_color_flag)
{
	const char *nc = getenv("NO_COLOR");

	return !no_color_flag && (nc == NULL || *nc == '\0') && isatty(STDERR_FILENO);
}

void pdh_cli_print_diags(const char *path, const pdh_diags *diags, const char *data, size_t len,
                         int rc, bool quiet, bool color)
{
	char *text = pdh_diags_render(diags, data, len, quiet, color);

	fputs(text, stderr);
	free(text);
	if (rc == PDH_EFILE && (quiet || diags->n_warnings == 0))
		pdh_cli_error("%s does not load: %zu error%s", path, diags->n_errors,
		              diags->n_errors == 1 ? "" : "s");
	else if (rc == PDH_EFILE)
		pdh_cli_error("%s does not load: %zu error%s, %zu warning%s", path, diags->n_errors,
		              diags->n_errors == 1 ? "" : "s", diags->n_warnings,
		              diags->n_warnings == 1 ? "" : "s");
}

int pdh_cli_load_desired(const char *path, const pdh_load_opts *opts, bool quiet, bool color,
                         pdh_desired **out, size_t *n_warnings)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	pdh_diags_init(&diags, path);
	rc = pdh_desired_read_file(&data, &len, path, &diags, &err);
	if (rc == PDH_OK)
		rc = pdh_desired_load_buffer(out, path, data, len, opts, &diags, &err);
	if (rc == PDH_EIO)
		pdh_cli_error("%s", err.message);
	pdh_cli_print_diags(path, &diags, data, len, rc, quiet, color);
	if (n_warnings)
		*n_warnings = diags.n_warnings;
	free(data);
	pdh_diags_dispose(&diags);
	return rc;
}
