/* Fleet mode at the CLI edge. The report goes to stdout as the accounts finish; diagnostics,
 * warnings and errors go to stderr, each naming its account. */
#include "fleet_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_plan.h"
#include "cmd.h"
#include "pdhooks/run.h"
#include "run_files.h"
#include "stop_signal.h"
#include "pdhooks/alloc.h"
#include "pdhooks/apply.h"
#include "pdhooks/fleet.h"
#include "pdhooks/fleet_report.h"
#include "pdhooks/fleet_job.h"
#include "pdhooks/fleet_run.h"

void pdh_fleet_args_from(pdh_fleet_args *a, const pdh_common *o)
{
	memset(a, 0, sizeof(*a));
	a->fleet = o->fleet;
	a->globs = o->accounts.items;
	a->n_globs = o->accounts.n;
	a->labels = o->labels.items;
	a->n_labels = o->labels.n;
	a->shard = o->shard;
	a->concurrency = o->concurrency > 0 ? o->concurrency : 0;
	a->canary = o->canary > 0 ? o->canary : 0;
	a->format = o->format;
	a->detailed_exitcode = o->detailed_exitcode;
	a->max_deletes = o->max_deletes;
	a->out_dir = o->out;
	a->auto_approve = o->auto_approve;
	a->force = o->force;
	a->parallelism = o->parallelism;
	a->metrics_file = o->metrics_file;
}

int pdh_fleet_args_check(const pdh_common *o, const char *command)
{
	if (o->fleet == NULL && (o->accounts.n || o->labels.n || o->shard || o->concurrency > 0 ||
	                         o->canary > 0)) {
		pdh_cli_error("%s: --account, --label, --shard, --concurrency and --canary need "
		              "--fleet FLEETFILE", command);
		return -1;
	}
	return 0;
}

int pdh_cli_target_or_fleet(pdh_cli_metrics *mx, pdh_common *o, pdh_cmd_id id,
                            const char *name, int argc, char **argv,
                            int (*fleet)(pdh_common *, const pdh_fleet_args *), int *code)
{
	int first;

	pdh_cli_metrics_start(mx, name);
	pdh_common_init(o);
	*code = PDH_EXIT_ERROR;
	if (pdh_common_parse(o, id, argc, argv, &first) != 0 || pdh_fleet_args_check(o, name) != 0)
		return 1;
	if (first < argc) {
		pdh_cli_error("%s: unexpected argument '%s' (the file goes after -f)", name,
		              argv[first]);
		return 1;
	}
	if (o->fleet) {
		pdh_fleet_args fa;

		pdh_fleet_args_from(&fa, o);
		*code = fleet(o, &fa);
		return 1;
	}
	return pdh_cli_metrics_check_common(o, NULL) != 0;
}

/* Options that name one company make no sense with a fleet: each account names its own. */
static int S_check_common(const pdh_common *o)
{
	if (o->file_given || o->api_url || o->token_file) {
		pdh_cli_error("with --fleet, each account names its desired file, API URL and token "
		              "source; -f, --api-url and --token-file are not used");
		return -1;
	}
	if (o->metrics_labels.n > 0) {
		pdh_cli_error("with --fleet, each account's metrics carry its account label; "
		              "--metrics-label is for one company's");
		return -1;
	}
	return 0;
}

/* Loads the fleet file (diagnostics printed, or through checks) into j and chooses its
 * accounts (with record, what the report records of them too). PDH_EXIT_OK, or
 * PDH_EXIT_ERROR after the error. */
static int S_load(pdh_common *o, const pdh_fleet_args *a, pdh_cli_checks *checks,
                  pdh_fleet_job *j, bool record)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(j, 0, sizeof(*j));
	j->path = a->fleet;
	if (pdh_fleet_choice_parse(&j->choice, a->shard, a->globs, a->n_globs, a->labels,
	                           a->n_labels, &err) != 0) {
		pdh_cli_error("%s", err.message);
		return PDH_EXIT_ERROR;
	}
	pdh_diags_init(&diags, a->fleet);
	rc = pdh_fleet_read_file(&data, &len, a->fleet, &diags, &err);
	if (rc == PDH_OK)
		rc = pdh_fleet_load_buffer(&j->f, a->fleet, data, len, &diags, &err);
	pdh_cli_check_diags(checks, a->fleet, NULL, &diags, data, len, rc,
	                    rc == PDH_EIO ? err.message : NULL, o->quiet, o->color_err);
	free(data);
	pdh_diags_dispose(&diags);
	if (rc != PDH_OK)
		return PDH_EXIT_ERROR;
	if (pdh_fleet_choice_select(&j->choice, j->f, a->fleet, record, &err) != 0) {
		pdh_cli_error("%s", err.message);
		return PDH_EXIT_ERROR;
	}
	if (j->choice.n == 0 && !o->quiet)
		pdh_cli_warning("%s: no account is selected", a->fleet);
	return PDH_EXIT_OK;
}

int pdh_cli_fleet_validate(pdh_common *o, const pdh_fleet_args *a, pdh_cli_checks *checks)
{
	pdh_fleet_job j;
	size_t n, bad = 0;
	int code;

	if (S_check_common(o) != 0)
		return PDH_EXIT_ERROR;
	code = S_load(o, a, checks, &j, false);
	n = j.choice.n;
	if (code != PDH_EXIT_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const pdh_fleet_account *acc = &j.f->accounts[j.choice.idx[i]];
		pdh_error err = { 0 };
		pdh_target_run run;
		int rc = pdh_fleet_load_account(&run, acc, NULL, NULL, o->no_env, &err);
		size_t n_warn = run.diags.n_warnings;

		if (checks)
			pdh_check_report_add(&checks->report, acc->desired, acc->name, &run.diags,
			                     rc == PDH_OK, rc == PDH_EIO ? err.message : NULL);
		if (checks && !checks->print) {
			bad += rc != PDH_OK;
			pdh_target_run_dispose(&run);
			continue;
		}
		if (run.diags.len > 0 && (rc != PDH_OK || !o->quiet)) {
			char *diags = pdh_diags_render(&run.diags, run.source, run.source_len, false,
			                               o->color_err);

			fprintf(stderr, "pdhooks: account %s:\n%s", acc->name, diags);
			free(diags);
		}
		if (rc == PDH_EIO)
			pdh_cli_error("account %s: %s", acc->name, err.message);
		else if (rc != PDH_OK)
			pdh_cli_error("account %s: %s does not load", acc->name, acc->desired);
		if (rc != PDH_OK)
			bad++;
		else if (!o->quiet)
			printf("%s: ok (%s)%s\n", acc->name, acc->desired, n_warn ? " with warnings" : "");
		pdh_target_run_dispose(&run);
	}
	if (!o->quiet && (checks == NULL || checks->print))
		printf("%s: %zu of %zu selected account%s valid\n", a->fleet, n - bad, n,
		       n == 1 ? "" : "s");
	code = bad ? PDH_EXIT_ERROR : PDH_EXIT_OK;
done:
	pdh_fleet_job_dispose(&j);
	return code;
}

/* ---- plan and apply ---- */

/* What a pass's result says on stderr (ctx: the pdh_common). */
static void S_said(void *ctx, const pdh_fleet_result *r)
{
	const pdh_common *o = ctx;
	const char *name = r->account->name;

	if (r->warning && !o->quiet)
		pdh_cli_warning("%s", r->warning);
	if (r->diagnostics && (r->core_rc == PDH_EFILE || !o->quiet))
		fprintf(stderr, "pdhooks: account %s:\n%s", name, r->diagnostics);
	if (r->error && r->row.outcome != PDH_FLEET_SKIPPED)
		pdh_cli_error("account %s: %s", name, r->error);
	if (r->saved_digest && !o->quiet)
		fprintf(stderr, "pdhooks: saved the plan of account %s (sha256 %s)\n", name,
		        r->saved_digest);
}

/* A warning of the command's own (ctx: the pdh_common). */
static void S_warning(void *ctx, const char *warning)
{
	const pdh_common *o = ctx;

	if (!o->quiet)
		pdh_cli_warning("%s", warning);
}

/* A piece of the report to stdout, written out at once. */
static bool S_put(void *ctx, const char *piece)
{
	bool ok = fputs(piece, stdout) != EOF;

	(void)ctx;
	fflush(stdout);
	return ok;
}

static void S_canaries_failed(void *ctx, size_t failed, size_t canaries, size_t rest)
{
	(void)ctx;
	pdh_cli_error("%zu of %zu canary account%s did not apply cleanly; the other %zu "
	              "account%s are skipped", failed, canaries, canaries == 1 ? "" : "s", rest,
	              rest == 1 ? "" : "s");
}

/* --metrics-file: every account's metrics in one file, written whole. */
static int S_write_metrics(const pdh_fleet_args *a, const pdh_fleet_pass *p, int code)
{
	if (a->metrics_file == NULL || p->metrics == NULL)
		return code;
	return pdh_cli_metrics_write(a->metrics_file, pdh_fleet_metrics_render(p->metrics), code);
}

/* The options every pass of the command starts from, from o and a. */
static void S_base(pdh_fleet_run_opts *ro, pdh_common *o, const pdh_fleet_args *a,
                   const pdh_fleet *f)
{
	memset(ro, 0, sizeof(*ro));
	ro->fleet = f;
	ro->concurrency = a->concurrency;
	ro->cacert = o->cacert;
	ro->session = pdh_common_session(o);
	ro->timeout_ms = o->timeout_ms;
	ro->log = o->verbose ? pdh_cli_log_stderr : NULL;
	ro->plan.max_deletes_set = a->max_deletes >= 0;
	ro->plan.max_deletes = a->max_deletes;
	pdh_cli_plan_choice(o, &ro->plan);  /* the same patterns for every account */
	ro->force = a->force;
	ro->min_daily_tokens = o->min_daily_tokens;
	ro->parallelism = a->parallelism;
	ro->color = o->color;
	ro->saved_dir = a->saved_dir;
}

/* The listing pass (pdh_fleet_survey), and its warnings said. */
static void S_survey(pdh_fleet_job *j, const pdh_common *o, atomic_int *interrupt)
{
	pdh_fleet_survey(j, interrupt);
	for (size_t i = 0; j->installs && i < j->choice.n && !o->quiet; i++)
		if (j->installs[i])
			pdh_cli_warning("%s", j->installs[i]);
}

/* The common checks and the fleet's load: PDH_EXIT_OK, or the exit code after an error. */
static int S_job_open(pdh_fleet_job *j, pdh_common *o, const pdh_fleet_args *a)
{
	pdh_error err = { 0 };
	int code;

	memset(j, 0, sizeof(*j));
	if (S_check_common(o) != 0)
		return PDH_EXIT_ERROR;
	code = S_load(o, a, NULL, j, true);
	if (code == PDH_EXIT_OK && pdh_fleet_metrics_check(j, a->metrics_file, a->out_dir
	                                                   ? a->out_dir : a->saved_dir, &err) != 0) {
		pdh_cli_error("%s", err.message);
		code = PDH_EXIT_ERROR;
	}
	return code;
}

/* plan --fleet and status --fleet: one pass over the accounts, the report as they finish;
 * plan's held until every account is listed, to refuse the accounts of one company (status
 * writes nothing, not even a saved plan, and refuses none). */
static int S_plan_or_status(pdh_common *o, const pdh_fleet_args *a, pdh_run_mode mode,
                            const char *command)
{
	pdh_fleet_pass_hooks hooks = { o, S_said, S_put, NULL, S_warning };
	pdh_fleet_job j;
	pdh_error err = { 0 };
	int code;

	code = S_job_open(&j, o, a);
	if (code != PDH_EXIT_OK)
		goto done;
	if (a->out_dir && pdh_fleet_plan_dir(a->out_dir, &err) != 0)
		goto error;
	S_base(&j.base, o, a, j.f);
	pdh_fleet_job_begin(&j, mode, (pdh_format)a->format, command, a->metrics_file != NULL,
	                    &hooks);
	j.ro.save_dir = mode == PDH_RUN_PLAN ? a->out_dir : NULL;
	if ((mode == PDH_RUN_PLAN ? pdh_fleet_checked_run(&j, &j.ro, &hooks, &err)
	                          : pdh_fleet_run(&j.ro, &err)) != 0)
		goto error;
	pdh_fleet_pass_put(&j.pass, pdh_fleet_report_end(j.pass.report));
	if (fflush(stdout) != 0 || j.pass.write_failed) {
		pdh_error_set(&err, PDH_EIO, "cannot write the report: %s", strerror(errno));
		goto error;
	}
	code = pdh_fleet_report_exit_code(j.pass.report, a->detailed_exitcode);
	code = S_write_metrics(a, &j.pass, code);
	goto done;
error:
	pdh_cli_error("%s", err.message);
	code = PDH_EXIT_ERROR;
done:
	pdh_fleet_job_dispose(&j);
	return code;
}

int pdh_cli_fleet_plan(pdh_common *o, const pdh_fleet_args *a)
{
	return S_plan_or_status(o, a, PDH_RUN_PLAN, "plan");
}

int pdh_cli_fleet_status(pdh_common *o, const pdh_fleet_args *a)
{
	return S_plan_or_status(o, a, PDH_RUN_STATUS, "status");
}

/* Shows every chosen account's plan and asks once. 0 with *sig the plans' signatures when
 * confirmed; 1 when there is nothing to do; -1 when not confirmed or the pass failed (error
 * printed). */
static int S_show_and_confirm(pdh_fleet_job *j, const pdh_fleet_pass_hooks *hooks, char ***sig)
{
	pdh_error err = { 0 };
	char *where;
	bool confirmed;
	int rc = pdh_fleet_preview(j, hooks, sig, &err);

	if (rc < 0)
		pdh_cli_error("%s", err.message);
	if (rc > 0)
		puts("Nothing to do.");
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	where = pdh_xasprintf(" in %zu account%s", j->choice.n, j->choice.n == 1 ? "" : "s");
	confirmed = pdh_cli_confirm(stdout, where);
	free(where);
	if (confirmed)
		return 0;
	pdh_cli_error("apply cancelled: only 'yes' is accepted");
	return -1;
}

int pdh_cli_fleet_apply(pdh_common *o, const pdh_fleet_args *a)
{
	pdh_fleet_pass_hooks hooks = { o, S_said, S_put, S_canaries_failed, S_warning };
	pdh_fleet_job j;
	pdh_error err = { 0 };
	pdh_stop_signals stops;
	char **sig = NULL;
	int code;

	memset(&stops, 0, sizeof(stops));
	code = S_job_open(&j, o, a);
	if (code != PDH_EXIT_OK)
		goto done;
	code = PDH_EXIT_ERROR;
	if (!a->auto_approve && !isatty(STDIN_FILENO)) {
		pdh_cli_error("apply --fleet needs one confirmation, and stdin is not a terminal: "
		              "review 'pdhooks plan --fleet' and run again with --auto-approve");
		goto done;
	}
	/* Accounts of one company are refused before anything is shown or written: by the
	 * preview's own listings, or without a prompt by a listing pass that a signal stops
	 * too (the accounts not started are skipped). */
	S_base(&j.base, o, a, j.f);
	if (a->auto_approve) {
		pdh_stop_signals_install(&stops);
		S_survey(&j, o, &pdh_stop_signal);
	} else {
		int shown = S_show_and_confirm(&j, &hooks, &sig);

		if (shown != 0) {
			/* nothing to do but for refused accounts is still an error */
			code = shown > 0 && j.refuse == NULL ? PDH_EXIT_OK : PDH_EXIT_ERROR;
			goto done;
		}
		putchar('\n');
		pdh_stop_signals_install(&stops);
	}
	pdh_fleet_job_begin(&j, PDH_RUN_APPLY, (pdh_format)a->format, "apply",
	                    a->metrics_file != NULL, &hooks);
	j.ro.interrupt = &pdh_stop_signal;
	/* The canaries first (file order), then the rest only if every canary converged. */
	if (pdh_fleet_apply_canaries(&j, a->canary > 0 ? (size_t)a->canary : 0, sig, &err) != 0) {
		pdh_cli_error("%s", err.message);
		goto done;
	}
	pdh_fleet_pass_put(&j.pass, pdh_fleet_report_end(j.pass.report));
	fflush(stdout);
	code = atomic_load(&pdh_stop_signal) ? PDH_EXIT_SIGNAL_BASE + atomic_load(&pdh_stop_signal)
	                                     : pdh_fleet_report_exit_code(j.pass.report, false);
	code = S_write_metrics(a, &j.pass, code);
done:
	pdh_stop_signals_restore(&stops);
	pdh_free_strings(sig, j.choice.n);
	pdh_fleet_job_dispose(&j);
	return code;
}
