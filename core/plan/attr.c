/* The table of the five compared attributes, and the rules that read it. */
#include "pdhooks/attr.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "util/quote.h"

static pdh_attr_value S_text(bool declared, const char *text)
{
	return (pdh_attr_value){ .declared = declared, .null = text == NULL, .text = text };
}

static pdh_attr_value S_integer(bool declared, bool has, long long v)
{
	return (pdh_attr_value){ .declared = declared, .null = !has, .integer = has ? v : 0 };
}

static pdh_attr_value S_name_desired(const pdh_desired_webhook *w)
{
	/* As it would be sent: cut to leave room for the ownership marker. */
	return S_text(!w->name_derived, w->name_cut ? w->name_cut : w->name);
}

static pdh_attr_value S_name_live(const pdh_live_webhook *w)
{
	return S_text(true, w->name_bare ? w->name_bare : w->name);
}

static pdh_attr_value S_user_id_desired(const pdh_desired_webhook *w)
{
	return S_integer(w->has_user_id, w->has_user_id, w->user_id);
}

static pdh_attr_value S_user_id_live(const pdh_live_webhook *w)
{
	return S_integer(true, w->has_user_id, w->user_id);
}

static pdh_attr_value S_version_desired(const pdh_desired_webhook *w)
{
	return S_text(w->version_declared, w->version);
}

static pdh_attr_value S_version_live(const pdh_live_webhook *w)
{
	return S_text(true, w->version);
}

static pdh_attr_value S_user_desired(const pdh_desired_webhook *w)
{
	return S_text(w->has_http_auth_user, w->has_http_auth_user ? w->http_auth_user : NULL);
}

static pdh_attr_value S_user_live(const pdh_live_webhook *w)
{
	return S_text(true, w->http_auth_user);
}

/* A loaded file has a reference exactly when it has a value; a saved plan's record has only
 * the reference. An empty password (a ${VAR} that CI leaves empty) is none: the POST body
 * sends it as null, and the listing reads "" as none too, so it compares as null. */
static pdh_attr_value S_password_desired(const pdh_desired_webhook *w)
{
	bool null = (w->http_auth_password == NULL && w->http_auth_password_ref == NULL) ||
	            (w->http_auth_password != NULL && *w->http_auth_password == '\0');

	if (!w->has_http_auth_password)
		null = true;
	return (pdh_attr_value){ .declared = w->has_http_auth_password, .null = null,
		                 .text = w->http_auth_password,
		                 .secret = null ? PDH_SECRET_NONE : PDH_SECRET_REAL,
		                 .ref = w->http_auth_password_ref };
}

static pdh_attr_value S_password_live(const pdh_live_webhook *w)
{
	return (pdh_attr_value){ .declared = true, .null = w->password_state == PDH_SECRET_NONE,
		                 .text = w->password_state == PDH_SECRET_REAL ? w->http_auth_password
		                                                               : NULL,
		                 .secret = w->password_state };
}

const pdh_attr pdh_attrs[PDH_ATTR_COUNT] = {
	{ PDH_ATTR_NAME, "name", PDH_ATTR_TEXT, false, false, false, S_name_desired,
	  S_name_live },
	{ PDH_ATTR_USER_ID, "user_id", PDH_ATTR_INTEGER, false, false, false, S_user_id_desired,
	  S_user_id_live },
	{ PDH_ATTR_VERSION, "version", PDH_ATTR_TEXT, false, true, true, S_version_desired,
	  S_version_live },
	{ PDH_ATTR_HTTP_AUTH_USER, "http_auth_user", PDH_ATTR_TEXT, false, false, false,
	  S_user_desired, S_user_live },
	{ PDH_ATTR_HTTP_AUTH_PASSWORD, "http_auth_password", PDH_ATTR_PASSWORD, true, false, false,
	  S_password_desired, S_password_live },
};

static bool S_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

pdh_attr_cmp pdh_attr_compare(const pdh_attr *a, const pdh_desired_webhook *d,
                              const pdh_live_webhook *l, const pdh_attr_listing *listing)
{
	pdh_attr_value want = a->desired(d), got = a->live(l);

	if (!want.declared && !a->compared_by_default)
		return PDH_ATTR_NOT_DECLARED;
	if (got.null && a->absent_agrees)
		return PDH_ATTR_SAME;
	switch (a->type) {
	case PDH_ATTR_INTEGER:
		return !got.null && !want.null && got.integer == want.integer ? PDH_ATTR_SAME
		                                                               : PDH_ATTR_DIFFERS;
	case PDH_ATTR_PASSWORD:
		/* Declared null: any password Pipedrive shows (even masked) is one too many. */
		if (want.null)
			return got.null ? PDH_ATTR_SAME : PDH_ATTR_DIFFERS;
		if (got.secret == PDH_SECRET_REAL)
			return S_str_eq(want.text, got.text) ? PDH_ATTR_SAME : PDH_ATTR_DIFFERS;
		/* The listing shows passwords (real or masked) for other webhooks, so this null is
		 * "none": a password declared later is applied (DESIGN.md, Reconciliation 2). */
		if (got.secret == PDH_SECRET_NONE && listing && listing->shows_passwords)
			return PDH_ATTR_DIFFERS;
		/* A mask, or null in a listing that shows no password at all. Null might then mean
		 * "no password", but Pipedrive does not promise to return passwords: reading it as
		 * "differs" would replace every password-protected webhook on every run and never
		 * converge. So both are "cannot be checked", and the plan says so in a note. */
		return got.secret == PDH_SECRET_MASKED ? PDH_ATTR_MASKED : PDH_ATTR_NOT_LISTED;
	case PDH_ATTR_TEXT:
	default:
		return S_str_eq(want.text, got.text) ? PDH_ATTR_SAME : PDH_ATTR_DIFFERS;
	}
}

static char *S_show(const pdh_attr *a, pdh_attr_value v)
{
	if (a->secret)
		return pdh_xstrdup(v.null ? "null" : "(sensitive)");
	if (a->type == PDH_ATTR_INTEGER)
		return v.null ? pdh_xstrdup("null") : pdh_xasprintf("%lld", v.integer);
	return pdh_quote(v.text);
}

char *pdh_attr_live_text(const pdh_attr *a, const pdh_live_webhook *l)
{
	return S_show(a, a->live(l));
}

char *pdh_attr_desired_text(const pdh_attr *a, const pdh_desired_webhook *d)
{
	return S_show(a, a->desired(d));
}

/* A text of now against the record's, which was scrubbed when saved. */
static bool S_shown_eq(const pdh_secrets *secrets, const char *now, const char *saved)
{
	char *shown = pdh_secrets_scrub(secrets, now);
	bool same = S_str_eq(shown, saved);

	free(shown);
	return same;
}

bool pdh_attr_same_record(const pdh_attr *a, const pdh_desired_webhook *now,
                          const pdh_desired_webhook *record, const pdh_secrets *secrets)
{
	pdh_attr_value x = a->desired(now), y = a->desired(record);

	if (x.declared != y.declared)
		return false;
	switch (a->type) {
	case PDH_ATTR_INTEGER:
		return !x.declared || (x.null == y.null && x.integer == y.integer);
	case PDH_ATTR_PASSWORD:
		return x.null == y.null && (x.null || S_shown_eq(secrets, x.ref, y.ref));
	case PDH_ATTR_TEXT:
	default:
		return S_shown_eq(secrets, x.text, y.text);
	}
}

const pdh_attr *pdh_attr_find(const char *name)
{
	for (size_t i = 0; name && i < PDH_ATTR_COUNT; i++)
		if (strcmp(pdh_attrs[i].name, name) == 0)
			return &pdh_attrs[i];
	return NULL;
}
