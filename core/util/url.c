#include "pdhooks/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

static char *S_lower(char *s)
{
	for (char *p = s; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

void pdh_url_dispose(pdh_url *u)
{
	if (u == NULL)
		return;
	PDH_FREE_ALL(u->scheme, u->userinfo, u->host, u->port, u->path, u->query, u->fragment);
	memset(u, 0, sizeof(*u));
}

int pdh_url_parse(pdh_url *out, const char *s, const char **why)
{
	const char *p, *auth, *auth_end, *at, *host, *host_end, *port = NULL;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		return *why = "empty URL", -1;
	for (p = s; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return *why = "URL contains a space or control character", -1;
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!isalpha((unsigned char)s[0]))
		return *why = "not an absolute URL (no scheme)", -1;
	for (p = s; isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'; p++)
		;
	if (strncmp(p, "://", 3) != 0)
		return *why = "not an absolute URL (expected scheme://host)", -1;
	out->scheme = S_lower(pdh_xstrndup(s, (size_t)(p - s)));
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (p = auth; p < auth_end; p++)
		if (*p == '@')
			at = p;
	host = auth;
	if (at) {
		out->userinfo = pdh_xstrndup(auth, (size_t)(at - auth));
		host = at + 1;
	}
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(auth_end - host));
		if (close == NULL)
			goto bad_host;
		out->host = pdh_xstrndup(host + 1, (size_t)(close - host - 1));
		host_end = close + 1;
		if (host_end < auth_end) {
			if (*host_end != ':')
				goto bad_host;
			port = host_end + 1;
		}
	} else {
		host_end = host;
		while (host_end < auth_end && *host_end != ':')
			host_end++;
		out->host = pdh_xstrndup(host, (size_t)(host_end - host));
		if (host_end < auth_end)
			port = host_end + 1;
	}
	if (out->host[0] == '\0') {
		pdh_url_dispose(out);
		return *why = "URL has no host", -1;
	}
	for (p = out->host; *p; p++) {
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_' || *p == ':' ||
		      (unsigned char)*p >= 0x80))
			goto bad_host;
	}
	S_lower(out->host);
	if (port) {
		if (port == auth_end) {
			/* "host:" with an empty port is allowed by RFC 3986 and means the default. */
		} else {
			long n = 0;
			for (p = port; p < auth_end; p++) {
				if (!isdigit((unsigned char)*p) || (n = n * 10 + (*p - '0')) > 65535) {
					pdh_url_dispose(out);
					return *why = "URL has an invalid port", -1;
				}
			}
			if (n == 0) {
				pdh_url_dispose(out);
				return *why = "URL has an invalid port", -1;
			}
			/* As a number: ":0443" is port 443, the default of https. */
			out->port = pdh_xasprintf("%ld", n);
		}
	}
	p = auth_end;
	{
		size_t n = strcspn(p, "?#");
		out->path = pdh_xstrndup(p, n);
		p += n;
	}
	if (*p == '?') {
		size_t n = strcspn(p + 1, "#");
		out->query = pdh_xstrndup(p + 1, n);
		p += 1 + n;
	}
	if (*p == '#')
		out->fragment = pdh_xstrdup(p + 1);
	return 0;

bad_host:
	pdh_url_dispose(out);
	return *why = "URL has an invalid host", -1;
}

static bool S_default_port(const pdh_url *u)
{
	if (u->port == NULL)
		return true;
	return (strcmp(u->scheme, "http") == 0 && strcmp(u->port, "80") == 0) ||
	       (strcmp(u->scheme, "https") == 0 && strcmp(u->port, "443") == 0);
}

static void S_put_authority(pdh_buf *b, const pdh_url *u, bool with_port)
{
	if (strchr(u->host, ':'))
		pdh_buf_printf(b, "[%s]", u->host);
	else
		pdh_buf_puts(b, u->host);
	if (with_port && u->port)
		pdh_buf_printf(b, ":%s", u->port);
}

/* The three ways pdhooks writes a parsed URL back:
 *   S_NORMALIZE  the identity key's form: default port dropped, empty path as "/";
 *   S_ORIGIN     scheme://host[:port]/ only (default manage.urls);
 *   S_REDACT     for output: userinfo and every query value as "***", the port as given. */
typedef enum { S_NORMALIZE, S_ORIGIN, S_REDACT } S_form;

static void S_put_redacted_query(pdh_buf *b, const char *q)
{
	pdh_buf_putc(b, '?');
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		if (eq) {
			pdh_buf_append(b, q, (size_t)(eq - q));
			pdh_buf_puts(b, "=***");
		} else {
			pdh_buf_append(b, q, n);
		}
		q += n;
		if (*q == '&') {
			pdh_buf_putc(b, '&');
			q++;
		}
	}
}

static char *S_write(const char *s, S_form form)
{
	pdh_url u;
	pdh_buf b = PDH_BUF_INIT;

	if (pdh_url_parse(&u, s, NULL) != 0)
		return form == S_REDACT ? pdh_xstrdup("(invalid URL)") : NULL;
	pdh_buf_printf(&b, "%s://", u.scheme);
	if (u.userinfo && form == S_NORMALIZE)
		pdh_buf_printf(&b, "%s@", u.userinfo);
	else if (u.userinfo && form == S_REDACT)
		pdh_buf_puts(&b, "***@");
	S_put_authority(&b, &u, form == S_REDACT || !S_default_port(&u));
	if (form == S_ORIGIN) {
		pdh_buf_putc(&b, '/');
	} else {
		pdh_buf_puts(&b, form == S_NORMALIZE && u.path[0] == '\0' ? "/" : u.path);
		if (u.query && form == S_REDACT)
			S_put_redacted_query(&b, u.query);
		else if (u.query)
			pdh_buf_printf(&b, "?%s", u.query);
		if (u.fragment)
			pdh_buf_printf(&b, "#%s", u.fragment);
	}
	pdh_url_dispose(&u);
	return pdh_buf_detach(&b);
}

char *pdh_url_normalize(const char *s)
{
	return S_write(s, S_NORMALIZE);
}

char *pdh_url_origin(const char *s)
{
	return S_write(s, S_ORIGIN);
}

char *pdh_url_redact(const char *s)
{
	return S_write(s, S_REDACT);
}

bool pdh_url_host_is_loopback(const char *host)
{
	if (host == NULL)
		return false;
	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "[::1]") == 0)
		return true;
	if (strncmp(host, "127.", 4) == 0) {
		for (const char *p = host + 4; *p; p++)
			if (!isdigit((unsigned char)*p) && *p != '.')
				return false;
		return true;
	}
	return false;
}

bool pdh_url_host_is_pipedrive(const char *host)
{
	static const char suffix[] = ".pipedrive.com";
	size_t n, m = sizeof(suffix) - 1;
	char *h;
	bool yes;

	if (host == NULL)
		return false;
	h = S_lower(pdh_xstrdup(host));
	n = strlen(h);
	while (n > 0 && h[n - 1] == '.') /* a fully qualified "pipedrive.com." */
		h[--n] = '\0';
	yes = strcmp(h, "pipedrive.com") == 0 || (n > m && strcmp(h + n - m, suffix) == 0);
	free(h);
	return yes;
}
