/* pdhooks status: the delivery health of every owned webhook, from one (retried) listing. */
#include "cli_plan.h"
#include "cmd.h"

int pdh_cmd_status(int argc, char **argv)
{
	return pdh_cli_plan_command(argc, argv, PDH_CMD_STATUS, PDH_RUN_STATUS);
}
