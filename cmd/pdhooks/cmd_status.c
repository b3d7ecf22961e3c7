/* pdhooks status: the delivery health of every owned webhook, from one (retried) listing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan.h"
#include "cmd.h"
#include "metrics_out.h"
#include "plan_output.h"
#include "pdhooks/status.h"

int pdh_cmd_status(int argc, char **argv)
{
	pdh_cli_metrics mx = { NULL, NULL, { 0, 0 } };
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	char *text = NULL;
	int first, code = PDH_EXIT_ERROR;

	pdh_cli_metrics_start(&mx, "status");
	pdh_common_init(&o);
	memset(&run, 0, sizeof(run));
	if (pdh_common_parse(&o, PDH_CMD_STATUS, argc, argv, &first) != 0)
		goto done;
	if (first < argc) {
		pdh_cli_error("status: unexpected argument '%s' (the file goes after -f)",
		              argv[first]);
		goto done;
	}
	code = pdh_cli_plan_target(&o, &t, &run, -1);
	if (code != PDH_EXIT_OK)
		goto done;
	text = o.format == PDH_FORMAT_JSON ? pdh_status_render_json(run.plan, run.desired)
	                                   : pdh_status_render_text(run.plan, o.color);
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		pdh_cli_error("cannot write the status: %s", strerror(errno));
		code = PDH_EXIT_ERROR;
		goto done;
	}
	code = o.detailed_exitcode && pdh_status_unhealthy(run.plan) ? PDH_EXIT_CHANGES
	                                                             : PDH_EXIT_OK;
done:
	mx.path = o.metrics_file;
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK || code == PDH_EXIT_CHANGES,
	                              run.plan, run.listing.calls);
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
