/* Response headers that pace and retry calls: Retry-After and Pipedrive's x-ratelimit-*;
 * and its daily token budget: x-daily-ratelimit-token-remaining (undocumented, seen in the
 * wild; optional) and x-daily-ratelimit-reset (read if sent; not documented either). */
#include "pdhooks/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pdhooks/alloc.h"

#define S_MAX_SECONDS (PDH_HTTP_WAIT_MAX_MS / 1000)

void pdh_http_result_init(pdh_http_result *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	r->ratelimit_remaining = -1;
	r->ratelimit_reset_ms = -1;
	r->daily_tokens_remaining = -1;
	r->daily_reset_ms = -1;
}

/* A non-negative decimal integer, whole string; -1 otherwise. Saturates at max. */
static long S_parse_count(const char *s, long max)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v > (max - (*s - '0')) / 10)
			return max;
		v = v * 10 + (*s - '0');
	}
	return v;
}

long pdh_http_parse_retry_after(const char *value, time_t now)
{
	long secs;
	time_t when;

	if (value == NULL || *value == '\0')
		return -1;
	secs = S_parse_count(value, S_MAX_SECONDS);
	if (secs >= 0)
		return secs * 1000;
	if (!isalpha((unsigned char)value[0]))
		return -1;
	/* An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms). */
	when = curl_getdate(value, NULL);
	if (when == (time_t)-1)
		return -1;
	if (when <= now)
		return 0;
	if ((double)(when - now) > (double)S_MAX_SECONDS)
		return S_MAX_SECONDS * 1000;
	return (long)(when - now) * 1000;
}

/* Seconds, possibly fractional ("1", "0.5"), in ms; -1 when it is not such a number. */
static long S_parse_seconds_ms(const char *s)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	if (v > (double)S_MAX_SECONDS)
		return S_MAX_SECONDS * 1000;
	return (long)(v * 1000.0 + 0.5);
}

/* x-ratelimit-reset: seconds until the window resets ("2"), or, from some gateways, the
 * epoch second it resets at. A number of seconds past S_EPOCH_FLOOR (2001-09-09, longer than
 * any rate-limit window) can only be the latter. */
#define S_EPOCH_FLOOR 1000000000.0

static long S_parse_reset_ms(const char *s, time_t now)
{
	long ms = S_parse_seconds_ms(s);
	double v;

	if (ms < 0 || (double)ms / 1000.0 < S_EPOCH_FLOOR)
		return ms;
	v = strtod(s, NULL) - (double)now;
	if (v <= 0)
		return 0;
	if (v > (double)S_MAX_SECONDS)
		return S_MAX_SECONDS * 1000;
	return (long)(v * 1000.0 + 0.5);
}

char *pdh_http_header_value(const char *line, size_t len, const char *name)
{
	const char *colon = memchr(line, ':', len), *v, *end;
	size_t name_len = strlen(name);

	if (colon == NULL || (size_t)(colon - line) != name_len ||
	    strncasecmp(line, name, name_len) != 0)
		return NULL;
	v = colon + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return pdh_xstrndup(v, (size_t)(end - v));
}

/* An x-correlation-id shown in messages: a plain token, never the server's arbitrary text. */
static void S_correlation_id(pdh_http_result *r, const char *v)
{
	size_t n = strlen(v);

	r->correlation_id[0] = '\0';
	if (n == 0 || n > PDH_CORRELATION_ID_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") != n)
		return;
	memcpy(r->correlation_id, v, n + 1);
}

void pdh_http_parse_header(pdh_http_result *r, const char *line, size_t len, time_t now)
{
	char *v;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		r->retry_after_ms = -1;
		r->ratelimit_remaining = -1;
		r->ratelimit_reset_ms = -1;
		r->daily_tokens_remaining = -1;
		r->daily_reset_ms = -1;
		r->correlation_id[0] = '\0';
		return;
	}
	if ((v = pdh_http_header_value(line, len, "retry-after")) != NULL)
		r->retry_after_ms = pdh_http_parse_retry_after(v, now);
	else if ((v = pdh_http_header_value(line, len, "x-ratelimit-remaining")) != NULL)
		r->ratelimit_remaining = S_parse_count(v, LONG_MAX);
	else if ((v = pdh_http_header_value(line, len, "x-ratelimit-reset")) != NULL)
		r->ratelimit_reset_ms = S_parse_reset_ms(v, now);
	else if ((v = pdh_http_header_value(line, len, "x-daily-ratelimit-token-remaining")) != NULL)
		r->daily_tokens_remaining = S_parse_count(v, LONG_MAX);
	else if ((v = pdh_http_header_value(line, len, "x-daily-ratelimit-reset")) != NULL)
		r->daily_reset_ms = S_parse_reset_ms(v, now);
	else if ((v = pdh_http_header_value(line, len, "x-correlation-id")) != NULL)
		S_correlation_id(r, v);
	free(v);
}
