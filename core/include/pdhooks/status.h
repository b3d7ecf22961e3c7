/* `pdhooks status`: every owned webhook of a plan with its delivery health, the foreign ones
 * counted. Pure renderers of a computed plan (its owned[] list). */
#ifndef PDHOOKS_STATUS_H
#define PDHOOKS_STATUS_H

#include <stdbool.h>

#include "pdhooks/desired.h"
#include "pdhooks/plan.h"

#define PDH_STATUS_FORMAT_VERSION 1

/* One line per owned webhook ("failing  KEY id=N name=...  # last delivery: ..."), then
 * "Status: 1 ok, 1 failing, 0 never, 0 inactive; 2 foreign." Caller frees. */
char *pdh_status_render_text(const pdh_plan *p, bool color);
/* The document of schemas/status.schema.json. Caller frees. */
char *pdh_status_render_json(const pdh_plan *p, const pdh_desired *desired);
/* Whether an owned webhook is failing or inactive (status --detailed-exitcode: exit 2). */
bool pdh_status_unhealthy(const pdh_plan *p);

#endif
