/* The desired-state loader: every diagnostic of testdata/desired (message, level, line,
 * column), the values loaded from the good files, and the hostile-input limits. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/desired.h"
#include "pdhooks/sha256.h"
#include "testutil.h"

#define SECRET "s3cret-Value.x"

/* A fixed environment, so that results never depend on the machine's. */
static const char *T_getenv(const char *name, void *ctx)
{
	static const char *const env[][2] = {
		{ "PD_HOOK_PASSWORD", SECRET },
		{ "OTHER_PASSWORD", "other-secret" },
		{ "HOOK_TOKEN", "tok123" },
		{ "ENV_NAME", "prod" },
		{ "HOOK_BASE", "https://hooks.example.com" },
		{ "EMPTY", "" },
		{ "HOOK_USER", "pd-user" },
		{ "ERP_HOOK_PASSWORD", "erp-secret" },
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		if (strcmp(env[i][0], name) == 0)
			return env[i][1];
	return NULL;
}

static const pdh_load_opts T_opts = { .getenv = T_getenv };

typedef struct {
	pdh_desired *d;
	pdh_diags diags;
	char *data;
	size_t len;
	int rc;
} T_load;

static void T_load_file(T_load *t, const char *rel)
{
	char *sub = pdh_xasprintf("desired/%s", rel);
	char *path = pdh_t_testdata(sub);
	pdh_error err = { 0 };

	free(sub);
	t->data = pdh_t_read_file(path, &t->len);
	cr_assert_not_null(t->data, "cannot read %s", path);
	pdh_diags_init(&t->diags, rel);
	t->rc = pdh_desired_load_file(&t->d, path, &T_opts, &t->diags, &err);
	free(path);
}

static char *T_render(T_load *t, bool errors_only)
{
	return pdh_diags_render(&t->diags, t->data, t->len, errors_only, false);
}

static void T_dispose(T_load *t)
{
	pdh_desired_free(t->d);
	pdh_diags_dispose(&t->diags);
	free(t->data);
}

/* ---- every diagnostic ----------------------------------------------------------------- */

typedef struct {
	const char *file;   /* under testdata/desired/ */
	char level;         /* 'E' or 'W' */
	int line, col;
	const char *text;   /* a part of the message */
} T_case;

static const T_case cases[] = {
	/* keys */
	{ "bad/unknown-key-suggestion.yaml", 'E', 3, 5, "unknown key 'evnt_action' in a webhook; did you mean 'event_action'?" },
	{ "bad/pipedrive-field.yaml", 'E', 6, 5, "unknown key 'is_active' in a webhook; Pipedrive reports this field in its listing; it cannot be set, remove it" },
	{ "bad/unknown-key.yaml", 'E', 6, 5, "unknown key 'description' in a webhook; expected one of: name, event_action, event_object, subscription_url, version, user_id, http_auth_user, http_auth_password" },
	{ "bad/unknown-key-suffix.yaml", 'E', 5, 5, "unknown key 'url' in a webhook; did you mean 'subscription_url'?" },
	{ "bad/unknown-top-key.yaml", 'E', 2, 1, "unknown key 'webhook' in the top level; did you mean 'webhooks'?" },
	{ "bad/defaults-webhook-key.yaml", 'E', 3, 3, "unknown key 'subscription_url' in defaults; defaults may set only version, user_id, http_auth_user and http_auth_password" },
	{ "bad/manage-unknown-key.yaml", 'E', 3, 3, "unknown key 'purne' in manage; did you mean 'prune'?" },
	{ "bad/duplicate-key.yaml", 'E', 6, 5, "duplicate key 'event_object' in a webhook (first at line 4, column 5)" },
	{ "bad/duplicate-top-key.yaml", 'E', 3, 1, "duplicate key 'pdhooks' in the top level (first at line 1, column 1)" },
	{ "bad/complex-key.yaml", 'E', 2, 3, "the top level: keys must be strings, found a list" },
	/* types */
	{ "bad/name-not-string.yaml", 'E', 3, 11, "name: expected a string, found an integer (quote it: \"123\")" },
	{ "bad/user-id-string.yaml", 'E', 6, 14, "user_id: expected a positive integer, found a string" },
	{ "bad/user-id-float.yaml", 'E', 6, 14, "user_id: expected a positive integer, found a number" },
	{ "bad/user-id-zero.yaml", 'E', 6, 14, "user_id: 0 is out of range (expected 1 to " },
	{ "bad/action-list.yaml", 'E', 3, 19, "event_action: expected a string, found a list" },
	{ "bad/webhooks-mapping.yaml", 'E', 3, 3, "webhooks: expected a list of webhooks ('webhooks: []' declares none), found a mapping" },
	{ "bad/webhooks-null.yaml", 'E', 2, 10, "webhooks: expected a list of webhooks ('webhooks: []' declares none), found null" },
	{ "bad/entry-not-mapping.yaml", 'E', 6, 5, "webhooks[1]: expected a mapping (event_action, event_object, subscription_url, ...), found a string" },
	{ "bad/defaults-not-mapping.yaml", 'E', 2, 11, "defaults: expected a mapping, found a string" },
	{ "bad/manage-not-mapping.yaml", 'E', 2, 9, "manage: expected a mapping, found a list" },
	{ "bad/not-mapping.yaml", 'E', 1, 1, "expected a mapping at the top ('pdhooks: 1', 'webhooks: ...'), found a list" },
	{ "bad/defaults-version-invalid.yaml", 'E', 3, 12, "version: expected \"1.0\" or \"2.0\", found '1'" },
	{ "bad/version-float.yaml", 'E', 6, 14, "version: expected a string, found a number (quote it: \"2.0\")" },
	{ "bad/version-invalid.yaml", 'E', 6, 14, "version: expected \"1.0\" or \"2.0\", found '3.0'" },
	/* required */
	{ "bad/missing-action.yaml", 'E', 3, 5, "webhook is missing the required key 'event_action'" },
	{ "bad/missing-object.yaml", 'E', 3, 5, "webhook is missing the required key 'event_object'" },
	{ "bad/missing-url.yaml", 'E', 3, 5, "webhook is missing the required key 'subscription_url'" },
	{ "bad/missing-pdhooks.yaml", 'E', 1, 1, "missing the required key 'pdhooks' (the file format version: 'pdhooks: 1')" },
	{ "bad/missing-webhooks.yaml", 'E', 1, 1, "missing the required key 'webhooks' (a list; 'webhooks: []' declares none)" },
	{ "bad/format-version-2.yaml", 'E', 1, 10, "unsupported file format version 2; this pdhooks reads 'pdhooks: 1'" },
	{ "bad/format-version-string.yaml", 'E', 1, 10, "pdhooks: expected an integer, found a string" },
	/* vocabulary */
	{ "bad/v1-action-with-v2.yaml", 'E', 3, 19, "event_action 'added' is a version 1.0 action; with version 2.0 use one of: create, change, delete, *" },
	{ "bad/v2-action-with-v1.yaml", 'E', 3, 19, "event_action 'create' is a version 2.0 action; with version 1.0 use one of: added, updated, merged, deleted, *" },
	{ "bad/v1-object-with-v2.yaml", 'E', 4, 19, "event_object 'activityType' is a version 1.0 object; with version 2.0 use one of: activity, deal, lead," },
	{ "bad/v2-object-with-v1.yaml", 'E', 6, 19, "event_object 'lead' is a version 2.0 object; with version 1.0 use one of: activity, activityType, deal," },
	{ "bad/unknown-action.yaml", 'E', 3, 19, "unknown event_action 'crate' for version 2.0; did you mean 'create'? (one of: create, change, delete, *)" },
	{ "bad/unknown-action-no-suggestion.yaml", 'E', 3, 19, "unknown event_action 'explode' for version 2.0; expected one of: create, change, delete, *" },
	{ "good/warn-unknown-object.yaml", 'W', 4, 19, "unknown event_object 'invoice' for version 2.0 (known: activity, deal, lead, note, organization, person, pipeline, product, stage, user, *); kept, in case Pipedrive added it" },
	/* quoted text is cut at 60 bytes, on a character boundary */
	{ "good/warn-long-object.yaml", 'W', 4, 19, "unknown event_object '" "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "...' for version 2.0" },
	{ "good/warn-unknown-object.yaml", 'W', 7, 19, "unknown event_object 'dael' for version 2.0; did you mean 'deal'?" },
	/* URLs */
	{ "bad/url-relative.yaml", 'E', 5, 23, "subscription_url '/pipedrive/deals' is not a valid URL: not an absolute URL (no scheme); expected https://host/path" },
	{ "bad/url-no-host.yaml", 'E', 5, 23, "subscription_url 'https:///deals' is not a valid URL: URL has no host" },
	{ "bad/url-scheme.yaml", 'E', 5, 23, "subscription_url 'ftp://hooks.example.com/deals': expected an https:// (or http://) URL" },
	/* found by fuzzing: the scheme of an interpolated URL carried the secret into the message */
	{ "bad/secret-in-url-scheme.yaml", 'E', 5, 23, "subscription_url 'http${PD_HOOK_PASSWORD}s://hooks.example.com/deals': expected an https:// (or http://) URL" },
	{ "bad/url-pipedrive.yaml", 'E', 5, 23, "subscription_url 'https://acme.Pipedrive.com/hook' points at Pipedrive itself; it must be your own endpoint" },
	{ "good/warn-http.yaml", 'W', 5, 23, "subscription_url 'http://hooks.example.com/deals' uses http://; Pipedrive will send events unencrypted (use https://)" },
	{ "bad/duplicate-identity.yaml", 'E', 6, 5, "duplicate webhook: the entry at line 3, column 5 has the same event_action, event_object and subscription_url" },
	/* manage */
	{ "bad/manage-prune.yaml", 'E', 3, 10, "manage.prune: expected true or false, found a string (yes)" },
	{ "bad/manage-urls-star-mixed.yaml", 'E', 3, 10, "manage.urls: '*' owns every general webhook and must be the only entry" },
	{ "bad/manage-urls-invalid.yaml", 'E', 3, 10, "manage.urls: 'hooks.example.com' is not a valid URL prefix: not an absolute URL (expected scheme://host); expected https://host/ or \"*\"" },
	{ "bad/manage-urls-scheme.yaml", 'E', 3, 10, "manage.urls: 'ftp://hooks.example.com/': expected an https:// (or http://) prefix" },
	{ "bad/manage-urls-string.yaml", 'E', 3, 9, "manage.urls: expected a list of URL prefixes (or [\"*\"]), found a string" },
	{ "bad/manage-max-deletes-negative.yaml", 'E', 3, 16, "manage.max_deletes: -1 is out of range (expected 0 to 2147483647)" },
	{ "bad/manage-max-deletes-string.yaml", 'E', 3, 16, "manage.max_deletes: expected a non-negative integer, found a string" },
	/* names */
	{ "bad/name-too-long.yaml", 'E', 3, 11, "name is 256 bytes long; Pipedrive allows at most 255" },
	{ "bad/name-empty.yaml", 'E', 3, 11, "name must not be empty" },
	/* interpolation and secrets */
	{ "bad/unset-variable.yaml", 'E', 6, 25, "environment variable 'PD_UNSET_PASSWORD' is not set (use ${PD_UNSET_PASSWORD:-default} for a default)" },
	{ "bad/malformed-reference.yaml", 'E', 5, 49, "malformed variable reference: expected ${NAME} or ${NAME:-default}" },
	{ "bad/secret-in-error.yaml", 'E', 6, 25, "http_auth_password: expected a string or null, found a list" },
	{ "bad/secret-in-error.yaml", 'E', 7, 19, "unknown event_action '${PD_HOOK_PASSWORD}' for version 2.0" },
	{ "good/warn-literal-password.yaml", 'W', 3, 23, "http_auth_password is written in the file; keep the secret in the environment and write ${VARIABLE}" },
	{ "good/warn-literal-password.yaml", 'W', 9, 25, "http_auth_password is written in the file" },
	/* hostile input */
	{ "bad/empty.yaml", 'E', 0, 0, "the file is empty; expected 'pdhooks: 1' and a 'webhooks:' list" },
	{ "bad/comments-only.yaml", 'E', 0, 0, "the file is empty" },
	{ "bad/crlf.yaml", 'E', 3, 19, "unknown event_action 'crate' for version 2.0" },
	{ "bad/bom.yaml", 'E', 1, 10, "unsupported file format version 2" },
	{ "bad/bom-control-char.yaml", 'E', 1, 11, "character U+0007 is not allowed in a YAML file" },
	{ "bad/not-yaml.yaml", 'E', 4, 1, "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 3, column 3)" },
	{ "bad/multi-document.yaml", 'E', 3, 1, "a second YAML document starts here; a pdhooks file holds one document" },
	{ "bad/non-utf8.yaml", 'E', 3, 14, "invalid UTF-8 (byte 0xe9); the file must be UTF-8 text" },
	{ "bad/control-char.yaml", 'E', 2, 14, "character U+0007 is not allowed in a YAML file" },
	{ "bad/tabs.yaml", 'E', 3, 1, "tab character: YAML indents with spaces, not tabs" },
	{ "bad/deep-nesting.yaml", 'E', 2, 42, "nesting deeper than 32 levels" },
	{ "bad/alias.yaml", 'E', 8, 21, "YAML aliases are not supported (found '*user'); write the value out, or put shared values in 'defaults:'" },
	{ "bad/alias-bomb.yaml", 'E', 8, 11, "YAML aliases are not supported (found '*a')" },
	{ "bad/alias-bomb.yaml", 'E', 6, 11, "name: expected a string, found a list" },
	{ "bad/star-unquoted.yaml", 'E', 3, 19, "a bare * starts a YAML alias; quote it: \"*\"" },
	{ "bad/tag.yaml", 'E', 5, 23, "YAML tags are not supported (found '!!str'); write the value plainly or quote it" },
	{ "bad/nul-in-string.yaml", 'E', 5, 23, "a string must not contain a NUL character" },
	/* all errors of a file in one run */
	{ "bad/several-errors.yaml", 'E', 3, 5, "webhook is missing the required key 'subscription_url'" },
	{ "bad/several-errors.yaml", 'E', 5, 19, "event_action 'added' is a version 1.0 action" },
	{ "bad/several-errors.yaml", 'E', 10, 23, "subscription_url 'ftp://hooks.example.com/b': expected an https://" },
	{ "bad/several-errors.yaml", 'E', 11, 14, "user_id: -3 is out of range" },
};

static bool T_has(const pdh_diags *d, const T_case *c)
{
	pdh_diag_level level = c->level == 'E' ? PDH_DIAG_ERROR : PDH_DIAG_WARNING;

	for (size_t i = 0; i < d->len; i++)
		if (d->items[i].level == level && d->items[i].line == c->line &&
		    d->items[i].col == c->col && strstr(d->items[i].message, c->text))
			return true;
	return false;
}

/* Each file of the table: exactly the listed diagnostics, no more (so no cascade either), and
 * a desired set only when there is no error. */
Test(desired, every_diagnostic_at_its_place)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < n; i++) {
		T_load t;
		size_t rows = 0, errors = 0;
		bool first = true;

		for (size_t j = 0; j < i; j++)
			if (strcmp(cases[j].file, cases[i].file) == 0)
				first = false;
		if (!first)
			continue;
		T_load_file(&t, cases[i].file);
		for (size_t j = i; j < n; j++) {
			if (strcmp(cases[j].file, cases[i].file) != 0)
				continue;
			rows++;
			errors += cases[j].level == 'E';
			cr_expect(T_has(&t.diags, &cases[j]), "%s: no %s at %d:%d containing \"%s\"; got:\n%s",
			          cases[j].file, cases[j].level == 'E' ? "error" : "warning", cases[j].line,
			          cases[j].col, cases[j].text, T_render(&t, false));
		}
		cr_expect_eq(t.diags.len, rows, "%s: %zu diagnostics, expected %zu:\n%s", cases[i].file,
		             t.diags.len, rows, T_render(&t, false));
		if (errors) {
			cr_expect_eq(t.rc, PDH_EFILE, "%s", cases[i].file);
			cr_expect_null(t.d, "%s: a file with errors gave a desired set", cases[i].file);
		} else {
			cr_expect_eq(t.rc, PDH_OK, "%s", cases[i].file);
			cr_expect_not_null(t.d, "%s", cases[i].file);
		}
		T_dispose(&t);
	}
}

/* Every file in testdata/desired/bad is in the table, so none goes untested. */
Test(desired, every_bad_file_has_a_case)
{
	char *dir = pdh_t_testdata("desired/bad");
	char *cmd = pdh_xasprintf("ls '%s'", dir);
	FILE *ls = popen(cmd, "r");
	char line[512];
	int count = 0;

	cr_assert_not_null(ls);
	while (fgets(line, sizeof(line), ls)) {
		bool found = false;
		line[strcspn(line, "\n")] = '\0';
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (strncmp(cases[i].file, "bad/", 4) == 0 && strcmp(cases[i].file + 4, line) == 0)
				found = true;
		cr_expect(found, "bad/%s has no row in the table", line);
		count++;
	}
	pclose(ls);
	cr_expect_gt(count, 50);
	free(cmd);
	free(dir);
}

/* ---- values of the good files ------------------------------------------------------------- */

static void T_load_good(T_load *t, const char *rel)
{
	T_load_file(t, rel);
	cr_assert_eq(t->rc, PDH_OK, "%s: %s", rel, T_render(t, false));
	cr_assert_not_null(t->d);
}

Test(desired, minimal_file_gets_every_default)
{
	T_load t;
	const pdh_desired_webhook *w;
	char hex[65];

	T_load_good(&t, "good/minimal.yaml");
	cr_expect_eq(t.diags.len, 0);
	cr_expect_eq(t.d->format_version, 1);
	{
		char *path = pdh_t_testdata("desired/good/minimal.yaml");
		cr_expect_str_eq(t.d->path, path);
		free(path);
	}
	pdh_sha256_hex(t.data, t.len, hex);
	cr_expect_str_eq(t.d->sha256, hex);
	cr_expect(t.d->prune);
	cr_expect_eq(t.d->max_deletes, PDH_DEFAULT_MAX_DELETES);
	cr_expect_not(t.d->manage_all);
	cr_expect_not(t.d->manage_urls_declared);
	cr_assert_eq(t.d->n_manage_urls, 1);
	cr_expect_str_eq(t.d->manage_urls[0], "https://hooks.example.com/");
	cr_assert_eq(t.d->n_webhooks, 1);
	w = &t.d->webhooks[0];
	cr_expect_str_eq(w->event_action, "create");
	cr_expect_str_eq(w->event_object, "deal");
	cr_expect_str_eq(w->subscription_url, "https://hooks.example.com/deals");
	cr_expect_str_eq(w->version, "2.0");
	cr_expect_not(w->version_declared);
	cr_expect_str_eq(w->name, "create.deal hooks.example.com/deals");
	cr_expect(w->name_derived);
	cr_expect_not(w->has_user_id);
	cr_expect_not(w->has_http_auth_user);
	cr_expect_not(w->has_http_auth_password);
	cr_expect_null(w->http_auth_password_ref);
	cr_expect_eq(w->line, 3);
	cr_expect_eq(w->col, 5);
	T_dispose(&t);
}

Test(desired, full_example_loads_every_field)
{
	T_load t;
	const pdh_desired_webhook *w;

	T_load_good(&t, "good/full.yaml");
	cr_expect_eq(t.diags.len, 0);
	cr_expect(t.d->manage_urls_declared);
	cr_assert_eq(t.d->n_manage_urls, 1);
	cr_expect_str_eq(t.d->manage_urls[0], "https://hooks.example.com/");
	cr_assert_eq(t.d->n_webhooks, 1);
	w = &t.d->webhooks[0];
	cr_expect_str_eq(w->name, "deals-to-warehouse");
	cr_expect_not(w->name_derived);
	cr_expect_str_eq(w->version, "2.0");
	cr_expect(w->version_declared);
	cr_expect(w->has_user_id);
	cr_expect_eq(w->user_id, 12345);
	cr_expect_str_eq(w->http_auth_user, "pipedrive");
	cr_expect_str_eq(w->http_auth_password, SECRET);
	cr_expect_str_eq(w->http_auth_password_ref, "${PD_HOOK_PASSWORD}");
	T_dispose(&t);
}

Test(desired, defaults_merge_and_entries_override)
{
	T_load t;
	const pdh_desired_webhook *w;

	T_load_good(&t, "good/defaults-merge.yaml");
	cr_assert_eq(t.d->n_webhooks, 3);
	w = &t.d->webhooks[0];
	cr_expect_str_eq(w->version, "1.0");
	cr_expect(w->version_declared);
	cr_expect(w->has_user_id);
	cr_expect_eq(w->user_id, 42);
	cr_expect(w->has_http_auth_user);
	cr_expect_str_eq(w->http_auth_user, "pd");
	cr_expect(w->has_http_auth_password);
	cr_expect_str_eq(w->http_auth_password, SECRET);
	cr_expect_str_eq(w->http_auth_password_ref, "${PD_HOOK_PASSWORD}");
	w = &t.d->webhooks[1];
	cr_expect_str_eq(w->version, "2.0");
	cr_expect_eq(w->user_id, 7);
	cr_expect_str_eq(w->http_auth_user, "other");
	cr_expect_str_eq(w->http_auth_password, "other-secret");
	cr_expect_str_eq(w->http_auth_password_ref, "${OTHER_PASSWORD}");
	w = &t.d->webhooks[2];
	cr_expect_str_eq(w->version, "1.0");
	cr_expect_eq(w->user_id, 42);
	cr_expect(w->has_http_auth_user);
	cr_expect_null(w->http_auth_user);
	cr_expect(w->has_http_auth_password);
	cr_expect_null(w->http_auth_password);
	cr_expect_null(w->http_auth_password_ref);
	T_dispose(&t);
}

Test(desired, derived_names)
{
	T_load t;
	const char *n;
	size_t len;

	T_load_good(&t, "good/derived-name.yaml");
	cr_assert_eq(t.d->n_webhooks, 3);
	/* Host lower-cased, port kept, no query (it may carry a token). */
	cr_expect_str_eq(t.d->webhooks[0].name, "change.organization hooks.example.com:8443/pd/orgs");
	cr_expect(t.d->webhooks[0].name_derived);
	/* 22 bytes of prefix + 2-byte characters: cut at 254, never inside a character. */
	n = t.d->webhooks[1].name;
	len = strlen(n);
	cr_expect_eq(len, 254);
	cr_expect_eq(strncmp(n, "*.* hooks.example.com/\xc3\xa9", 24), 0);
	cr_expect_str_eq(n + len - 2, "\xc3\xa9");
	cr_expect_str_eq(t.d->webhooks[2].name, "given");
	cr_expect_not(t.d->webhooks[2].name_derived);
	T_dispose(&t);
}

Test(desired, default_manage_urls_are_distinct_origins_in_file_order)
{
	T_load t;

	T_load_good(&t, "good/manage-defaults.yaml");
	cr_expect_not(t.d->manage_urls_declared);
	cr_assert_eq(t.d->n_manage_urls, 3);
	cr_expect_str_eq(t.d->manage_urls[0], "https://b.example.com/");
	cr_expect_str_eq(t.d->manage_urls[1], "https://a.example.com/");
	cr_expect_str_eq(t.d->manage_urls[2], "https://a.example.com:8443/");
	T_dispose(&t);
}

Test(desired, declared_manage_urls_are_normalised_and_interpolated)
{
	T_load t;

	T_load_good(&t, "good/manage-urls.yaml");
	cr_expect(t.d->manage_urls_declared);
	cr_expect_not(t.d->manage_all);
	cr_assert_eq(t.d->n_manage_urls, 2);
	cr_expect_str_eq(t.d->manage_urls[0], "https://hooks.example.com/");
	cr_expect_str_eq(t.d->manage_urls[1], "https://hooks.example.com/pipedrive/");
	T_dispose(&t);
}

Test(desired, manage_star_prune_false_zero_deletes)
{
	T_load t;

	T_load_good(&t, "good/manage-all.yaml");
	cr_expect(t.d->manage_all);
	cr_expect(t.d->manage_urls_declared);
	cr_expect_eq(t.d->n_manage_urls, 0);
	cr_expect_not(t.d->prune);
	cr_expect_eq(t.d->max_deletes, 0);
	cr_expect_eq(t.d->n_webhooks, 0);
	T_dispose(&t);
}

Test(desired, interpolation_in_every_string)
{
	T_load t;
	const pdh_desired_webhook *w;

	T_load_good(&t, "good/interpolation.yaml");
	cr_expect_eq(t.diags.len, 0, "%s", T_render(&t, false));
	w = &t.d->webhooks[0];
	cr_expect_str_eq(w->name, "prod-deals costs $5");
	cr_expect_str_eq(w->event_action, "create");
	cr_expect_str_eq(w->event_object, "deal");
	cr_expect_str_eq(w->subscription_url, "https://hooks.example.com/deals?key=fallback");
	cr_expect_str_eq(w->http_auth_user, "pd-user");
	cr_expect_str_eq(w->http_auth_password, "pre-" SECRET "-$-post");
	cr_expect_str_eq(w->http_auth_password_ref, "pre-${PD_HOOK_PASSWORD}-$$-post");
	T_dispose(&t);
}

Test(desired, empty_sections_mean_defaults)
{
	T_load t;

	T_load_good(&t, "good/null-sections.yaml");
	cr_expect_eq(t.diags.len, 0);
	cr_expect(t.d->prune);
	cr_expect_eq(t.d->max_deletes, PDH_DEFAULT_MAX_DELETES);
	cr_expect_not(t.d->manage_urls_declared);
	cr_expect_eq(t.d->n_manage_urls, 0);
	cr_expect_eq(t.d->n_webhooks, 0);
	T_dispose(&t);
}

Test(desired, v1_vocabulary_and_flow_style)
{
	T_load t;

	T_load_good(&t, "good/v1.yaml");
	cr_expect_eq(t.diags.len, 0);
	cr_assert_eq(t.d->n_webhooks, 3);
	cr_expect_str_eq(t.d->webhooks[0].version, "1.0");
	cr_expect_str_eq(t.d->webhooks[0].event_object, "activityType");
	cr_expect_str_eq(t.d->webhooks[2].event_object, "*");
	T_dispose(&t);

	T_load_good(&t, "good/flow-style.yaml");
	cr_expect_eq(t.diags.len, 0);
	cr_assert_eq(t.d->n_webhooks, 2);
	cr_expect_str_eq(t.d->webhooks[0].event_object, "note");
	cr_expect_eq(t.d->webhooks[1].user_id, 16);
	T_dispose(&t);
}

Test(desired, examples_load)
{
	static const struct { const char *file; size_t n; } ex[] = {
		{ "examples/pdhooks.yaml", 8 }, { "examples/v1-webhooks.yaml", 4 } };

	for (size_t i = 0; i < 2; i++) {
		const char *src = getenv("PDH_SOURCE_DIR");
		char *path = pdh_xasprintf("%s/%s", src ? src : ".", ex[i].file);
		pdh_desired *d;
		pdh_diags diags;
		pdh_error err = { 0 };

		pdh_diags_init(&diags, path);
		cr_expect_eq(pdh_desired_load_file(&d, path, &T_opts, &diags, &err), PDH_OK, "%s", path);
		cr_expect_eq(diags.len, 0, "%s", path);
		if (d)
			cr_expect_eq(d->n_webhooks, ex[i].n, "%s", path);
		pdh_desired_free(d);
		pdh_diags_dispose(&diags);
		free(path);
	}
}

/* ---- secrets ----------------------------------------------------------------------------- */

Test(desired, secrets_never_in_rendered_diagnostics)
{
	static const char *const files[] = { "bad/secret-in-error.yaml", "good/full.yaml",
		"bad/secret-in-url-scheme.yaml",
		"good/interpolation.yaml", "good/warn-literal-password.yaml", "good/defaults-merge.yaml" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		T_load t;
		char *text;

		T_load_file(&t, files[i]);
		pdh_diags_add(&t.diags, PDH_DIAG_WARNING, 6, 1, "every line quoted");
		for (int line = 1; line <= 12; line++)
			pdh_diags_add(&t.diags, PDH_DIAG_WARNING, line, 1, "line %d", line);
		text = T_render(&t, false);
		cr_expect_null(strstr(text, SECRET), "%s:\n%s", files[i], text);
		cr_expect_null(strstr(text, "other-secret"), "%s:\n%s", files[i], text);
		cr_expect_null(strstr(text, "hunter2"), "%s:\n%s", files[i], text);
		free(text);
		T_dispose(&t);
	}
}

Test(desired, literal_password_is_masked_in_the_quoted_line)
{
	T_load t;
	char *text;

	T_load_file(&t, "good/warn-literal-password.yaml");
	text = T_render(&t, false);
	cr_expect_not_null(strstr(text, "    http_auth_password: ***************\n"), "%s", text);
	cr_expect_not_null(strstr(text, "  http_auth_password: *********************\n"), "%s", text);
	free(text);
	T_dispose(&t);
}

Test(desired, reference_alone_is_shown)
{
	T_load t;
	char *text;

	T_load_file(&t, "bad/unset-variable.yaml");
	text = T_render(&t, false);
	cr_expect_str_eq(text,
	                 "bad/unset-variable.yaml:6:25: error: environment variable 'PD_UNSET_PASSWORD' "
	                 "is not set (use ${PD_UNSET_PASSWORD:-default} for a default)\n"
	                 "      http_auth_password: ${PD_UNSET_PASSWORD}\n"
	                 "                          ^\n");
	free(text);
	T_dispose(&t);
}

/* ---- limits ------------------------------------------------------------------------------ */

Test(desired, buffer_over_10_mib_is_refused_before_parsing)
{
	size_t len = PDH_DESIRED_MAX_BYTES + 1;
	char *big = pdh_xmalloc(len);
	pdh_desired *d = (pdh_desired *)1;
	pdh_diags diags;
	pdh_error err = { 0 };

	/* Not YAML at all: a parser would complain about it, the size check comes first. */
	memset(big, '[', len);
	pdh_diags_init(&diags, "big.yaml");
	cr_expect_eq(pdh_desired_load_buffer(&d, "big.yaml", big, len, &T_opts, &diags, &err),
	             PDH_EFILE);
	cr_expect_null(d);
	cr_assert_eq(diags.len, 1);
	cr_expect_eq(diags.items[0].line, 0);
	cr_expect_str_eq(diags.items[0].message,
	                 "the file is larger than 10 MiB (10485760 bytes) and is refused");
	pdh_diags_dispose(&diags);
	free(big);
}

Test(desired, file_over_10_mib_is_refused_without_reading)
{
	char *dir = pdh_t_tmpdir();
	char *path = pdh_xasprintf("%s/big.yaml", dir);
	pdh_desired *d;
	pdh_diags diags;
	pdh_error err = { 0 };
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, PDH_DESIRED_MAX_BYTES + 1), 0);
	close(fd);
	pdh_diags_init(&diags, path);
	cr_expect_eq(pdh_desired_load_file(&d, path, &T_opts, &diags, &err), PDH_EFILE);
	cr_expect_null(d);
	cr_assert_eq(diags.len, 1);
	cr_expect_not_null(strstr(diags.items[0].message, "larger than 10 MiB"));
	pdh_diags_dispose(&diags);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

Test(desired, exactly_10_mib_is_parsed)
{
	size_t len = PDH_DESIRED_MAX_BYTES;
	char *data = pdh_xmalloc(len);
	static const char head[] = "pdhooks: 1\nwebhooks: []\n";
	pdh_desired *d;
	pdh_diags diags;
	pdh_error err = { 0 };

	memset(data, ' ', len);
	memcpy(data, head, sizeof(head) - 1);
	data[len - 1] = '\n';
	pdh_diags_init(&diags, "ten.yaml");
	cr_expect_eq(pdh_desired_load_buffer(&d, "ten.yaml", data, len, &T_opts, &diags, &err),
	             PDH_OK);
	cr_expect_eq(diags.len, 0);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
	free(data);
}

Test(desired, missing_file_is_an_io_error)
{
	pdh_desired *d;
	pdh_diags diags;
	pdh_error err = { 0 };

	pdh_diags_init(&diags, "nope.yaml");
	cr_expect_eq(pdh_desired_load_file(&d, "/nonexistent/nope.yaml", NULL, &diags, &err), PDH_EIO);
	cr_expect_null(d);
	cr_expect_eq(diags.len, 0);
	cr_expect_str_eq(err.message, "cannot read /nonexistent/nope.yaml: No such file or directory");
	cr_expect_eq(pdh_desired_load_file(&d, "/", NULL, &diags, &err), PDH_EIO);
	cr_expect_str_eq(err.message, "cannot read /: it is a directory");
	pdh_diags_dispose(&diags);
}

Test(desired, many_problems_are_capped)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_desired *d;
	pdh_diags diags;
	pdh_error err = { 0 };

	/* 500 entries with an unknown key each and all three required keys missing. */
	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks:\n");
	for (int i = 0; i < 500; i++)
		pdh_buf_printf(&b, "  - bogus%d: 1\n", i);
	pdh_diags_init(&diags, "many.yaml");
	cr_expect_eq(pdh_desired_load_buffer(&d, "many.yaml", b.data, b.len, NULL, &diags, &err),
	             PDH_EFILE);
	cr_assert_eq(diags.len, 101);
	cr_expect_eq(diags.items[99].line, 27);
	cr_expect_eq(diags.items[100].level, PDH_DIAG_ERROR);
	cr_expect_str_eq(diags.items[100].message,
	                 "1900 more errors not shown (at most 100 problems are)");
	pdh_diags_dispose(&diags);
	pdh_buf_dispose(&b);
}

Test(desired, many_warnings_are_capped_and_the_file_still_loads)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_desired *d;
	pdh_diags diags;
	pdh_error err = { 0 };

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks:\n");
	for (int i = 0; i < 150; i++)
		pdh_buf_printf(&b, "  - {event_action: create, event_object: deal, "
		                   "subscription_url: \"http://h.example.com/%d\"}\n", i);
	pdh_diags_init(&diags, "warn.yaml");
	cr_expect_eq(pdh_desired_load_buffer(&d, "warn.yaml", b.data, b.len, NULL, &diags, &err),
	             PDH_OK);
	cr_assert_not_null(d);
	cr_expect_eq(d->n_webhooks, 150);
	cr_expect_eq(diags.n_errors, 0);
	cr_assert_eq(diags.len, 101);
	cr_expect_eq(diags.items[100].level, PDH_DIAG_WARNING);
	cr_expect_str_eq(diags.items[100].message,
	                 "50 more warnings not shown (at most 100 problems are)");
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
	pdh_buf_dispose(&b);
}

/* Loads "webhooks: [ITEM,ITEM,...]" with count items; the single diagnostic it must give is
 * left in diags. */
static void T_load_repeated(const char *item, int count, pdh_diags *diags)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_desired *d = NULL;
	pdh_error err = { 0 };

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks: [");
	for (int i = 0; i < count; i++)
		pdh_buf_puts(&b, item);
	pdh_buf_puts(&b, "]\n");
	pdh_diags_init(diags, "gen.yaml");
	cr_expect_eq(pdh_desired_load_buffer(&d, "gen.yaml", b.data, b.len, &T_opts, diags, &err),
	             PDH_EFILE);
	cr_expect_null(d);
	cr_assert_eq(diags->len, 1);
	cr_expect_eq(diags->items[0].line, 2);
	pdh_buf_dispose(&b);
}

Test(desired, too_many_values_are_refused)
{
	pdh_diags diags;

	T_load_repeated("1,", 1000000, &diags);
	cr_expect_str_eq(diags.items[0].message,
	                 "more than 1000000 YAML values; a pdhooks file needs far fewer");
	pdh_diags_dispose(&diags);
}

Test(desired, too_many_webhooks_are_refused)
{
	pdh_diags diags;

	T_load_repeated("{},", 50001, &diags);
	cr_expect_str_eq(diags.items[0].message, "webhooks: 50001 entries; pdhooks handles at most 50000");
	cr_expect_eq(diags.items[0].col, 11);
	pdh_diags_dispose(&diags);
}

Test(desired, process_environment_when_no_getenv_is_given)
{
	static const char yaml[] = "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	                           "    event_object: deal\n    subscription_url: ${PDH_T_URL}\n";
	pdh_desired *d;
	pdh_diags diags;
	pdh_error err = { 0 };

	setenv("PDH_T_URL", "https://env.example.com/x", 1);
	pdh_diags_init(&diags, "env.yaml");
	cr_assert_eq(pdh_desired_load_buffer(&d, "env.yaml", yaml, sizeof(yaml) - 1, NULL, &diags,
	                                     &err), PDH_OK);
	cr_expect_str_eq(d->webhooks[0].subscription_url, "https://env.example.com/x");
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
}
