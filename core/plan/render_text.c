/* The text form of a plan: what `pdhooks plan` prints by default. */
#include "pdhooks/render_text.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/secrets.h"
#include "pdhooks/url.h"
#include "pdhooks/users_me.h"
#include "util/escape.h"
#include "util/quote.h"

#define S_GREEN "\033[32m"
#define S_RED "\033[31m"
#define S_YELLOW "\033[33m"
#define S_BOLD "\033[1m"
#define S_BOLD_RED "\033[1;31m"
#define S_RESET "\033[0m"

typedef struct S_out {
	pdh_buf b;
	bool color;
} S_out;

/* text wrapped in a colour when colours are on */
static void S_paint(S_out *o, const char *color, const char *text)
{
	if (o->color)
		pdh_buf_printf(&o->b, "%s%s%s", color, text, S_RESET);
	else
		pdh_buf_puts(&o->b, text);
}

/* " id=N name="..."" of a webhook; name may be NULL */
static void S_put_ids(S_out *o, const pdh_live_webhook *l, const char *name)
{
	if (l)
		pdh_buf_printf(&o->b, " id=%lld", l->id);
	if (name) {
		char *q = pdh_quote(name);
		pdh_buf_printf(&o->b, " name=%s", q);
		free(q);
	}
}

static void S_put_action(S_out *o, const pdh_action *a)
{
	static const char *const marker[] = { "+  ", "-/+", "-  " };
	static const char *const color[] = { S_GREEN, S_YELLOW, S_RED };
	/* The name as it is sent, with its ownership marker (manage.owner). */
	const char *name = a->desired ? (a->desired->name_sent ? a->desired->name_sent
	                                                       : a->desired->name)
	                 : a->live ? a->live->name : NULL;

	pdh_buf_puts(&o->b, "  ");
	S_paint(o, color[a->kind], marker[a->kind]);
	pdh_buf_printf(&o->b, " %s", a->key);
	S_put_ids(o, a->live, name);
	pdh_buf_printf(&o->b, "  # %s\n", a->reason);
}

static void S_put_live(S_out *o, const pdh_live_webhook *l, const char *why)
{
	char *key = pdh_plan_key(l->event_action, l->event_object, l->subscription_url);

	pdh_buf_printf(&o->b, "  %s", key);
	S_put_ids(o, l, l->name);
	if (why)
		pdh_buf_printf(&o->b, "  # %s", why);
	pdh_buf_putc(&o->b, '\n');
	free(key);
}

/* A blank line between sections, none before the first. */
static void S_section(S_out *o)
{
	if (o->b.len > 0)
		pdh_buf_putc(&o->b, '\n');
}

static void S_put_more(S_out *o, size_t n)
{
	if (n > PDH_RENDER_LIST_MAX)
		pdh_buf_printf(&o->b, "  ... and %zu more\n", n - PDH_RENDER_LIST_MAX);
}

static void S_put_list(S_out *o, const char *title, const char *color, char *const *items,
                       size_t n)
{
	if (n == 0)
		return;
	S_section(o);
	S_paint(o, color, title);
	pdh_buf_puts(&o->b, ":\n");
	for (size_t i = 0; i < n; i++)
		pdh_buf_printf(&o->b, "  - %s\n", items[i]);
}

static void S_put_foreign(S_out *o, const pdh_plan *p)
{
	size_t counts[PDH_FOREIGN_N] = { 0 };
	size_t i, k, shown = 0;

	if (p->n_foreign == 0)
		return;
	for (i = 0; i < p->n_foreign; i++)
		if ((unsigned)p->foreign_reasons[i] < PDH_FOREIGN_N)
			counts[p->foreign_reasons[i]]++;
	S_section(o);
	pdh_buf_printf(&o->b, "Foreign, not touched: %zu (", p->n_foreign);
	for (k = 0; k < PDH_FOREIGN_N; k++) {
		if (counts[k] == 0)
			continue;
		pdh_buf_printf(&o->b, "%s%zu %s", shown++ ? ", " : "", counts[k],
		               pdh_foreign_reason_label((pdh_foreign_reason)k));
	}
	pdh_buf_puts(&o->b, ")\n");
	for (i = 0; i < p->n_foreign && i < PDH_RENDER_LIST_MAX; i++) {
		char why[PDH_FOREIGN_TEXT_MAX];
		S_put_live(o, p->foreign[i], pdh_foreign_reason_show(p->foreign_reasons[i],
		                                                      p->foreign[i], why));
	}
	S_put_more(o, p->n_foreign);
}

/* Owned webhooks whose last delivery failed: Pipedrive deletes them after 3 days without a
 * successful delivery, so the plan says so before that happens. */
static void S_put_delivery_failures(S_out *o, const pdh_plan *p)
{
	size_t shown = 0;

	if (p->n_delivery_failed == 0)
		return;
	S_section(o);
	S_paint(o, S_YELLOW, "Failing deliveries:");
	pdh_buf_printf(&o->b, " %zu (Pipedrive deletes a webhook after 3 days without a "
	               "successful delivery)\n", p->n_delivery_failed);
	for (size_t i = 0; i < p->n_owned && shown < PDH_RENDER_LIST_MAX; i++) {
		const pdh_owned_webhook *w = &p->owned[i];
		char *last;

		if (!w->delivery_failed)
			continue;
		last = pdh_health_last_delivery_text(w->live);
		pdh_buf_puts(&o->b, "  ");
		S_paint(o, S_YELLOW, "!");
		pdh_buf_printf(&o->b, " %s id=%lld  # last delivery: %s\n", w->key, w->live->id,
		               last);
		free(last);
		shown++;
	}
	S_put_more(o, p->n_delivery_failed);
}

char *pdh_render_summary(const pdh_plan *p)
{
	pdh_buf b = PDH_BUF_INIT;

	if (pdh_plan_is_empty(p))
		pdh_buf_puts(&b, "No changes. ");
	else
		pdh_buf_printf(&b, "Plan: %zu to create, %zu to replace, %zu to delete; ", p->n_create,
		               p->n_replace, p->n_delete);
	pdh_buf_printf(&b, "%zu unchanged, %zu foreign", p ? p->n_unchanged : 0,
	               p ? p->n_foreign : 0);
	if (p && p->n_unmanaged > 0)
		pdh_buf_printf(&b, ", %zu unmanaged", p->n_unmanaged);
	if (p && p->chosen)
		pdh_buf_printf(&b, ", %zu excluded", p->n_excluded);
	pdh_buf_putc(&b, '.');
	return pdh_buf_detach(&b);
}

char *pdh_render_target(const pdh_plan *p)
{
	pdh_buf b = PDH_BUF_INIT;
	char *url, *who;

	if (p == NULL || p->target_api_url == NULL)
		return NULL;
	url = pdh_url_redact(p->target_api_url);
	who = pdh_company_text(p->target_company);
	pdh_escape_display(&b, url);
	pdh_buf_printf(&b, ", %s", who);
	PDH_FREE_ALL(url, who);
	return pdh_buf_detach(&b);
}

char *pdh_render_text(const pdh_plan *p, bool color)
{
	S_out o = { PDH_BUF_INIT, color };
	char *summary, *target;
	size_t i;

	if (p == NULL)
		return pdh_xstrdup("No plan.\n");
	target = pdh_render_target(p);
	if (target)
		pdh_buf_printf(&o.b, "Target: %s.\n", target);
	free(target);
	pdh_buf_printf(&o.b, "Manages %s webhooks (%s).\n", pdh_plan_types_text(p->types),
	               p->auth == PDH_AUTH_BEARER ? "OAuth token" : "API token");
	if (p->n_actions > 0) {
		S_section(&o);
		pdh_buf_puts(&o.b, "Changes:\n");
		for (i = 0; i < p->n_actions; i++)
			S_put_action(&o, &p->actions[i]);
	}
	S_put_list(&o, "Notes", S_BOLD, p->notes, p->n_notes);
	S_put_list(&o, "Warnings", S_YELLOW, p->warnings, p->n_warnings);
	S_put_delivery_failures(&o, p);
	if (p->n_unmanaged > 0) {
		S_section(&o);
		pdh_buf_printf(&o.b, "Unmanaged, kept because manage.prune is false: %zu\n",
		               p->n_unmanaged);
		for (i = 0; i < p->n_unmanaged && i < PDH_RENDER_LIST_MAX; i++)
			S_put_live(&o, p->unmanaged[i], NULL);
		S_put_more(&o, p->n_unmanaged);
	}
	S_put_foreign(&o, p);
	if (p->brake) {
		S_section(&o);
		S_paint(&o, S_BOLD_RED, "Brake:");
		pdh_buf_printf(&o.b, " apply will refuse this plan without --force: %s.\n",
		               p->brake_reason);
	}
	S_section(&o);
	summary = pdh_render_summary(p);
	S_paint(&o, S_BOLD, summary);
	pdh_buf_putc(&o.b, '\n');
	free(summary);
	/* Live URLs and names may hold an environment value too: shown as its ${VAR}. */
	{
		char *shown = pdh_secrets_scrub_n(p->secrets, pdh_buf_cstr(&o.b), o.b.len);
		pdh_buf_dispose(&o.b);
		return shown;
	}
}
