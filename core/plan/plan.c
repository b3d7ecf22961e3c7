/* The reconciliation engine: (desired set, live listing, options) -> plan. No I/O.
 *
 * Both sides are sorted by identity key (event_action, event_object, normalised URL) and
 * walked together once, so the plan costs O(n log n) and comes out in key order. Decisions
 * where DESIGN.md is silent are explained where they are taken. */
#include "pdhooks/plan.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/attr.h"
#include "pdhooks/buf.h"
#include "pdhooks/secrets.h"
#include "pdhooks/url.h"
#include "pdhooks/names.h"
#include "util/escape.h"

/* One side of the walk: a webhook with its normalised URL. */
typedef struct S_entry {
	const char *action;
	const char *object;
	char *url;                        /* normalised; the raw text when it does not parse */
	const pdh_desired_webhook *d;     /* desired side */
	const pdh_live_webhook *l;        /* live side */
	size_t index;                     /* position in the input: the last tie-breaker */
} S_entry;

typedef struct S_builder {
	pdh_plan *p;
	const pdh_desired *desired;
	const char *owner;                /* manage.owner; NULL: ownership by URL scope */
	bool adopt;                       /* --adopt or manage.adopt */
	const char *takeover;             /* --takeover OWNER */
	char *conflict;                   /* the first declared key another owner holds */
	char *conflict_owner;             /* and that owner */
	size_t n_conflicts;
	bool manage_all;                  /* manage.urls: ["*"] */
	bool listing_shows_passwords;     /* some live webhook has a password, real or masked:
	                                     a null password then means "none" */
	char **prefixes;                  /* normalised manage.urls, sorted, prefix-free */
	size_t n_prefixes;
	size_t cap_owned;
	size_t cap_actions, cap_unchanged, cap_foreign, cap_unmanaged, cap_notes, cap_warnings;
	size_t n_owned_deleted;
	size_t n_duplicate_deletes; /* deletes of a second copy of a kept key */
} S_builder;

static int S_or_empty_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

int pdh_plan_key_cmp(const char *action_a, const char *object_a, const char *url_a,
                     const char *action_b, const char *object_b, const char *url_b)
{
	int c = S_or_empty_cmp(action_a, action_b);

	if (c == 0)
		c = S_or_empty_cmp(object_a, object_b);
	if (c == 0)
		c = S_or_empty_cmp(url_a, url_b);
	return c;
}

static int S_key_cmp(const S_entry *a, const S_entry *b)
{
	return pdh_plan_key_cmp(a->action, a->object, a->url, b->action, b->object, b->url);
}

static int S_entry_cmp(const void *va, const void *vb)
{
	const S_entry *a = va, *b = vb;
	int c = S_key_cmp(a, b);

	if (c == 0 && a->l && b->l && a->l->id != b->l->id)
		c = a->l->id < b->l->id ? -1 : 1;
	if (c == 0 && a->index != b->index)
		c = a->index < b->index ? -1 : 1;
	return c;
}

static int S_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *S_normalize_or_copy(const char *url)
{
	char *n = pdh_url_normalize(url);
	return n ? n : pdh_xstrdup(url);
}

char *pdh_plan_key(const char *event_action, const char *event_object,
                   const char *subscription_url)
{
	char *norm = pdh_url_normalize(subscription_url);
	char *red = norm ? pdh_url_redact(norm) : pdh_xstrdup("(invalid URL)");
	char *raw = pdh_xasprintf("%s.%s %s", event_action, event_object, red);
	char *key = pdh_escape_display_dup(raw);

	free(raw);
	free(norm);
	free(red);
	return key;
}

/* ---- building the plan ------------------------------------------------------------------ */

static void S_scrub_in_place(char **s, const pdh_secrets *secrets)
{
	char *t;

	if (*s == NULL)
		return;
	t = pdh_secrets_scrub(secrets, *s);
	free(*s);
	*s = t;
}

/* Every text of the plan as shown: environment values as their ${VAR}. */
static void S_scrub_all(pdh_plan *p, const pdh_secrets *secrets)
{
	p->secrets = secrets;
	if (pdh_secrets_count(secrets) == 0)
		return;
	for (size_t i = 0; i < p->n_actions; i++) {
		pdh_action *a = &p->actions[i];
		S_scrub_in_place(&a->key, secrets);
		S_scrub_in_place(&a->reason, secrets);
		for (size_t k = 0; k < a->n_changes; k++) {
			S_scrub_in_place(&a->changes[k].before, secrets);
			S_scrub_in_place(&a->changes[k].after, secrets);
		}
	}
	for (size_t i = 0; i < p->n_notes; i++)
		S_scrub_in_place(&p->notes[i], secrets);
	for (size_t i = 0; i < p->n_warnings; i++)
		S_scrub_in_place(&p->warnings[i], secrets);
	S_scrub_in_place(&p->brake_reason, secrets);
}

static void S_add_note(S_builder *b, char *note)
{
	pdh_plan *p = b->p;
	p->notes = pdh_xgrow(p->notes, &b->cap_notes, p->n_notes + 1, sizeof(*p->notes));
	p->notes[p->n_notes++] = note;
}

static void S_add_warning(S_builder *b, char *warning)
{
	pdh_plan *p = b->p;
	p->warnings = pdh_xgrow(p->warnings, &b->cap_warnings, p->n_warnings + 1,
	                        sizeof(*p->warnings));
	p->warnings[p->n_warnings++] = warning;
}

static pdh_action *S_add_action(S_builder *b, pdh_action_kind kind, pdh_reason why,
                                const S_entry *e, const pdh_desired_webhook *d,
                                const pdh_live_webhook *l, char *reason)
{
	pdh_plan *p = b->p;
	pdh_action *a;

	p->actions = pdh_xgrow(p->actions, &b->cap_actions, p->n_actions + 1, sizeof(*p->actions));
	a = &p->actions[p->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->why = why;
	a->reason = reason;
	a->key = pdh_plan_key(e->action, e->object, e->url);
	a->desired = d;
	a->live = l;
	switch (kind) {
	case PDH_ACTION_CREATE: p->n_create++; break;
	case PDH_ACTION_REPLACE: p->n_replace++; break;
	case PDH_ACTION_DELETE: p->n_delete++; b->n_owned_deleted++; break;
	}
	return a;
}

static void S_add_live(const pdh_live_webhook ***list, size_t *n, size_t *cap,
                       const pdh_live_webhook *l)
{
	*list = pdh_xgrow(*list, cap, *n + 1, sizeof(**list));
	(*list)[(*n)++] = l;
}

static void S_add_foreign(S_builder *b, const pdh_live_webhook *l, pdh_foreign_reason why)
{
	pdh_plan *p = b->p;
	size_t cap = b->cap_foreign;

	S_add_live(&p->foreign, &p->n_foreign, &b->cap_foreign, l);
	if (b->cap_foreign != cap)
		p->foreign_reasons = pdh_xrealloc(p->foreign_reasons,
		                                  b->cap_foreign * sizeof(*p->foreign_reasons));
	p->foreign_reasons[p->n_foreign - 1] = why;
}

/* The PDH_TYPE_* bit of a live webhook's type; 0 for automation, unknown or absent types. */
static unsigned S_type_bit(const pdh_live_webhook *l)
{
	return pdh_webhook_type_of(l->type);
}

/* Whether this plan may touch a webhook of l's type. */
static bool S_type_managed(const S_builder *b, const pdh_live_webhook *l)
{
	return (S_type_bit(l) & b->p->types) != 0;
}

/* Why a webhook of a type this plan does not manage is foreign. */
static pdh_foreign_reason S_type_reason(const S_builder *b, const pdh_live_webhook *l)
{
	unsigned bit = S_type_bit(l);

	if (bit == PDH_TYPE_APPLICATION && b->p->auth != PDH_AUTH_BEARER)
		return PDH_FOREIGN_APP_API_TOKEN;
	if (bit != 0)
		return PDH_FOREIGN_TYPE_NOT_MANAGED;
	if (l->type == NULL)
		return PDH_FOREIGN_NO_TYPE;
	if (strcmp(l->type, "automation") == 0)
		return PDH_FOREIGN_AUTOMATION;
	return PDH_FOREIGN_OTHER_TYPE;
}

unsigned pdh_plan_types(unsigned declared, pdh_auth_kind auth)
{
	unsigned types = declared & (PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION);

	if (types == 0)
		types = auth == PDH_AUTH_BEARER ? PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION
		                                : PDH_TYPE_GENERAL;
	if (auth != PDH_AUTH_BEARER)
		types &= ~(unsigned)PDH_TYPE_APPLICATION;
	return types;
}

const char *pdh_plan_types_text(unsigned types)
{
	switch (types & (PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION)) {
	case PDH_TYPE_GENERAL: return "general";
	case PDH_TYPE_APPLICATION: return "application";
	case PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION: return "general, application";
	default: return "none";
	}
}

static const struct {
	const char *code, *label, *text;
} S_foreign_reasons[PDH_FOREIGN_N] = {
	[PDH_FOREIGN_OUTSIDE_URLS] = { "outside_manage_urls", "outside manage.urls",
		"outside manage.urls" },
	[PDH_FOREIGN_APP_API_TOKEN] = { "application_api_token", "application",
		"application webhook; this run uses an API token" },
	[PDH_FOREIGN_TYPE_NOT_MANAGED] = { "type_not_managed", "not in manage.types",
		"its type is not in manage.types" },
	[PDH_FOREIGN_AUTOMATION] = { "automation", "automation",
		"automation webhooks are never managed" },
	[PDH_FOREIGN_OTHER_TYPE] = { "other_type", "other type",
		"a webhook type pdhooks does not know" },
	[PDH_FOREIGN_NO_TYPE] = { "no_type", "no type", "the listing gives no type" },
	[PDH_FOREIGN_OTHER_OWNER] = { "other_owner", "other owner",
		"owned by another pdhooks owner" },
	[PDH_FOREIGN_UNMARKED] = { "unmarked", "unmarked", "unmarked" },
};

const char *pdh_foreign_reason_show(pdh_foreign_reason r, const pdh_live_webhook *l,
                                    char buf[PDH_FOREIGN_TEXT_MAX])
{
	if (r == PDH_FOREIGN_OTHER_OWNER && l && l->marker_owner) {
		snprintf(buf, PDH_FOREIGN_TEXT_MAX, "owned by pdhooks:%s", l->marker_owner);
		return buf;
	}
	return pdh_foreign_reason_text(r);
}

const char *pdh_foreign_reason_text(pdh_foreign_reason r)
{
	return (unsigned)r < PDH_FOREIGN_N ? S_foreign_reasons[r].text : "foreign";
}

const char *pdh_foreign_reason_code(pdh_foreign_reason r)
{
	return (unsigned)r < PDH_FOREIGN_N ? S_foreign_reasons[r].code : "other_type";
}

const char *pdh_foreign_reason_label(pdh_foreign_reason r)
{
	return (unsigned)r < PDH_FOREIGN_N ? S_foreign_reasons[r].label : "other";
}

/* ---- ownership --------------------------------------------------------------------------- */

/* A manage URL owns a URL it is a prefix of when the prefix ends at a segment boundary:
 * it ends with '/', '?' or '#', or the URL goes on with one of them (or ends). So ".../pd" owns
 * ".../pd/x" and ".../pd?a=1" but not ".../pdx/other". The prefixes are kept sorted, and a
 * URL is looked up once per boundary in it (a handful of binary searches). */
static void S_prepare_prefixes(S_builder *b)
{
	const pdh_desired *d = b->desired;
	size_t i;

	b->manage_all = d->manage_all;
	for (i = 0; i < d->n_manage_urls; i++)
		if (strcmp(d->manage_urls[i], "*") == 0)
			b->manage_all = true;
	if (b->manage_all || d->n_manage_urls == 0)
		return;
	b->prefixes = pdh_xcalloc(d->n_manage_urls, sizeof(*b->prefixes));
	for (i = 0; i < d->n_manage_urls; i++)
		b->prefixes[i] = S_normalize_or_copy(d->manage_urls[i]);
	qsort(b->prefixes, d->n_manage_urls, sizeof(*b->prefixes), S_str_cmp);
	b->n_prefixes = d->n_manage_urls;
}

/* Whether the first m bytes of url are one of the prefixes. */
static bool S_prefix_listed(const S_builder *b, const char *url, size_t m)
{
	size_t lo = 0, hi = b->n_prefixes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *p = b->prefixes[mid];
		int c = strncmp(p, url, m);
		if (c == 0)
			c = p[m] == '\0' ? 0 : 1;
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool S_owned_url(const S_builder *b, const char *url)
{
	size_t m, len = strlen(url);

	if (b->manage_all)
		return true;
	for (m = 1; m <= len; m++) {
		bool boundary = m == len || strchr("/?#", url[m - 1]) || strchr("/?#", url[m]);
		if (boundary && S_prefix_listed(b, url, m))
			return true;
	}
	return false;
}

/* ---- comparing one declared webhook with one live webhook -------------------------------- */

enum { S_MAX_CHANGES = PDH_ATTR_COUNT };

typedef enum { S_PW_OK, S_PW_MASKED, S_PW_ABSENT } S_pw_check;

/* Compares the attributes the file declares, as the attribute table (core/plan/attr.c) says.
 * With out == NULL it only counts (the choice of the best duplicate); otherwise out has room
 * for S_MAX_CHANGES. *pw tells whether the declared password could be compared. */
static size_t S_diff(const S_builder *b, const pdh_desired_webhook *d,
                     const pdh_live_webhook *l, pdh_change *out, S_pw_check *pw)
{
	pdh_attr_listing listing = { b->listing_shows_passwords };
	size_t n = 0;

	*pw = S_PW_OK;
	for (size_t i = 0; i < PDH_ATTR_COUNT; i++) {
		const pdh_attr *a = &pdh_attrs[i];
		switch (pdh_attr_compare(a, d, l, &listing)) {
		case PDH_ATTR_DIFFERS:
			if (out) {
				out[n].attribute = a->name;
				out[n].before = pdh_attr_live_text(a, l);
				out[n].after = pdh_attr_desired_text(a, d);
				out[n].sensitive = a->secret;
			}
			n++;
			break;
		case PDH_ATTR_MASKED: *pw = S_PW_MASKED; break;
		case PDH_ATTR_NOT_LISTED: *pw = S_PW_ABSENT; break;
		default: break;
		}
	}
	return n;
}

static char *S_changes_text(const pdh_change *c, size_t n)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, "changed: ");
	for (size_t i = 0; i < n; i++)
		pdh_buf_printf(&b, "%s%s %s -> %s", i ? ", " : "", c[i].attribute, c[i].before,
		               c[i].after);
	return pdh_buf_detach(&b);
}

/* ---- the walk ---------------------------------------------------------------------------- */

static void S_create(S_builder *b, const S_entry *d)
{
	S_add_action(b, PDH_ACTION_CREATE, PDH_REASON_MISSING, d, d->d, NULL,
	             pdh_xstrdup("missing"));
}

/* Counts e's live webhook as owned and records its health. */
static void S_add_owned(S_builder *b, const S_entry *e)
{
	pdh_plan *p = b->p;
	pdh_owned_webhook *o;

	p->owned = pdh_xgrow(p->owned, &b->cap_owned, p->n_owned + 1, sizeof(*p->owned));
	o = &p->owned[p->n_owned++];
	o->live = e->l;
	o->key = pdh_plan_key(e->action, e->object, e->url);
	o->health = pdh_health_of(e->l);
	o->delivery_failed = pdh_health_delivery_failed(e->l);
	if (o->delivery_failed)
		p->n_delivery_failed++;
}

/* Whose a live webhook of a managed type is, by its marker (DESIGN.md, Ownership markers). */
typedef enum {
	S_MINE,        /* this file's: marked with its owner, or unmarked without manage.owner */
	S_ADOPTABLE,   /* unmarked, manage.owner set, inside manage.urls: a declared key's */
	S_UNMARKED,    /* unmarked, manage.owner set, outside manage.urls: foreign */
	S_TAKEN,       /* marked with the owner --takeover names */
	S_OTHER        /* marked with another owner: foreign */
} S_whose;

static S_whose S_whose_of(const S_builder *b, const S_entry *e)
{
	const char *marker = e->l->marker_owner;

	if (marker) {
		if (b->owner && strcmp(marker, b->owner) == 0)
			return S_MINE;
		if (b->takeover && strcmp(marker, b->takeover) == 0)
			return S_TAKEN;
		return S_OTHER;
	}
	if (b->owner == NULL)
		return S_MINE;
	return S_owned_url(b, e->url) ? S_ADOPTABLE : S_UNMARKED;
}

/* A declared key another owner's webhook holds: an error of the plan, naming both owners. */
static void S_conflict(S_builder *b, const S_entry *d, const pdh_live_webhook *l)
{
	char *key;

	if (b->n_conflicts++ > 0)
		return;
	b->conflict_owner = pdh_xstrdup(l->marker_owner);
	key = pdh_plan_key(d->action, d->object, d->url);
	if (b->owner)
		b->conflict = pdh_xasprintf("%s (line %d) is held by webhook %lld, owned by "
		                            "pdhooks:%s, and this file's owner is pdhooks:%s",
		                            key, d->d->line, l->id, l->marker_owner, b->owner);
	else
		b->conflict = pdh_xasprintf("%s (line %d) is held by webhook %lld, owned by "
		                            "pdhooks:%s, and this file has no manage.owner",
		                            key, d->d->line, l->id, l->marker_owner);
	free(key);
}

static const char *S_first_other(const S_builder *b)
{
	return b->conflict_owner ? b->conflict_owner : "";
}

/* Appends one reason to a replace's text ("; " between reasons); the first sets why. */
static void S_reason(pdh_buf *text, pdh_reason *why, pdh_reason r, const char *s)
{
	if (text->len == 0)
		*why = r;
	else
		pdh_buf_puts(text, "; ");
	pdh_buf_puts(text, s);
}

/* The kept webhook best of key d: planned unchanged, or replaced for the reasons it has. */
static void S_keep_or_replace(S_builder *b, const S_entry *d, const S_entry *best,
                              S_whose whose)
{
	const pdh_live_webhook *l = best->l;
	const pdh_desired_webhook *w = d->d;
	pdh_change changes[S_MAX_CHANGES];
	pdh_buf text = PDH_BUF_INIT;
	pdh_reason why = PDH_REASON_CHANGED;
	S_pw_check pw;
	size_t nc = S_diff(b, w, l, changes, &pw);
	bool rotated = b->owner && whose == S_MINE && w->password_version != l->marker_version;

	if (!l->is_active)
		S_reason(&text, &why, PDH_REASON_INACTIVE, "inactive");
	if (nc > 0) {
		char *t = S_changes_text(changes, nc);
		S_reason(&text, &why, PDH_REASON_CHANGED, t);
		free(t);
	}
	if (rotated) {
		char was[24] = "none", now[24] = "none", t[80];
		if (l->marker_version > 0)
			snprintf(was, sizeof(was), "%lld", l->marker_version);
		if (w->password_version > 0)
			snprintf(now, sizeof(now), "%lld", w->password_version);
		snprintf(t, sizeof(t), "rotated: password version %s -> %s", was, now);
		S_reason(&text, &why, PDH_REASON_ROTATED, t);
	}
	if (whose == S_ADOPTABLE && b->adopt)
		S_reason(&text, &why, PDH_REASON_ADOPT, "adopt");
	if (whose == S_TAKEN) {
		char t[PDH_OWNER_MAX + 32];
		snprintf(t, sizeof(t), "takeover: owned by pdhooks:%s", l->marker_owner);
		S_reason(&text, &why, PDH_REASON_TAKEOVER, t);
	}
	if (text.len == 0) {
		char *key = pdh_plan_key(d->action, d->object, d->url);
		S_add_live(&b->p->unchanged, &b->p->n_unchanged, &b->cap_unchanged, l);
		/* With a password version, a rotation is planned by the marker, not by comparing. */
		if (pw != S_PW_OK && w->password_version == 0)
			S_add_note(b, pdh_xasprintf("the password of %s (id %lld) cannot be checked: "
			                            "the listing %s", key, l->id,
			                            pw == S_PW_MASKED ? "shows it masked"
			                                              : "does not return it"));
		if (whose == S_ADOPTABLE) {
			b->p->n_adoptable++;
			S_add_note(b, pdh_xasprintf("%s (id %lld) has no ownership marker: counted as "
			                            "the declared webhook; apply --adopt (or "
			                            "manage.adopt: true) replaces it with one marked "
			                            "[pdhooks:%s]", key, l->id, b->owner));
		}
		free(key);
		pdh_buf_dispose(&text);
		return;
	}
	pdh_action *a = S_add_action(b, PDH_ACTION_REPLACE, why, d, w, l, pdh_buf_detach(&text));
	if (nc > 0) {
		a->changes = pdh_xcalloc(nc, sizeof(*a->changes));
		memcpy(a->changes, changes, nc * sizeof(*changes));
		a->n_changes = nc;
	}
	pdh_buf_dispose(&text);
}

/* Live webhooks [g, g+n) share the key of the declared webhook d. Non-general ones are
 * foreign; so are another owner's (a conflict) and, with manage.owner, unmarked ones outside
 * manage.urls. Among the rest the best is kept (or replaced): this file's own first, else an
 * unmarked one to adopt or one taken over; the other copies of this file's are duplicates,
 * the other unmarked ones stay foreign (never deleted). */
static void S_matched(S_builder *b, const S_entry *d, const S_entry *g, size_t n)
{
	const S_entry *best = NULL;
	S_whose best_whose = S_MINE, *whose = pdh_xcalloc(n + 1, sizeof(*whose));
	size_t best_changes = 0, i;
	bool have_mine = false;
	S_pw_check pw;

	for (i = 0; i < n; i++) {
		const pdh_live_webhook *l = g[i].l;
		if (!S_type_managed(b, l)) {
			pdh_foreign_reason why = S_type_reason(b, l);
			S_add_foreign(b, l, why);
			S_add_warning(b, pdh_xasprintf("webhook %lld (%s) has the key of a declared "
			                               "webhook; pdhooks does not touch it", l->id,
			                               pdh_foreign_reason_text(why)));
			whose[i] = S_OTHER;
			continue;
		}
		whose[i] = S_whose_of(b, &g[i]);
		if (whose[i] == S_MINE)
			have_mine = true;
		if (whose[i] == S_OTHER) {
			S_add_foreign(b, l, PDH_FOREIGN_OTHER_OWNER);
			S_conflict(b, d, l);
		} else if (whose[i] == S_UNMARKED) {
			S_add_foreign(b, l, PDH_FOREIGN_UNMARKED);
		}
	}
	for (i = 0; i < n; i++) {
		const pdh_live_webhook *l = g[i].l;
		size_t c;
		if (whose[i] == S_OTHER || whose[i] == S_UNMARKED || (have_mine && whose[i] != S_MINE))
			continue;
		c = S_diff(b, d->d, l, NULL, &pw);
		/* best: attributes match, then active, then lowest id (g is in id order) */
		if (best == NULL || (c == 0) > (best_changes == 0) ||
		    ((c == 0) == (best_changes == 0) && l->is_active > best->l->is_active)) {
			best = &g[i];
			best_changes = c;
			best_whose = whose[i];
		}
	}
	if (best == NULL) {
		S_create(b, d);
		free(whose);
		return;
	}
	for (i = 0; i < n; i++) {
		const pdh_live_webhook *l = g[i].l;
		if (whose[i] == S_OTHER || whose[i] == S_UNMARKED)
			continue;
		if (&g[i] == best) {
			S_add_owned(b, &g[i]);
			S_keep_or_replace(b, d, best, best_whose);
		} else if (whose[i] == S_ADOPTABLE) {
			/* Another unmarked copy: not this file's to delete. */
			S_add_foreign(b, l, PDH_FOREIGN_UNMARKED);
		} else {
			S_add_owned(b, &g[i]);
			S_add_action(b, PDH_ACTION_DELETE, PDH_REASON_DUPLICATE, &g[i], NULL, l,
			             whose[i] == S_TAKEN
			             ? pdh_xasprintf("duplicate; takeover: owned by pdhooks:%s",
			                             l->marker_owner)
			             : pdh_xstrdup("duplicate"));
			b->n_duplicate_deletes++;
		}
	}
	free(whose);
}

/* A live webhook no declared one has the key of. */
static void S_undeclared(S_builder *b, const S_entry *e)
{
	const pdh_live_webhook *l = e->l;

	if (!S_type_managed(b, l)) {
		S_add_foreign(b, l, S_type_reason(b, l));
		return;
	}
	/* Another owner's marker is respected, with or without manage.owner; with one, an
	 * unmarked webhook is never this file's (takeover is for declared keys only). */
	if (l->marker_owner && (b->owner == NULL || strcmp(l->marker_owner, b->owner) != 0)) {
		S_add_foreign(b, l, PDH_FOREIGN_OTHER_OWNER);
		return;
	}
	if (b->owner && l->marker_owner == NULL) {
		S_add_foreign(b, l, PDH_FOREIGN_UNMARKED);
		return;
	}
	/* An OAuth token's listing shows only its app's webhooks, and only the app can delete
	 * them: every application webhook it sees is its own, whatever the URL. A general
	 * webhook may belong to another tool, so manage.urls decides (or, with manage.owner,
	 * the marker did above). */
	if (b->owner == NULL && S_type_bit(l) == PDH_TYPE_GENERAL && !S_owned_url(b, e->url)) {
		S_add_foreign(b, l, PDH_FOREIGN_OUTSIDE_URLS);
		return;
	}
	S_add_owned(b, e);
	if (b->desired->prune)
		S_add_action(b, PDH_ACTION_DELETE, PDH_REASON_NOT_DECLARED, e, NULL, l,
		             pdh_xstrdup("not declared"));
	else
		S_add_live(&b->p->unmanaged, &b->p->n_unmanaged, &b->cap_unmanaged, l);
}

/* --target / --exclude: whether action a is chosen, by its key as shown. */
static bool S_chosen(const pdh_plan_opts *o, const pdh_action *a)
{
	bool in = o->n_targets == 0;

	for (size_t i = 0; !in && i < o->n_targets; i++)
		in = fnmatch(o->targets[i], a->key, 0) == 0;
	for (size_t i = 0; in && i < o->n_excludes; i++)
		in = fnmatch(o->excludes[i], a->key, 0) != 0;
	return in;
}

static void S_action_dispose(pdh_action *a);

/* Leaves out the actions --target / --exclude do not choose, counting them. */
static void S_choose(S_builder *b, const pdh_plan_opts *o)
{
	pdh_plan *p = b->p;
	size_t kept = 0;

	if (o == NULL || (o->n_targets == 0 && o->n_excludes == 0))
		return;
	p->chosen = true;
	for (size_t i = 0; i < p->n_actions; i++) {
		pdh_action *a = &p->actions[i];
		if (S_chosen(o, a)) {
			p->actions[kept++] = *a;
			continue;
		}
		p->n_excluded++;
		switch (a->kind) {
		case PDH_ACTION_CREATE: p->n_create--; break;
		case PDH_ACTION_REPLACE: p->n_replace--; break;
		case PDH_ACTION_DELETE:
			p->n_delete--;
			b->n_owned_deleted--;
			if (a->why == PDH_REASON_DUPLICATE)
				b->n_duplicate_deletes--;
			break;
		}
		S_action_dispose(a);
	}
	p->n_actions = kept;
}

/* Brakes. Replaces are not counted as deletes: their create runs first and the delete only
 * after it succeeded, so no webhook is lost. Nor are duplicates: one copy of their key always
 * stays, so healing after two concurrent applies never needs --force. Deletes of undeclared
 * webhooks are counted. */
static void S_brakes(S_builder *b)
{
	pdh_plan *p = b->p;
	pdh_buf why = PDH_BUF_INIT;
	size_t counted = p->n_delete - b->n_duplicate_deletes;

	if (p->max_deletes >= 0 && counted > (size_t)p->max_deletes)
		pdh_buf_printf(&why, "it deletes %zu webhook%s%s, more than max_deletes (%d)",
		               counted, counted == 1 ? "" : "s",
		               b->n_duplicate_deletes ? " (duplicates not counted)" : "",
		               p->max_deletes);
	if (p->n_owned >= 2 && b->n_owned_deleted == p->n_owned)
		pdh_buf_printf(&why, "%sit deletes every owned live webhook (%zu of %zu)",
		               why.len ? "; " : "", b->n_owned_deleted, p->n_owned);
	if (why.len) {
		p->brake = true;
		p->brake_reason = pdh_buf_detach(&why);
	}
	pdh_buf_dispose(&why);
}

int pdh_plan_compute(pdh_plan **out, const pdh_desired *desired, const pdh_live *live,
                     const pdh_plan_opts *opts, pdh_error *err)
{
	S_builder b;
	S_entry *ds = NULL, *ls = NULL;
	size_t nd = 0, nl = 0, i, j;
	int rc;

	memset(&b, 0, sizeof(b));
	*out = NULL;
	if (desired == NULL || live == NULL) {
		rc = pdh_error_set(err, PDH_EINVAL, "plan: a desired set and a live listing are needed");
		goto done;
	}
	b.desired = desired;
	b.owner = desired->owner;
	b.adopt = desired->adopt || (opts && opts->adopt);
	b.takeover = opts ? opts->takeover : NULL;
	/* A listing that shows a password for some webhook, real or masked, shows one for every
	 * webhook that has one: its null is "none". */
	for (i = 0; i < live->n; i++)
		if (live->items[i].password_state != PDH_SECRET_NONE)
			b.listing_shows_passwords = true;
	b.p = pdh_xcalloc(1, sizeof(*b.p));
	b.p->max_deletes = opts && opts->max_deletes_set ? opts->max_deletes : desired->max_deletes;
	b.p->auth = opts ? opts->auth : PDH_AUTH_NONE;
	b.p->types = pdh_plan_types(desired->manage_types, b.p->auth);
	if (b.p->types == 0) {
		/* Nothing would be managed, yet every declared webhook would be created as a
		 * general one, foreign at once: refuse rather than plan that. */
		rc = pdh_error_set(err, PDH_EINVAL, "plan: manage.types is [application], which only "
		                   "the app's OAuth token manages, and this run uses an API token");
		goto done;
	}
	if ((desired->manage_types & PDH_TYPE_APPLICATION) && b.p->auth != PDH_AUTH_BEARER)
		S_add_note(&b, pdh_xstrdup("manage.types lists application, but this run uses an "
		                           "API token: application webhooks belong to the app that "
		                           "made them and stay foreign"));

	ds = pdh_xcalloc(desired->n_webhooks + 1, sizeof(*ds));
	for (nd = 0; nd < desired->n_webhooks; nd++) {
		const pdh_desired_webhook *w = &desired->webhooks[nd];
		ds[nd] = (S_entry){ w->event_action, w->event_object,
		                    pdh_url_normalize(w->subscription_url), w, NULL, nd };
		if (w->event_action == NULL || w->event_object == NULL || ds[nd].url == NULL) {
			nd++;
			rc = pdh_error_set(err, PDH_EINVAL, "plan: the declared webhook at line %d has no "
			                   "valid event_action, event_object and subscription_url",
			                   w->line);
			goto done;
		}
	}
	qsort(ds, nd, sizeof(*ds), S_entry_cmp);
	for (i = 1; i < nd; i++) {
		if (S_key_cmp(&ds[i - 1], &ds[i]) == 0) {
			char *key = pdh_plan_key(ds[i].action, ds[i].object, ds[i].url);
			rc = pdh_error_set(err, PDH_EINVAL, "plan: the webhooks at lines %d and %d have the "
			                   "same key %s", ds[i - 1].d->line, ds[i].d->line, key);
			free(key);
			goto done;
		}
	}

	if (live->data_null)
		S_add_note(&b, pdh_xstrdup("Pipedrive listed the webhooks as \"data: null\", read as "
		                           "none; a second listing said the same"));
	for (i = 0; i < live->n; i++)
		if (live->items[i].time_note)
			S_add_note(&b, pdh_xasprintf("webhook %lld: %s", live->items[i].id,
			                             live->items[i].time_note));
	ls = pdh_xcalloc(live->n + 1, sizeof(*ls));
	for (nl = 0; nl < live->n; nl++) {
		const pdh_live_webhook *w = &live->items[nl];
		char *url = pdh_url_normalize(w->subscription_url);
		if (url == NULL && S_type_bit(w) == PDH_TYPE_GENERAL)
			S_add_warning(&b, pdh_xasprintf("webhook %lld: its subscription_url is not a valid "
			                                "URL", w->id));
		ls[nl] = (S_entry){ w->event_action, w->event_object,
		                    url ? url : pdh_xstrdup(w->subscription_url), NULL, w, nl };
	}
	qsort(ls, nl, sizeof(*ls), S_entry_cmp);
	S_prepare_prefixes(&b);

	for (i = 0, j = 0; i < nd || j < nl;) {
		int c = i == nd ? 1 : j == nl ? -1 : S_key_cmp(&ds[i], &ls[j]);
		if (c < 0) {
			S_create(&b, &ds[i++]);
		} else if (c > 0) {
			S_undeclared(&b, &ls[j++]);
		} else {
			size_t k = j + 1;
			while (k < nl && S_key_cmp(&ls[j], &ls[k]) == 0)
				k++;
			S_matched(&b, &ds[i++], &ls[j], k - j);
			j = k;
		}
	}
	if (b.p->auth == PDH_AUTH_BEARER && !(b.p->types & PDH_TYPE_APPLICATION) &&
	    b.p->n_create + b.p->n_replace > 0)
		S_add_note(&b, pdh_xstrdup("this run uses an OAuth token, so the webhooks it creates "
		                           "are application webhooks, which manage.types leaves "
		                           "out: they will show as foreign, and apply will not "
		                           "converge"));
	if (b.conflict) {
		rc = pdh_error_set(err, PDH_EINVAL, "plan: two owners declare one webhook: %s%s; "
		                   "remove it from one of the files, or give --takeover %s to "
		                   "replace it with this file's", b.conflict,
		                   b.n_conflicts > 1 ? " (and more keys)" : "",
		                   S_first_other(&b));
		goto done;
	}
	/* Keys as shown (environment values as their ${VAR}) before --target matches them. */
	S_scrub_all(b.p, desired->secrets);
	S_choose(&b, opts);
	S_brakes(&b);
	S_scrub_in_place(&b.p->brake_reason, desired->secrets);
	rc = 0;
done:
	free(b.conflict);
	free(b.conflict_owner);
	for (i = 0; i < nd; i++)
		free(ds[i].url);
	for (i = 0; i < nl; i++)
		free(ls[i].url);
	free(ds);
	free(ls);
	for (i = 0; i < b.n_prefixes; i++)
		free(b.prefixes[i]);
	free(b.prefixes);
	if (rc == 0)
		*out = b.p;
	else
		pdh_plan_free(b.p);
	return rc;
}

bool pdh_plan_is_empty(const pdh_plan *p)
{
	return p == NULL || p->n_actions == 0;
}

static void S_change_dispose(pdh_change *c)
{
	PDH_FREE_ALL(c->before, c->after);
}

static void S_action_dispose(pdh_action *a)
{
	PDH_FREE_EACH(a->changes, a->n_changes, S_change_dispose);
	PDH_FREE_ALL(a->reason, a->key);
}

void pdh_plan_free(pdh_plan *p)
{
	if (p == NULL)
		return;
	PDH_FREE_EACH(p->actions, p->n_actions, S_action_dispose);
	PDH_FREE_EACH_FIELD(p->owned, p->n_owned, key);
	pdh_free_strings(p->notes, p->n_notes);
	pdh_free_strings(p->warnings, p->n_warnings);
	PDH_FREE_ALL(p->unchanged, p->foreign, p->foreign_reasons, p->unmanaged, p->brake_reason, p);
}
