/* POST /webhooks request checks, as Pipedrive answers them: 400 with every bad field named. */
#include "fake.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/url.h"
#include "pdhooks/vocab.h"

static void S_err(json_t *errors, const char *field, const char *msg)
{
	json_t *list = json_object_get(errors, field);

	if (list == NULL) {
		list = json_array();
		json_object_set_new(errors, field, list);
	}
	json_array_append_new(list, json_string(msg));
}

static void S_err_list(json_t *errors, const char *field, const char *lead,
                       const char *const *words)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, lead);
	for (size_t i = 0; words[i]; i++)
		pdh_buf_printf(&b, "%s%s", i ? ", " : "", words[i]);
	S_err(errors, field, pdh_buf_cstr(&b));
	pdh_buf_dispose(&b);
}

/* A required string field; NULL (after an error) when absent, empty or not a string. */
static const char *S_required(const json_t *body, const char *field, json_t *errors)
{
	json_t *v = json_object_get(body, field);

	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		S_err(errors, field, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		S_err(errors, field, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

static size_t S_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void S_check_url(const char *url, json_t *errors)
{
	pdh_url u;
	const char *why = NULL;

	if (pdh_url_parse(&u, url, &why) != 0) {
		S_err(errors, "subscription_url", "invalid or non-reachable URL");
		return;
	}
	if ((strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0) || u.host[0] == '\0')
		S_err(errors, "subscription_url", "invalid or non-reachable URL");
	else if (pdh_url_host_is_pipedrive(u.host))
		S_err(errors, "subscription_url", "Pipedrive API URLs cannot be used as subscription_url");
	pdh_url_dispose(&u);
}

/* "must be one of: ...", or when the word belongs to the other version's vocabulary, says so. */
static void S_vocab_error(json_t *errors, const char *field, const char *what, bool other_version,
                          const char *version, const char *const *words)
{
	const char *other = strcmp(version, "1.0") == 0 ? "2.0" : "1.0";
	char *lead = other_version
		? pdh_xasprintf("is a version %s %s; with version %s use one of: ", other, what, version)
		: pdh_xstrdup("must be one of: ");

	S_err_list(errors, field, lead, words);
	free(lead);
}

static void S_check_vocab(const char *version, const char *action, const char *object,
                          json_t *errors)
{
	if (action && !pdh_vocab_action_valid(version, action))
		S_vocab_error(errors, "event_action", "action",
		              pdh_vocab_action_other_version(version, action), version,
		              pdh_vocab_actions(version));
	if (object && !pdh_vocab_object_known(version, object))
		S_vocab_error(errors, "event_object", "object",
		              pdh_vocab_object_other_version(version, object), version,
		              pdh_vocab_objects(version));
}

/* user_id: a JSON integer, or a string of digits from a form; 0 when bad (error added). */
static long S_user_id(const json_t *v, bool form, json_t *errors)
{
	long id = 0;

	if (json_is_integer(v)) {
		id = json_integer_value(v) > 0 && json_integer_value(v) <= 0x7fffffffL
			? (long)json_integer_value(v) : 0;
	} else if (form && json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end = NULL;
		errno = 0;
		if (isdigit((unsigned char)s[0])) {
			long n = strtol(s, &end, 10);
			if (errno == 0 && *end == '\0' && n > 0 && n <= 0x7fffffffL)
				id = n;
		}
	}
	if (id == 0)
		S_err(errors, "user_id", "must be a positive integer");
	return id;
}

json_t *fake_validate_create(const json_t *body, bool form, json_t *errors)
{
	const char *url, *action, *object, *name, *version = "2.0";
	const char *auth[] = { "http_auth_user", "http_auth_password" };
	json_t *v, *out = NULL;
	long user_id = 0;
	bool version_ok = true;

	url = S_required(body, "subscription_url", errors);
	action = S_required(body, "event_action", errors);
	object = S_required(body, "event_object", errors);
	name = S_required(body, "name", errors);
	if (url)
		S_check_url(url, errors);
	if (name && S_utf8_chars(name) > FAKE_NAME_MAX)
		S_err(errors, "name", "must be at most 255 characters");
	v = json_object_get(body, "version");
	if (v != NULL) {
		if (!json_is_string(v) || !pdh_vocab_version_valid(json_string_value(v))) {
			S_err(errors, "version", "must be one of: 1.0, 2.0");
			version_ok = false;
		} else {
			version = json_string_value(v);
		}
	}
	if (version_ok)
		S_check_vocab(version, action, object, errors);
	v = json_object_get(body, "user_id");
	if (v != NULL && !json_is_null(v))
		user_id = S_user_id(v, form, errors);
	for (size_t i = 0; i < 2; i++) {
		v = json_object_get(body, auth[i]);
		if (v != NULL && !json_is_null(v) && !json_is_string(v))
			S_err(errors, auth[i], "must be a string or null");
	}
	if (json_object_size(errors) != 0)
		goto done;
	out = json_object();
	json_object_set_new(out, "subscription_url", json_string(url));
	json_object_set_new(out, "event_action", json_string(action));
	json_object_set_new(out, "event_object", json_string(object));
	json_object_set_new(out, "name", json_string(name));
	json_object_set_new(out, "version", json_string(version));
	if (user_id)
		json_object_set_new(out, "user_id", json_integer(user_id));
	for (size_t i = 0; i < 2; i++) {
		v = json_object_get(body, auth[i]);
		if (v)
			json_object_set(out, auth[i], v);
	}
done:
	return out;
}

static int S_hex(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' is a space). Caller frees. */
static char *S_form_decode(const char *s, size_t n)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			pdh_buf_putc(&b, ' ');
		} else if (s[i] == '%' && i + 2 < n && S_hex(s[i + 1]) >= 0 && S_hex(s[i + 2]) >= 0) {
			pdh_buf_putc(&b, (char)(S_hex(s[i + 1]) * 16 + S_hex(s[i + 2])));
			i += 2;
		} else {
			pdh_buf_putc(&b, s[i]);
		}
	}
	return pdh_buf_detach(&b);
}

json_t *fake_form_parse(const char *body, size_t len)
{
	json_t *out = json_object();
	size_t i = 0;

	while (i < len) {
		size_t end = i, eq;
		char *key, *val;

		while (end < len && body[end] != '&')
			end++;
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		key = S_form_decode(body + i, eq - i);
		val = eq < end ? S_form_decode(body + eq + 1, end - eq - 1) : pdh_xstrdup("");
		if (key[0] != '\0') {
			json_t *s = json_string(val);   /* NULL when not UTF-8: the field is dropped */
			if (s)
				json_object_set_new(out, key, s);
		}
		free(key);
		free(val);
		i = end + 1;
	}
	return out;
}
