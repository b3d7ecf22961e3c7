#define _GNU_SOURCE /* getopt_long */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

#define S_MAX_TIMEOUT_S 3600.0

void pdh_common_init(pdh_common *o)
{
	memset(o, 0, sizeof(*o));
	o->file = "pdhooks.yaml";
	o->creds.auth = PDH_AUTH_NONE;
}

static int S_timeout(pdh_common *o, const char *arg)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite(s) || s <= 0 ||
	    s > S_MAX_TIMEOUT_S) {
		pdh_cli_error("--timeout wants a number of seconds between 0 and %.0f, not '%s'",
		              S_MAX_TIMEOUT_S, arg);
		return -1;
	}
	o->timeout_ms = (long)ceil(s * 1000.0);
	return 1;
}

int pdh_common_option(pdh_common *o, int opt, const char *arg)
{
	switch (opt) {
	case 'f':
		o->file = arg;
		return 1;
	case PDH_OPT_API_URL:
		o->api_url = arg;
		return 1;
	case PDH_OPT_TOKEN_FILE:
		o->token_file = arg;
		return 1;
	case PDH_OPT_TIMEOUT:
		return S_timeout(o, arg);
	case PDH_OPT_CACERT:
		o->cacert = arg;
		return 1;
	case 'v':
		o->verbose = true;
		return 1;
	case 'q':
		o->quiet = true;
		return 1;
	case PDH_OPT_NO_COLOR:
		o->no_color_flag = true;
		return 1;
	default:
		return 0;
	}
}

int pdh_common_bad_option(const char *command, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (opt == ':')
		pdh_cli_error("%s: option %s needs a value", command, arg);
	else if (optopt != 0 && optopt < 0x100)
		pdh_cli_error("%s: unknown option -%c (see 'pdhooks help %s')", command, optopt,
		              command);
	else
		pdh_cli_error("%s: unknown option %s (see 'pdhooks help %s')", command, arg,
		              command);
	return PDH_EXIT_ERROR;
}

int pdh_common_check_spelling(const char *command, const struct option *longopts,
                              int longindex, char **argv)
{
	const struct option *lo;
	const char *el;
	size_t n;

	if (longindex < 0)
		return 0;
	lo = &longopts[longindex];
	/* The option's own element: before its value when the value came separately. */
	el = argv[optind - 1];
	if (lo->has_arg != no_argument && optarg == argv[optind - 1] && optind >= 2)
		el = argv[optind - 2];
	if (strncmp(el, "--", 2) != 0)
		return 0;
	n = strcspn(el + 2, "=");
	if (strlen(lo->name) == n && strncmp(el + 2, lo->name, n) == 0)
		return 0;
	pdh_cli_error("%s: unknown option %.*s (did you mean --%s? options are spelled in full)",
	              command, (int)(n + 2), el, lo->name);
	return -1;
}

void pdh_common_finish(pdh_common *o)
{
	const char *nc = getenv("NO_COLOR");

	bool allowed = !o->no_color_flag && !(nc && *nc);

	o->color = allowed && isatty(STDOUT_FILENO);
	o->color_err = allowed && isatty(STDERR_FILENO);
}

static void S_log_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

int pdh_common_client_opts(pdh_common *o, pdh_client_opts *out, int *code)
{
	pdh_error err = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pdh_api_url_resolve(&o->resolved_url, o->api_url, getenv("PIPEDRIVE_API_URL"),
	                         getenv("PIPEDRIVE_COMPANY_DOMAIN"), &err);
	if (rc == 0)
		rc = pdh_credentials_resolve(&o->creds, o->token_file, getenv("PIPEDRIVE_API_TOKEN"),
		                             getenv("PIPEDRIVE_OAUTH_TOKEN"), &err);
	if (rc != 0) {
		pdh_cli_error("%s", err.message);
		*code = rc;
		return -1;
	}
	out->api_url = o->resolved_url;
	out->auth = o->creds.auth;
	out->token = o->creds.token;
	out->cacert = o->cacert;
	out->timeout_ms = o->timeout_ms;
	out->log = o->verbose ? S_log_stderr : NULL;
	*code = 0;
	return 0;
}

void pdh_common_dispose(pdh_common *o)
{
	if (o == NULL)
		return;
	free(o->resolved_url);
	o->resolved_url = NULL;
	pdh_credentials_dispose(&o->creds);
}
