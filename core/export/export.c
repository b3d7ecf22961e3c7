#include "pdhooks/export.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/plan.h"
#include "pdhooks/url.h"
#include "pdhooks/names.h"
#include "util/text.h"

/* s (len bytes) escaped for the inside of a YAML double-quoted scalar. */
static void S_yaml_escape(pdh_buf *b, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *p = (const unsigned char *)s + i;
		uint32_t cp;
		size_t len = pdh_utf8_decode((const char *)p, n - i, &cp);

		if (len == 0) {
			pdh_buf_puts(b, "\\uFFFD"); /* not UTF-8: YAML text cannot hold it */
			i++;
			continue;
		}
		i += len;
		switch (cp) {
		case '"': pdh_buf_puts(b, "\\\""); continue;
		case '\\': pdh_buf_puts(b, "\\\\"); continue;
		case '$': pdh_buf_puts(b, "$$"); continue; /* the loader reads ${VAR} in every string */
		case '\n': pdh_buf_puts(b, "\\n"); continue;
		case '\t': pdh_buf_puts(b, "\\t"); continue;
		case '\r': pdh_buf_puts(b, "\\r"); continue;
		default: break;
		}
		/* Controls, YAML's other line breaks (NEL, LS, PS) and the BOM as escapes. */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029 || cp == 0xfeff)
			pdh_buf_printf(b, "\\u%04X", (unsigned)cp);
		else
			pdh_buf_append(b, p, len);
	}
}

void pdh_yaml_quote(pdh_buf *b, const char *s)
{
	if (s == NULL) {
		pdh_buf_putc(b, '~');
		return;
	}
	pdh_buf_putc(b, '"');
	S_yaml_escape(b, s, strlen(s));
	pdh_buf_putc(b, '"');
}

typedef struct S_item {
	const pdh_live_webhook *w;
	char *norm;   /* normalised URL (the identity key's third part) */
} S_item;

static int S_cmp_key(const S_item *a, const S_item *b)
{
	return pdh_plan_key_cmp(a->w->event_action, a->w->event_object, a->norm,
	                        b->w->event_action, b->w->event_object, b->norm);
}

/* By key; within a key the one to keep first: active, then lowest id. */
static int S_cmp_item(const void *x, const void *y)
{
	const S_item *a = x, *b = y;
	int c = S_cmp_key(a, b);
	if (c == 0)
		c = (b->w->is_active != 0) - (a->w->is_active != 0);
	if (c == 0)
		c = (a->w->id > b->w->id) - (a->w->id < b->w->id);
	return c;
}

static int S_cmp_cstr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void S_field(pdh_buf *b, const char *key, const char *value)
{
	pdh_buf_printf(b, "    %s: ", key);
	pdh_yaml_quote(b, value);
	pdh_buf_putc(b, '\n');
}

static size_t S_count_lines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* The placeholder for the n-th URL credential. */
static void S_url_ref(pdh_buf *b, size_t n)
{
	pdh_buf_printf(b, "${%s%zu}", PDH_EXPORT_URL_SECRET_VAR, n);
}

/* subscription_url with its credentials (userinfo, each query value) written as
 * ${PDHOOKS_URL_SECRET_<N>} references, the rest as it is; a comment above says which
 * variable holds what. The split is made on the text as Pipedrive returned it, so that the
 * variables given back rebuild exactly that URL. */
static void S_url_field(pdh_buf *body, const pdh_live_webhook *w, size_t *n_secrets,
                        char **claim)
{
	const char *u = w->subscription_url ? w->subscription_url : "";
	const char *auth = strstr(u, "://"), *end, *at = NULL, *q, *frag;
	pdh_buf v = PDH_BUF_INIT, note = PDH_BUF_INIT;
	size_t first = *n_secrets + 1;
	pdh_url parsed;

	*claim = NULL;
	if (auth == NULL || pdh_url_parse(&parsed, u, NULL) != 0) {
		S_field(body, "subscription_url", u);
		return;
	}
	pdh_url_dispose(&parsed);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	pdh_buf_putc(&v, '"');
	S_yaml_escape(&v, u, (size_t)(auth - u));
	if (at) {
		S_url_ref(&v, ++*n_secrets);
		pdh_buf_printf(&note, "%s%s%zu (user and password)", note.len ? ", " : "",
		               PDH_EXPORT_URL_SECRET_VAR, *n_secrets);
		auth = at;
	}
	q = strchr(end, '?');
	frag = strchr(end, '#');
	if (q && frag && frag < q)
		q = NULL;
	S_yaml_escape(&v, auth, (size_t)((q ? q + 1 : frag ? frag : u + strlen(u)) - auth));
	/* What manage.urls claims for it: the URL up to its query or fragment (a prefix that
	 * ends at a segment boundary owns the URL and what lies below it), its userinfo by the
	 * same reference, never more than that URL. */
	*claim = pdh_xasprintf("%.*s\"", (int)(v.len - (q ? 1 : 0)), pdh_buf_cstr(&v));
	if (q) {
		const char *p = q + 1, *stop = frag ? frag : u + strlen(u);
		while (p < stop) {
			size_t n = strcspn(p, "&#");
			const char *eq = memchr(p, '=', n);
			if (p + n > stop)
				n = (size_t)(stop - p);
			if (eq && eq + 1 < p + n) {
				S_yaml_escape(&v, p, (size_t)(eq + 1 - p));
				S_url_ref(&v, ++*n_secrets);
				pdh_buf_printf(&note, "%s%s%zu (query value of '", note.len ? ", " : "",
				               PDH_EXPORT_URL_SECRET_VAR, *n_secrets);
				S_yaml_escape(&note, p, (size_t)(eq - p));
				pdh_buf_puts(&note, "')");
			} else {
				S_yaml_escape(&v, p, n);
			}
			p += n;
			if (p < stop && *p == '&') {
				pdh_buf_putc(&v, '&');
				p++;
			}
		}
	}
	if (frag)
		S_yaml_escape(&v, frag, strlen(frag));
	pdh_buf_putc(&v, '"');
	if (*n_secrets >= first)
		pdh_buf_printf(body, "    # webhook %lld has credentials in its URL; pdhooks never "
		               "exports them: set %s\n", w->id, pdh_buf_cstr(&note));
	pdh_buf_printf(body, "    subscription_url: %s\n", pdh_buf_cstr(&v));
	pdh_buf_dispose(&v);
	pdh_buf_dispose(&note);
}

/* One rendering of the file: the items not left out. starts[i]/ends[i] get the lines of
 * item i's entry (1-based, end exclusive; 0 for an item not written). */
static char *S_render(const S_item *items, size_t n, const char *const *left_out,
                      const char *schema, unsigned types, const char *owner,
                      pdh_export_stats *st, int *starts, int *ends)
{
	size_t n_origins = 0, n_left_out = 0;
	char **origins = pdh_xcalloc(n + 1, sizeof(*origins));
	pdh_buf b = PDH_BUF_INIT, body = PDH_BUF_INIT;
	int head_lines = 0;

	for (size_t i = 0; i < n; i++) {
		const pdh_live_webhook *w = items[i].w;
		char *origin;

		starts[i] = ends[i] = 0;
		if (i > 0 && S_cmp_key(&items[i - 1], &items[i]) == 0) {
			st->skipped_duplicates++;
			pdh_buf_printf(&body, "  # not exported: webhook %lld, a duplicate of the entry "
			               "above (plan deletes it)\n", w->id);
			continue;
		}
		if (left_out[i]) {
			pdh_buf_printf(&body, "  # not exported: webhook %lld would not load: ", w->id);
			/* A comment is one line: the message is one already. */
			pdh_buf_puts(&body, left_out[i]);
			pdh_buf_putc(&body, '\n');
			continue;
		}
		st->exported++;
		if (!w->is_active)
			pdh_buf_printf(&body, "  # webhook %lld is inactive in Pipedrive: plan replaces "
			               "it with an active one\n", w->id);
		starts[i] = (int)(1 + S_count_lines(pdh_buf_cstr(&body), body.len));
		pdh_buf_puts(&body, "  - ");
		if (w->name) {
			/* Without its ownership marker: the file's owner writes its own. */
			pdh_buf_puts(&body, "name: ");
			pdh_yaml_quote(&body, w->name_bare ? w->name_bare : w->name);
			pdh_buf_putc(&body, '\n');
			S_field(&body, "event_action", w->event_action);
		} else {
			pdh_buf_puts(&body, "event_action: ");
			pdh_yaml_quote(&body, w->event_action);
			pdh_buf_putc(&body, '\n');
		}
		S_field(&body, "event_object", w->event_object);
		S_url_field(&body, w, &st->url_secrets, &origin);
		if (w->version)
			S_field(&body, "version", w->version);
		if (w->has_user_id)
			pdh_buf_printf(&body, "    user_id: %lld\n", w->user_id);
		if (w->http_auth_user)
			S_field(&body, "http_auth_user", w->http_auth_user);
		if (w->password_state != PDH_SECRET_NONE) {
			st->passwords++;
			pdh_buf_printf(&body, "    # webhook %lld has a password; pdhooks never exports "
			               "it: set %s%zu\n", w->id, PDH_EXPORT_PASSWORD_VAR, st->passwords);
			pdh_buf_printf(&body, "    http_auth_password: \"${%s%zu}\"\n",
			               PDH_EXPORT_PASSWORD_VAR, st->passwords);
		}
		if (owner && w->marker_version > 0)
			pdh_buf_printf(&body, "    http_auth_password_version: %lld\n",
			               w->marker_version);
		ends[i] = (int)(1 + S_count_lines(pdh_buf_cstr(&body), body.len));
		if (origin)
			origins[n_origins++] = origin;
	}
	qsort(origins, n_origins, sizeof(*origins), S_cmp_cstr);

	pdh_buf_puts(&b, "# yaml-language-server: $schema=");
	pdh_buf_puts(&b, schema);
	pdh_buf_printf(&b, "\n# Written by `pdhooks export` from the live %s webhooks.\n",
	               (types & PDH_TYPE_APPLICATION) ? "general and application" : "general");
	if (st->passwords == 1)
		pdh_buf_printf(&b, "# Passwords are not exported: set %s1 in the environment.\n",
		               PDH_EXPORT_PASSWORD_VAR);
	else if (st->passwords > 1)
		pdh_buf_printf(&b, "# Passwords are not exported: set %s1 ... %s%zu in the "
		               "environment.\n", PDH_EXPORT_PASSWORD_VAR, PDH_EXPORT_PASSWORD_VAR,
		               st->passwords);
	if (st->url_secrets == 1)
		pdh_buf_printf(&b, "# Credentials in URLs are not exported: set %s1 in the "
		               "environment.\n", PDH_EXPORT_URL_SECRET_VAR);
	else if (st->url_secrets > 1)
		pdh_buf_printf(&b, "# Credentials in URLs are not exported: set %s1 ... %s%zu in the "
		               "environment.\n", PDH_EXPORT_URL_SECRET_VAR, PDH_EXPORT_URL_SECRET_VAR,
		               st->url_secrets);
	pdh_buf_puts(&b, "pdhooks: 1\n");
	for (size_t i = 0; i < n; i++)
		n_left_out += left_out[i] != NULL;
	if (owner || n_origins > 0 || n_left_out > 0)
		pdh_buf_puts(&b, "manage:\n");
	if (owner) {
		/* Ownership by marker: what this file claims is what carries its owner's marker. */
		pdh_buf_printf(&b, "  # apply this file first with --adopt: it replaces each webhook "
		               "below by one\n  # named NAME [pdhooks:%s], which this file owns from "
		               "then on\n  owner: ", owner);
		pdh_yaml_quote(&b, owner);
		pdh_buf_putc(&b, '\n');
	}
	if (n_left_out > 0)
		/* A webhook left out must not be deleted by the first apply of this file. */
		pdh_buf_printf(&b, "  # prune is off: %zu webhook%s left out below; declare %s, "
		               "then remove this line\n  prune: false\n", n_left_out,
		               n_left_out == 1 ? " is" : "s are", n_left_out == 1 ? "it" : "them");
	if (n_origins > 0 && owner == NULL) {
		/* Each exported URL, never a whole host: a colleague's later webhook on a shared
		 * host (a Zapier or Make catch hook) is not this file's to delete. */
		pdh_buf_puts(&b, "  urls:\n");
		for (size_t i = 0; i < n_origins; i++) {
			if (i > 0 && strcmp(origins[i - 1], origins[i]) == 0)
				continue;
			pdh_buf_printf(&b, "    - %s\n", origins[i]);
		}
	}
	pdh_buf_puts(&b, st->exported == 0 ? "webhooks: []\n" : "webhooks:\n");
	head_lines = (int)S_count_lines(pdh_buf_cstr(&b), b.len);
	for (size_t i = 0; i < n; i++) {
		if (starts[i]) {
			starts[i] += head_lines;
			ends[i] += head_lines;
		}
	}
	pdh_buf_append(&b, pdh_buf_cstr(&body), body.len);
	for (size_t i = 0; i < n_origins; i++)
		free(origins[i]);
	free(origins);
	pdh_buf_dispose(&body);
	return pdh_buf_detach(&b);
}

/* Every placeholder the export writes counts as set when the output is checked. */
static const char *S_placeholder_env(const char *name, void *ctx)
{
	(void)ctx;
	if (strncmp(name, PDH_EXPORT_PASSWORD_VAR, strlen(PDH_EXPORT_PASSWORD_VAR)) == 0 ||
	    strncmp(name, PDH_EXPORT_URL_SECRET_VAR, strlen(PDH_EXPORT_URL_SECRET_VAR)) == 0)
		return "pdhooks-export-check";
	return NULL;
}

static void S_add_warning(pdh_export_stats *st, char *w)
{
	st->warnings = pdh_xrealloc(st->warnings, (st->n_warnings + 1) * sizeof(*st->warnings));
	st->warnings[st->n_warnings++] = w;
}

/* Whether w is of one of the types exported. */
static bool S_exported_type(const pdh_live_webhook *w, unsigned types)
{
	return (pdh_webhook_type_of(w->type) & types) != 0;
}

char *pdh_export_yaml(const pdh_live *live, const pdh_export_opts *opts,
                      pdh_export_stats *stats)
{
	pdh_export_stats st;
	size_t n_live = live ? live->n : 0, n = 0;
	S_item *items = pdh_xcalloc(n_live + 1, sizeof(*items));
	char **left_out = pdh_xcalloc(n_live + 1, sizeof(*left_out));
	int *starts = pdh_xcalloc(n_live + 1, sizeof(*starts));
	int *ends = pdh_xcalloc(n_live + 1, sizeof(*ends));
	const char *schema = opts && opts->schema_ref ? opts->schema_ref : PDH_EXPORT_SCHEMA_REF;
	size_t skipped_foreign = 0, skipped_owned = 0;
	unsigned types = opts && opts->types ? opts->types : PDH_TYPE_GENERAL;
	const char *owner = opts ? opts->owner : NULL;
	char *text = NULL;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < n_live; i++) {
		const pdh_live_webhook *w = &live->items[i];
		/* Another owner's webhook is foreign to plan, so it is not exported either. */
		if (!S_exported_type(w, types)) {
			skipped_foreign++;
			continue;
		}
		if (w->marker_owner && (owner == NULL || strcmp(w->marker_owner, owner) != 0)) {
			skipped_owned++;
			continue;
		}
		items[n].w = w;
		items[n].norm = pdh_url_normalize(w->subscription_url);
		if (items[n].norm == NULL)
			items[n].norm = pdh_xstrdup(w->subscription_url ? w->subscription_url : "");
		n++;
	}
	qsort(items, n, sizeof(*items), S_cmp_item);

	/* Render, load the result as `plan` would (placeholders set), leave out each entry with
	 * an error and render again; each round leaves out at least one, so this ends. */
	for (;;) {
		pdh_load_opts lo = { .getenv = S_placeholder_env };
		pdh_desired *d = NULL;
		pdh_diags diags;
		pdh_error err;
		bool progress = false, stray = false;

		free(text);
		memset(&st, 0, sizeof(st));
		st.skipped_foreign = skipped_foreign;
		st.skipped_owned = skipped_owned;
		text = S_render(items, n, (const char *const *)left_out, schema, types, owner, &st,
		                starts, ends);
		pdh_diags_init(&diags, "the exported file");
		pdh_desired_load_buffer(&d, "the exported file", text, strlen(text), &lo, &diags, &err);
		pdh_desired_free(d);
		for (size_t k = 0; k < diags.len; k++) {
			const pdh_diag *g = &diags.items[k];
			size_t i;
			if (g->level != PDH_DIAG_ERROR)
				continue;
			for (i = 0; i < n; i++)
				if (starts[i] && g->line >= starts[i] && g->line < ends[i])
					break;
			if (i == n) {
				stray = true;
				continue;
			}
			if (left_out[i] == NULL) {
				left_out[i] = pdh_xstrdup(g->message);
				progress = true;
			}
		}
		if (stray && !progress) {
			/* Not an entry's fault: nothing to leave out (never seen; said, not hidden). */
			for (size_t k = 0; k < diags.len; k++)
				if (diags.items[k].level == PDH_DIAG_ERROR)
					S_add_warning(&st, pdh_xasprintf("the exported file does not load: "
					                                 "line %d: %s", diags.items[k].line,
					                                 diags.items[k].message));
			st.load_failed = true;
		}
		pdh_diags_dispose(&diags);
		if (!progress)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		if (left_out[i]) {
			st.left_out_invalid++;
			S_add_warning(&st, pdh_xasprintf("webhook %lld is left out: it would not load (%s)",
			                                 items[i].w->id, left_out[i]));
		}
	}

	for (size_t i = 0; i < n; i++) {
		free(items[i].norm);
		free(left_out[i]);
	}
	free(items);
	free(left_out);
	free(starts);
	free(ends);
	if (stats)
		*stats = st;
	else
		pdh_export_stats_dispose(&st);
	return text;
}

void pdh_export_stats_dispose(pdh_export_stats *st)
{
	if (st == NULL)
		return;
	pdh_free_strings(st->warnings, st->n_warnings);
	st->warnings = NULL;
	st->n_warnings = 0;
}
