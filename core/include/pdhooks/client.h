/* The Pipedrive webhooks API client (libcurl + jansson). Blocking calls; one pdh_client per
 * thread (apply runs several, each with its own client from pdh_client_new), all of a run's
 * clients on the run's session (pdh_session) so they share its connections. */
#ifndef PDHOOKS_CLIENT_H
#define PDHOOKS_CLIENT_H

#include <stddef.h>

#include "pdhooks/api_url.h"
#include "pdhooks/cost.h"
#include "pdhooks/credentials.h"
#include "pdhooks/desired.h"
#include "pdhooks/error.h"
#include "pdhooks/http.h"
#include "pdhooks/live.h"
#include "pdhooks/secrets.h"
#include "pdhooks/session.h"

/* One line per HTTP call for -v: method, path, status, milliseconds. Never a secret. */
typedef void (*pdh_log_fn)(void *ctx, const char *line);

/* A credential source that can be asked again (an OAuth token that expired during the run):
 * called after a 401 with the token that was refused; 0 with *fresh set (the caller frees it
 * with pdh_free_secret) to send the call once more with that token, else non-zero and the
 * 401 stands. Called from any of the run's threads. */
typedef int (*pdh_reauth_fn)(void *ctx, const char *refused, char **fresh);

typedef struct pdh_client_opts {
	const char *api_url;        /* base URL, e.g. PDH_DEFAULT_API_URL; http:// only to loopback */
	pdh_auth_kind auth;
	const char *token;          /* never logged, never in a URL */
	const char *cacert;         /* NULL: the system's CA bundle; with a session, the session's
	                             * is used instead */
	pdh_session *session;       /* borrowed, outlives the client; NULL: the client keeps its
	                             * own connection */
	long connect_timeout_ms;    /* 0: 10 s */
	long timeout_ms;            /* whole call; 0: 30 s */
	size_t max_body;            /* response bodies past this are an error; 0: 32 MiB */
	pdh_log_fn log;             /* NULL: no log */
	void *log_ctx;
	const pdh_secrets *secrets; /* besides the token: what to scrub from every server text an
	                             * error carries (the desired set's passwords and environment
	                             * values); copied by pdh_client_new; may be NULL */
	pdh_meter *meter;           /* borrowed; every call that gets an answer is charged to it
	                             * (cost.h); NULL: none */
	pdh_reauth_fn reauth;       /* NULL: a 401 is final (a static token) */
	void *reauth_ctx;
} pdh_client_opts;

typedef struct pdh_client pdh_client;

/* Checks the options (URL scheme, loopback rule, credentials present) and prepares a handle.
 * Caller frees with pdh_client_free. */
int pdh_client_new(pdh_client **out, const pdh_client_opts *opts, pdh_error *err);
void pdh_client_free(pdh_client *c);

/* Every error message these calls give is scrubbed of the token, of opts->secrets, of the
 * password of the webhook being created and of every password a listing showed: an error body
 * that echoes the request, a JSON parse error quoting the broken spot, or a success: false
 * text never shows one.
 * A call answered 401 is sent once more when opts->reauth gives a new token (a 401 is a
 * refusal before anything was done, so a POST sent again creates its webhook once); any
 * other answer, and a second 401, stands. */

/* GET /webhooks, parsed strictly: anything but the promised JSON is an error carrying
 * Pipedrive's own message when it gave one — never an empty listing. Caller frees *out. */
int pdh_client_list(pdh_client *c, pdh_live **out, pdh_http_result *res, pdh_error *err);
/* GET path (e.g. "/users/me"): its 2xx answer must be Pipedrive's JSON, read by parse into
 * out; any other answer is an error with Pipedrive's own text, as for the listing. */
int pdh_client_get_json(pdh_client *c, const char *path,
                        int (*parse)(void *out, const char *body, size_t len, pdh_error *err),
                        void *out, pdh_http_result *res, pdh_error *err);
/* POST /webhooks (JSON body). On success *out holds the created webhook (caller disposes).
 * res is always filled so the caller can tell "refused" from "outcome unknown". */
int pdh_client_create(pdh_client *c, const pdh_desired_webhook *w, pdh_live_webhook *out,
                      pdh_http_result *res, pdh_error *err);
/* DELETE /webhooks/{id}. A 404 is returned as PDH_EAPI with res->status 404; the caller
 * decides that it counts as done. */
int pdh_client_delete(pdh_client *c, long long id, pdh_http_result *res, pdh_error *err);

/* The JSON body of POST /webhooks (addWebhookRequest): subscription_url, event_action,
 * event_object, name and version always; user_id, http_auth_user and http_auth_password only
 * when declared (null allowed for the last two). Caller frees. */
char *pdh_client_create_body(const pdh_desired_webhook *w);

#endif
