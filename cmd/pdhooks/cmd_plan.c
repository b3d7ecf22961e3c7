/* pdhooks plan: load the file, list the live webhooks once, print what apply would do. */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "pdhooks/render.h"
#include "pdhooks/target.h"

enum { OPT_DETAILED_EXITCODE = PDH_OPT_COMMON_END, OPT_MAX_DELETES };

static int S_max_deletes(const char *arg, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < 0 || v > INT_MAX) {
		pdh_cli_error("--max-deletes wants a whole number of 0 or more, not '%s'", arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

typedef struct S_plan_args {
	bool detailed;
	int max_deletes;   /* -1: the file's */
} S_plan_args;

static int S_plan_option(int opt, const char *arg, void *ctx)
{
	S_plan_args *a = ctx;

	if (opt == OPT_DETAILED_EXITCODE) {
		a->detailed = true;
		return 0;
	}
	return S_max_deletes(arg, &a->max_deletes);
}

int pdh_cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "detailed-exitcode", no_argument, NULL, OPT_DETAILED_EXITCODE },
		{ "max-deletes", required_argument, NULL, OPT_MAX_DELETES },
		{ NULL, 0, NULL, 0 }
	};
	S_plan_args args = { false, -1 };
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	pdh_error err = { 0 };
	char *text = NULL;
	int first, rc, code = PDH_EXIT_ERROR;

	pdh_common_init(&o);
	memset(&t, 0, sizeof(t));
	memset(&run, 0, sizeof(run));
	if (pdh_common_parse(&o, "plan", argc, argv, NULL, longopts, S_plan_option, &args,
	                     &first) != 0)
		goto done;
	if (first < argc) {
		pdh_cli_error("plan: unexpected argument '%s' (the file goes after -f)", argv[first]);
		goto done;
	}
	/* Credentials and the API URL are checked before anything is read or called. */
	if (pdh_common_client_opts(&o, &t.client, &rc) != 0) {
		code = pdh_exit_code(rc);
		goto done;
	}
	t.desired_path = o.file;
	t.plan.max_deletes = args.max_deletes;
	pdh_target_run_init(&run, o.file);
	rc = pdh_target_plan(&run, &t, &err);
	pdh_cli_print_diags(o.file, &run.diags, run.source, run.source_len, rc, o.quiet,
	                    o.color_err);
	if (rc == PDH_EAUTH && err.http_status != 0)
		pdh_cli_error("%s; the token came from %s", err.message, o.creds.source);
	else if (rc != PDH_OK && rc != PDH_EFILE)
		pdh_cli_error("%s", err.message[0] ? err.message : pdh_error_name(rc));
	if (rc != PDH_OK) {
		code = pdh_exit_code(rc);
		goto done;
	}
	text = pdh_render_text(run.plan, o.color);
	fputs(text, stdout);
	if (fflush(stdout) != 0) {
		pdh_cli_error("cannot write the plan: %s", strerror(errno));
		goto done;
	}
	code = args.detailed && !pdh_plan_is_empty(run.plan) ? PDH_EXIT_CHANGES : PDH_EXIT_OK;
done:
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
