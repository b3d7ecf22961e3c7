#include "cmd.h"
#include "options.h"

#include <stddef.h>
#include <string.h>

const pdh_cmd pdh_commands[] = {
	{ "plan", pdh_cmd_plan,
	  "pdhooks plan [-f FILE] [--detailed-exitcode] [--max-deletes N] [OPTIONS]",
	  "list the live webhooks and show the calls that would make them match the file",
	  "Makes one call (GET /webhooks) and changes nothing. The plan goes to stdout,\n"
	  "warnings and errors to stderr.\n"
	  "\n"
	  "Options:\n"
	  "      --detailed-exitcode  exit 2 when changes are pending, 0 when there are none\n"
	  "      --max-deletes N      the safety brake's limit of deletes (default: the file's\n"
	  "                           manage.max_deletes, else 10)\n"
	  PDH_COMMON_HELP
	  "\n"
	  "Exit codes: 0 success (also with changes pending, unless --detailed-exitcode),\n"
	  "1 error (bad file, missing or refused credentials, API or network failure),\n"
	  "2 changes pending (with --detailed-exitcode).\n" },
	{ "apply", pdh_cmd_apply,
	  "pdhooks apply [-f FILE] [--auto-approve] [--parallelism N] [--force] [--max-deletes N]\n"
	  "              [OPTIONS]",
	  "make the calls the plan shows, then check that nothing is left to do",
	  "Lists the live webhooks, plans and prints the plan, asks for 'yes' (unless\n"
	  "--auto-approve), then creates and deletes webhooks. Creates come first; the old half of\n"
	  "a replace is deleted only once its new webhook exists. Calls are paced by the\n"
	  "x-ratelimit-* headers and retried with back-off on connection errors, 429 and\n"
	  "502/503/504; a create whose answer was lost is re-sent only if a new listing does not\n"
	  "show it. Afterwards the webhooks are listed and planned again to verify.\n"
	  "\n"
	  "Options:\n"
	  "      --auto-approve       apply without asking (required when stdin is not a terminal)\n"
	  "      --parallelism N      calls in flight at once, 1 to 32 (default 4)\n"
	  "      --force              apply even when a safety brake refuses the plan\n"
	  "      --max-deletes N      the safety brake's limit of deletes (default: the file's\n"
	  "                           manage.max_deletes, else 10)\n"
	  PDH_COMMON_HELP
	  "\n"
	  "Ctrl-C lets the calls in flight finish, starts no new one and reports what was done;\n"
	  "a second Ctrl-C stops at once.\n"
	  "\n"
	  "Exit codes: 0 applied and verified, or nothing to do; 1 error (bad file, credentials,\n"
	  "a failed call, no confirmation, or the result does not match the file); 3 refused by\n"
	  "a safety brake, nothing changed; 130 interrupted.\n" },
	{ "validate", pdh_cmd_validate, "pdhooks validate [-f FILE] [-q] [--no-color]",
	  "parse and check the desired-state file, without any network call",
	  "Options:\n"
	  "  -f, --file FILE   the desired-state file (default: pdhooks.yaml)\n"
	  "  -q, --quiet       print only errors: no warnings, no summary line\n"
	  "  --no-color        no colour in diagnostics (also: NO_COLOR set in the environment)\n"
	  "\n"
	  "Every error and warning is printed to stderr as FILE:LINE:COLUMN, with the source line\n"
	  "and a caret. ${VAR} references are resolved from the environment.\n"
	  "\n"
	  "Exit status: 0 when the file is valid (warnings allowed), 1 otherwise.\n" },
	{ "version", pdh_cmd_version, "pdhooks version", "print the version", "" },
	{ "help", pdh_cmd_help, "pdhooks help [COMMAND]", "show help for pdhooks or one command", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

const pdh_cmd *pdh_cmd_find(const char *name)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
