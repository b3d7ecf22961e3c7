#include "cmd.h"
#include "options.h"
#include "pdhooks/export.h"

#include <stddef.h>
#include <string.h>

const pdh_cmd pdh_commands[] = {
	{ "plan", pdh_cmd_plan,
	  "pdhooks plan [-f FILE] [-o PLANFILE] [--format text|json|markdown]\n"
	  "                    [--detailed-exitcode] [--max-deletes N] [OPTIONS]",
	  "list the live webhooks and show the calls that would make them match the file",
	  "Makes one call (GET /webhooks) and changes nothing. The plan goes to stdout,\n"
	  "warnings and errors to stderr.\n"
	  "\n"
	  "Options:\n"
	  "      --format FORMAT      text (default), json (one document described by\n"
	  "                           schemas/plan.schema.json) or markdown (a pull-request\n"
	  "                           comment, at most 60,000 characters)\n"
	  "  -o, --out PLANFILE       also save the plan for 'pdhooks apply PLANFILE' and print\n"
	  "                           its sha256 on stderr; passwords are kept as their ${VAR}\n"
	  "                           reference, never as a value\n"
	  "      --detailed-exitcode  exit 2 when changes are pending, 0 when there are none\n"
	  "      --max-deletes N      the safety brake's limit of deletes (default: the file's\n"
	  "                           manage.max_deletes, else 10)\n"
	  PDH_COMMON_HELP
	  "\n"
	  "Exit codes: 0 success (also with changes pending, unless --detailed-exitcode),\n"
	  "1 error (bad file, missing or refused credentials, API or network failure),\n"
	  "2 changes pending (with --detailed-exitcode).\n" },
	{ "apply", pdh_cmd_apply,
	  "pdhooks apply [-f FILE | PLANFILE] [--auto-approve] [--parallelism N] [--force]\n"
	  "              [--max-deletes N] [--format text|json] [--max-wait SECONDS] [OPTIONS]",
	  "make the calls the plan shows, then check that nothing is left to do",
	  "Lists the live webhooks, plans and prints the plan, asks for 'yes' (unless\n"
	  "--auto-approve), then creates and deletes webhooks. Creates come first; the old half of\n"
	  "a replace is deleted only once its new webhook exists. Calls are paced by the\n"
	  "x-ratelimit-* headers and retried with back-off on connection errors, 429 and\n"
	  "502/503/504; a create whose answer was lost is re-sent only if a new listing does not\n"
	  "show it. Afterwards the webhooks are listed and planned again to verify. Each result\n"
	  "is printed as its call settles; waits for the rate limit are said on stderr. A\n"
	  "replace still refused at the 40-webhook limit after the deletes is done delete-first\n"
	  "(said in the summary: events in between are lost). One apply per API URL and token\n"
	  "at a time on a machine: a second one is refused, naming the first one's pid.\n"
	  "\n"
	  "With PLANFILE (written by 'pdhooks plan -o PLANFILE') it applies that reviewed plan:\n"
	  "it reads the plan's desired file again (its ${VAR} values, passwords included, come\n"
	  "from this environment), lists the live webhooks, and refuses with exit code 4 when the\n"
	  "file changed or reads differently, when the owned live webhooks changed, or when\n"
	  "planning again would not give the saved actions. It uses the options the plan was\n"
	  "made with (--max-deletes is refused) and prints the plan's sha256 on stderr.\n"
	  "\n"
	  "Options:\n"
	  "      --auto-approve       apply without asking (required when stdin is not a terminal)\n"
	  "      --parallelism N      calls in flight at once, 1 to 32 (default 4)\n"
	  "      --force              apply even when a safety brake refuses the plan\n"
	  "      --max-deletes N      the safety brake's limit of deletes (default: the file's\n"
	  "                           manage.max_deletes, else 10); duplicates do not count\n"
	  "      --format FORMAT      text (default), or json: one document on stdout at the\n"
	  "                           end (schemas/apply.schema.json); the plan goes to stderr\n"
	  "      --max-wait SECONDS   the run's wait budget: time spent waiting for the rate\n"
	  "                           limit and before retries (default 60); past it no new\n"
	  "                           call starts and apply exits 5\n"
	  PDH_COMMON_HELP
	  "\n"
	  "Ctrl-C, SIGTERM and SIGHUP let the calls in flight finish, start no new one and\n"
	  "report what was done; a second signal stops at once. A closed stdout does not stop\n"
	  "the apply: it finishes, then exits 1 saying so.\n"
	  "\n"
	  "Exit codes: 0 applied and verified, or nothing to do; 1 error (bad file, credentials,\n"
	  "a failed call, no confirmation, another apply running, or the result does not match\n"
	  "the file); 3 refused by a safety brake, nothing changed; 4 the saved plan is stale,\n"
	  "nothing changed; 5 the API kept failing or the wait budget ran out; 130, 143, 129\n"
	  "interrupted by SIGINT, SIGTERM, SIGHUP.\n" },
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
	{ "export", pdh_cmd_export, "pdhooks export [-o FILE] [--schema REF] [OPTIONS]",
	  "write a desired-state file from the live webhooks",
	  "Lists the live webhooks (one call, GET /webhooks) and writes a desired-state file that\n"
	  "declares every webhook of type general, sorted by event and URL, with manage.urls set\n"
	  "to their origins and their names, version, user_id and http_auth_user kept. Webhooks\n"
	  "of apps and automations are left out, and so is the second of two with the same key.\n"
	  "Passwords are never written: an entry whose webhook has one reads it from\n"
	  "${PDHOOKS_PASSWORD_<N>} (N = 1, 2, ... in file order), and a comment says so.\n"
	  "With those variables set, 'pdhooks plan -f FILE' on the result plans nothing.\n"
	  "\n"
	  "Options:\n"
	  "  -o, --out FILE           write to FILE (which must not exist yet); default: stdout\n"
	  "      --schema REF         the $schema of the editor modeline (default:\n"
	  "                           " PDH_EXPORT_SCHEMA_REF ")\n"
	  PDH_COMMON_HELP
	  "(-f is not used: export reads no desired-state file.)\n"
	  "\n"
	  "Exit codes: 0 success, 1 error (missing or refused credentials, API or network\n"
	  "failure, FILE exists or cannot be written).\n" },
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
