/* The command table: each command's name, function and the prose of its help. Options are in
 * the option table (opt_table.c). */
#include "cmd.h"
#include "options.h"

#include <stddef.h>
#include <string.h>

/* For the commands with a fleet mode. */
#define S_FLEET_NOTE \
	"With --fleet FLEETFILE it works on every selected account of the fleet file, up to\n" \
	"--concurrency at once, one failing account never stopping the others; the report\n" \
	"shows each account's plan under a header naming it, then a table and a line\n" \
	"'Fleet: N in sync, N with changes, N failed (N accounts; N API calls,\n" \
	"N tokens).'\n"
#define S_FLEET_EXIT \
	"With --fleet: 1 if any account had an error or is closed (its Pipedrive account not\n" \
	"open: 402), else 5 if any could not be checked,\n" \
	"else 3 if any was refused by a brake, else 4 if any saved plan is stale, else 2\n" \
	"(with --detailed-exitcode) if any has changes, else 0.\n"

/* For the commands that talk to the API. */
#define S_CREDENTIALS_NOTE \
	"Credentials: --token-file PATH, else PIPEDRIVE_OAUTH_TOKEN (sent as\n" \
	"Authorization: Bearer) or PIPEDRIVE_API_TOKEN (sent as x-api-token); never on the\n" \
	"command line. Setting both variables is an error.\n"

const pdh_cmd pdh_commands[] = {
	{ "plan", PDH_CMD_PLAN, pdh_cmd_plan, NULL,
	  "list the live webhooks and show the calls that would make them match the file",
	  "Lists the live webhooks (GET /webhooks, retried on connection errors, 429 and\n"
	  "502/503/504) and changes nothing. The plan goes to stdout, warnings and errors to\n"
	  "stderr. It names every owned webhook whose last delivery failed (Pipedrive deletes a\n"
	  "webhook after 3 days without a successful delivery).\n"
	  "\n"
	  "Every plan names its target: the API URL and the company, the company_id of the\n"
	  "listing or, for an empty company, the one GET /users/me answers (asked only then,\n"
	  "once; JSON: \"target\"). A plan whose company cannot be asked is shown with a\n"
	  "warning; -o saves no such plan (exit 5 while the API keeps failing, else 1).\n"
	  "\n"
	  "Only webhooks of a type in manage.types are touched: by default general with an API\n"
	  "token, general and application (a Marketplace app's own) with an OAuth token;\n"
	  "automation never. The plan's first line says which; foreign webhooks say why.\n"
	  "An OAuth token needs the webhooks:read scope to plan, webhooks:full to apply.\n"
	  "A pull request's plan needs the credential the apply uses: a read-only one sees\n"
	  "other webhooks (an API token has its user's rights; a second app sees only its\n"
	  "own), so its plan would be wrong. Keep that credential safe in CI instead\n"
	  "(protected environments, no secrets for forks); 'validate --no-env' needs none.\n",
	  S_CREDENTIALS_NOTE
	  "\n"
	  S_FLEET_NOTE
	  "\n"
	  "Exit codes: 0 success (also with changes pending, unless --detailed-exitcode),\n"
	  "1 error (bad file, missing or refused credentials, an API error that retrying does\n"
	  "not change), 2 changes pending (with --detailed-exitcode), 5 could not check: the API\n"
	  "stayed unreachable or kept failing (network, 5xx, 429) after the retries.\n"
	  S_FLEET_EXIT },
	{ "apply", PDH_CMD_APPLY, pdh_cmd_apply, "[PLANFILE]",
	  "make the calls the plan shows, then check that nothing is left to do",
	  "Lists the live webhooks, plans and prints the plan, asks for 'yes' (unless\n"
	  "--auto-approve), then creates and deletes webhooks. Creates come first; the old half of\n"
	  "a replace is deleted only once its new webhook exists. Calls are paced by the\n"
	  "x-ratelimit-* headers and retried with back-off on connection errors, 429 and\n"
	  "502/503/504; a create whose answer was lost is re-sent only if a new listing does not\n"
	  "show it. Afterwards the webhooks are listed and planned again to verify. Each result\n"
	  "is printed as its call settles; waits for the rate limit are said on stderr. A\n"
	  "replace still refused at the 40-webhook limit after the deletes is done delete-first\n"
	  "(said in the summary: events in between are lost); a 422 whose text does not name\n"
	  "the limit, with the user under 40, is a failed create. If the create still fails\n"
	  "after a delete-first, the old webhook is made again from its listed fields (no\n"
	  "password). One apply per token (so per company, however the API URL is spelled)\n"
	  "at a time on a machine: a second one is refused, naming the first one's pid.\n"
	  "\n"
	  "With PLANFILE (written by 'pdhooks plan -o PLANFILE') it applies that reviewed plan:\n"
	  "it reads the plan's desired file again (its ${VAR} values, passwords included, come\n"
	  "from this environment), lists the live webhooks, and refuses with exit code 4 when the\n"
	  "file changed or reads differently, when the owned live webhooks changed, or when\n"
	  "planning again would not give the saved actions, and with exit code 1, before any\n"
	  "write, a plan made for another company (another API URL, or credentials of another\n"
	  "company: the listing's company_id, or GET /users/me's when it is empty; nothing is\n"
	  "applied when that cannot be asked). It prints the plan's sha256 on\n"
	  "stderr. The brake's bound is apply's --max-deletes, else the file's\n"
	  "manage.max_deletes (lowered to the plan's --max-deletes when that was lower), never\n"
	  "a number read from the plan file.\n",
	  S_CREDENTIALS_NOTE
	  "\n"
	  "Ctrl-C, SIGTERM and SIGHUP let the calls in flight finish, start no new one and\n"
	  "report what was done; a second signal stops at once. A closed stdout does not stop\n"
	  "the apply: it finishes, then exits 1 saying so.\n"
	  "\n"
	  S_FLEET_NOTE
	  "It asks once for the whole fleet; brakes hold per account (a refused account does not\n"
	  "stop the others); --canary N applies the first N accounts first and the rest only if\n"
	  "they all converged. With --fleet, PLANFILE is the directory 'plan --fleet F -o DIR'\n"
	  "wrote: each account's DIR/ACCOUNT.json is applied, and only the stale ones refused.\n"
	  "Every selected account is listed first: two that manage one company's general\n"
	  "webhooks (the same API URL and token, or the same company_id with an API token,\n"
	  "or an OAuth token whose manage.types lists general) are both refused as errors,\n"
	  "naming each other, before any write; 'plan --fleet' shows the same refusal.\n"
	  "\n"
	  "Exit codes: 0 applied and verified, or nothing to do; 1 error (bad file, credentials,\n"
	  "a failed call, no confirmation, another apply running, or the result does not match\n"
	  "the file); 3 refused by a safety brake, nothing changed; 4 the saved plan is stale,\n"
	  "nothing changed; 5 the API kept failing or the wait budget ran out; 130, 143, 129\n"
	  "interrupted by SIGINT, SIGTERM, SIGHUP.\n"
	  S_FLEET_EXIT },
	{ "validate", PDH_CMD_VALIDATE, pdh_cmd_validate, NULL,
	  "parse and check the desired-state file, without any network call",
	  NULL,
	  "Every error and warning is printed to stderr as FILE:LINE:COLUMN, with the source line\n"
	  "and a caret. ${VAR} references are resolved from the environment; with --no-env they\n"
	  "are checked without reading it (for pull requests from forks and pre-commit hooks):\n"
	  "an unset variable is fine, a malformed reference is not, and a value holding one is\n"
	  "not checked further (a URL, user_id: ${PD_USER_ID}). With -q only errors are\n"
	  "printed: no warnings, no summary line.\n"
	  "\n"
	  "With --fleet FLEETFILE it checks the fleet file and each selected account's desired\n"
	  "file, rendered with the account's vars (then the environment).\n"
	  "\n"
	  "Exit status: 0 when the file is valid (warnings allowed), 1 otherwise.\n" },
	{ "export", PDH_CMD_EXPORT, pdh_cmd_export, NULL,
	  "write a desired-state file from the live webhooks",
	  "Lists the live webhooks (GET /webhooks, retried) and writes a desired-state file that\n"
	  "declares every webhook of the types plan manages with the same credentials (general;\n"
	  "with an app's OAuth token also the app's own application webhooks), sorted by event\n"
	  "and URL, with manage.urls set to their origins and their names, version, user_id and\n"
	  "http_auth_user kept. Automations (and, with an API token, apps' webhooks) are left\n"
	  "out, and so is the second of two with the same key.\n"
	  "Passwords are never written: an entry whose webhook has one reads it from\n"
	  "${PDHOOKS_PASSWORD_<N>} (N = 1, 2, ... in file order), and a comment says so;\n"
	  "credentials in a URL (userinfo, query values) likewise from ${PDHOOKS_URL_SECRET_<N>}.\n"
	  "The result is loaded before it is written: a webhook whose entry would not load (a\n"
	  "name over 255 characters, version \"3.0\") is left out with a warning, manage.prune is set\n"
	  "to false so that nothing left out is deleted, and export exits 1.\n"
	  "With those variables set, 'pdhooks plan -f FILE' on the result plans nothing.\n",
	  S_CREDENTIALS_NOTE
	  "\n"
	  "Exit codes: 0 success, 1 error (missing or refused credentials, an API error, FILE\n"
	  "exists or cannot be written, a webhook left out), 5 could not check: the API stayed\n"
	  "unreachable or kept failing (network, 5xx, 429) after the retries.\n" },
	{ "status", PDH_CMD_STATUS, pdh_cmd_status, NULL,
	  "show the delivery health of every webhook the file owns",
	  "Lists the live webhooks (GET /webhooks, retried) and prints every webhook the file\n"
	  "owns with its health: ok (last delivery answered 2xx), failing (answered otherwise, or\n"
	  "not at all), never (no delivery yet) or inactive (is_active 0), then the counts and\n"
	  "the number of foreign webhooks. Pipedrive deletes a webhook after 3 days without a\n"
	  "successful delivery: status warns before that. Changes nothing; an OAuth token needs\n"
	  "only the webhooks:read scope.\n",
	  S_CREDENTIALS_NOTE
	  "\n"
	  "Exit codes: 0 success (also with failing webhooks, unless --detailed-exitcode),\n"
	  "1 error (bad file, missing or refused credentials, an API error), 2 a webhook is\n"
	  "failing or inactive (with --detailed-exitcode), 5 could not check: the API stayed\n"
	  "unreachable or kept failing (network, 5xx, 429) after the retries.\n"
	  "With --fleet: every selected account's health, then a table and 'Fleet: N healthy,\n"
	  "N unhealthy, N failed (N accounts; N API calls, N tokens).'; --metrics-file holds\n"
	  "every account's metrics with the label account=\"NAME\". Exit code as for\n"
	  "'plan --fleet'.\n" },
	{ "merge", PDH_CMD_MERGE, pdh_cmd_merge, "REPORT.json...",
	  "join the JSON reports of a fleet's shards into one report",
	  "Reads the reports that 'pdhooks plan --fleet F --shard I/N --format json' (or apply)\n"
	  "wrote, one per shard, and prints one report of the whole fleet, accounts in the fleet\n"
	  "file's order. Refuses a missing or repeated shard, reports of different fleet\n"
	  "files (fleet_sha256) or commands, and, by each report's 'selection', a report\n"
	  "that lost or gained an account, an account in the wrong shard, and shards that\n"
	  "together are not the fleet's selection. '-' reads a report from stdin.\n",
	  "Exit codes: the fleet's (see 'pdhooks help plan'); 1 when the reports do not merge.\n" },
	{ "version", PDH_CMD_VERSION, pdh_cmd_version, NULL, "print the version", NULL,
	  "With --json: {\"version\": ..., \"commit\": ..., \"libcurl\": ..., \"tls\": ...}, the\n"
	  "commit pdhooks was built from (\"unknown\" when it was built outside git) and the\n"
	  "libcurl and TLS library it runs with (tls is null when libcurl has none).\n" },
	{ "help", PDH_CMD_HELP, pdh_cmd_help, "[COMMAND]", "show help for pdhooks or one command",
	  NULL, NULL },
	{ "completion", PDH_CMD_COMPLETION, pdh_cmd_completion, "bash|zsh|fish",
	  "print a shell completion script",
	  "Writes to stdout the completion script of SHELL, made from pdhooks' own table of\n"
	  "commands and options: commands, each command's options, the values of --format and\n"
	  "--color, files after -f, -o and the other options that name a file, directories\n"
	  "after -C.\n",
	  "To load it:\n"
	  "  bash:  pdhooks completion bash > ~/.local/share/bash-completion/completions/pdhooks\n"
	  "  zsh:   pdhooks completion zsh > ~/.zfunc/_pdhooks  (with ~/.zfunc in $fpath)\n"
	  "  fish:  pdhooks completion fish > ~/.config/fish/completions/pdhooks.fish\n"
	  "The Debian package installs all three.\n" },
	{ NULL, PDH_CMD_COUNT, NULL, NULL, NULL, NULL, NULL }
};

/* The commands whose arguments are no files; every other command with arguments (its .args)
 * takes files, one without takes none. */
static const struct {
	pdh_cmd_id id;
	pdh_args_kind kind;
	const char *const *words;
} S_args[] = {
	{ PDH_CMD_HELP, PDH_ARGS_COMMAND, NULL },
	{ PDH_CMD_COMPLETION, PDH_ARGS_WORDS, pdh_completion_shells },
};

void pdh_cli_row(pdh_cli_command *row, const pdh_cmd *c)
{
	memset(row, 0, sizeof(*row));
	row->name = c->name;
	row->bit = PDH_ON(c->id);
	row->args = c->args;
	row->summary = c->summary;
	row->args_kind = c->args && *c->args ? PDH_ARGS_FILES : PDH_ARGS_NONE;
	for (size_t i = 0; i < sizeof(S_args) / sizeof(S_args[0]); i++)
		if (S_args[i].id == c->id) {
			row->args_kind = S_args[i].kind;
			row->words = S_args[i].words;
		}
}

void pdh_cli_rows(pdh_cli_command rows[PDH_CMD_COUNT + 1])
{
	size_t n = 0;

	for (const pdh_cmd *c = pdh_commands; c->name && n < PDH_CMD_COUNT; c++)
		pdh_cli_row(&rows[n++], c);
	memset(&rows[n], 0, sizeof(rows[n]));
}

const pdh_cmd *pdh_cmd_find(const char *name)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const pdh_cmd *pdh_cmd_get(pdh_cmd_id id)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		if (c->id == id)
			return c;
	return NULL;
}

const char *pdh_cmd_name(pdh_cmd_id id)
{
	const pdh_cmd *c = pdh_cmd_get(id);

	return c ? c->name : "pdhooks";
}
