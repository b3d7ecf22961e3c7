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
#include "cmd.h"
#include "metrics_out.h"
#include "plan_output.h"
#include "pdhooks/apply.h"
#include "pdhooks/render_text.h"
#include "pdhooks/target.h"

/* Set by the first SIGINT: no new call starts; the second SIGINT stops at once. */
static atomic_int S_interrupt;

static void S_on_sigint(int sig)
{
	int saved = errno;

	(void)sig;
	atomic_store(&S_interrupt, 1);  /* lock-free, so async-signal-safe */
	errno = saved;
}

/* Asks on the terminal; true only for the answer "yes". */
static bool S_confirm(void)
{
	char line[64];
	size_t n;

	fputs("\nDo you want to perform these actions? Only 'yes' will be accepted: ", stdout);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return strcmp(line, "yes") == 0;
}

static const char *S_step_verb(const pdh_apply_step *st)
{
	switch (st->state) {
	case PDH_STEP_DONE:
		if (st->kind == PDH_STEP_CREATE)
			return "created";
		return st->already_gone ? "gone" : "deleted";
	case PDH_STEP_FAILED: return "failed";
	case PDH_STEP_NOT_RUN: return "not run";
	}
	return "?";
}

/* One line per step: what happened, the key, the id, and for failures Pipedrive's text. */
static void S_print_steps(const pdh_apply_result *res)
{
	for (size_t i = 0; i < res->n_steps; i++) {
		const pdh_apply_step *st = &res->steps[i];
		const char *what = st->kind == PDH_STEP_CREATE ? "create " : "delete ";

		/* "created KEY", but "failed create KEY": a failure must say which half failed. */
		printf("%-8s %s%s", S_step_verb(st), st->state == PDH_STEP_DONE ? "" : what,
		       st->action->key);
		if (st->id > 0)
			printf(" (id %lld)", st->id);
		else if (st->found_by_listing)
			printf(" (confirmed by a listing)");
		if (st->already_gone)
			printf(" (already gone)");
		if (st->error)
			printf(": %s", st->error);
		putchar('\n');
	}
}

static void S_print_summary(const pdh_apply_result *res, bool color)
{
	printf("\nApply: %zu created, %zu deleted, %zu failed, %zu not run (%zu API calls).\n",
	       res->n_created, res->n_deleted, res->n_failed, res->n_not_run, res->n_calls);
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

int pdh_cmd_apply(int argc, char **argv)
{
	pdh_common o;
	pdh_target t;
	pdh_target_run run;
	pdh_apply_opts aopts;
	pdh_apply_result *res = NULL;
	pdh_planfile *saved = NULL;
	pdh_error err = { 0 };
	struct sigaction sa, old_sa;
	bool handler = false;
	char *text = NULL;
	int first, rc, code = PDH_EXIT_ERROR;
	pdh_cli_metrics mx = { NULL, NULL, { 0, 0 } };

	pdh_cli_metrics_start(&mx, "apply");
	pdh_common_init(&o);
	memset(&run, 0, sizeof(run));
	memset(&aopts, 0, sizeof(aopts));
	if (pdh_common_parse(&o, PDH_CMD_APPLY, argc, argv, &first) != 0)
		goto done;
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
	if (first < argc && o.max_deletes >= 0) {
		pdh_cli_error("apply: a saved plan keeps the --max-deletes it was made with; plan "
		              "again with --max-deletes N");
		goto done;
	}
	if (first < argc)
		code = pdh_cli_plan_saved(&o, &t, &run, argv[first], &saved);
	else
		code = pdh_cli_plan_target(&o, &t, &run, o.max_deletes);
	if (code != PDH_EXIT_OK)
		goto done;
	code = PDH_EXIT_ERROR;
	text = pdh_render_text(run.plan, o.color);
	fputs(text, stdout);
	if (pdh_plan_is_empty(run.plan)) {
		puts("Nothing to do.");
		code = PDH_EXIT_OK;
		goto done;
	}
	fflush(stdout);
	if (run.plan->brake && !o.force) {
		pdh_cli_error("refused: %s (use --force to apply anyway)",
		              run.plan->brake_reason ? run.plan->brake_reason : "a safety brake");
		code = PDH_EXIT_BRAKE;
		goto done;
	}
	if (!o.auto_approve) {
		if (!isatty(STDIN_FILENO)) {
			pdh_cli_error("apply needs confirmation, and stdin is not a terminal: "
			              "review the plan and run again with --auto-approve");
			goto done;
		}
		if (!S_confirm()) {
			pdh_cli_error("apply cancelled: only 'yes' is accepted");
			goto done;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = S_on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;   /* a second Ctrl-C stops at once */
	atomic_store(&S_interrupt, 0);
	handler = sigaction(SIGINT, &sa, &old_sa) == 0;

	aopts.client = t.client;
	aopts.plan_opts = t.plan;
	aopts.parallelism = o.parallelism;
	aopts.force = o.force;
	aopts.interrupt = &S_interrupt;
	rc = pdh_apply(&res, run.plan, run.desired, &aopts, &err);
	if (res) {
		putchar('\n');
		S_print_steps(res);
		S_print_summary(res, o.color);
	}
	fflush(stdout);
	if (rc != PDH_OK)
		pdh_cli_error("%s", err.message[0] ? err.message : pdh_error_name(rc));
	code = res && res->interrupted ? PDH_EXIT_INTERRUPTED : pdh_exit_code(rc);
done:
	mx.path = o.metrics_file;
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK, run.plan,
	                              run.listing.calls + (res ? (int)res->n_calls : 0));
	if (handler)
		sigaction(SIGINT, &old_sa, NULL);
	pdh_apply_result_free(res);
	pdh_planfile_free(saved);
	free(text);
	pdh_target_run_dispose(&run);
	pdh_common_dispose(&o);
	return code;
}
