/* The option table (see opt.h), and help's usage line, option list and man page section
 * written from it by core (pdhooks/cli_table.h). The order of the rows is the order of
 * `pdhooks help CMD`. */
#include "opt.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "pdhooks/run.h"
#include "pdhooks/apply.h"
#include "pdhooks/export.h"
#include "pdhooks/fleet.h"
#include "pdhooks/limits.h"

#define ON_PLAN PDH_ON(PDH_CMD_PLAN)
#define ON_APPLY PDH_ON(PDH_CMD_APPLY)
#define ON_VALIDATE PDH_ON(PDH_CMD_VALIDATE)
#define ON_EXPORT PDH_ON(PDH_CMD_EXPORT)
#define ON_STATUS PDH_ON(PDH_CMD_STATUS)
#define ON_MERGE PDH_ON(PDH_CMD_MERGE)
/* The commands with a fleet mode. */
#define ON_FLEET (ON_VALIDATE | ON_PLAN | ON_APPLY | ON_STATUS)
#define ON_VERSION PDH_ON(PDH_CMD_VERSION)
/* The commands that talk to the API. */
#define ON_API (ON_PLAN | ON_APPLY | ON_EXPORT | ON_STATUS)

/* Where a row's value goes: the field of pdh_common, which must have the C type of the row's
 * kind (a compile error otherwise): FLAG bool, STRING, PATH and DIR const char *, INT and ENUM
 * int, SECONDS long. */
#define S_FIELD(field, type) \
	(offsetof(pdh_common, field) + 0 * sizeof(_Generic(((pdh_common *)0)->field, type: 1)))
#define AS_BOOL(field) S_FIELD(field, bool)
#define AS_STRING(field) S_FIELD(field, const char *)
#define AS_INT(field) S_FIELD(field, int)
#define AS_LONG(field) S_FIELD(field, long)
#define AS_LIST(field) S_FIELD(field, pdh_opt_list)

/* Indexed by pdh_format. */
static const char *const S_formats[] = { "text", "json", "markdown", NULL };
/* status's and apply's: the first two of pdh_format. */
static const char *const S_two_formats[] = { "text", "json", NULL };
_Static_assert(PDH_FORMAT_TEXT == 0 && PDH_FORMAT_JSON == 1 && PDH_FORMAT_MARKDOWN == 2,
               "S_formats is indexed by pdh_format");
/* validate's: text and json as pdh_format, then github (PDH_VALIDATE_FORMAT_GITHUB). */
static const char *const S_validate_formats[] = { "text", "json", "github", NULL };
_Static_assert(PDH_VALIDATE_FORMAT_GITHUB == 2, "S_validate_formats is indexed so");
/* Indexed by pdh_color_mode. */
static const char *const S_colors[] = { "auto", "always", "never", NULL };
_Static_assert(PDH_COLOR_AUTO == 0 && PDH_COLOR_ALWAYS == 1 && PDH_COLOR_NEVER == 2,
               "S_colors is indexed by pdh_color_mode");

const pdh_opt_spec pdh_opt_table[] = {
	/* The options of single commands, before the shared ones in each command's help. */
	{ .name = "format", .kind = PDH_OPT_ENUM, .value_name = "FORMAT", .values = S_formats,
	  .def = PDH_FORMAT_TEXT, .offset = AS_INT(format),
	  .commands = ON_PLAN, .synopsis = ON_PLAN,
	  .help = "text (default), json (one document described by\n"
	          "schemas/plan.schema.json) or markdown (a pull-request\n"
	          "comment, at most 60,000 characters)" },
	{ .name = "format", .kind = PDH_OPT_ENUM, .value_name = "FORMAT",
	  .values = S_two_formats, .def = PDH_FORMAT_TEXT, .offset = AS_INT(format),
	  .commands = ON_STATUS, .synopsis = ON_STATUS,
	  .help = "text (default) or json (one document described by\n"
	          "schemas/status.schema.json)" },
	{ .name = "format", .kind = PDH_OPT_ENUM, .value_name = "FORMAT", .values = S_formats,
	  .def = PDH_FORMAT_TEXT, .offset = AS_INT(format),
	  .commands = ON_MERGE, .synopsis = ON_MERGE,
	  .help = "text (default), json (one document described by\n"
	          "schemas/fleet-report.schema.json) or markdown (a\n"
	          "pull-request comment, at most 60,000 characters)" },
	{ .name = "format", .kind = PDH_OPT_ENUM, .value_name = "FORMAT",
	  .values = S_validate_formats, .def = PDH_FORMAT_TEXT, .offset = AS_INT(format),
	  .commands = ON_VALIDATE, .synopsis = ON_VALIDATE,
	  .help = "text (default: diagnostics on stderr), json (one document\n"
	          "on stdout described by schemas/validate.schema.json) or\n"
	          "github (also GitHub Actions ::error and ::warning commands\n"
	          "on stdout, so a pull request shows each on its line)" },
	{ .name = "out", .alias = 'o', .kind = PDH_OPT_PATH, .value_name = "PLANFILE",
	  .offset = AS_STRING(out), .commands = ON_PLAN, .synopsis = ON_PLAN,
	  .help = "also save the plan for 'pdhooks apply PLANFILE' and print\n"
	          "its sha256 on stderr; the plan names its company, and apply\n"
	          "refuses it for another; passwords are kept as their ${VAR}\n"
	          "reference, never as a value; with --fleet, a directory:\n"
	          "one plan per account, DIR/ACCOUNT.json" },
	{ .name = "out", .alias = 'o', .kind = PDH_OPT_PATH, .value_name = "FILE",
	  .offset = AS_STRING(out), .commands = ON_EXPORT, .synopsis = ON_EXPORT,
	  .help = "write to FILE (which must not exist yet); default: stdout" },
	{ .name = "schema", .kind = PDH_OPT_STRING, .value_name = "REF", .offset = AS_STRING(schema),
	  .commands = ON_EXPORT, .synopsis = ON_EXPORT,
	  .help = "the $schema of the editor modeline (default:\n" PDH_EXPORT_SCHEMA_REF ")" },
	{ .name = "owner", .kind = PDH_OPT_STRING, .value_name = "ID", .offset = AS_STRING(owner),
	  .commands = ON_EXPORT, .synopsis = ON_EXPORT,
	  .help = "write manage.owner: ID instead of manage.urls (apply the\n"
	          "file first with --adopt to mark the exported webhooks)" },
	{ .name = "auto-approve", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(auto_approve),
	  .commands = ON_APPLY, .synopsis = ON_APPLY,
	  .help = "apply without asking (required when stdin is not a terminal)" },
	{ .name = "parallelism", .kind = PDH_OPT_INT, .value_name = "N", .min = 1,
	  .max = PDH_APPLY_MAX_PARALLELISM, .def = PDH_APPLY_DEFAULT_PARALLELISM,
	  .offset = AS_INT(parallelism), .commands = ON_APPLY, .synopsis = ON_APPLY,
	  .help = "calls in flight at once, 1 to 32 (default 4)" },
	{ .name = "force", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(force),
	  .commands = ON_APPLY, .synopsis = ON_APPLY,
	  .help = "apply even when a safety brake refuses the plan" },
	{ .name = "detailed-exitcode", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(detailed_exitcode),
	  .commands = ON_PLAN | ON_MERGE, .synopsis = ON_PLAN | ON_MERGE,
	  .help = "exit 2 when changes are pending, 0 when there are none" },
	{ .name = "detailed-exitcode", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(detailed_exitcode),
	  .commands = ON_STATUS, .synopsis = ON_STATUS,
	  .help = "exit 2 when a webhook is failing or inactive" },
	{ .name = "no-env", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(no_env),
	  .commands = ON_VALIDATE, .synopsis = ON_VALIDATE,
	  .help = "check ${VAR} references without reading the environment:\n"
	          "unset variables are fine, malformed references are not" },
	{ .name = "json", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(json),
	  .commands = ON_VERSION, .synopsis = ON_VERSION,
	  .help = "one JSON object: version, commit, libcurl and its TLS\n"
	          "library" },
	/* -1 (not given): the file's manage.max_deletes. */
	{ .name = "max-deletes", .kind = PDH_OPT_INT, .value_name = "N",
	  .min = PDH_MAX_DELETES_MIN, .max = PDH_MAX_DELETES_MAX, .def = -1, .offset = AS_INT(max_deletes),
	  .commands = ON_PLAN | ON_APPLY, .synopsis = ON_PLAN | ON_APPLY,
	  .help = "the safety brake's limit of deletes (default: the file's\n"
	          "manage.max_deletes, else 10); duplicates do not count" },
	{ .name = "target", .kind = PDH_OPT_LIST, .value_name = "PATTERN",
	  .offset = AS_LIST(targets), .commands = ON_PLAN | ON_APPLY,
	  .synopsis = ON_PLAN | ON_APPLY,
	  .help = "only the actions whose key, as plans show it (ACTION.OBJECT\n"
	          "URL), matches the glob PATTERN; repeatable. The others are\n"
	          "counted as excluded; brakes count the chosen ones only" },
	{ .name = "exclude", .kind = PDH_OPT_LIST, .value_name = "PATTERN",
	  .offset = AS_LIST(excludes), .commands = ON_PLAN | ON_APPLY,
	  .synopsis = ON_PLAN | ON_APPLY,
	  .help = "leave out the actions whose key matches the glob PATTERN;\n"
	          "repeatable" },
	{ .name = "adopt", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(adopt),
	  .commands = ON_PLAN | ON_APPLY, .synopsis = ON_APPLY,
	  .help = "with manage.owner: replace each unmarked webhook of a\n"
	          "declared key by one marked [pdhooks:OWNER] (as\n"
	          "manage.adopt: true)" },
	{ .name = "takeover", .kind = PDH_OPT_STRING, .value_name = "OWNER",
	  .offset = AS_STRING(takeover), .commands = ON_PLAN | ON_APPLY, .synopsis = ON_APPLY,
	  .help = "replace the webhooks of declared keys that OWNER's marker\n"
	          "holds (otherwise an error: two owners declare one key)" },
	{ .name = "metrics-file", .kind = PDH_OPT_PATH, .value_name = "PATH",
	  .offset = AS_STRING(metrics_file), .commands = ON_PLAN | ON_APPLY | ON_STATUS,
	  .synopsis = ON_PLAN | ON_APPLY | ON_STATUS,
	  .help = "write the run's metrics to PATH (Prometheus text format,\n"
	          "for node_exporter's textfile collector), atomically, also\n"
	          "when the run fails; never a file the run reads or writes,\n"
	          "nor a file that is not pdhooks' metrics; a single\n"
	          "company's carry the labels file and company_id" },
	{ .name = "metrics-label", .kind = PDH_OPT_LIST, .value_name = "LABEL",
	  .offset = AS_LIST(metrics_labels), .commands = ON_PLAN | ON_APPLY | ON_STATUS,
	  .help = "with --metrics-file, one company: one more label, written\n"
	          "NAME=VALUE, on every metric (repeatable); NAME as Prometheus\n"
	          "allows, not one pdhooks sets (command, account, file,\n"
	          "company_id)" },
	{ .name = "format", .kind = PDH_OPT_ENUM, .value_name = "FORMAT", .values = S_two_formats,
	  .def = PDH_FORMAT_TEXT, .offset = AS_INT(format),
	  .commands = ON_APPLY, .synopsis = ON_APPLY,
	  .help = "text (default), or json: one document on stdout at the end\n"
	          "(schemas/apply.schema.json); the plan goes to stderr.\n"
	          "With --fleet: the fleet report (schemas/fleet-report.schema.json)" },
	/* 0 (not given): PDH_APPLY_DEFAULT_MAX_WAIT_MS. */
	{ .name = "max-wait", .kind = PDH_OPT_SECONDS, .value_name = "SECONDS", .max = 86400,
	  .offset = AS_LONG(max_wait_ms), .commands = ON_APPLY, .synopsis = ON_APPLY,
	  .help = "the run's wait budget: time spent waiting for the rate\n"
	          "limit and before retries (default 60); past it no new call\n"
	          "starts and apply exits 5. It bounds the plan's listing too" },
	{ .name = "min-daily-tokens", .kind = PDH_OPT_INT, .value_name = "N", .min = 0,
	  .max = INT_MAX, .def = 0, .offset = AS_INT(min_daily_tokens), .commands = ON_APPLY,
	  .help = "refuse (exit 3, a brake) before any write when the\n"
	          "company's daily API budget the listing showed is below\n"
	          "the plan's cost plus N tokens (default 0); with --fleet,\n"
	          "per account; --force applies anyway" },

	{ .name = "canary", .kind = PDH_OPT_INT, .value_name = "N", .min = 1, .max = INT_MAX,
	  .def = -1, .offset = AS_INT(canary), .commands = ON_APPLY,
	  .help = "with --fleet: apply the first N selected accounts first,\n"
	          "and the rest only if all of them applied and converged" },

	/* Shared, from -f on (tests/test_readme.sh reads them so). export reads no desired
	 * file, so it takes no -f. */
	{ .name = "file", .alias = 'f', .kind = PDH_OPT_PATH, .value_name = "FILE",
	  .def_str = "pdhooks.yaml", .offset = AS_STRING(file), .given = PDH_OPT_GIVEN(file_given),
	  .commands = ON_PLAN | ON_APPLY | ON_VALIDATE | ON_STATUS,
	  .synopsis = ON_PLAN | ON_APPLY | ON_VALIDATE | ON_STATUS,
	  .help = "the desired-state file (default: $PDHOOKS_FILE, else\n"
	          "pdhooks.yaml); - reads it from stdin" },
	{ .name = "directory", .alias = 'C', .kind = PDH_OPT_DIR, .value_name = "DIR",
	  .offset = AS_STRING(directory), .commands = ON_API | ON_VALIDATE,
	  .help = "change to DIR first (as git -C and make -C): every other\n"
	          "path is read from there" },
	{ .name = "api-url", .kind = PDH_OPT_STRING, .value_name = "URL", .offset = AS_STRING(api_url),
	  .commands = ON_API,
	  .help = "the API base URL (env PIPEDRIVE_API_URL; with\n"
	          "PIPEDRIVE_COMPANY_DOMAIN=acme:\n"
	          "https://acme.pipedrive.com/api/v1; default\n"
	          "https://api.pipedrive.com/v1); http:// only to localhost" },
	{ .name = "token-file", .kind = PDH_OPT_PATH, .value_name = "PATH",
	  .offset = AS_STRING(token_file), .commands = ON_API,
	  .help = "read the API token from the first line of PATH (a line\n"
	          "\"Bearer TOKEN\" means an OAuth token)" },
	{ .name = "timeout", .kind = PDH_OPT_SECONDS, .value_name = "SECONDS", .max = PDH_TIMEOUT_MAX_S,
	  .offset = AS_LONG(timeout_ms), .commands = ON_API,
	  .help = "give up on an HTTP call after SECONDS (default 30)" },
	{ .name = "cacert", .kind = PDH_OPT_PATH, .value_name = "PATH", .offset = AS_STRING(cacert),
	  .commands = ON_API,
	  .help = "trust the CA certificates in PATH (a private CA)\n"
	          "instead of the system's" },
	{ .name = "verbose", .alias = 'v', .kind = PDH_OPT_FLAG, .offset = AS_BOOL(verbose),
	  .commands = ON_API,
	  .help = "one line per HTTP call on stderr: method, path, status, time,\n"
	          "its cost in tokens, Pipedrive's correlation id" },
	{ .name = "quiet", .alias = 'q', .kind = PDH_OPT_FLAG, .offset = AS_BOOL(quiet),
	  .commands = ON_API | ON_VALIDATE, .synopsis = ON_VALIDATE,
	  .help = "no warnings or notes on stderr, only errors" },
	{ .name = "color", .kind = PDH_OPT_ENUM, .value_name = "WHEN", .values = S_colors,
	  .def = PDH_COLOR_AUTO, .offset = AS_INT(color_mode),
	  .commands = ON_API | ON_VALIDATE,
	  .help = "auto (default: colour on a terminal, unless NO_COLOR is\n"
	          "set or TERM is dumb), always or never" },
	{ .name = "no-color", .kind = PDH_OPT_FLAG, .offset = AS_BOOL(no_color_flag),
	  .commands = ON_API | ON_VALIDATE, .synopsis = ON_VALIDATE,
	  .help = "the same as --color never; it wins over --color always" },
	/* Fleet mode: validate, plan and apply on many companies (fleet_cli.h). */
	{ .name = "fleet", .kind = PDH_OPT_PATH, .value_name = "FLEETFILE", .offset = AS_STRING(fleet),
	  .commands = ON_FLEET, .synopsis = ON_VALIDATE,
	  .help = "work on the accounts of a fleet file: each with its API\n"
	          "URL, token and desired file (-f, --api-url and\n"
	          "--token-file are not used then); oauth_refresh\n"
	          "refreshes an app install's OAuth token itself" },
	{ .name = "account", .kind = PDH_OPT_LIST, .value_name = "GLOB", .offset = AS_LIST(accounts),
	  .commands = ON_FLEET,
	  .help = "with --fleet: only accounts whose name matches GLOB\n"
	          "(repeatable: any of them)" },
	{ .name = "label", .kind = PDH_OPT_LIST, .value_name = "LABEL", .offset = AS_LIST(labels),
	  .commands = ON_FLEET,
	  .help = "with --fleet: only accounts with the label LABEL, written\n"
	          "KEY=VALUE (repeatable: any value of one key, and every key\n"
	          "named; --account, --label and --shard together: all)" },
	{ .name = "shard", .kind = PDH_OPT_STRING, .value_name = "SHARD", .offset = AS_STRING(shard),
	  .commands = ON_FLEET,
	  .help = "with --fleet: only SHARD, written I/N (0-based): the\n"
	          "accounts whose fnv1a64(name) mod N is I" },
	{ .name = "concurrency", .kind = PDH_OPT_INT, .value_name = "N", .min = 1,
	  .max = PDH_FLEET_MAX_CONCURRENCY, .def = -1, .offset = AS_INT(concurrency),
	  .commands = ON_PLAN | ON_APPLY | ON_STATUS,
	  .help = "with --fleet: accounts worked on at once, 1 to 256\n"
	          "(default: the fleet file's concurrency, else 8)" },
	{ .name = NULL }
};

const pdh_opt_spec *pdh_opt_next(pdh_cmd_id id, const pdh_opt_spec *prev)
{
	const pdh_opt_spec *s = prev ? prev + 1 : pdh_opt_table;

	for (; s->name; s++)
		if (s->commands & PDH_ON(id))
			return s;
	return NULL;
}

const pdh_opt_spec *pdh_opt_find(pdh_cmd_id id, const char *name, char alias)
{
	for (const pdh_opt_spec *s = pdh_opt_next(id, NULL); s; s = pdh_opt_next(id, s))
		if (name ? strcmp(s->name, name) == 0 : (alias != 0 && s->alias == alias))
			return s;
	return NULL;
}

/* text (freed here) to out. */
static void S_put(FILE *out, char *text)
{
	fputs(text, out);
	free(text);
}

void pdh_opt_print_synopsis(FILE *out, pdh_cmd_id id)
{
	pdh_cli_table t = { NULL, pdh_opt_table };  /* a command's own: no other command read */
	pdh_cli_command c;

	pdh_cli_row(&c, pdh_cmd_get(id));
	S_put(out, pdh_cli_synopsis(&t, &c));
}

void pdh_opt_print_list(FILE *out, pdh_cmd_id id)
{
	pdh_cli_table t = { NULL, pdh_opt_table };
	pdh_cli_command c;

	pdh_cli_row(&c, pdh_cmd_get(id));
	S_put(out, pdh_cli_option_list(&t, &c));
}

void pdh_opt_print_man(FILE *out)
{
	pdh_cli_command rows[PDH_CMD_COUNT + 1];
	pdh_cli_table t = { rows, pdh_opt_table };

	pdh_cli_rows(rows);
	fputs(PDH_OPT_MAN_BEGIN, out);
	S_put(out, pdh_cli_man_options(&t));
	fputs(PDH_OPT_MAN_END, out);
}
