/* --metrics-file PATH of plan, apply and status: the run's metrics (core's
 * pdh_metrics_render), written atomically at the end of the run, whatever its outcome. */
#ifndef PDHOOKS_METRICS_OUT_H
#define PDHOOKS_METRICS_OUT_H

#include <stdbool.h>

#include "options.h"
#include "pdhooks/plan.h"
#include "pdhooks/target.h"

typedef struct pdh_cli_metrics {
	const char *path;          /* --metrics-file; NULL: no metrics */
	const char *command;
	long long start_ms;        /* pdh_now_ms() at the start */
	const char *file;          /* the file label: the desired file as given */
	bool has_company_id;       /* the company_id label: the listing's company */
	long long company_id;
	const pdh_opt_list *labels; /* --metrics-label */
	long long api_tokens;      /* what the run's calls cost (its meter) */
	long long daily_tokens_remaining; /* the last budget an answer showed; -1 none */
} pdh_cli_metrics;

void pdh_cli_metrics_start(pdh_cli_metrics *m, const char *command);
/* Where the metrics of a single company's run go and its labels: --metrics-file (none with a
 * fleet, which writes its own per account), the desired file, the company the listing
 * showed, --metrics-label; and what the run spent (run->meter). Call before
 * pdh_cli_metrics_finish. */
void pdh_cli_metrics_target(pdh_cli_metrics *m, const pdh_common *o, const pdh_target_run *run);
/* Writes the metrics of a run that ends with exit code `code` (success: whether that code
 * means the run did its job), plan its plan (NULL when there was none) and api_calls the
 * HTTP calls it made. Returns code, or PDH_EXIT_ERROR when code was 0 and the file could
 * not be written (said on stderr): a monitor must not read an old file as fresh. */
int pdh_cli_metrics_finish(const pdh_cli_metrics *m, int code, bool success,
                           const pdh_plan *plan, int api_calls);
/* Writes text (freed here) to path, whole. Returns code, or PDH_EXIT_ERROR when code was 0
 * and the file could not be written (said on stderr). */
int pdh_cli_metrics_write(const char *path, char *text, int code);

#endif
