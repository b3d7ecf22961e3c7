/* pdhooks apply [-f FILE | PLANFILE]: plan (or check a saved plan), show it, ask, make the
 * calls, verify. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_plan.h"
#include "fleet_cli.h"
#include "cmd.h"
#include "metrics_out.h"
#include "plan_output.h"
#include "run_files.h"
#include "pdhooks/apply.h"
#include "pdhooks/apply_lock.h"
#include "pdhooks/alloc.h"
#include "pdhooks/render_apply_json.h"
#include "pdhooks/render_text.h"
#include "pdhooks/target.h"
#include "stop_signal.h"

/* Where apply's output goes, and the first failed write to stdout (a closed pipe must not
 * stop the apply: SIGPIPE is ignored and the failure reported at the end). */
typedef struct S_out {
	bool json;
	bool quiet;
	bool color;
	int write_errno;
} S_out;

static void S_flush(S_out *out)
{
	if (fflush(stdout) != 0 && out->write_errno == 0)
		out->write_errno = errno ? errno : EIO;
	if (ferror(stdout) && out->write_errno == 0)
		out->write_errno = EIO;
}

/* The one JSON document of an apply that made no call: refused, or no plan to apply. */
static void S_print_refused(S_out *out, int code, const char *why, size_t calls)
{
	pdh_apply_json_extra x = { NULL, code, why, true };
	char *doc = pdh_render_apply_json(NULL, calls, &x);

	fputs(doc, stdout);
	free(doc);
	S_flush(out);
}

/* Why there was no plan to apply: the error already printed on stderr; for a desired file
 * with errors (its diagnostics are on stderr, with their positions) a line that says so. */
static const char *S_no_plan_why(int code)
{
	if (pdh_cli_last_error() != NULL)
		return pdh_cli_last_error();
	return code == PDH_EXIT_STALE ? "the saved plan is stale"
	                              : "no plan was made: see the errors on stderr";
}

/* One line for a settled step: what happened, the key, the id, the time, and for failures
 * Pipedrive's text. */
static void S_print_step(const pdh_apply_step *st)
{
	const char *what = st->kind == PDH_STEP_CREATE ? "create " : "delete ";

	/* "created KEY", but "failed create KEY": a failure must say which half failed. */
	printf("%-8s %s%s", pdh_step_outcome_word(pdh_step_outcome_of(st)),
	       st->state == PDH_STEP_DONE ? "" : what, st->action->key);
	if (st->id > 0)
		printf(" (id %lld)", st->id);
	else if (st->found_by_listing)
		printf(" (confirmed by a listing)");
	if (st->already_gone)
		printf(" (already gone)");
	if (st->delete_first)
		printf(" (delete-first at the webhook limit)");
	if (st->attempts > 0)
		printf(" [%lld ms]", st->ms);
	if (st->error)
		printf(": %s", st->error);
	putchar('\n');
}

static void S_seconds(char *out, size_t n, long long ms)
{
	snprintf(out, n, "%.1f s", (double)ms / 1000.0);
}

/* Called by apply as things happen, never two at a time. */
static void S_progress(void *ctx, const pdh_apply_event *ev)
{
	S_out *out = ctx;

	switch (ev->kind) {
	case PDH_APPLY_EVENT_STEP:
		if (!out->json) {
			S_print_step(ev->step);
			S_flush(out);
		}
		break;
	case PDH_APPLY_EVENT_WAIT:
		if (!out->quiet) {
			pdh_cli_tell_wait(ev->wait_ms, ev->text);
		}
		break;
	case PDH_APPLY_EVENT_NOTE:
		if (!out->json) {
			printf("note: %s\n", ev->text);
			S_flush(out);
		} else if (!out->quiet) {
			fprintf(stderr, "pdhooks: note: %s\n", ev->text);
		}
		break;
	}
}

static void S_print_summary(const pdh_apply_result *res, bool color)
{
	char secs[32];

	printf("\nApply: %zu created, %zu deleted, %zu failed, %zu not run (%zu API calls).\n",
	       res->n_created, res->n_deleted, res->n_failed, res->n_not_run, res->n_calls);
	if (res->waited_ms >= 1000) {
		S_seconds(secs, sizeof(secs), res->waited_ms);
		printf("Waited %s in all for the rate limit and before retries.\n", secs);
	}
	if (res->n_delete_first)
		printf("Delete-first: %zu replace%s at the webhook limit deleted the old webhook "
		       "before creating the new one; events in between were lost.\n",
		       res->n_delete_first, res->n_delete_first == 1 ? "" : "s");
	if (res->n_restored)
		printf("Re-created: %zu old webhook%s deleted first whose new one could not be "
		       "made, from the listed fields (never a password).\n", res->n_restored,
		       res->n_restored == 1 ? "" : "s");
	if (res->n_restore_failed)
		printf("Lost: %zu old webhook%s deleted first could not be re-created; run apply "
		       "again.\n", res->n_restore_failed, res->n_restore_failed == 1 ? "" : "s");
	if (res->n_extra_removed)
		printf("Removed %zu second cop%s made by a POST that timed out and landed later.\n",
		       res->n_extra_removed, res->n_extra_removed == 1 ? "y" : "ies");
	if (res->unavailable) {
		printf("Stopped: %s.\n", res->stop_reason);
		if (res->n_not_run) {
			puts("Not run:");
			for (size_t i = 0; i < res->n_steps; i++)
				if (res->steps[i].state == PDH_STEP_NOT_RUN)
					printf("  %s %s\n", res->steps[i].kind == PDH_STEP_CREATE ? "create"
					                                                        : "delete",
					       res->steps[i].action->key);
		}
	}
	if (res->interrupted) {
		puts("Interrupted: calls in flight finished, no new call was started.");
	} else if (res->converged) {
		puts("Verified: the live webhooks match the file.");
	} else if (res->verified) {
		char *text = pdh_render_text(res->remaining, color);

		puts("Not converged: a new plan still has changes:");
		fputs(text, stdout);
		free(text);
	} else if (res->verify_error) {
		printf("Not verified: %s\n", res->verify_error);
	}
}

/* Takes the company's apply lock before anything is listed, so two applies never plan from
 * the same listing. */
static int S_lock(pdh_common *o, pdh_apply_lock **lock)
{
	pdh_client_opts co;
	pdh_error err = { 0 };
	int rc;

	if (pdh_common_client_opts(o, &co, &rc) != 0)
		return pdh_exit_code(rc);
	rc = pdh_apply_lock_take(lock, co.token, &err);
	if (rc != PDH_OK) {
		pdh_cli_error("%s", err.message);
		return pdh_exit_code(rc);
	}
	return PDH_EXIT_OK;
}

int pdh_cmd_apply(int argc, char **argv)
{
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	pdh_apply_opts aopts;
	pdh_apply_result *res = NULL;
	pdh_planfile *saved = NULL;
	pdh_apply_lock *lock = NULL;
	pdh_error err = { 0 };
	pdh_stop_signals stops;
	S_out out = { false, false, false, 0 };
	FILE *plan_to;
	char *text = NULL, *why = NULL;
	int first, rc = PDH_OK, code = PDH_EXIT_ERROR, sig;
	pdh_cli_metrics mx = { 0 };

	pdh_cli_metrics_start(&mx, "apply");
	/* A closed stdout (apply | head -1) must never stop an apply half-way: writes fail with
	 * EPIPE instead, and the end says so. */
	signal(SIGPIPE, SIG_IGN);
	pdh_common_init(&o);
	memset(&run, 0, sizeof(run));
	memset(&stops, 0, sizeof(stops));
	memset(&aopts, 0, sizeof(aopts));
	if (pdh_common_parse(&o, PDH_CMD_APPLY, argc, argv, &first) != 0 ||
	    pdh_fleet_args_check(&o, "apply") != 0)
		goto done;
	if (o.fleet) {
		pdh_fleet_args fa;

		if (first + 1 < argc) {
			pdh_cli_error("apply --fleet: one directory of saved plans at most, not '%s' too",
			              argv[first + 1]);
			goto done;
		}
		pdh_fleet_args_from(&fa, &o);
		fa.saved_dir = first < argc ? argv[first] : NULL;
		code = pdh_cli_fleet_apply(&o, &fa);
		goto done;
	}
	out.json = o.format == PDH_FORMAT_JSON;
	out.quiet = o.quiet;
	out.color = o.color;
	/* In JSON mode stdout holds the one document; the plan and the prompt go to stderr. */
	plan_to = out.json ? stderr : stdout;
	if (first + 1 < argc) {
		pdh_cli_error("apply: one saved plan at most, not '%s' too", argv[first + 1]);
		goto done;
	}
	if (first < argc && o.file_given) {
		/* The plan records its desired file; applying it against another would be a
		 * different plan than the one reviewed. */
		pdh_cli_error("apply: give either -f FILE or a saved plan, not both (the plan "
		              "names its own desired file)");
		goto done;
	}
	if (o.file_stdin && first >= argc && !o.auto_approve) {
		pdh_cli_error("apply: -f - reads the file from stdin, so no 'yes' can come from "
		              "there: add --auto-approve");
		goto done;
	}
	/* Before the lock and any call: a refused --metrics-file ends the run with every file
	 * as it was. */
	if (pdh_cli_metrics_check_common(&o, first < argc ? argv[first] : NULL) != 0)
		goto done;
	if ((code = S_lock(&o, &lock)) == PDH_EXIT_OK) {
		if (first < argc)
			code = pdh_cli_plan_saved(&o, &t, &run, argv[first], &saved);
		else
			code = pdh_cli_plan_target(&o, &t, &run, o.max_deletes);
	}
	if (code != PDH_EXIT_OK) {
		/* No plan to apply (locked, a bad file, a stale saved plan, the API unreachable):
		 * in JSON mode stdout still holds the one document, saying why. */
		if (out.json)
			S_print_refused(&out, code, S_no_plan_why(code), (size_t)run.listing.calls);
		goto done;
	}
	code = PDH_EXIT_ERROR;
	if (!out.json || !o.quiet) {
		text = pdh_render_text(run.plan, out.json ? o.color_err : o.color);
		fputs(text, plan_to);
	}
	if (pdh_plan_is_empty(run.plan)) {
		if (out.json) {
			pdh_apply_json_extra x = { NULL, PDH_EXIT_OK, NULL, false };
			char *doc = pdh_render_apply_json(NULL, (size_t)run.listing.calls, &x);

			fputs(doc, stdout);
			free(doc);
		} else {
			puts("Nothing to do.");
		}
		S_flush(&out);
		code = PDH_EXIT_OK;
		goto done;
	}
	fflush(plan_to);
	if (run.plan->brake && !o.force) {
		why = pdh_xasprintf("refused: %s (use --force to apply anyway)",
		                    run.plan->brake_reason ? run.plan->brake_reason
		                                           : "a safety brake");
		code = PDH_EXIT_BRAKE;
	} else if (!o.auto_approve && !isatty(STDIN_FILENO)) {
		why = pdh_xstrdup("apply needs confirmation, and stdin is not a terminal: review the "
		                  "plan and run again with --auto-approve");
	} else if (!o.auto_approve && !pdh_cli_confirm(plan_to, "")) {
		why = pdh_xstrdup("apply cancelled: only 'yes' is accepted");
	}
	if (why != NULL) {
		/* Refused before any call: in JSON mode stdout still holds the one document. */
		if (out.json)
			S_print_refused(&out, code, why, (size_t)run.listing.calls);
		pdh_cli_error("%s", why);
		goto done;
	}

	pdh_stop_signals_install(&stops);

	aopts.client = t.client;
	aopts.plan_opts = t.plan;
	aopts.parallelism = o.parallelism;
	aopts.force = o.force;
	aopts.interrupt = &pdh_stop_signal;
	aopts.max_wait_ms = o.max_wait_ms;
	aopts.progress = S_progress;
	aopts.progress_ctx = &out;
	aopts.prior_calls = (size_t)run.listing.calls;
	aopts.live = run.live;
	if (!out.json) {
		putchar('\n');
		S_flush(&out);
	}
	rc = pdh_apply(&res, run.plan, run.desired, &aopts, &err);
	sig = atomic_load(&pdh_stop_signal);
	if (res && res->interrupted)
		code = PDH_EXIT_SIGNAL_BASE + (sig ? sig : SIGINT);
	else
		code = pdh_exit_code(rc);
	if (res && !out.json)
		S_print_summary(res, o.color);
	if (res && out.json) {
		pdh_apply_json_extra x = { res->interrupted ? pdh_stop_signal_name(sig) : NULL, code,
		                           rc != PDH_OK ? err.message : NULL, false };
		char *doc = pdh_render_apply_json(res, res->n_calls, &x);

		fputs(doc, stdout);
		free(doc);
	}
	S_flush(&out);
	if (rc != PDH_OK)
		pdh_cli_error("%s", err.message[0] ? err.message : pdh_error_name(rc));
done:
	if (out.write_errno != 0) {
		pdh_cli_error("cannot write to standard output (%s); the apply itself was not "
		              "stopped by it", strerror(out.write_errno));
		if (code == PDH_EXIT_OK)
			code = PDH_EXIT_ERROR;
	}
	pdh_cli_metrics_target(&mx, &o, &run);  /* a fleet writes its own, per account */
	/* res->n_calls counts the plan's listing too (prior_calls) */
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK, run.plan,
	                              res ? (int)res->n_calls : run.listing.calls);
	pdh_stop_signals_restore(&stops);
	pdh_apply_lock_release(lock);
	pdh_apply_result_free(res);
	pdh_planfile_free(saved);
	free(why);
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
