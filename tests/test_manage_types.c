/* manage.types and the credential kind: the loader, the planner's ownership rules by type,
 * the reasons a webhook is foreign, the defaults of a zeroed pdh_plan_opts, the JSON plan and
 * the saved plan, and the missing-scope reading of a 403. The loader's messages are rows of
 * test_desired.c's table; the same rules against the fake are test_apps.c. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "pdhooks/planfile.h"
#include "pdhooks/render_json.h"
#include "pdhooks/render_markdown.h"
#include "pdhooks/render_text.h"
#include "sampleplan.h"
#include "testutil.h"

/* ---- the loader ---- */

static pdh_desired *S_load_text(const char *yaml, pdh_diags *diags)
{
	pdh_desired *d = NULL;
	pdh_error err = { 0 };

	pdh_diags_init(diags, "t.yaml");
	(void)pdh_desired_load_buffer(&d, "t.yaml", yaml, strlen(yaml), NULL, diags, &err);
	return d;
}

Test(manage_types, loader_defaults_to_undeclared_and_reads_each_type)
{
	static const struct { const char *types; unsigned want; } cases[] = {
		{ NULL, 0 },
		{ "[general]", PDH_TYPE_GENERAL },
		{ "[application]", PDH_TYPE_APPLICATION },
		{ "[application, general]", PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION },
		{ "\n    - general\n    - application", PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *yaml = cases[i].types
			? pdh_xasprintf("pdhooks: 1\nmanage:\n  types: %s\nwebhooks: []\n", cases[i].types)
			: pdh_xstrdup("pdhooks: 1\nwebhooks: []\n");
		pdh_diags diags;
		pdh_desired *d = S_load_text(yaml, &diags);
		cr_assert_not_null(d, "%s does not load", yaml);
		cr_expect_eq(d->manage_types, cases[i].want, "%s", yaml);
		pdh_desired_free(d);
		pdh_diags_dispose(&diags);
		free(yaml);
	}
}

/* ---- the planner ---- */

Test(manage_types, types_follow_the_credential_kind)
{
	unsigned g = PDH_TYPE_GENERAL, a = PDH_TYPE_APPLICATION;

	cr_expect_eq(pdh_plan_types(0, PDH_AUTH_NONE), g);
	cr_expect_eq(pdh_plan_types(0, PDH_AUTH_API_TOKEN), g);
	cr_expect_eq(pdh_plan_types(0, PDH_AUTH_BEARER), g | a);
	cr_expect_eq(pdh_plan_types(g, PDH_AUTH_BEARER), g);
	cr_expect_eq(pdh_plan_types(a, PDH_AUTH_BEARER), a);
	cr_expect_eq(pdh_plan_types(g | a, PDH_AUTH_API_TOKEN), g, "an API token never manages an "
	             "app's webhooks");
	cr_expect_eq(pdh_plan_types(a, PDH_AUTH_API_TOKEN), 0);
	cr_expect_str_eq(pdh_plan_types_text(g | a), "general, application");
	cr_expect_str_eq(pdh_plan_types_text(g), "general");
}

Test(manage_types, every_foreign_reason_has_a_text_and_a_code)
{
	cr_expect_str_eq(pdh_foreign_reason_text(PDH_FOREIGN_APP_API_TOKEN),
	                 "application webhook; this run uses an API token");
	cr_expect_str_eq(pdh_foreign_reason_text(PDH_FOREIGN_AUTOMATION),
	                 "automation webhooks are never managed");
	cr_expect_str_eq(pdh_foreign_reason_text(PDH_FOREIGN_OUTSIDE_URLS), "outside manage.urls");
	for (int r = 0; r < PDH_FOREIGN_N; r++) {
		cr_expect_not_null(pdh_foreign_reason_text((pdh_foreign_reason)r));
		cr_expect_not_null(pdh_foreign_reason_code((pdh_foreign_reason)r));
		cr_expect_not_null(pdh_foreign_reason_label((pdh_foreign_reason)r));
		for (int q = 0; q < r; q++)
			cr_expect_str_neq(pdh_foreign_reason_code((pdh_foreign_reason)r),
			                  pdh_foreign_reason_code((pdh_foreign_reason)q));
	}
	cr_expect_str_eq(pdh_foreign_reason_code((pdh_foreign_reason)99), "other_type");
}

#define HOOK(id, object, url, type) \
	"{\"id\":" #id ",\"event_action\":\"create\",\"event_object\":\"" object "\"," \
	"\"subscription_url\":\"" url "\",\"type\":\"" type "\",\"is_active\":1}"

/* An app's view: its declared deal hook is live, an old hook of its own elsewhere is not
 * declared, and an automation webhook. */
static const char S_app_file[] =
	"pdhooks: 1\n"
	"webhooks:\n"
	"  - event_action: create\n"
	"    event_object: deal\n"
	"    subscription_url: https://hooks.example.com/deals\n";
static const char S_app_listing[] =
	"{\"success\":true,\"data\":["
	HOOK(1, "deal", "https://hooks.example.com/deals", "application") ","
	HOOK(2, "person", "https://other.example.org/old", "application") ","
	HOOK(3, "note", "https://hooks.example.com/auto", "automation") "]}";

typedef struct S_fix {
	pdh_diags diags;
	pdh_desired *d;
	pdh_live *l;
	pdh_plan *p;
} S_fix;

static void S_fix_plan(S_fix *f, const char *yaml, const char *listing, const pdh_plan_opts *o)
{
	pdh_error err = { 0 };

	memset(f, 0, sizeof(*f));
	f->d = S_load_text(yaml, &f->diags);
	cr_assert_not_null(f->d);
	cr_assert_eq(pdh_live_parse_listing(&f->l, listing, strlen(listing), &err), 0, "%s",
	             err.message);
	cr_assert_eq(pdh_plan_compute(&f->p, f->d, f->l, o, &err), 0, "%s", err.message);
}

static void S_fix_dispose(S_fix *f)
{
	pdh_plan_free(f->p);
	pdh_live_free(f->l);
	pdh_desired_free(f->d);
	pdh_diags_dispose(&f->diags);
}

Test(manage_types, oauth_owns_every_app_webhook_it_sees_and_prunes_the_undeclared)
{
	pdh_plan_opts o = { .auth = PDH_AUTH_BEARER };
	S_fix f;

	S_fix_plan(&f, S_app_file, S_app_listing, &o);
	cr_expect_eq(f.p->types, PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION);
	cr_expect_eq(f.p->n_unchanged, 1, "the declared app webhook matches");
	cr_expect_eq(f.p->n_create, 0);
	cr_expect_eq(f.p->n_delete, 1);
	cr_expect_eq(f.p->actions[0].live->id, 2, "its own, though outside manage.urls");
	cr_expect_eq(f.p->n_owned, 2);
	cr_assert_eq(f.p->n_foreign, 1);
	cr_expect_eq(f.p->foreign_reasons[0], PDH_FOREIGN_AUTOMATION);
	cr_expect_not(f.p->brake);
	S_fix_dispose(&f);
}

Test(manage_types, api_token_leaves_app_webhooks_foreign_even_when_the_file_lists_them)
{
	char *yaml = pdh_xasprintf("%s%s", "pdhooks: 1\nmanage:\n  types: [general, application]\n",
	                           S_app_file + strlen("pdhooks: 1\n"));
	pdh_plan_opts o = { .auth = PDH_AUTH_API_TOKEN };
	S_fix f;

	S_fix_plan(&f, yaml, S_app_listing, &o);
	cr_expect_eq(f.p->types, PDH_TYPE_GENERAL);
	cr_expect_eq(f.p->n_delete, 0, "an API token never deletes an app's webhook");
	cr_expect_eq(f.p->n_create, 1);
	cr_assert_eq(f.p->n_foreign, 3);
	cr_expect_eq(f.p->foreign_reasons[0], PDH_FOREIGN_APP_API_TOKEN);
	cr_expect_eq(f.p->n_notes, 1);
	cr_expect_not_null(strstr(f.p->notes[0], "this run uses an API token"));
	S_fix_dispose(&f);
	free(yaml);
}

Test(manage_types, oauth_with_types_general_leaves_app_webhooks_foreign_and_says_why)
{
	char *yaml = pdh_xasprintf("%s%s", "pdhooks: 1\nmanage:\n  types: [general]\n",
	                           S_app_file + strlen("pdhooks: 1\n"));
	pdh_plan_opts o = { .auth = PDH_AUTH_BEARER };
	S_fix f;
	char *text;

	S_fix_plan(&f, yaml, S_app_listing, &o);
	cr_expect_eq(f.p->types, PDH_TYPE_GENERAL);
	cr_expect_eq(f.p->n_delete, 0);
	cr_assert_eq(f.p->n_foreign, 3);
	cr_expect_eq(f.p->foreign_reasons[0], PDH_FOREIGN_TYPE_NOT_MANAGED);
	text = pdh_render_text(f.p, false);
	cr_expect_not_null(strstr(text, "Manages general webhooks (OAuth token)."), "%s", text);
	cr_expect_not_null(strstr(text, "# its type is not in manage.types"), "%s", text);
	cr_expect_not_null(strstr(text, "apply will not converge"), "%s", text);
	free(text);
	S_fix_dispose(&f);
	free(yaml);
}

Test(manage_types, a_zeroed_opts_means_the_files_max_deletes_and_an_api_tokens_types)
{
	const char *yaml = "pdhooks: 1\nmanage:\n  urls: [\"*\"]\n  max_deletes: 3\nwebhooks: []\n";
	const char *listing = "{\"success\":true,\"data\":["
		HOOK(1, "deal", "https://h.example/1", "general") ","
		HOOK(2, "deal", "https://h.example/2", "general") ","
		HOOK(3, "deal", "https://h.example/3", "application") "]}";
	pdh_plan_opts zero;
	S_fix f;

	memset(&zero, 0, sizeof(zero));
	S_fix_plan(&f, yaml, listing, &zero);
	cr_expect_eq(f.p->max_deletes, 3, "not 0: a zeroed struct means the defaults");
	cr_expect_eq(f.p->types, PDH_TYPE_GENERAL);
	cr_expect_eq(f.p->n_delete, 2);
	cr_expect_not_null(f.p->brake_reason);
	cr_expect_null(strstr(f.p->brake_reason, "max_deletes"), "%s", f.p->brake_reason);
	S_fix_dispose(&f);
	S_fix_plan(&f, yaml, listing, NULL);
	cr_expect_eq(f.p->max_deletes, 3);
	S_fix_dispose(&f);
	zero.max_deletes_set = true;
	S_fix_plan(&f, yaml, listing, &zero);
	cr_expect_eq(f.p->max_deletes, 0, "--max-deletes 0 is a limit of its own");
	cr_expect_not_null(strstr(f.p->brake_reason, "max_deletes (0)"));
	S_fix_dispose(&f);
}

/* ---- outputs ---- */

Test(manage_types, json_and_markdown_say_the_types_and_why_each_webhook_is_foreign)
{
	pdh_plan_opts o = { .auth = PDH_AUTH_API_TOKEN };
	json_t *doc, *sum, *f0;
	char *json, *md;
	S_fix f;

	S_fix_plan(&f, S_app_file, S_app_listing, &o);
	json = pdh_render_json(f.p, f.d, f.l, NULL);
	cr_assert_eq(pdh_t_validate_plan_json(json), 0, "%s", json);
	doc = json_loads(json, 0, NULL);
	sum = json_object_get(doc, "summary");
	cr_expect_str_eq(json_string_value(json_object_get(sum, "auth")), "api_token");
	cr_expect_eq(json_array_size(json_object_get(sum, "types")), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(sum, "types"), 0)),
	                 "general");
	f0 = json_array_get(json_object_get(doc, "foreign"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(f0, "foreign_reason")),
	                 "application_api_token");
	cr_expect_str_eq(json_string_value(json_object_get(f0, "foreign_why")),
	                 "application webhook; this run uses an API token");
	md = pdh_render_markdown(f.p, f.d, f.l, NULL);
	cr_expect_not_null(strstr(md, "Manages **general** webhooks (API token)."), "%s", md);
	cr_expect_not_null(strstr(md, "(application webhook; this run uses an API token)"), "%s",
	                   md);
	json_decref(doc);
	free(json);
	free(md);
	S_fix_dispose(&f);
}

Test(manage_types, a_saved_plan_keeps_the_types_and_the_credential_kind)
{
	const char *yaml = "pdhooks: 1\nmanage:\n  types: [application]\nwebhooks: []\n";
	pdh_plan_opts o = { .auth = PDH_AUTH_BEARER };
	pdh_planfile *pf = NULL;
	pdh_error err = { 0 };
	char *text = NULL;
	S_fix f;

	S_fix_plan(&f, yaml, S_app_listing, &o);
	cr_assert_eq(pdh_planfile_format(&text, f.p, f.d, f.l, &o, "http://127.0.0.1:9/v1", NULL, &err),
	             0, "%s", err.message);
	cr_assert_eq(pdh_t_validate_plan_json(text), 0, "%s", text);
	cr_assert_eq(pdh_planfile_parse(&pf, "p.json", text, strlen(text), &err), 0, "%s",
	             err.message);
	cr_expect_eq(pf->opts.auth, PDH_AUTH_BEARER);
	cr_expect_not(pf->opts.max_deletes_set);
	cr_expect_eq(pf->record->manage_types, PDH_TYPE_APPLICATION);
	pdh_planfile_free(pf);
	free(text);
	S_fix_dispose(&f);
}

/* ---- scopes ---- */

Test(manage_types, a_403_naming_a_scope_is_read_as_that_scope)
{
	/* the fake's body, through pdh_api_error_text, as the client reads it */
	const char *body = "{\"success\":false,\"error\":\"Scope and URL mismatch\",\"errorCode\":403,"
		"\"error_info\":\"This call needs the webhooks:full scope (or admin); the token's "
		"scopes do not include it\",\"data\":null}";
	char *text = pdh_api_error_text(body, strlen(body));
	char *s;

	cr_assert_not_null(text);
	s = pdh_api_missing_scope(text, "webhooks:read");
	cr_expect_str_eq(s, "webhooks:full", "the scope named wins over the one guessed");
	free(s);
	free(text);
	s = pdh_api_missing_scope("Insufficient scope: deals:read required", NULL);
	cr_expect_str_eq(s, "deals:read");
	free(s);
	s = pdh_api_missing_scope("Scope and URL mismatch", "webhooks:read");
	cr_expect_str_eq(s, "webhooks:read", "no name: the scope the call needs");
	free(s);
	s = pdh_api_missing_scope("missing scope, see https://pipedrive.readme.io/docs", NULL);
	cr_expect_null(s, "a URL is not a scope");
	cr_expect_null(pdh_api_missing_scope("You do not have permission: owner only", "x:y"),
	               "a 403 that is not about scopes");
	cr_expect_null(pdh_api_missing_scope(NULL, "x:y"));
}

Test(manage_types, types_application_with_an_api_token_is_refused)
{
	const char *yaml = "pdhooks: 1\nmanage:\n  types: [application]\nwebhooks: []\n";
	pdh_plan_opts o = { .auth = PDH_AUTH_API_TOKEN };
	pdh_diags diags;
	pdh_desired *d = S_load_text(yaml, &diags);
	pdh_live *l = NULL;
	pdh_plan *p = NULL;
	pdh_error err = { 0 };

	cr_assert_not_null(d);
	cr_assert_eq(pdh_live_parse_listing(&l, S_app_listing, strlen(S_app_listing), &err), 0);
	cr_expect_eq(pdh_plan_compute(&p, d, l, &o, &err), PDH_EINVAL);
	cr_expect_null(p);
	cr_expect_str_eq(err.message, "plan: manage.types is [application], which only the app's "
	                 "OAuth token manages, and this run uses an API token");
	o.auth = PDH_AUTH_BEARER;
	cr_expect_eq(pdh_plan_compute(&p, d, l, &o, &err), 0, "%s", err.message);
	pdh_plan_free(p);
	pdh_live_free(l);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
}
