/* pdhooks status: the delivery health of every owned webhook, from one (retried) listing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan.h"
#include "cmd.h"
#include "fleet_cli.h"
#include "metrics_out.h"
#include "plan_output.h"
#include "pdhooks/status.h"

int pdh_cmd_status(int argc, char **argv)
{
	pdh_cli_metrics mx = { 0 };
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	char *text = NULL;
	int code = PDH_EXIT_ERROR;

	if (pdh_cli_target_or_fleet(&mx, &o, &run, PDH_CMD_STATUS, "status", argc, argv,
	                            pdh_cli_fleet_status, &code) != 0)
		goto done;
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
	return pdh_cli_target_finish(&mx, &o, &run, text, code);
}
