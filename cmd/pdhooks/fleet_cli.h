/* `validate|plan|apply --fleet FILE` at the CLI edge: selection options, the report on
 * stdout, diagnostics and errors on stderr, one confirmation, canaries, the exit code. */
#ifndef PDHOOKS_FLEET_CLI_H
#define PDHOOKS_FLEET_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

typedef struct pdh_fleet_args {
	const char *fleet;          /* --fleet FILE; NULL: not fleet mode */
	const char **globs;         /* --account GLOB, repeatable */
	size_t n_globs;
	const char **labels;        /* --label KEY=VALUE, repeatable */
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
} pdh_fleet_args;

void pdh_fleet_args_init(pdh_fleet_args *a);
void pdh_fleet_args_dispose(pdh_fleet_args *a);
/* Appends to a repeatable option's list. */
void pdh_fleet_args_push(const char ***list, size_t *n, const char *value);

/* The fleet options in a command's getopt_long table, numbered from base: --fleet,
 * --account, --label, --shard, --concurrency (and --canary for apply). */
enum { PDH_FLEET_OPT_FLEET, PDH_FLEET_OPT_ACCOUNT, PDH_FLEET_OPT_LABEL, PDH_FLEET_OPT_SHARD,
       PDH_FLEET_OPT_CONCURRENCY, PDH_FLEET_OPT_CANARY, PDH_FLEET_OPT_COUNT };
#define PDH_FLEET_LONGOPTS(base)                                                      \
	{ "fleet", required_argument, NULL, (base) + PDH_FLEET_OPT_FLEET },             \
	{ "account", required_argument, NULL, (base) + PDH_FLEET_OPT_ACCOUNT },         \
	{ "label", required_argument, NULL, (base) + PDH_FLEET_OPT_LABEL },             \
	{ "shard", required_argument, NULL, (base) + PDH_FLEET_OPT_SHARD },             \
	{ "concurrency", required_argument, NULL, (base) + PDH_FLEET_OPT_CONCURRENCY }
/* Takes fleet option `which` (opt - base). 1: taken; 0: not a fleet option; -1: a bad value
 * (error printed). */
int pdh_fleet_option(pdh_fleet_args *a, int which, const char *arg);
/* The selection options given without --fleet: -1 after printing an error, else 0. */
int pdh_fleet_args_check(const pdh_fleet_args *a, const char *command);

#define PDH_FLEET_HELP \
	"      --fleet FLEETFILE    work on every account of a fleet file (see README, Fleet)\n" \
	"      --account GLOB       only accounts whose name matches GLOB (repeatable: any)\n" \
	"      --label KEY=VALUE    only accounts with that label (repeatable: any value of a\n" \
	"                           key, and every key named)\n" \
	"      --shard I/N          only shard I of N (0-based): fnv1a64(name) mod N == I\n" \
	"      --concurrency N      accounts at once, 1 to 256 (default: the fleet file's, or 8)\n"

/* Each runs the command in fleet mode and returns its exit code. */
int pdh_cli_fleet_validate(pdh_common *o, const pdh_fleet_args *a);
int pdh_cli_fleet_plan(pdh_common *o, const pdh_fleet_args *a);
int pdh_cli_fleet_apply(pdh_common *o, const pdh_fleet_args *a);

#endif
