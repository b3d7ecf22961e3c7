/* pdhooks-fake: an in-memory stand-in for Pipedrive's webhooks API (GET/POST/DELETE), with
 * fault injection and a control API under /_fake/ for tests. One fake_server holds everything:
 * companies (each with its API token, webhooks, faults and rate window) and the OAuth apps
 * installed in them; its one mutex guards all of it (the configuration too, since
 * POST /_fake/config changes it). It is held only for in-memory work, never across a sleep
 * (latency, delay faults) or a send. */
#ifndef PDH_FAKE_H
#define PDH_FAKE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define FAKE_BODY_MAX (1024 * 1024)   /* request bodies past this are answered 413 */
#define FAKE_LOG_MAX 100000           /* call log entries kept; counts go on past it */
#define FAKE_PASSWORD_MASK "******"
#define FAKE_NAME_MAX 255

enum fake_pw_mode { FAKE_PW_MASKED, FAKE_PW_REAL, FAKE_PW_NULL };
/* The mode a --password-listing or password_listing value names (masked, real, null); -1
 * for any other (NULL too). */
int fake_pw_mode_of(const char *name);
/* The saved state's form of a webhook: real password and the fake's own fields ("_app"). */
#define FAKE_TEXT_STATE 3

enum fake_method { FAKE_GET, FAKE_POST, FAKE_DELETE, FAKE_OTHER };

enum fake_fault_kind {
	FAKE_FAULT_STATUS,     /* answer `status` with a Pipedrive-shaped JSON error: `text`, else
	                        * the status's reason phrase */
	FAKE_FAULT_HTML,       /* answer `status` (503 by default) with a CDN's HTML page */
	FAKE_FAULT_TRUNCATED,  /* 200 with a JSON body cut short */
	FAKE_FAULT_DROP,       /* close the connection without an answer */
	FAKE_FAULT_DELAY,      /* wait delay_ms, then serve the call normally */
	FAKE_FAULT_CREATE_503, /* POST /webhooks: create the webhook, then answer 503 */
	FAKE_FAULT_HUGE,       /* 200, a chunked JSON body of `size` bytes (FAKE_HUGE_DEFAULT) */
	FAKE_FAULT_WRONG_TYPES,   /* 200 (201 for POST) with a webhook whose fields have wrong types */
	FAKE_FAULT_MISSING_ID,    /* the same with a webhook without "id" */
	FAKE_FAULT_SUCCESS_FALSE, /* 200 with "success": false */
	FAKE_FAULT_RESET_MID_BODY,/* headers and half the body, then the connection is closed */
	FAKE_FAULT_REDIRECT,   /* `status` (302) with Location: the same path on 127.0.0.1:port */
	FAKE_FAULT_ECHO_400,   /* 400 whose error text quotes the request body */
	FAKE_FAULT_RATE_ZERO,  /* served, with x-ratelimit-remaining: 0 and reset `seconds` (an
	                        * epoch time, now + seconds, when `epoch`) */
	FAKE_FAULT_DUP_ID,     /* GET: the listing with its first webhook twice */
	FAKE_FAULT_ZERO_ID,    /* GET: the listing with a webhook of id 0 added */
	FAKE_FAULT_NEGATIVE_ID,/* GET: the same with id -1 */
	FAKE_FAULT_NULL_DATA,  /* GET: 200 {"success":true,"data":null} */
	FAKE_FAULT_LATE_ANSWER,/* serve the call (a POST creates), then wait delay_ms to answer */
	FAKE_FAULT_HUGE_RETRY_AFTER, /* 429 with Retry-After: FAKE_HUGE_WAIT */
	FAKE_FAULT_HUGE_RESET, /* 429 with x-ratelimit-remaining: 0, x-ratelimit-reset:
	                        * FAKE_HUGE_WAIT and no Retry-After */
	FAKE_FAULT_CUT_PASSWORD /* GET: 200, the listing cut in the middle of the first password
	                         * it shows (as --password-listing shows them) */
};

/* A wait past any integer type of seconds (above 2^64). */
#define FAKE_HUGE_WAIT "99999999999999999999"

/* Past the client's default 32 MiB cap on answers. */
#define FAKE_HUGE_DEFAULT (40LL * 1024 * 1024)
#define FAKE_HUGE_MAX (1024LL * 1024 * 1024)

/* STATUS=TEXT: the longest TEXT. */
#define FAKE_FAULT_TEXT_MAX 200

/* "path": the longest API path a fault may be limited to. */
#define FAKE_FAULT_PATH_MAX 63

typedef struct fake_fault {
	int method;        /* enum fake_method; FAKE_OTHER means any method */
	int kind;          /* enum fake_fault_kind */
	int status;
	long delay_ms;
	long long size;    /* huge: body bytes */
	int port;          /* redirect: where Location points */
	long seconds;      /* ratelimit-zero: x-ratelimit-reset */
	bool epoch;        /* ratelimit-zero: reset as a Unix time */
	char text[FAKE_FAULT_TEXT_MAX + 1]; /* status: Pipedrive's error text; "" the reason */
	int remaining;     /* calls still to fail */
	char path[FAKE_FAULT_PATH_MAX + 1]; /* "": any call; else only calls to this API path
	                                     * (after the prefix), e.g. "/users/me" */
} fake_fault;

typedef struct fake_text {
	char *text[4];     /* by enum fake_pw_mode, and FAKE_TEXT_STATE; NULL until needed */
	size_t len[4];
} fake_text;

typedef struct fake_call {
	char *method;
	char *path;
	int status;        /* 0: the connection was dropped */
	long company_id;   /* the company the token named; 0: none */
	char correlation_id[40]; /* the answer's x-correlation-id; "" for a dropped call */
} fake_call;

/* OAuth scopes an app token holds (bits). */
enum { FAKE_SCOPE_READ = 1, FAKE_SCOPE_FULL = 2, FAKE_SCOPE_ADMIN = 4 };

/* One company: its API token, webhooks, faults and rate-limit window. */
typedef struct fake_company {
	long id;               /* company_id of its webhooks */
	char *token;           /* its API token */
	char *name;            /* GET /users/me's company_name and company_domain; NULL: */
	char *domain;          /* "Company ID" and "companyID" */
	/* webhooks: array of full objects (real passwords), in id order; changed only through
	 * fake_store_append/_remove/_replace/_patch, which keep `texts` in step */
	json_t *hooks;
	/* each webhook's serialised answer form by password mode, parallel to hooks, built on
	 * demand: a change re-serialises one webhook, not the whole listing */
	struct fake_text *texts;
	size_t texts_cap;
	/* GET /webhooks bodies (API token) by password mode: the texts joined, dropped on every
	 * change */
	char *listing[3];
	size_t listing_len[3];

	fake_fault *faults;
	size_t nfaults, faults_cap;

	long long *stamps;     /* monotonic ms of the calls in the rate window */
	size_t nstamps, stamps_cap;
	long daily_used;
	/* meter.c: Pipedrive's token meter */
	long long tokens;        /* what its answered calls cost since the start or a reset */
	long long charged_calls; /* those calls */
	long long budget_used;   /* taken from --daily-budget since the last reset */
} fake_company;

/* A Marketplace app installed in one company: an OAuth (Bearer) token with scopes. Its
 * webhooks carry its token in the fake-only field "_app" (never shown by the API). */
typedef struct fake_app {
	char *token;
	unsigned scopes;       /* FAKE_SCOPE_* */
	long company_id;       /* 0 until resolved: the first company */
	fake_company *company;
} fake_app;

typedef struct fake_server {
	pthread_mutex_t lock;

	/* configuration */
	char *token;           /* the first company's API token (--token) */
	long company_id;       /* the first company's id (--company-id) */
	char *company_name;    /* the first company's name and domain (--company-name, */
	char *company_domain;  /* --company-domain); NULL: the default ones */
	char *prefix;          /* "" or "/v1", "/api/v1": no trailing slash */
	char *state_path;      /* NULL: nothing persisted */
	char *seed_path;       /* --seed: read, never written */
	long user_id;          /* the caller */
	int pw_mode;           /* enum fake_pw_mode, for GET listings */
	long latency_ms;
	int rate_limit;        /* calls per rolling window per company; 0 = off */
	long rate_window_ms;   /* that window; 0: 2 s */
	long daily_limit;      /* per company; 0 = off */
	long long daily_budget; /* --daily-budget: tokens per company per day; 0 = off */
	int max_webhooks;      /* general webhooks per owner */
	bool time_v1;          /* --time-format v1: the times the fake makes are written
	                          "YYYY-MM-DD HH:MM:SS" (UTC), not ISO 8601 */
	bool verbose;
	char *tls_cert_path;   /* --tls-cert, --tls-key: serve HTTPS; NULL: plain HTTP */
	char *tls_key_path;
	char *tls_cert;        /* their PEM text, read before listening */
	char *tls_key;

	/* companies[0] is the --token company; the others come from --company, --companies and
	 * the state. Each is allocated on its own, so a pointer stays valid as the array grows. */
	fake_company **companies;
	size_t ncompanies, companies_cap;
	json_t *by_token, *by_id; /* companies' indexes: token, id as text -> position; every
	                            call looks its company up, so no walk of ten thousand */
	fake_app *apps;
	size_t napps, apps_cap;
	long next_id;          /* webhook ids are unique across companies, as Pipedrive's */

	long counts[4];        /* by enum fake_method */
	long connections;      /* connections accepted (TLS: handshakes begun) since the start or
	                          the last calls/reset */
	fake_call *log;
	size_t nlog, log_cap;
	unsigned long long answers; /* API answers made: numbers their x-correlation-id */

	struct fake_oauth *oauth; /* oauth.c: installs, the token endpoint's state; or NULL */
} fake_server;

/* store.c: companies and their webhooks. Callers hold s->lock. */
/* Adds a company (token copied); NULL + why when its id or token is taken. */
fake_company *fake_company_add(fake_server *s, long id, const char *token, char *why,
                               size_t whylen);
fake_company *fake_company_find(fake_server *s, long id);
fake_company *fake_company_by_token(fake_server *s, const char *token);
void fake_company_free(fake_company *co);
/* Checks the types of a seeded webhook (strict: unknown keys are errors), fills the missing
 * fields and returns the complete object (new reference), or NULL with a reason in why. */
json_t *fake_store_complete(fake_server *s, long company_id, json_t *in, long id, char *why,
                            size_t whylen);
/* Replaces co's webhooks with the array `in` (or a listing {"data": [...]}); 0 or -1 + why. */
int fake_store_replace(fake_server *s, fake_company *co, json_t *in, char *why, size_t whylen);
/* A state document: the old form (an array or a listing: dflt's webhooks), or
 * {"companies": [{"id": N, "token": "T", "webhooks": [...]}, ...]}, where a company not yet
 * known is added (it then needs a token) and "token"/"webhooks" may be left out for a known
 * one. 0 or -1 + why; on error nothing has changed. */
int fake_state_apply(fake_server *s, json_t *in, fake_company *dflt, char *why, size_t whylen);
/* The whole state in the form fake_state_apply reads: the old array when there is one
 * company, else the companies form. New reference. */
json_t *fake_state_json(fake_server *s);
/* Loads s->seed_path and s->state_path when they exist; 0 or -1 + why. */
int fake_store_load(fake_server *s, char *why, size_t whylen);
/* Writes s->state_path (temp file + rename) when set; 0 or -1 (reported on stderr). */
int fake_store_save(fake_server *s);
/* Sets the fields of the webhook at index from the object `fields` (checked as --state checks
 * a webhook; "id" cannot change); 0 or -1 + why. */
int fake_store_patch(fake_server *s, fake_company *co, size_t index, const json_t *fields,
                     char *why, size_t whylen);
/* Adds hook (reference taken) at the end / removes the webhook at index; both call
 * fake_store_changed. */
void fake_store_append(fake_server *s, fake_company *co, json_t *hook);
void fake_store_remove(fake_server *s, fake_company *co, size_t index);
/* After every change: drops co's cached listings and saves. */
void fake_store_changed(fake_server *s, fake_company *co);
/* The GET /webhooks body for the current password mode: every webhook of co, or with app
 * only that app's. Caller frees; *len gets the length. */
char *fake_store_listing(fake_server *s, fake_company *co, const fake_app *app, size_t *len);
/* A copy of hook as an API answer shows it, with the password per mode and without the
 * fake's own fields. Caller decrefs. */
json_t *fake_store_public(const json_t *hook, int pw_mode);
json_t *fake_store_find(fake_company *co, long id, size_t *index);
/* Webhooks counted against the per-user limit: owner's general ones, or with app that app's. */
int fake_store_count(fake_company *co, long owner_id, const fake_app *app);
/* The app token that made hook, or NULL. */
const char *fake_store_app_of(const json_t *hook);
/* "2019-10-25T08:25:27.000Z" for now, into out (at least 25 bytes). */
void fake_time_iso(char *out, size_t n);
/* Now, in the form --time-format chose. */
void fake_time_now(const fake_server *s, char *out, size_t n);

/* validate.c: POST /webhooks bodies. `body` is a JSON object; `form` says every value is a
 * string from a form-encoded body. Returns the new webhook's request fields (new reference)
 * or NULL after adding Pipedrive-style messages to `errors` ({"field": ["message"]}). */
json_t *fake_validate_create(const json_t *body, bool form, json_t *errors);
/* Parses an application/x-www-form-urlencoded body into an object of strings. */
json_t *fake_form_parse(const char *body, size_t len);

/* faults.c */
/* Parses "METHOD:KIND:N" (--fail); 0 or -1 + why. */
int fake_fault_parse(const char *spec, fake_fault *out, const char **why);
/* Parses the control endpoint's JSON; 0 or -1 + why. */
int fake_fault_from_json(const json_t *j, fake_fault *out, const char **why);
void fake_fault_add(fake_company *co, const fake_fault *f);
/* Takes one use of co's first fault that matches method; false when none. */
bool fake_fault_take(fake_company *co, int method, fake_fault *out);
/* The same for a call to path (the API path after the prefix; NULL: none): a fault limited
 * to a path matches only calls to it. */
bool fake_fault_take_at(fake_company *co, int method, const char *path, fake_fault *out);
int fake_method_of(const char *method);

/* meter.c: the daily token budget. Callers hold s->lock. */
/* What one answer says of its company's budget (x-daily-ratelimit-token-*). */
typedef struct fake_budget {
	bool on;               /* --daily-budget is set: the headers are sent */
	long long limit, left;
	long reset_s;          /* > 0: x-daily-ratelimit-reset (sent when nothing is left) */
} fake_budget;
/* Whether co's budget is spent: its calls are answered with the budget 429. */
bool fake_meter_spent(const fake_server *s, const fake_company *co);
/* Charges co (NULL: a call without a known token, charged to nobody) what METHOD url costs,
 * unless the call goes unanswered (a dropped connection), and fills *out for its answer. */
void fake_meter_charge(fake_server *s, fake_company *co, int method, const char *url,
                       bool unanswered, fake_budget *out);
struct MHD_Response;
void fake_meter_headers(struct MHD_Response *r, const fake_budget *b);
/* The budget 429's body, Pipedrive-shaped. New reference. */
json_t *fake_meter_error(void);
/* GET /_fake/meter: {"daily_budget", "remaining", "tokens", "calls"} of co. */
json_t *fake_meter_json(const fake_server *s, const fake_company *co);
/* POST /_fake/meter {"daily_budget": N, "remaining": N}: 0, or -1 + why. */
int fake_meter_set(fake_server *s, fake_company *co, const json_t *in, const char **why);
/* POST /_fake/meter/reset: a new day for co (NULL: every company): the whole budget back,
 * the tokens counted from zero. */
void fake_meter_reset(fake_server *s, fake_company *co);
/* users_me.c: GET /users/me of co's token, Pipedrive's shape (success, data with the user's
 * id and the company's company_id, company_name, company_domain). Caller holds s->lock. A
 * new reference. */
json_t *fake_users_me(const fake_server *s, const fake_company *co);

/* server.c */
struct MHD_Daemon;
struct MHD_Connection;
/* Whether the caller is on 127.0.0.1/8 (the control API's rule). */
bool fake_loopback(struct MHD_Connection *c);
/* A response of body as compact JSON (the reference taken over) with its Content-Type; the
 * caller adds its headers, queues and destroys it. NULL when none could be made. */
struct MHD_Response *fake_json_response(json_t *body);
/* Starts listening on 127.0.0.1:port (0: any free port); stores the bound port. */
struct MHD_Daemon *fake_listen(fake_server *s, unsigned port, unsigned *bound);

/* main.c: adds an app as --oauth-app TOKEN[:SCOPES][@COMPANY] does; 0 or -1 (said). */
int fake_app_add(fake_server *s, const char *arg);

/* oauth.c: Marketplace installs and the OAuth token endpoint. */
/* --client-id, --client-secret, --token-ttl, --rotate-refresh, --api-domain (name without
 * the dashes); 0 or -1 (said). */
int fake_oauth_option(fake_server *s, const char *name, const char *arg);
/* --oauth-install REFRESH[:SCOPES][@COMPANY]: an app installed in COMPANY whose refresh token
 * is REFRESH; 0 or -1 (said). */
int fake_oauth_install(fake_server *s, const char *arg);
void fake_oauth_free(fake_server *s);
/* The install whose unexpired access token bearer is, as an app; NULL when none. Caller
 * holds the lock. */
const fake_app *fake_oauth_app_of(fake_server *s, const char *bearer);
/* POST /oauth/token; both return an enum MHD_Result. */
int fake_oauth_token(fake_server *s, struct MHD_Connection *c, const char *method,
                     const char *body, size_t len);
/* /_fake/oauth, /_fake/oauth/revoke, /_fake/oauth/expire. */
int fake_oauth_control(fake_server *s, struct MHD_Connection *c, const char *url,
                       const char *method, const char *body, size_t len);

#endif
