/* pdhooks plan: load the file, list the live webhooks (retried), print what apply would do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan.h"
#include "fleet_cli.h"
#include "cmd.h"
#include "metrics_out.h"
#include "plan_output.h"
#include "run_files.h"
#include "pdhooks/render_text.h"

/* -o replaces an older plan, but never the file the plan is made from nor the token: a typo
 * there would lose what the run reads. Checked before any call. */
static int S_check_out(const pdh_common *o)
{
	if (pdh_cli_same_file(o->out, o->file)) {
		pdh_cli_error("plan: -o %s is the desired-state file; save the plan to another path",
		              o->out);
		return -1;
	}
	if (pdh_cli_same_file(o->out, o->token_file)) {
		pdh_cli_error("plan: -o %s is the --token-file; save the plan to another path", o->out);
		return -1;
	}
	return 0;
}

int pdh_cmd_plan(int argc, char **argv)
{
	pdh_error err = { 0 };
	char digest[65] = "";
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	char *text = NULL;
	int code = PDH_EXIT_ERROR;

	pdh_cli_metrics mx = { 0 };

	if (pdh_cli_target_or_fleet(&mx, &o, &run, PDH_CMD_PLAN, "plan", argc, argv,
	                            pdh_cli_fleet_plan, &code) != 0)
		goto done;
	if (o.out && o.file_stdin) {
		/* apply PLANFILE reads the plan's desired file again; stdin cannot be. */
		pdh_cli_error("plan: -o needs a desired file that apply can read again, not -f -");
		goto done;
	}
	if (S_check_out(&o) != 0)
		goto done;
	code = pdh_cli_plan_target(&o, &t, &run, o.max_deletes);
	if (code != PDH_EXIT_OK)
		goto done;
	/* Saved first, so that a plan that cannot be saved prints nothing, and the Markdown
	 * can name the saved plan's digest. */
	if (o.out && pdh_cli_save_plan(o.out, run.plan, run.desired, run.live, &t.plan,
	                               t.client.api_url, o.quiet, digest, &err) != 0) {
		pdh_cli_error("%s", err.message);
		code = pdh_exit_code(err.code);
		goto done;
	}
	if ((pdh_format)o.format != PDH_FORMAT_TEXT) {
		if (pdh_cli_print_plan(stdout, (pdh_format)o.format, run.plan, run.desired, run.live,
		                       &run.diags, *digest ? digest : NULL, &err) != 0) {
			pdh_cli_error("%s", err.message);
			code = PDH_EXIT_ERROR;
			goto done;
		}
	} else {
		text = pdh_render_text(run.plan, o.color);
		(void)fputs(text, stdout); /* a failed write is caught just below */
	}
	if (!pdh_cli_stdout_ok()) {
		code = PDH_EXIT_ERROR;
		goto done;
	}
	code = o.detailed_exitcode && !pdh_plan_is_empty(run.plan) ? PDH_EXIT_CHANGES : PDH_EXIT_OK;
done:
	return pdh_cli_target_finish(&mx, &o, &run, text, code);
}
