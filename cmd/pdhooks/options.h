/* The options plan, apply and export share: the desired file, where the API is, credentials,
 * timeouts and output. A command calls pdh_common_parse() with its own options added. */
#ifndef PDHOOKS_CLI_OPTIONS_H
#define PDHOOKS_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

#include "pdhooks/client.h"

/* Long-only options get codes above any character. */
enum {
	PDH_OPT_API_URL = 0x100,
	PDH_OPT_TOKEN_FILE,
	PDH_OPT_TIMEOUT,
	PDH_OPT_CACERT,
	PDH_OPT_NO_COLOR,
	PDH_OPT_COMMON_END   /* commands number their own long options from here */
};

#define PDH_COMMON_SHORTOPTS "f:vq"
#define PDH_COMMON_LONGOPTS                                            \
	{ "file", required_argument, NULL, 'f' },                      \
	{ "api-url", required_argument, NULL, PDH_OPT_API_URL },       \
	{ "token-file", required_argument, NULL, PDH_OPT_TOKEN_FILE }, \
	{ "timeout", required_argument, NULL, PDH_OPT_TIMEOUT },       \
	{ "cacert", required_argument, NULL, PDH_OPT_CACERT },         \
	{ "verbose", no_argument, NULL, 'v' },                         \
	{ "quiet", no_argument, NULL, 'q' },                           \
	{ "no-color", no_argument, NULL, PDH_OPT_NO_COLOR }

/* Help text for the common options, to end each command's help. */
#define PDH_COMMON_HELP \
	"  -f, --file FILE          the desired-state file (default: pdhooks.yaml)\n" \
	"      --api-url URL        the API base URL (env PIPEDRIVE_API_URL; with\n" \
	"                           PIPEDRIVE_COMPANY_DOMAIN=acme:\n" \
	"                           https://acme.pipedrive.com/api/v1; default\n" \
	"                           https://api.pipedrive.com/v1); http:// only to localhost\n" \
	"      --token-file PATH    read the API token from the first line of PATH (a line\n" \
	"                           \"Bearer TOKEN\" means an OAuth token)\n" \
	"      --timeout SECONDS    give up on an HTTP call after SECONDS (default 30)\n" \
	"      --cacert PATH        trust the CA certificates in PATH (a private CA)\n" \
	"  -v, --verbose            one line per HTTP call on stderr: method, path, status, time\n" \
	"  -q, --quiet              no warnings or notes on stderr, only errors\n" \
	"      --no-color           no colour (also when NO_COLOR is set or stdout is no\n" \
	"                           terminal)\n" \
	"\n" \
	"Credentials: --token-file PATH, else PIPEDRIVE_OAUTH_TOKEN (sent as\n" \
	"Authorization: Bearer) or PIPEDRIVE_API_TOKEN (sent as x-api-token); never on the\n" \
	"command line. Setting both variables is an error.\n"

typedef struct pdh_common {
	const char *file;        /* -f; "pdhooks.yaml" */
	bool file_given;         /* -f was on the command line */
	const char *api_url;     /* --api-url; NULL: the environment decides */
	const char *token_file;
	const char *cacert;
	long timeout_ms;         /* 0: the client's default */
	bool verbose;
	bool quiet;
	bool color;              /* for stdout: a terminal, no --no-color, no NO_COLOR */
	bool color_err;          /* for stderr (diagnostics) */
	bool no_color_flag;
	/* Filled by pdh_common_client_opts; released by pdh_common_dispose. */
	char *resolved_url;
	pdh_credentials creds;
} pdh_common;

/* A command's own option: 0, or -1 after printing an error. */
typedef int (*pdh_extra_option_fn)(int opt, const char *arg, void *ctx);

void pdh_common_init(pdh_common *o);
/* Parses argv (argv[0] is the command's name) with getopt_long: the common options into o,
 * the command's own (extra_short like "o:", extra_long ending with a zeroed entry and using
 * codes from PDH_OPT_COMMON_END; both may be NULL) through on_extra. *first_arg gets the index
 * of the first argument that is not an option (argc when none). 0, or -1 with the error
 * printed. Colours are decided then. */
int pdh_common_parse(pdh_common *o, const char *command, int argc, char **argv,
                     const char *extra_short, const struct option *extra_long,
                     pdh_extra_option_fn on_extra, void *ctx, int *first_arg);
/* Resolves the API URL and the credentials (no network) into client options that borrow
 * from o. On failure prints the error and returns -1 with the core code in *code. */
int pdh_common_client_opts(pdh_common *o, pdh_client_opts *out, int *code);
void pdh_common_dispose(pdh_common *o);

#endif
