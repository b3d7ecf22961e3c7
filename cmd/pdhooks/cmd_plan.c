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
#include "pdhooks/render_text.h"

int pdh_cmd_plan(int argc, char **argv)
{
	pdh_error err = { 0 };
	char digest[65] = "";
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	char *text = NULL;
	int first, code = PDH_EXIT_ERROR;

	pdh_cli_metrics mx = { NULL, NULL, { 0, 0 } };

	pdh_cli_metrics_start(&mx, "plan");
	pdh_common_init(&o);
	memset(&run, 0, sizeof(run));
	if (pdh_common_parse(&o, PDH_CMD_PLAN, argc, argv, &first) != 0 ||
	    pdh_fleet_args_check(&o, "plan") != 0)
		goto done;
	if (first < argc) {
		pdh_cli_error("plan: unexpected argument '%s' (the file goes after -f)", argv[first]);
		goto done;
	}
	if (o.fleet) {
		pdh_fleet_args fa;

		pdh_fleet_args_from(&fa, &o);
		code = pdh_cli_fleet_plan(&o, &fa);
		goto done;
	}
	if (o.out && o.file_stdin) {
		/* apply PLANFILE reads the plan's desired file again; stdin cannot be. */
		pdh_cli_error("plan: -o needs a desired file that apply can read again, not -f -");
		goto done;
	}
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
	mx.path = o.metrics_file;
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK || code == PDH_EXIT_CHANGES,
	                              run.plan, run.listing.calls);
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
