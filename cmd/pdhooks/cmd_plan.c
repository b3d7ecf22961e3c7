/* pdhooks plan: load the file, list the live webhooks (retried), print what apply would do. */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan.h"
#include "cmd.h"
#include "metrics_out.h"
#include "plan_output.h"
#include "pdhooks/render_text.h"

enum { OPT_DETAILED_EXITCODE = PDH_OPT_COMMON_END, OPT_MAX_DELETES, OPT_FORMAT, OPT_METRICS_FILE };

typedef struct S_plan_args {
	bool detailed;
	int max_deletes;   /* -1: the file's */
	pdh_format format;
	const char *planfile;  /* -o */
	const char *metrics;   /* --metrics-file */
} S_plan_args;

static int S_plan_option(int opt, const char *arg, void *ctx)
{
	S_plan_args *a = ctx;
	pdh_error err;

	if (opt == OPT_DETAILED_EXITCODE) {
		a->detailed = true;
		return 0;
	}
	if (opt == 'o') {
		a->planfile = arg;
		return 0;
	}
	if (opt == OPT_METRICS_FILE) {
		a->metrics = arg;
		return 0;
	}
	if (opt == OPT_FORMAT) {
		if (pdh_cli_parse_format(arg, &a->format, &err) != 0) {
			pdh_cli_error("%s", err.message);
			return -1;
		}
		return 0;
	}
	return pdh_cli_parse_int("--max-deletes", arg, 0, INT_MAX, &a->max_deletes);
}

int pdh_cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "detailed-exitcode", no_argument, NULL, OPT_DETAILED_EXITCODE },
		{ "max-deletes", required_argument, NULL, OPT_MAX_DELETES },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, 'o' },
		{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
		{ NULL, 0, NULL, 0 }
	};
	S_plan_args args = { false, -1, PDH_FORMAT_TEXT, NULL, NULL };
	pdh_cli_metrics mx = { NULL, NULL, { 0, 0 } };
	pdh_error err = { 0 };
	char digest[65] = "";
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	char *text = NULL;
	int first, code = PDH_EXIT_ERROR;

	pdh_cli_metrics_start(&mx, "plan");
	pdh_common_init(&o);
	memset(&run, 0, sizeof(run));
	if (pdh_common_parse(&o, "plan", argc, argv, "o:", longopts, S_plan_option, &args,
	                     &first) != 0)
		goto done;
	if (first < argc) {
		pdh_cli_error("plan: unexpected argument '%s' (the file goes after -f)", argv[first]);
		goto done;
	}
	code = pdh_cli_plan_target(&o, &t, &run, args.max_deletes);
	if (code != PDH_EXIT_OK)
		goto done;
	/* Saved first, so that a plan that cannot be saved prints nothing, and the Markdown
	 * can name the saved plan's digest. */
	if (args.planfile && pdh_cli_save_plan(args.planfile, run.plan, run.desired, run.live,
	                                       &t.plan, o.quiet, digest, &err) != 0) {
		pdh_cli_error("%s", err.message);
		code = pdh_exit_code(err.code);
		goto done;
	}
	if (args.format != PDH_FORMAT_TEXT) {
		if (pdh_cli_print_plan(stdout, args.format, run.plan, run.desired, run.live,
		                       &run.diags, *digest ? digest : NULL, &err) != 0) {
			pdh_cli_error("%s", err.message);
			code = PDH_EXIT_ERROR;
			goto done;
		}
	} else {
		text = pdh_render_text(run.plan, o.color);
		fputs(text, stdout);
	}
	if (fflush(stdout) != 0) {
		pdh_cli_error("cannot write the plan: %s", strerror(errno));
		code = PDH_EXIT_ERROR;
		goto done;
	}
	code = args.detailed && !pdh_plan_is_empty(run.plan) ? PDH_EXIT_CHANGES : PDH_EXIT_OK;
done:
	mx.path = args.metrics;
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK || code == PDH_EXIT_CHANGES,
	                              run.plan, run.listing.calls);
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
