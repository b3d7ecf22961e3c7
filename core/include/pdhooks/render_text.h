/* Plans as people read them. The text form is `pdhooks plan`'s default output. */
#ifndef PDHOOKS_RENDER_TEXT_H
#define PDHOOKS_RENDER_TEXT_H

#include <stdbool.h>

#include "pdhooks/plan.h"

/* Foreign and unmanaged webhooks are summarised: counts, then at most this many listed. */
#define PDH_RENDER_LIST_MAX 5

/* The whole plan as text, ending with a newline: one line per action with a Terraform-like
 * marker ("+" create, "-" delete, "-/+" replace), its key, live id, name and reason; then
 * notes, warnings, unmanaged and foreign webhooks, the brake verdict, and the summary line
 * (pdh_render_summary). URLs are normalised and redacted; passwords never appear.
 * color adds ANSI colours (the caller decides: a terminal and no NO_COLOR). Caller frees. */
char *pdh_render_text(const pdh_plan *plan, bool color);

/* The last line of the text form, without a newline:
 *   "Plan: 1 to create, 1 to replace, 1 to delete; 7 unchanged, 2 foreign."
 *   "No changes. 7 unchanged, 2 foreign."
 * ", N unmanaged" follows "foreign" when some owned webhooks are kept undeclared.
 * Caller frees. */
char *pdh_render_summary(const pdh_plan *plan);

/* The plan's target in words, as the text and Markdown headers show it: "URL, company 123
 * (Acme Inc, acme)" (the URL redacted, control characters escaped); NULL when the plan names
 * none (made outside a run). Caller frees. */
char *pdh_render_target(const pdh_plan *plan);

#endif
