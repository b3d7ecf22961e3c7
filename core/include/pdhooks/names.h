/* The plan's words, each vocabulary in one table (core/plan/names.c): action kinds, webhook
 * types (the reasons: pdh_reason_code, plan.h). Code compares the enum values; the names are what
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

/* The reasons of actions are pdh_reason in plan.h, each action carrying its own (pdh_action.why)
 * with its code from pdh_reason_code. */

#endif
