/* The desired-state loader: every diagnostic of testdata/desired (message, level, line,
 * column), the values loaded from the good files, and the hostile-input limits. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each_file.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/desired.h"
#include "pdhooks/limits.h"
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

/* ---- every diagnostic: golden files --------------------------------------------------- */

/* Each testdata/desired/bad/NAME.yaml has NAME.expected beside it: the exact diagnostics of
 * loading it (rendered as `pdhooks validate` prints them, without colour, the file named
 * bad/NAME.yaml), and the load fails with no desired set. A testdata/desired/good/NAME.yaml
 * may have NAME.expected too (its warnings); without one it loads without any diagnostic.
 *
 * To add a case, write the YAML file, then run
 *     PDH_UPDATE_EXPECTED=1 ctest --test-dir build -R '^test_desired$'
 * which writes NAME.expected from the loader's current output; read it before committing
 * (the default run compares exactly). The environment is T_getenv's. */
typedef struct T_golden {
	const char *sub;       /* "desired/bad" or "desired/good" */
	bool bad;
	const char *update;    /* PDH_UPDATE_EXPECTED */
} T_golden;

static void T_golden_file(const char *dir, const char *name, size_t stem, void *ctx)
{
	const T_golden *g = ctx;
	char *rel = pdh_xasprintf("%s/%s", g->sub + strlen("desired/"), name);
	char *want_path = pdh_xasprintf("%s/%.*s.expected", dir, (int)stem, name);
	char *got, *want;
	T_load t;

	T_load_file(&t, rel);
	got = T_render(&t, false);
	want = pdh_t_read_file(want_path, NULL);
	if (g->update && strcmp(g->update, "1") == 0 && (g->bad || t.diags.len > 0 || want)) {
		pdh_t_write_file(want_path, got);
	} else if (want || g->bad) {
		cr_expect_not_null(want, "%s has no %s (PDH_UPDATE_EXPECTED=1 writes it)", rel,
		                   want_path);
		if (want)
			cr_expect_str_eq(got, want, "%s: the diagnostics differ from %s\n--- got:\n%s"
			                 "--- expected:\n%s", rel, want_path, got, want);
	} else {
		cr_expect_eq(t.diags.len, 0, "%s: diagnostics, and no .expected file:\n%s", rel, got);
	}
	cr_expect_null(strstr(got, SECRET), "%s: a secret in a diagnostic", rel);
	if (g->bad) {
		cr_expect_eq(t.rc, PDH_EFILE, "%s", rel);
		cr_expect_gt(t.diags.n_errors, 0, "%s: a bad file without an error", rel);
		cr_expect_null(t.d, "%s: a file with errors gave a desired set", rel);
	} else {
		cr_expect_eq(t.rc, PDH_OK, "%s:\n%s", rel, got);
		cr_expect_eq(t.diags.n_errors, 0, "%s:\n%s", rel, got);
		cr_expect_not_null(t.d, "%s", rel);
	}
	free(want);
	free(got);
	T_dispose(&t);
	free(want_path);
	free(rel);
}

static void T_golden_dir(const char *sub, bool bad)
{
	T_golden g = { sub, bad, getenv("PDH_UPDATE_EXPECTED") };
	char *dir = pdh_t_testdata(sub);
	int count = pdh_t_each_file(dir, ".yaml", T_golden_file, &g);

	cr_expect_gt(count, bad ? 50 : 10, "%s: %d files", dir, count);
	free(dir);
}

Test(desired, every_bad_file_gives_its_expected_diagnostics)
{
	T_golden_dir("desired/bad", true);
}

Test(desired, every_good_file_gives_its_expected_warnings)
{
	T_golden_dir("desired/good", false);
}

static void T_expected_has_yaml(const char *dir, const char *name, size_t stem, void *ctx)
{
	char *yaml = pdh_xasprintf("%s/%.*s.yaml", dir, (int)stem, name);

	cr_expect_eq(access(yaml, R_OK), 0, "%s/%s has no %s", (const char *)ctx, name, yaml);
	free(yaml);
}

/* Every .expected file has its YAML file (none is left behind by a rename). */
Test(desired, every_expected_file_has_its_yaml)
{
	static const char *const subs[] = { "desired/bad", "desired/good" };

	for (size_t i = 0; i < 2; i++) {
		char *dir = pdh_t_testdata(subs[i]);

		pdh_t_each_file(dir, ".expected", T_expected_has_yaml, (void *)subs[i]);
		free(dir);
	}
}

/* ---- values of the good files ------------------------------------------------------------- */

static void T_load_good(T_load *t, const char *rel)
{
	T_load_file(t, rel);
	cr_assert_eq(t->rc, PDH_OK, "%s: %s", rel, T_render(t, false));
	cr_assert_not_null(t->d);
}

/* manage.urls as loaded: declared or not, and exactly want (NULL-terminated), in order. */
static void T_expect_manage_urls(const pdh_desired *d, bool declared, const char *const want[])
{
	size_t n = 0;

	cr_expect_eq(d->manage_urls_declared, declared);
	while (want[n])
		n++;
	cr_assert_eq(d->n_manage_urls, n);
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(d->manage_urls[i], want[i], "manage_urls[%zu]", i);
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
	T_expect_manage_urls(t.d, false, (const char *const[]){ "https://hooks.example.com/", NULL });
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
	T_expect_manage_urls(t.d, true, (const char *const[]){ "https://hooks.example.com/", NULL });
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
	T_expect_manage_urls(t.d, false, (const char *const[]){ "https://b.example.com/",
		"https://a.example.com/", "https://a.example.com:8443/", NULL });
	T_dispose(&t);
}

Test(desired, declared_manage_urls_are_normalised_and_interpolated)
{
	T_load t;

	T_load_good(&t, "good/manage-urls.yaml");
	cr_expect_not(t.d->manage_all);
	T_expect_manage_urls(t.d, true, (const char *const[]){ "https://hooks.example.com/",
		"https://hooks.example.com/pipedrive/", NULL });
	T_dispose(&t);
}

/* The manage section of a file without webhooks or manage.urls entries. */
typedef struct {
	bool all, declared, prune;
	long long max_deletes;
} T_manage;

static void T_expect_manage(const pdh_desired *d, T_manage want)
{
	cr_expect_eq(d->manage_all, want.all);
	cr_expect_eq(d->manage_urls_declared, want.declared);
	cr_expect_eq(d->n_manage_urls, 0);
	cr_expect_eq(d->prune, want.prune);
	cr_expect_eq(d->max_deletes, want.max_deletes);
	cr_expect_eq(d->n_webhooks, 0);
}

Test(desired, manage_star_prune_false_zero_deletes)
{
	T_load t;

	T_load_good(&t, "good/manage-all.yaml");
	T_expect_manage(t.d, (T_manage){ .all = true, .declared = true, .prune = false,
	                                 .max_deletes = 0 });
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
	T_expect_manage(t.d, (T_manage){ .all = false, .declared = false, .prune = true,
	                                 .max_deletes = PDH_DEFAULT_MAX_DELETES });
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

/* The diagnostics of testdata/desired/REL, rendered with the source. Caller frees. */
static char *T_rendered(const char *rel)
{
	T_load t;
	char *text;

	T_load_file(&t, rel);
	text = T_render(&t, false);
	T_dispose(&t);
	return text;
}

Test(desired, literal_password_is_masked_in_the_quoted_line)
{
	char *text = T_rendered("good/warn-literal-password.yaml");

	cr_expect_not_null(strstr(text, "    http_auth_password: ***************\n"), "%s", text);
	cr_expect_not_null(strstr(text, "  http_auth_password: *********************\n"), "%s", text);
	free(text);
}

Test(desired, reference_alone_is_shown)
{
	char *text = T_rendered("bad/unset-variable.yaml");

	cr_expect_str_eq(text,
	                 "bad/unset-variable.yaml:6:25: error: environment variable 'PD_UNSET_PASSWORD' "
	                 "is not set (use ${PD_UNSET_PASSWORD:-default} for a default)\n"
	                 "      http_auth_password: ${PD_UNSET_PASSWORD}\n"
	                 "                          ^\n");
	free(text);
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

/* Loads the text of b as the file `name`, diags initialised for it; the loader's answer. */
static int T_load_text(const pdh_buf *b, const char *name, const pdh_load_opts *o,
                       pdh_desired **d, pdh_diags *diags)
{
	pdh_error err = { 0 };

	pdh_diags_init(diags, name);
	return pdh_desired_load_buffer(d, name, b->data, b->len, o, diags, &err);
}

/* A 5 MiB subscription_url: one error at its line and column naming the bound, and no message
 * that repeats the URL. */
Test(desired, url_of_5_mib_is_refused_naming_the_limit)
{
	size_t n = 5u * 1024u * 1024u;
	pdh_buf b = PDH_BUF_INIT;
	char *url = pdh_xmalloc(n + 1), *want;
	pdh_desired *d;
	pdh_diags diags;
	int rc;

	memset(url, 'a', n);
	memcpy(url, "https://hooks.example.com/", 26);
	url[n] = '\0';
	pdh_buf_printf(&b, "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	               "    event_object: deal\n    subscription_url: %s\n", url);
	rc = T_load_text(&b, "huge-url.yaml", &T_opts, &d, &diags);
	cr_expect_eq(rc, PDH_EFILE);
	cr_expect_null(d);
	cr_assert_eq(diags.len, 1);
	cr_expect_eq(diags.items[0].line, 5);
	cr_expect_eq(diags.items[0].col, 23);
	want = pdh_xasprintf("subscription_url is %zu characters long; pdhooks allows at most %d",
	                     n, PDH_URL_MAX);
	cr_expect_str_eq(diags.items[0].message, want);
	free(want);
	pdh_diags_dispose(&diags);
	pdh_buf_dispose(&b);
	free(url);
}

/* The bound holds for the value read: a URL made long by ${VAR} is refused too. */
static const char *T_long_base(const char *name, void *ctx)
{
	static char base[PDH_URL_MAX + 1];

	(void)ctx;
	if (strcmp(name, "LONG_BASE") != 0)
		return NULL;
	memset(base, 'b', PDH_URL_MAX);
	memcpy(base, "https://hooks.example.com/", 26);
	base[PDH_URL_MAX] = '\0';
	return base;
}

Test(desired, url_over_the_limit_from_a_variable_is_refused)
{
	static const char yaml[] = "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	                           "    event_object: deal\n    subscription_url: ${LONG_BASE}x\n";
	const pdh_load_opts o = { .getenv = T_long_base };
	pdh_buf b = PDH_BUF_INIT;
	pdh_desired *d;
	pdh_diags diags;

	pdh_buf_puts(&b, yaml);
	cr_expect_eq(T_load_text(&b, "var-url.yaml", &o, &d, &diags), PDH_EFILE);
	cr_assert_eq(diags.len, 1);
	cr_expect_not_null(strstr(diags.items[0].message, "2049 characters long"), "%s",
	                   diags.items[0].message);
	pdh_diags_dispose(&diags);
	pdh_buf_dispose(&b);
}

/* Loads "pdhooks: 1\nwebhooks:\n" and count lines "PRE<index>POST" as the file `name`; the
 * loader's answer. diags is left initialised with what it said. */
static int T_load_lines(const char *name, const char *pre, const char *post, int count,
                        pdh_desired **d, pdh_diags *diags)
{
	pdh_buf b = PDH_BUF_INIT;
	int rc;

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks:\n");
	for (int i = 0; i < count; i++)
		pdh_buf_printf(&b, "%s%d%s", pre, i, post);
	rc = T_load_text(&b, name, NULL, d, diags);
	pdh_buf_dispose(&b);
	return rc;
}

/* The last of diags is the cap's summary: level and message; 100 problems shown before it. */
static void T_expect_capped(const pdh_diags *diags, pdh_diag_level level, const char *message)
{
	cr_assert_eq(diags->len, 101);
	cr_expect_eq(diags->items[100].level, level);
	cr_expect_str_eq(diags->items[100].message, message);
}

Test(desired, many_problems_are_capped)
{
	pdh_desired *d;
	pdh_diags diags;

	/* 500 entries with an unknown key each and all three required keys missing. */
	cr_expect_eq(T_load_lines("many.yaml", "  - bogus", ": 1\n", 500, &d, &diags), PDH_EFILE);
	T_expect_capped(&diags, PDH_DIAG_ERROR,
	                "1900 more errors not shown (at most 100 problems are)");
	cr_expect_eq(diags.items[99].line, 27);
	pdh_diags_dispose(&diags);
}

Test(desired, many_warnings_are_capped_and_the_file_still_loads)
{
	pdh_desired *d;
	pdh_diags diags;

	cr_expect_eq(T_load_lines("warn.yaml", "  - {event_action: create, event_object: deal, "
	                          "subscription_url: \"http://h.example.com/", "\"}\n", 150, &d,
	                          &diags), PDH_OK);
	cr_assert_not_null(d);
	cr_expect_eq(d->n_webhooks, 150);
	cr_expect_eq(diags.n_errors, 0);
	T_expect_capped(&diags, PDH_DIAG_WARNING,
	                "50 more warnings not shown (at most 100 problems are)");
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
}

/* Loads "webhooks: [ITEM,ITEM,...]" with count items; the single diagnostic it must give is
 * left in diags. */
static void T_load_repeated(const char *item, int count, pdh_diags *diags)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_desired *d = NULL;

	pdh_buf_puts(&b, "pdhooks: 1\nwebhooks: [");
	for (int i = 0; i < count; i++)
		pdh_buf_puts(&b, item);
	pdh_buf_puts(&b, "]\n");
	cr_expect_eq(T_load_text(&b, "gen.yaml", &T_opts, &d, diags), PDH_EFILE);
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
