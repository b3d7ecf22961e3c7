/* What `pdhooks plan` does with a computed plan besides the text format: --format json and
 * markdown on stdout, and -o PLANFILE. */
#ifndef PDHOOKS_PLAN_OUTPUT_H
#define PDHOOKS_PLAN_OUTPUT_H

#include <stdio.h>

#include "cli_plan.h"
#include "pdhooks/planfile.h"

#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

/* --format: the option table names them in this order. */
typedef enum { PDH_FORMAT_TEXT, PDH_FORMAT_JSON, PDH_FORMAT_MARKDOWN } pdh_format;

/* Saves the plan to path and prints "pdhooks: saved the plan to PATH (sha256 DIGEST)" on
 * stderr unless quiet; digest (may be NULL) receives the sha256. */
int pdh_cli_save_plan(const char *path, const pdh_plan *plan, const pdh_desired *desired,
                      const pdh_live *live, const pdh_plan_opts *opts, const char *api_url,
                      bool quiet,
                      char digest[65], pdh_error *err);

/* Prints the plan as JSON or Markdown (diags: the desired file's, whose warnings are in the
 * output; digest: a saved plan's, named in the Markdown; both may be NULL). PDH_EINVAL for PDH_FORMAT_TEXT, which the caller renders. */
int pdh_cli_print_plan(FILE *out, pdh_format fmt, const pdh_plan *plan,
                       const pdh_desired *desired, const pdh_live *live,
                       const pdh_diags *diags, const char *digest, pdh_error *err);

/* `apply PLANFILE` up to the plan (as pdh_cli_plan_target is for -f): checks the credentials,
 * reads the saved plan at path, says on stderr which plan is applied (its sha256) unless
 * quiet, then loads its desired file, lists (retried, as every listing is) and checks
 * that the plan still holds. Prints diagnostics and errors. Returns PDH_EXIT_OK with
 * run->plan set, or the exit code to end with (PDH_EXIT_STALE for a stale plan). *pf gets
 * the saved plan whenever it was read (caller frees with pdh_planfile_free). */
int pdh_cli_plan_saved(pdh_common *o, pdh_target *t, pdh_target_run *run, const char *path,
                       pdh_planfile **pf);

#endif
