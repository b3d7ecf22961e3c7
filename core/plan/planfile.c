#include "pdhooks/planfile.h"
#include "pdhooks/render_json.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/marker.h"
#include "pdhooks/atomic_write.h"
#include "pdhooks/attr.h"
#include "pdhooks/buf.h"
#include "pdhooks/read_file.h"
#include "pdhooks/same_file.h"
#include "pdhooks/url.h"
#include "pdhooks/secrets.h"
#include "pdhooks/names.h"
#include "pdhooks/sha256.h"
#include "desired/varref.h"
#include "plan/plan_json.h"

/* ---- the live fingerprint ---- */

static int S_cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int S_cmp_live(const void *a, const void *b)
{
	const pdh_live_webhook *x = *(const pdh_live_webhook *const *)a;
	const pdh_live_webhook *y = *(const pdh_live_webhook *const *)b;
	int c = (x->id > y->id) - (x->id < y->id);
	if (c == 0)
		c = strcmp(x->subscription_url ? x->subscription_url : "",
		           y->subscription_url ? y->subscription_url : "");
	return c;
}

/* Whether s goes into JSON as it is: printable ASCII, no '"' nor '\\'. */
static bool S_plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

/* The text `"KEY":VALUE` of s in the compact JSON of the fingerprint, exactly as jansson
 * writes pdh_json_text(s) scrubbed of the plan's secrets: plain ASCII directly, anything else
 * (escapes, other UTF-8, bytes that are not UTF-8, a scrubbed text that is not) by jansson. */
static void S_fp_text(pdh_buf *b, const char *key, const char *s, const pdh_secrets *secrets)
{
	char *scrubbed = NULL;
	size_t n;

	pdh_buf_puts(b, ",\"");
	pdh_buf_puts(b, key);
	pdh_buf_puts(b, "\":");
	if (s == NULL) {
		pdh_buf_puts(b, "null");
		return;
	}
	n = strlen(s);
	if (S_plain_ascii(s, n) && pdh_secrets_count(secrets) > 0)
		scrubbed = pdh_secrets_scrub_n(secrets, s, n);
	if (S_plain_ascii(s, n) && (scrubbed == NULL || S_plain_ascii(scrubbed, strlen(scrubbed)))) {
		pdh_buf_putc(b, '"');
		pdh_buf_puts(b, scrubbed ? scrubbed : s);
		pdh_buf_putc(b, '"');
	} else {
		json_t *j = pdh_json_text(s);
		char *text;

		pdh_json_scrub(j, secrets);
		text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text == NULL)
			abort();
		pdh_buf_puts(b, text);
		pdh_free_secret(text);
		json_decref(j);
	}
	pdh_free_secret(scrubbed);
}

/* One live webhook as json_dumps(JSON_COMPACT) writes pdh_plan_json_live(w), scrubbed, less
 * owner_id and add_time; keys in that order. */
static void S_fp_webhook(pdh_buf *b, const pdh_live_webhook *w, const pdh_secrets *secrets)
{
	char *url = pdh_url_redact(w->subscription_url);

	pdh_buf_printf(b, "{\"id\":%lld", w->id);
	S_fp_text(b, "type", w->type, secrets);
	pdh_buf_printf(b, ",\"is_active\":%s", w->is_active ? "true" : "false");
	S_fp_text(b, "event_action", w->event_action ? w->event_action : "", secrets);
	S_fp_text(b, "event_object", w->event_object ? w->event_object : "", secrets);
	S_fp_text(b, "subscription_url", url, secrets);
	S_fp_text(b, "name", w->name, secrets);
	S_fp_text(b, "version", w->version, secrets);
	if (w->has_user_id)
		pdh_buf_printf(b, ",\"user_id\":%lld", w->user_id);
	else
		pdh_buf_puts(b, ",\"user_id\":null");
	S_fp_text(b, "http_auth_user", w->http_auth_user, secrets);
	S_fp_text(b, "http_auth_password", w->password_state == PDH_SECRET_REAL ? "set"
	          : w->password_state == PDH_SECRET_MASKED ? "masked" : "none", secrets);
	pdh_buf_putc(b, '}');
	free(url);
}

void pdh_live_fingerprint(char out[65], const pdh_live *live, const pdh_plan *plan)
{
	size_t n_foreign = plan ? plan->n_foreign : 0, n = 0;
	long long *foreign = pdh_xcalloc(n_foreign + 1, sizeof(*foreign));
	const pdh_secrets *secrets = plan ? plan->secrets : NULL;
	const pdh_live_webhook **owned;
	pdh_buf b = PDH_BUF_INIT;

	for (size_t i = 0; i < n_foreign; i++)
		foreign[i] = plan->foreign[i]->id;
	qsort(foreign, n_foreign, sizeof(*foreign), S_cmp_ll);
	owned = pdh_xcalloc((live ? live->n : 0) + 1, sizeof(*owned));
	for (size_t i = 0; live && i < live->n; i++) {
		if (!bsearch(&live->items[i].id, foreign, n_foreign, sizeof(*foreign), S_cmp_ll))
			owned[n++] = &live->items[i];
	}
	qsort(owned, n, sizeof(*owned), S_cmp_live);
	b.data = pdh_xgrow(NULL, &b.cap, 512 * (n + 1), 1);  /* about a webhook's text each */
	b.data[0] = '\0';
	/* Each as in the plan: the redacted URL, since the digest is published with the plan
	 * and a short secret in a query could be guessed from it (a changed credential in a URL
	 * still makes a saved plan stale: planning again no longer gives the same actions);
	 * the password's state, never its value. Not owner_id and add_time: pdhooks does not
	 * manage them. The text hashed is the compact JSON array of pdh_plan_json_live's objects
	 * (scrubbed, less those two), written here without building the tree: saved plans keep
	 * this digest. */
	pdh_buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			pdh_buf_putc(&b, ',');
		S_fp_webhook(&b, owned[i], secrets);
	}
	pdh_buf_putc(&b, ']');
	pdh_sha256_hex(pdh_buf_cstr(&b), b.len, out);
	pdh_buf_dispose(&b);
	free(owned);
	free(foreign);
}

/* ---- writing ---- */

/* Whether ref is one or more ${NAME} and nothing else: the only form saved. */
/* An empty password is none (the plan and the POST body read it so): nothing to keep. */
static bool S_pw_none(const char *password)
{
	return password == NULL || *password == '\0';
}

static bool S_ref_ok(const char *ref)
{
	return ref && pdh_varref_count_pure(ref, strlen(ref)) > 0;
}

/* Credentials in URLs (userinfo, query values) may come from ${VAR}: never saved. */
static json_t *S_redacted(const char *url)
{
	char *r = pdh_url_redact(url ? url : "");
	json_t *j = pdh_json_text(r);
	free(r);
	return j;
}

static json_t *S_saved_webhook(const pdh_desired_webhook *w)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", pdh_json_text(w->name ? w->name : ""));
	json_object_set_new(o, "name_derived", json_boolean(w->name_derived));
	json_object_set_new(o, "event_action", pdh_json_text(w->event_action ? w->event_action : ""));
	json_object_set_new(o, "event_object", pdh_json_text(w->event_object ? w->event_object : ""));
	json_object_set_new(o, "subscription_url", S_redacted(w->subscription_url));
	json_object_set_new(o, "version", pdh_json_text(w->version ? w->version : "2.0"));
	json_object_set_new(o, "version_declared", json_boolean(w->version_declared));
	if (w->has_user_id)
		json_object_set_new(o, "user_id", json_integer(w->user_id));
	if (w->has_http_auth_user)
		json_object_set_new(o, "http_auth_user", pdh_json_text(w->http_auth_user));
	if (w->has_http_auth_password)
		json_object_set_new(o, "http_auth_password_ref",
		                    !S_pw_none(w->http_auth_password)
		                    ? pdh_json_text(w->http_auth_password_ref) : json_null());
	if (w->password_version > 0)
		json_object_set_new(o, "http_auth_password_version",
		                    json_integer((json_int_t)w->password_version));
	json_object_set_new(o, "line", json_integer(w->line > 0 ? w->line : 0));
	return o;
}

bool pdh_live_company(const pdh_live *live, long long *company_id)
{
	for (size_t i = 0; live && i < live->n; i++)
		if (live->items[i].has_company_id) {
			*company_id = live->items[i].company_id;
			return true;
		}
	return false;
}

/* The part of the plan --adopt, --takeover, --target and --exclude chose: apply PLANFILE
 * plans with the same. */
static void S_save_choice(json_t *o, const pdh_plan_opts *opts)
{
	json_object_set_new(o, "adopt", json_boolean(opts && opts->adopt));
	json_object_set_new(o, "takeover", opts && opts->takeover ? pdh_json_text(opts->takeover)
	                                                          : json_null());
	json_object_set_new(o, "targets", pdh_json_texts(opts ? opts->targets : NULL,
	                                                 opts ? opts->n_targets : 0));
	json_object_set_new(o, "excludes", pdh_json_texts(opts ? opts->excludes : NULL,
	                                                  opts ? opts->n_excludes : 0));
}

int pdh_planfile_format(char **out, const pdh_plan *plan, const pdh_desired *desired,
                        const pdh_live *live, const pdh_plan_opts *opts, const char *api_url,
                        const char *plan_path, pdh_error *err)
{
	json_t *doc = NULL, *saved, *d, *hooks, *urls, *o;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < desired->n_webhooks; i++) {
		const pdh_desired_webhook *w = &desired->webhooks[i];
		/* An empty password is none: nothing secret to keep out of the plan. */
		if (w->has_http_auth_password && !S_pw_none(w->http_auth_password) &&
		    !S_ref_ok(w->http_auth_password_ref)) {
			/* Never quote the text: it may be the password itself. */
			rc = pdh_error_set(err, PDH_EINVAL,
				"%s:%d: the http_auth_password of webhook '%s' is not only ${VAR} "
				"references; a saved plan keeps no password, so it cannot be saved "
				"(read it from the environment, or apply with -f)",
				desired->path ? desired->path : "desired file", w->line,
				w->name ? w->name : "");
			goto done;
		}
	}
	doc = pdh_plan_json(plan, desired, live, NULL);
	saved = json_object();
	d = json_object();
	hooks = json_array();
	urls = json_array();
	for (size_t i = 0; i < desired->n_manage_urls; i++)
		json_array_append_new(urls, S_redacted(desired->manage_urls[i]));
	for (size_t i = 0; i < desired->n_webhooks; i++)
		json_array_append_new(hooks, S_saved_webhook(&desired->webhooks[i]));
	json_object_set_new(d, "format_version", json_integer(desired->format_version));
	json_object_set_new(d, "prune", json_boolean(desired->prune));
	json_object_set_new(d, "manage_all", json_boolean(desired->manage_all));
	json_object_set_new(d, "manage_urls_declared", json_boolean(desired->manage_urls_declared));
	json_object_set_new(d, "manage_urls", urls);
	json_object_set_new(d, "max_deletes", json_integer(desired->max_deletes));
	json_object_set_new(d, "manage_types", desired->manage_types
	                    ? pdh_plan_json_types(desired->manage_types) : json_null());
	json_object_set_new(d, "owner", desired->owner ? pdh_json_text(desired->owner)
	                                               : json_null());
	json_object_set_new(d, "adopt", json_boolean(desired->adopt));
	json_object_set_new(d, "webhooks", hooks);
	o = json_object();
	json_object_set_new(o, "max_deletes",
	                    json_integer(opts && opts->max_deletes_set ? opts->max_deletes : -1));
	json_object_set_new(o, "auth", json_string(pdh_plan_json_auth(opts ? opts->auth
	                                                                     : PDH_AUTH_NONE)));
	S_save_choice(o, opts);
	/* The target a saved plan names (apply checks it): the API URL, redacted (a token in a
	 * query is no business of a plan), and the company, null when none could be named. */
	json_object_set_new(saved, "target", pdh_plan_json_target(plan, api_url, live));
	json_object_set_new(saved, "desired", d);
	json_object_set_new(saved, "options", o);
	json_object_set_new(doc, "saved", saved);
	/* Environment values as their ${VAR}: re-read at apply, as passwords are. The path of
	 * the desired file is where apply reads it: kept as it is. */
	pdh_json_scrub(doc, desired->secrets);
	json_object_set_new(doc, "desired_file", pdh_json_text(desired->path ? desired->path : ""));
	/* A plan made in one directory (a CI job's checkout) may be applied from another: the
	 * desired file as seen from the plan is what apply looks for first. */
	if (plan_path && desired->path && strcmp(desired->path, "-") != 0) {
		char *rel = pdh_path_relative(plan_path, desired->path);

		if (rel)
			json_object_set_new(doc, "desired_file_from_plan", pdh_json_text(rel));
		free(rel);
	}
	*out = pdh_json_dump(doc);
done:
	json_decref(doc);
	return rc;
}

int pdh_planfile_save(const char *path, const char *text, char digest[65], pdh_error *err)
{
	size_t len = strlen(text);
	int rc = pdh_write_file_atomic(path, text, len, 0600, true, err);

	if (rc == 0 && digest)
		pdh_sha256_hex(text, len, digest);
	return rc;
}

/* ---- reading ---- */

typedef struct S_rd {
	const char *name;
	pdh_error *err;
} S_rd;

static int S_bad(S_rd *r, const char *where, const char *what)
{
	return pdh_error_set(r->err, PDH_EFILE, "%s: not a pdhooks saved plan: %s %s", r->name,
	                     where, what);
}

static bool S_hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* The member k of o: present (unless optional), of one of the JSON types in `types`
 * (a bit set of 1 << json_type). *out borrowed; NULL when optional and absent. */
static int S_member(S_rd *r, const json_t *o, const char *where, const char *k, unsigned types,
                    bool optional, json_t **out)
{
	json_t *v = json_object_get(o, k);
	char msg[256];

	*out = v;
	if (v == NULL) {
		if (optional)
			return 0;
		snprintf(msg, sizeof(msg), "has no member \"%s\"", k);
		return S_bad(r, where, msg);
	}
	if (!(types & (1u << json_typeof(v)))) {
		snprintf(msg, sizeof(msg), "member \"%s\" has the wrong type", k);
		return S_bad(r, where, msg);
	}
	return 0;
}

#define T_OBJ (1u << JSON_OBJECT)
#define T_ARR (1u << JSON_ARRAY)
#define T_STR (1u << JSON_STRING)
#define T_INT (1u << JSON_INTEGER)
#define T_BOOL ((1u << JSON_TRUE) | (1u << JSON_FALSE))
#define T_NULL (1u << JSON_NULL)

/* Only the listed members (NULL-terminated). */
static int S_only(S_rd *r, const json_t *o, const char *where, const char *const *known)
{
	const char *k;
	json_t *v;
	char msg[256];

	json_object_foreach((json_t *)o, k, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], k) != 0)
			i++;
		if (known[i] == NULL) {
			snprintf(msg, sizeof(msg), "has an unknown member \"%.100s\"", k);
			return S_bad(r, where, msg);
		}
	}
	return 0;
}

static int S_text(S_rd *r, const json_t *o, const char *where, const char *k, char **out)
{
	json_t *v;
	int rc = S_member(r, o, where, k, T_STR, false, &v);
	if (rc == 0)
		*out = pdh_xstrdup(json_string_value(v));
	return rc;
}

static int S_bool(S_rd *r, const json_t *o, const char *where, const char *k, bool *out)
{
	json_t *v;
	int rc = S_member(r, o, where, k, T_BOOL, false, &v);
	if (rc == 0)
		*out = json_is_true(v);
	return rc;
}

static int S_int(S_rd *r, const json_t *o, const char *where, const char *k, long long lo,
                 long long hi, long long *out)
{
	json_t *v;
	int rc = S_member(r, o, where, k, T_INT, false, &v);
	if (rc == 0) {
		*out = json_integer_value(v);
		if (*out < lo || *out > hi) {
			char what[160];
			snprintf(what, sizeof(what), "has %s %lld, out of range (expected %lld to %lld)",
			         k, *out, lo, hi);
			rc = S_bad(r, where, what);
		}
	}
	return rc;
}

static int S_webhook(S_rd *r, const json_t *o, size_t index, pdh_desired_webhook *w)
{
	static const char *const known[] = { "name", "name_derived", "event_action",
		"event_object", "subscription_url", "version", "version_declared", "user_id",
		"http_auth_user", "http_auth_password_ref", "http_auth_password_version", "line",
		NULL };
	char where[64];
	json_t *v;
	long long n;
	int rc;

	snprintf(where, sizeof(where), "saved.desired.webhooks[%zu]", index);
	if (!json_is_object(o))
		return S_bad(r, where, "is not an object");
	if ((rc = S_only(r, o, where, known)) != 0 ||
	    (rc = S_text(r, o, where, "name", &w->name)) != 0 ||
	    (rc = S_bool(r, o, where, "name_derived", &w->name_derived)) != 0 ||
	    (rc = S_text(r, o, where, "event_action", &w->event_action)) != 0 ||
	    (rc = S_text(r, o, where, "event_object", &w->event_object)) != 0 ||
	    (rc = S_text(r, o, where, "subscription_url", &w->subscription_url)) != 0 ||
	    (rc = S_text(r, o, where, "version", &w->version)) != 0 ||
	    (rc = S_bool(r, o, where, "version_declared", &w->version_declared)) != 0)
		return rc;
	if ((rc = S_member(r, o, where, "user_id", T_INT, true, &v)) != 0)
		return rc;
	if (v) {
		w->has_user_id = true;
		w->user_id = json_integer_value(v);
	}
	if ((rc = S_member(r, o, where, "http_auth_user", T_STR | T_NULL, true, &v)) != 0)
		return rc;
	if (v) {
		w->has_http_auth_user = true;
		w->http_auth_user = pdh_xstrdup(json_string_value(v));
	}
	if ((rc = S_member(r, o, where, "http_auth_password_ref", T_STR | T_NULL, true, &v)) != 0)
		return rc;
	if (v) {
		w->has_http_auth_password = true;
		if (json_is_string(v)) {
			if (!S_ref_ok(json_string_value(v)))
				return S_bad(r, where, "has a password reference that is not ${VAR}");
			w->http_auth_password_ref = pdh_xstrdup(json_string_value(v));
		}
	}
	if ((rc = S_member(r, o, where, "http_auth_password_version", T_INT, true, &v)) != 0)
		return rc;
	if (v) {
		w->password_version = json_integer_value(v);
		if (w->password_version < 1 || w->password_version > PDH_PASSWORD_VERSION_MAX)
			return S_bad(r, where, "has an http_auth_password_version out of range");
	}
	if ((rc = S_member(r, o, where, "line", T_INT, true, &v)) != 0)
		return rc;
	n = v ? json_integer_value(v) : 0;
	w->line = n > 0 && n < 1000000000 ? (int)n : 0;
	return 0;
}

static int S_desired(S_rd *r, const json_t *o, pdh_desired *d)
{
	static const char *const known[] = { "format_version", "prune", "manage_all",
		"manage_urls_declared", "manage_urls", "max_deletes", "manage_types", "owner", "adopt",
		"webhooks", NULL };
	const char *where = "saved.desired";
	json_t *urls, *hooks, *types, *v;
	long long n;
	int rc;

	if ((rc = S_only(r, o, where, known)) != 0 ||
	    (rc = S_int(r, o, where, "format_version", 1, 1, &n)) != 0)
		return rc;
	d->format_version = (int)n;
	if ((rc = S_bool(r, o, where, "prune", &d->prune)) != 0 ||
	    (rc = S_bool(r, o, where, "manage_all", &d->manage_all)) != 0 ||
	    (rc = S_bool(r, o, where, "manage_urls_declared", &d->manage_urls_declared)) != 0 ||
	    (rc = S_int(r, o, where, "max_deletes", -1, PDH_MAX_DELETES_MAX, &n)) != 0)
		return rc;
	d->max_deletes = (int)n;
	if ((rc = S_member(r, o, where, "owner", T_STR | T_NULL, true, &v)) != 0)
		return rc;
	if (json_is_string(v)) {
		if (!pdh_marker_owner_valid(json_string_value(v)))
			return S_bad(r, where, "has an owner that is not a valid manage.owner");
		d->owner = pdh_xstrdup(json_string_value(v));
	}
	if ((rc = S_member(r, o, where, "adopt", T_BOOL, true, &v)) != 0)
		return rc;
	d->adopt = json_is_true(v);
	if ((rc = S_member(r, o, where, "manage_types", T_ARR | T_NULL, true, &types)) != 0)
		return rc;
	for (size_t i = 0; types && i < json_array_size(types); i++) {
		const char *t = json_string_value(json_array_get(types, i));
		unsigned bit = pdh_webhook_type_of(t);
		if (bit == 0 || (d->manage_types & bit))
			return S_bad(r, where, "has a manage_types item that is not general or "
			             "application, or one listed twice");
		d->manage_types |= bit;
	}
	if (types && json_is_array(types) && d->manage_types == 0)
		return S_bad(r, where, "has an empty manage_types");
	if ((rc = S_member(r, o, where, "manage_urls", T_ARR, false, &urls)) != 0 ||
	    (rc = S_member(r, o, where, "webhooks", T_ARR, false, &hooks)) != 0)
		return rc;
	d->manage_urls = pdh_xcalloc(json_array_size(urls) + 1, sizeof(*d->manage_urls));
	for (size_t i = 0; i < json_array_size(urls); i++) {
		if (!json_is_string(json_array_get(urls, i)))
			return S_bad(r, where, "has a manage_urls item that is not a string");
		d->manage_urls[d->n_manage_urls++] = pdh_xstrdup(json_string_value(json_array_get(urls, i)));
	}
	d->webhooks = pdh_xcalloc(json_array_size(hooks) + 1, sizeof(*d->webhooks));
	for (size_t i = 0; i < json_array_size(hooks); i++) {
		d->n_webhooks = i + 1;
		if ((rc = S_webhook(r, json_array_get(hooks, i), i, &d->webhooks[i])) != 0)
			return rc;
	}
	pdh_desired_mark_names(d);
	return 0;
}

static int S_actions(S_rd *r, const json_t *arr, pdh_planfile *pf)
{
	int rc;

	pf->actions = pdh_xcalloc(json_array_size(arr) + 1, sizeof(*pf->actions));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *a = json_array_get(arr, i);
		pdh_planfile_action *pa = &pf->actions[i];
		char where[64], *kind = NULL;
		json_t *id;
		int k;

		snprintf(where, sizeof(where), "actions[%zu]", i);
		pf->n_actions = i + 1;
		if (!json_is_object(a))
			return S_bad(r, where, "is not an object");
		if ((rc = S_text(r, a, where, "action", &kind)) != 0)
			return rc;
		k = pdh_action_kind_parse(kind);
		free(kind);
		if (k < 0)
			return S_bad(r, where, "has an unknown action");
		pa->kind = (pdh_action_kind)k;
		if ((rc = S_text(r, a, where, "key", &pa->key)) != 0 ||
		    (rc = S_member(r, a, where, "live_id", T_INT | T_NULL, false, &id)) != 0)
			return rc;
		if (json_is_null(id) != (pa->kind == PDH_ACTION_CREATE))
			return S_bad(r, where, "has a live_id that does not fit its action");
		pa->live_id = id && json_is_integer(id) ? json_integer_value(id) : -1;
	}
	return 0;
}

/* saved.options' adopt, takeover, targets and excludes (absent: none), kept by pf. */
static int S_read_choice(S_rd *r, const json_t *so, pdh_planfile *pf)
{
	const char *where = "saved.options";
	json_t *v, *lists[2];
	size_t n;
	int rc;

	if ((rc = S_member(r, so, where, "adopt", T_BOOL, true, &v)) != 0)
		return rc;
	pf->opts.adopt = json_is_true(v);
	if ((rc = S_member(r, so, where, "takeover", T_STR | T_NULL, true, &v)) != 0)
		return rc;
	if (json_is_string(v)) {
		if (!pdh_marker_owner_valid(json_string_value(v)))
			return S_bad(r, where, "has a takeover that is not a valid owner");
		pf->takeover = pdh_xstrdup(json_string_value(v));
	}
	if ((rc = S_member(r, so, where, "targets", T_ARR, true, &lists[0])) != 0 ||
	    (rc = S_member(r, so, where, "excludes", T_ARR, true, &lists[1])) != 0)
		return rc;
	n = json_array_size(lists[0]) + json_array_size(lists[1]);
	pf->patterns = pdh_xcalloc(n + 1, sizeof(*pf->patterns));
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < json_array_size(lists[k]); i++) {
			const char *s = json_string_value(json_array_get(lists[k], i));
			if (s == NULL)
				return S_bad(r, where, "has a pattern that is not a string");
			pf->patterns[pf->n_patterns++] = pdh_xstrdup(s);
		}
		if (k == 0)
			pf->n_targets = pf->n_patterns;
	}
	return 0;
}

void pdh_planfile_choice(pdh_plan_opts *out, const pdh_planfile *pf)
{
	out->adopt = pf->opts.adopt;
	out->takeover = pf->takeover;
	out->targets = (const char *const *)pf->patterns;
	out->n_targets = pf->n_targets;
	out->excludes = (const char *const *)pf->patterns + pf->n_targets;
	out->n_excludes = pf->n_patterns - pf->n_targets;
}

void pdh_planfile_free(pdh_planfile *pf)
{
	if (pf == NULL)
		return;
	pdh_desired_free(pf->record);
	PDH_FREE_EACH_FIELD(pf->actions, pf->n_actions, key);
	pdh_free_strings(pf->patterns, pf->n_patterns);
	PDH_FREE_ALL(pf->takeover, pf->desired_path, pf->desired_from_plan, pf->api_url,
	             pf->company_name, pf->company_domain, pf);
}

int pdh_planfile_parse(pdh_planfile **out, const char *name, const char *data, size_t len,
                       pdh_error *err)
{
	static const char *const known[] = { "format_version", "desired_file",
		"desired_file_from_plan", "desired_sha256",
		"live_fingerprint", "target", "summary", "actions", "unchanged", "foreign", "unmanaged",
		"delivery_failures", "notes", "warnings", "saved", NULL };
	static const char *const known_saved[] = { "target", "desired", "options", NULL };
	static const char *const known_target[] = { "api_url", "company_id", "company_name",
		"company_domain", NULL };
	static const char *const known_opts[] = { "max_deletes", "auth", "adopt", "takeover",
		"targets", "excludes", NULL };
	S_rd r = { name ? name : "saved plan", err };
	pdh_planfile *pf = pdh_xcalloc(1, sizeof(*pf));
	json_t *doc = NULL, *v, *saved, *sd, *so, *st, *actions;
	json_error_t je;
	long long n;
	int rc = 0;

	*out = NULL;
	if (len > PDH_PLANFILE_MAX_BYTES) {
		rc = S_bad(&r, "is", "larger than the limit");
		goto done;
	}
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		rc = pdh_error_set(err, PDH_EFILE, "%s:%d:%d: not a pdhooks saved plan: %s", r.name,
		                   je.line, je.column, je.text);
		goto done;
	}
	if (!json_is_object(doc)) {
		rc = S_bad(&r, "the document", "is not an object");
		goto done;
	}
	/* The version first: a newer format may well have members this pdhooks does not know. */
	v = json_object_get(doc, "format_version");
	if (json_is_integer(v) && json_integer_value(v) > PDH_PLAN_FORMAT_VERSION) {
		rc = pdh_error_set(err, PDH_EFILE, "%s: a saved plan of format version %lld, newer "
		                   "than this pdhooks reads (version %d); apply it with the pdhooks "
		                   "that made it, or plan again", r.name,
		                   (long long)json_integer_value(v), PDH_PLAN_FORMAT_VERSION);
		goto done;
	}
	if ((rc = S_only(&r, doc, "the document", known)) != 0 ||
	    (rc = S_int(&r, doc, "the document", "format_version", 1, PDH_PLAN_FORMAT_VERSION,
	                &n)) != 0 ||
	    (rc = S_text(&r, doc, "the document", "desired_file", &pf->desired_path)) != 0)
		goto done;
	if (json_object_get(doc, "desired_file_from_plan") &&
	    (rc = S_text(&r, doc, "the document", "desired_file_from_plan",
	                 &pf->desired_from_plan)) != 0)
		goto done;
	for (int i = 0; i < 2; i++) {
		const char *k = i == 0 ? "desired_sha256" : "live_fingerprint";
		if ((rc = S_member(&r, doc, "the document", k, T_STR, false, &v)) != 0)
			goto done;
		if (!S_hex64(json_string_value(v))) {
			rc = S_bad(&r, k, "is not a SHA-256 in hex");
			goto done;
		}
		memcpy(i == 0 ? pf->desired_sha256 : pf->live_fingerprint, json_string_value(v), 65);
	}
	if ((rc = S_member(&r, doc, "the document", "summary", T_OBJ, false, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "unchanged", T_ARR, false, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "foreign", T_ARR, false, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "unmanaged", T_ARR, false, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "delivery_failures", T_ARR, true, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "notes", T_ARR, false, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "warnings", T_ARR, false, &v)) != 0 ||
	    (rc = S_member(&r, doc, "the document", "actions", T_ARR, false, &actions)) != 0 ||
	    (rc = S_actions(&r, actions, pf)) != 0)
		goto done;
	if ((rc = S_member(&r, doc, "the document", "saved", T_OBJ, true, &saved)) != 0)
		goto done;
	if (saved == NULL) {
		rc = pdh_error_set(err, PDH_EFILE, "%s: this is a JSON plan, not a saved one (write "
		                   "one with pdhooks plan -o PLANFILE)", r.name);
		goto done;
	}
	if ((rc = S_only(&r, saved, "saved", known_saved)) != 0)
		goto done;
	if (json_object_get(saved, "target") == NULL) {
		rc = pdh_error_set(err, PDH_EFILE, "%s: this saved plan does not name its target "
		                   "(the API URL and company it was made for; written by an older "
		                   "pdhooks); plan again", r.name);
		goto done;
	}
	if ((rc = S_member(&r, saved, "saved", "target", T_OBJ, false, &st)) != 0 ||
	    (rc = S_only(&r, st, "saved.target", known_target)) != 0 ||
	    (rc = S_text(&r, st, "saved.target", "api_url", &pf->api_url)) != 0 ||
	    (rc = S_member(&r, st, "saved.target", "company_id", T_INT | T_NULL, false, &v)) != 0)
		goto done;
	pf->has_company_id = json_is_integer(v);
	pf->company_id = pf->has_company_id ? (long long)json_integer_value(v) : 0;
	if ((rc = S_member(&r, st, "saved.target", "company_name", T_STR, true, &v)) != 0)
		goto done;
	pf->company_name = v ? pdh_xstrdup(json_string_value(v)) : NULL;
	if ((rc = S_member(&r, st, "saved.target", "company_domain", T_STR, true, &v)) != 0)
		goto done;
	pf->company_domain = v ? pdh_xstrdup(json_string_value(v)) : NULL;
	if ((rc = S_member(&r, saved, "saved", "desired", T_OBJ, false, &sd)) != 0 ||
	    (rc = S_member(&r, saved, "saved", "options", T_OBJ, false, &so)) != 0 ||
	    (rc = S_only(&r, so, "saved.options", known_opts)) != 0 ||
	    (rc = S_int(&r, so, "saved.options", "max_deletes", -1, PDH_MAX_DELETES_MAX, &n)) != 0)
		goto done;
	pf->opts.max_deletes_set = n >= 0;
	pf->opts.max_deletes = n >= 0 ? (int)n : 0;
	if ((rc = S_member(&r, so, "saved.options", "auth", T_STR, true, &v)) != 0)
		goto done;
	if (v && strcmp(json_string_value(v), "oauth") == 0)
		pf->opts.auth = PDH_AUTH_BEARER;
	else if (v && strcmp(json_string_value(v), "api_token") == 0)
		pf->opts.auth = PDH_AUTH_API_TOKEN;
	else if (v) {
		rc = S_bad(&r, "saved.options", "has an auth that is not api_token or oauth");
		goto done;
	}
	if ((rc = S_read_choice(&r, so, pf)) != 0)
		goto done;
	pf->record = pdh_xcalloc(1, sizeof(*pf->record));
	pf->record->path = pdh_xstrdup(pf->desired_path);
	memcpy(pf->record->sha256, pf->desired_sha256, 65);
	if ((rc = S_desired(&r, sd, pf->record)) != 0)
		goto done;
	pdh_sha256_hex(data, len, pf->digest);
	*out = pf;
	pf = NULL;
done:
	json_decref(doc);
	pdh_planfile_free(pf);
	return rc;
}

int pdh_planfile_load(pdh_planfile **out, const char *path, pdh_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = pdh_read_file_capped(path, PDH_PLANFILE_MAX_BYTES, &data, &len, NULL, err);
	if (rc == 0)
		rc = pdh_planfile_parse(out, path, data, len, err);
	free(data);
	if (rc == 0 && (*out)->desired_from_plan) {
		/* beside the plan first: apply may run in another directory than plan did */
		char *beside = pdh_path_beside(path, (*out)->desired_from_plan);

		if (access(beside, F_OK) == 0) {
			free((*out)->desired_path);
			(*out)->desired_path = beside;
			free((*out)->record->path);
			(*out)->record->path = pdh_xstrdup(beside);
		} else {
			free(beside);
		}
	}
	return rc;
}

static bool S_streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Whether value, as the saved record shows it (scrubbed with the file's secrets, so an
 * environment value is its ${VAR}), is saved. */
static bool S_shown_eq(const pdh_secrets *s, const char *value, const char *saved)
{
	char *r = pdh_secrets_scrub(s, value);
	bool same = S_streq(r, saved);
	free(r);
	return same;
}

static bool S_redacted_eq(const pdh_secrets *s, const char *url, const char *saved)
{
	char *r = pdh_url_redact(url ? url : "");
	bool same = S_shown_eq(s, r, saved);
	free(r);
	return same;
}

/* Which field of d differs from the record rec (never a value: it may be a secret); NULL
 * when none does. *index gets the webhook's position. */
static const char *S_differs(const pdh_desired *d, const pdh_desired *rec, size_t *index)
{
	*index = 0;
	if (d->n_webhooks != rec->n_webhooks) return "webhooks";
	for (size_t i = 0; i < d->n_webhooks; i++) {
		const pdh_desired_webhook *a = &d->webhooks[i], *b = &rec->webhooks[i];
		*index = i + 1;
		/* Every text of the record was scrubbed when saved: compare the same way. */
		if (!S_shown_eq(d->secrets, a->event_action, b->event_action)) return "event_action";
		if (!S_shown_eq(d->secrets, a->event_object, b->event_object)) return "event_object";
		if (!S_redacted_eq(d->secrets, a->subscription_url, b->subscription_url))
			return "subscription_url";
		for (size_t k = 0; k < PDH_ATTR_COUNT; k++)
			if (!pdh_attr_same_record(&pdh_attrs[k], a, b, d->secrets))
				return pdh_attrs[k].name;
		if (a->password_version != b->password_version)
			return "http_auth_password_version";
	}
	*index = 0;
	if (d->format_version != rec->format_version) return "pdhooks";
	if (d->prune != rec->prune) return "manage.prune";
	if (d->manage_all != rec->manage_all || d->manage_urls_declared != rec->manage_urls_declared ||
	    d->n_manage_urls != rec->n_manage_urls)
		return "manage.urls";
	for (size_t i = 0; i < d->n_manage_urls; i++)
		if (!S_redacted_eq(d->secrets, d->manage_urls[i], rec->manage_urls[i]))
			return "manage.urls";
	if (d->max_deletes != rec->max_deletes) return "manage.max_deletes";
	if (d->manage_types != rec->manage_types) return "manage.types";
	if (!S_streq(d->owner, rec->owner)) return "manage.owner";
	if (d->adopt != rec->adopt) return "manage.adopt";
	return NULL;
}

int pdh_planfile_load_desired(pdh_desired **out, const pdh_planfile *pf,
                              const pdh_load_opts *env, pdh_diags *diags, char **source,
                              size_t *source_len, pdh_error *err)
{
	pdh_desired *d = NULL;
	char *data = NULL, now[65];
	const char *field;
	size_t len = 0, index;
	pdh_diags scratch;
	pdh_error e;
	int rc;

	*out = NULL;
	if (source)
		*source = NULL;
	if (source_len)
		*source_len = 0;
	/* Read once: the bytes hashed are the bytes loaded. */
	pdh_diags_init(&scratch, pf->desired_path);
	rc = pdh_desired_read_file(&data, &len, pf->desired_path, &scratch, &e);
	pdh_diags_dispose(&scratch);
	if (rc != 0) {
		rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: its desired file "
		                   "cannot be checked (%s)", e.message);
		goto done;
	}
	pdh_sha256_hex(data, len, now);
	if (strcmp(now, pf->desired_sha256) != 0) {
		rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: %s changed since the "
		                   "plan was made (sha256 %.12s..., now %.12s...); plan again",
		                   pf->desired_path, pf->desired_sha256, now);
		goto done;
	}
	rc = pdh_desired_load_buffer(&d, pf->desired_path, data, len, env, diags, err);
	if (rc != 0)
		goto done;
	field = S_differs(d, pf->record, &index);
	if (field) {
		if (index > 0)
			rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: %s reads "
			                   "differently now (webhook %zu, %s); did an environment "
			                   "variable it uses change? plan again", pf->desired_path,
			                   index, field);
		else
			rc = pdh_error_set(err, PDH_ESTALE, "the saved plan is stale: %s reads "
			                   "differently now (%s); did an environment variable it uses "
			                   "change? plan again", pf->desired_path, field);
		goto done;
	}
	*out = d;
	d = NULL;
done:
	pdh_desired_free(d);
	if (source && data) {
		*source = data;
		if (source_len)
			*source_len = len;
		data = NULL;
	}
	free(data);
	return rc;
}
