/* pdhooks status: the delivery health of every owned webhook, from one (retried) listing. */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan.h"
#include "cmd.h"
#include "metrics_out.h"
#include "pdhooks/status.h"

enum { OPT_DETAILED_EXITCODE = PDH_OPT_COMMON_END, OPT_FORMAT, OPT_METRICS_FILE };

typedef struct S_status_args {
	bool detailed;
	bool json;
	const char **metrics_path;
} S_status_args;

static int S_status_option(int opt, const char *arg, void *ctx)
{
	S_status_args *a = ctx;

	switch (opt) {
	case OPT_DETAILED_EXITCODE:
		a->detailed = true;
		return 0;
	case OPT_METRICS_FILE:
		*a->metrics_path = arg;
		return 0;
	default:
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
			pdh_cli_error("status: --format is text or json, not '%s'", arg);
			return -1;
		}
		a->json = strcmp(arg, "json") == 0;
		return 0;
	}
}

int pdh_cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "detailed-exitcode", no_argument, NULL, OPT_DETAILED_EXITCODE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
		{ NULL, 0, NULL, 0 }
	};
	pdh_cli_metrics mx = { NULL, NULL, { 0, 0 } };
	S_status_args args = { false, false, &mx.path };
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	char *text = NULL;
	int first, code = PDH_EXIT_ERROR;

	pdh_cli_metrics_start(&mx, "status");
	pdh_common_init(&o);
	memset(&run, 0, sizeof(run));
	if (pdh_common_parse(&o, "status", argc, argv, NULL, longopts, S_status_option, &args,
	                     &first) != 0)
		goto done;
	if (first < argc) {
		pdh_cli_error("status: unexpected argument '%s' (the file goes after -f)",
		              argv[first]);
		goto done;
	}
	code = pdh_cli_plan_target(&o, &t, &run, -1);
	if (code != PDH_EXIT_OK)
		goto done;
	text = args.json ? pdh_status_render_json(run.plan, run.desired)
	                 : pdh_status_render_text(run.plan, o.color);
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		pdh_cli_error("cannot write the status: %s", strerror(errno));
		code = PDH_EXIT_ERROR;
		goto done;
	}
	code = args.detailed && pdh_status_unhealthy(run.plan) ? PDH_EXIT_CHANGES : PDH_EXIT_OK;
done:
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK || code == PDH_EXIT_CHANGES,
	                              run.plan, run.listing.calls);
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
