/* The desired-state file loader: libyaml events -> a small tree (tree.c) -> checked pdh_desired.
 *
 * This file holds the checks and the model. All checks report into pdh_diags and carry on, so
 * one run shows every problem; only a broken YAML stream stops early (there is no tree to
 * check). ${VAR} expansion is varref.c, "did you mean" suggest.c. */
#include "pdhooks/desired.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/marker.h"
#include "pdhooks/buf.h"
#include "pdhooks/read_file.h"
#include "pdhooks/sha256.h"
#include "pdhooks/url.h"
#include "pdhooks/vocab.h"
#include "pdhooks/names.h"
#include "desired/fields.h"
#include "desired/suggest.h"
#include "desired/tree.h"
#include "desired/varref.h"
#include "util/escape.h"
#include "util/text.h"

#define S_QUOTE_MAX 60
#define S_TOO_BIG "the file is larger than 10 MiB (%u bytes) and is refused"

typedef enum { T_NULL, T_BOOL, T_INT, T_FLOAT, T_STR } S_type;

/* What `defaults:` declares, already checked. */
typedef struct {
	bool has_version, has_user_id, has_user, has_password;
	bool version_bad;  /* declared but invalid: entries' vocabulary cannot be checked */
	char *version;
	long long user_id;
	char *user, *user_shown;
	char *password, *password_ref;
	long long password_version;         /* 0: none */
	const pdh_node *password_version_at; /* where it is declared, for the manage.owner check */
} S_defaults;

/* ---- messages ---------------------------------------------------------------------------- */

#define S_ERR(L, line, col, ...) pdh_tree_report(L, PDH_DIAG_ERROR, line, col, __VA_ARGS__)
#define S_WARN(L, line, col, ...) pdh_tree_report(L, PDH_DIAG_WARNING, line, col, __VA_ARGS__)

/* Text as written, single-quoted for a message: escapes made visible, long text cut. */
static char *S_q(const char *s, size_t len)
{
	pdh_buf b = PDH_BUF_INIT;
	size_t cut = pdh_utf8_fit(s, len, S_QUOTE_MAX);

	pdh_buf_putc(&b, '\'');
	/* Runs between newlines and NULs through the one escaper, so that a bidirectional or
	 * C1 control in the value shows as \u{...} in the message as in the source line. */
	for (size_t i = 0; i < cut;) {
		size_t run = i;
		while (run < cut && s[run] != '\n' && s[run] != '\0')
			run++;
		if (run > i) {
			char *part = pdh_xstrndup(s + i, run - i);
			pdh_escape_display(&b, part);
			free(part);
		}
		if (run < cut)
			pdh_buf_puts(&b, s[run] == '\n' ? "\\n" : "\\x00");
		i = run < cut ? run + 1 : run;
	}
	if (cut < len)
		pdh_buf_puts(&b, "...");
	pdh_buf_putc(&b, '\'');
	return pdh_buf_detach(&b);
}

static char *S_qn(const pdh_node *n)
{
	return S_q(n->value, n->len);
}

static char *S_join(const char *const *list)
{
	pdh_buf b = PDH_BUF_INIT;

	for (size_t i = 0; list[i]; i++)
		pdh_buf_printf(&b, "%s%s", i ? ", " : "", list[i]);
	return pdh_buf_detach(&b);
}

/* ---- scalars ----------------------------------------------------------------------------- */

static bool S_all(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* YAML 1.2 core schema resolution of a plain scalar; quoted scalars are strings. */
static S_type S_type_of(const pdh_node *n)
{
	const char *s = n->value;

	if (!n->plain)
		return T_STR;
	if (!strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return T_NULL;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "false") ||
	    !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return T_BOOL;
	if ((s[0] == '-' || s[0] == '+') ? S_all(s + 1, "0123456789") : S_all(s, "0123456789"))
		return T_INT;
	if ((!strncmp(s, "0o", 2) && S_all(s + 2, "01234567")) ||
	    (!strncmp(s, "0x", 2) && S_all(s + 2, "0123456789abcdefABCDEF")))
		return T_INT;
	{
		const char *p = s;
		bool digits = false;
		if (*p == '-' || *p == '+')
			p++;
		if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF") ||
		    (p == s && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") || !strcmp(p, ".NAN"))))
			return T_FLOAT;
		while (isdigit((unsigned char)*p))
			p++, digits = true;
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)*p))
				p++, digits = true;
		}
		if (digits && (*p == 'e' || *p == 'E')) {
			p++;
			if (*p == '-' || *p == '+')
				p++;
			if (!isdigit((unsigned char)*p))
				return T_STR;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (digits && *p == '\0')
			return T_FLOAT;
	}
	return T_STR;
}

static const char *S_describe(const pdh_node *n)
{
	switch (n->kind) {
	case N_SEQ: return "a list";
	case N_MAP: return "a mapping";
	case N_BAD: return "an unsupported value";
	case N_SCALAR: break;
	}
	switch (S_type_of(n)) {
	case T_NULL: return "null";
	case T_BOOL: return "a boolean";
	case T_INT: return "an integer";
	case T_FLOAT: return "a number";
	case T_STR: break;
	}
	return "a string";
}

/* The 1-based column of byte `at` of a scalar's value, when the value sits on one line exactly
 * as written (plain, or quoted without escapes); otherwise the scalar's own column. */
static int S_col_in(pdh_loader *L, const pdh_node *n, size_t at)
{
	size_t off, skip;

	if (n->line != n->end_line || (!n->plain && !n->quote))
		return n->col;
	pdh_tree_lines(L);
	off = pdh_lines_offset(&L->lines, n->line, n->col);
	skip = n->plain ? 0 : 1;
	if (off == (size_t)-1 || off + skip + n->len > L->len ||
	    memcmp(L->data + off + skip, n->value, n->len) != 0)
		return n->col;
	{
		int col = n->col + (int)skip;
		for (size_t i = 0; i < at && i < n->len; i++)
			if (((unsigned char)n->value[i] & 0xc0) != 0x80)
				col++;
		return col;
	}
}

/* Where pdh_varref_expand() reports: at the reference's column in the node. */
typedef struct {
	pdh_loader *L;
	const pdh_node *n;
} S_expand_ctx;

static void S_expand_report(void *ctx, size_t at, const char *msg)
{
	S_expand_ctx *c = ctx;
	S_ERR(c->L, c->n->line, S_col_in(c->L, c->n, at), "%s", msg);
}

/* The node's text with ${VAR} expanded into *out; -1 after reporting. secret: the field may
 * hold a secret (URL, name, user, password), so each environment value in it joins the
 * secrets of the file. With no_env, a value holding an unread reference marks the file. */
static int S_expand(pdh_loader *L, const pdh_node *n, bool secret, pdh_varref_out *out)
{
	S_expand_ctx c = { L, n };
	int rc = pdh_varref_expand(out, n->value, n->len, &L->opts, secret ? L->d->secrets : NULL,
	                           S_expand_report, &c);

	if (rc == 0 && out->unread)
		L->d->unread = true;
	return rc;
}

/* Whether the node is a string scalar (or null when null_ok); reports otherwise. */
static int S_string_node(pdh_loader *L, const pdh_node *n, const char *what, bool null_ok,
                         bool *is_null)
{
	S_type t;

	*is_null = false;
	if (n->kind == N_BAD)
		return -1;
	t = n->kind == N_SCALAR ? S_type_of(n) : T_STR;
	if (n->kind == N_SCALAR && t == T_NULL && null_ok) {
		*is_null = true;
		return 0;
	}
	if (n->kind != N_SCALAR || t != T_STR) {
		if (n->kind == N_SCALAR && t != T_NULL)
			S_ERR(L, n->line, n->col, "%s: expected a string%s, found %s (quote it: \"%s\")",
			      what, null_ok ? " or null" : "", S_describe(n), n->value);
		else
			S_ERR(L, n->line, n->col, "%s: expected a string%s, found %s", what,
			      null_ok ? " or null" : "", S_describe(n));
		return -1;
	}
	return 0;
}

/* A string field: a string scalar (or null when null_ok, *out = NULL), interpolated.
 * Returns 0, or -1 after reporting. unread (may be NULL): the value holds an unread
 * reference (no_env), so it must not be checked further. */
static int S_string_x(pdh_loader *L, const pdh_node *n, const char *what, bool null_ok,
                      char **out, bool *unread)
{
	pdh_varref_out x;
	bool is_null;

	*out = NULL;
	if (unread)
		*unread = false;
	if (S_string_node(L, n, what, null_ok, &is_null) != 0)
		return -1;
	if (is_null)
		return 0;
	if (S_expand(L, n, false, &x) != 0)
		return -1;
	*out = x.value;
	x.value = NULL;
	if (unread)
		*unread = x.unread;
	pdh_varref_out_dispose(&x);
	return 0;
}

/* A string field that may hold a secret: its value and its shown form (environment parts as
 * ${VAR}), both NULL for null. */
static int S_secret_string(pdh_loader *L, const pdh_node *n, const char *what, bool null_ok,
                           pdh_varref_out *out)
{
	bool is_null;

	memset(out, 0, sizeof(*out));
	if (S_string_node(L, n, what, null_ok, &is_null) != 0)
		return -1;
	if (is_null)
		return 0;
	return S_expand(L, n, true, out);
}

/* A scalar that is exactly one ${VAR} (or ${VAR:-default}) where a typed value is expected:
 * *is_ref tells whether it is one; then *text gets the expanded text to read as that type and
 * *name the variable (caller frees both). Returns 0 to go on; otherwise the typed reader's own
 * answer, with nothing left to free: -1 for a bad node or after reporting, 1 with no_env when
 * it is accepted unread. */
static int S_typed_ref(pdh_loader *L, const pdh_node *n, char **text, char **name, bool *is_ref)
{
	pdh_varref_out x;
	int rc = -1;

	*text = NULL;
	*name = NULL;
	*is_ref = false;
	if (n->kind == N_BAD)
		return -1;
	if (n->kind != N_SCALAR || S_type_of(n) != T_STR ||
	    !pdh_varref_is_single(n->value, n->len, name))
		return 0;
	if (S_expand(L, n, false, &x) != 0)
		goto stop;
	if (x.unread) {
		pdh_varref_out_dispose(&x);
		rc = 1;
		goto stop;
	}
	*text = x.value;
	x.value = NULL;
	pdh_varref_out_dispose(&x);
	*is_ref = true;
	return 0;
stop:
	free(*name);
	*name = NULL;
	return rc;
}

/* The end of a typed reader: frees what S_typed_ref gave it and returns rc. */
static int S_typed_end(int rc, char *text, char *var)
{
	free(text);
	free(var);
	return rc;
}

/* The text of an integer scalar, YAML 1.2 core schema: decimal, 0o octal or 0x hex. */
static bool S_int_text(const char *s)
{
	if ((s[0] == '-' || s[0] == '+') ? S_all(s + 1, "0123456789") : S_all(s, "0123456789"))
		return true;
	return (!strncmp(s, "0o", 2) && S_all(s + 2, "01234567")) ||
	       (!strncmp(s, "0x", 2) && S_all(s + 2, "0123456789abcdefABCDEF"));
}

/* An integer field within [min, max]; a scalar that is one ${VAR} takes the variable's value
 * as the integer. Returns 0, or -1 after reporting; 1 when it is an unread reference
 * (no_env: accepted, *out untouched). */
static int S_integer(pdh_loader *L, const pdh_node *n, const char *what, long long min,
                     long long max, long long *out)
{
	const char *s;
	char *end, *text = NULL, *var = NULL;
	long long v;
	int base = 10, rc = -1, stop;
	bool ref;
	const char *kind = min > 0 ? "a positive" : min == 0 ? "a non-negative" : "an";

	if ((stop = S_typed_ref(L, n, &text, &var, &ref)) != 0)
		return stop;
	if (!ref && (n->kind != N_SCALAR || S_type_of(n) != T_INT)) {
		S_ERR(L, n->line, n->col, "%s: expected %s integer, found %s", what, kind,
		      S_describe(n));
		goto done;
	}
	s = ref ? text : n->value;
	if (ref && !S_int_text(s)) {
		/* Never quote the value: the environment may hold anything. */
		S_ERR(L, n->line, n->col, "%s: expected %s integer, but the value of ${%s} is not one",
		      what, kind, var);
		goto done;
	}
	if (!strncmp(s, "0o", 2) || !strncmp(s, "0x", 2)) {
		base = s[1] == 'o' ? 8 : 16;
		s += 2;
	}
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno != ERANGE && v >= min && v <= max) {
		*out = v;
		rc = 0;
	} else {
		/* a reference's value is never quoted: the environment may hold anything */
		char *shown = ref ? pdh_xasprintf("the value of ${%s}", var) : pdh_xstrdup(n->value);

		S_ERR(L, n->line, n->col, "%s: %s is out of range (expected %lld to %lld)", what,
		      shown, min, max);
		free(shown);
	}
done:
	return S_typed_end(rc, text, var);
}

/* true or false; a scalar that is one ${VAR} takes the variable's value (true/false in the
 * YAML spellings). 0, -1 after reporting, or 1 when an unread reference (no_env). */
static int S_boolean(pdh_loader *L, const pdh_node *n, const char *what, bool *out)
{
	char *text = NULL, *var = NULL;
	int rc = -1, stop;
	bool ref;

	if ((stop = S_typed_ref(L, n, &text, &var, &ref)) != 0)
		return stop;
	if (ref) {
		static const char *const t[] = { "true", "True", "TRUE", NULL };
		static const char *const f[] = { "false", "False", "FALSE", NULL };
		for (int i = 0; t[i]; i++) {
			if (strcmp(text, t[i]) == 0) {
				*out = true;
				rc = 0;
			} else if (strcmp(text, f[i]) == 0) {
				*out = false;
				rc = 0;
			}
		}
		if (rc != 0)
			S_ERR(L, n->line, n->col, "%s: expected true or false, but the value of ${%s} is "
			      "neither", what, var);
		goto done;
	}
	if (n->kind != N_SCALAR || S_type_of(n) != T_BOOL) {
		if (n->kind == N_SCALAR && S_type_of(n) == T_STR)
			S_ERR(L, n->line, n->col, "%s: expected true or false, found a string (%s)", what,
			      n->value);
		else
			S_ERR(L, n->line, n->col, "%s: expected true or false, found %s", what,
			      S_describe(n));
		goto done;
	}
	*out = tolower((unsigned char)n->value[0]) == 't';
	rc = 0;
done:
	return S_typed_end(rc, text, var);
}

/* ---- mappings ---------------------------------------------------------------------------- */

/* Looks each key of a mapping up in `allowed`: found[i] / keys[i] get the value / key node of
 * allowed[i]. Reports duplicate keys and unknown ones (with a suggestion); `hint` may explain
 * a known-but-misplaced key. */
static void S_keys(pdh_loader *L, const pdh_node *map, const char *where, const char *const *allowed,
                   const pdh_node **found, const pdh_node **keys,
                   const char *(*hint)(const char *key))
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const pdh_node *k = map->kids[i], *v = map->kids[i + 1];
		size_t j;

		if (k->kind == N_BAD)
			continue;
		if (k->kind != N_SCALAR) {
			S_ERR(L, k->line, k->col, "%s: keys must be strings, found %s", where,
			      S_describe(k));
			continue;
		}
		for (j = 0; allowed[j]; j++)
			if (strcmp(allowed[j], k->value) == 0)
				break;
		if (allowed[j] == NULL) {
			const char *h = hint ? hint(k->value) : NULL;
			const char *s = pdh_suggest_closest(k->value, allowed);
			char *q = S_qn(k);
			if (h) {
				S_ERR(L, k->line, k->col, "unknown key %s in %s; %s", q, where, h);
			} else if (s) {
				S_ERR(L, k->line, k->col, "unknown key %s in %s; did you mean '%s'?", q, where,
				      s);
			} else {
				char *all = S_join(allowed);
				S_ERR(L, k->line, k->col, "unknown key %s in %s; expected one of: %s", q, where,
				      all);
				free(all);
			}
			free(q);
			continue;
		}
		if (found[j]) {
			S_ERR(L, k->line, k->col, "duplicate key '%s' in %s (first at line %d, column %d)",
			      allowed[j], where, keys[j]->line, keys[j]->col);
			continue;
		}
		found[j] = v;
		keys[j] = k;
	}
}

/* ---- the model --------------------------------------------------------------------------- */

static void S_webhook_dispose(pdh_desired_webhook *w)
{
	PDH_FREE_ALL(w->name, w->name_shown, w->name_sent, w->name_cut, w->event_action, w->event_object, w->subscription_url,
	             w->subscription_url_shown, w->version, w->http_auth_user,
	             w->http_auth_user_shown, w->http_auth_password_ref);
	pdh_free_secret(w->http_auth_password);
}

void pdh_desired_free(pdh_desired *d)
{
	if (d == NULL)
		return;
	PDH_FREE_EACH(d->webhooks, d->n_webhooks, S_webhook_dispose);
	pdh_free_strings(d->manage_urls, d->n_manage_urls);
	pdh_secrets_free(d->secrets);
	PDH_FREE_ALL(d->path, d->owner, d);
}

static const char *const S_root_keys[] = { "pdhooks", "defaults", "manage", "webhooks", NULL };
enum { R_PDHOOKS, R_DEFAULTS, R_MANAGE, R_WEBHOOKS, R_N };
static const char *const S_defaults_keys[] = { "version", "user_id", "http_auth_user",
	"http_auth_password", "http_auth_password_version", NULL };
enum { D_VERSION, D_USER_ID, D_USER, D_PASSWORD, D_PASSWORD_VERSION, D_N };
static const char *const S_manage_keys[] = { "prune", "urls", "max_deletes", "types", "owner",
	"adopt", NULL };
enum { M_PRUNE, M_URLS, M_MAX_DELETES, M_TYPES, M_OWNER, M_ADOPT, M_N };
static const char *const S_webhook_keys[] = { "name", "event_action", "event_object",
	"subscription_url", "version", "user_id", "http_auth_user", "http_auth_password",
	"http_auth_password_version", NULL };
enum { W_NAME, W_ACTION, W_OBJECT, W_URL, W_VERSION, W_USER_ID, W_USER, W_PASSWORD,
       W_PASSWORD_VERSION, W_N };

static const char *S_defaults_hint(const char *key)
{
	for (int i = W_NAME; i <= W_URL; i++)
		if (strcmp(key, S_webhook_keys[i]) == 0)
			return "defaults may set only version, user_id, http_auth_user, "
			       "http_auth_password and http_auth_password_version; set it in each "
			       "webhook";
	return NULL;
}

/* Fields of Pipedrive's webhook listing that a file pasted from `GET /webhooks` would carry. */
static const char *S_webhook_hint(const char *key)
{
	static const char *const listed[] = { "id", "company_id", "owner_id", "user_id_owner",
		"is_active", "add_time", "remove_time", "remove_reason", "type", "admin_id",
		"last_delivery_time", "last_http_status", "is_deleted", NULL };

	for (size_t i = 0; listed[i]; i++)
		if (strcmp(key, listed[i]) == 0)
			return "Pipedrive reports this field in its listing; it cannot be set, remove it";
	return NULL;
}

/* A reference alone ("${NAME}") keeps no secret in the file; anything else does. */
static bool S_is_pure_ref(const pdh_node *n)
{
	return pdh_varref_count_pure(n->value, n->len) == 1;
}

static bool S_has_ref(const pdh_node *n)
{
	return pdh_varref_contains(n->value, n->len);
}


/* Password value: masked in rendered source lines unless it is a bare reference; a warning
 * when the secret itself is written in the file. Never quoted in a message. */
static int S_password(pdh_loader *L, const pdh_node *n, char **value, char **ref)
{
	*ref = NULL;
	if (n->kind == N_SCALAR && !S_is_pure_ref(n))
		pdh_diags_hide(L->diags, n->line, n->col, n->end_line, n->end_col);
	pdh_varref_out x;

	if (S_secret_string(L, n, "http_auth_password", true, &x) != 0)
		return -1;
	*value = x.value;
	x.value = NULL;
	/* The whole value too, for a password made of several parts or written in the file
	 * (not an unread one: its text is the reference itself). */
	if (!x.unread)
		pdh_secrets_add(L->d->secrets, *value, x.from_env && S_is_pure_ref(n) ? x.shown
		                                                                       : "(sensitive)");
	pdh_varref_out_dispose(&x);
	if (n->kind == N_SCALAR && S_type_of(n) == T_STR) {
		*ref = pdh_xstrndup(n->value, n->len);
		if (!S_has_ref(n) && n->len > 0)
			S_WARN(L, n->line, n->col,
			       "http_auth_password is written in the file; keep the secret in the "
			       "environment and write ${VARIABLE}");
	}
	return 0;
}

static int S_version(pdh_loader *L, const pdh_node *n, char **out)
{
	bool unread;

	if (S_string_x(L, n, "version", false, out, &unread) != 0)
		return -1;
	if (unread) {
		/* no_env: checked when the value is known; the default version meanwhile. */
		free(*out);
		*out = pdh_xstrdup("2.0");
		return 0;
	}
	if (!pdh_vocab_version_valid(*out)) {
		char *q = S_qn(n);
		S_ERR(L, n->line, n->col, "version: expected \"1.0\" or \"2.0\", found %s", q);
		free(q);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* True when n is of `kind`. Otherwise reports "EXPECTED, found WHAT" at n, unless n was
 * already reported as bad. */
static bool S_expect(pdh_loader *L, const pdh_node *n, pdh_node_kind kind, const char *expected)
{
	if (n->kind == kind)
		return true;
	if (n->kind != N_BAD)
		S_ERR(L, n->line, n->col, "%s, found %s", expected, S_describe(n));
	return false;
}

/* An optional top-level section (defaults, manage): true when n is a mapping to read; null
 * means absent, anything else is an error (unless already reported as bad). */
static bool S_optional_section(pdh_loader *L, const pdh_node *n, const char *name)
{
	if (n->kind == N_SCALAR && S_type_of(n) == T_NULL)
		return false;
	if (n->kind != N_MAP) {
		if (n->kind != N_BAD)
			S_ERR(L, n->line, n->col, "%s: expected a mapping, found %s", name, S_describe(n));
		return false;
	}
	return true;
}

static void S_load_defaults(pdh_loader *L, const pdh_node *n, S_defaults *def)
{
	const pdh_node *f[D_N + 1] = { 0 }, *k[D_N + 1] = { 0 };

	if (!S_optional_section(L, n, "defaults"))
		return;
	S_keys(L, n, "defaults", S_defaults_keys, f, k, S_defaults_hint);
	if (f[D_VERSION] && S_version(L, f[D_VERSION], &def->version) == 0)
		def->has_version = true;
	else if (f[D_VERSION])
		def->version_bad = true;
	if (f[D_USER_ID] && S_integer(L, f[D_USER_ID], "user_id", 1, LLONG_MAX, &def->user_id) == 0)
		def->has_user_id = true;
	if (f[D_USER]) {
		pdh_varref_out x;
		if (S_secret_string(L, f[D_USER], "http_auth_user", true, &x) == 0) {
			def->has_user = true;
			def->user = x.value;
			def->user_shown = x.shown;
		}
	}
	if (f[D_PASSWORD] && S_password(L, f[D_PASSWORD], &def->password, &def->password_ref) == 0)
		def->has_password = true;
	if (f[D_PASSWORD_VERSION] &&
	    S_integer(L, f[D_PASSWORD_VERSION], "http_auth_password_version", 1,
	              PDH_PASSWORD_VERSION_MAX, &def->password_version) == 0)
		def->password_version_at = f[D_PASSWORD_VERSION];
}

static void S_defaults_dispose(S_defaults *def)
{
	PDH_FREE_ALL(def->version, def->user, def->user_shown, def->password_ref);
	pdh_free_secret(def->password);
}

static bool S_url_scheme_ok(const pdh_url *u)
{
	return strcmp(u->scheme, "https") == 0 || strcmp(u->scheme, "http") == 0;
}

static size_t S_chars(const char *s);

/* subscription_url: at most PDH_URL_MAX characters, absolute http(s), with a host, not
 * Pipedrive's. */
static void S_check_url(pdh_loader *L, const pdh_node *n, const char *url, bool *ok)
{
	pdh_url u;
	const char *why = NULL;
	size_t chars = S_chars(url);
	char *q = chars > PDH_URL_MAX ? NULL : S_qn(n);

	*ok = false;
	memset(&u, 0, sizeof(u));
	if (chars > PDH_URL_MAX) {
		/* Not quoted: the message would be as long as the URL. */
		S_ERR(L, n->line, n->col, "subscription_url is %zu characters long; pdhooks allows at "
		      "most %d", chars, PDH_URL_MAX);
	} else if (pdh_url_parse(&u, url, &why) != 0) {
		S_ERR(L, n->line, n->col,
		      "subscription_url %s is not a valid URL: %s; expected https://host/path", q, why);
	} else if (!S_url_scheme_ok(&u)) {
		/* Not u.scheme: it may come from a variable, and messages quote what was written. */
		S_ERR(L, n->line, n->col, "subscription_url %s: expected an https:// (or http://) URL",
		      q);
	} else if (pdh_url_host_is_pipedrive(u.host)) {
		S_ERR(L, n->line, n->col,
		      "subscription_url %s points at Pipedrive itself; it must be your own endpoint", q);
	} else {
		*ok = true;
		if (strcmp(u.scheme, "http") == 0)
			S_WARN(L, n->line, n->col,
			       "subscription_url %s uses http://; Pipedrive will send events unencrypted "
			       "(use https://)", q);
	}
	pdh_url_dispose(&u);
	free(q);
}

/* Event vocabulary for the webhook's version: a wrong action is an error, naming the version it
 * belongs to; an unknown object is a warning (Pipedrive adds objects), a wrong-version one an
 * error. One checker for both fields, told apart by this description. */
typedef struct S_vocab_field {
	const char *field;            /* "event_action" */
	const char *kind;             /* "action", in "a version 1.0 action" */
	bool unknown_is_error;        /* actions are a closed list; objects grow */
	bool (*known)(const char *version, const char *word);
	bool (*other_version)(const char *version, const char *word);
	const char *const *(*words)(const char *version);
} S_vocab_field;

static const S_vocab_field S_ACTION = { "event_action", "action", true, pdh_vocab_action_valid,
	                                pdh_vocab_action_other_version, pdh_vocab_actions };
static const S_vocab_field S_OBJECT = { "event_object", "object", false, pdh_vocab_object_known,
	                                pdh_vocab_object_other_version, pdh_vocab_objects };

static bool S_check_vocab(pdh_loader *L, const S_vocab_field *v, const pdh_node *n,
                          const char *version, const char *word)
{
	const char *other = strcmp(version, "1.0") == 0 ? "2.0" : "1.0";
	const char *s;
	char *q, *all;
	bool ok;

	if (v->known(version, word))
		return true;
	q = S_qn(n);
	all = S_join(v->words(version));
	s = pdh_suggest_closest(word, v->words(version));
	if (v->other_version(version, word))
		S_ERR(L, n->line, n->col, "%s %s is a version %s %s; with version %s use one of: %s",
		      v->field, q, other, v->kind, version, all);
	else if (v->unknown_is_error && s)
		S_ERR(L, n->line, n->col,
		      "unknown %s %s for version %s; did you mean '%s'? (one of: %s)", v->field, q,
		      version, s, all);
	else if (v->unknown_is_error)
		S_ERR(L, n->line, n->col, "unknown %s %s for version %s; expected one of: %s",
		      v->field, q, version, all);
	else if (s)
		S_WARN(L, n->line, n->col,
		       "unknown %s %s for version %s; did you mean '%s'? (known: %s)", v->field, q,
		       version, s, all);
	else
		S_WARN(L, n->line, n->col,
		       "unknown %s %s for version %s (known: %s); kept, in case Pipedrive added it",
		       v->field, q, version, all);
	/* a new object is kept with its warning; every other miss is an error */
	ok = !v->unknown_is_error && !v->other_version(version, word);
	free(all);
	free(q);
	return ok;
}

/* The length of s as the API's maxLength counts it: code points (a byte that is not UTF-8
 * counts as one). Counting bytes would refuse a 200-letter name in Cyrillic that Pipedrive
 * and the JSON Schema accept. */
static size_t S_chars(const char *s)
{
	size_t n = 0, len = strlen(s), k;
	uint32_t cp;

	for (size_t i = 0; i < len; i += k ? k : 1, n++)
		k = pdh_utf8_decode(s + i, len - i, &cp);
	return n;
}

/* "<action>.<object> <host><path>", cut to 255 bytes without splitting a UTF-8 sequence. */
static char *S_derive_name(const char *action, const char *object, const char *url)
{
	pdh_url u;
	char *name;

	if (pdh_url_parse(&u, url, NULL) != 0)
		return pdh_xasprintf("%s.%s", action, object);
	if (u.port && !((strcmp(u.scheme, "https") == 0 && strcmp(u.port, "443") == 0) ||
	                (strcmp(u.scheme, "http") == 0 && strcmp(u.port, "80") == 0)))
		name = pdh_xasprintf("%s.%s %s:%s%s", action, object, u.host, u.port, u.path);
	else
		name = pdh_xasprintf("%s.%s %s%s", action, object, u.host, u.path);
	pdh_url_dispose(&u);
	name[pdh_utf8_fit(name, strlen(name), PDH_NAME_MAX)] = '\0';
	return name;
}

/* A control or bidirectional character makes a name or a URL read differently from what it
 * is (a right-to-left override turns "gpj.exe" around): a warning naming the character,
 * never the value (it may come from the environment). Plans show it escaped. */
static void S_warn_hostile(pdh_loader *L, const pdh_node *n, const char *what,
                           const char *value)
{
	uint32_t cp = pdh_escape_first_hostile(value);
	const char *name = pdh_escape_name(cp);

	if (cp == 0)
		return;
	if (cp == 0xfffd)
		S_WARN(L, n->line, n->col, "%s contains bytes that are not UTF-8; plans show them "
		       "escaped (\\xNN)", what);
	else if (name)
		S_WARN(L, n->line, n->col, "%s contains U+%04X %s, which makes text display "
		       "differently from what it is; plans show it escaped (\\u{%04X})", what,
		       (unsigned)cp, name, (unsigned)cp);
	else
		S_WARN(L, n->line, n->col, "%s contains the control character U+%04X; plans show "
		       "it escaped", what, (unsigned)cp);
}

/* http_auth_password_version lives in the name's marker, so it needs manage.owner. */
static void S_needs_owner(pdh_loader *L, const pdh_node *n)
{
	if (!L->owner_declared)
		S_ERR(L, n->line, n->col, "http_auth_password_version needs manage.owner: the "
		      "version is kept in the marker of each webhook's name, [pdhooks:OWNER:N]");
}

/* One entry of `webhooks:`. Returns whether its identity key is usable for the duplicate
 * check. */
static bool S_load_webhook(pdh_loader *L, const pdh_node *n, size_t index, const S_defaults *def)
{
	const pdh_node *f[W_N + 1] = { 0 }, *k[W_N + 1] = { 0 };
	pdh_desired_webhook *w = &L->d->webhooks[L->d->n_webhooks++];
	const char *version = "2.0";
	bool version_ok = true, action_ok = false, object_ok = false, url_ok = false, unread;
	pdh_varref_out x;

	memset(w, 0, sizeof(*w));
	w->line = n->line;
	w->col = n->col;
	if (n->kind != N_MAP) {
		if (n->kind != N_BAD)
			S_ERR(L, n->line, n->col,
			      "webhooks[%zu]: expected a mapping (event_action, event_object, "
			      "subscription_url, ...), found %s", index, S_describe(n));
		return false;
	}
	S_keys(L, n, "a webhook", S_webhook_keys, f, k, S_webhook_hint);
	for (int i = W_ACTION; i <= W_URL; i++)
		if (f[i] == NULL)
			S_ERR(L, n->line, n->col, "webhook is missing the required key '%s'",
			      S_webhook_keys[i]);

	if (f[W_VERSION]) {
		w->version_declared = true;
		version_ok = S_version(L, f[W_VERSION], &w->version) == 0;
	} else if (def->has_version) {
		w->version_declared = true;
		w->version = pdh_xstrdup(def->version);
	} else if (def->version_bad) {
		version_ok = false;  /* reported once, at defaults.version */
	}
	if (w->version == NULL)
		w->version = pdh_xstrdup("2.0");
	version = w->version;

	if (f[W_ACTION] && S_string_x(L, f[W_ACTION], "event_action", false, &w->event_action,
	                              &unread) == 0)
		action_ok = !version_ok || unread ||
		            S_check_vocab(L, &S_ACTION, f[W_ACTION], version, w->event_action);
	if (f[W_OBJECT] && S_string_x(L, f[W_OBJECT], "event_object", false, &w->event_object,
	                              &unread) == 0)
		object_ok = !version_ok || unread ||
		            S_check_vocab(L, &S_OBJECT, f[W_OBJECT], version, w->event_object);
	if (f[W_URL] && S_secret_string(L, f[W_URL], "subscription_url", false, &x) == 0) {
		w->subscription_url = x.value;
		w->subscription_url_shown = x.shown;
		if (x.unread)
			url_ok = true;  /* no_env: the URL is checked when its value is known */
		else
			S_check_url(L, f[W_URL], w->subscription_url, &url_ok);
		S_warn_hostile(L, f[W_URL], "subscription_url", w->subscription_url);
	}

	if (f[W_NAME]) {
		if (S_secret_string(L, f[W_NAME], "name", false, &x) == 0) {
			size_t len = S_chars(x.value);
			w->name = x.value;
			w->name_shown = x.shown;
			if (len == 0)
				S_ERR(L, f[W_NAME]->line, f[W_NAME]->col, "name must not be empty");
			else if (len > PDH_NAME_MAX && !x.unread)
				S_ERR(L, f[W_NAME]->line, f[W_NAME]->col,
				      "name is %zu characters long; Pipedrive allows at most %d", len,
				      PDH_NAME_MAX);
			S_warn_hostile(L, f[W_NAME], "name", w->name);
		}
	} else if (w->event_action && w->event_object && w->subscription_url) {
		/* From the shown URL: a name is shown and stored by Pipedrive, so it never carries a
		 * value read from the environment (a Zapier path secret shows as ${ZAP_ID}). */
		w->name = S_derive_name(w->event_action, w->event_object, w->subscription_url_shown);
		w->name_shown = pdh_xstrdup(w->name);
		w->name_derived = true;
	}

	if (f[W_USER_ID]) {
		w->has_user_id = S_integer(L, f[W_USER_ID], "user_id", 1, LLONG_MAX, &w->user_id) == 0;
	} else if (def->has_user_id) {
		w->has_user_id = true;
		w->user_id = def->user_id;
	}
	if (f[W_USER]) {
		w->has_http_auth_user = S_secret_string(L, f[W_USER], "http_auth_user", true, &x) == 0;
		w->http_auth_user = x.value;
		w->http_auth_user_shown = x.shown;
		if (w->http_auth_user)
			S_warn_hostile(L, f[W_USER], "http_auth_user", w->http_auth_user);
	} else if (def->has_user) {
		w->has_http_auth_user = true;
		w->http_auth_user = def->user ? pdh_xstrdup(def->user) : NULL;
		w->http_auth_user_shown = def->user_shown ? pdh_xstrdup(def->user_shown) : NULL;
	}
	if (f[W_PASSWORD]) {
		w->has_http_auth_password = S_password(L, f[W_PASSWORD], &w->http_auth_password,
		                                       &w->http_auth_password_ref) == 0;
	} else if (def->has_password) {
		w->has_http_auth_password = true;
		w->http_auth_password = pdh_xstrdup(def->password);
		w->http_auth_password_ref = pdh_xstrdup(def->password_ref);
	}
	if (f[W_PASSWORD_VERSION]) {
		if (S_integer(L, f[W_PASSWORD_VERSION], "http_auth_password_version", 1,
		              PDH_PASSWORD_VERSION_MAX, &w->password_version) == 0)
			S_needs_owner(L, f[W_PASSWORD_VERSION]);
	} else {
		w->password_version = def->password_version;
	}
	return action_ok && object_ok && url_ok;
}

/* A text with the position of the entry it came from: sorted by text, then position, so a
 * text's first occurrence in the file comes first (identity keys, default manage.urls). */
typedef struct {
	char *key;
	size_t index;
} S_ident;

static int S_ident_cmp(const void *a, const void *b)
{
	const S_ident *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int S_ident_index_cmp(const void *a, const void *b)
{
	const S_ident *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Two entries with one identity key (action, object, normalised URL): each later one is an
 * error that names where the first is. Sorting keeps this O(n log n) for large files. */
static void S_check_identities(pdh_loader *L, const bool *usable)
{
	pdh_desired *d = L->d;
	S_ident *ids = pdh_xcalloc(d->n_webhooks + 1, sizeof(*ids));
	size_t n = 0;

	for (size_t i = 0; i < d->n_webhooks; i++) {
		char *url;
		if (!usable[i] || (url = pdh_url_normalize(d->webhooks[i].subscription_url)) == NULL)
			continue;
		ids[n].key = pdh_xasprintf("%s\n%s\n%s", d->webhooks[i].event_action,
		                           d->webhooks[i].event_object, url);
		ids[n++].index = i;
		free(url);
	}
	qsort(ids, n, sizeof(*ids), S_ident_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(ids[i].key, ids[first].key) != 0) {
			first = i;
			continue;
		}
		{
			const pdh_desired_webhook *a = &d->webhooks[ids[first].index];
			const pdh_desired_webhook *b = &d->webhooks[ids[i].index];
			S_ERR(L, b->line, b->col,
			      "duplicate webhook: the entry at line %d, column %d has the same "
			      "event_action, event_object and subscription_url", a->line, a->col);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i].key);
	free(ids);
}

static void S_add_manage_url(pdh_desired *d, char *url, size_t *cap)
{
	d->manage_urls = pdh_xgrow(d->manage_urls, cap, d->n_manage_urls + 1, sizeof(char *));
	d->manage_urls[d->n_manage_urls++] = url;
}

/* manage.types: a non-empty list of general and application, each once. */
static void S_load_manage_types(pdh_loader *L, const pdh_node *u)
{
	pdh_desired *d = L->d;
	unsigned types = 0;
	bool bad = false;

	if (u->kind != N_SEQ || u->n == 0) {
		if (u->kind != N_BAD)
			S_ERR(L, u->line, u->col, "manage.types: expected a non-empty list of webhook "
			      "types (general, application), found %s",
			      u->kind == N_SEQ ? "an empty list" : S_describe(u));
		return;
	}
	for (size_t i = 0; i < u->n; i++) {
		const pdh_node *it = u->kids[i];
		unsigned bit = 0;
		char *s, *q;

		bool unread = false;

		if (S_string_x(L, it, "manage.types", false, &s, &unread) != 0) {
			bad = true;
			continue;
		}
		if (unread) {  /* no_env: a ${VAR} is checked when its value is known */
			free(s);
			continue;
		}
		q = S_qn(it);
		if ((bit = pdh_webhook_type_of(s)) != 0) {
			/* a managed type */
		} else if (strcmp(s, "automation") == 0) {
			S_ERR(L, it->line, it->col, "manage.types: automation webhooks are never managed "
			      "(Pipedrive's automations own them); expected general or application");
		} else {
			const char *sug = pdh_suggest_closest(s, pdh_webhook_type_names);
			if (sug)
				S_ERR(L, it->line, it->col, "manage.types: unknown type %s; did you mean "
				      "'%s'? (expected general or application)", q, sug);
			else
				S_ERR(L, it->line, it->col, "manage.types: unknown type %s (expected "
				      "general or application)", q);
		}
		if (bit != 0 && (types & bit))
			S_ERR(L, it->line, it->col, "manage.types: %s is listed twice", q);
		if (bit == 0)
			bad = true;
		types |= bit;
		free(q);
		free(s);
	}
	if (!bad)
		d->manage_types = types;
}

/* manage.owner: the marker's owner, [a-z0-9][a-z0-9._-]{0,39}; a ${VAR} for fleet templates. */
static void S_load_owner(pdh_loader *L, const pdh_node *n)
{
	char *s;
	bool unread;

	if (S_string_x(L, n, "manage.owner", false, &s, &unread) != 0)
		return;
	L->owner_declared = true;
	if (unread) {
		free(s);  /* no_env: checked when the value is known */
		return;
	}
	if (!pdh_marker_owner_valid(s)) {
		char *q = S_qn(n);
		S_ERR(L, n->line, n->col, "manage.owner: %s is not a valid owner; expected 1 to %d "
		      "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
		      q, PDH_OWNER_MAX);
		free(q);
		free(s);
		return;
	}
	L->d->owner = s;
}

static void S_load_manage(pdh_loader *L, const pdh_node *n)
{
	const pdh_node *f[M_N + 1] = { 0 }, *k[M_N + 1] = { 0 };
	pdh_desired *d = L->d;
	size_t cap = 0;

	if (!S_optional_section(L, n, "manage"))
		return;
	S_keys(L, n, "manage", S_manage_keys, f, k, NULL);
	if (f[M_PRUNE])
		S_boolean(L, f[M_PRUNE], "manage.prune", &d->prune);
	if (f[M_ADOPT])
		S_boolean(L, f[M_ADOPT], "manage.adopt", &d->adopt);
	if (f[M_OWNER])
		S_load_owner(L, f[M_OWNER]);
	if (f[M_TYPES])
		S_load_manage_types(L, f[M_TYPES]);
	if (f[M_MAX_DELETES]) {
		long long v;
		if (S_integer(L, f[M_MAX_DELETES], "manage.max_deletes", PDH_MAX_DELETES_MIN,
		              PDH_MAX_DELETES_MAX, &v) == 0)
			d->max_deletes = (int)v;
	}
	if (f[M_URLS]) {
		const pdh_node *u = f[M_URLS];
		d->manage_urls_declared = true;
		if (!S_expect(L, u, N_SEQ, "manage.urls: expected a list of URL prefixes (or [\"*\"])"))
			return;
		for (size_t i = 0; i < u->n; i++) {
			const pdh_node *it = u->kids[i];
			char *s, *q, *norm;
			pdh_url pu;
			const char *why = NULL;

			bool unread;

			if (S_string_x(L, it, "manage.urls", false, &s, &unread) != 0)
				continue;
			if (unread) {
				free(s);  /* no_env: checked when the value is known */
				continue;
			}
			if (strcmp(s, "*") == 0) {
				if (u->n > 1)
					S_ERR(L, it->line, it->col,
					      "manage.urls: '*' owns every general webhook and must be the only "
					      "entry");
				d->manage_all = true;
				free(s);
				continue;
			}
			q = S_qn(it);
			if (pdh_url_parse(&pu, s, &why) != 0) {
				S_ERR(L, it->line, it->col,
				      "manage.urls: %s is not a valid URL prefix: %s; expected "
				      "https://host/ or \"*\"", q, why);
			} else if (!S_url_scheme_ok(&pu)) {
				S_ERR(L, it->line, it->col,
				      "manage.urls: %s: expected an https:// (or http://) prefix", q);
			} else if ((norm = pdh_url_normalize(s)) != NULL) {
				S_add_manage_url(d, norm, &cap);
			}
			pdh_url_dispose(&pu);
			free(q);
			free(s);
		}
	}
}

/* The default manage.urls: each distinct scheme://host/ of the declared URLs, in file order. */
static void S_default_manage_urls(pdh_desired *d)
{
	S_ident *o = pdh_xcalloc(d->n_webhooks + 1, sizeof(*o));
	size_t n = 0, kept = 0, cap = 0;

	for (size_t i = 0; i < d->n_webhooks; i++) {
		char *s = pdh_url_origin(d->webhooks[i].subscription_url);
		if (s)
			o[n++] = (S_ident){ s, i };
	}
	qsort(o, n, sizeof(*o), S_ident_cmp);
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && strcmp(o[kept - 1].key, o[i].key) == 0)
			free(o[i].key);
		else
			o[kept++] = o[i];
	}
	qsort(o, kept, sizeof(*o), S_ident_index_cmp);
	for (size_t i = 0; i < kept; i++)
		S_add_manage_url(d, o[i].key, &cap);
	free(o);
}

static void S_check(pdh_loader *L)
{
	const pdh_node *f[R_N + 1] = { 0 }, *k[R_N + 1] = { 0 };
	const pdh_node *root = L->root;
	pdh_desired *d = L->d;
	S_defaults def = { 0 };
	bool *usable = NULL;

	if (root == NULL || (root->kind == N_SCALAR && S_type_of(root) == T_NULL)) {
		S_ERR(L, 0, 0, "the file is empty; expected 'pdhooks: 1' and a 'webhooks:' list");
		return;
	}
	if (!S_expect(L, root, N_MAP,
	              "expected a mapping at the top ('pdhooks: 1', 'webhooks: ...')"))
		return;
	S_keys(L, root, "the top level", S_root_keys, f, k, NULL);
	if (f[R_PDHOOKS] == NULL) {
		S_ERR(L, root->line, root->col,
		      "missing the required key 'pdhooks' (the file format version: 'pdhooks: 1')");
	} else {
		long long v;
		if (S_integer(L, f[R_PDHOOKS], "pdhooks", LLONG_MIN, LLONG_MAX, &v) == 0) {
			if (v != 1)
				S_ERR(L, f[R_PDHOOKS]->line, f[R_PDHOOKS]->col,
				      "unsupported file format version %lld; this pdhooks reads 'pdhooks: 1'", v);
			else
				d->format_version = 1;
		}
	}
	if (f[R_DEFAULTS])
		S_load_defaults(L, f[R_DEFAULTS], &def);
	if (f[R_MANAGE])
		S_load_manage(L, f[R_MANAGE]);
	if (def.password_version_at)
		S_needs_owner(L, def.password_version_at);
	if (f[R_WEBHOOKS] == NULL) {
		S_ERR(L, root->line, root->col,
		      "missing the required key 'webhooks' (a list; 'webhooks: []' declares none)");
	} else if (S_expect(L, f[R_WEBHOOKS], N_SEQ,
	                    "webhooks: expected a list of webhooks ('webhooks: []' declares none)")) {
		const pdh_node *w = f[R_WEBHOOKS];

		if (w->n > PDH_DESIRED_MAX_WEBHOOKS) {
			S_ERR(L, w->line, w->col, "webhooks: %u entries; pdhooks handles at most %d",
			      (unsigned)w->n, PDH_DESIRED_MAX_WEBHOOKS);
		} else {
			d->webhooks = pdh_xcalloc(w->n + 1, sizeof(*d->webhooks));
			usable = pdh_xcalloc(w->n + 1, sizeof(*usable));
			for (size_t i = 0; i < w->n; i++)
				usable[i] = S_load_webhook(L, w->kids[i], i, &def);
			S_check_identities(L, usable);
		}
	}
	if (!d->manage_urls_declared)
		S_default_manage_urls(d);
	pdh_desired_mark_names(d);
	S_defaults_dispose(&def);
	free(usable);
}

void pdh_desired_mark_names(pdh_desired *d)
{
	for (size_t i = 0; i < d->n_webhooks; i++) {
		pdh_desired_webhook *w = &d->webhooks[i];
		PDH_FREE_ALL(w->name_sent, w->name_cut);
		w->name_sent = w->name_cut = NULL;
		if (w->name == NULL)
			continue;
		if (d->owner) {
			w->name_sent = pdh_marker_name(w->name, d->owner, w->password_version,
			                               &w->name_cut);
		} else {
			w->name_sent = pdh_xstrdup(w->name);
			w->name_cut = pdh_xstrdup(w->name);
		}
	}
}

/* ---- entry points ------------------------------------------------------------------------ */

int pdh_field_load(pdh_loader *L, size_t errors_before, char *sha256, void (*check)(void *ctx),
                   void *ctx, const char *name, const char *what, pdh_error *err)
{
	int rc = PDH_EFILE;

	if (L->tree_given) {
		check(ctx);
	} else {
		pdh_sha256_hex(L->data, L->len, sha256);
		if (pdh_tree_check_text(L) == 0 && pdh_tree_parse(L) == 0)
			check(ctx);
	}
	pdh_diags_sort(L->diags);
	pdh_tree_report_dropped(L);  /* last, after the sorted ones */
	if (L->diags->n_errors == errors_before)
		rc = PDH_OK;
	else
		pdh_error_set(err, rc, "%s does not load", name ? name : what);
	pdh_tree_free(L);
	if (L->have_lines)
		pdh_lines_dispose(&L->lines);
	return rc;
}

static void S_check_loader(void *L)
{
	S_check(L);
}

struct pdh_desired_shared {
	char *data;                    /* the file's bytes, NUL-terminated */
	size_t len;
	char sha256[65];
	pdh_node *root;                /* their tree, in arena */
	struct pdh_tree_chunk *arena;
	size_t n_nodes;
};

/* pdh_desired_load_buffer; with shared (its bytes being data), on its tree. */
static int S_load(pdh_desired **out, const char *name, const char *data, size_t len,
                  const pdh_desired_shared *shared, const pdh_load_opts *opts,
                  pdh_diags *diags, pdh_error *err)
{
	pdh_loader L;
	size_t errors_before = diags->n_errors;
	int rc = PDH_EFILE;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.diags = diags;
	L.data = data;
	L.len = len;
	if (opts)
		L.opts = *opts;
	if (len > PDH_DESIRED_MAX_BYTES) {
		S_ERR(&L, 0, 0, S_TOO_BIG, PDH_DESIRED_MAX_BYTES);
		goto done;
	}
	L.d = pdh_xcalloc(1, sizeof(*L.d));
	L.d->path = pdh_xstrdup(name);
	L.d->secrets = pdh_secrets_new();
	L.d->prune = true;
	L.d->max_deletes = PDH_DEFAULT_MAX_DELETES;
	if (shared) {
		L.root = shared->root;
		L.n_nodes = shared->n_nodes;
		L.tree_given = true;
		memcpy(L.d->sha256, shared->sha256, sizeof(L.d->sha256));
	}
	rc = pdh_field_load(&L, errors_before, L.d->sha256, S_check_loader, &L, name,
	                    "the desired file", err);
	if (rc == PDH_OK) {
		*out = L.d;
		L.d = NULL;
	}
	pdh_desired_free(L.d);
	return rc;
done:
	pdh_error_set(err, rc, "%s does not load", name ? name : "the desired file");
	pdh_tree_free(&L);
	if (L.have_lines)
		pdh_lines_dispose(&L.lines);
	return rc;
}

int pdh_desired_load_buffer(pdh_desired **out, const char *name, const char *data, size_t len,
                            const pdh_load_opts *opts, pdh_diags *diags, pdh_error *err)
{
	return S_load(out, name, data, len, NULL, opts, diags, err);
}

pdh_desired_shared *pdh_desired_shared_read(const char *path)
{
	pdh_desired_shared *s = pdh_xcalloc(1, sizeof(*s));
	pdh_error err = { 0 };
	pdh_diags diags;
	pdh_loader L;
	bool ok;

	pdh_diags_init(&diags, path);
	memset(&L, 0, sizeof(L));
	ok = pdh_desired_read_file(&s->data, &s->len, path, &diags, &err) == PDH_OK &&
	     s->len <= PDH_DESIRED_MAX_BYTES;
	if (ok) {
		L.diags = &diags;
		L.data = s->data;
		L.len = s->len;
		pdh_sha256_hex(s->data, s->len, s->sha256);
		/* Only a text that parses without a word: a load reports nothing of the parse. */
		ok = pdh_tree_check_text(&L) == 0 && pdh_tree_parse(&L) == 0 && diags.len == 0 &&
		     L.n_dropped_errors == 0 && L.n_dropped_warnings == 0;
	}
	if (L.have_lines)
		pdh_lines_dispose(&L.lines);
	pdh_diags_dispose(&diags);
	s->root = L.root;
	s->arena = L.arena;
	s->n_nodes = L.n_nodes;
	if (!ok) {
		pdh_desired_shared_free(s);
		return NULL;
	}
	return s;
}

void pdh_desired_shared_free(pdh_desired_shared *s)
{
	pdh_loader L;

	if (s == NULL)
		return;
	memset(&L, 0, sizeof(L));
	L.arena = s->arena;
	pdh_tree_free(&L);
	free(s->data);
	free(s);
}

const char *pdh_desired_shared_bytes(const pdh_desired_shared *s, size_t *len)
{
	*len = s->len;
	return s->data;
}

int pdh_desired_load_shared(pdh_desired **out, const char *name, const pdh_desired_shared *s,
                            const pdh_load_opts *opts, pdh_diags *diags, pdh_error *err)
{
	return S_load(out, name, s->data, s->len, s, opts, diags, err);
}

/* A read that was refused for its size is a diagnostic of the file, as a load error is. */
static int S_read_result(int rc, bool too_big, const char *path, pdh_diags *diags,
                         pdh_error *err)
{
	if (rc != PDH_OK && too_big) {
		pdh_diags_add(diags, PDH_DIAG_ERROR, 0, 0, S_TOO_BIG, PDH_DESIRED_MAX_BYTES);
		rc = pdh_error_set(err, PDH_EFILE, "%s does not load", path);
	}
	return rc;
}

int pdh_desired_read_fd(char **data, size_t *len, int fd, const char *name, pdh_diags *diags,
                        pdh_error *err)
{
	bool too_big;
	int rc = pdh_read_fd_capped(fd, name, PDH_DESIRED_MAX_BYTES, data, len, &too_big, err);

	return S_read_result(rc, too_big, name, diags, err);
}

int pdh_desired_read_file(char **data, size_t *len, const char *path, pdh_diags *diags,
                          pdh_error *err)
{
	bool too_big;
	int rc = pdh_read_file_capped(path, PDH_DESIRED_MAX_BYTES, data, len, &too_big, err);

	return S_read_result(rc, too_big, path, diags, err);
}

int pdh_desired_load_file(pdh_desired **out, const char *path, const pdh_load_opts *opts,
                          pdh_diags *diags, pdh_error *err)
{
	char *data;
	size_t len;
	int rc;

	*out = NULL;
	rc = pdh_desired_read_file(&data, &len, path, diags, err);
	if (rc == PDH_OK) {
		rc = pdh_desired_load_buffer(out, path, data, len, opts, diags, err);
		free(data);
	}
	return rc;
}

/* ---- the field checks other loaders share (fields.h) -------------------------------------- */

const char *pdh_field_describe(const pdh_node *n)
{
	return S_describe(n);
}

bool pdh_field_is_string(const pdh_node *n)
{
	return n->kind == N_SCALAR && S_type_of(n) == T_STR;
}

bool pdh_field_is_null(const pdh_node *n)
{
	return n->kind == N_SCALAR && S_type_of(n) == T_NULL;
}

int pdh_field_integer(pdh_loader *L, const pdh_node *n, const char *what, long long min,
                      long long max, long long *out)
{
	return S_integer(L, n, what, min, max, out);
}

int pdh_field_boolean(pdh_loader *L, const pdh_node *n, const char *what, bool *out)
{
	return S_boolean(L, n, what, out);
}

void pdh_field_keys(pdh_loader *L, const pdh_node *map, const char *where,
                    const char *const *allowed, const pdh_node **found, const pdh_node **keys)
{
	S_keys(L, map, where, allowed, found, keys, NULL);
}

char *pdh_field_quote(const pdh_node *n)
{
	return S_qn(n);
}
