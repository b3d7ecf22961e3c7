/* Saved plans: `pdhooks plan -o PLANFILE` writes the JSON plan (schemas/plan.schema.json) with
 * a "saved" member: a record of the desired set as planned and the options in force. A saved
 * plan never holds a secret: passwords are kept as their ${VAR} reference, and URLs redacted
 * (a ${VAR} in a URL's query or userinfo is a secret too).
 *
 * Applying a saved plan reads the desired file again at the recorded path, with the
 * environment of the apply (which brings the secrets back), and refuses (PDH_ESTALE) when
 *   - the file is gone, or its SHA-256 is not the saved one, or it now reads differently
 *     from the record (an environment variable it uses changed a value);
 *   - the fingerprint of the owned live webhooks differs (a foreign webhook does not count);
 *   - planning again from that file and today's listing does not give the saved actions
 *     (same kinds, keys and live ids) — this also catches a password changed in Pipedrive,
 *     which the fingerprint leaves out.
 * Nothing read from the plan file decides what apply may do — the file is not signed, and an
 * edit to it must not widen what was reviewed: what apply does comes from the desired file
 * (checked), today's listing and the apply's own command line; the saved plan only says what
 * that must still give. */
#ifndef PDHOOKS_PLANFILE_H
#define PDHOOKS_PLANFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/limits.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "pdhooks/retry.h"

/* SHA-256 (64 hex digits) over the owned live webhooks — every item of live whose id the plan
 * does not list as foreign — in id order, with their attributes; password values are left
 * out (only whether there is one), so the digest can be published with the plan. A saved
 * plan is stale when this changes. */
void pdh_live_fingerprint(char out[65], const pdh_live *live, const pdh_plan *plan);

/* The text of a saved plan. Refuses (PDH_EINVAL, nothing written) a desired set with a
 * password that is not made only of ${VAR} references (literal text or a ${VAR:-default}
 * would put the secret in the file). opts are those the plan was computed with (NULL: none).
 * The plan's target is saved (saved.target, the JSON plan's "target"), which apply checks:
 * plan->target_company, or without one the company_id live shows, and api_url. A plan
 * whose company is not known is saved with company_id null, which apply refuses: pdh_run
 * does not save one. Caller frees *out. */
int pdh_planfile_format(char **out, const pdh_plan *plan, const pdh_desired *desired,
                        const pdh_live *live, const pdh_plan_opts *opts, const char *api_url,
                        const char *plan_path, pdh_error *err);
/* Writes text to path (a temporary file renamed into place, mode 0600) and gives the
 * SHA-256 of the bytes written, the plan's digest. */
int pdh_planfile_save(const char *path, const char *text, char digest[65], pdh_error *err);

typedef struct pdh_planfile_action {
	pdh_action_kind kind;
	char *key;
	long long live_id;             /* -1 for a create */
} pdh_planfile_action;

typedef struct pdh_planfile {
	char digest[65];               /* SHA-256 of the saved bytes */
	char *desired_path;            /* the desired file: as given when planning, or, when the
	                                  plan was loaded from a file (pdh_planfile_load), as
	                                  recorded relative to that file if it is there */
	char *desired_from_plan;       /* desired_file_from_plan as recorded, or NULL */
	char desired_sha256[65];
	char live_fingerprint[65];
	pdh_desired *record;           /* the desired set as planned, for comparison only: URLs
	                                  redacted, passwords as references (no values); owned */
	pdh_plan_opts opts;            /* the options in force when planning; its takeover and
	                                  patterns are NULL: pdh_planfile_choice gives them */
	char *takeover;                /* --takeover when planning; NULL: none */
	char **patterns;               /* --target patterns, then --exclude patterns */
	size_t n_patterns, n_targets;
	pdh_planfile_action *actions;  /* the saved actions, in order */
	size_t n_actions;
	char *api_url;                 /* the target: the API URL planned against (redacted) */
	bool has_company_id;           /* and its company (the listing's, or /users/me's for an */
	long long company_id;          /* empty listing); none: a plan that cannot be applied */
	char *company_name;            /* /users/me's words for it; NULL when not known */
	char *company_domain;
} pdh_planfile;

/* The company a listing shows: the company_id of its first webhook that has one. false for
 * an empty listing (or one whose webhooks carry none). */
bool pdh_live_company(const pdh_live *live, long long *company_id);

/* Whether pf was made for the target api_url and company: PDH_EINVAL ("made for another
 * company", never applied, both companies named) when the API URLs differ (compared
 * normalised), when pf names no company (an older pdhooks saved an empty listing's plan so),
 * or when its company is not company. company NULL: the API URL alone (before the listing);
 * else it must be known (pdh_target_company). */
int pdh_planfile_check_target(const pdh_planfile *pf, const char *api_url,
                              const struct pdh_company *company, pdh_error *err);

/* Reads a saved plan strictly: anything but what pdh_planfile_format writes is PDH_EFILE with
 * a message naming what is wrong (never a crash, whatever the bytes). name is used in
 * messages. Caller frees *out with pdh_planfile_free. */
int pdh_planfile_parse(pdh_planfile **out, const char *name, const char *data, size_t len,
                       pdh_error *err);
/* The same from a file (at most PDH_PLANFILE_MAX_BYTES; PDH_EIO when it cannot be read). */
int pdh_planfile_load(pdh_planfile **out, const char *path, pdh_error *err);
void pdh_planfile_free(pdh_planfile *pf);

/* Loads the desired file at pf->desired_path (read once) with env (NULL: the process
 * environment): PDH_ESTALE when it cannot be read, its SHA-256 differs, or it reads
 * differently from the record; PDH_EFILE when it does not load (diags, which the caller
 * initialised, say why — e.g. a password variable not set now). On success *out is the
 * caller's (pdh_desired_free). source and source_len (may be NULL) get the bytes read, for
 * rendering diagnostics (caller frees; set whenever the file was read). */
int pdh_planfile_load_desired(pdh_desired **out, const pdh_planfile *pf,
                              const pdh_load_opts *env, pdh_diags *diags, char **source,
                              size_t *source_len, pdh_error *err);
/* Sets out's adopt, takeover, targets and excludes to the saved plan's (borrowing from pf):
 * a saved plan is applied, and verified, with the choice it was reviewed with. */
void pdh_planfile_choice(pdh_plan_opts *out, const pdh_planfile *pf);
/* The options apply plans a saved plan again with, into *out: run's (this apply's
 * --max-deletes), the saved credential kind (checked against the run's), and, when run sets
 * no max_deletes, the file's manage.max_deletes (desired: the file read again, its SHA-256
 * checked) lowered to the saved --max-deletes when that is lower, and the saved choice
 * (pdh_planfile_choice). The plan file is not signed: a number read from it may tighten the
 * brake, never lift it. */
void pdh_planfile_brake_opts(pdh_plan_opts *out, const pdh_planfile *pf,
                             const pdh_plan_opts *run, const pdh_desired *desired);
/* Plans again from desired (from pdh_planfile_load_desired) and live (today's listing) with
 * opts (pdh_planfile_brake_opts). 0 with *out the plan to apply (caller frees with
 * pdh_plan_free; it borrows from desired and live) when it is still the saved one;
 * PDH_ESTALE when the owned live webhooks or the plan changed. */
int pdh_planfile_check_live(pdh_plan **out, const pdh_planfile *pf, const pdh_plan_opts *opts,
                            const pdh_desired *desired, const pdh_live *live, pdh_error *err);


#endif
