/* The live webhooks, as Pipedrive's GET /webhooks lists them. */
#ifndef PDHOOKS_LIVE_H
#define PDHOOKS_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/error.h"

typedef enum {
	PDH_SECRET_NONE,    /* null or absent */
	PDH_SECRET_MASKED,  /* a placeholder such as "******": the real value cannot be compared */
	PDH_SECRET_REAL     /* a real value, in http_auth_password */
} pdh_secret_state;

typedef struct pdh_live_webhook {
	long long id;
	char *event_action;
	char *event_object;
	char *subscription_url;
	char *version;                 /* NULL when absent */
	char *name;                    /* NULL when absent or null */
	/* The ownership marker of the name (pdhooks/marker.h), read by the listing's parser;
	 * all NULL / 0 when the name has none. */
	char *name_bare;               /* the name without its marker */
	char *marker_owner;            /* the marker's owner */
	long long marker_version;      /* its password version; 0 when it has none */
	char *type;                    /* "general", "application", "automation" (or what Pipedrive says) */
	bool has_user_id;
	long long user_id;
	bool has_owner_id;
	long long owner_id;
	bool has_company_id;           /* the company the webhook belongs to: names the target */
	long long company_id;
	char *http_auth_user;          /* NULL when null or absent */
	pdh_secret_state password_state;
	char *http_auth_password;      /* only when PDH_SECRET_REAL; never print it */
	int is_active;                 /* 0 or 1 */
	/* The times, in either form Pipedrive writes (ISO 8601, "YYYY-MM-DD HH:MM:SS" UTC), are
	 * read as "YYYY-MM-DDTHH:MM:SSZ"; one in neither form is kept as written and noted in
	 * time_note. */
	char *add_time;                /* NULL when absent */
	/* Delivery health, as Pipedrive reports it; each NULL / has_ false when null or absent. */
	char *last_delivery_time;
	bool has_last_http_status;
	long long last_http_status;    /* of the last delivery; 0 can mean "no answer" */
	char *remove_time;
	char *remove_reason;
	char *time_note;               /* a time in neither form, e.g. `last_delivery_time
	                                  "yesterday" is not a time pdhooks reads; kept as
	                                  written`; NULL when every time was read */
} pdh_live_webhook;

typedef struct pdh_live {
	pdh_live_webhook *items;
	size_t n;
	bool data_null;                /* Pipedrive answered `data: null` (read as no webhooks);
	                                  after pdh_listing_get, a second listing confirmed it */
} pdh_live;

void pdh_live_webhook_dispose(pdh_live_webhook *w);
void pdh_live_free(pdh_live *l);

/* Parsers of Pipedrive's answers (core/api/live.c), pure so that fuzzing and unit tests call
 * them directly. */
int pdh_live_parse_listing(pdh_live **out, const char *body, size_t len, pdh_error *err);
int pdh_live_parse_created(pdh_live_webhook *out, const char *body, size_t len, pdh_error *err);
/* Pipedrive's own error text from an error body (any of its shapes), or NULL. Caller frees. */
char *pdh_api_error_text(const char *body, size_t len);
/* When the error text of a 403 (from pdh_api_error_text) says a scope is missing — it
 * mentions "scope" — the OAuth scope it names ("webhooks:full": a word:word of letters and
 * '_'), else the scope the call needs (`needed`, e.g. "webhooks:read" for GET). NULL when the
 * text does not talk about scopes. Caller frees. */
char *pdh_api_missing_scope(const char *text, const char *needed);
/* Whether an error text (from pdh_api_error_text) names the webhook limit, in any case:
 * "Webhooks limit reached", "webhook limit exceeded", "maximum number of webhooks", ... A 422
 * that does not (a name or URL Pipedrive refuses) is no reason to make room. */
bool pdh_api_names_webhook_limit(const char *text);

#endif
