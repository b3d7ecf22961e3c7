/* The plan's words, each vocabulary in one table (core/plan/names.c): action kinds, webhook
 * types and the reasons of actions. Code compares the enum values; the names are what
 * outputs show and what documents read back hold. */
#ifndef PDHOOKS_NAMES_H
#define PDHOOKS_NAMES_H

#include "pdhooks/plan.h"

/* "create", "replace", "delete". */
const char *pdh_action_kind_name(pdh_action_kind k);
/* The kind named name; -1 for NULL or another word. */
int pdh_action_kind_parse(const char *name);

/* "general", "application", NULL: the managed webhook types, for "did you mean". */
extern const char *const pdh_webhook_type_names[];
/* The name of one PDH_TYPE_* bit; NULL for anything else. */
const char *pdh_webhook_type_name(unsigned type);
/* The PDH_TYPE_* bit of a type's name; 0 for NULL or a type pdhooks does not manage
 * ("automation"). */
unsigned pdh_webhook_type_of(const char *name);

/* Why the plan has an action (pdh_action.reason begins with its name). */
typedef enum {
	PDH_REASON_MISSING,       /* "missing": declared, not live */
	PDH_REASON_CHANGED,       /* "changed: ..." an attribute differs */
	PDH_REASON_INACTIVE,      /* "inactive" (maybe "inactive; changed: ...") */
	PDH_REASON_DUPLICATE,     /* "duplicate": a second live copy of a declared webhook */
	PDH_REASON_NOT_DECLARED,  /* "not declared": owned, live, and not in the file (prune) */
	PDH_REASON_OTHER          /* none of these (NULL included) */
} pdh_reason;

/* "missing", "changed", "inactive", "duplicate", "not declared"; "other". */
const char *pdh_reason_name(pdh_reason r);
/* The reason an action's reason text begins with. */
pdh_reason pdh_reason_of(const char *reason);

#endif
