/* The Pipedrive webhooks API client (libcurl + jansson). Blocking calls; one pdh_client per
 * thread (apply runs several, each with its own client from pdh_client_new). */
#ifndef PDHOOKS_CLIENT_H
#define PDHOOKS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/live.h"

#define PDH_DEFAULT_API_URL "https://api.pipedrive.com/v1"

typedef enum {
	PDH_AUTH_NONE,
	PDH_AUTH_API_TOKEN,  /* header x-api-token */
	PDH_AUTH_BEARER      /* header Authorization: Bearer */
} pdh_auth_kind;

/* One line per HTTP call for -v: method, path, status, milliseconds. Never a secret. */
typedef void (*pdh_log_fn)(void *ctx, const char *line);

typedef struct pdh_client_opts {
	const char *api_url;        /* base URL, e.g. PDH_DEFAULT_API_URL; http:// only to loopback */
	pdh_auth_kind auth;
	const char *token;          /* never logged, never in a URL */
	const char *cacert;         /* NULL: the system's CA bundle */
	long connect_timeout_ms;    /* 0: 10 s */
	long timeout_ms;            /* whole call; 0: 30 s */
	size_t max_body;            /* response bodies past this are an error; 0: 32 MiB */
	pdh_log_fn log;             /* NULL: no log */
	void *log_ctx;
} pdh_client_opts;

/* What one HTTP exchange looked like, for the retry policy and the pacing of apply. */
typedef struct pdh_http_result {
	int transport;              /* 0, or the libcurl error code (CURLcode) */
	long status;                /* HTTP status; 0 when there was no response */
	long retry_after_ms;        /* Retry-After; -1 when absent */
	long ratelimit_remaining;   /* x-ratelimit-remaining; -1 when absent */
	long ratelimit_reset_ms;    /* x-ratelimit-reset (seconds) in ms; -1 when absent */
	long elapsed_ms;
} pdh_http_result;

typedef struct pdh_client pdh_client;

/* Checks the options (URL scheme, loopback rule, credentials present) and prepares a handle.
 * Caller frees with pdh_client_free. */
int pdh_client_new(pdh_client **out, const pdh_client_opts *opts, pdh_error *err);
void pdh_client_free(pdh_client *c);

/* GET /webhooks, parsed strictly: anything but the promised JSON is an error carrying
 * Pipedrive's own message when it gave one — never an empty listing. Caller frees *out. */
int pdh_client_list(pdh_client *c, pdh_live **out, pdh_http_result *res, pdh_error *err);
/* POST /webhooks (JSON body). On success *out holds the created webhook (caller disposes).
 * res is always filled so the caller can tell "refused" from "outcome unknown". */
int pdh_client_create(pdh_client *c, const pdh_desired_webhook *w, pdh_live_webhook *out,
                      pdh_http_result *res, pdh_error *err);
/* DELETE /webhooks/{id}. A 404 is returned as PDH_EAPI with res->status 404; the caller
 * decides that it counts as done. */
int pdh_client_delete(pdh_client *c, long long id, pdh_http_result *res, pdh_error *err);

/* Parsers of Pipedrive's answers, pure so that fuzzing and unit tests call them directly. */
int pdh_live_parse_listing(pdh_live **out, const char *body, size_t len, pdh_error *err);
int pdh_live_parse_created(pdh_live_webhook *out, const char *body, size_t len, pdh_error *err);
/* Pipedrive's own error text from an error body (any of its shapes), or NULL. Caller frees. */
char *pdh_api_error_text(const char *body, size_t len);

/* ---- The pieces of the client that need no network: pure, and unit-tested directly. ---- */

/* The API base URL to use: flag (--api-url), else env_url (PIPEDRIVE_API_URL), else
 * "https://DOMAIN.pipedrive.com/api/v1" from env_company_domain (PIPEDRIVE_COMPANY_DOMAIN),
 * else PDH_DEFAULT_API_URL. Empty strings count as unset. The result passes
 * pdh_api_url_check; a trailing '/' is dropped. Caller frees *out. */
int pdh_api_url_resolve(char **out, const char *flag, const char *env_url,
                        const char *env_company_domain, pdh_error *err);
/* One DNS label: 1-63 letters, digits and hyphens, no hyphen at either end. */
bool pdh_company_domain_valid(const char *s);
/* Whether pdhooks talks to this base URL: https://, or http:// only to a loopback host; a
 * host; no userinfo, query or fragment (credentials never travel in a URL). PDH_EINVAL. */
int pdh_api_url_check(const char *url, pdh_error *err);

/* Where the credentials come from, in this order: token_file (--token-file: its first line,
 * trimmed; "Bearer TOKEN" there means an OAuth token, anything else an API token), else
 * env_oauth_token (PIPEDRIVE_OAUTH_TOKEN, sent as Authorization: Bearer) or env_api_token
 * (PIPEDRIVE_API_TOKEN, sent as x-api-token) — both set is an error, as is neither (PDH_EAUTH).
 * Empty variables count as unset. */
typedef struct pdh_credentials {
	pdh_auth_kind auth;
	char *token;         /* never print it */
	const char *source;  /* static text for messages: "--token-file", "PIPEDRIVE_API_TOKEN", ... */
} pdh_credentials;

int pdh_credentials_resolve(pdh_credentials *out, const char *token_file,
                            const char *env_api_token, const char *env_oauth_token,
                            pdh_error *err);
void pdh_credentials_dispose(pdh_credentials *c);
/* A token that can go in an HTTP header: 1-1024 visible ASCII characters, no spaces. */
bool pdh_token_valid(const char *token);

/* The JSON body of POST /webhooks (addWebhookRequest): subscription_url, event_action,
 * event_object, name and version always; user_id, http_auth_user and http_auth_password only
 * when declared (null allowed for the last two). Caller frees. */
char *pdh_client_create_body(const pdh_desired_webhook *w);

/* Response headers. A Retry-After value (delay-seconds or an HTTP date, compared with now) in
 * milliseconds; -1 when it is neither. */
long pdh_http_parse_retry_after(const char *value, time_t now);
/* The value of a raw header line when its name is `name` (any case), trimmed; NULL otherwise.
 * Caller frees. */
char *pdh_http_header_value(const char *line, size_t len, const char *name);
/* Every field "absent" (-1), transport and status 0. */
void pdh_http_result_init(pdh_http_result *r);
/* Takes one raw header line ("Name: value\r\n") into r: Retry-After, x-ratelimit-remaining,
 * x-ratelimit-reset. Other lines are ignored; a status line resets the three fields (a 1xx
 * answer comes before the real one). */
void pdh_http_parse_header(pdh_http_result *r, const char *line, size_t len, time_t now);

#endif
