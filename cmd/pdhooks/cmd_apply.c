/* pdhooks apply [-f FILE | PLANFILE]: plan (or check a saved plan), show it, ask, make the
 * calls, verify. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_plan.h"
#include "cmd.h"
#include "fleet_cli.h"
#include "metrics_out.h"
#include "run_files.h"
#include "stop_signal.h"
#include "pdhooks/alloc.h"

/* Where apply's output goes, and the first failed write to stdout (a closed pipe must not
 * stop the apply: SIGPIPE is ignored and the failure reported at the end). */
typedef struct S_out {
	pdh_common *o;
	bool json;
	FILE *plan_to;              /* the plan and the prompt: stderr in JSON mode */
	pdh_cli_said said;
	pdh_stop_signals stops;
	int write_errno;
} S_out;

static void S_flush(S_out *out)
{
	if (fflush(stdout) != 0 && out->write_errno == 0)
		out->write_errno = errno ? errno : EIO;
	if (ferror(stdout) && out->write_errno == 0)
		out->write_errno = EIO;
}

static void S_put(S_out *out, char *text)
{
	fputs(text, stdout);
	free(text);
	S_flush(out);
}

/* The plan is made: its diagnostics, then the plan. */
static void S_planned(void *ctx, const pdh_run_result *r)
{
	S_out *out = ctx;

	pdh_cli_run_diags(out->o, r);
	out->said.diags = true;
	if (!out->json || !out->o->quiet) {
		char *text = pdh_run_render_plan(r, PDH_FORMAT_TEXT, out->json ? out->o->color_err
		                                                               : out->o->color, 0);

		fputs(text, out->plan_to);
		free(text);
	}
	fflush(out->plan_to);
}

static bool S_confirm(void *ctx, const pdh_run_result *r, pdh_error *why)
{
	S_out *out = ctx;

	(void)r;
	if (!out->o->auto_approve && !isatty(STDIN_FILENO)) {
		pdh_error_set(why, PDH_EINVAL, "apply needs confirmation, and stdin is not a "
		              "terminal: review the plan and run again with --auto-approve");
		return false;
	}
	if (!out->o->auto_approve && !pdh_cli_confirm(out->plan_to, "")) {
		pdh_error_set(why, PDH_EINVAL, "apply cancelled: only 'yes' is accepted");
		return false;
	}
	pdh_stop_signals_install(&out->stops);
	if (!out->json) {
		putchar('\n');
		S_flush(out);
	}
	return true;
}

/* Called by apply as things happen, never two at a time. */
static void S_progress(void *ctx, const pdh_apply_event *ev, const char *line)
{
	S_out *out = ctx;

	if (ev->kind == PDH_APPLY_EVENT_WAIT) {
		if (!out->o->quiet)
			pdh_cli_tell_wait(ev->wait_ms, ev->text);
	} else if (!out->json) {
		fputs(line, stdout);
		S_flush(out);
	} else if (ev->kind == PDH_APPLY_EVENT_NOTE && !out->o->quiet) {
		fprintf(stderr, "pdhooks: %s", line);
	}
}

/* The saved plan is read: checked against --metrics-file, and named. */
static int S_saved(void *ctx, const pdh_planfile *pf, const char *path, pdh_error *err)
{
	S_out *out = ctx;

	if (pdh_cli_metrics_check_one(out->o, pf->desired_path, "the saved plan's desired file")
	    != 0) {
		out->said.error = true;
		return pdh_error_set(err, PDH_EINVAL, "--metrics-file is the saved plan's desired "
		                     "file");
	}
	if (!out->o->quiet)
		fprintf(stderr, "pdhooks: applying the saved plan %s (sha256 %s) of %s\n", path,
		        pf->digest, pf->desired_path);
	return 0;
}

/* The checks of the command line before anything is read: 0, or -1 after the error. */
static int S_check_args(const pdh_common *o, int first, int argc, char **argv)
{
	if (first + 1 < argc) {
		pdh_cli_error(o->fleet ? "apply --fleet: one directory of saved plans at most, not "
		              "'%s' too" : "apply: one saved plan at most, not '%s' too",
		              argv[first + 1]);
		return -1;
	}
	if (o->fleet)
		return 0;
	if (first < argc && o->file_given) {
		/* The plan records its desired file; applying it against another would be a
		 * different plan than the one reviewed. */
		pdh_cli_error("apply: give either -f FILE or a saved plan, not both (the plan "
		              "names its own desired file)");
		return -1;
	}
	if (o->file_stdin && first >= argc && !o->auto_approve) {
		pdh_cli_error("apply: -f - reads the file from stdin, so no 'yes' can come from "
		              "there: add --auto-approve");
		return -1;
	}
	/* Before the lock and any call: a refused --metrics-file ends the run with every file
	 * as it was. */
	return pdh_cli_metrics_check_common((pdh_common *)o, first < argc ? argv[first] : NULL);
}

int pdh_cmd_apply(int argc, char **argv)
{
	pdh_common o;
	pdh_run_result r;
	S_out out;
	pdh_run_hooks hooks = { &out, S_planned, S_confirm, S_progress, S_saved };
	char line[PDH_ERROR_MAX + 256];
	int first, code = PDH_EXIT_ERROR;
	pdh_cli_metrics mx = { 0 };

	pdh_cli_metrics_start(&mx, "apply");
	/* A closed stdout (apply | head -1) must never stop an apply half-way: writes fail with
	 * EPIPE instead, and the end says so. */
	signal(SIGPIPE, SIG_IGN);
	pdh_common_init(&o);
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	out.o = &o;
	if (pdh_common_parse(&o, PDH_CMD_APPLY, argc, argv, &first) != 0 ||
	    pdh_fleet_args_check(&o, "apply") != 0 || S_check_args(&o, first, argc, argv) != 0)
		goto done;
	if (o.fleet) {
		pdh_fleet_args fa;

		pdh_fleet_args_from(&fa, &o);
		fa.saved_dir = first < argc ? argv[first] : NULL;
		code = pdh_cli_fleet_apply(&o, &fa);
		goto done;
	}
	out.json = o.format == PDH_FORMAT_JSON;
	/* In JSON mode stdout holds the one document; the plan and the prompt go to stderr. */
	out.plan_to = out.json ? stderr : stdout;
	code = pdh_cli_run(&o, PDH_RUN_APPLY, first < argc ? argv[first] : NULL, &hooks, &r,
	                   &out.said);
	if (out.json) {
		/* Whatever happened (refused, no plan, applied), stdout holds the one document. */
		const char *why = pdh_cli_run_error(&o, &r, line, sizeof(line));

		S_put(&out, pdh_run_render_apply_json(&r, code, r.interrupted_by
		                                      ? pdh_stop_signal_name(r.interrupted_by) : NULL,
		                                      why));
	} else {
		S_put(&out, pdh_run_render_apply_end(&r, o.color));
	}
done:
	if (out.write_errno != 0) {
		pdh_cli_error("cannot write to standard output (%s); the apply itself was not "
		              "stopped by it", strerror(out.write_errno));
		if (code == PDH_EXIT_OK)
			code = PDH_EXIT_ERROR;
	}
	pdh_cli_metrics_target(&mx, &o, &r.t);  /* a fleet writes its own, per account */
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK, r.t.plan, r.api_calls);
	pdh_stop_signals_restore(&out.stops);
	pdh_run_result_dispose(&r);
	pdh_common_dispose(&o);
	return code;
}
