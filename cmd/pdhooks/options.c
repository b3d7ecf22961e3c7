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
#include "pdhooks/alloc.h"
#include "pdhooks/limits.h"
#include "pdhooks/api_url.h"
#include "pdhooks/credentials.h"


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
	    s > (double)PDH_TIMEOUT_MAX_S) {
		pdh_cli_error("--timeout wants a number of seconds between 0 and %.0f, not '%s'",
		              (double)PDH_TIMEOUT_MAX_S, arg);
		return -1;
	}
	o->timeout_ms = (long)ceil(s * 1000.0);
	return 1;
}

/* Takes a common option. 1: taken; 0: not a common option; -1: a bad value (error printed). */
static int S_common_option(pdh_common *o, int opt, const char *arg)
{
	switch (opt) {
	case 'f':
		o->file = arg;
		o->file_given = true;
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

/* Reports getopt_long's '?' and ':' results as errors. */
static void S_bad_option(const char *command, int opt, char **argv)
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
}

/* getopt_long takes "--tok" for "--token-file"; pdhooks wants options spelled in full (a
 * "--token VALUE" must never be taken as something else). 0, or -1 with the error printed. */
static int S_check_spelling(const char *command, const struct option *longopts, int longindex,
                            char **argv)
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

/* Decides colour (a terminal, no --no-color, no NO_COLOR). */
static void S_finish(pdh_common *o)
{
	const char *nc = getenv("NO_COLOR");

	bool allowed = !o->no_color_flag && !(nc && *nc);

	o->color = allowed && isatty(STDOUT_FILENO);
	o->color_err = pdh_cli_color_stderr(o->no_color_flag);
}

int pdh_common_parse(pdh_common *o, const char *command, int argc, char **argv,
                     const char *extra_short, const struct option *extra_long,
                     pdh_extra_option_fn on_extra, void *ctx, int *first_arg)
{
	static const struct option common[] = { PDH_COMMON_LONGOPTS };
	size_t n_common = sizeof(common) / sizeof(common[0]), n_extra = 0;
	struct option *longopts;
	char *shortopts;
	int opt, taken, longindex = -1, rc = -1;

	while (extra_long && extra_long[n_extra].name)
		n_extra++;
	longopts = pdh_xcalloc(n_common + n_extra + 1, sizeof(*longopts));
	memcpy(longopts, common, sizeof(common));
	if (n_extra)
		memcpy(longopts + n_common, extra_long, n_extra * sizeof(*longopts));
	shortopts = pdh_xasprintf(":%s%s", PDH_COMMON_SHORTOPTS, extra_short ? extra_short : "");
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, &longindex)) != -1) {
		if (S_check_spelling(command, longopts, longindex, argv) != 0)
			goto done;
		longindex = -1;
		if (opt == '?' || opt == ':') {
			S_bad_option(command, opt, argv);
			goto done;
		}
		taken = S_common_option(o, opt, optarg);
		if (taken < 0)
			goto done;
		if (taken == 0 && (on_extra == NULL || on_extra(opt, optarg, ctx) != 0))
			goto done;
	}
	*first_arg = optind;
	S_finish(o);
	rc = 0;
done:
	free(longopts);
	free(shortopts);
	return rc;
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
