/* One company's run at the CLI edge (plan, apply, status): the options of pdh_run from the
 * command line, and what the run leaves to say on stderr. */
#ifndef PDHOOKS_CLI_PLAN_H
#define PDHOOKS_CLI_PLAN_H

#include "options.h"
#include "pdhooks/run.h"

/* What the hooks of a run said already on stderr. */
typedef struct pdh_cli_said {
	bool diags;                 /* the desired file's diagnostics */
	bool error;                 /* the error that stopped the run */
} pdh_cli_said;

/* Runs one company as o says for mode, with hooks (may be NULL), into *r (the caller
 * disposes it with pdh_run_result_dispose): credentials and API URL checked first (a run
 * that cannot start ends as one that failed at once). Then says on stderr the desired file's
 * diagnostics and the error, unless the hooks did (said, may be NULL). Returns
 * r->exit_code. */
int pdh_cli_run(pdh_common *o, pdh_run_mode mode, const char *saved_path,
                const pdh_run_hooks *hooks, pdh_run_result *r, const pdh_cli_said *said);
/* The error line of an ended run (what follows "pdhooks: error: "), or NULL: none. */
const char *pdh_cli_run_error(const pdh_common *o, const pdh_run_result *r, char *buf,
                              size_t size);
/* The desired file's diagnostics of r on stderr (with "does not load" for a file with
 * errors). */
void pdh_cli_run_diags(const pdh_common *o, const pdh_run_result *r);
/* The plan options of --adopt, --takeover, --target and --exclude, borrowing from o. */
void pdh_cli_plan_choice(const pdh_common *o, pdh_plan_opts *p);

/* plan and status of one company: the command's text, JSON or Markdown on stdout. */
int pdh_cli_plan_command(int argc, char **argv, pdh_cmd_id id, pdh_run_mode mode);

#endif
