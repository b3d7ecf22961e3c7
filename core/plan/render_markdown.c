#include "pdhooks/render_markdown.h"
#include "pdhooks/render_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/attr.h"
#include "pdhooks/buf.h"
#include "pdhooks/secrets.h"
#include "pdhooks/planfile.h"
#include "pdhooks/url.h"
#include "pdhooks/names.h"
#include "plan/plan_json.h"
#include "util/escape.h"
#include "util/text.h"

void pdh_markdown_escape(pdh_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0, i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		if (c >= 0x80) {
			/* Bidirectional and invisible characters as \u{XXXX} (util/escape.h), so a
			 * review shows the URL as it is; bytes that are not UTF-8 as U+FFFD. */
			l = pdh_utf8_decode(s + i, n - i, &cp);
			if (l == 0) {
				pdh_buf_puts(b, "\xef\xbf\xbd");
				l = 1;
			} else if (pdh_escape_is_hostile(cp)) {
				pdh_buf_printf(b, "\\u{%04X}", (unsigned)cp);
			} else {
				pdh_buf_append(b, s + i, l);
			}
			i += l;
			continue;
		}
		if (c == '<')
			pdh_buf_puts(b, "&lt;");
		else if (c == '>')
			pdh_buf_puts(b, "&gt;");
		else if (c == '&')
			pdh_buf_puts(b, "&amp;");
		else if (c == '\n' || c == '\r' || c == '\t')
			pdh_buf_putc(b, ' ');   /* a newline would end the table row */
		else if (c < 0x20 || c == 0x7f)
			pdh_buf_puts(b, "\xef\xbf\xbd");
		else if (strchr("\\`*_[]|~@#:$", c)) {
			/* No emphasis, code span, link, table cell break, strike-through, mention,
			 * issue reference, emoji or math. Parentheses, '!', '-' and '+' are inert
			 * once '[' is escaped and the text never starts a line. */
			pdh_buf_putc(b, '\\');
			pdh_buf_putc(b, (char)c);
		} else
			pdh_buf_putc(b, (char)c);
		i++;
	}
}

static char *S_escaped(const char *s);

static void S_url(pdh_buf *b, const char *url)
{
	char *r = pdh_url_redact(url);
	pdh_markdown_escape(b, r);
	free(r);
}

static const char *S_marker(pdh_action_kind k)
{
	switch (k) {
	case PDH_ACTION_CREATE: return "`+` create";
	case PDH_ACTION_REPLACE: return "`-/+` replace";
	default: return "`-` delete";
	}
}

static const char *S_name(const pdh_action *a)
{
	if (a->desired && a->kind != PDH_ACTION_DELETE && !a->desired->name_derived)
		return a->desired->name;
	if (a->live && a->live->name)
		return a->live->name;
	return a->desired ? a->desired->name : NULL;
}

static void S_row(pdh_buf *b, const pdh_action *a)
{
	const char *name = S_name(a);

	pdh_buf_printf(b, "| %s | ", S_marker(a->kind));
	pdh_markdown_escape(b, a->key);
	pdh_buf_puts(b, " | ");
	if (name && *name)
		pdh_markdown_escape(b, name);
	pdh_buf_puts(b, " | ");
	pdh_markdown_escape(b, a->reason);
	pdh_buf_puts(b, " | ");
	if (a->live)
		pdh_buf_printf(b, "%lld", a->live->id);
	pdh_buf_puts(b, " |\n");
}

/* A cell of the detail table for one attribute (core/plan/attr.c), NULL for a dash; buf
 * holds an integer's digits. */
static const char *S_cell(const pdh_attr *a, pdh_attr_value v, bool desired, char buf[32])
{
	if (desired && !v.declared && !a->compared_by_default)
		return a->id == PDH_ATTR_NAME ? "(derived, not compared)" : "(not declared)";
	if (a->type == PDH_ATTR_PASSWORD) {
		switch (v.secret) {
		case PDH_SECRET_REAL: return "(sensitive)";
		case PDH_SECRET_MASKED: return "(masked by Pipedrive)";
		default: return NULL;
		}
	}
	if (a->type == PDH_ATTR_INTEGER) {
		if (v.null)
			return NULL;
		snprintf(buf, 32, "%lld", v.integer);
		return buf;
	}
	return v.text;
}

/* One row of a detail table; values are escaped, NULL shows as a dash. */
static void S_attr(pdh_buf *b, const char *attr, const char *live, const char *planned,
                   bool urls)
{
	const char *v[2] = { live, planned };

	pdh_buf_printf(b, "| %s |", attr);
	for (int i = 0; i < 2; i++) {
		pdh_buf_putc(b, ' ');
		if (v[i] == NULL)
			pdh_buf_puts(b, "\xe2\x80\x94");
		else if (urls)
			S_url(b, v[i]);
		else
			pdh_markdown_escape(b, v[i]);
		pdh_buf_puts(b, " |");
	}
	pdh_buf_putc(b, '\n');
}

static void S_detail(pdh_buf *b, const pdh_action *a)
{
	const pdh_live_webhook *l = a->kind == PDH_ACTION_CREATE ? NULL : a->live;
	const pdh_desired_webhook *d = a->kind == PDH_ACTION_DELETE ? NULL : a->desired;
	char lu[32] = "", du[32] = "";

	pdh_buf_printf(b, "**%s** ", S_marker(a->kind));
	pdh_markdown_escape(b, a->key);
	if (l)
		pdh_buf_printf(b, " (id %lld)", l->id);
	pdh_buf_puts(b, ": ");
	pdh_markdown_escape(b, a->reason);
	pdh_buf_puts(b, "\n\n| attribute | live | planned |\n|---|---|---|\n");
	S_attr(b, "subscription_url", l ? l->subscription_url : NULL,
	       d ? d->subscription_url : NULL, true);
	for (size_t i = 0; i < PDH_ATTR_COUNT; i++) {
		const pdh_attr *at = &pdh_attrs[i];
		S_attr(b, at->name, l ? S_cell(at, at->live(l), false, lu) : NULL,
		       d ? S_cell(at, at->desired(d), true, du) : NULL, false);
	}
	if (l)
		S_attr(b, "is_active", l->is_active ? "1" : "0", d ? "1" : NULL, false);
	pdh_buf_putc(b, '\n');
}

static void S_live_list(pdh_buf *b, const char *title, const pdh_live_webhook *const *items,
                        size_t n, const pdh_foreign_reason *why)
{
	if (n == 0)
		return;
	pdh_buf_printf(b, "**%s** (%zu)\n\n", title, n);
	for (size_t i = 0; i < n; i++) {
		const pdh_live_webhook *w = items[i];
		pdh_buf_printf(b, "- %lld ", w->id);
		pdh_markdown_escape(b, w->event_action);
		pdh_buf_putc(b, '.');
		pdh_markdown_escape(b, w->event_object);
		pdh_buf_putc(b, ' ');
		S_url(b, w->subscription_url);
		if (w->name && *w->name) {
			pdh_buf_puts(b, " \xe2\x80\x94 ");
			pdh_markdown_escape(b, w->name);
		}
		if (why) {
			pdh_buf_puts(b, " (");
			char text[PDH_FOREIGN_TEXT_MAX];
			pdh_markdown_escape(b, pdh_foreign_reason_show(why[i], w, text));
			pdh_buf_putc(b, ')');
		} else if (w->type && pdh_webhook_type_of(w->type) != PDH_TYPE_GENERAL) {
			pdh_buf_puts(b, " (");
			pdh_markdown_escape(b, w->type);
			pdh_buf_putc(b, ')');
		}
		pdh_buf_putc(b, '\n');
	}
	pdh_buf_putc(b, '\n');
}

static void S_strings(pdh_buf *b, const char *title, char *const *items, size_t n)
{
	if (n == 0)
		return;
	pdh_buf_printf(b, "**%s**\n\n", title);
	for (size_t i = 0; i < n; i++) {
		pdh_buf_puts(b, "- ");
		pdh_markdown_escape(b, items[i]);
		pdh_buf_putc(b, '\n');
	}
	pdh_buf_putc(b, '\n');
}

/* Owned webhooks whose last delivery failed, before Pipedrive deletes them. */
static void S_delivery_failures(pdh_buf *b, const pdh_plan *p)
{
	if (p->n_delivery_failed == 0)
		return;
	pdh_buf_printf(b, "**Failing deliveries: %zu** (Pipedrive deletes a webhook after 3 days "
	               "without a successful delivery)\n\n", p->n_delivery_failed);
	for (size_t i = 0; i < p->n_owned; i++) {
		const pdh_owned_webhook *w = &p->owned[i];
		char *last;

		if (!w->delivery_failed)
			continue;
		last = pdh_health_last_delivery_text(w->live);
		pdh_buf_puts(b, "- ");
		pdh_markdown_escape(b, w->key);
		pdh_buf_printf(b, " (id %lld): last delivery ", w->live->id);
		pdh_markdown_escape(b, last);
		pdh_buf_putc(b, '\n');
		free(last);
	}
	pdh_buf_putc(b, '\n');
}

static size_t S_n_file_warnings(const pdh_diags *diags)
{
	return diags ? diags->n_warnings : 0;
}

/* The file's warnings, then the plan's. */
static void S_warnings(pdh_buf *b, const pdh_plan *p, const pdh_diags *diags)
{
	if (p->n_warnings + S_n_file_warnings(diags) == 0)
		return;
	pdh_buf_puts(b, "**Warnings**\n\n");
	for (size_t i = 0; diags && i < diags->len; i++) {
		if (diags->items[i].level == PDH_DIAG_WARNING) {
			char *line = pdh_diag_line(diags, &diags->items[i]);
			pdh_buf_puts(b, "- ");
			pdh_markdown_escape(b, line);
			pdh_buf_putc(b, '\n');
			free(line);
		}
	}
	for (size_t i = 0; i < p->n_warnings; i++) {
		pdh_buf_puts(b, "- ");
		pdh_markdown_escape(b, p->warnings[i]);
		pdh_buf_putc(b, '\n');
	}
	pdh_buf_putc(b, '\n');
}

enum { S_LISTS = 1, S_NOTES = 2 };

/* The comment with the first k actions; `parts` says which optional parts are in. */
/* "Target: URL, company 123 (Acme Inc, acme)." */
static void S_target(pdh_buf *b, const pdh_plan *p)
{
	char *target = pdh_render_target(p);

	if (target == NULL)
		return;
	pdh_buf_puts(b, "Target: ");
	pdh_markdown_escape(b, target);
	pdh_buf_puts(b, ".\n\n");
	free(target);
}

static void S_render(pdh_buf *b, const pdh_plan *p, const pdh_desired *desired,
                     const char *fingerprint, const pdh_markdown_opts *o, size_t k, int parts)
{
	pdh_buf_reset(b);
	pdh_buf_printf(b, "### pdhooks plan: %zu to create, %zu to replace, %zu to delete; "
	               "%zu unchanged, %zu foreign, %zu unmanaged",
	               p->n_create, p->n_replace, p->n_delete, p->n_unchanged, p->n_foreign,
	               p->n_unmanaged);
	if (p->chosen)
		pdh_buf_printf(b, ", %zu excluded", p->n_excluded);
	pdh_buf_puts(b, "\n\n");
	S_target(b, p);
	pdh_buf_printf(b, "Manages **%s** webhooks (%s).\n\n", pdh_plan_types_text(p->types),
	               p->auth == PDH_AUTH_BEARER ? "OAuth token" : "API token");
	if (p->brake) {
		pdh_buf_puts(b, "> **Refused by a safety brake:** ");
		pdh_markdown_escape(b, p->brake_reason ? p->brake_reason : "see the plan");
		pdh_buf_puts(b, ". `pdhooks apply` needs `--force` to run this plan.\n\n");
	}
	if (p->n_actions == 0)
		pdh_buf_puts(b, "No changes: the live webhooks match the file.\n\n");
	else {
		pdh_buf_puts(b, "| | webhook | name | reason | live id |\n|---|---|---|---|---|\n");
		for (size_t i = 0; i < k; i++)
			S_row(b, &p->actions[i]);
		if (k < p->n_actions)
			pdh_buf_printf(b, "\n**%zu of %zu actions are not shown here** (the comment "
			               "would be too long); run `pdhooks plan` for the whole plan.\n",
			               p->n_actions - k, p->n_actions);
		pdh_buf_puts(b, "\n");
		if (k > 0) {
			pdh_buf_puts(b, "<details><summary>Details of the actions</summary>\n\n");
			for (size_t i = 0; i < k; i++)
				S_detail(b, &p->actions[i]);
			pdh_buf_puts(b, "</details>\n\n");
		}
	}
	if (p->n_unchanged + p->n_foreign + p->n_unmanaged > 0) {
		if (parts & S_LISTS) {
			pdh_buf_printf(b, "<details><summary>%zu unchanged, %zu foreign, %zu unmanaged "
			               "webhooks</summary>\n\n", p->n_unchanged, p->n_foreign,
			               p->n_unmanaged);
			S_live_list(b, "Unchanged", p->unchanged, p->n_unchanged, NULL);
			S_live_list(b, "Foreign (never touched)", p->foreign, p->n_foreign,
			            p->foreign_reasons);
			S_live_list(b, "Unmanaged (owned, not declared, kept: prune is off)",
			            p->unmanaged, p->n_unmanaged, NULL);
			pdh_buf_puts(b, "</details>\n\n");
		} else
			pdh_buf_puts(b, "_The lists of unchanged, foreign and unmanaged webhooks are "
			             "left out (the comment would be too long)._\n\n");
	}
	if (parts & S_NOTES) {
		S_delivery_failures(b, p);
		S_strings(b, "Notes", p->notes, p->n_notes);
		S_warnings(b, p, o->diags);
	} else if (p->n_notes + p->n_warnings + S_n_file_warnings(o->diags) +
	           p->n_delivery_failed > 0)
		pdh_buf_printf(b, "_%zu failing deliveries, %zu notes and %zu warnings are left out "
		               "(the comment would be too long)._\n\n", p->n_delivery_failed,
		               p->n_notes, p->n_warnings + S_n_file_warnings(o->diags));
	pdh_buf_puts(b, "<sub>");
	if (desired && desired->path) {
		pdh_markdown_escape(b, desired->path);
		pdh_buf_puts(b, " ");
	}
	pdh_buf_printf(b, "sha256 `%.64s` \xc2\xb7 live fingerprint `%s`",
	               desired ? desired->sha256 : "", fingerprint);
	if (o->plan_digest && strspn(o->plan_digest, "0123456789abcdef") == strlen(o->plan_digest)) {
		pdh_buf_printf(b, " \xc2\xb7 saved plan sha256 `%s`", o->plan_digest);
	}
	pdh_buf_puts(b, "</sub>\n");
	if (pdh_secrets_count(p->secrets) > 0) {
		/* Every text as escaped above, with each environment value as its ${VAR}. */
		pdh_secrets *esc = pdh_secrets_transform(p->secrets, S_escaped);
		char *shown = pdh_secrets_scrub_n(esc, pdh_buf_cstr(b), b->len);
		pdh_buf_reset(b);
		pdh_buf_puts(b, shown);
		pdh_free_secret(shown);
		pdh_secrets_free(esc);
	}
}

/* Cuts a text that is still too long at a character boundary, closing nothing: only a
 * pathological brake reason or file name can make the fixed part this long. */
static void S_hard_cut(pdh_buf *b, size_t max)
{
	static const char note[] = "\n\n(cut: too long)\n";
	size_t n;

	if (b->len <= max)
		return;
	n = pdh_utf8_fit(b->data, b->len, max > sizeof(note) ? max - (sizeof(note) - 1) : 0);
	b->len = n;
	b->data[n] = '\0';
	if (b->len + sizeof(note) - 1 <= max)
		pdh_buf_puts(b, note);
}

static char *S_escaped(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_markdown_escape(&b, s);
	return pdh_buf_detach(&b);
}

char *pdh_render_markdown(const pdh_plan *plan, const pdh_desired *desired,
                          const pdh_live *live, const pdh_markdown_opts *opts)
{
	pdh_markdown_opts o = opts ? *opts : (pdh_markdown_opts){ 0, NULL, NULL };
	pdh_buf b = PDH_BUF_INIT;
	size_t lo, hi, n = plan->n_actions;
	char fp[65];

	if (o.max_bytes == 0)
		o.max_bytes = PDH_MARKDOWN_MAX;
	pdh_live_fingerprint(fp, live, plan);
	S_render(&b, plan, desired, fp, &o, n, S_LISTS | S_NOTES);
	if (b.len <= o.max_bytes)
		goto done;
	S_render(&b, plan, desired, fp, &o, n, S_NOTES);
	if (b.len <= o.max_bytes)
		goto done;
	/* The largest number of actions that fits, by bisection (the length grows with k). */
	lo = 0;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		S_render(&b, plan, desired, fp, &o, mid, S_NOTES);
		if (b.len <= o.max_bytes)
			lo = mid;
		else
			hi = mid - 1;
	}
	S_render(&b, plan, desired, fp, &o, lo, S_NOTES);
	if (b.len > o.max_bytes)
		S_render(&b, plan, desired, fp, &o, lo, 0);
	S_hard_cut(&b, o.max_bytes);
done:
	return pdh_buf_detach(&b);
}
