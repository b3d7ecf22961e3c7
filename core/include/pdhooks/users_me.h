/* Which company a target is. Every webhook of a listing carries its company_id; a listing
 * that shows none (an empty company, or webhooks without the field) names no company, and
 * then GET /users/me does: Pipedrive answers {"success": true, "data": {"id": ...,
 * "company_id": ..., "company_name": ..., "company_domain": ...}} with the base scope every
 * token has. That call is made only then. */
#ifndef PDHOOKS_USERS_ME_H
#define PDHOOKS_USERS_ME_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/client.h"
#include "pdhooks/error.h"
#include "pdhooks/listing.h"
#include "pdhooks/live.h"

typedef enum {
	PDH_COMPANY_UNKNOWN,    /* not established (not asked yet, or /users/me failed) */
	PDH_COMPANY_LISTING,    /* the company_id the listing shows */
	PDH_COMPANY_USERS_ME    /* the listing showed none: GET /users/me answered it */
} pdh_company_source;

/* A target's company. name and domain only come from /users/me (NULL when not known). */
typedef struct pdh_company {
	pdh_company_source source;
	long long id;           /* valid unless source is PDH_COMPANY_UNKNOWN */
	char *name;
	char *domain;
} pdh_company;

void pdh_company_dispose(pdh_company *c);

/* Parses the answer of GET /users/me strictly: data.company_id an integer (required),
 * company_name and company_domain strings or null (optional). PDH_EPROTO otherwise, never a
 * guess. */
int pdh_users_me_parse(pdh_company *out, const char *body, size_t len, pdh_error *err);

/* GET /users/me once with c, through the one retry loop (pdh_retry_run) and the listing's
 * policy (opts: retry bounds, interrupt, on_wait; its pacer is not used). *calls is increased
 * by the attempts made. 0 with *out filled (source PDH_COMPANY_USERS_ME); PDH_EUNAVAILABLE
 * when the API kept failing (network, 5xx, 429) after the retries; another code for a
 * definite answer (401, 403, 404, a broken answer). */
int pdh_users_me_get(pdh_client *c, const pdh_listing_opts *opts, pdh_company *out,
                     int *calls, pdh_error *err);

/* "company 123" or "company 123 (Acme Inc, acme)" or "an unknown company"; control
 * characters of the name escaped. Caller frees. */
char *pdh_company_text(const pdh_company *c);

#endif
