#include "run_files.h"

#include "cmd.h"
#include "pdhooks/metrics.h"

int pdh_cli_metrics_check(const char *path, const pdh_run_file *files, size_t n)
{
	pdh_error err = { 0 };

	if (pdh_metrics_file_check(path, files, n, &err) == 0)
		return 0;
	pdh_cli_error("%s", err.message);
	return -1;
}

/* Refused: the run ends without writing it. */
static int S_refused(pdh_common *o, int rc)
{
	if (rc != 0)
		o->metrics_file = NULL;
	return rc;
}

int pdh_cli_metrics_check_common(pdh_common *o, const char *planfile)
{
	const pdh_run_file files[] = {
		{ o->file_stdin || planfile ? NULL : o->file, "the desired-state file" },
		{ o->token_file, "the --token-file" },
		{ o->out, "the plan's -o PLANFILE" },
		{ planfile, "the saved plan being applied" },
	};
	pdh_error err = { 0 };

	if (o->metrics_labels.n > 0 && o->metrics_file == NULL) {
		pdh_cli_error("--metrics-label needs --metrics-file");
		return -1;
	}
	if (pdh_metrics_labels_check(o->metrics_labels.items, o->metrics_labels.n, &err) != PDH_OK) {
		pdh_cli_error("%s", err.message);
		return S_refused(o, -1);
	}

	return S_refused(o, pdh_cli_metrics_check(o->metrics_file, files,
	                                          sizeof(files) / sizeof(files[0])));
}

int pdh_cli_metrics_check_one(pdh_common *o, const char *path, const char *what)
{
	const pdh_run_file file = { path, what };

	return S_refused(o, pdh_cli_metrics_check(o->metrics_file, &file, 1));
}
