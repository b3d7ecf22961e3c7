/* The one error convention of core/: functions return 0 or a negative PDH_E* code and fill a
 * caller-provided pdh_error with a one-line message a person can act on. Callers pass errors
 * up unchanged rather than overwrite them with vaguer ones. */
#ifndef PDHOOKS_ERROR_H
#define PDHOOKS_ERROR_H

#include <stddef.h>

enum {
	PDH_OK = 0,
	PDH_EINVAL = -1,   /* bad argument or option */
	PDH_EIO = -3,      /* file system */
	PDH_EFILE = -4,    /* the desired file (or a saved plan) does not load; see its diagnostics */
	PDH_ENET = -5,     /* transport: connect, TLS, timeout, dropped connection */
	PDH_EAPI = -6,     /* Pipedrive answered with an error status */
	PDH_EPROTO = -7,   /* Pipedrive's answer is not what the API promises (not JSON, wrong types) */
	PDH_EAUTH = -8,    /* no credentials, or refused ones */
	PDH_EBRAKE = -9,   /* a safety brake refused the plan */
	PDH_ESTALE = -10,  /* a saved plan no longer matches */
	PDH_EPARTIAL = -11, /* some calls of an apply failed */
	PDH_EUNAVAILABLE = -12, /* the API stayed unreachable or kept failing (network, 5xx, 429)
	                           after the retries */
	PDH_EBUSY = -13,   /* another apply holds the target's lock */
	PDH_EREAUTH = -16  /* OAuth: the refresh token was refused (invalid_grant); the app must
	                      be authorized again */
};

#define PDH_ERROR_MAX 1024

typedef struct pdh_error {
	int code;                  /* PDH_OK or a PDH_E* value */
	int http_status;           /* HTTP status behind the error, 0 when none */
	char message[PDH_ERROR_MAX];
} pdh_error;

/* Sets code and message (printf-style) and returns code, so `return pdh_error_set(...)` works.
 * err may be NULL. */
int pdh_error_set(pdh_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pdh_error_clear(pdh_error *err);
/* A short name of a code, e.g. "network error". Never NULL. */
const char *pdh_error_name(int code);

#endif
