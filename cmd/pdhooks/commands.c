#include "cmd.h"
#include "metrics_out.h"
#include "options.h"
#include "pdhooks/export.h"

#include <stddef.h>
#include <string.h>

const pdh_cmd pdh_commands[] = {
	{ "plan", pdh_cmd_plan,
	  "pdhooks plan [-f FILE] [-o PLANFILE] [--format text|json|markdown]\n"
	  "                    [--detailed-exitcode] [--max-deletes N] [--metrics-file PATH]\n"
	  "                    [OPTIONS]",
	  "list the live webhooks and show the calls that would make them match the file",
	  "Lists the live webhooks (GET /webhooks, retried on connection errors, 429 and\n"
	  "502/503/504) and changes nothing. The plan goes to stdout, warnings and errors to\n"
	  "stderr. It names every owned webhook whose last delivery failed (Pipedrive deletes a\n"
	  "webhook after 3 days without a successful delivery).\n"
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
	  PDH_METRICS_HELP
	  PDH_COMMON_HELP
	  "\n"
	  "Exit codes: 0 success (also with changes pending, unless --detailed-exitcode),\n"
	  "1 error (bad file, missing or refused credentials, an API error that retrying does\n"
	  "not change), 2 changes pending (with --detailed-exitcode), 5 could not check: the API\n"
	  "stayed unreachable or kept failing (network, 5xx, 429) after the retries.\n" },
	{ "apply", pdh_cmd_apply,
	  "pdhooks apply [-f FILE | PLANFILE] [--auto-approve] [--parallelism N] [--force]\n"
	  "              [--max-deletes N] [--metrics-file PATH] [OPTIONS]",
	  "make the calls the plan shows, then check that nothing is left to do",
	  "Lists the live webhooks, plans and prints the plan, asks for 'yes' (unless\n"
	  "--auto-approve), then creates and deletes webhooks. Creates come first; the old half of\n"
	  "a replace is deleted only once its new webhook exists. Calls are paced by the\n"
	  "x-ratelimit-* headers and retried with back-off on connection errors, 429 and\n"
	  "502/503/504; a create whose answer was lost is re-sent only if a new listing does not\n"
	  "show it. Afterwards the webhooks are listed and planned again to verify.\n"
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
	  "                           manage.max_deletes, else 10)\n"
	  PDH_METRICS_HELP
	  PDH_COMMON_HELP
	  "\n"
	  "Ctrl-C lets the calls in flight finish, starts no new one and reports what was done;\n"
	  "a second Ctrl-C stops at once.\n"
	  "\n"
	  "Exit codes: 0 applied and verified, or nothing to do; 1 error (bad file, credentials,\n"
	  "a failed call, no confirmation, or the result does not match the file); 3 refused by\n"
	  "a safety brake, nothing changed; 4 the saved plan is stale, nothing changed; 5 could\n"
	  "not check: the first listing kept failing (network, 5xx, 429) after the retries,\n"
	  "nothing changed; 130 interrupted.\n" },
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
	  "Lists the live webhooks (GET /webhooks, retried) and writes a desired-state file that\n"
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
	  "Exit codes: 0 success, 1 error (missing or refused credentials, an API error, FILE\n"
	  "exists or cannot be written), 5 could not check: the API stayed unreachable or kept\n"
	  "failing (network, 5xx, 429) after the retries.\n" },
	{ "status", pdh_cmd_status,
	  "pdhooks status [-f FILE] [--format text|json] [--detailed-exitcode]\n"
	  "                      [--metrics-file PATH] [OPTIONS]",
	  "show the delivery health of every webhook the file owns",
	  "Lists the live webhooks (GET /webhooks, retried) and prints every webhook the file\n"
	  "owns with its health: ok (last delivery answered 2xx), failing (answered otherwise, or\n"
	  "not at all), never (no delivery yet) or inactive (is_active 0), then the counts and\n"
	  "the number of foreign webhooks. Pipedrive deletes a webhook after 3 days without a\n"
	  "successful delivery: status warns before that. Changes nothing.\n"
	  "\n"
	  "Options:\n"
	  "      --format FORMAT      text (default) or json (one document described by\n"
	  "                           schemas/status.schema.json)\n"
	  "      --detailed-exitcode  exit 2 when a webhook is failing or inactive\n"
	  PDH_METRICS_HELP
	  PDH_COMMON_HELP
	  "\n"
	  "Exit codes: 0 success (also with failing webhooks, unless --detailed-exitcode),\n"
	  "1 error (bad file, missing or refused credentials, an API error), 2 a webhook is\n"
	  "failing or inactive (with --detailed-exitcode), 5 could not check: the API stayed\n"
	  "unreachable or kept failing (network, 5xx, 429) after the retries.\n" },
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
