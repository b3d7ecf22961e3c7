#define _GNU_SOURCE /* getopt_long */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pdhooks/alloc.h"
#include "pdhooks/api_url.h"
#include "pdhooks/credentials.h"

void pdh_common_init(pdh_common *o)
{
	memset(o, 0, sizeof(*o));
	for (const pdh_opt_spec *s = pdh_opt_table; s->name; s++) {
		char *field = (char *)o + s->offset;

		switch (s->kind) {
		case PDH_OPT_STRING:
		case PDH_OPT_PATH:
		case PDH_OPT_DIR:
			*(const char **)(void *)field = s->def_str;
			break;
		case PDH_OPT_INT:
		case PDH_OPT_ENUM:
			*(int *)(void *)field = (int)s->def;
			break;
		case PDH_OPT_FLAG:
		case PDH_OPT_SECONDS:  /* 0: the client's default */
		case PDH_OPT_LIST:     /* empty */
			break;
		}
	}
	o->creds.auth = PDH_AUTH_NONE;
}

static int S_parse_seconds(const pdh_opt_spec *s, const char *arg, long *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v <= 0 ||
	    v > (double)s->max) {
		pdh_cli_error("--%s wants a number of seconds over 0 and at most %ld, not '%s'", s->name,
		              s->max, arg);
		return -1;
	}
	*out = (long)ceil(v * 1000.0);
	return 0;
}

static int S_parse_enum(const pdh_opt_spec *s, const char *arg, int *out)
{
	char expected[256] = "";
	size_t n = 0;

	for (int i = 0; s->values[i]; i++) {
		if (strcmp(arg, s->values[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	/* "a, b or c" */
	for (int i = 0; s->values[i] && n < sizeof(expected); i++)
		n += (size_t)snprintf(expected + n, sizeof(expected) - n, "%s%s",
		                      i == 0 ? "" : s->values[i + 1] ? ", " : " or ", s->values[i]);
	pdh_cli_error("--%s '%s': expected %s", s->name, arg, expected);
	return -1;
}

int pdh_cli_parse_int(const char *name, const char *arg, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < min || v > max || v > INT_MAX) {
		if (max >= INT_MAX)
			pdh_cli_error("%s wants a whole number of %ld or more, not '%s'", name, min, arg);
		else
			pdh_cli_error("%s wants a whole number from %ld to %ld, not '%s'", name, min, max,
			              arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Stores option s (with its value arg, NULL for flags) into o. 0, or -1 with the error
 * printed. */
static int S_store(pdh_common *o, const pdh_opt_spec *s, const char *arg)
{
	char *field = (char *)o + s->offset;
	char name[64];
	int rc = 0;

	switch (s->kind) {
	case PDH_OPT_FLAG:
		*(bool *)(void *)field = true;
		break;
	case PDH_OPT_STRING:
	case PDH_OPT_PATH:
	case PDH_OPT_DIR:
		*(const char **)(void *)field = arg;
		break;
	case PDH_OPT_INT:
		snprintf(name, sizeof(name), "--%s", s->name);
		rc = pdh_cli_parse_int(name, arg, s->min, s->max, (int *)(void *)field);
		break;
	case PDH_OPT_SECONDS:
		rc = S_parse_seconds(s, arg, (long *)(void *)field);
		break;
	case PDH_OPT_ENUM:
		rc = S_parse_enum(s, arg, (int *)(void *)field);
		break;
	case PDH_OPT_LIST: {
		pdh_opt_list *l = (pdh_opt_list *)(void *)field;

		l->items = pdh_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
		l->items[l->n++] = arg;
		break;
	}
	}
	if (rc == 0 && s->given)
		*(bool *)(void *)((char *)o + s->given - 1) = true;
	return rc;
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

/* After the options: -C's directory, the desired file's default ($PDHOOKS_FILE) and -f -,
 * and colour. 0, or -1 with the error printed. */
static int S_finish(pdh_common *o, const char *command)
{
	const char *env_file = getenv("PDHOOKS_FILE");

	if (o->directory && chdir(o->directory) != 0) {
		pdh_cli_error("%s: cannot change to directory %s: %s", command, o->directory,
		              strerror(errno));
		return -1;
	}
	if (!o->file_given && env_file && *env_file)
		o->file = env_file;
	if (o->file && strcmp(o->file, "-") == 0) {
		o->file = PDH_CLI_STDIN_NAME;
		o->file_stdin = true;
	}
	o->color = pdh_cli_color(o->color_mode, o->no_color_flag, STDOUT_FILENO);
	o->color_err = pdh_cli_color(o->color_mode, o->no_color_flag, STDERR_FILENO);
	return 0;
}

/* getopt_long's val for a row: its alias, or a code above any character. */
#define S_LONG_ONLY 0x100

int pdh_common_parse(pdh_common *o, pdh_cmd_id id, int argc, char **argv, int *first_arg)
{
	const char *command = pdh_cmd_name(id);
	const pdh_opt_spec *s;
	struct option *longopts;
	char *shortopts, *sp;
	size_t n = 0;
	int opt, longindex = -1, rc = -1;

	for (s = pdh_opt_next(id, NULL); s; s = pdh_opt_next(id, s))
		n++;
	longopts = pdh_xcalloc(n + 1, sizeof(*longopts));
	/* ':' first: a missing value is reported as ':'. Each alias with its ':'. */
	shortopts = sp = pdh_xcalloc(2 * n + 2, 1);
	*sp++ = ':';
	n = 0;
	for (s = pdh_opt_next(id, NULL); s; s = pdh_opt_next(id, s), n++) {
		longopts[n].name = s->name;
		longopts[n].has_arg = pdh_opt_takes_value(s) ? required_argument : no_argument;
		longopts[n].val = s->alias ? s->alias : S_LONG_ONLY + (int)(s - pdh_opt_table);
		if (s->alias) {
			*sp++ = s->alias;
			if (pdh_opt_takes_value(s))
				*sp++ = ':';
		}
	}
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
		s = opt >= S_LONG_ONLY ? &pdh_opt_table[opt - S_LONG_ONLY]
		                       : pdh_opt_find(id, NULL, (char)opt);
		if (s == NULL || S_store(o, s, optarg) != 0)
			goto done;
	}
	*first_arg = optind;
	if (S_finish(o, command) != 0)
		goto done;
	rc = 0;
done:
	free(longopts);
	free(shortopts);
	return rc;
}

int pdh_common_parse_no_args(pdh_common *o, pdh_cmd_id id, int argc, char **argv,
                             const char *hint)
{
	int first;

	if (pdh_common_parse(o, id, argc, argv, &first) != 0)
		return -1;
	if (first < argc) {
		pdh_cli_error("%s: unexpected argument '%s' (%s)", pdh_cmd_name(id), argv[first], hint);
		return -1;
	}
	return 0;
}

static void S_tell_wait(void *ctx, long ms, const char *what)
{
	(void)ctx;
	pdh_cli_tell_wait(ms, what);
}

void pdh_common_listing_opts(const pdh_common *o, pdh_listing_opts *out)
{
	memset(out, 0, sizeof(*out));
	if (!o->quiet)
		out->on_wait = S_tell_wait;
	out->retry.max_total_ms = o->max_wait_ms;
}

int pdh_common_client_opts(pdh_common *o, pdh_client_opts *out, int *code)
{
	pdh_error err = { 0 };
	bool first = o->resolved_url == NULL;
	unsigned mode;
	int rc;

	memset(out, 0, sizeof(*out));
	free(o->resolved_url);   /* a second call resolves again */
	o->resolved_url = NULL;
	pdh_credentials_dispose(&o->creds);
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
	if (first && !o->quiet && o->token_file && pdh_token_file_exposed(o->token_file, &mode))
		pdh_cli_warning("--token-file %s can be read by its group or others (mode %03o); "
		                "chmod 600 it", o->token_file, mode);
	out->api_url = o->resolved_url;
	out->auth = o->creds.auth;
	out->token = o->creds.token;
	out->cacert = o->cacert;
	out->session = pdh_common_session(o);
	out->timeout_ms = o->timeout_ms;
	out->log = o->verbose ? pdh_cli_log_stderr : NULL;
	*code = 0;
	return 0;
}

pdh_session *pdh_common_session(pdh_common *o)
{
	pdh_session_opts so = { o->cacert, 0 };
	pdh_error err = { 0 };

	if (o->session == NULL && pdh_session_new(&o->session, &so, &err) != 0)
		pdh_cli_error("%s", err.message);
	return o->session;
}

void pdh_common_dispose(pdh_common *o)
{
	if (o == NULL)
		return;
	pdh_session_free(o->session);
	o->session = NULL;
	free(o->resolved_url);
	o->resolved_url = NULL;
	pdh_credentials_dispose(&o->creds);
	for (const pdh_opt_spec *s = pdh_opt_table; s->name; s++)
		if (s->kind == PDH_OPT_LIST) {
			pdh_opt_list *l = (pdh_opt_list *)(void *)((char *)o + s->offset);

			free(l->items);
			l->items = NULL;
			l->n = 0;
		}
}
