/* The JSON plan as a jansson tree, shared by render_json.c and planfile.c. Private to core/. */
#ifndef PDH_PLAN_JSON_H
#define PDH_PLAN_JSON_H

#include <jansson.h>

#include "pdhooks/desired.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

/* The document of schemas/plan.schema.json (without "saved"); diags as for
 * pdh_render_json (may be NULL). Caller json_decref()s. */
json_t *pdh_plan_json(const pdh_plan *plan, const pdh_desired *desired, const pdh_live *live,
                      const pdh_diags *diags);
/* The plan's "target": api_url (redacted: plan->target_api_url, else api_url), company_id
 * (plan->target_company's, else the one live shows; null when not known), and company_name,
 * company_domain when known. A new reference. */
json_t *pdh_plan_json_target(const pdh_plan *plan, const char *api_url, const pdh_live *live);
/* A live webhook as the plan document shows it (redacted URL, the password's state and never
 * its value); the saved-plan fingerprint hashes the same. A new reference. */
json_t *pdh_plan_json_live(const pdh_live_webhook *w);
/* PDH_TYPE_* bits as a JSON array of names ("general", "application"). A new reference. */
json_t *pdh_plan_json_types(unsigned types);
/* The credential kind as JSON writes it: "oauth" (Bearer) or "api_token"; static text. */
const char *pdh_plan_json_auth(pdh_auth_kind auth);
/* Replaces, in place, every string value of j (not the keys) by its scrubbed text: each
 * secret of s (NULL: none) as its shown form. */
void pdh_json_scrub(json_t *j, const pdh_secrets *s);
/* "FILE:LINE:COL: message" of a warning of diags (":LINE:COL" left out when unknown).
 * Caller frees. */
char *pdh_diag_line(const pdh_diags *diags, const pdh_diag *d);
/* A JSON string of s (NULL -> null); bytes that are not UTF-8 become U+FFFD, never a
 * failure. A new reference. */
json_t *pdh_json_text(const char *s);
/* A JSON array of the n texts of items, each as pdh_json_text makes it. A new reference. */
json_t *pdh_json_texts(const char *const *items, size_t n);
/* json_dumps with the house layout (2-space indent, trailing newline). Caller frees. */
char *pdh_json_dump(const json_t *doc);

#endif
