/* What plan and apply share at the CLI edge: the first half of both
 * commands (credentials, load, one listing, the plan). */
#ifndef PDHOOKS_CLI_PLAN_H
#define PDHOOKS_CLI_PLAN_H

#include "options.h"
#include "pdhooks/target.h"

/* Checks the credentials and the API URL (before anything is read or called), loads o->file,
 * lists the live webhooks and plans with max_deletes (-1: the file's), into *run (which the
 * caller has zeroed and disposes with pdh_target_run_dispose). The listing is retried
 * (pdh_target_list). Diagnostics and errors are printed.
 * Returns PDH_EXIT_OK with run->plan set, or the exit code to end with. t is filled (its
 * client options borrow from o). */
int pdh_cli_plan_target(pdh_common *o, pdh_target *t, pdh_target_run *run, int max_deletes);

/* The plan options of --adopt, --takeover, --target and --exclude, borrowing from o. */
void pdh_cli_plan_choice(const pdh_common *o, pdh_plan_opts *p);

/* Starts t from o: zeroed, then its client options (credentials and API URL resolved, no
 * network; borrowing from o) and listing options (pdh_common_listing_opts). PDH_EXIT_OK, or
 * the exit code after the error is printed. */
int pdh_cli_target_open(pdh_common *o, pdh_target *t);

/* Prints what planning run left to say — the desired file's diagnostics (path) and the
 * error behind rc — and returns the exit code for rc. */
int pdh_cli_report_plan(const pdh_common *o, const char *path, const pdh_target_run *run,
                        int rc, const pdh_error *err);

#endif
