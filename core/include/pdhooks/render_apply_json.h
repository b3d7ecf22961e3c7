/* `pdhooks apply --format json`: one JSON document described by schemas/apply.schema.json —
 * each step, the summary, the verification. No secret value: keys are redacted, error texts
 * are the scrubbed ones of the steps. */
#ifndef PDHOOKS_RENDER_APPLY_JSON_H
#define PDHOOKS_RENDER_APPLY_JSON_H

#include <stdbool.h>

#include "pdhooks/apply.h"
#include "pdhooks/plan.h"

#define PDH_APPLY_FORMAT_VERSION 1

/* What the CLI adds to the engine's result. */
typedef struct pdh_apply_json_extra {
	const char *signal;      /* "SIGTERM" when a signal stopped the run; NULL: none */
	int exit_code;           /* the process's exit code */
	const char *error;       /* the error line printed on stderr, without "pdhooks: error: ";
	                            NULL: none */
	bool refused;            /* with res NULL: the plan had changes and none was applied
	                            (a brake, no confirmation); verification says so */
	long long tokens;        /* what the run's calls cost (cost.h) */
	long long daily_tokens_remaining; /* the last daily budget an answer showed; -1 none */
} pdh_apply_json_extra;

/* res may be NULL when there was nothing to do: the document then has no steps and says
 * the plan (made from a listing of n_calls calls) was already converged. Indented JSON text
 * ending with a newline; caller frees. */
char *pdh_render_apply_json(const pdh_apply_result *res, size_t n_calls,
                            const pdh_apply_json_extra *extra);

#endif
