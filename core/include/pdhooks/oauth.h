/* OAuth for Pipedrive Marketplace apps: a token as a JSON object (what a token_command prints,
 * what a token file holds, what the token endpoint answers), the scopes a command needs, and
 * the refresh of an access token with a refresh token and the app's client credentials. */
#ifndef PDHOOKS_OAUTH_H
#define PDHOOKS_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"
#include "pdhooks/session.h"

#define PDH_OAUTH_DEFAULT_TOKEN_URL "https://oauth.pipedrive.com/oauth/token"
/* A stored access token is used while it has more than this many seconds left. */
#define PDH_OAUTH_REFRESH_MARGIN_S 300
/* A token file is read up to this. */
#define PDH_OAUTH_TOKEN_FILE_MAX (64 * 1024)

/* Every field may be missing (NULL / has_* false). Strings are the caller's: dispose. */
typedef struct pdh_oauth_token {
	char *access_token;          /* never shown */
	char *refresh_token;         /* never shown */
	char *api_domain;            /* "https://acme.pipedrive.com": the API is {api_domain}/api/v1 */
	char *scope;                 /* as given: names separated by spaces or commas */
	bool has_expires;
	long long expires_at;        /* Unix seconds */
	bool has_company_id;
	long long company_id;
} pdh_oauth_token;

void pdh_oauth_token_dispose(pdh_oauth_token *t);

/* Parses a JSON object into *t: access_token, refresh_token, api_domain, scope (strings),
 * expires_at (Unix seconds, or ISO 8601 / "YYYY-MM-DD HH:MM:SS" in UTC), expires_in (seconds
 * from now, turned into expires_at), company_id (an integer); other keys are ignored. what
 * names the text in messages ("token_command's JSON"); a message never quotes the text.
 * PDH_EAUTH on a wrong type or what is not one JSON object. */
int pdh_oauth_token_parse(pdh_oauth_token *t, const char *text, size_t len, const char *what,
                          pdh_error *err);

/* What a scope lacks for a command: NULL when scope has what it needs (write: webhooks:full
 * or admin; read: also webhooks:read), else the scope to ask for, as text ("webhooks:full"). */
const char *pdh_oauth_scope_missing(const char *scope, bool write);

/* A token's base URL: api_domain (trailing '/' dropped) + "/api/v1". Caller frees. */
char *pdh_oauth_api_url(const char *api_domain);

typedef struct pdh_oauth_refresh_opts {
	const char *token_url;       /* NULL: PDH_OAUTH_DEFAULT_TOKEN_URL; http:// only to loopback */
	const char *client_id;
	const char *client_secret;   /* never shown */
	const char *cacert;          /* NULL: the system's CA bundle (the session's when given) */
	pdh_session *session;        /* NULL: a connection of its own */
	long timeout_ms;             /* 0: 30 s */
} pdh_oauth_refresh_opts;

/* POSTs grant_type=refresh_token&refresh_token=... (form body) to the token endpoint with
 * HTTP basic auth client_id:client_secret, TLS checked as the API calls are. On success *out
 * holds the answer (access_token; refresh_token when one came back; expires_at = now +
 * expires_in; api_domain, scope). invalid_grant: PDH_EREAUTH; any other refusal PDH_EAUTH,
 * transport PDH_ENET; the message carries the endpoint's own text, scrubbed of the refresh
 * token, the client secret and any token in the answer. */
int pdh_oauth_refresh(pdh_oauth_token *out, const pdh_oauth_refresh_opts *o,
                      const char *refresh_token, pdh_error *err);

#endif
