/* Fleet reports: each account's outcome, the fleet's exit code, the report in text, JSON
 * (schemas/fleet-report.schema.json) and Markdown, written piece by piece as accounts finish
 * so memory does not grow with the accounts already reported; and `pdhooks merge` of shard
 * reports. */
#ifndef PDHOOKS_FLEET_REPORT_H
#define PDHOOKS_FLEET_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"
#include "pdhooks/fleet.h"
#include "pdhooks/format.h"

#define PDH_FLEET_REPORT_FORMAT_VERSION 1

typedef enum {
	PDH_FLEET_IN_SYNC,      /* nothing to do (plan), or verified without a change (apply) */
	PDH_FLEET_CHANGES,      /* plan: changes pending */
	PDH_FLEET_APPLIED,      /* apply: changes made and verified */
	PDH_FLEET_FAILED,       /* file, credentials, API error, failed call, not converged */
	PDH_FLEET_UNAVAILABLE,  /* could not check: the API kept failing after the retries */
	PDH_FLEET_REFUSED,      /* a safety brake refused the account's plan */
	PDH_FLEET_STALE,        /* the account's saved plan no longer holds */
	PDH_FLEET_SKIPPED,      /* not run: a canary failed, or the run was interrupted */
	PDH_FLEET_HEALTHY,      /* status: no owned webhook failing or inactive */
	PDH_FLEET_UNHEALTHY,    /* status: a webhook is failing or inactive */
	PDH_FLEET_CLOSED,       /* the company's Pipedrive account is not open (402: trial
	                           ended, unpaid) */
	PDH_FLEET_REAUTHORIZE,  /* OAuth: the refresh token was refused (invalid_grant); the app
	                           must be installed or authorized again */
	PDH_FLEET_OUTCOME_COUNT
} pdh_fleet_outcome;

/* "in_sync", "changes", "applied", "failed", "unavailable", "refused", "stale", "skipped",
 * "healthy", "unhealthy", "closed", "reauthorize". */
const char *pdh_fleet_outcome_name(pdh_fleet_outcome o);
/* The outcome of a name; -1 when it is none. */
int pdh_fleet_outcome_parse(const char *name);
/* The exit code an account's outcome stands for, as a single-company run would exit with
 * --detailed-exitcode: 0 in sync, applied, skipped or healthy; 2 changes or unhealthy;
 * 1 failed, closed or reauthorize; 5 unavailable; 3 refused; 4 stale. */
int pdh_fleet_outcome_exit(pdh_fleet_outcome o);
/* The core code of one account's failure -> its outcome: PDH_EUNAVAILABLE unavailable,
 * PDH_EBRAKE refused, PDH_ESTALE stale, PDH_EREAUTH reauthorize, any other failure failed. */
pdh_fleet_outcome pdh_fleet_outcome_of(int core_rc);
/* The same, knowing the error: an answer 402 (the company's account is not open) is closed. */
pdh_fleet_outcome pdh_fleet_outcome_of_error(int core_rc, const pdh_error *err);
/* Why an account was skipped without a call: its fleet entry says enabled: false. */
#define PDH_FLEET_REASON_DISABLED "disabled"

/* The fleet's exit code from its accounts' exit codes (pdh_fleet_outcome_exit): 1 if any is
 * 1 (or a code outside 0-5), else 5 if any is 5, else 3, else 4, else 2 when detailed and any
 * is 2, else 0. No accounts: 0. */
int pdh_fleet_exit_code(const int *codes, size_t n, bool detailed);

/* One line of the fleet's table, and what the summary counts. Borrowed strings. */
typedef struct pdh_fleet_row {
	size_t index;                /* the account's position in the fleet file */
	const char *name;
	const char *api_url;
	bool has_company_id;
	long long company_id;
	pdh_fleet_outcome outcome;
	int exit_code;
	long n_create, n_replace, n_delete, n_unchanged;
	const char *error;           /* one line, or NULL */
	const char *reason;          /* why the outcome, in a word, or NULL: "budget" (the
	                                company's daily API budget is spent),
	                                PDH_FLEET_REASON_DISABLED */
	long long tokens;            /* what the account's calls cost (cost.h) */
	long long calls;             /* the account's API calls, listings and retries included */
	bool has_daily_tokens_remaining;
	long long daily_tokens_remaining; /* the last daily budget an answer showed */
} pdh_fleet_row;

/* The report's format is every renderer's (pdhooks/format.h); the fleet's names of its values
 * are names of the same values. */
typedef pdh_format pdh_fleet_format;
#define PDH_FLEET_TEXT PDH_FORMAT_TEXT
#define PDH_FLEET_JSON PDH_FORMAT_JSON
#define PDH_FLEET_MARKDOWN PDH_FORMAT_MARKDOWN

typedef struct pdh_fleet_report_opts {
	pdh_format format;
	const char *fleet_sha256;    /* of the fleet file */
	pdh_fleet_shard shard;       /* unset: the whole fleet */
	const char *command;         /* "plan", "apply" or "status" */
	size_t max_bytes;            /* Markdown: 0 is PDH_MARKDOWN_MAX */
	/* JSON: what the run selected, so that merge can tell a report that lost, gained or
	 * moved an account: the names of this run's accounts (file order), and the number and
	 * pdh_fleet_names_sha256 of the accounts the filters select before --shard. */
	const char *const *selected;
	size_t n_selected;
	size_t fleet_selected;
	const char *fleet_selected_sha256;
} pdh_fleet_report_opts;

typedef struct pdh_fleet_report pdh_fleet_report;

/* Caller frees with pdh_fleet_report_free. */
pdh_fleet_report *pdh_fleet_report_new(const pdh_fleet_report_opts *opts);
void pdh_fleet_report_free(pdh_fleet_report *r);
/* The report comes out in pieces, each for the caller to write and free: the beginning, then
 * one piece per account in file order, then the end. An account's section is what its format
 * shows of it: text, the plan as pdh_render_text prints it; JSON, the account object of
 * schemas/fleet-report.schema.json (compact); Markdown, the plan's comment. The report
 * keeps each account's row for the table and the summary (a few dozen bytes), not its
 * section. Markdown is held until the end, within max_bytes: sections that do not fit are
 * left out and counted in a note. */
char *pdh_fleet_report_begin(pdh_fleet_report *r);
char *pdh_fleet_report_add(pdh_fleet_report *r, const pdh_fleet_row *row, const char *section);
char *pdh_fleet_report_end(pdh_fleet_report *r);
/* The exit code of the accounts added so far (pdh_fleet_exit_code). */
int pdh_fleet_report_exit_code(const pdh_fleet_report *r, bool detailed);
/* How many accounts added so far had outcome o. */
size_t pdh_fleet_report_count(const pdh_fleet_report *r, pdh_fleet_outcome o);

/* ---- --metrics-file in fleet mode ---- */

/* The Prometheus text of many runs (one per account, each with its account label) as one
 * exposition: each family's HELP and TYPE once, then the samples of every run, families in
 * the order first seen. Caller frees with pdh_fleet_metrics_free. */
typedef struct pdh_fleet_metrics pdh_fleet_metrics;
pdh_fleet_metrics *pdh_fleet_metrics_new(void);
/* Takes one run's exposition text (lines "# HELP", "# TYPE", samples). */
void pdh_fleet_metrics_add(pdh_fleet_metrics *m, const char *text);
/* The joined exposition, ending with a newline (empty when nothing was added). Caller frees. */
char *pdh_fleet_metrics_render(const pdh_fleet_metrics *m);
void pdh_fleet_metrics_free(pdh_fleet_metrics *m);

/* ---- pdhooks merge ---- */

/* Joins shard reports (the JSON texts of `--format json`, each named by names[i] in messages)
 * into one report in format. Refuses (PDH_EINVAL, nothing written) reports that are not
 * fleet reports, of different fleet files (fleet_sha256), of different shard counts, a
 * repeated shard, or a missing one (naming it), and an account found twice; and, by each
 * report's "selection", a report whose accounts are not the ones its run selected (one lost
 * or gained), an account in a shard it does not hash to, and shards that together are not
 * the fleet's selection (other filters, an account left out or added). On success
 * *out is the merged report (caller frees) and *exit_code the fleet's exit code. */
int pdh_fleet_merge(char **out, int *exit_code, const char *const *texts, const size_t *lens,
                    const char *const *names, size_t n, pdh_format format,
                    bool detailed, pdh_error *err);

#endif
