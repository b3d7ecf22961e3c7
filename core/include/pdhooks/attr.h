/* The five compared attributes of a webhook (DESIGN.md, Reconciliation 2), described once:
 * each one's name, type, whether it is a secret, how a declared value is compared with the
 * listing's, how it is shown in a plan's change, and how a saved plan's record of it is
 * checked. The planner's diff, the renderers and the saved-plan check read this table. */
#ifndef PDHOOKS_ATTR_H
#define PDHOOKS_ATTR_H

#include <stdbool.h>

#include "pdhooks/desired.h"
#include "pdhooks/live.h"
#include "pdhooks/secrets.h"

typedef enum {
	PDH_ATTR_NAME,
	PDH_ATTR_USER_ID,
	PDH_ATTR_VERSION,
	PDH_ATTR_HTTP_AUTH_USER,
	PDH_ATTR_HTTP_AUTH_PASSWORD,
	PDH_ATTR_COUNT
} pdh_attr_id;

typedef enum {
	PDH_ATTR_TEXT,      /* a string, or null */
	PDH_ATTR_INTEGER,   /* an integer, or null */
	PDH_ATTR_PASSWORD   /* a secret string, or null; the listing may mask it */
} pdh_attr_type;

/* One side's value of one attribute. */
typedef struct pdh_attr_value {
	bool declared;             /* desired: the file declares it (after defaults); a derived
	                              name is not declared. live: always true */
	bool null;                 /* null, or absent from the listing */
	const char *text;          /* TEXT: the string; PASSWORD: a real value (never print it) */
	long long integer;         /* INTEGER */
	pdh_secret_state secret;   /* PASSWORD: the listing's none / masked / real; desired: none
	                              for null, real for a value */
	const char *ref;           /* desired PASSWORD: the text as written ("${VAR}") */
} pdh_attr_value;

typedef struct pdh_attr {
	pdh_attr_id id;
	const char *name;          /* Pipedrive's field name, and a plan change's "attribute" */
	pdh_attr_type type;
	bool secret;               /* shown as "(sensitive)", saved as its ${VAR} reference */
	bool compared_by_default;  /* compared even when not declared: version defaults to "2.0" */
	bool absent_agrees;        /* a listing without the field cannot disagree (version) */
	pdh_attr_value (*desired)(const pdh_desired_webhook *w);
	pdh_attr_value (*live)(const pdh_live_webhook *w);
} pdh_attr;

/* In DESIGN.md's order, which is the order a reason lists its changes in. */
extern const pdh_attr pdh_attrs[PDH_ATTR_COUNT];

typedef enum {
	PDH_ATTR_SAME,
	PDH_ATTR_DIFFERS,
	PDH_ATTR_NOT_DECLARED,     /* the file does not declare it: not compared */
	PDH_ATTR_MASKED,           /* a password the listing masks: cannot be checked */
	PDH_ATTR_NOT_LISTED        /* a password the listing shows as null while it shows no
	                              password at all: cannot be checked (Pipedrive does not
	                              promise to return passwords) */
} pdh_attr_cmp;

/* What the whole listing tells about one webhook's values. */
typedef struct pdh_attr_listing {
	bool shows_passwords;      /* some live webhook has a password, real or masked: a null
	                              one means "none", so a declared password differs from it */
} pdh_attr_listing;

/* Compares attribute a of the declared webhook d with the live webhook l of a listing (NULL:
 * nothing known about it). */
pdh_attr_cmp pdh_attr_compare(const pdh_attr *a, const pdh_desired_webhook *d,
                              const pdh_live_webhook *l, const pdh_attr_listing *listing);
/* The text a plan's change shows: a string quoted (pdh_quote), an integer in digits, null as
 * "null", a secret as "(sensitive)" (or "null"). Caller frees. */
char *pdh_attr_live_text(const pdh_attr *a, const pdh_live_webhook *l);
char *pdh_attr_desired_text(const pdh_attr *a, const pdh_desired_webhook *d);
/* Whether the file now declares attribute a as the record a saved plan kept: the same
 * declaration and value, a secret by its ${VAR} reference (a record has no value). Every text
 * of a record was scrubbed with secrets when saved, so now's texts are scrubbed the same way
 * (secrets may be NULL). */
bool pdh_attr_same_record(const pdh_attr *a, const pdh_desired_webhook *now,
                          const pdh_desired_webhook *record, const pdh_secrets *secrets);
/* The attribute called name, or NULL. */
const pdh_attr *pdh_attr_find(const char *name);

#endif
