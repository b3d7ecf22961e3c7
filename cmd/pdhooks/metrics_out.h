/* --metrics-file PATH of plan, apply and status: the run's metrics (core's
 * pdh_metrics_render), written atomically at the end of the run, whatever its outcome. */
#ifndef PDHOOKS_METRICS_OUT_H
#define PDHOOKS_METRICS_OUT_H

#include <stdbool.h>

#include "pdhooks/plan.h"

typedef struct pdh_cli_metrics {
	const char *path;          /* --metrics-file; NULL: no metrics */
	const char *command;
	long long start_ms;        /* pdh_now_ms() at the start */
} pdh_cli_metrics;

void pdh_cli_metrics_start(pdh_cli_metrics *m, const char *command);
/* Writes the metrics of a run that ends with exit code `code` (success: whether that code
 * means the run did its job), plan its plan (NULL when there was none) and api_calls the
 * HTTP calls it made. Returns code, or PDH_EXIT_ERROR when code was 0 and the file could
 * not be written (said on stderr): a monitor must not read an old file as fresh. */
int pdh_cli_metrics_finish(const pdh_cli_metrics *m, int code, bool success,
                           const pdh_plan *plan, int api_calls);

#endif
