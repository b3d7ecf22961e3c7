/* Parsers of Pipedrive's webhook answers (GET /webhooks, POST /webhooks, error bodies).
 * Strict on purpose: a listing that is not what the API promises must stop the run, because
 * a listing read wrongly as "fewer webhooks" would plan deletes or duplicate creates. */
#include "pdhooks/live.h"
#include "api/envelope.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/json_quick.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/marker.h"
#include "util/iso_time.h"
#include "util/quote.h"

/* Pipedrive's error texts end up on a terminal: keep them short and free of control bytes. */
#define S_API_TEXT_MAX 500

void pdh_live_webhook_dispose(pdh_live_webhook *w)
{
	if (w == NULL)
		return;
	PDH_FREE_ALL(w->event_action, w->event_object, w->subscription_url, w->version, w->name,
	             w->name_bare, w->marker_owner, w->type, w->http_auth_user, w->add_time, w->last_delivery_time, w->remove_time,
	             w->remove_reason, w->time_note);
	pdh_free_secret(w->http_auth_password);
	memset(w, 0, sizeof(*w));
}

void pdh_live_free(pdh_live *l)
{
	if (l == NULL)
		return;
	PDH_FREE_EACH(l->items, l->n, pdh_live_webhook_dispose);
	free(l);
}

/* What v is, for messages; NULL (an absent field) too, so that no caller's message can crash. */
static const char *S_json_type_name(const json_t *v)
{
	if (v == NULL)
		return "absent";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* A password placeholder: only '*' and bullets ("•" U+2022, "●" U+25CF). */
static bool S_is_mask(const char *s)
{
	if (*s == '\0')
		return false;
	while (*s) {
		if (*s == '*')
			s++;
		else if (strncmp(s, "\xe2\x80\xa2", 3) == 0 || strncmp(s, "\xe2\x97\x8f", 3) == 0)
			s += 3;
		else
			return false;
	}
	return true;
}

/* An optional field of the type `want`: *v is its value, or NULL when it is absent or null;
 * any other type is refused, naming the type found. */
static int S_opt_field(json_t **v, json_t *obj, const char *field, json_type want,
                       const char *where, pdh_error *err)
{
	*v = json_object_get(obj, field);
	if (*v != NULL && json_is_null(*v))
		*v = NULL;
	if (*v == NULL || json_typeof(*v) == want)
		return 0;
	return pdh_error_set(err, PDH_EPROTO, "%s: \"%s\" is %s, expected %s", where, field,
	                     S_json_type_name(*v), want == JSON_STRING ? "a string" : "an integer");
}

/* Reads an optional string field: absent or null leave *out NULL. */
static int S_opt_string(char **out, json_t *obj, const char *field, const char *where,
                        pdh_error *err)
{
	json_t *v;
	int rc = S_opt_field(&v, obj, field, JSON_STRING, where, err);

	*out = rc == 0 && v != NULL ? pdh_xstrdup(json_string_value(v)) : NULL;
	return rc;
}

static int S_req_string(char **out, json_t *obj, const char *field, const char *where,
                        pdh_error *err)
{
	if (json_object_get(obj, field) == NULL || json_is_null(json_object_get(obj, field)))
		return pdh_error_set(err, PDH_EPROTO, "%s: \"%s\" is missing", where, field);
	return S_opt_string(out, obj, field, where, err);
}

static int S_opt_integer(bool *has, long long *out, json_t *obj, const char *field,
                         const char *where, pdh_error *err)
{
	json_t *v;
	int rc = S_opt_field(&v, obj, field, JSON_INTEGER, where, err);

	*has = rc == 0 && v != NULL;
	*out = *has ? (long long)json_integer_value(v) : 0;
	return rc;
}

/* is_active is a number 0/1 in the spec; true/false is accepted too. Absent or null counts
 * as active: the spec gives 1 as its default, and reading a missing flag as "inactive" would
 * plan a replace of a webhook that may be fine. */
static int S_is_active(int *out, json_t *obj, const char *where, pdh_error *err)
{
	json_t *v = json_object_get(obj, "is_active");

	*out = 1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v) ? 1 : 0;
		return 0;
	}
	if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
		*out = (int)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && (json_real_value(v) == 0.0 || json_real_value(v) == 1.0)) {
		*out = json_real_value(v) == 1.0;
		return 0;
	}
	if (json_is_integer(v))
		return pdh_error_set(err, PDH_EPROTO, "%s: \"is_active\" is %lld, expected 0 or 1",
		                     where, (long long)json_integer_value(v));
	return pdh_error_set(err, PDH_EPROTO, "%s: \"is_active\" is %s, expected 0 or 1", where,
	                     S_json_type_name(v));
}

static int S_password(pdh_live_webhook *w, json_t *obj, const char *where, pdh_error *err)
{
	char *s = NULL;
	int rc = S_opt_string(&s, obj, "http_auth_password", where, err);

	if (rc != 0)
		return rc;
	if (s == NULL || *s == '\0') {
		/* An empty string is how some APIs say "no password"; Basic auth with an empty
		 * password is not something Pipedrive lets one set. */
		w->password_state = PDH_SECRET_NONE;
		free(s);
	} else if (S_is_mask(s)) {
		w->password_state = PDH_SECRET_MASKED;
		free(s);
	} else {
		w->password_state = PDH_SECRET_REAL;
		w->http_auth_password = s;
	}
	return 0;
}

/* The ownership marker at the end of the name, if any: its owner, its password version, and
 * the name without it (what a declared name is compared with). */
static void S_read_marker(pdh_live_webhook *w)
{
	pdh_marker m;

	pdh_marker_parse(w->name, &m);
	if (!m.marked)
		return;
	w->marker_owner = pdh_xstrdup(m.owner);
	w->marker_version = m.version;
	w->name_bare = pdh_xstrndup(w->name, m.bare_len);
}

/* A time of w read into ISO 8601 UTC; one in neither of Pipedrive's forms stays as written
 * and the first such is noted. */
static void S_time(pdh_live_webhook *w, char **field, const char *name)
{
	char iso[PDH_ISO_TIME_LEN];

	if (*field == NULL)
		return;
	if (pdh_iso_time(*field, iso) == 0) {
		free(*field);
		*field = pdh_xstrdup(iso);
	} else if (w->time_note == NULL) {
		char *q = pdh_quote(*field);

		w->time_note = pdh_xasprintf("%s %s is not a time pdhooks reads (ISO 8601 or "
		                             "YYYY-MM-DD HH:MM:SS); kept as written", name, q);
		free(q);
	}
}

/* Fills w from one webhook object. event_action, event_object and subscription_url are
 * required although the schema marks every field optional: without them a webhook has no
 * identity, and planning around it could only guess. On error w is disposed. */
static int S_parse_webhook(pdh_live_webhook *w, json_t *obj, const char *where, pdh_error *err)
{
	json_t *id;
	int rc;

	memset(w, 0, sizeof(*w));
	if (!json_is_object(obj)) {
		rc = pdh_error_set(err, PDH_EPROTO, "%s is %s, expected an object", where,
		                   S_json_type_name(obj));
		goto done;
	}
	id = json_object_get(obj, "id");
	if (id == NULL || json_is_null(id)) {
		rc = pdh_error_set(err, PDH_EPROTO, "%s: \"id\" is missing", where);
		goto done;
	}
	if (!json_is_integer(id)) {
		rc = pdh_error_set(err, PDH_EPROTO, "%s: \"id\" is %s, expected an integer", where,
		                   S_json_type_name(id));
		goto done;
	}
	w->id = (long long)json_integer_value(id);
	if (w->id <= 0) {
		/* Pipedrive's ids count up from 1; a plan must never aim a DELETE at such an id. */
		rc = pdh_error_set(err, PDH_EPROTO, "%s: \"id\" is %lld, expected a positive "
		                   "integer", where, w->id);
		goto done;
	}
	if ((rc = S_req_string(&w->event_action, obj, "event_action", where, err)) != 0 ||
	    (rc = S_req_string(&w->event_object, obj, "event_object", where, err)) != 0 ||
	    (rc = S_req_string(&w->subscription_url, obj, "subscription_url", where, err)) != 0 ||
	    (rc = S_opt_string(&w->version, obj, "version", where, err)) != 0 ||
	    (rc = S_opt_string(&w->name, obj, "name", where, err)) != 0 ||
	    (rc = S_opt_string(&w->type, obj, "type", where, err)) != 0 ||
	    (rc = S_opt_string(&w->http_auth_user, obj, "http_auth_user", where, err)) != 0 ||
	    (rc = S_opt_string(&w->add_time, obj, "add_time", where, err)) != 0 ||
	    (rc = S_opt_string(&w->last_delivery_time, obj, "last_delivery_time", where,
	                       err)) != 0 ||
	    (rc = S_opt_integer(&w->has_last_http_status, &w->last_http_status, obj,
	                        "last_http_status", where, err)) != 0 ||
	    (rc = S_opt_string(&w->remove_time, obj, "remove_time", where, err)) != 0 ||
	    (rc = S_opt_string(&w->remove_reason, obj, "remove_reason", where, err)) != 0 ||
	    (rc = S_opt_integer(&w->has_user_id, &w->user_id, obj, "user_id", where, err)) != 0 ||
	    (rc = S_opt_integer(&w->has_owner_id, &w->owner_id, obj, "owner_id", where, err)) != 0 ||
	    (rc = S_opt_integer(&w->has_company_id, &w->company_id, obj, "company_id", where,
	                        err)) != 0 ||
	    (rc = S_is_active(&w->is_active, obj, where, err)) != 0 ||
	    (rc = S_password(w, obj, where, err)) != 0)
		goto done;
	S_read_marker(w);
	S_time(w, &w->add_time, "add_time");
	S_time(w, &w->last_delivery_time, "last_delivery_time");
	S_time(w, &w->remove_time, "remove_time");
	rc = 0;
done:
	if (rc != 0)
		pdh_live_webhook_dispose(w);
	return rc;
}

/* What the JSON parser found wrong, in words of our own: its own text quotes the body around
 * the fault ("near '...'"), and a listing's body holds passwords, of webhooks no file
 * declares too. A message says where, never what. */
static const char *S_json_fault(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_premature_end_of_input: return "it ends too early";
	case json_error_end_of_input_expected: return "more text after its end";
	case json_error_invalid_utf8: return "invalid UTF-8";
	case json_error_duplicate_key: return "a key twice in one object";
	case json_error_null_character:
	case json_error_null_byte_in_key: return "a NUL byte";
	case json_error_stack_overflow: return "nested too deep";
	case json_error_numeric_overflow: return "a number out of range";
	case json_error_out_of_memory: return "out of memory";
	default: return "invalid syntax";
	}
}

/* Parses body and checks the envelope {success: true, data: ...}; *data borrows from *root,
 * which the caller releases. `what` names the answer in messages. */
static int S_envelope(json_t **root, json_t **data, const char *body, size_t len,
                      const char *what, pdh_error *err)
{
	json_error_t jerr;
	json_t *success;
	char *text;
	int rc;

	*root = NULL;
	*data = NULL;
	if (body == NULL || len == 0)
		return pdh_error_set(err, PDH_EPROTO, "%s is empty, expected JSON", what);
	/* The plain answers every call gets are read quickly; jansson reads the rest, and
	 * words what is wrong. */
	*root = pdh_json_quick_load(body, len);
	if (*root == NULL)
		*root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*root == NULL)
		return pdh_error_set(err, PDH_EPROTO, "%s is not valid JSON: %s (line %d, column %d, "
		                     "byte %d)", what, S_json_fault(&jerr), jerr.line, jerr.column,
		                     jerr.position);
	if (!json_is_object(*root))
		return pdh_error_set(err, PDH_EPROTO, "%s is %s, expected an object", what,
		                     S_json_type_name(*root));
	success = json_object_get(*root, "success");
	if (!json_is_true(success)) {
		text = pdh_api_error_text(body, len);
		if (success == NULL)
			rc = pdh_error_set(err, PDH_EPROTO, "%s has no \"success\" field%s%s", what,
			                   text ? ": " : "", text ? text : "");
		else if (json_is_false(success))
			rc = pdh_error_set(err, PDH_EPROTO, "%s says success: false%s%s", what,
			                   text ? ": " : "", text ? text : "");
		else
			rc = pdh_error_set(err, PDH_EPROTO, "%s: \"success\" is %s, expected true%s%s",
			                   what, S_json_type_name(success), text ? ": " : "",
			                   text ? text : "");
		free(text);
		return rc;
	}
	*data = json_object_get(*root, "data");
	if (*data == NULL)
		return pdh_error_set(err, PDH_EPROTO, "%s has no \"data\" field", what);
	return 0;
}

int pdh_api_envelope(json_t **root, json_t **data, const char *body, size_t len,
                     const char *what, pdh_error *err)
{
	return S_envelope(root, data, body, len, what, err);
}

typedef struct {
	long long id;
	size_t index;
} S_id_at;

static int S_id_at_cmp(const void *a, const void *b)
{
	const S_id_at *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* One id twice in a listing would make the plan keep one copy and delete "the other", the
 * same webhook: the listing is refused instead. */
static int S_unique_ids(const pdh_live *l, const char *what, pdh_error *err)
{
	S_id_at *ids = pdh_xcalloc(l->n + 1, sizeof(*ids));
	int rc = 0;

	for (size_t i = 0; i < l->n; i++)
		ids[i] = (S_id_at){ l->items[i].id, i };
	qsort(ids, l->n, sizeof(*ids), S_id_at_cmp);
	for (size_t i = 1; i < l->n; i++) {
		if (ids[i].id == ids[i - 1].id) {
			rc = pdh_error_set(err, PDH_EPROTO, "%s: id %lld appears twice (items %zu and "
			                   "%zu); pdhooks plans nothing on such a listing", what,
			                   ids[i].id, ids[i - 1].index, ids[i].index);
			break;
		}
	}
	free(ids);
	return rc;
}

/* Every webhook carries its company_id, and one listing is one company's webhooks. Ids of
 * two companies would name no target, and a plan of it could delete the other company's
 * webhooks: the listing is refused. */
static int S_one_company(const pdh_live *l, const char *what, pdh_error *err)
{
	const pdh_live_webhook *first = NULL;
	size_t at = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (!l->items[i].has_company_id)
			continue;
		if (first == NULL) {
			first = &l->items[i];
			at = i;
		} else if (l->items[i].company_id != first->company_id) {
			return pdh_error_set(err, PDH_EPROTO, "%s mixes companies %lld and %lld (items "
			                     "%zu and %zu); pdhooks plans nothing on such a listing",
			                     what, first->company_id, l->items[i].company_id, at, i);
		}
	}
	return 0;
}

/* GET /webhooks has no paging. Pipedrive's other list endpoints say "there is more" in
 * additional_data.pagination.more_items_in_collection: a listing that says so is only part of
 * the webhooks, and a plan made from it would delete or re-create the rest. */
static int S_not_paged(json_t *root, const char *what, pdh_error *err)
{
	json_t *more = json_object_get(json_object_get(json_object_get(root, "additional_data"),
	                                               "pagination"),
	                               "more_items_in_collection");

	if (json_is_true(more))
		return pdh_error_set(err, PDH_EPROTO, "%s says more_items_in_collection: true, so it "
		                     "is only part of the webhooks; pdhooks plans nothing on part of a "
		                     "listing", what);
	return 0;
}

int pdh_live_parse_listing(pdh_live **out, const char *body, size_t len, pdh_error *err)
{
	static const char what[] = "the webhook listing (GET /webhooks)";
	json_t *root = NULL, *data = NULL;
	pdh_live *l = NULL;
	char where[96];
	int rc;

	*out = NULL;
	pdh_json_quick_begin();  /* the tree is released at done, before the end */
	if ((rc = S_envelope(&root, &data, body, len, what, err)) != 0)
		goto done;
	if ((rc = S_not_paged(root, what, err)) != 0)
		goto done;
	l = pdh_xcalloc(1, sizeof(*l));
	/* Some Pipedrive endpoints answer data: null instead of [] when there is nothing to list.
	 * success is true here, so null is read as "no webhooks", not as a failure. */
	if (json_is_null(data)) {
		l->data_null = true;
		rc = 0;
		goto done;
	}
	if (!json_is_array(data)) {
		rc = pdh_error_set(err, PDH_EPROTO, "%s: \"data\" is %s, expected a list", what,
		                   S_json_type_name(data));
		goto done;
	}
	if (json_array_size(data) > 0)
		l->items = pdh_xcalloc(json_array_size(data), sizeof(*l->items));
	for (size_t i = 0; i < json_array_size(data); i++) {
		snprintf(where, sizeof(where), "%s: item %zu", what, i);
		if ((rc = S_parse_webhook(&l->items[i], json_array_get(data, i), where, err)) != 0)
			goto done;
		l->n++;
	}
	if ((rc = S_unique_ids(l, what, err)) == 0)
		rc = S_one_company(l, what, err);
done:
	json_decref(root);
	pdh_json_quick_end();
	if (rc != 0)
		pdh_live_free(l);
	else
		*out = l;
	return rc;
}

int pdh_live_parse_created(pdh_live_webhook *out, const char *body, size_t len, pdh_error *err)
{
	static const char what[] = "the answer to POST /webhooks";
	json_t *root = NULL, *data = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = S_envelope(&root, &data, body, len, what, err)) != 0)
		goto done;
	rc = S_parse_webhook(out, data, "the created webhook (POST /webhooks)", err);
done:
	json_decref(root);
	return rc;
}

/* Appends s to b (after "; " when b is not empty), control bytes as spaces, capped. */
static void S_put_text(pdh_buf *b, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	if (b->len > 0 && strstr(pdh_buf_cstr(b), s) != NULL)
		return; /* error and message often repeat each other */
	if (b->len > 0)
		pdh_buf_puts(b, "; ");
	for (; *s && b->len < S_API_TEXT_MAX; s++)
		pdh_buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void S_put_value(pdh_buf *b, const char *field, json_t *v)
{
	pdh_buf one = PDH_BUF_INIT;
	size_t i;
	json_t *item;

	if (json_is_string(v)) {
		if (field)
			pdh_buf_printf(&one, "%s: %s", field, json_string_value(v));
		else
			pdh_buf_puts(&one, json_string_value(v));
		S_put_text(b, pdh_buf_cstr(&one));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			S_put_value(b, field, item);
	} else if (json_is_object(v)) {
		/* {"field": {"message": "..."}} and the like */
		S_put_value(b, field, json_object_get(v, "message"));
	}
	pdh_buf_dispose(&one);
}

char *pdh_api_error_text(const char *body, size_t len)
{
	json_t *root, *errors, *v;
	const char *field;
	pdh_buf b = PDH_BUF_INIT;
	char *s = NULL;

	if (body == NULL || len == 0)
		return NULL;
	root = json_loadb(body, len, 0, NULL);
	if (!json_is_object(root))
		goto done;
	S_put_value(&b, NULL, json_object_get(root, "error"));
	S_put_value(&b, NULL, json_object_get(root, "error_info"));
	S_put_value(&b, NULL, json_object_get(root, "message"));
	errors = json_object_get(root, "errors");
	if (json_is_object(errors)) {
		json_object_foreach(errors, field, v)
			S_put_value(&b, field, v);
	} else {
		S_put_value(&b, NULL, errors);
	}
	if (b.len > 0)
		s = pdh_buf_detach(&b);
done:
	pdh_buf_dispose(&b);
	json_decref(root);
	return s;
}

/* Whether text holds needle (lower case ASCII), in any case. */
static bool S_has_nocase(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	for (; *text; text++)
		if (strncasecmp(text, needle, n) == 0)
			return true;
	return false;
}

bool pdh_api_names_webhook_limit(const char *text)
{
	static const char *const phrases[] = { "webhooks limit", "webhook limit", "limit reached",
		"limit exceeded", "maximum number of webhooks", "too many webhooks" };

	for (size_t i = 0; text && i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (S_has_nocase(text, phrases[i]))
			return true;
	return false;
}

static bool S_scope_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

char *pdh_api_missing_scope(const char *text, const char *needed)
{
	const char *p;
	bool says_scope = false;

	if (text == NULL)
		return NULL;
	for (p = text; *p && !says_scope; p++)
		says_scope = strncasecmp(p, "scope", 5) == 0;
	if (!says_scope)
		return NULL;
	/* Pipedrive does not publish its exact text, so any word:word (letters and '_' on both
	 * sides, not part of a URL such as https://) counts as the scope's name. */
	for (p = strchr(text, ':'); p; p = strchr(p + 1, ':')) {
		const char *a = p, *b = p + 1;
		while (a > text && S_scope_char(a[-1]))
			a--;
		while (S_scope_char(*b))
			b++;
		if (a < p && b > p + 1 && (a == text || !S_scope_char(a[-1])) && p[1] != '/')
			return pdh_xasprintf("%.*s", (int)(b - a), a);
	}
	return needed ? pdh_xstrdup(needed) : NULL;
}
