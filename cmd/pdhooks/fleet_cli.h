/* `validate|plan|apply --fleet FILE` at the CLI edge: selection options, the report on
 * stdout, diagnostics and errors on stderr, one confirmation, canaries, the exit code. */
#ifndef PDHOOKS_FLEET_CLI_H
#define PDHOOKS_FLEET_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "metrics_out.h"
#include "options.h"
#include "pdhooks/target.h"

typedef struct pdh_fleet_args {
	const char *fleet;          /* --fleet FILE; NULL: not fleet mode */
	const char *const *globs;   /* --account GLOB, repeatable */
	size_t n_globs;
	const char *const *labels;  /* --label KEY=VALUE, repeatable */
	size_t n_labels;
	const char *shard;          /* --shard I/N */
	int concurrency;            /* --concurrency N; 0: the fleet file's */
	int canary;                 /* apply --canary N; 0: none */
	/* The command's own options that fleet mode reads. */
	int format;                 /* a pdh_format */
	bool detailed_exitcode;
	int max_deletes;            /* -1: each file's */
	const char *out_dir;        /* plan -o DIR */
	const char *saved_dir;      /* apply DIR */
	bool auto_approve, force;
	int parallelism;
	const char *metrics_file;   /* --metrics-file: every account's metrics, account="NAME" */
} pdh_fleet_args;


/* The fleet options of o (see opt_table.c) into a; the lists borrow from o. */
void pdh_fleet_args_from(pdh_fleet_args *a, const pdh_common *o);
/* The selection options given without --fleet: -1 after printing an error, else 0. */
int pdh_fleet_args_check(const pdh_common *o, const char *command);

/* The start plan and status share: mx started for command name, run zeroed, o parsed from
 * argv for command id (named name in the messages), no argument after the options, and with
 * --fleet the command run by fleet. 1 when that finishes the command (*code set:
 * PDH_EXIT_ERROR, or the fleet's exit code), else 0: go on with the one target. Either way
 * pdh_cli_target_finish() ends it. */
int pdh_cli_target_or_fleet(pdh_cli_metrics *mx, pdh_common *o, pdh_target_run *run,
                            pdh_cmd_id id, const char *name, int argc, char **argv,
                            int (*fleet)(pdh_common *, const pdh_fleet_args *), int *code);

/* The end plan and status share: the metrics of the one target written (a fleet writes its
 * own, per account), then text, run and o freed. The exit code to return. */
int pdh_cli_target_finish(pdh_cli_metrics *mx, pdh_common *o, pdh_target_run *run, char *text,
                          int code);

/* Each runs the command in fleet mode and returns its exit code. */
int pdh_cli_fleet_validate(pdh_common *o, const pdh_fleet_args *a, pdh_cli_checks *checks);
int pdh_cli_fleet_plan(pdh_common *o, const pdh_fleet_args *a);
int pdh_cli_fleet_apply(pdh_common *o, const pdh_fleet_args *a);
int pdh_cli_fleet_status(pdh_common *o, const pdh_fleet_args *a);

#endif
