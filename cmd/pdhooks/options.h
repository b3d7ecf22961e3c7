/* The parsed command line of any command: every option of the table in opt_table.c has its
 * field here. A command calls pdh_common_parse() with its id and reads the fields. */
#ifndef PDHOOKS_CLI_OPTIONS_H
#define PDHOOKS_CLI_OPTIONS_H

#include <stdbool.h>

#include "opt.h"
#include "pdhooks/client.h"
#include "pdhooks/listing.h"

/* --color, indexed as its values in opt_table.c. */
typedef enum pdh_color_mode { PDH_COLOR_AUTO, PDH_COLOR_ALWAYS, PDH_COLOR_NEVER } pdh_color_mode;

typedef struct pdh_common {
	const char *file;        /* -f; $PDHOOKS_FILE, else "pdhooks.yaml"; "<stdin>" for -f - */
	bool file_given;         /* -f was on the command line */
	bool file_stdin;         /* -f -: the desired file is read from stdin */
	const char *directory;   /* -C: changed to by pdh_common_parse; NULL: none */
	const char *api_url;     /* --api-url; NULL: the environment decides */
	const char *token_file;
	const char *cacert;
	long timeout_ms;         /* 0: the client's default */
	bool verbose;
	bool quiet;
	bool color;              /* for stdout (see pdh_cli_color) */
	bool color_err;          /* for stderr (diagnostics) */
	int color_mode;          /* --color: a pdh_color_mode */
	bool no_color_flag;
	/* The options of single commands (see opt_table.c for which). */
	const char *out;         /* -o: plan's PLANFILE, export's FILE; NULL: none */
	const char *schema;      /* export --schema; NULL: the default */
	const char *owner;       /* export --owner ID: manage.owner; NULL: manage.urls */
	int format;              /* plan --format: a pdh_format */
	bool detailed_exitcode;  /* plan */
	bool no_env;             /* validate: ${VAR} references checked, values not read */
	int max_deletes;         /* plan, apply; -1: the file's */
	pdh_opt_list targets;    /* plan, apply --target PATTERN... */
	pdh_opt_list excludes;   /* plan, apply --exclude PATTERN... */
	bool adopt;              /* plan, apply --adopt */
	const char *takeover;    /* plan, apply --takeover OWNER; NULL: none */
	bool auto_approve;       /* apply */
	bool force;              /* apply */
	int parallelism;         /* apply */
	const char *metrics_file; /* plan, apply, status --metrics-file; NULL: none */
	pdh_opt_list metrics_labels; /* --metrics-label NAME=VALUE... */
	long max_wait_ms;        /* apply --max-wait; 0: the engine's default */
	int min_daily_tokens;    /* apply --min-daily-tokens N: the daily budget kept; 0 none */
	bool json;               /* version --json */
	/* Fleet mode (validate, plan, apply; see fleet_cli.h). */
	const char *fleet;       /* --fleet FLEETFILE; NULL: one company */
	pdh_opt_list accounts;   /* --account GLOB... */
	pdh_opt_list labels;     /* --label KEY=VALUE... */
	const char *shard;       /* --shard I/N */
	int concurrency;         /* --concurrency N; -1: the fleet file's */
	int canary;              /* apply --canary N; -1: none */
	/* Filled by pdh_common_client_opts; released by pdh_common_dispose. */
	char *resolved_url;
	pdh_credentials creds;
	pdh_session *session;    /* the run's one HTTP session (pdh_common_session) */
} pdh_common;

/* The name of the desired file in diagnostics when -f - reads it from stdin. */
#define PDH_CLI_STDIN_NAME "<stdin>"

/* Sets every option to its default (the table's). */
void pdh_common_init(pdh_common *o);
/* Parses argv (argv[0] is the command's name) with the options command id takes, as the table
 * declares them, into o. Options are spelled in full; they may come after arguments.
 * *first_arg gets the index of the first argument that is not an option (argc when none).
 * Then it changes to -C's directory, takes $PDHOOKS_FILE as the default of -f, turns -f - into
 * file_stdin (file "<stdin>") and decides colours. 0, or -1 with the error printed. */
int pdh_common_parse(pdh_common *o, pdh_cmd_id id, int argc, char **argv, int *first_arg);
/* pdh_common_parse for a command that takes no argument: one left over is the error
 * "CMD: unexpected argument 'ARG' (HINT)". 0, or -1 after the error is printed. */
int pdh_common_parse_no_args(pdh_common *o, pdh_cmd_id id, int argc, char **argv,
                             const char *hint);
/* A whole number from min to max for option `name`: 0, or -1 after printing an error. */
int pdh_cli_parse_int(const char *name, const char *arg, long min, long max, int *out);

/* Resolves the API URL and the credentials (no network) into client options that borrow
 * from o. 0, or the core code with *err saying why (nothing printed). */
int pdh_common_client_opts(pdh_common *o, pdh_client_opts *out, pdh_error *err);
/* The run's HTTP session (with --cacert), made on first use and kept until
 * pdh_common_dispose; every client of the run is given it. NULL when it cannot start (a
 * message on stderr): the clients then keep their own connections. */
pdh_session *pdh_common_session(pdh_common *o);
/* The listing options of a command: its waits before a retry told on stderr (not with -q),
 * and apply's --max-wait as the bound of the listing's retries too. */
void pdh_common_listing_opts(const pdh_common *o, pdh_listing_opts *out);
void pdh_common_dispose(pdh_common *o);

#endif
