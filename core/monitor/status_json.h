/* The status document as a jansson tree, for a fleet report that holds it. Private to core/. */
#ifndef PDH_STATUS_JSON_H
#define PDH_STATUS_JSON_H

#include <jansson.h>

#include "pdhooks/desired.h"
#include "pdhooks/plan.h"

/* The document of schemas/status.schema.json (pdh_status_render_json's), secrets scrubbed.
 * A new reference. */
json_t *pdh_status_json(const pdh_plan *p, const pdh_desired *desired);

#endif
