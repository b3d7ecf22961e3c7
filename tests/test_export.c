#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/export.h"
#include "testutil.h"

/* The YAML text parsed by python3-yaml (a second, independent YAML reader), as JSON. */
static json_t *S_parse_yaml(const char *yaml)
{
	char *argv[] = { "/usr/bin/python3", "-c",
		"import sys, json, yaml\n"
		"print(json.dumps(yaml.safe_load(sys.stdin.read())))\n", NULL };
	pdh_t_run r;
	json_error_t je;
	json_t *doc;

	pdh_t_run_argv(&r, argv, NULL, yaml);
	cr_assert_eq(r.status, 0, "python3-yaml refused:\n%s\n%s", r.err, yaml);
	doc = json_loads(r.out, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	pdh_t_run_dispose(&r);
	return doc;
}

static char *S_quote(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_yaml_quote(&b, s);
	return pdh_buf_detach(&b);
}

Test(export, quote_escapes_what_yaml_needs)
{
	pdh_t_expect_str_free(S_quote("a \"b\" \\ c\n\td$e"), "\"a \\\"b\\\" \\\\ c\\n\\td$$e\"");
	pdh_t_expect_str_free(S_quote("\x01\xc2\x85\xe2\x80\xa8\xef\xbb\xbf\xff"),
	                      "\"\\u0001\\u0085\\u2028\\uFEFF\\uFFFD\"");
	pdh_t_expect_str_free(S_quote(NULL), "~");
}

static const char *const S_hostile[] = {
	"plain", "with: colon", "# hash", "- dash", "'single'", "\"double\"", "a\\b",
	"{flow}", "[list]", "&anchor", "*alias", "!tag", "%directive", "@at", "`tick`", "|", ">",
	"yes", "no", "null", "~", "123", "0x1F", "1e3", ".inf", "  spaces  ", "", "tab\there",
	"line\nbreak", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80", "${NOT_A_VAR}", "$$", "a: b # c",
	"? key", ", comma", "\xe2\x80\xa8" "ls", NULL
};

Test(export, every_string_reads_back_as_written)
{
	for (size_t i = 0; S_hostile[i]; i++) {
		char *q = S_quote(S_hostile[i]);
		char *doc_text = pdh_xasprintf("v: %s\n", q);
		json_t *doc = S_parse_yaml(doc_text);
		const char *v = json_string_value(json_object_get(doc, "v"));
		char *expect = pdh_xstrdup(S_hostile[i]);
		pdh_buf undoubled = PDH_BUF_INIT;

		cr_assert_not_null(v, "not a string: %s", doc_text);
		/* YAML gives back "$$" where the string had "$" (the loader reads "$$" as "$"). */
		for (const char *p = v; *p; p++) {
			pdh_buf_putc(&undoubled, *p);
			if (p[0] == '$' && p[1] == '$')
				p++;
		}
		cr_expect_str_eq(pdh_buf_cstr(&undoubled), expect, "for %s", doc_text);
		pdh_buf_dispose(&undoubled);
		free(expect);
		json_decref(doc);
		free(doc_text);
		free(q);
	}
}

static pdh_live_webhook S_w(long long id, const char *type, const char *action,
                            const char *object, const char *url)
{
	pdh_live_webhook w;
	memset(&w, 0, sizeof(w));
	w.id = id;
	w.type = (char *)type;
	w.event_action = (char *)action;
	w.event_object = (char *)object;
	w.subscription_url = (char *)url;
	w.version = "2.0";
	w.is_active = 1;
	return w;
}

static pdh_live_webhook S_items[6];
static pdh_live S_live = { S_items, 6, false };

static void S_setup(void)
{
	S_items[0] = S_w(10, "general", "create", "person", "https://b.example.com/p");
	S_items[0].name = "People: \"new\" # 1";
	S_items[0].http_auth_user = "pd";
	S_items[0].password_state = PDH_SECRET_REAL;
	S_items[0].http_auth_password = "Never-Export-Me-31";
	S_items[0].has_user_id = true;
	S_items[0].user_id = 77;
	S_items[1] = S_w(11, "application", "create", "deal", "https://app.example.org/x");
	S_items[2] = S_w(12, "general", "change", "deal", "https://A.example.com:443/d");
	S_items[3] = S_w(13, "general", "change", "deal", "https://a.example.com/d");
	S_items[4] = S_w(14, "automation", "*", "*", "https://auto.example.net/");
	S_items[5] = S_w(9, "general", "added", "deal", "https://b.example.com/v1");
	S_items[5].version = "1.0";
	S_items[5].password_state = PDH_SECRET_MASKED;
}

Test(export, writes_general_webhooks_sorted_with_placeholders, .init = S_setup)
{
	pdh_export_stats st;
	char *yaml = pdh_export_yaml(&S_live, NULL, &st);
	json_t *doc = S_parse_yaml(yaml), *hooks, *urls, *h;

	cr_expect_eq(st.exported, 3);
	cr_expect_eq(st.skipped_foreign, 2);
	cr_expect_eq(st.skipped_duplicates, 1);
	cr_expect_eq(st.passwords, 2);
	cr_expect_null(strstr(yaml, "Never-Export-Me-31"));
	cr_expect(strncmp(yaml, "# yaml-language-server: $schema=" PDH_EXPORT_SCHEMA_REF "\n",
	                  strlen(PDH_EXPORT_SCHEMA_REF) + 33) == 0, "%s", yaml);
	cr_expect_eq(json_integer_value(json_object_get(doc, "pdhooks")), 1);
	urls = json_object_get(json_object_get(doc, "manage"), "urls");
	/* Each exported URL, never a whole host. */
	cr_assert_eq(json_array_size(urls), 3, "%s", yaml);
	cr_expect_str_eq(json_string_value(json_array_get(urls, 0)), "https://A.example.com:443/d");
	cr_expect_str_eq(json_string_value(json_array_get(urls, 1)), "https://b.example.com/p");
	cr_expect_str_eq(json_string_value(json_array_get(urls, 2)), "https://b.example.com/v1");
	hooks = json_object_get(doc, "webhooks");
	cr_assert_eq(json_array_size(hooks), 3, "%s", yaml);
	/* by key: added.deal, change.deal, create.person */
	h = json_array_get(hooks, 0);
	cr_expect_str_eq(json_string_value(json_object_get(h, "event_action")), "added");
	cr_expect_str_eq(json_string_value(json_object_get(h, "version")), "1.0");
	cr_expect_str_eq(json_string_value(json_object_get(h, "http_auth_password")), "${PDHOOKS_PASSWORD_1}");
	cr_expect_null(json_object_get(h, "name"));
	h = json_array_get(hooks, 1);
	cr_expect_str_eq(json_string_value(json_object_get(h, "subscription_url")),
	                 "https://A.example.com:443/d", "the lowest id of the duplicates is kept");
	cr_expect_null(json_object_get(h, "http_auth_password"));
	h = json_array_get(hooks, 2);
	cr_expect_str_eq(json_string_value(json_object_get(h, "name")), "People: \"new\" # 1");
	cr_expect_eq(json_integer_value(json_object_get(h, "user_id")), 77);
	cr_expect_str_eq(json_string_value(json_object_get(h, "http_auth_user")), "pd");
	cr_expect_str_eq(json_string_value(json_object_get(h, "http_auth_password")), "${PDHOOKS_PASSWORD_2}");
	cr_expect_not_null(strstr(yaml, "# webhook 10 has a password; pdhooks never exports it: set PDHOOKS_PASSWORD_2"));
	cr_expect_not_null(strstr(yaml, "# not exported: webhook 13, a duplicate"));
	json_decref(doc);
	free(yaml);
}

Test(export, active_duplicate_wins_and_inactive_is_noted, .init = S_setup)
{
	char *yaml;
	json_t *doc;
	S_items[2].is_active = 0;
	yaml = pdh_export_yaml(&S_live, NULL, NULL);
	doc = S_parse_yaml(yaml);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(doc, "webhooks"), 1), "subscription_url")),
	                 "https://a.example.com/d");
	cr_expect_not_null(strstr(yaml, "# not exported: webhook 12"));
	json_decref(doc);
	free(yaml);
	S_items[3].is_active = 0;
	yaml = pdh_export_yaml(&S_live, NULL, NULL);
	cr_expect_not_null(strstr(yaml, "# webhook 12 is inactive in Pipedrive"));
	free(yaml);
}

Test(export, nothing_live_gives_an_empty_list)
{
	pdh_live none = { NULL, 0, false };
	pdh_export_opts o = { .schema_ref = "../schemas/pdhooks.schema.json" };
	char *yaml = pdh_export_yaml(&none, &o, NULL);
	json_t *doc = S_parse_yaml(yaml);
	cr_expect_eq(json_array_size(json_object_get(doc, "webhooks")), 0);
	cr_expect_null(json_object_get(doc, "manage"));
	cr_expect_not_null(strstr(yaml, "$schema=../schemas/pdhooks.schema.json\n"));
	json_decref(doc);
	free(yaml);
}

/* Under an app's OAuth token plan manages the app's application webhooks too: export writes
 * them, or the first plan of its file would delete them. Automation stays out. */
Test(export, application_webhooks_are_exported_when_their_type_is_managed, .init = S_setup)
{
	pdh_export_opts o = { .types = PDH_TYPE_GENERAL | PDH_TYPE_APPLICATION };
	pdh_export_stats st;
	char *yaml = pdh_export_yaml(&S_live, &o, &st);

	cr_expect_eq(st.exported, 4, "%s", yaml);
	cr_expect_eq(st.skipped_foreign, 1, "the automation only");
	cr_expect_not_null(strstr(yaml, "subscription_url: \"https://app.example.org/x\""), "%s",
	                   yaml);
	cr_expect_not_null(strstr(yaml, "from the live general and application webhooks"), "%s",
	                   yaml);
	cr_expect_null(strstr(yaml, "auto.example.net"), "%s", yaml);
	pdh_export_stats_dispose(&st);
	free(yaml);
}

/* manage.urls claims a URL up to its query (a query value may be a credential, written as its
 * reference in subscription_url alone), and its userinfo by the same reference. */
Test(export, manage_urls_claim_each_url_up_to_its_query, .init = S_setup)
{
	pdh_live_webhook items[2];
	pdh_live live = { items, 2, false };
	char *yaml;
	json_t *doc, *urls;

	items[0] = S_w(20, "general", "create", "deal",
	               "https://hooks.zapier.com/hooks/catch/1/abc?token=Zap-Secret-7");
	items[1] = S_w(21, "general", "create", "person", "https://u:Pw-Secret-9@h.example.com/p");
	yaml = pdh_export_yaml(&live, NULL, NULL);
	doc = S_parse_yaml(yaml);
	urls = json_object_get(json_object_get(doc, "manage"), "urls");
	cr_assert_eq(json_array_size(urls), 2, "%s", yaml);
	cr_expect_str_eq(json_string_value(json_array_get(urls, 0)),
	                 "https://${PDHOOKS_URL_SECRET_2}@h.example.com/p", "%s", yaml);
	cr_expect_str_eq(json_string_value(json_array_get(urls, 1)),
	                 "https://hooks.zapier.com/hooks/catch/1/abc", "%s", yaml);
	cr_expect_null(strstr(yaml, "Zap-Secret-7"));
	cr_expect_null(strstr(yaml, "Pw-Secret-9"));
	json_decref(doc);
	free(yaml);
}

/* --owner: manage.owner instead of manage.urls; another owner's webhooks are not exported,
 * names lose their marker, and the owner's own password version is kept. */
Test(export, owner_writes_manage_owner_and_skips_other_owners, .init = S_setup)
{
	pdh_live_webhook items[3];
	pdh_live live = { items, 3, false };
	pdh_export_opts eo = { .owner = "crm-infra" };
	pdh_export_stats st;
	char *yaml;
	json_t *doc, *manage, *hooks;

	items[0] = S_w(30, "general", "create", "deal", "https://h.example.com/a");
	items[0].name = "mine [pdhooks:crm-infra:3]";
	items[0].name_bare = "mine";
	items[0].marker_owner = "crm-infra";
	items[0].marker_version = 3;
	items[1] = S_w(31, "general", "create", "person", "https://h.example.com/b");
	items[1].name = "theirs [pdhooks:sales-ops]";
	items[1].name_bare = "theirs";
	items[1].marker_owner = "sales-ops";
	items[2] = S_w(32, "general", "create", "note", "https://h.example.com/c");
	yaml = pdh_export_yaml(&live, &eo, &st);
	doc = S_parse_yaml(yaml);
	manage = json_object_get(doc, "manage");
	cr_expect_str_eq(json_string_value(json_object_get(manage, "owner")), "crm-infra", "%s",
	                 yaml);
	cr_expect_null(json_object_get(manage, "urls"), "%s", yaml);
	cr_expect_not_null(strstr(yaml, "--adopt"), "%s", yaml);
	hooks = json_object_get(doc, "webhooks");
	cr_assert_eq(json_array_size(hooks), 2, "%s", yaml);
	cr_expect_eq(st.skipped_foreign, 0);
	cr_expect_eq(st.skipped_owned, 1, "another owner's webhook is counted as such");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(hooks, 0), "name")),
	                 "mine");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(hooks, 0),
	                                                "http_auth_password_version")), 3);
	json_decref(doc);
	free(yaml);
	/* Without --owner another owner's webhook is foreign as well. */
	yaml = pdh_export_yaml(&live, NULL, &st);
	cr_expect_null(strstr(yaml, "theirs"), "%s", yaml);
	cr_expect_null(strstr(yaml, "mine"), "%s", yaml);
	pdh_export_stats_dispose(&st);
	free(yaml);
}
