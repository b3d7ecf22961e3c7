/* A target: one Pipedrive company to reconcile — its API URL, its credentials and the
 * desired-state file. plan and apply run on one target; fleet mode runs on many. */
#ifndef PDHOOKS_TARGET_H
#define PDHOOKS_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/client.h"
#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/error.h"
#include "pdhooks/listing.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "pdhooks/planfile.h"
#include "pdhooks/users_me.h"

typedef struct pdh_target {
	const char *desired_path;   /* the desired-state file (its name, when desired_stdin) */
	bool desired_stdin;         /* read it from stdin (-f -), not from desired_path */
	pdh_load_opts load;         /* ${VAR} lookup */
	pdh_client_opts client;     /* API URL, credentials, timeouts, log */
	pdh_plan_opts plan;         /* e.g. --max-deletes */
	pdh_listing_opts listing;   /* retry bounds, interrupt flag; zeroed: the defaults */
	bool company_from_listing;  /* name the company by the listing alone, never by GET
	                               /users/me (a pass that only lists: the fleet's check of
	                               one company in two accounts) */
	const pdh_desired_shared *desired_shared; /* desired_path read and parsed once for many
	                                           * targets (a fleet's), or NULL: read it */
} pdh_target;

/* What planning a target produced, step by step; each pointer is NULL until its step ran.
 * Initialise with pdh_target_run_init, release with pdh_target_run_dispose. */
typedef struct pdh_target_run {
	char *source;               /* the desired file's bytes, for rendering diagnostics */
	size_t source_len;
	pdh_diags diags;            /* the file's errors and warnings */
	pdh_desired *desired;
	pdh_live *live;
	pdh_listing_report listing; /* what the listing cost (calls) and its last answer */
	pdh_meter meter;            /* the run's tokens and budget: every call of the run (the
	                               listing, and apply's when run.c passes it on) charges it */
	pdh_plan *plan;             /* borrows from desired and live */
	pdh_company company;        /* which company: pdh_target_company; unknown until then */
	int company_rc;             /* how naming it ended (PDH_OK; or why it is unknown, */
	pdh_error company_err;      /*  with the message) */
} pdh_target_run;

void pdh_target_run_init(pdh_target_run *r, const char *desired_path);
void pdh_target_run_dispose(pdh_target_run *r);

/* Reads and loads the desired file; no network. PDH_EIO when it cannot be read, PDH_EFILE
 * when it does not load (r->diags says why). */
int pdh_target_load(pdh_target_run *r, const pdh_target *t, pdh_error *err);
/* Lists the live webhooks of t into r->live through pdh_listing_get (retried, with a client
 * of its own); r->listing says what it cost, and r->meter is charged (unless t->client names
 * another meter). PDH_EUNAVAILABLE when the API kept failing. */
int pdh_target_list(pdh_target_run *r, const pdh_target *t, pdh_error *err);
/* Load, list and plan. On a load error no call is made; on any error nothing is planned. */
int pdh_target_plan(pdh_target_run *r, const pdh_target *t, pdh_error *err);

/* Names the company of r's listing into r->company (and r->company_rc, r->company_err): the
 * company_id the listing shows, without a call; when it shows none, GET /users/me once
 * (pdh_users_me_get, retried as the listing; its calls counted in r->listing.calls). When
 * r->plan is set, it is told its target (the API URL and r->company) for the renderers.
 * With t->company_from_listing, an empty listing leaves it unknown (PDH_OK, no call).
 * Returns r->company_rc. */
int pdh_target_company(pdh_target_run *r, const pdh_target *t, pdh_error *err);

/* `pdhooks apply PLANFILE` up to the plan, as pdh_target_plan does for `apply -f`: loads the
 * desired file of pf (r must be initialised with pf->desired_path; t->desired_path is not
 * used — the saved plan's is; t->plan is this apply's, see pdh_planfile_brake_opts), lists
 * the live webhooks with pdh_target_list (retried; PDH_EUNAVAILABLE when the API kept
 * failing), and checks both
 * against pf: its API URL (PDH_EINVAL for another API) before anything, the desired file,
 * then after the listing its company (pdh_target_company, then pdh_planfile_check_target:
 * PDH_EINVAL for a plan made for another company; a company that cannot be named is never
 * taken for the saved one: PDH_EUNAVAILABLE or the definite error of GET /users/me) before
 * the owned live webhooks. On success r->plan is the plan
 * to apply, its brake decided by pdh_planfile_brake_opts (and its reason saying so when the
 * plan was made with a higher --max-deletes); on PDH_ESTALE, PDH_EFILE (r->diags)
 * or any other error nothing is planned. */
int pdh_planfile_target_plan(pdh_target_run *r, const pdh_target *t, const pdh_planfile *pf,
                             pdh_error *err);

#endif
