/* `pdhooks plan --format json`: one JSON document described by schemas/plan.schema.json.
 * No secret value ever: passwords appear only as a state ("none", "set", "masked") and
 * whether the plan changes them; URLs are redacted. */
#ifndef PDHOOKS_RENDER_JSON_H
#define PDHOOKS_RENDER_JSON_H

#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

#define PDH_PLAN_FORMAT_VERSION 1

/* The plan as indented JSON text ending with a newline. desired and live are the inputs the
 * plan was computed from; the warnings of diags (the desired file's, may be NULL) come first
 * in warnings[], as "FILE:LINE:COL: message". Caller frees. */
char *pdh_render_json(const pdh_plan *plan, const pdh_desired *desired, const pdh_live *live,
                      const pdh_diags *diags);

#endif
