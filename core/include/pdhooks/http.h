/* One HTTP exchange as the retry policy and apply's pacing see it, and the parsing of the
 * response headers that fill it. Pure. */
#ifndef PDHOOKS_HTTP_H
#define PDHOOKS_HTTP_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

/* The longest wait a header can ask for, in ms: larger values (any number of digits)
 * saturate here. Far past any wait budget, and small enough that adding it to a clock
 * reading or to another wait cannot overflow. */
#define PDH_HTTP_WAIT_MAX_MS (LONG_MAX / 4)

/* The longest x-correlation-id kept (a UUID is 36 characters), its NUL aside. */
#define PDH_CORRELATION_ID_MAX 64

/* What one HTTP exchange looked like, for the retry policy and the pacing of apply. */
typedef struct pdh_http_result {
	int transport;              /* 0, or the libcurl error code (CURLcode) */
	long status;                /* HTTP status; 0 when there was no response */
	long retry_after_ms;        /* Retry-After; -1 when absent */
	long ratelimit_remaining;   /* x-ratelimit-remaining; -1 when absent */
	long ratelimit_reset_ms;    /* x-ratelimit-reset in ms from now: seconds, or an epoch
	                               second when the value is past 10^9; -1 when absent.
	                               Both waits are at most PDH_HTTP_WAIT_MAX_MS */
	long elapsed_ms;
	/* The company's daily token budget (Pipedrive's meter, cost.h): */
	long daily_tokens_remaining; /* x-daily-ratelimit-token-remaining; -1 when absent */
	long daily_reset_ms;        /* x-daily-ratelimit-reset read as x-ratelimit-reset is (an
	                               assumption: no such header is documented); -1 absent */
	char correlation_id[PDH_CORRELATION_ID_MAX + 1]; /* x-correlation-id, for Pipedrive's
	                               support; "" when absent or not a plain token */
} pdh_http_result;

/* Response headers. A Retry-After value (delay-seconds or an HTTP date, compared with now) in
 * milliseconds, at most PDH_HTTP_WAIT_MAX_MS; -1 when it is neither. */
long pdh_http_parse_retry_after(const char *value, time_t now);
/* The value of a raw header line when its name is `name` (any case), trimmed; NULL otherwise.
 * Caller frees. */
char *pdh_http_header_value(const char *line, size_t len, const char *name);
/* Every field "absent" (-1), transport and status 0. */
void pdh_http_result_init(pdh_http_result *r);
/* Takes one raw header line ("Name: value\r\n") into r: Retry-After, x-ratelimit-remaining,
 * x-ratelimit-reset, x-daily-ratelimit-token-remaining, x-daily-ratelimit-reset,
 * x-correlation-id (kept only when it is 1 to PDH_CORRELATION_ID_MAX of [A-Za-z0-9._:-]).
 * Other lines are ignored; a status line resets those fields (a 1xx answer comes before the
 * real one). */
void pdh_http_parse_header(pdh_http_result *r, const char *line, size_t len, time_t now);

#endif
