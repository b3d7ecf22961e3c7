/* A run's result as jansson trees, for the fleet report that holds one per account. Private
 * to core/. */
#ifndef PDH_RUN_JSON_H
#define PDH_RUN_JSON_H

#include <jansson.h>

#include "pdhooks/run.h"

/* The run's document: status (schemas/status.schema.json) or plan (plan.schema.json); NULL
 * when there is no plan. A new reference. */
json_t *pdh_run_doc_json(const pdh_run_result *r);
/* What apply did, counted (the "apply" object of fleet-report.schema.json); NULL when
 * nothing was applied. A new reference. */
json_t *pdh_run_apply_counts_json(const pdh_run_result *r);

#endif
