/* The JSON of one account in a fleet report, shared by the runner and merge. Private to core/. */
#ifndef PDH_FLEET_JSON_H
#define PDH_FLEET_JSON_H

#include <jansson.h>

#include "pdhooks/fleet_report.h"

/* The account object of schemas/fleet-report.schema.json: index, name, api_url, company_id,
 * outcome, exit_code, counts, and plan (stolen; NULL: none) or error; apply (stolen, may be
 * NULL) for apply runs. A new reference. */
json_t *pdh_fleet_account_json(const pdh_fleet_row *row, json_t *plan, json_t *apply);

#endif
