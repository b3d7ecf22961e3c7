/* Loading the desired-state file for any command, with diagnostics printed the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "options.h"
#include "pdhooks/diag.h"

bool pdh_cli_color(int mode, bool no_color_flag, int fd)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (no_color_flag || mode == PDH_COLOR_NEVER)
		return false;
	if (mode == PDH_COLOR_ALWAYS)
		return true;
	if ((nc && *nc) || (term && strcmp(term, "dumb") == 0))
		return false;
	return isatty(fd) != 0;
}

bool pdh_cli_color_stderr(bool no_color_flag)
{
	return pdh_cli_color(PDH_COLOR_AUTO, no_color_flag, STDERR_FILENO);
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

void pdh_cli_check_diags(pdh_cli_checks *checks, const char *path, const char *account,
                         const pdh_diags *diags, const char *data, size_t len, int rc,
                         const char *failure, bool quiet, bool color)
{
	if (checks)
		pdh_check_report_add(&checks->report, path, account, diags, rc == PDH_OK, failure);
	if (checks && !checks->print)
		return;
	if (failure)
		pdh_cli_error("%s", failure);
	pdh_cli_print_diags(path, diags, data, len, rc, quiet, color);
}

int pdh_cli_check_desired(pdh_cli_checks *checks, const char *path, bool from_stdin,
                          const pdh_load_opts *opts, bool quiet, bool color, pdh_desired **out,
                          size_t *n_warnings)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	pdh_diags_init(&diags, path);
	if (from_stdin)
		rc = pdh_desired_read_fd(&data, &len, STDIN_FILENO, path, &diags, &err);
	else
		rc = pdh_desired_read_file(&data, &len, path, &diags, &err);
	if (rc == PDH_OK)
		rc = pdh_desired_load_buffer(out, path, data, len, opts, &diags, &err);
	pdh_cli_check_diags(checks, path, NULL, &diags, data, len, rc,
	                    rc == PDH_EIO ? err.message : NULL, quiet, color);
	if (n_warnings)
		*n_warnings = diags.n_warnings;
	free(data);
	pdh_diags_dispose(&diags);
	return rc;
}
