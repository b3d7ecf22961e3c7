#include "pdhooks/export.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/plan.h"
#include "pdhooks/url.h"
#include "util/text.h"

void pdh_yaml_quote(pdh_buf *b, const char *s)
{
	size_t n, i = 0;

	if (s == NULL) {
		pdh_buf_putc(b, '~');
		return;
	}
	n = strlen(s);
	pdh_buf_putc(b, '"');
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

char *pdh_export_yaml(const pdh_live *live, const pdh_export_opts *opts,
                      pdh_export_stats *stats)
{
	pdh_export_stats st = { 0, 0, 0, 0 };
	size_t n_live = live ? live->n : 0, n = 0, n_origins = 0;
	S_item *items = pdh_xcalloc(n_live + 1, sizeof(*items));
	char **origins = pdh_xcalloc(n_live + 1, sizeof(*origins));
	const char *schema = opts && opts->schema_ref ? opts->schema_ref : PDH_EXPORT_SCHEMA_REF;
	pdh_buf b = PDH_BUF_INIT, body = PDH_BUF_INIT;

	for (size_t i = 0; i < n_live; i++) {
		const pdh_live_webhook *w = &live->items[i];
		if (w->type == NULL || strcmp(w->type, "general") != 0) {
			st.skipped_foreign++;
			continue;
		}
		items[n].w = w;
		items[n].norm = pdh_url_normalize(w->subscription_url);
		if (items[n].norm == NULL)
			items[n].norm = pdh_xstrdup(w->subscription_url ? w->subscription_url : "");
		n++;
	}
	qsort(items, n, sizeof(*items), S_cmp_item);

	for (size_t i = 0; i < n; i++) {
		const pdh_live_webhook *w = items[i].w;
		char *origin;

		if (i > 0 && S_cmp_key(&items[i - 1], &items[i]) == 0) {
			st.skipped_duplicates++;
			pdh_buf_printf(&body, "  # not exported: webhook %lld, a duplicate of the entry "
			               "above (plan deletes it)\n", w->id);
			continue;
		}
		st.exported++;
		if (!w->is_active)
			pdh_buf_printf(&body, "  # webhook %lld is inactive in Pipedrive: plan replaces "
			               "it with an active one\n", w->id);
		pdh_buf_puts(&body, "  - ");
		if (w->name) {
			pdh_buf_puts(&body, "name: ");
			pdh_yaml_quote(&body, w->name);
			pdh_buf_putc(&body, '\n');
			S_field(&body, "event_action", w->event_action);
		} else {
			pdh_buf_puts(&body, "event_action: ");
			pdh_yaml_quote(&body, w->event_action);
			pdh_buf_putc(&body, '\n');
		}
		S_field(&body, "event_object", w->event_object);
		S_field(&body, "subscription_url", w->subscription_url);
		if (w->version)
			S_field(&body, "version", w->version);
		if (w->has_user_id)
			pdh_buf_printf(&body, "    user_id: %lld\n", w->user_id);
		if (w->http_auth_user)
			S_field(&body, "http_auth_user", w->http_auth_user);
		if (w->password_state != PDH_SECRET_NONE) {
			st.passwords++;
			pdh_buf_printf(&body, "    # webhook %lld has a password; pdhooks never exports "
			               "it: set %s%zu\n", w->id, PDH_EXPORT_PASSWORD_VAR, st.passwords);
			pdh_buf_printf(&body, "    http_auth_password: \"${%s%zu}\"\n",
			               PDH_EXPORT_PASSWORD_VAR, st.passwords);
		}
		origin = pdh_url_origin(w->subscription_url);
		if (origin)
			origins[n_origins++] = origin;
	}
	qsort(origins, n_origins, sizeof(*origins), S_cmp_cstr);

	pdh_buf_puts(&b, "# yaml-language-server: $schema=");
	pdh_buf_puts(&b, schema);
	pdh_buf_puts(&b, "\n# Written by `pdhooks export` from the live general webhooks.\n");
	if (st.passwords == 1)
		pdh_buf_printf(&b, "# Passwords are not exported: set %s1 in the environment.\n",
		               PDH_EXPORT_PASSWORD_VAR);
	else if (st.passwords > 1)
		pdh_buf_printf(&b, "# Passwords are not exported: set %s1 ... %s%zu in the "
		               "environment.\n", PDH_EXPORT_PASSWORD_VAR, PDH_EXPORT_PASSWORD_VAR,
		               st.passwords);
	pdh_buf_puts(&b, "pdhooks: 1\n");
	if (n_origins > 0) {
		pdh_buf_puts(&b, "manage:\n  urls:\n");
		for (size_t i = 0; i < n_origins; i++) {
			if (i > 0 && strcmp(origins[i - 1], origins[i]) == 0)
				continue;
			pdh_buf_puts(&b, "    - ");
			pdh_yaml_quote(&b, origins[i]);
			pdh_buf_putc(&b, '\n');
		}
	}
	pdh_buf_puts(&b, st.exported == 0 ? "webhooks: []\n" : "webhooks:\n");
	pdh_buf_append(&b, pdh_buf_cstr(&body), body.len);

	for (size_t i = 0; i < n; i++)
		free(items[i].norm);
	for (size_t i = 0; i < n_origins; i++)
		free(origins[i]);
	free(items);
	free(origins);
	pdh_buf_dispose(&body);
	if (stats)
		*stats = st;
	return pdh_buf_detach(&b);
}
