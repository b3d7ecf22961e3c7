/* The fake's companies and webhooks: seeding from a JSON listing or a state of many companies,
 * defaults, persistence, lookups. */
#include "fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/atomic_write.h"
#include "pdhooks/buf.h"

enum field_kind { F_INT, F_INT_NULL, F_STR, F_STR_NULL, F_BOOL01, F_TYPE, F_TIME, F_TIME_NULL };

static const struct field {
	const char *name;
	int kind;
} S_fields[] = {
	{ "id", F_INT },
	{ "company_id", F_INT },
	{ "owner_id", F_INT },
	{ "user_id", F_INT },
	{ "event_action", F_STR },
	{ "event_object", F_STR },
	{ "subscription_url", F_STR },
	{ "version", F_STR },
	{ "is_active", F_BOOL01 },
	{ "add_time", F_TIME },
	{ "remove_time", F_TIME_NULL },
	{ "type", F_TYPE },
	{ "http_auth_user", F_STR_NULL },
	{ "http_auth_password", F_STR_NULL },
	{ "remove_reason", F_STR_NULL },
	{ "last_delivery_time", F_TIME_NULL },
	{ "last_http_status", F_INT_NULL },
	{ "admin_id", F_INT },
	{ "name", F_STR },
	{ "_app", F_STR_NULL },   /* the fake's own: the app token that made it; never served */
};
#define NFIELDS (sizeof(S_fields) / sizeof(S_fields[0]))

static void S_text_free(fake_text *t);

void fake_time_iso(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
}

void fake_time_now(const fake_server *s, char *out, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!s->time_v1) {
		fake_time_iso(out, n);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static const struct field *S_field(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(S_fields[i].name, name) == 0)
			return &S_fields[i];
	return NULL;
}

static bool S_type_ok(const struct field *f, json_t *v)
{
	switch (f->kind) {
	case F_INT: return json_is_integer(v);
	case F_INT_NULL: return json_is_integer(v) || json_is_null(v);
	case F_STR: case F_TIME: return json_is_string(v);
	case F_STR_NULL: case F_TIME_NULL: return json_is_string(v) || json_is_null(v);
	case F_BOOL01:
		return json_is_boolean(v) ||
		       (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1));
	case F_TYPE:
		return json_is_string(v) && (strcmp(json_string_value(v), "general") == 0 ||
		                             strcmp(json_string_value(v), "application") == 0 ||
		                             strcmp(json_string_value(v), "automation") == 0);
	}
	return false;
}

static const char *S_expect(int kind)
{
	switch (kind) {
	case F_INT: return "an integer";
	case F_INT_NULL: return "an integer or null";
	case F_STR: case F_TIME: return "a string";
	case F_STR_NULL: case F_TIME_NULL: return "a string or null";
	case F_BOOL01: return "0 or 1";
	default: return "\"general\", \"application\" or \"automation\"";
	}
}

/* A seeded or patched value as it is stored: booleans become 0/1 (as Pipedrive writes
 * is_active). Strings, times included, are kept as given: Pipedrive writes times in two
 * forms (ISO 8601 and "YYYY-MM-DD HH:MM:SS"), and a test can seed either, or a hostile one.
 * New reference. */
static json_t *S_stored(const struct field *f, json_t *v)
{
	(void)f;
	if (json_is_boolean(v))
		return json_integer(json_is_true(v) ? 1 : 0);
	return json_incref(v);
}

/* Checks every key of `in` against the field table; 0 or -1 + why. */
static int S_check_fields(const json_t *in, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)in, key, v) {
		const struct field *f = S_field(key);
		if (f == NULL) {
			snprintf(why, whylen, "unknown webhook field \"%s\"", key);
			return -1;
		}
		if (!S_type_ok(f, v)) {
			snprintf(why, whylen, "webhook field \"%s\" must be %s", key, S_expect(f->kind));
			return -1;
		}
	}
	return 0;
}

json_t *fake_store_complete(fake_server *s, long company_id, json_t *in, long id, char *why,
                            size_t whylen)
{
	json_t *out = NULL, *v;
	const char *key;
	char now[32];

	if (!json_is_object(in)) {
		snprintf(why, whylen, "a webhook must be a JSON object");
		goto done;
	}
	if (S_check_fields(in, why, whylen) != 0)
		goto done;
	for (size_t i = 0; i < 3; i++) {
		const char *req[] = { "event_action", "event_object", "subscription_url" };
		if (json_object_get(in, req[i]) == NULL) {
			snprintf(why, whylen, "webhook without \"%s\"", req[i]);
			goto done;
		}
	}
	fake_time_now(s, now, sizeof(now));
	out = json_object();
	json_object_set_new(out, "id", json_integer(id));
	json_object_set_new(out, "company_id", json_integer(company_id));
	json_object_set_new(out, "owner_id", json_integer(s->user_id));
	json_object_set_new(out, "user_id", json_integer(s->user_id));
	json_object_set(out, "event_action", json_object_get(in, "event_action"));
	json_object_set(out, "event_object", json_object_get(in, "event_object"));
	json_object_set(out, "subscription_url", json_object_get(in, "subscription_url"));
	json_object_set_new(out, "version", json_string("2.0"));
	json_object_set_new(out, "is_active", json_integer(1));
	json_object_set_new(out, "add_time", json_string(now));
	json_object_set_new(out, "remove_time", json_null());
	json_object_set_new(out, "type", json_string("general"));
	json_object_set_new(out, "http_auth_user", json_null());
	json_object_set_new(out, "http_auth_password", json_null());
	json_object_set_new(out, "remove_reason", json_null());
	json_object_set_new(out, "last_delivery_time", json_null());
	json_object_set_new(out, "last_http_status", json_null());
	json_object_set_new(out, "admin_id", json_integer(s->user_id));
	json_object_set_new(out, "name", json_sprintf("%s.%s",
		json_string_value(json_object_get(in, "event_action")),
		json_string_value(json_object_get(in, "event_object"))));
	json_object_foreach(in, key, v) {
		if (strcmp(key, "id") == 0 || (strcmp(key, "_app") == 0 && json_is_null(v)))
			continue;
		json_object_set_new(out, key, S_stored(S_field(key), v));
	}
done:
	return out;
}

/* ---- companies ---- */

/* The company at index[key]; NULL when none. */
static fake_company *S_indexed(fake_server *s, json_t *index, const char *key)
{
	json_t *at = key ? json_object_get(index, key) : NULL;

	return at ? s->companies[json_integer_value(at)] : NULL;
}

fake_company *fake_company_find(fake_server *s, long id)
{
	char key[32];

	snprintf(key, sizeof(key), "%ld", id);
	return S_indexed(s, s->by_id, key);
}

fake_company *fake_company_by_token(fake_server *s, const char *token)
{
	return S_indexed(s, s->by_token, token);
}

fake_company *fake_company_add(fake_server *s, long id, const char *token, char *why,
                               size_t whylen)
{
	fake_company *co;
	char key[32];

	if (fake_company_find(s, id) != NULL) {
		snprintf(why, whylen, "company %ld is given twice", id);
		return NULL;
	}
	if (fake_company_by_token(s, token) != NULL) {
		snprintf(why, whylen, "company %ld: its token is another company's", id);
		return NULL;
	}
	for (size_t i = 0; i < s->napps; i++) {
		if (strcmp(s->apps[i].token, token) == 0) {
			snprintf(why, whylen, "company %ld: its token is also an --oauth-app token", id);
			return NULL;
		}
	}
	co = pdh_xcalloc(1, sizeof(*co));
	co->id = id;
	co->token = pdh_xstrdup(token);
	co->hooks = json_array();
	s->companies = pdh_xgrow(s->companies, &s->companies_cap, s->ncompanies + 1,
	                         sizeof(*s->companies));
	if (s->by_token == NULL)
		s->by_token = json_object();
	if (s->by_id == NULL)
		s->by_id = json_object();
	snprintf(key, sizeof(key), "%ld", id);
	if (json_object_set_new_nocheck(s->by_token, token, json_integer((json_int_t)s->ncompanies)) ||
	    json_object_set_new_nocheck(s->by_id, key, json_integer((json_int_t)s->ncompanies)))
		abort();
	s->companies[s->ncompanies++] = co;
	return co;
}

static void S_listings_drop(fake_company *co)
{
	for (size_t i = 0; i < 3; i++) {
		free(co->listing[i]);
		co->listing[i] = NULL;
	}
}

static void S_text_free(fake_text *t)
{
	for (size_t m = 0; m < 4; m++)
		free(t->text[m]);
}

/* Frees the cached texts of every webhook. */
static void S_texts_clear(fake_company *co)
{
	for (size_t i = 0; i < json_array_size(co->hooks); i++)
		S_text_free(&co->texts[i]);
}

void fake_company_free(fake_company *co)
{
	if (co == NULL)
		return;
	S_texts_clear(co);
	free(co->texts);
	S_listings_drop(co);
	json_decref(co->hooks);
	PDH_FREE_ALL(co->faults, co->stamps, co->token, co->name, co->domain, co);
}

/* ---- state ---- */

/* The complete webhooks of `in` (an array or a listing) for company cid, ids counting from
 * *next (moved on); NULL + why. */
static json_t *S_build(fake_server *s, long cid, json_t *in, long *next, char *why,
                       size_t whylen)
{
	json_t *list = in, *hooks = json_array(), *v;
	size_t i;

	if (json_is_object(in) && json_is_array(json_object_get(in, "data")))
		list = json_object_get(in, "data");
	if (!json_is_array(list)) {
		snprintf(why, whylen, "the state must be a JSON array of webhooks");
		goto fail;
	}
	json_array_foreach(list, i, v) {
		json_t *id = json_object_get(v, "id");
		if (json_is_integer(id) && json_integer_value(id) >= *next)
			*next = (long)json_integer_value(id) + 1;
	}
	json_array_foreach(list, i, v) {
		json_t *id = json_object_get(v, "id"), *h, *w;
		long hid = json_is_integer(id) ? (long)json_integer_value(id) : *next;
		char sub[200];
		size_t j;

		if (id != NULL && (!json_is_integer(id) || hid <= 0)) {
			snprintf(why, whylen, "webhook %zu: \"id\" must be a positive integer", i + 1);
			goto fail;
		}
		if ((h = fake_store_complete(s, cid, v, hid, sub, sizeof(sub))) == NULL) {
			snprintf(why, whylen, "webhook %zu: %s", i + 1, sub);
			goto fail;
		}
		json_array_foreach(hooks, j, w) {
			if (json_integer_value(json_object_get(w, "id")) == hid) {
				json_decref(h);
				snprintf(why, whylen, "webhook %zu: id %ld is used twice", i + 1, hid);
				goto fail;
			}
		}
		json_array_append_new(hooks, h);
		if (id == NULL)
			(*next)++;
	}
	return hooks;
fail:
	json_decref(hooks);
	return NULL;
}

/* Makes hooks (reference taken) co's webhooks. */
static void S_install(fake_company *co, json_t *hooks)
{
	S_texts_clear(co);
	json_decref(co->hooks);
	co->hooks = hooks;
	co->texts = pdh_xgrow(co->texts, &co->texts_cap, json_array_size(hooks) + 1,
	                      sizeof(*co->texts));
	memset(co->texts, 0, json_array_size(hooks) * sizeof(*co->texts));
	S_listings_drop(co);
}

int fake_store_replace(fake_server *s, fake_company *co, json_t *in, char *why, size_t whylen)
{
	long next = s->next_id;
	json_t *hooks = S_build(s, co->id, in, &next, why, whylen);

	if (hooks == NULL)
		return -1;
	S_install(co, hooks);
	s->next_id = next;
	return 0;
}

int fake_state_apply(fake_server *s, json_t *in, fake_company *dflt, char *why, size_t whylen)
{
	json_t *list = json_object_get(in, "companies"), *e, *built = NULL;
	long next = s->next_id;
	char sub[300];
	size_t i;
	int rc = -1;

	if (!json_is_object(in) || list == NULL)
		return fake_store_replace(s, dflt, in, why, whylen);
	if (!json_is_array(list)) {
		snprintf(why, whylen, "\"companies\" must be an array");
		return -1;
	}
	/* Everything is checked before anything changes. */
	built = json_array();
	json_array_foreach(list, i, e) {
		json_t *id = json_object_get(e, "id"), *tok = json_object_get(e, "token"), *v, *hooks;
		fake_company *co;
		const char *key;

		if (!json_is_object(e) || !json_is_integer(id) || json_integer_value(id) <= 0) {
			snprintf(why, whylen, "company %zu: needs an \"id\", a positive integer", i + 1);
			goto done;
		}
		json_object_foreach(e, key, v) {
			if (strcmp(key, "id") && strcmp(key, "token") && strcmp(key, "webhooks")) {
				snprintf(why, whylen, "company %zu: unknown field \"%s\" (id, token, webhooks)",
				         i + 1, key);
				goto done;
			}
		}
		co = fake_company_find(s, (long)json_integer_value(id));
		if (tok && (!json_is_string(tok) || json_string_length(tok) == 0)) {
			snprintf(why, whylen, "company %zu: \"token\" must be a non-empty string", i + 1);
			goto done;
		}
		if (co && tok && strcmp(co->token, json_string_value(tok)) != 0) {
			snprintf(why, whylen, "company %lld: its token differs from the one it was given",
			         json_integer_value(id));
			goto done;
		}
		if (!co && !tok) {
			snprintf(why, whylen, "company %lld is new and has no \"token\"",
			         json_integer_value(id));
			goto done;
		}
		if (!co && fake_company_by_token(s, json_string_value(tok))) {
			snprintf(why, whylen, "company %lld: its token is another company's",
			         json_integer_value(id));
			goto done;
		}
		for (size_t j = 0; j < i; j++) {
			if (json_integer_value(json_object_get(json_array_get(list, j), "id")) ==
			    json_integer_value(id)) {
				snprintf(why, whylen, "company %lld is listed twice", json_integer_value(id));
				goto done;
			}
		}
		v = json_object_get(e, "webhooks");
		hooks = v ? S_build(s, (long)json_integer_value(id), v, &next, sub, sizeof(sub))
		          : json_array();
		if (hooks == NULL) {
			snprintf(why, whylen, "company %lld: %s", json_integer_value(id), sub);
			goto done;
		}
		json_array_append_new(built, hooks);
	}
	json_array_foreach(list, i, e) {
		long id = (long)json_integer_value(json_object_get(e, "id"));
		fake_company *co = fake_company_find(s, id);

		if (co == NULL)
			co = fake_company_add(s, id, json_string_value(json_object_get(e, "token")), sub,
			                      sizeof(sub));
		if (co == NULL) {   /* checked above; a token that is an app's */
			snprintf(why, whylen, "%s", sub);
			goto done;
		}
		if (json_object_get(e, "webhooks"))
			S_install(co, json_incref(json_array_get(built, i)));
	}
	s->next_id = next;
	rc = 0;
done:
	json_decref(built);
	return rc;
}

json_t *fake_state_json(fake_server *s)
{
	json_t *list;

	if (s->ncompanies == 1)
		return json_deep_copy(s->companies[0]->hooks);
	list = json_array();
	for (size_t i = 0; i < s->ncompanies; i++)
		json_array_append_new(list, json_pack("{s:I, s:s, s:O}", "id",
			(json_int_t)s->companies[i]->id, "token", s->companies[i]->token, "webhooks",
			s->companies[i]->hooks));
	return json_pack("{s:o}", "companies", list);
}

static int S_load_file(fake_server *s, const char *path, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *j = NULL;
	int rc = -1;

	if (path == NULL || access(path, F_OK) != 0)
		return 0;
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(why, whylen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (fake_state_apply(s, j, s->companies[0], why, whylen) != 0) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", why);
		snprintf(why, whylen, "%s: %s", path, tmp);
		goto done;
	}
	rc = 0;
done:
	json_decref(j);
	return rc;
}

int fake_store_load(fake_server *s, char *why, size_t whylen)
{
	if (S_load_file(s, s->seed_path, why, whylen) != 0)
		return -1;
	return S_load_file(s, s->state_path, why, whylen);
}

/* The text of webhook i in pw_mode (or FAKE_TEXT_STATE), serialised on first use. */
static const char *S_text(fake_company *co, size_t i, int mode, size_t *len)
{
	fake_text *t = &co->texts[i];

	if (t->text[mode] == NULL) {
		json_t *hook = json_array_get(co->hooks, i);
		json_t *pub = mode == FAKE_TEXT_STATE ? json_incref(hook) : fake_store_public(hook, mode);
		t->text[mode] = json_dumps(pub, JSON_COMPACT);
		t->len[mode] = strlen(t->text[mode]);
		json_decref(pub);
	}
	*len = t->len[mode];
	return t->text[mode];
}

/* Whether webhook i is in a listing for app (NULL: every webhook). */
static bool S_shown(fake_company *co, size_t i, const fake_app *app)
{
	const char *owner;

	if (app == NULL)
		return true;
	owner = fake_store_app_of(json_array_get(co->hooks, i));
	return owner && strcmp(owner, app->token) == 0;
}

/* Appends to b: open, the webhooks' texts separated by sep, close. */
static void S_join(pdh_buf *b, fake_company *co, int mode, const fake_app *app, const char *open,
                   const char *sep, const char *close)
{
	size_t n = json_array_size(co->hooks), tl;
	bool first = true;

	pdh_buf_puts(b, open);
	for (size_t i = 0; i < n; i++) {
		const char *t;
		if (!S_shown(co, i, app))
			continue;
		t = S_text(co, i, mode, &tl);
		if (!first)
			pdh_buf_puts(b, sep);
		pdh_buf_append(b, t, tl);
		first = false;
	}
	pdh_buf_puts(b, close);
}

static char *S_state_text(fake_server *s, size_t *len)
{
	pdh_buf b = PDH_BUF_INIT;

	if (s->ncompanies == 1) {
		/* The full objects, one per line: what --state reads back. */
		fake_company *co = s->companies[0];
		S_join(&b, co, FAKE_TEXT_STATE, NULL, "[\n", ",\n",
		       json_array_size(co->hooks) ? "\n]\n" : "]\n");
	} else {
		pdh_buf_puts(&b, "{\"companies\": [\n");
		for (size_t i = 0; i < s->ncompanies; i++) {
			fake_company *co = s->companies[i];
			json_t *tok = json_string(co->token);
			char *tt = json_dumps(tok, JSON_ENCODE_ANY);
			char *headline = pdh_xasprintf("%s{\"id\": %ld, \"token\": %s, \"webhooks\": [\n",
			                               i ? ",\n" : "", co->id, tt);
			S_join(&b, co, FAKE_TEXT_STATE, NULL, headline, ",\n", "]}");
			free(headline);
			free(tt);
			json_decref(tok);
		}
		pdh_buf_puts(&b, "\n]}\n");
	}
	*len = b.len;
	return pdh_buf_detach(&b);
}

int fake_store_save(fake_server *s)
{
	pdh_error err;
	char *text;
	size_t len;
	int rc;

	if (s->state_path == NULL)
		return 0;
	text = S_state_text(s, &len);
	rc = pdh_write_file_atomic(s->state_path, text, len, 0644, true, &err);
	if (rc != 0)
		fprintf(stderr, "pdhooks-fake: %s\n", err.message);
	free(text);
	return rc == 0 ? 0 : -1;
}

void fake_store_changed(fake_server *s, fake_company *co)
{
	S_listings_drop(co);
	fake_store_save(s);
}

int fake_store_patch(fake_server *s, fake_company *co, size_t index, const json_t *fields,
                     char *why, size_t whylen)
{
	json_t *hook = json_array_get(co->hooks, index), *v;
	const char *key;

	if (hook == NULL || !json_is_object(fields)) {
		snprintf(why, whylen, "expected a JSON object of webhook fields");
		return -1;
	}
	if (S_check_fields(fields, why, whylen) != 0)
		return -1;
	if (json_object_get(fields, "id") != NULL) {
		snprintf(why, whylen, "a webhook's \"id\" cannot be changed");
		return -1;
	}
	json_object_foreach((json_t *)fields, key, v) {
		if (strcmp(key, "_app") == 0 && json_is_null(v))
			json_object_del(hook, key);
		else
			json_object_set_new(hook, key, S_stored(S_field(key), v));
	}
	S_text_free(&co->texts[index]);
	memset(&co->texts[index], 0, sizeof(co->texts[index]));
	fake_store_changed(s, co);
	return 0;
}

void fake_store_append(fake_server *s, fake_company *co, json_t *hook)
{
	size_t n = json_array_size(co->hooks);

	co->texts = pdh_xgrow(co->texts, &co->texts_cap, n + 1, sizeof(*co->texts));
	memset(&co->texts[n], 0, sizeof(*co->texts));
	json_array_append_new(co->hooks, hook);
	fake_store_changed(s, co);
}

void fake_store_remove(fake_server *s, fake_company *co, size_t index)
{
	size_t n = json_array_size(co->hooks);

	if (index >= n)
		return;
	S_text_free(&co->texts[index]);
	memmove(&co->texts[index], &co->texts[index + 1], (n - index - 1) * sizeof(*co->texts));
	json_array_remove(co->hooks, index);
	fake_store_changed(s, co);
}

char *fake_store_listing(fake_server *s, fake_company *co, const fake_app *app, size_t *len)
{
	static const char open[] = "{\"success\":true,\"status\":\"ok\",\"data\":[";
	int mode = s->pw_mode;
	pdh_buf b = PDH_BUF_INIT;

	if (app != NULL) {
		S_join(&b, co, mode, app, open, ",", "]}");
		*len = b.len;
		return pdh_buf_detach(&b);
	}
	/* The company's whole listing is kept: a big one costs one copy per call. */
	if (co->listing[mode] == NULL) {
		S_join(&b, co, mode, NULL, open, ",", "]}");
		co->listing_len[mode] = b.len;
		co->listing[mode] = pdh_buf_detach(&b);
	}
	*len = co->listing_len[mode];
	return pdh_xstrndup(co->listing[mode], *len);
}

json_t *fake_store_public(const json_t *hook, int pw_mode)
{
	json_t *out = json_copy((json_t *)hook);   /* shallow: the values are never changed in place */
	json_t *pw = json_object_get(out, "http_auth_password");

	json_object_del(out, "_app");
	if (json_is_string(pw) && pw_mode == FAKE_PW_MASKED)
		json_object_set_new(out, "http_auth_password", json_string(FAKE_PASSWORD_MASK));
	else if (json_is_string(pw) && pw_mode == FAKE_PW_NULL)
		json_object_set_new(out, "http_auth_password", json_null());
	return out;
}

json_t *fake_store_find(fake_company *co, long id, size_t *index)
{
	size_t i;
	json_t *h;

	json_array_foreach(co->hooks, i, h) {
		if (json_integer_value(json_object_get(h, "id")) == id) {
			if (index)
				*index = i;
			return h;
		}
	}
	return NULL;
}

const char *fake_store_app_of(const json_t *hook)
{
	return json_string_value(json_object_get(hook, "_app"));
}

int fake_store_count(fake_company *co, long owner_id, const fake_app *app)
{
	size_t i;
	json_t *h;
	int n = 0;

	json_array_foreach(co->hooks, i, h) {
		const char *by = fake_store_app_of(h);
		if (json_integer_value(json_object_get(h, "owner_id")) != owner_id)
			continue;
		if (app ? (by && strcmp(by, app->token) == 0)
		        : strcmp(json_string_value(json_object_get(h, "type")), "general") == 0)
			n++;
	}
	return n;
}
