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
	  "              [--max-deletes N] [OPTIONS]",
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
	  PDH_COMMON_HELP
	  "\n"
	  "Ctrl-C lets the calls in flight finish, starts no new one and reports what was done;\n"
	  "a second Ctrl-C stops at once.\n"
	  "\n"
	  "Exit codes: 0 applied and verified, or nothing to do; 1 error (bad file, credentials,\n"
	  "a failed call, no confirmation, or the result does not match the file); 3 refused by\n"
	  "a safety brake, nothing changed; 4 the saved plan is stale, nothing changed;\n"
	  "130 interrupted.\n" },
	{ "validate", pdh_cmd_validate, "pdhooks validate [-f FILE] [--no-env] [-q] [--no-color]",
	  "parse and check the desired-state file, without any network call",
	  "Options:\n"
	  "  -f, --file FILE   the desired-state file (default: pdhooks.yaml)\n"
	  "  --no-env          check ${VAR} references without reading the environment (for pull\n"
	  "                    requests from forks and pre-commit hooks): an unset variable is\n"
	  "                    fine, a malformed reference is not, and a value holding one is\n"
	  "                    not checked further (a URL, user_id: ${PD_USER_ID})\n"
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
	  "${PDHOOKS_PASSWORD_<N>} (N = 1, 2, ... in file order), and a comment says so;\n"
	  "credentials in a URL (userinfo, query values) likewise from ${PDHOOKS_URL_SECRET_<N>}.\n"
	  "The result is loaded before it is written: a webhook whose entry would not load (a\n"
	  "name over 255 bytes, version \"3.0\") is left out with a warning, manage.prune is set\n"
	  "to false so that nothing left out is deleted, and export exits 1.\n"
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
	  "failure, FILE exists or cannot be written, a webhook left out).\n" },
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
