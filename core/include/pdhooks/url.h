/* URLs as pdhooks needs them: subscription URLs (validated, normalised for the identity key,
 * redacted for output) and the API base URL (scheme and loopback checks). */
#ifndef PDHOOKS_URL_H
#define PDHOOKS_URL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pdh_url {
	char *scheme;    /* lower-cased */
	char *userinfo;  /* NULL when absent */
	char *host;      /* lower-cased; IPv6 without the brackets */
	char *port;      /* NULL when absent */
	char *path;      /* "" when absent */
	char *query;     /* NULL when absent; without the '?' */
	char *fragment;  /* NULL when absent; without the '#' */
} pdh_url;

/* Parses an absolute URL "scheme://[userinfo@]host[:port][/path][?query][#fragment]".
 * Returns 0, or -1 with a short reason in *why (static string) when it is not one. */
int pdh_url_parse(pdh_url *out, const char *s, const char **why);
void pdh_url_dispose(pdh_url *u);

/* The comparison form: scheme and host lower-cased, default port dropped, empty path as "/";
 * path, query and trailing slash kept as written. Caller frees. NULL when s does not parse. */
char *pdh_url_normalize(const char *s);
/* The same text with userinfo and every query value replaced by "***". Caller frees.
 * A string that does not parse comes back as "(invalid URL)". */
char *pdh_url_redact(const char *s);
/* "scheme://host[:port]/" of s, normalised. Caller frees; NULL when s does not parse. */
char *pdh_url_origin(const char *s);

bool pdh_url_host_is_loopback(const char *host);
/* pipedrive.com and every host below it. */
bool pdh_url_host_is_pipedrive(const char *host);

#endif
