#include "cli_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleet_cli.h"
#include "run_files.h"
#include "stop_signal.h"

/* A desired file with errors: its diagnostics say so, and the error line is theirs. */
static bool S_file_errors(const pdh_run_result *r)
{
	return r->rc == PDH_EFILE && r->t.diags.n_errors > 0;
}

void pdh_cli_run_diags(const pdh_common *o, const pdh_run_result *r)
{
	pdh_cli_print_diags(r->t.diags.file, &r->t.diags, r->t.source, r->t.source_len,
	                    S_file_errors(r) ? PDH_EFILE : PDH_OK, o->quiet, o->color_err);
}

const char *pdh_cli_run_error(const pdh_common *o, const pdh_run_result *r, char *buf,
                              size_t size)
{
	if (r->rc == PDH_OK)
		return NULL;
	if (r->rc == PDH_EAUTH && r->err.http_status != 0) {
		snprintf(buf, size, "%s; the token came from %s", r->err.message, o->creds.source);
		return buf;
	}
	return r->err.message;
}

/* A run that cannot start (r->err says why): it failed at once, said on stderr. */
static int S_failed_at_once(pdh_run_result *r, int rc)
{
	pdh_cli_error("%s", r->err.message);
	r->rc = rc;
	r->outcome = pdh_fleet_outcome_of(rc);
	r->exit_code = pdh_exit_code(rc);
	return r->exit_code;
}

int pdh_cli_run(pdh_common *o, pdh_run_mode mode, const char *saved_path,
                const pdh_run_hooks *hooks, pdh_run_result *r, const pdh_cli_said *said)
{
	pdh_run_opts ro;
	char line[PDH_ERROR_MAX + 256];
	const char *msg;
	int rc;

	memset(&ro, 0, sizeof(ro));
	memset(r, 0, sizeof(*r));
	ro.mode = r->mode = mode;
	rc = pdh_common_client_opts(o, &ro.target.client, &r->err);
	if (rc != PDH_OK)
		return S_failed_at_once(r, rc);
	pdh_common_listing_opts(o, &ro.target.listing);
	ro.target.desired_path = o->file;
	ro.target.desired_stdin = o->file_stdin;
	ro.target.plan.max_deletes_set = mode != PDH_RUN_STATUS && o->max_deletes >= 0;
	ro.target.plan.max_deletes = ro.target.plan.max_deletes_set ? o->max_deletes : 0;
	ro.target.plan.auth = ro.target.client.auth;
	if (saved_path && (o->targets.n || o->excludes.n || o->adopt || o->takeover)) {
		/* A saved plan is applied as it was reviewed. */
		rc = pdh_error_set(&r->err, PDH_EINVAL, "apply PLANFILE: --target, --exclude, --adopt "
		                   "and --takeover are kept in the saved plan; give them to 'pdhooks "
		                   "plan -o'");
		return S_failed_at_once(r, rc);
	}
	pdh_cli_plan_choice(o, &ro.target.plan);
	ro.saved_path = saved_path;
	ro.save_to = mode == PDH_RUN_PLAN ? o->out : NULL;
	ro.force = o->force;
	ro.parallelism = o->parallelism;
	ro.max_wait_ms = o->max_wait_ms;
	ro.min_daily_tokens = o->min_daily_tokens;
	ro.interrupt = &pdh_stop_signal;
	ro.detailed_exitcode = o->detailed_exitcode;
	if (hooks)
		ro.hooks = *hooks;
	pdh_run(r, &ro);
	if (said == NULL || !said->diags)
		pdh_cli_run_diags(o, r);
	msg = pdh_cli_run_error(o, r, line, sizeof(line));
	if (msg && !S_file_errors(r) && (said == NULL || !said->error))
		pdh_cli_error("%s", msg);
	return r->exit_code;
}

/* -o replaces an older plan, but never the file the plan is made from nor the token: a typo
 * there would lose what the run reads. Checked before any call. */
static int S_check_out(const pdh_common *o)
{
	const char *what = pdh_same_file(o->out, o->file) ? "the desired-state file"
	                   : pdh_same_file(o->out, o->token_file) ? "the --token-file" : NULL;

	if (o->out && o->file_stdin) {
		/* apply PLANFILE reads the plan's desired file again; stdin cannot be. */
		pdh_cli_error("plan: -o needs a desired file that apply can read again, not -f -");
		return -1;
	}
	if (what)
		pdh_cli_error("plan: -o %s is %s; save the plan to another path", o->out, what);
	return what ? -1 : 0;
}

int pdh_cli_plan_command(int argc, char **argv, pdh_cmd_id id, pdh_run_mode mode)
{
	const char *name = pdh_cmd_name(id);
	pdh_cli_metrics mx = { 0 };
	pdh_run_result r;
	pdh_common o;
	char *text = NULL;
	int code = PDH_EXIT_ERROR;

	memset(&r, 0, sizeof(r));
	if (pdh_cli_target_or_fleet(&mx, &o, id, name, argc, argv,
	                            mode == PDH_RUN_PLAN ? pdh_cli_fleet_plan : pdh_cli_fleet_status,
	                            &code) != 0)
		goto done;
	if (mode == PDH_RUN_PLAN && S_check_out(&o) != 0)
		goto done;
	code = pdh_cli_run(&o, mode, NULL, NULL, &r, NULL);
	if (r.rc != PDH_OK)
		goto done;
	/* Saved first, so that a plan that cannot be saved prints nothing, and the Markdown
	 * can name the saved plan's digest. */
	if (r.saved_digest[0] && !o.quiet)
		fprintf(stderr, "pdhooks: saved the plan to %s (sha256 %s)\n", o.out, r.saved_digest);
	text = pdh_run_render_plan(&r, (pdh_format)o.format, o.color, 0);
	(void)fputs(text, stdout); /* a failed write is caught just below */
	if (!pdh_cli_stdout_ok())
		code = PDH_EXIT_ERROR;
done:
	pdh_cli_metrics_target(&mx, &o, &r.t);  /* a fleet writes its own, per account */
	code = pdh_cli_metrics_finish(&mx, code, code == PDH_EXIT_OK || code == PDH_EXIT_CHANGES,
	                              r.t.plan, r.api_calls);
	free(text);
	pdh_run_result_dispose(&r);
	pdh_common_dispose(&o);
	return code;
}

void pdh_cli_plan_choice(const pdh_common *o, pdh_plan_opts *p)
{
	p->adopt = o->adopt;
	p->takeover = o->takeover;
	p->targets = o->targets.items;
	p->n_targets = o->targets.n;
	p->excludes = o->excludes.items;
	p->n_excludes = o->excludes.n;
}
