/* A run's metrics in Prometheus text exposition format, for node_exporter's textfile
 * collector (`--metrics-file`). Pure: the CLI writes the text atomically. Every metric is
 * prefixed pdhooks_, has HELP and TYPE lines, and carries the label command="plan" (or
 * "apply", "status") and, when set, account="..." (fleet mode). */
#ifndef PDHOOKS_METRICS_H
#define PDHOOKS_METRICS_H

#include <stdbool.h>

#include "pdhooks/plan.h"

typedef struct pdh_metrics_run {
	const char *command;           /* "plan", "apply", "status" */
	const char *account;           /* a label value; NULL: no account label */
	const pdh_plan *plan;          /* NULL when the run ended before a plan: then only the
	                                  run's own metrics are written, no counts */
	bool success;                  /* the run did what it was asked (exit 0, or 2 for plan and
	                                  status --detailed-exitcode) */
	int exit_code;
	double finished_unix;          /* seconds since the epoch */
	double duration_seconds;
	int api_calls;                 /* HTTP calls the run made, listings and retries included */
} pdh_metrics_run;

/* The exposition text, ending with a newline. Caller frees. */
char *pdh_metrics_render(const pdh_metrics_run *m);

#endif
