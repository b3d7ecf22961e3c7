/* A plan built by hand (no planner): every kind of action, foreign and unmanaged webhooks,
 * notes, warnings and secrets that must never be printed. Static storage: nothing to free. */
#ifndef PDH_SAMPLEPLAN_H
#define PDH_SAMPLEPLAN_H

#include "pdhooks/desired.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

#define PDH_T_DESIRED_PASSWORD "Desired-Secret-9f27"
#define PDH_T_LIVE_PASSWORD "Live-Secret-4c1a"
#define PDH_T_URL_SECRET "QueryToken-77e3"

typedef struct pdh_t_sample {
	pdh_desired *desired;
	pdh_live *live;
	pdh_plan *plan;
} pdh_t_sample;

/* Fills s with pointers to a fresh copy of the sample (tests may change it in place). */
void pdh_t_sample_plan(pdh_t_sample *s);

/* Exit status of tests/validate_plan.py (schemas/plan.schema.json, JSON Schema 2020-12) on
 * the JSON text: 0 valid, 1 not; its complaints go to stderr. */
int pdh_t_validate_plan_json(const char *text);

#endif
