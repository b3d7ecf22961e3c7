/* pdhooks-fake: an in-memory stand-in for Pipedrive's webhooks API (GET/POST/DELETE), with
 * fault injection and a control API under /_fake/ for tests. One fake_server holds everything;
 * its mutex guards every field below the configuration (the configuration too, since
 * POST /_fake/config changes it). */
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

enum fake_method { FAKE_GET, FAKE_POST, FAKE_DELETE, FAKE_OTHER };

enum fake_fault_kind {
	FAKE_FAULT_STATUS,     /* answer `status` with a Pipedrive-shaped JSON error */
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
	FAKE_FAULT_LATE_ANSWER /* serve the call (a POST creates), then wait delay_ms to answer */
};

/* Past the client's default 32 MiB cap on answers. */
#define FAKE_HUGE_DEFAULT (40LL * 1024 * 1024)
#define FAKE_HUGE_MAX (1024LL * 1024 * 1024)

typedef struct fake_fault {
	int method;        /* enum fake_method; FAKE_OTHER means any method */
	int kind;          /* enum fake_fault_kind */
	int status;
	long delay_ms;
	long long size;    /* huge: body bytes */
	int port;          /* redirect: where Location points */
	long seconds;      /* ratelimit-zero: x-ratelimit-reset */
	bool epoch;        /* ratelimit-zero: reset as a Unix time */
	int remaining;     /* calls still to fail */
} fake_fault;

typedef struct fake_text {
	char *text[3];     /* by enum fake_pw_mode; NULL until needed */
	size_t len[3];
} fake_text;

typedef struct fake_call {
	char *method;
	char *path;
	int status;        /* 0: the connection was dropped */
} fake_call;

typedef struct fake_server {
	pthread_mutex_t lock;

	/* configuration */
	char *token;
	char *prefix;          /* "" or "/v1", "/api/v1": no trailing slash */
	char *state_path;      /* NULL: nothing persisted */
	long user_id;          /* the caller */
	long company_id;
	int pw_mode;           /* enum fake_pw_mode, for GET listings */
	long latency_ms;
	int rate_limit;        /* calls per rolling 2 s; 0 = off */
	long daily_limit;      /* 0 = off */
	int max_webhooks;      /* general webhooks per owner */
	bool verbose;

	/* webhooks: array of full objects (real passwords), in id order; changed only through
	 * fake_store_append/_remove/_replace, which keep `texts` in step */
	json_t *hooks;
	long next_id;
	/* each webhook's serialised answer form by password mode, parallel to hooks, built on
	 * demand: a change re-serialises one webhook, not the whole listing */
	struct fake_text *texts;
	size_t texts_cap;
	/* GET /webhooks bodies by password mode: the texts joined, dropped on every change */
	char *listing[3];
	size_t listing_len[3];

	fake_fault *faults;
	size_t nfaults, faults_cap;

	long counts[4];        /* by enum fake_method */
	fake_call *log;
	size_t nlog, log_cap;

	long long *stamps;     /* monotonic ms of the calls in the rate window */
	size_t nstamps, stamps_cap;
	long daily_used;
} fake_server;

/* store.c: the webhooks. Callers hold s->lock. */
/* Checks the types of a seeded webhook (strict: unknown keys are errors), fills the missing
 * fields and returns the complete object (new reference), or NULL with a reason in why. */
json_t *fake_store_complete(fake_server *s, json_t *in, long id, char *why, size_t whylen);
/* Replaces all webhooks with the array `in` (or a listing {"data": [...]}); 0 or -1 + why. */
int fake_store_replace(fake_server *s, json_t *in, char *why, size_t whylen);
/* Loads s->state_path when it exists; 0 or -1 + why. */
int fake_store_load(fake_server *s, char *why, size_t whylen);
/* Writes s->state_path (temp file + rename) when set; 0 or -1 (reported on stderr). */
int fake_store_save(fake_server *s);
/* Sets the fields of the webhook at index from the object `fields` (checked as --state checks
 * a webhook; "id" cannot change); 0 or -1 + why. */
int fake_store_patch(fake_server *s, size_t index, const json_t *fields, char *why,
                     size_t whylen);
/* Adds hook (reference taken) at the end / removes the webhook at index; both call
 * fake_store_changed. */
void fake_store_append(fake_server *s, json_t *hook);
void fake_store_remove(fake_server *s, size_t index);
/* After every change: drops the cached listings and saves. */
void fake_store_changed(fake_server *s);
/* Frees the webhooks and every cached text (at exit). */
void fake_store_dispose(fake_server *s);
/* The GET /webhooks body for the current password mode (borrowed; valid until the next change
 * or until the lock is released), and its length. */
const char *fake_store_listing(fake_server *s, size_t *len);
/* A copy of hook as an API answer shows it, with the password per mode. Caller decrefs. */
json_t *fake_store_public(const json_t *hook, int pw_mode);
json_t *fake_store_find(fake_server *s, long id, size_t *index);
int fake_store_general_count(fake_server *s, long owner_id);
/* "2019-10-25T08:25:27.000Z" for now, into out (at least 25 bytes). */
void fake_time_iso(char *out, size_t n);

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
void fake_fault_add(fake_server *s, const fake_fault *f);
/* Takes one use of the first fault that matches method; false when none. */
bool fake_fault_take(fake_server *s, int method, fake_fault *out);
int fake_method_of(const char *method);
const char *fake_method_name(int method);

/* server.c */
struct MHD_Daemon;
/* Starts listening on 127.0.0.1:port (0: any free port); stores the bound port. */
struct MHD_Daemon *fake_listen(fake_server *s, unsigned port, unsigned *bound);

#endif
