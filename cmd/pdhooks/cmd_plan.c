/* pdhooks plan: load the file, list the live webhooks (retried), print what apply would do. */
#include "cli_plan.h"
#include "cmd.h"

int pdh_cmd_plan(int argc, char **argv)
{
	return pdh_cli_plan_command(argc, argv, PDH_CMD_PLAN, PDH_RUN_PLAN);
}
