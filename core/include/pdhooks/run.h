/* One run of one company: the credentials given, the apply lock, the desired file loaded,
 * the live webhooks listed, a plan made (or a saved plan checked against them), saved,
 * the brake, a confirmation, apply with its progress, verification, and one result with
 * the outcome, the exit code, the plan, what apply did, the error and the metrics figures.
 * `pdhooks plan|apply|status` run it once; a fleet runs it once per account. What differs
 * between them is in the hooks (showing the plan, confirming, printing results as they
 * settle), the log and the connections (opts.target.client: its log function, and its
 * session, which every account of a fleet shares), and the rendering of the result
 * (pdh_run_render_*: the same lines whoever prints them). */
#ifndef PDHOOKS_RUN_H
#define PDHOOKS_RUN_H

#include <stdatomic.h>
#include <stdbool.h>

#include "pdhooks/apply.h"
#include "pdhooks/error.h"
#include "pdhooks/fleet_report.h"
#include "pdhooks/format.h"
#include "pdhooks/planfile.h"
#include "pdhooks/target.h"

typedef enum { PDH_RUN_PLAN, PDH_RUN_APPLY, PDH_RUN_STATUS } pdh_run_mode;

typedef struct pdh_run_result pdh_run_result;

typedef struct pdh_run_hooks {
	void *ctx;
	/* The plan is made (r->t.plan), nothing written yet. NULL: nothing. */
	void (*planned)(void *ctx, const pdh_run_result *r);
	/* apply, a plan with changes that passed the brake: true to apply it; false with *why
	 * set to say why not (nothing applied). NULL: apply. */
	bool (*confirm)(void *ctx, const pdh_run_result *r, pdh_error *why);
	/* apply, as things happen (never two at a time): each settled step and note with its
	 * line of the text output (pdh_run_render_event), each wait with line NULL. */
	void (*progress)(void *ctx, const pdh_apply_event *ev, const char *line);
	/* apply of a saved plan: it was read from path (before any call). Non-zero stops the
	 * run with *err (set by the hook). NULL: go on. */
	int (*saved)(void *ctx, const pdh_planfile *pf, const char *path, pdh_error *err);
} pdh_run_hooks;

typedef struct pdh_run_opts {
	pdh_run_mode mode;
	/* The company: desired file, ${VAR} lookup, client options (API URL, credentials,
	 * timeouts, the -v log, and the session its connections come from), listing and plan
	 * options (max_deletes). Borrowed. */
	pdh_target target;
	const char *saved_path;      /* apply: check and apply this saved plan instead of planning */
	const char *save_to;         /* plan: save the plan here (-o) */
	const char *expect_signature;/* apply: refuse (stale) a plan that is not this one (a
	                                plan shown and confirmed before); NULL: no check */
	bool force;                  /* apply past a brake */
	long long min_daily_tokens;  /* apply: refused (a brake) when the daily budget the
	                                listing showed is below the plan's cost plus this */
	int parallelism;             /* apply: calls in flight; 0: the default */
	long max_wait_ms;            /* apply's wait budget; 0: the default */
	pdh_retry_policy retry;      /* apply's; zeroed: the defaults */
	atomic_int *interrupt;       /* a signal number once set: no new call; NULL: never */
	bool detailed_exitcode;      /* plan, status: exit 2 for changes / unhealthy */
	/* The company the credential says it is for (an OAuth token's company_id): a run whose
	 * company (pdh_run_company) is another fails with PDH_EAUTH before anything is saved or
	 * written. */
	bool expect_company;
	long long expect_company_id;
	/* apply: what the apply lock is keyed by (pdh_apply_lock_take_key) instead of the token:
	 * a fleet's OAuth account names its install so (pdh_fleet_cred's lock_key), its access
	 * token changing with each refresh. NULL: the token (pdh_apply_lock_take). */
	const char *lock_key;
	pdh_run_hooks hooks;
} pdh_run_opts;

struct pdh_run_result {
	pdh_run_mode mode;
	int rc;                      /* PDH_OK, or the PDH_E* code that ended the run */
	pdh_error err;               /* rc's message (one line, never a secret) */
	pdh_fleet_outcome outcome;   /* in_sync, changes, applied, failed, ... healthy */
	int exit_code;               /* the process's, as a single-company run ends */
	pdh_target_run t;            /* the desired file, its diagnostics, the listing, the plan */
	pdh_planfile *saved;         /* apply of a saved plan: the plan read; or NULL */
	char saved_digest[65];       /* save_to: the saved plan's sha256; "" when none */
	char *signature;             /* what the plan does (actions, keys, ids); or NULL */
	pdh_apply_result *applied;   /* what apply did; NULL when nothing was applied */
	char *apply_lines;           /* the apply's step and note lines, as progress gave them */
	bool refused;                /* a plan with changes, none applied (brake, no confirmation) */
	int interrupted_by;          /* the signal that stopped apply; 0 none */
	int api_calls;               /* HTTP calls made, listings and retries included */
	long long plan_tokens;       /* what the calls up to the plan cost (t.meter then) */
	long long plan_daily_remaining; /* the daily budget the listing showed; -1 none */
	long long duration_ms;
};

/* Runs one company as opts says, into *r (the caller's: pdh_run_result_dispose, whatever
 * the outcome). Returns r->rc. */
int pdh_run(pdh_run_result *r, const pdh_run_opts *opts);
void pdh_run_result_dispose(pdh_run_result *r);

/* The company a run works on, once it has listed: the company_id its listing shows. False
 * when it knows none (an empty listing). */
bool pdh_run_company(const pdh_run_result *r, long long *company_id);

/* "refused: WHY (use --force to apply anyway)" for a plan the brake stops. Caller frees. */
char *pdh_run_brake_message(const pdh_plan *plan);
/* The budget brake: why apply refuses plan when the company's daily budget, as the listing
 * showed it (remaining; -1: not shown, never refused), is below the plan's cost
 * (pdh_cost_apply) plus min_daily_tokens; NULL when it does not. Caller frees. */
char *pdh_run_budget_brake(const pdh_plan *plan, long long remaining,
                           long long min_daily_tokens);
/* What applying plan costs in tokens after its listing (pdh_cost_apply of its actions). */
long long pdh_run_apply_tokens(const pdh_plan *plan);

/* The text line (ending in '\n') of an apply event: a settled step ("created  KEY (id 7)
 * [85 ms]"), a note ("note: ..."); NULL for a wait. Caller frees. */
char *pdh_run_render_event(const pdh_apply_event *ev);
/* What a run shows of its plan (status: the health report) in fmt; digest: a saved plan's
 * for Markdown (NULL: none); max_markdown: a cap on the Markdown (0: the default). Caller
 * frees; NULL when there is no plan. */
char *pdh_run_render_plan(const pdh_run_result *r, pdh_format fmt, bool color,
                          size_t max_markdown);
/* apply, text: after the plan and the step lines — "Nothing to do." for an empty plan, else
 * the summary ("Apply: ...") and the verification. "" when nothing was applied. */
char *pdh_run_render_apply_end(const pdh_run_result *r, bool color);
/* apply, text: the whole of it after the plan: "\n", every step and note line, the end. */
char *pdh_run_render_apply_text(const pdh_run_result *r, bool color);
/* apply --format json: the one document (schemas/apply.schema.json); signal: the name of
 * the signal that stopped it (NULL: none); error: the error line said on stderr (NULL:
 * none). exit_code: the process's. Caller frees. */
char *pdh_run_render_apply_json(const pdh_run_result *r, int exit_code, const char *signal,
                                const char *error);
/* The run's metrics (pdh_metrics_render) for command, account (NULL: no label), ending with
 * exit_code. Caller frees. */
char *pdh_run_metrics(const pdh_run_result *r, const char *command, const char *account,
                      int exit_code);

#endif
