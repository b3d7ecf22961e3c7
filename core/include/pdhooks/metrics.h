/* A run's metrics in Prometheus text exposition format, for node_exporter's textfile
 * collector (`--metrics-file`). Pure: the CLI writes the text atomically. Every metric is
 * prefixed pdhooks_, has HELP and TYPE lines, and carries the label command="plan" (or
 * "apply", "status") and, when set, account="..." (fleet mode), file="..." and
 * company_id="..." (a single company), then the user's labels (--metrics-label): so the
 * metrics of different runs in one textfile directory never make the same series. */
#ifndef PDHOOKS_METRICS_H
#define PDHOOKS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"

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
	long long api_tokens;          /* what they cost from the daily budget (cost.h) */
	bool has_daily_tokens_remaining; /* an answer showed the daily budget left: */
	long long daily_tokens_remaining; /* what the last such answer said */
	const char *file;              /* the desired file as given; NULL: no file label */
	bool has_company_id;           /* the listing showed the company: a company_id label */
	long long company_id;
	const char *const *labels;     /* more labels, each "NAME=VALUE", checked by
	                                  pdh_metrics_labels_check; in this order */
	size_t n_labels;
} pdh_metrics_run;

/* Checks the user's labels, each "NAME=VALUE": NAME by Prometheus' rules
 * ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"), not one pdhooks sets (command, account,
 * file, company_id, action, health) and not twice; VALUE any UTF-8 text (escaped in the
 * output). PDH_EINVAL with err naming the label. */
int pdh_metrics_labels_check(const char *const *labels, size_t n, pdh_error *err);

/* The exposition text, ending with a newline. Caller frees. */
char *pdh_metrics_render(const pdh_metrics_run *m);

#endif
