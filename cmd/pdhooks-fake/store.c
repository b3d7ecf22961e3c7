/* The fake's webhooks: seeding from a JSON listing, defaults, persistence, lookups. */
#include "fake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"

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
 * is_active), and a time written "YYYY-MM-DD HH:MM:SS" (as people type it) gets add_time's
 * form, "YYYY-MM-DDTHH:MM:SS.000Z". Any other string is kept as given, so a test can still
 * seed a hostile one. New reference. */
static json_t *S_stored(const struct field *f, json_t *v)
{
	const char *t = json_string_value(v);
	int y, mo, d, h, mi, sec, len = 0;

	if (json_is_boolean(v))
		return json_integer(json_is_true(v) ? 1 : 0);
	if ((f->kind == F_TIME || f->kind == F_TIME_NULL) && t && strlen(t) == 19 &&
	    sscanf(t, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &len) == 6 &&
	    len == 19)
		return json_sprintf("%04d-%02d-%02dT%02d:%02d:%02d.000Z", y, mo, d, h, mi, sec);
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

json_t *fake_store_complete(fake_server *s, json_t *in, long id, char *why, size_t whylen)
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
	fake_time_iso(now, sizeof(now));
	out = json_object();
	json_object_set_new(out, "id", json_integer(id));
	json_object_set_new(out, "company_id", json_integer(s->company_id));
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
		if (strcmp(key, "id") == 0)
			continue;
		json_object_set_new(out, key, S_stored(S_field(key), v));
	}
done:
	return out;
}

int fake_store_patch(fake_server *s, size_t index, const json_t *fields, char *why,
                     size_t whylen)
{
	json_t *hook = json_array_get(s->hooks, index), *v;
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
	json_object_foreach((json_t *)fields, key, v)
		json_object_set_new(hook, key, S_stored(S_field(key), v));
	S_text_free(&s->texts[index]);
	memset(&s->texts[index], 0, sizeof(s->texts[index]));
	fake_store_changed(s);
	return 0;
}

static void S_listings_drop(fake_server *s)
{
	for (size_t i = 0; i < 3; i++) {
		free(s->listing[i]);
		s->listing[i] = NULL;
	}
}

static void S_text_free(fake_text *t)
{
	for (size_t m = 0; m < 3; m++)
		free(t->text[m]);
}

/* Frees the cached texts of every webhook. */
static void S_texts_clear(fake_server *s)
{
	for (size_t i = 0; i < json_array_size(s->hooks); i++)
		S_text_free(&s->texts[i]);
}

int fake_store_replace(fake_server *s, json_t *in, char *why, size_t whylen)
{
	json_t *list = in, *hooks = json_array(), *v;
	long max_id = 0, next;
	size_t i;
	int rc = -1;

	if (json_is_object(in) && json_is_array(json_object_get(in, "data")))
		list = json_object_get(in, "data");
	if (!json_is_array(list)) {
		snprintf(why, whylen, "the state must be a JSON array of webhooks");
		goto done;
	}
	json_array_foreach(list, i, v) {
		json_t *id = json_object_get(v, "id");
		if (json_is_integer(id) && json_integer_value(id) > max_id)
			max_id = (long)json_integer_value(id);
	}
	next = max_id + 1 > s->next_id ? max_id + 1 : s->next_id;
	json_array_foreach(list, i, v) {
		json_t *id = json_object_get(v, "id"), *h;
		long hid = json_is_integer(id) ? (long)json_integer_value(id) : next;
		char sub[200];
		size_t j;
		json_t *w;

		if (id != NULL && (!json_is_integer(id) || hid <= 0)) {
			snprintf(why, whylen, "webhook %zu: \"id\" must be a positive integer", i + 1);
			goto done;
		}
		if ((h = fake_store_complete(s, v, hid, sub, sizeof(sub))) == NULL) {
			snprintf(why, whylen, "webhook %zu: %s", i + 1, sub);
			goto done;
		}
		json_array_foreach(hooks, j, w) {
			if (json_integer_value(json_object_get(w, "id")) == hid) {
				json_decref(h);
				snprintf(why, whylen, "webhook %zu: id %ld is used twice", i + 1, hid);
				goto done;
			}
		}
		json_array_append_new(hooks, h);
		if (id == NULL)
			next++;
	}
	S_texts_clear(s);
	json_decref(s->hooks);
	s->hooks = hooks;
	hooks = NULL;
	s->texts = pdh_xgrow(s->texts, &s->texts_cap, json_array_size(s->hooks) + 1,
	                     sizeof(*s->texts));
	memset(s->texts, 0, json_array_size(s->hooks) * sizeof(*s->texts));
	S_listings_drop(s);
	s->next_id = next;
	rc = 0;
done:
	json_decref(hooks);
	return rc;
}

int fake_store_load(fake_server *s, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *j = NULL;
	int rc = -1;

	if (s->state_path == NULL || access(s->state_path, F_OK) != 0)
		return 0;
	j = json_load_file(s->state_path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(why, whylen, "%s:%d:%d: %s", s->state_path, jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (fake_store_replace(s, j, why, whylen) != 0) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", why);
		snprintf(why, whylen, "%s: %s", s->state_path, tmp);
		goto done;
	}
	rc = 0;
done:
	json_decref(j);
	return rc;
}

/* The text of webhook i in pw_mode, serialised on first use. */
static const char *S_text(fake_server *s, size_t i, int mode, size_t *len)
{
	fake_text *t = &s->texts[i];

	if (t->text[mode] == NULL) {
		json_t *pub = fake_store_public(json_array_get(s->hooks, i), mode);
		t->text[mode] = json_dumps(pub, JSON_COMPACT);
		t->len[mode] = strlen(t->text[mode]);
		json_decref(pub);
	}
	*len = t->len[mode];
	return t->text[mode];
}

/* open, the webhooks' texts separated by sep, close. Caller frees; *len gets the length. */
static char *S_join(fake_server *s, int mode, const char *open, const char *sep,
                    const char *close, size_t *len)
{
	size_t n = json_array_size(s->hooks), total = strlen(open) + strlen(close), tl, at;
	char *out;

	for (size_t i = 0; i < n; i++) {
		S_text(s, i, mode, &tl);
		total += tl + (i ? strlen(sep) : 0);
	}
	out = pdh_xmalloc(total + 1);
	at = strlen(open);
	memcpy(out, open, at);
	for (size_t i = 0; i < n; i++) {
		const char *t = S_text(s, i, mode, &tl);
		if (i) {
			memcpy(out + at, sep, strlen(sep));
			at += strlen(sep);
		}
		memcpy(out + at, t, tl);
		at += tl;
	}
	memcpy(out + at, close, strlen(close) + 1);
	*len = total;
	return out;
}

int fake_store_save(fake_server *s)
{
	char *tmp = NULL, *text = NULL;
	size_t len;
	FILE *f = NULL;
	int rc = -1;

	if (s->state_path == NULL)
		return 0;
	/* The full objects, one per line: what --state reads back. */
	text = S_join(s, FAKE_PW_REAL, "[\n", ",\n", json_array_size(s->hooks) ? "\n]\n" : "]\n",
	              &len);
	tmp = pdh_xasprintf("%s.tmp.%ld", s->state_path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL || fwrite(text, 1, len, f) != len) {
		fprintf(stderr, "pdhooks-fake: cannot write %s\n", tmp);
		goto done;
	}
	if (fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "pdhooks-fake: cannot write %s\n", tmp);
		goto done;
	}
	f = NULL;
	if (rename(tmp, s->state_path) != 0) {
		fprintf(stderr, "pdhooks-fake: cannot rename %s: %s\n", tmp, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (f)
		fclose(f);
	if (rc != 0 && tmp)
		unlink(tmp);
	free(text);
	free(tmp);
	return rc;
}

void fake_store_changed(fake_server *s)
{
	S_listings_drop(s);
	fake_store_save(s);
}

void fake_store_append(fake_server *s, json_t *hook)
{
	size_t n = json_array_size(s->hooks);

	s->texts = pdh_xgrow(s->texts, &s->texts_cap, n + 1, sizeof(*s->texts));
	memset(&s->texts[n], 0, sizeof(*s->texts));
	json_array_append_new(s->hooks, hook);
	fake_store_changed(s);
}

void fake_store_remove(fake_server *s, size_t index)
{
	size_t n = json_array_size(s->hooks);

	if (index >= n)
		return;
	S_text_free(&s->texts[index]);
	memmove(&s->texts[index], &s->texts[index + 1], (n - index - 1) * sizeof(*s->texts));
	json_array_remove(s->hooks, index);
	fake_store_changed(s);
}

void fake_store_dispose(fake_server *s)
{
	S_texts_clear(s);
	free(s->texts);
	s->texts = NULL;
	S_listings_drop(s);
	json_decref(s->hooks);
	s->hooks = NULL;
}

const char *fake_store_listing(fake_server *s, size_t *len)
{
	int mode = s->pw_mode;

	if (s->listing[mode] == NULL)
		s->listing[mode] = S_join(s, mode, "{\"success\":true,\"status\":\"ok\",\"data\":[", ",",
		                          "]}", &s->listing_len[mode]);
	*len = s->listing_len[mode];
	return s->listing[mode];
}

json_t *fake_store_public(const json_t *hook, int pw_mode)
{
	json_t *out = json_copy((json_t *)hook);   /* shallow: the values are never changed in place */
	json_t *pw = json_object_get(out, "http_auth_password");

	if (json_is_string(pw) && pw_mode == FAKE_PW_MASKED)
		json_object_set_new(out, "http_auth_password", json_string(FAKE_PASSWORD_MASK));
	else if (json_is_string(pw) && pw_mode == FAKE_PW_NULL)
		json_object_set_new(out, "http_auth_password", json_null());
	return out;
}

json_t *fake_store_find(fake_server *s, long id, size_t *index)
{
	size_t i;
	json_t *h;

	json_array_foreach(s->hooks, i, h) {
		if (json_integer_value(json_object_get(h, "id")) == id) {
			if (index)
				*index = i;
			return h;
		}
	}
	return NULL;
}

int fake_store_general_count(fake_server *s, long owner_id)
{
	size_t i;
	json_t *h;
	int n = 0;

	json_array_foreach(s->hooks, i, h) {
		if (json_integer_value(json_object_get(h, "owner_id")) == owner_id &&
		    strcmp(json_string_value(json_object_get(h, "type")), "general") == 0)
			n++;
	}
	return n;
}
