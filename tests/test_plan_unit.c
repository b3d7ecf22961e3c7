/* The planner called directly from C: counts, brakes, errors, ordering, rendering rules.
 * The reconciliation rules case by case live in test_plan.c (testdata/plan/). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/live.h"
#include "pdhooks/names.h"
#include "pdhooks/plan.h"
#include "pdhooks/render_text.h"
#include "testutil.h"

static void S_add(pdh_desired *d, const char *action, const char *object, const char *url,
                  const char *name)
{
	pdh_desired_webhook *w;

	d->webhooks = pdh_xrealloc(d->webhooks, (d->n_webhooks + 1) * sizeof(*w));
	w = &d->webhooks[d->n_webhooks++];
	memset(w, 0, sizeof(*w));
	w->event_action = pdh_xstrdup(action);
	w->event_object = pdh_xstrdup(object);
	w->subscription_url = pdh_xstrdup(url);
	w->name = pdh_xstrdup(name ? name : "derived");
	w->name_derived = name == NULL;
	w->version = pdh_xstrdup("2.0");
	w->line = (int)d->n_webhooks;
}

/* A desired set as the loader would make it; the caller frees with pdh_desired_free. */
static pdh_desired *S_new(const char *manage_url)
{
	pdh_desired *d = pdh_xcalloc(1, sizeof(*d));
	d->prune = true;
	d->max_deletes = 10;
	if (manage_url) {
		d->manage_urls = pdh_xcalloc(1, sizeof(char *));
		d->manage_urls[0] = pdh_xstrdup(manage_url);
		d->n_manage_urls = 1;
		d->manage_all = strcmp(manage_url, "*") == 0;
	}
	return d;
}

/* As S_new, with manage.urls the NULL-terminated urls (none of them "*"). */
static pdh_desired *S_new_urls(const char *const urls[])
{
	pdh_desired *d = S_new(NULL);

	while (urls[d->n_manage_urls])
		d->n_manage_urls++;
	d->manage_urls = pdh_xcalloc(d->n_manage_urls, sizeof(char *));
	for (size_t i = 0; i < d->n_manage_urls; i++)
		d->manage_urls[i] = pdh_xstrdup(urls[i]);
	return d;
}

/* A listing from the items' JSON (without the envelope). */
static pdh_live *S_live(const char *items)
{
	char *body = pdh_xasprintf("{\"success\":true,\"data\":[%s]}", items);
	pdh_live *l = NULL;
	pdh_error err = { 0 };
	cr_assert_eq(pdh_live_parse_listing(&l, body, strlen(body), &err), 0, "%s", err.message);
	free(body);
	return l;
}

#define LIVE(id, action, object, url, extra) \
	"{\"id\":" #id ",\"event_action\":\"" action "\",\"event_object\":\"" object "\"," \
	"\"subscription_url\":\"" url "\",\"type\":\"general\",\"is_active\":1" extra "}"

/* A listing of create.deal webhooks (LIVE's fields) at urls (NULL-terminated), ids 1, 2, ...
 * in order. */
static pdh_live *S_live_urls(const char *const urls[])
{
	char *items = pdh_xstrdup("");
	pdh_live *l;

	for (int i = 0; urls[i]; i++) {
		char *next = pdh_xasprintf("%s%s" LIVE(%d, "create", "deal", "%s", ""), items,
		                           i ? "," : "", i + 1, urls[i]);
		free(items);
		items = next;
	}
	l = S_live(items);
	free(items);
	return l;
}

static pdh_plan *S_plan(const pdh_desired *d, const pdh_live *l, int max_deletes)
{
	pdh_plan *p = NULL;
	pdh_plan_opts opts = { .max_deletes_set = max_deletes >= 0,
	                       .max_deletes = max_deletes >= 0 ? max_deletes : 0,
	                       .auth = PDH_AUTH_NONE };
	pdh_error err = { 0 };
	cr_assert_eq(pdh_plan_compute(&p, d, l, &opts, &err), 0, "%s", err.message);
	cr_assert_not_null(p);
	return p;
}

/* Frees a test's plan, then the listing and the desired state it was computed from. */
static void S_free_all(pdh_plan *p, pdh_live *l, pdh_desired *d)
{
	pdh_plan_free(p);
	pdh_live_free(l);
	pdh_desired_free(d);
}

Test(plan_unit, counts_of_each_kind)
{
	pdh_desired *d = S_new("https://h.example/");
	S_add(d, "create", "deal", "https://h.example/new", "new");
	S_add(d, "create", "person", "https://h.example/same", "same");
	S_add(d, "create", "note", "https://h.example/changed", "after");
	pdh_live *l = S_live(
		LIVE(1, "create", "person", "https://h.example/same", ",\"name\":\"same\"") ","
		LIVE(2, "create", "note", "https://h.example/changed", ",\"name\":\"before\"") ","
		LIVE(3, "change", "deal", "https://h.example/old", "") ","
		LIVE(4, "change", "deal", "https://other.example/x", "") ","
		"{\"id\":5,\"event_action\":\"create\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://h.example/app\",\"type\":\"application\"}");
	pdh_plan *p = S_plan(d, l, -1);

	cr_expect_eq(p->n_create, 1);
	cr_expect_eq(p->n_replace, 1);
	cr_expect_eq(p->n_delete, 1);
	cr_expect_eq(p->n_actions, 3);
	cr_expect_eq(p->n_unchanged, 1);
	cr_expect_eq(p->unchanged[0]->id, 1);
	cr_expect_eq(p->n_foreign, 2);
	cr_expect_eq(p->n_unmanaged, 0);
	cr_expect_eq(p->n_owned, 3, "1, 2 and 3 are owned; 4 and 5 are not");
	cr_expect_not(pdh_plan_is_empty(p));
	cr_expect_not(p->brake);
	cr_expect_null(p->brake_reason);
	cr_expect_eq(p->max_deletes, 10);
	S_free_all(p, l, d);
}

Test(plan_unit, empty_plan)
{
	pdh_desired *d = S_new(NULL);
	S_add(d, "create", "deal", "https://h.example/x", NULL);
	pdh_live *l = S_live(LIVE(9, "create", "deal", "https://H.EXAMPLE:443/x", ",\"name\":\"other\""));
	pdh_plan *p = S_plan(d, l, -1);
	cr_expect(pdh_plan_is_empty(p), "a derived name is not compared; the URL normalises");
	cr_expect_eq(p->n_unchanged, 1);
	char *s = pdh_render_summary(p);
	cr_expect_str_eq(s, "No changes. 1 unchanged, 0 foreign.");
	free(s);
	S_free_all(p, l, d);
	cr_expect(pdh_plan_is_empty(NULL));
	pdh_plan_free(NULL);
}

/* n owned undeclared webhooks h.example/0 .. n-1 plus one declared unchanged one. */
static pdh_plan *S_deletes(size_t n, int file_max, int opt_max, bool keep_one)
{
	pdh_desired *d;
	char *items = pdh_xstrdup("");
	d = S_new("https://h.example/");
	d->max_deletes = file_max;
	if (keep_one)
		S_add(d, "create", "deal", "https://h.example/kept", NULL);
	for (size_t i = 0; i < n; i++) {
		char *next = pdh_xasprintf("%s%s{\"id\":%zu,\"event_action\":\"change\","
		                           "\"event_object\":\"deal\",\"subscription_url\":"
		                           "\"https://h.example/%zu\",\"type\":\"general\"}",
		                           items, i ? "," : "", i + 1, i);
		free(items);
		items = next;
	}
	if (keep_one) {
		char *next = pdh_xasprintf("%s%s%s", items, n ? "," : "",
		                           LIVE(100, "create", "deal", "https://h.example/kept", ""));
		free(items);
		items = next;
	}
	pdh_live *l = S_live(items);
	pdh_plan *p = S_plan(d, l, opt_max);
	cr_expect_eq(p->n_delete, n);
	/* the plan borrows from l and d: keep only numbers and the reason */
	pdh_plan *copy = pdh_xcalloc(1, sizeof(*copy));
	copy->n_delete = p->n_delete;
	copy->max_deletes = p->max_deletes;
	copy->brake = p->brake;
	copy->brake_reason = p->brake_reason;
	p->brake_reason = NULL;
	S_free_all(p, l, d);
	free(items);
	return copy;
}

/* Checks the brake of a plan from S_deletes and frees the plan: `reason` NULL means no brake;
 * max_deletes is checked unless max is -1; why explains the case. */
static void S_expect_brake(pdh_plan *p, int max, const char *reason, const char *why)
{
	if (max >= 0)
		cr_expect_eq(p->max_deletes, max, "%s", why);
	if (reason) {
		cr_expect(p->brake, "%s", why);
		cr_expect_str_eq(p->brake_reason, reason, "%s", why);
	} else {
		cr_expect_not(p->brake, "%s", why);
	}
	pdh_plan_free(p);
}

Test(plan_unit, brake_max_deletes_from_the_file)
{
	S_expect_brake(S_deletes(3, 2, -1, true), 2,
	               "it deletes 3 webhooks, more than max_deletes (2)", "from the file");
	S_expect_brake(S_deletes(2, 2, -1, true), -1, NULL, "exactly max_deletes is allowed");
}

Test(plan_unit, brake_max_deletes_from_the_options)
{
	S_expect_brake(S_deletes(3, 2, 5, true), 5, NULL, "--max-deletes overrides the file");
	S_expect_brake(S_deletes(1, 10, 0, true), 0,
	               "it deletes 1 webhook, more than max_deletes (0)", "--max-deletes 0");
}

Test(plan_unit, brake_deleting_every_owned_webhook)
{
	S_expect_brake(S_deletes(2, 10, -1, false), -1,
	               "it deletes every owned live webhook (2 of 2)", "all of them");
	S_expect_brake(S_deletes(1, 10, -1, false), -1, NULL, "one owned webhook may go");
	S_expect_brake(S_deletes(3, 1, -1, false), -1,
	               "it deletes 3 webhooks, more than max_deletes (1); "
	               "it deletes every owned live webhook (3 of 3)", "both reasons");
}

Test(plan_unit, replaces_do_not_count_as_deletes)
{
	pdh_desired *d = S_new(NULL);
	d->max_deletes = 0;
	S_add(d, "create", "deal", "https://h.example/a", "a2");
	S_add(d, "create", "deal", "https://h.example/b", "b2");
	pdh_live *l = S_live(LIVE(1, "create", "deal", "https://h.example/a", ",\"name\":\"a\"") ","
	                     LIVE(2, "create", "deal", "https://h.example/b", ",\"name\":\"b\""));
	pdh_plan *p = S_plan(d, l, -1);
	cr_expect_eq(p->n_replace, 2);
	cr_expect_not(p->brake, "a replace creates before it deletes: nothing is lost");
	cr_expect_eq(p->actions[0].n_changes, 1);
	cr_expect_str_eq(p->actions[0].changes[0].attribute, "name");
	cr_expect_str_eq(p->actions[0].changes[0].before, "\"a\"");
	cr_expect_str_eq(p->actions[0].changes[0].after, "\"a2\"");
	cr_expect_not(p->actions[0].changes[0].sensitive);
	cr_expect_eq(p->actions[0].desired, &d->webhooks[0]);
	cr_expect_eq(p->actions[0].live, &l->items[0]);
	S_free_all(p, l, d);
}

Test(plan_unit, refuses_bad_input)
{
	pdh_desired *d;
	pdh_live empty = { NULL, 0, false };
	pdh_plan *p = (pdh_plan *)1;
	pdh_error err = { 0 };

	cr_expect_eq(pdh_plan_compute(&p, NULL, &empty, NULL, &err), PDH_EINVAL);
	cr_expect_null(p);
	d = S_new(NULL);
	S_add(d, "create", "deal", "https://h.example/a", "a");
	S_add(d, "create", "deal", "HTTPS://h.example:443/a", "b");
	cr_expect_eq(pdh_plan_compute(&p, d, NULL, NULL, &err), PDH_EINVAL);
	cr_expect_eq(pdh_plan_compute(&p, d, &empty, NULL, &err), PDH_EINVAL);
	cr_expect_null(p);
	cr_expect(strstr(err.message, "lines 1 and 2 have the same key create.deal "
	                 "https://h.example/a") != NULL, "%s", err.message);
	free(d->webhooks[1].subscription_url);
	d->webhooks[1].subscription_url = pdh_xstrdup("not a url");
	cr_expect_eq(pdh_plan_compute(&p, d, &empty, NULL, &err), PDH_EINVAL);
	cr_expect(strstr(err.message, "line 2") != NULL, "%s", err.message);
	pdh_desired_free(d);
}

Test(plan_unit, null_options_use_the_file)
{
	pdh_desired *d;
	pdh_live empty = { NULL, 0, false };
	pdh_plan *p = NULL;
	d = S_new(NULL);
	d->max_deletes = 7;
	cr_assert_eq(pdh_plan_compute(&p, d, &empty, NULL, NULL), 0);
	cr_expect_eq(p->max_deletes, 7);
	pdh_plan_free(p);
	pdh_desired_free(d);
}

Test(plan_unit, secrets_never_rendered)
{
	pdh_desired *d = S_new(NULL);
	S_add(d, "create", "deal", "https://u:pw0rd@h.example/a?token=t0ken&x", "a");
	d->webhooks[0].has_http_auth_password = true;
	d->webhooks[0].http_auth_password = pdh_xstrdup("s3cret");
	S_add(d, "create", "deal", "https://h.example/new?key=k3y", "n");
	d->webhooks[1].has_http_auth_password = true;
	d->webhooks[1].http_auth_password = pdh_xstrdup("s3cret");
	pdh_live *l = S_live(LIVE(1, "create", "deal", "https://u:pw0rd@h.example/a?token=t0ken&x",
	                          ",\"name\":\"a\",\"http_auth_password\":\"hunter2\"") ","
	                     LIVE(2, "create", "deal", "https://h.example/gone?sig=s1g",
	                          ",\"http_auth_password\":\"hunter3\""));
	pdh_plan *p = S_plan(d, l, -1);
	char *text = pdh_render_text(p, false);
	const char *secrets[] = { "s3cret", "hunter2", "hunter3", "pw0rd", "t0ken", "k3y", "s1g" };
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		cr_expect(strstr(text, secrets[i]) == NULL, "'%s' leaked:\n%s", secrets[i], text);
	cr_expect(strstr(text, "http_auth_password (sensitive) -> (sensitive)") != NULL, "%s", text);
	cr_expect(strstr(text, "https://***@h.example/a?token=***&x") != NULL, "%s", text);
	cr_expect(p->actions[1].changes[0].sensitive);
	free(text);
	S_free_all(p, l, d);
}

/* The text of a plan that creates one webhook named name. Caller frees. */
static char *S_render_one_create(const char *name, bool color)
{
	pdh_desired *d;
	pdh_live empty = { NULL, 0, false };
	d = S_new(NULL);
	S_add(d, "create", "deal", "https://h.example/a", name);
	pdh_plan *p = S_plan(d, &empty, -1);
	char *text = pdh_render_text(p, color);
	pdh_plan_free(p);
	pdh_desired_free(d);
	return text;
}

Test(plan_unit, colour_only_when_asked)
{
	char *plain = S_render_one_create("a", false);
	char *colour = S_render_one_create("a", true);
	cr_expect(strchr(plain, '\033') == NULL);
	cr_expect(strstr(colour, "\033[32m+  \033[0m") != NULL, "%s", colour);
	cr_expect(strstr(colour, "\033[1mPlan: 1 to create") != NULL, "%s", colour);
	free(plain);
	free(colour);
}

Test(plan_unit, names_are_quoted_so_they_cannot_forge_lines)
{
	char *text = S_render_one_create("a\"\n  + fake\033[31m", false);
	cr_expect(strstr(text, "name=\"a\\\"\\x0a  + fake\\x1b[31m\"") != NULL, "%s", text);
	cr_expect(strchr(text, '\033') == NULL);
	free(text);
}

Test(plan_unit, order_does_not_depend_on_input_order)
{
	pdh_desired *d1 = S_new("*"), *d2 = S_new("*");
	S_add(d1, "create", "deal", "https://h.example/b", "b");
	S_add(d1, "change", "deal", "https://h.example/a", "a");
	S_add(d2, "change", "deal", "https://h.example/a", "a");
	S_add(d2, "create", "deal", "https://h.example/b", "b");
	pdh_live *l1 = S_live(LIVE(5, "delete", "deal", "https://h.example/z", "") ","
	                      LIVE(3, "delete", "deal", "https://h.example/z", "") ","
	                      LIVE(4, "change", "deal", "https://h.example/a", ",\"name\":\"x\""));
	pdh_live *l2 = S_live(LIVE(4, "change", "deal", "https://h.example/a", ",\"name\":\"x\"") ","
	                      LIVE(3, "delete", "deal", "https://h.example/z", "") ","
	                      LIVE(5, "delete", "deal", "https://h.example/z", ""));
	pdh_plan *p1 = S_plan(d1, l1, -1), *p2 = S_plan(d2, l2, -1);
	char *t1 = pdh_render_text(p1, false), *t2 = pdh_render_text(p2, false);
	cr_expect_str_eq(t1, t2);
	cr_assert_eq(p1->n_actions, 4);
	cr_expect_str_eq(p1->actions[0].key, "change.deal https://h.example/a");
	cr_expect_str_eq(p1->actions[1].key, "create.deal https://h.example/b");
	cr_expect_eq(p1->actions[2].live->id, 3);
	cr_expect_eq(p1->actions[3].live->id, 5);
	free(t1);
	free(t2);
	pdh_plan_free(p1);
	pdh_plan_free(p2);
	pdh_live_free(l1);
	pdh_live_free(l2);
	pdh_desired_free(d1);
	pdh_desired_free(d2);
}

Test(plan_unit, nested_manage_urls)
{
	pdh_desired *d = S_new_urls((const char *const[]){ "https://h.example/hooks/x",
		"HTTPS://H.example:443/hooks", "https://z.example/", NULL });
	pdh_live *l = S_live_urls((const char *const[]){ "https://h.example/hooks/y",
		"https://h.example/hooksz", "https://h.example/other", "https://h.example/hooks/x/1",
		"https://y.example/", NULL });
	pdh_plan *p = S_plan(d, l, 100);
	cr_expect_eq(p->n_delete, 2, "1 and 4 start with a manage URL at a segment boundary");
	cr_expect_eq(p->n_foreign, 3, "/hooksz is not below /hooks");
	cr_expect_eq(p->foreign_reasons[0], PDH_FOREIGN_OUTSIDE_URLS);
	S_free_all(p, l, d);
}

Test(plan_unit, key_is_normalised_and_redacted)
{
	pdh_t_expect_str_free(pdh_plan_key("create", "deal", "HTTPS://User:Pw@Hooks.Example:443/P?a=1"),
	                      "create.deal https://***@hooks.example/P?a=***");
	pdh_t_expect_str_free(pdh_plan_key("create", "deal", "nonsense"), "create.deal (invalid URL)");
}

Test(plan_unit, star_among_manage_urls_owns_every_general_webhook)
{
	pdh_desired *d = S_new("*");
	d->manage_all = false; /* the planner does not rely on the loader's flag alone */
	pdh_live *l = S_live_urls((const char *const[]){ "https://anywhere.example/x",
		"https://else.example/y", NULL });
	pdh_plan *p = S_plan(d, l, 100);
	cr_expect_eq(p->n_delete, 2);
	cr_expect_eq(p->n_foreign, 0);
	S_free_all(p, l, d);
}

/* Nested manage.urls: the longer prefix is covered by the shorter, and a URL that only the
 * shorter one matches is still owned (the prefix lookup must not stop at the longer one). */
Test(plan_unit, nested_manage_urls_own_what_the_shorter_prefix_covers)
{
	pdh_desired *d = S_new_urls((const char *const[]){ "https://a.example/",
		"https://a.example/x/", "https://b.example/only/", NULL });
	pdh_live *l = S_live_urls((const char *const[]){ "https://a.example/y",
		"https://a.example/x/z", "https://b.example/other", "https://b.example/only/q", NULL });
	pdh_plan *p = S_plan(d, l, 100);

	cr_expect_eq(p->n_owned, 3, "ids 1, 2 and 4 are owned");
	cr_expect_eq(p->n_delete, 3);
	cr_expect_eq(p->n_foreign, 1);
	cr_expect_eq(p->foreign[0]->id, 3);
	S_free_all(p, l, d);
}

/* The name tables (pdhooks/names.h): each name reads back as its value, and a reason text
 * with details reads as the reason it begins with. */
Test(plan_unit, the_name_tables_read_back)
{
	for (int r = PDH_REASON_MISSING; r < PDH_REASON_N; r++) {
		cr_expect_str_neq(pdh_reason_code((pdh_reason)r), "unknown", "%d", r);
		for (int q = PDH_REASON_MISSING; q < r; q++)
			cr_expect_str_neq(pdh_reason_code((pdh_reason)r), pdh_reason_code((pdh_reason)q));
	}
	cr_expect_str_eq(pdh_reason_code(PDH_REASON_N), "unknown");
	for (int k = PDH_ACTION_CREATE; k <= PDH_ACTION_DELETE; k++)
		cr_expect_eq(pdh_action_kind_parse(pdh_action_kind_name((pdh_action_kind)k)), k);
	cr_expect_eq(pdh_action_kind_parse("update"), -1);
	cr_expect_eq(pdh_webhook_type_of("general"), PDH_TYPE_GENERAL);
	cr_expect_eq(pdh_webhook_type_of("application"), PDH_TYPE_APPLICATION);
	cr_expect_eq(pdh_webhook_type_of("automation"), 0);
	cr_expect_str_eq(pdh_webhook_type_name(PDH_TYPE_APPLICATION), "application");
}
