/* What `pdhooks plan` does with a computed plan besides the text format: --format json and
 * markdown on stdout, and -o PLANFILE. */
#ifndef PDHOOKS_PLAN_OUTPUT_H
#define PDHOOKS_PLAN_OUTPUT_H

#include <stdio.h>

#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

typedef enum { PDH_FORMAT_TEXT, PDH_FORMAT_JSON, PDH_FORMAT_MARKDOWN } pdh_format;

/* "text", "json" or "markdown"; PDH_EINVAL (with err) for anything else. */
int pdh_cli_parse_format(const char *s, pdh_format *out, pdh_error *err);

/* Saves the plan to path and prints "pdhooks: saved the plan to PATH (sha256 DIGEST)" on
 * stderr unless quiet; digest (may be NULL) receives the sha256. */
int pdh_cli_save_plan(const char *path, const pdh_plan *plan, const pdh_desired *desired,
                      const pdh_live *live, const pdh_plan_opts *opts, bool quiet,
                      char digest[65], pdh_error *err);

/* Prints the plan as JSON or Markdown (digest: a saved plan's, named in the Markdown; may be
 * NULL). PDH_EINVAL for PDH_FORMAT_TEXT, which the caller renders. */
int pdh_cli_print_plan(FILE *out, pdh_format fmt, const pdh_plan *plan,
                       const pdh_desired *desired, const pdh_live *live, const char *digest,
                       pdh_error *err);

#endif
