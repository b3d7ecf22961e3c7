/* A fleet command's work above the runner (fleet_run.h): the accounts it selects and what its
 * report records of them, the listing pass that refuses accounts of one company, apply's plan
 * pass before its one confirmation, the canaries, each result counted and the report's pieces
 * handed on. Nothing is printed and nothing asked: the caller's hooks say, write and
 * confirm. */
#ifndef PDHOOKS_FLEET_JOB_H
#define PDHOOKS_FLEET_JOB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"
#include "pdhooks/fleet.h"
#include "pdhooks/fleet_report.h"
#include "pdhooks/fleet_run.h"

/* Which accounts a fleet command works on, and what its report records of them for merge:
 * their names, and the number and digest of the accounts the filters select before
 * --shard. */
typedef struct pdh_fleet_choice {
	pdh_fleet_selector sel;
	size_t *idx;                 /* the selected accounts: indexes in file order */
	size_t n;
	const char **names;          /* their names (the fleet's), NULL-terminated; or NULL */
	size_t n_whole;
	char whole_sha256[65];
} pdh_fleet_choice;

/* --shard (NULL: none) and each --label checked into c (zeroed first; the lists borrowed):
 * 0, or PDH_EINVAL with err. */
int pdh_fleet_choice_parse(pdh_fleet_choice *c, const char *shard, const char *const *globs,
                           size_t n_globs, const char *const *labels, size_t n_labels,
                           pdh_error *err);
/* The accounts of f (read from path) that c selects; with record, their names and the
 * digest of the whole selection too. 0, or PDH_EINVAL when --account or --label match no
 * account at all (a typo; an empty --shard is none: a matrix may have more shards than
 * accounts). */
int pdh_fleet_choice_select(pdh_fleet_choice *c, const pdh_fleet *f, const char *path,
                            bool record, pdh_error *err);
void pdh_fleet_choice_dispose(pdh_fleet_choice *c);

/* What the caller does with a pass's results. */
typedef struct pdh_fleet_pass_hooks {
	void *ctx;
	/* Each result, before it is counted and reported: the caller's messages (warnings,
	 * diagnostics, errors). May be NULL. */
	void (*result)(void *ctx, const pdh_fleet_result *r);
	/* A piece of the report to write: false when it could not be written. */
	bool (*put)(void *ctx, const char *piece);
	/* apply: `failed` of the first `canaries` accounts did not apply cleanly, and the `rest`
	 * are skipped. May be NULL. */
	void (*canaries_failed)(void *ctx, size_t failed, size_t canaries, size_t rest);
	/* A warning of the command's own, not of one result (two OAuth installs in one
	 * company), said before the results of a checked pass. May be NULL. */
	void (*warning)(void *ctx, const char *warning);
} pdh_fleet_pass_hooks;

/* One pass over the accounts with its report: the results counted as they come. */
typedef struct pdh_fleet_pass {
	pdh_fleet_pass_hooks hooks;
	pdh_fleet_report *report;
	pdh_fleet_metrics *metrics;  /* --metrics-file: every account's metrics; or NULL */
	char **signatures;           /* each account's plan signature, or NULL: not kept */
	size_t k;                    /* results so far */
	bool any_changes;
	size_t n_not_ok;             /* accounts neither in sync, applied, healthy nor unhealthy */
	bool write_failed;           /* a piece could not be written */
} pdh_fleet_pass;

/* The emit callback of a pass's pdh_fleet_run_opts (ctx: the pdh_fleet_pass). */
void pdh_fleet_pass_emit(void *pass, const pdh_fleet_result *r);
/* piece handed to the put hook, then freed. */
void pdh_fleet_pass_put(pdh_fleet_pass *p, char *piece);
/* Frees what the pass holds (not the pass). */
void pdh_fleet_pass_dispose(pdh_fleet_pass *p);

/* A fleet command: the fleet, its choice, the accounts of one company refused, and the pass
 * that reports. base holds the options every pass of the command starts from (the caller's:
 * connections, plan choice, apply's force and parallelism, saved_dir); the passes set
 * accounts, mode, format and emit. */
typedef struct pdh_fleet_job {
	pdh_fleet *f;
	const char *path;            /* the fleet file's */
	pdh_fleet_choice choice;
	char **refuse;               /* pdh_fleet_survey's, or NULL */
	char **installs;             /* pdh_fleet_survey's warnings of two OAuth installs in one
	                                company (one or NULL per account), or NULL */
	pdh_fleet_spent *spent;      /* per account, what the survey's or the checked pass's calls
	                                spent (counted in the reporting pass's); or NULL */
	pdh_fleet_run_opts base;
	pdh_fleet_run_opts ro;       /* the reporting pass's (pdh_fleet_job_begin) */
	pdh_fleet_report_opts rep;
	pdh_fleet_pass pass;
} pdh_fleet_job;

/* Frees what the job holds (the fleet too). */
void pdh_fleet_job_dispose(pdh_fleet_job *j);

/* The listing pass before apply --auto-approve works on the accounts: each selected account
 * listed and planned (nothing shown, nothing written; what its calls spent kept in j->spent
 * for the apply's report), then the accounts that manage one company's
 * general webhooks found (pdh_fleet_same_company) into j->refuse: NULL when none clash (or
 * fewer than two accounts), else one refusal (or NULL) per account; two OAuth installs in
 * one company are no refusal but a warning each in j->installs (pdh_fleet_same_installs).
 * interrupt may stop it. */
void pdh_fleet_survey(pdh_fleet_job *j, atomic_int *interrupt);

/* A pass that lists each account once and still refuses the accounts of one company
 * before anything of theirs is shown: ro run with every result held until all accounts are
 * done, then the check of pdh_fleet_survey made on their identities (into j->refuse and
 * j->installs; each install warning said through hooks->warning; what each account's calls
 * spent into j->spent), then each result emitted
 * through ro's emit in order, a refused account's as pdh_fleet_result_refused makes it (as
 * a pass given the refusal reports it, with the tokens its calls cost) and the plan the pass
 * saved for it (ro->save_dir) removed. For a pass that writes nothing to Pipedrive: plan,
 * status, apply's preview. 0, or the runner's error code with err (nothing emitted). */
int pdh_fleet_checked_run(pdh_fleet_job *j, const pdh_fleet_run_opts *ro,
                          const pdh_fleet_pass_hooks *hooks, pdh_error *err);

/* The report of the command begun: j->rep from the fleet, its choice, format and command;
 * the first piece put; j->ro from j->base for mode, on the chosen accounts (refused ones
 * refused, j->spent counted in), its results to j->pass; with metrics, each account's metrics kept. */
void pdh_fleet_job_begin(pdh_fleet_job *j, pdh_run_mode mode, pdh_format format,
                         const char *command, bool metrics, const pdh_fleet_pass_hooks *hooks);

/* apply's plan pass before its one confirmation: every chosen account planned and shown as
 * a text report through hooks, nothing written, the accounts of one company refused as
 * pdh_fleet_checked_run does (j->refuse then holds them for the apply pass). 1 when no account has changes; 0 with *sig
 * the plans' signatures (one per account; the caller frees with pdh_free_strings(*sig,
 * j->choice.n)) when there are; or the runner's error code with err. */
int pdh_fleet_preview(pdh_fleet_job *j, const pdh_fleet_pass_hooks *hooks, char ***sig,
                      pdh_error *err);

/* apply after the confirmation, on the begun pass: the first `canary` accounts (file order;
 * 0 or at least all: every account at once), then the rest only if every canary converged
 * (else the rest are reported as skipped, canaries_failed told first). sig: the confirmed
 * plans' signatures, or NULL. 0, or the runner's error code with err. */
int pdh_fleet_apply_canaries(pdh_fleet_job *j, size_t canary, char *const *sig,
                             pdh_error *err);

/* --metrics-file (NULL: none) against every file the fleet run may read or write: the
 * fleet file, each account's desired file and token_file, and its saved plan in dir (the -o
 * or applied directory; NULL: none). 0, or PDH_EINVAL with err. */
int pdh_fleet_metrics_check(const pdh_fleet_job *j, const char *metrics_file, const char *dir,
                            pdh_error *err);
/* plan -o DIR: the directory made (0700) unless it is one already. 0, or PDH_EIO with err. */
int pdh_fleet_plan_dir(const char *dir, pdh_error *err);

#endif
