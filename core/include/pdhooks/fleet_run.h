/* Running plan or apply on many accounts of a fleet: up to `concurrency` at once, each in a
 * thread with its own clients (so each is paced by its own rate limit) on the run's one HTTP
 * session (so accounts on one API host share connections), one failing account
 * never stopping the others. Results come back in file order, each as soon as it and every
 * account before it are done, and are freed after; a window of at most 4 x concurrency
 * accounts is ahead of the one being reported, so memory does not grow with the fleet. */
#ifndef PDHOOKS_FLEET_RUN_H
#define PDHOOKS_FLEET_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/client.h"
#include "pdhooks/fleet.h"
#include "pdhooks/fleet_report.h"
#include "pdhooks/plan.h"
#include "pdhooks/retry.h"
#include "pdhooks/run.h"
#include "pdhooks/target.h"

/* What each account's run does is a single run's mode (pdhooks/run.h); the fleet's names of
 * its values are names of the same values. */
typedef pdh_run_mode pdh_fleet_mode;
#define PDH_FLEET_PLAN PDH_RUN_PLAN
#define PDH_FLEET_APPLY PDH_RUN_APPLY
#define PDH_FLEET_STATUS PDH_RUN_STATUS  /* plan, then report delivery health */

/* What names an account's company, for the check that no two accounts of one run manage the
 * same company's general webhooks (pdh_fleet_same_company). */
typedef struct pdh_fleet_identity {
	const char *name;            /* the account's (borrowed) */
	char target_sha256[65];      /* SHA-256 of the normalised API URL and the token; "" when
	                                no token was had. Never the token itself. */
	bool has_company_id;         /* the listing showed one (an empty listing shows none) */
	long long company_id;
	bool bearer;                 /* an OAuth token */
	unsigned declared_types;     /* the desired file's manage.types (PDH_TYPE_*), 0 when it
	                                declares none or did not load */
} pdh_fleet_identity;

/* Which accounts must be refused because another account manages the same company's general
 * webhooks, and each would delete what the other creates: for each of the n identities, NULL
 * or a message naming the other account(s) (one line, no secret). Two accounts clash when
 *  - they have the same normalised API URL and the same token (one credential lists and
 *    changes the same webhooks, whatever the types), or
 *  - their listings show the same company_id and both manage its general webhooks: an
 *    API-token account always does; an OAuth account (whose listing shows only its app's own
 *    webhooks) only when its manage.types lists general. So two OAuth accounts of one
 *    company are never refused here.
 * Returns NULL when no account clashes, else an array of n (caller frees with
 * pdh_free_strings). */
char **pdh_fleet_same_company(const pdh_fleet_identity *ids, size_t n);

/* The OAuth accounts whose companies are one (by company_id): not refused (each install sees
 * only its own webhooks), but worth a warning, once per company, on its first account in file
 * order. NULL when none, else an array of n with NULL or the warning (caller frees with
 * pdh_free_strings). */
char **pdh_fleet_same_installs(const pdh_fleet_identity *ids, size_t n);

/* What the calls made for an account cost: in its run, or in an earlier pass of the same
 * command (added to what its run reports). */
typedef struct pdh_fleet_spent {
	long long tokens;
	int calls;
	long long daily_remaining;   /* the last one an answer showed; -1: none */
} pdh_fleet_spent;

/* What one account's run produced, handed to the emit callback (which borrows it). */
typedef struct pdh_fleet_result {
	const pdh_fleet_account *account;
	pdh_fleet_row row;           /* outcome, counts, error (borrowed from this result) */
	int core_rc;                 /* the PDH_E* code behind a failure; 0 otherwise */
	char *error;                 /* row.error: one line naming what failed, never a secret */
	char *api_url;               /* row.api_url when it came from the token's api_domain */
	char *diagnostics;           /* the desired file's errors and warnings, rendered; or NULL */
	char *warning;               /* e.g. a token file others can read; or NULL */
	char *section;               /* the account's part of the report (format of the opts) */
	char *saved_digest;          /* plan -o DIR: the sha256 of DIR/NAME.json */
	char *metrics;               /* opts.metrics_command set: the run's Prometheus text with
	                                the label account="NAME" */
	char *plan_signature;        /* sha256 of what the plan does (actions, keys, ids), for
	                                an apply that must match a plan shown before */
	bool changes;                /* the plan had actions */
	pdh_fleet_identity id;       /* what names its company (for pdh_fleet_same_company) */
	pdh_fleet_spent spent;       /* its calls in all (opts.spent's included) */
} pdh_fleet_result;

typedef void (*pdh_fleet_emit_fn)(void *ctx, const pdh_fleet_result *r);

typedef struct pdh_fleet_run_opts {
	const pdh_fleet *fleet;
	const size_t *accounts;      /* indexes into fleet->accounts, in file order */
	size_t n_accounts;
	pdh_run_mode mode;
	int concurrency;             /* 0: the fleet file's */
	pdh_token_opts token;
	pdh_getenv_fn getenv;        /* ${VAR} after an account's vars; NULL: the environment */
	void *getenv_ctx;
	const char *cacert;
	/* Where the accounts' connections come from: every call of every account goes through
	 * it (borrowed). NULL: the run makes one for itself, with cacert. */
	pdh_session *session;
	long timeout_ms;
	pdh_log_fn log;              /* called from several threads; gets the account's name
	                                prefixed */
	void *log_ctx;
	pdh_plan_opts plan;          /* max_deletes */
	pdh_retry_policy retry;
	/* apply */
	bool force;                  /* apply past a brake */
	long long min_daily_tokens;  /* per account: the daily budget kept (pdh_run_opts) */
	int parallelism;             /* calls in flight per account */
	atomic_int *interrupt;       /* non-zero: start no new account (and no new call) */
	/* saved plans */
	const char *save_dir;        /* plan: write DIR/NAME.json per account */
	const char *saved_dir;       /* apply: apply DIR/NAME.json per account; stale ones are
	                                refused (PDH_FLEET_STALE) */
	/* A signature per account (plan_signature of an earlier plan run, same order as
	 * accounts; NULL entries: none): apply refuses (stale) an account whose plan differs
	 * from the one confirmed. NULL: no check. */
	char *const *expect_signature;
	/* Per account (same order as accounts; NULL entries: none), a reason to refuse it
	 * before its token is read: reported as failed with that error, nothing listed or
	 * written (the messages of pdh_fleet_same_company). NULL: none. */
	char *const *refuse;
	/* Per account (same order as accounts), what an earlier pass of the command spent on
	 * it: counted in its tokens, calls and metrics. NULL: nothing. */
	const pdh_fleet_spent *spent;
	/* Non-NULL: run no account, report each as skipped with this reason. */
	const char *skip_reason;
	/* Non-NULL ("plan", "apply", "status"): each result carries its metrics text. */
	const char *metrics_command;
	/* Each account's company only as its listing names it: no GET /users/me for an empty
	 * one (pdh_target.company_from_listing; a pass that only lists). */
	bool company_from_listing;
	/* rendering */
	pdh_format format;
	bool color;
	pdh_fleet_emit_fn emit;
	void *emit_ctx;
	/* Non-NULL: each result handed over instead of emitted (in order, from the calling
	 * thread, with emit_ctx): the callee owns it and frees it with pdh_fleet_result_free. */
	void (*take)(void *ctx, pdh_fleet_result *r);
} pdh_fleet_run_opts;

/* Runs every account of opts and calls emit for each in order, from the calling thread.
 * Returns 0 when all accounts were run (whatever their outcomes), or PDH_EINVAL for bad
 * options (nothing run). */
int pdh_fleet_run(const pdh_fleet_run_opts *opts, pdh_error *err);

/* A result taken (opts.take), freed. NULL: nothing. */
void pdh_fleet_result_free(pdh_fleet_result *r);

/* The result of the account at `slot` of o refused before anything was listed or written:
 * failed with the error why, as a pass given o.refuse reports it. ran: that account's result
 * from a pass that did run it (what its calls spent is carried: they were made), or NULL.
 * Caller frees with pdh_fleet_result_free. */
pdh_fleet_result *pdh_fleet_result_refused(const pdh_fleet_run_opts *o, size_t slot,
                                           const char *why, const pdh_fleet_result *ran);

/* Where account `name`'s saved plan is in dir (save_dir, saved_dir): DIR/NAME.json. Caller
 * frees. */
char *pdh_fleet_plan_path(const char *dir, const char *name);

/* The desired file of account a rendered with its vars (then getenv; NULL: the process
 * environment, none at all with no_env as `validate --no-env` does) and checked without
 * network, into *run (initialised here; the caller disposes it): 0, or PDH_EFILE / PDH_EIO
 * with run->diags saying why (its warnings too). */
int pdh_fleet_load_account(pdh_target_run *run, const pdh_fleet_account *a,
                           pdh_getenv_fn getenv, void *ctx, bool no_env, pdh_error *err);

#endif
