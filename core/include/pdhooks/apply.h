/* Applying a plan: the create and delete calls, safely and at most once each.
 *
 * Order: every create (the new half of each replace included) before any delete; the delete
 * half of a replace only after its create succeeded, so a failed create never leaves a gap.
 * A create refused for the 40-webhooks-per-user limit (422) is sent once more after the
 * deletes; a replace whose create is still refused then is done delete-first. A 422 is the
 * limit only when Pipedrive's text names it or the listing shows the webhook's user at 40
 * (any other 422, a name Pipedrive refuses, is a failed create: nothing is deleted for it);
 * when the create still fails after a delete-first, the old webhook is made again from its
 * listed fields (never its password). Up to
 * `parallelism` calls run at once, one pdh_client per thread, paced by the x-ratelimit-*
 * headers. Retries follow pdh_retry_decide(); a POST whose outcome is unknown is re-sent only
 * when a listing shows its webhook absent. Every pause comes out of one run-wide wait budget
 * (max_wait_ms). One failed call does not stop the others. Afterwards the webhooks are listed
 * and planned again to verify convergence (after waiting for a timed-out POST that was re-sent
 * to land, and removing the second copy it made). Progress is told through opts->progress as
 * it happens. */
#ifndef PDHOOKS_APPLY_H
#define PDHOOKS_APPLY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/client.h"
#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/limits.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "pdhooks/retry.h"

typedef enum {
	PDH_STEP_CREATE,   /* POST /webhooks: a create, or the new half of a replace */
	PDH_STEP_DELETE    /* DELETE /webhooks/{id}: a delete, or the old half of a replace */
} pdh_step_kind;

typedef enum {
	PDH_STEP_NOT_RUN,  /* never sent: interrupted, or the create of its replace failed */
	PDH_STEP_DONE,
	PDH_STEP_FAILED
} pdh_step_state;

typedef enum {
	PDH_RESTORE_NONE,      /* nothing to restore */
	PDH_RESTORE_DONE,      /* the old webhook, deleted first, was made again (restored_id) */
	PDH_RESTORE_FAILED     /* it could not be made again: it is gone */
} pdh_restore_state;

typedef struct pdh_apply_step {
	pdh_step_kind kind;
	const pdh_action *action;      /* borrowed from the plan */
	pdh_step_state state;
	long long id;                  /* DONE create: the new id (0 when only a listing showed
	                                  it); delete: the live id */
	bool already_gone;             /* a DELETE answered 404 */
	bool found_by_listing;         /* a POST whose answer was lost; a listing showed it made */
	bool outcome_unknown;          /* FAILED or NOT_RUN, yet the webhook may have been made */
	bool delete_first;             /* a half of a replace done delete-first at the
	                                  40-webhook limit: events in between were lost */
	long long extra_removed;       /* create: the id of a second copy removed at verification
	                                  (a POST that timed out landed after its re-send); 0 none */
	pdh_restore_state restore;     /* delete half of a delete-first replace whose create
	                                  then failed: whether the old webhook was made again */
	long long restored_id;         /* PDH_RESTORE_DONE: the id it was made again with */
	int attempts;                  /* calls sent for this step */
	long long ms;                  /* from its first attempt to settled; 0 when never sent */
	long http_status;              /* of the last answer; 0 when none */
	char correlation_id[PDH_CORRELATION_ID_MAX + 1]; /* the last answer's x-correlation-id;
	                                  "" when none */
	char *error;                   /* FAILED: Pipedrive's own text, or the transport error;
	                                  NOT_RUN: why. NULL when DONE. Never a secret. */
} pdh_apply_step;

typedef struct pdh_apply_result {
	pdh_apply_step *steps;         /* creates in plan order, then deletes in plan order */
	size_t n_steps;
	size_t n_created, n_deleted, n_failed, n_not_run;
	size_t n_calls;                /* HTTP calls made, listings included (the one the plan
	                                  came from too: opts->prior_calls) */
	size_t n_delete_first;         /* replaces done delete-first at the webhook limit */
	size_t n_extra_removed;        /* second copies removed at verification */
	size_t n_restored;             /* old webhooks made again after a failed delete-first */
	size_t n_restore_failed;       /* old webhooks deleted first that could not be */
	long long waited_ms;           /* time taken from the wait budget */
	bool interrupted;              /* the interrupt flag stopped new calls */
	bool unavailable;              /* the wait budget ran out (or the rate limit asked for
	                                  more): no new call was started; see stop_reason */
	char *stop_reason;             /* unavailable: why; NULL otherwise */
	bool budget_spent;             /* unavailable because a call met the company's spent
	                                  daily budget (a budget 429): no call was made after it */
	bool closed;                   /* unavailable because a call was answered 402 (the
	                                  company's account is not open): no call after it */
	bool limit_fallback;           /* a 422 made the deletes run before a second create try */
	bool verified;                 /* the verification listing and plan were made */
	bool converged;                /* verified, and the new plan is empty */
	char *verify_error;            /* why verification could not be made; NULL otherwise */
	pdh_plan *remaining;           /* verified and not converged: what is still to do */
	pdh_live *remaining_live;      /* the listing `remaining` borrows from */
} pdh_apply_result;

/* What pdh_apply tells while it runs, for output as it happens. */
typedef enum {
	PDH_APPLY_EVENT_STEP,          /* step is settled (each step exactly once) */
	PDH_APPLY_EVENT_WAIT,          /* apply pauses wait_ms before the next call, when
	                                  pdh_retry_tell_wait says it is long enough; text: why */
	PDH_APPLY_EVENT_NOTE           /* text: something done besides the steps (step, when
	                                  not NULL, is the step it is about) */
} pdh_apply_event_kind;

typedef struct pdh_apply_event {
	pdh_apply_event_kind kind;
	const pdh_apply_step *step;    /* borrowed for the time of the call */
	long wait_ms;
	const char *text;              /* never a secret */
} pdh_apply_event;

/* Called from apply's worker threads, never two at a time (apply serialises the calls). It
 * must not call back into apply. */
typedef void (*pdh_apply_progress_fn)(void *ctx, const pdh_apply_event *ev);

/* The run-wide wait budget: the sum of every pause (rate limit, back-off before retries,
 * before a listing) one apply may make. Past it no new call starts and the run is
 * unavailable (exit 5): a 429 storm or "no call left for an hour" ends in bounded time. */
#define PDH_APPLY_DEFAULT_MAX_WAIT_MS 60000L

typedef struct pdh_apply_opts {
	pdh_client_opts client;        /* each thread opens its own client with these; the log
	                                  function is called from several threads */
	int parallelism;               /* calls in flight at most; 0: 4; capped at 32 */
	bool force;                    /* apply even when plan->brake is set */
	pdh_plan_opts plan_opts;       /* for the verification plan (and listings mid-way) */
	pdh_retry_policy retry;        /* zeroed: the defaults of retry.h */
	atomic_int *interrupt;         /* non-zero: start no new call; NULL: never. Atomic, so
	                                  a signal handler may set it while workers read it */
	unsigned long long seed;       /* jitter seed; 0: from the clock */
	long max_wait_ms;              /* the wait budget; 0: PDH_APPLY_DEFAULT_MAX_WAIT_MS */
	pdh_apply_progress_fn progress;/* NULL: none */
	void *progress_ctx;
	size_t prior_calls;            /* calls made before pdh_apply for this run (the listing
	                                  the plan came from), counted in n_calls */
	const pdh_live *live;          /* the listing the plan came from (borrowed): whether a
	                                  user is at the webhook limit; NULL: only Pipedrive's
	                                  text tells a 422 at the limit */
} pdh_apply_opts;

/* Why no call follows an answer 402 (the step that got it has Pipedrive's own text). */
#define PDH_APPLY_CLOSED_TEXT "the company's Pipedrive account is not open (trial ended or " \
                              "unpaid; HTTP 402)"

/* Applies `plan`, computed from `desired` (which it borrows). Returns:
 *  0            every step done and the verification plan is empty;
 *  PDH_EBRAKE   plan->brake and not opts->force: no call made, *out stays NULL;
 *  PDH_EUNAVAILABLE the wait budget ran out (or the rate limit asked for more), or a call
 *               met the company's spent daily budget before anything was written: no
 *               further call was started (details in *out; res->stop_reason says why);
 *  PDH_EPARTIAL the same daily budget stop after a webhook was created or deleted;
 *  PDH_EAPI     a call was answered 402 (the company's account is not open) before anything
 *               was written, PDH_EPARTIAL after: no further call was made, err->http_status
 *               is 402 and err names the answer;
 *  PDH_EPARTIAL a step failed or was not run, the run was interrupted, or the result did not
 *               converge (details in *out);
 *  another code when no call could be made (bad options, no credentials): *out stays NULL.
 * *out (when set) is the caller's: pdh_apply_result_free(). */
int pdh_apply(pdh_apply_result **out, const pdh_plan *plan, const pdh_desired *desired,
              const pdh_apply_opts *opts, pdh_error *err);
void pdh_apply_result_free(pdh_apply_result *r);

/* How a settled step ended, in one table (core/apply/step_outcome.c) with its names. */
typedef enum {
	PDH_STEP_OUT_CREATED,
	PDH_STEP_OUT_DELETED,
	PDH_STEP_OUT_ALREADY_GONE,      /* a DELETE answered 404 */
	PDH_STEP_OUT_FOUND_BY_LISTING,  /* a POST of unknown outcome that a listing showed made */
	PDH_STEP_OUT_FAILED,
	PDH_STEP_OUT_NOT_RUN
} pdh_step_outcome;

pdh_step_outcome pdh_step_outcome_of(const pdh_apply_step *st);
/* The name in JSON (schemas/apply.schema.json): "created", "already_gone", "not_run", ... */
const char *pdh_step_outcome_name(pdh_step_outcome o);
/* The word of a text result line: "created", "gone", "not run", ... */
const char *pdh_step_outcome_word(pdh_step_outcome o);


#endif
