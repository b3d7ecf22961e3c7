#include "pdhooks/render_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/attr.h"
#include "pdhooks/buf.h"
#include "pdhooks/planfile.h"
#include "pdhooks/secrets.h"
#include "pdhooks/url.h"
#include "pdhooks/users_me.h"
#include "pdhooks/names.h"
#include "plan/plan_json.h"
#include "util/text.h"

json_t *pdh_json_text(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;
	size_t n, i = 0;
	uint32_t cp;
	json_t *j;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	j = json_stringn(s, n);
	if (j != NULL)
		return j;
	while (i < n) {
		size_t l = pdh_utf8_decode(s + i, n - i, &cp);
		if (l == 0) {
			pdh_buf_puts(&b, "\xef\xbf\xbd");
			i++;
		} else {
			pdh_buf_append(&b, s + i, l);
			i += l;
		}
	}
	j = json_stringn(pdh_buf_cstr(&b), b.len);
	pdh_buf_dispose(&b);
	return j ? j : json_string("");
}

char *pdh_json_dump(const json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2));
	char *out;

	if (text == NULL)
		abort(); /* only on out-of-memory: jansson has no other failure for a valid tree */
	out = pdh_xasprintf("%s\n", text);
	free(text);
	return out;
}

void pdh_json_scrub(json_t *j, const pdh_secrets *s)
{
	if (pdh_secrets_count(s) == 0 || j == NULL)
		return;
	if (json_is_string(j)) {
		char *t = pdh_secrets_scrub_n(s, json_string_value(j), json_string_length(j));
		if (strcmp(t, json_string_value(j)) != 0)
			json_string_setn(j, t, strlen(t));
		pdh_free_secret(t);
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++)
			pdh_json_scrub(json_array_get(j, i), s);
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
			pdh_json_scrub(v, s);
	}
}

static json_t *S_url(const char *url)
{
	char *r = pdh_url_redact(url);
	json_t *j = pdh_json_text(r);
	free(r);
	return j;
}

static const char *S_live_password(const pdh_live_webhook *w)
{
	switch (w->password_state) {
	case PDH_SECRET_REAL: return "set";
	case PDH_SECRET_MASKED: return "masked";
	default: return "none";
	}
}

json_t *pdh_plan_json_live(const pdh_live_webhook *w)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(w->id));
	json_object_set_new(o, "type", pdh_json_text(w->type));
	json_object_set_new(o, "is_active", json_boolean(w->is_active));
	json_object_set_new(o, "event_action", pdh_json_text(w->event_action ? w->event_action : ""));
	json_object_set_new(o, "event_object", pdh_json_text(w->event_object ? w->event_object : ""));
	json_object_set_new(o, "subscription_url", S_url(w->subscription_url));
	json_object_set_new(o, "name", pdh_json_text(w->name));
	json_object_set_new(o, "version", pdh_json_text(w->version));
	json_object_set_new(o, "user_id", w->has_user_id ? json_integer(w->user_id) : json_null());
	json_object_set_new(o, "http_auth_user", pdh_json_text(w->http_auth_user));
	json_object_set_new(o, "http_auth_password", json_string(S_live_password(w)));
	json_object_set_new(o, "owner_id", w->has_owner_id ? json_integer(w->owner_id) : json_null());
	json_object_set_new(o, "add_time", pdh_json_text(w->add_time));
	return o;
}

static json_t *S_desired(const pdh_desired_webhook *w)
{
	json_t *o = json_object();
	bool pw = w->has_http_auth_password && w->http_auth_password != NULL;

	json_object_set_new(o, "event_action", pdh_json_text(w->event_action ? w->event_action : ""));
	json_object_set_new(o, "event_object", pdh_json_text(w->event_object ? w->event_object : ""));
	json_object_set_new(o, "subscription_url", S_url(w->subscription_url));
	json_object_set_new(o, "name", pdh_json_text(w->name));
	json_object_set_new(o, "name_derived", json_boolean(w->name_derived));
	json_object_set_new(o, "version", pdh_json_text(w->version));
	json_object_set_new(o, "user_id", w->has_user_id ? json_integer(w->user_id) : json_null());
	json_object_set_new(o, "http_auth_user",
	                    pdh_json_text(w->has_http_auth_user ? w->http_auth_user : NULL));
	json_object_set_new(o, "http_auth_password", json_string(pw ? "set" : "none"));
	json_object_set_new(o, "line", json_integer(w->line > 0 ? w->line : 0));
	return o;
}


static bool S_is_password(const pdh_change *c)
{
	const pdh_attr *attr = pdh_attr_find(c->attribute);
	return c->sensitive || (attr && attr->secret);
}

static json_t *S_action(const pdh_action *a)
{
	json_t *o = json_object(), *changes = json_array();
	bool pw_changed = false;

	for (size_t i = 0; i < a->n_changes; i++) {
		const pdh_change *c = &a->changes[i];
		bool secret = S_is_password(c);
		json_t *jc = json_object();

		/* The planner promises display text without secrets; a sensitive change is still
		 * written as null here, so a slip there cannot leak through this format. */
		json_object_set_new(jc, "attribute", pdh_json_text(c->attribute ? c->attribute : ""));
		json_object_set_new(jc, "sensitive", json_boolean(secret));
		json_object_set_new(jc, "before", secret ? json_null() : pdh_json_text(c->before));
		json_object_set_new(jc, "after", secret ? json_null() : pdh_json_text(c->after));
		json_array_append_new(changes, jc);
		if (secret)
			pw_changed = true;
	}
	json_object_set_new(o, "action", json_string(pdh_action_kind_name(a->kind)));
	json_object_set_new(o, "reason", pdh_json_text(a->reason ? a->reason : ""));
	json_object_set_new(o, "key", pdh_json_text(a->key ? a->key : ""));
	json_object_set_new(o, "live_id", a->live ? json_integer(a->live->id) : json_null());
	json_object_set_new(o, "before", a->live ? pdh_plan_json_live(a->live) : json_null());
	json_object_set_new(o, "after",
	                    a->desired && a->kind != PDH_ACTION_DELETE ? S_desired(a->desired)
	                                                               : json_null());
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "http_auth_password_changed", json_boolean(pw_changed));
	return o;
}

static json_t *S_live_list(const pdh_live_webhook *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, pdh_plan_json_live(items[i]));
	return a;
}

/* The foreign webhooks as live ones, each with why it is not ours. */
static json_t *S_foreign_list(const pdh_plan *plan)
{
	json_t *a = S_live_list(plan->foreign, plan->n_foreign);

	for (size_t i = 0; i < plan->n_foreign; i++) {
		pdh_foreign_reason why = plan->foreign_reasons[i];

		json_object_set_new(json_array_get(a, i), "foreign_reason",
		                    json_string(pdh_foreign_reason_code(why)));
		char text[PDH_FOREIGN_TEXT_MAX];
		json_object_set_new(json_array_get(a, i), "foreign_why",
		                    json_string(pdh_foreign_reason_show(why, plan->foreign[i], text)));
	}
	return a;
}

json_t *pdh_plan_json_types(unsigned types)
{
	json_t *a = json_array();
	if (types & PDH_TYPE_GENERAL)
		json_array_append_new(a, json_string("general"));
	if (types & PDH_TYPE_APPLICATION)
		json_array_append_new(a, json_string("application"));
	return a;
}

const char *pdh_plan_json_auth(pdh_auth_kind auth)
{
	return auth == PDH_AUTH_BEARER ? "oauth" : "api_token";
}

json_t *pdh_json_texts(const char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, pdh_json_text(items[i]));
	return a;
}

/* Owned webhooks whose last delivery failed. Not part of the live fingerprint: deliveries
 * change all day, and a saved plan must not go stale over them. */
static json_t *S_delivery_failures(const pdh_plan *plan)
{
	json_t *a = json_array();

	for (size_t i = 0; i < plan->n_owned; i++) {
		const pdh_owned_webhook *w = &plan->owned[i];
		json_t *o;

		if (!w->delivery_failed)
			continue;
		o = json_object();
		json_object_set_new(o, "key", pdh_json_text(w->key));
		json_object_set_new(o, "live_id", json_integer(w->live->id));
		json_object_set_new(o, "health", json_string(pdh_health_name(w->health)));
		json_object_set_new(o, "last_http_status", w->live->has_last_http_status
		                    ? json_integer(w->live->last_http_status) : json_null());
		json_object_set_new(o, "last_delivery_time", pdh_json_text(w->live->last_delivery_time));
		json_array_append_new(a, o);
	}
	return a;
}

char *pdh_diag_line(const pdh_diags *diags, const pdh_diag *d)
{
	const char *file = diags->file ? diags->file : "";

	if (d->line <= 0)
		return pdh_xasprintf("%s: %s", file, d->message);
	if (d->col <= 0)
		return pdh_xasprintf("%s:%d: %s", file, d->line, d->message);
	return pdh_xasprintf("%s:%d:%d: %s", file, d->line, d->col, d->message);
}

static json_t *S_warnings(const pdh_plan *plan, const pdh_diags *diags)
{
	json_t *a = json_array();

	for (size_t i = 0; diags && i < diags->len; i++) {
		if (diags->items[i].level == PDH_DIAG_WARNING) {
			char *line = pdh_diag_line(diags, &diags->items[i]);
			json_array_append_new(a, pdh_json_text(line));
			free(line);
		}
	}
	for (size_t i = 0; i < plan->n_warnings; i++)
		json_array_append_new(a, pdh_json_text(plan->warnings[i]));
	return a;
}

json_t *pdh_plan_json_target(const pdh_plan *plan, const char *api_url, const pdh_live *live)
{
	const pdh_company *c = plan->target_company;
	char *url = pdh_url_redact(plan->target_api_url ? plan->target_api_url
	                                                : api_url ? api_url : "");
	json_t *o = json_object();
	long long id = 0;
	bool known = c ? c->source != PDH_COMPANY_UNKNOWN : pdh_live_company(live, &id);

	if (c && known)
		id = c->id;
	json_object_set_new(o, "api_url", pdh_json_text(url));
	json_object_set_new(o, "company_id", known ? json_integer((json_int_t)id) : json_null());
	if (c && known && c->name)
		json_object_set_new(o, "company_name", pdh_json_text(c->name));
	if (c && known && c->domain)
		json_object_set_new(o, "company_domain", pdh_json_text(c->domain));
	free(url);
	return o;
}

json_t *pdh_plan_json(const pdh_plan *plan, const pdh_desired *desired, const pdh_live *live,
                      const pdh_diags *diags)
{
	json_t *doc = json_object(), *summary = json_object(), *actions = json_array();
	char fp[65];

	pdh_live_fingerprint(fp, live, plan);
	json_object_set_new(summary, "create", json_integer((json_int_t)plan->n_create));
	json_object_set_new(summary, "replace", json_integer((json_int_t)plan->n_replace));
	json_object_set_new(summary, "delete", json_integer((json_int_t)plan->n_delete));
	json_object_set_new(summary, "unchanged", json_integer((json_int_t)plan->n_unchanged));
	json_object_set_new(summary, "foreign", json_integer((json_int_t)plan->n_foreign));
	json_object_set_new(summary, "unmanaged", json_integer((json_int_t)plan->n_unmanaged));
	json_object_set_new(summary, "excluded", json_integer((json_int_t)plan->n_excluded));
	json_object_set_new(summary, "changes_pending", json_boolean(plan->n_actions > 0));
	json_object_set_new(summary, "max_deletes", json_integer(plan->max_deletes));
	json_object_set_new(summary, "brake", json_boolean(plan->brake));
	json_object_set_new(summary, "brake_reason",
	                    pdh_json_text(plan->brake ? plan->brake_reason : NULL));
	json_object_set_new(summary, "types", pdh_plan_json_types(plan->types));
	json_object_set_new(summary, "auth", json_string(pdh_plan_json_auth(plan->auth)));
	for (size_t i = 0; i < plan->n_actions; i++)
		json_array_append_new(actions, S_action(&plan->actions[i]));

	json_object_set_new(doc, "format_version", json_integer(PDH_PLAN_FORMAT_VERSION));
	json_object_set_new(doc, "desired_file", pdh_json_text(desired && desired->path ? desired->path : ""));
	json_object_set_new(doc, "desired_sha256", json_string(desired ? desired->sha256 : ""));
	json_object_set_new(doc, "live_fingerprint", json_string(fp));
	if (plan->target_api_url)  /* every plan of a run names its target */
		json_object_set_new(doc, "target", pdh_plan_json_target(plan, NULL, live));
	json_object_set_new(doc, "summary", summary);
	json_object_set_new(doc, "actions", actions);
	json_object_set_new(doc, "unchanged", S_live_list(plan->unchanged, plan->n_unchanged));
	json_object_set_new(doc, "foreign", S_foreign_list(plan));
	json_object_set_new(doc, "unmanaged", S_live_list(plan->unmanaged, plan->n_unmanaged));
	json_object_set_new(doc, "delivery_failures", S_delivery_failures(plan));
	json_object_set_new(doc, "notes", pdh_json_texts((const char *const *)plan->notes, plan->n_notes));
	json_object_set_new(doc, "warnings", S_warnings(plan, diags));
	/* Live URLs and names may hold an environment value too: shown as its ${VAR}. The path
	 * of the file is not shown text but where apply PLANFILE reads it: kept as it is. */
	pdh_json_scrub(doc, plan->secrets);
	json_object_set_new(doc, "desired_file", pdh_json_text(desired && desired->path ? desired->path : ""));
	return doc;
}

char *pdh_render_json(const pdh_plan *plan, const pdh_desired *desired, const pdh_live *live,
                      const pdh_diags *diags)
{
	json_t *doc = pdh_plan_json(plan, desired, live, diags);
	char *text = pdh_json_dump(doc);
	json_decref(doc);
	return text;
}
