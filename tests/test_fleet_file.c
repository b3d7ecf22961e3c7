/* The fleet file loader. Each testdata/fleet/bad/NAME.yaml fails to load with exactly the
 * diagnostics in NAME.expected beside it, as testdata/desired/bad's cases do
 * (PDH_UPDATE_EXPECTED=1 rewrites them, for review in the diff); testdata/fleet/good/ loads. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "each_file.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "pdhooks/fleet.h"
#include "testutil.h"

static char *S_diags_of(const char *path, int *rc)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	pdh_fleet *f = NULL;
	size_t len = 0;
	char *data = pdh_t_read_file(path, &len), *text;
	const char *name = strrchr(path, '/') + 1;

	cr_assert_not_null(data, "%s", path);
	pdh_diags_init(&diags, name);
	*rc = pdh_fleet_load_buffer(&f, name, data, len, &diags, &err);
	text = pdh_diags_render(&diags, data, len, false, false);
	if (*rc == 0)
		cr_expect_not_null(f);
	else
		cr_expect_null(f);
	pdh_fleet_free(f);
	pdh_diags_dispose(&diags);
	free(data);
	return text;
}

static void S_bad_file(const char *dir, const char *name, size_t stem, void *ctx)
{
	char *path = pdh_xasprintf("%s/%s", dir, name);
	char *want_path = pdh_xasprintf("%s/%.*s.expected", dir, (int)stem, name);
	char *got, *want;
	int rc;

	(void)ctx;
	got = S_diags_of(path, &rc);
	cr_expect_eq(rc, PDH_EFILE, "%s loads", name);
	if (getenv("PDH_UPDATE_EXPECTED"))
		pdh_t_write_file(want_path, got);
	want = pdh_t_read_file(want_path, NULL);
	cr_expect_not_null(want, "%s: no %s (PDH_UPDATE_EXPECTED=1 writes it)", name, want_path);
	if (want)
		cr_expect_str_eq(got, want, "%s", name);
	free(path);
	free(want_path);
	free(got);
	free(want);
}

Test(fleet_file, bad_files_match_their_expected_diagnostics)
{
	char *dir = pdh_t_testdata("fleet/bad");

	cr_expect_geq(pdh_t_each_file(dir, ".yaml", S_bad_file, NULL), 10);
	free(dir);
}

Test(fleet_file, good_file_loads_with_paths_relative_to_it)
{
	char *path = pdh_t_testdata("fleet/good/fleet.yaml");
	char *dir = pdh_t_testdata("fleet/good/");
	pdh_diags diags;
	pdh_error err = { 0 };
	pdh_fleet *f = NULL;
	char *want;

	pdh_diags_init(&diags, path);
	cr_assert_eq(pdh_fleet_load_file(&f, path, &diags, &err), 0, "%s",
	             pdh_diags_render(&diags, NULL, 0, false, false));
	cr_assert_eq(f->n_accounts, 3);
	cr_expect_eq(f->concurrency, 16);
	cr_expect_eq(strlen(f->sha256), 64);
	cr_expect_str_eq(f->accounts[0].name, "acme");
	cr_expect_str_eq(f->accounts[0].api_url, "https://acme.pipedrive.com/api/v1");
	cr_expect_eq(f->accounts[0].token_kind, PDH_TOKEN_ENV);
	cr_expect_str_eq(f->accounts[0].token_env, "ACME_PD_TOKEN");
	want = pdh_xasprintf("%spdhooks.yaml", dir);
	cr_expect_str_eq(f->accounts[0].desired, want);
	free(want);
	cr_expect_eq(f->accounts[0].n_labels, 2);
	cr_expect_str_eq(f->accounts[0].labels[1].key, "region");
	cr_expect_str_eq(f->accounts[0].labels[1].value, "eu");
	cr_expect_eq(f->accounts[0].n_vars, 2);
	cr_expect_str_eq(pdh_fleet_var("PD_USER_ID", &f->accounts[0]), "123");
	cr_expect_null(pdh_fleet_var("HOME", &f->accounts[0]), "vars only; the loader reads the "
	               "environment after them");
	cr_expect_not(f->accounts[0].oauth);
	cr_expect_str_eq(f->accounts[1].api_url, "https://globex.pipedrive.com/api/v1");
	cr_expect_eq(f->accounts[1].token_kind, PDH_TOKEN_COMMAND);
	cr_expect_eq(f->accounts[1].token_argc, 5);
	cr_expect_str_eq(f->accounts[1].token_argv[4], "secret/pipedrive/globex");
	cr_expect_null(f->accounts[1].token_argv[5]);
	cr_expect(f->accounts[1].oauth);
	want = pdh_xasprintf("%sglobex.yaml", dir);
	cr_expect_str_eq(f->accounts[1].desired, want);
	free(want);
	want = pdh_xasprintf("%stokens/initech", dir);
	cr_expect_str_eq(f->accounts[2].token_file, want);
	free(want);
	cr_expect_eq(diags.n_warnings, 0);
	pdh_fleet_free(f);
	pdh_diags_dispose(&diags);
	free(path);
	free(dir);
}

Test(fleet_file, unreadable_file_is_an_io_error)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	pdh_fleet *f = NULL;

	pdh_diags_init(&diags, "nope.yaml");
	cr_expect_eq(pdh_fleet_load_file(&f, "/nonexistent/fleet.yaml", &diags, &err), PDH_EIO);
	cr_expect(strstr(err.message, "/nonexistent/fleet.yaml") != NULL, "%s", err.message);
	cr_expect_null(f);
	pdh_diags_dispose(&diags);
}

/* A fleet file of n accounts as written by hand: labels and vars each, so it is past a
 * desired file's 10 MiB and million YAML values at PDH_FLEET_MAX_ACCOUNTS. */
static char *S_many_accounts(size_t n, size_t *len)
{
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_puts(&b, "pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n");
	for (size_t i = 0; i < n; i++)
		pdh_buf_printf(&b, "  - name: customer-%06zu\n    company_domain: customer-%06zu\n"
		               "    token_env: PD_TOKEN_%06zu\n"
		               "    labels: { tier: gold, region: eu, plan: enterprise }\n"
		               "    vars: { TENANT: t%06zu, PD_USER_ID: \"%zu\" }\n", i, i, i, i, i);
	*len = b.len;
	return pdh_buf_detach(&b);
}

/* Loads data (named fleet.yaml), its rendered diagnostics into *text; the loader's code. */
static int S_load(pdh_fleet **f, const char *data, size_t len, char **text)
{
	pdh_diags diags;
	pdh_error err = { 0 };
	int rc;

	pdh_diags_init(&diags, "fleet.yaml");
	rc = pdh_fleet_load_buffer(f, "fleet.yaml", data, len, &diags, &err);
	*text = pdh_diags_render(&diags, data, len, false, false);
	pdh_diags_dispose(&diags);
	return rc;
}

Test(fleet_file, the_account_limit_is_reached_in_seconds_and_one_more_is_refused, .timeout = 60)
{
	size_t len;
	char *data = S_many_accounts(PDH_FLEET_MAX_ACCOUNTS, &len), *text, *more;
	pdh_fleet *f = NULL;
	long long started = pdh_now_ms();

	cr_assert_gt(len, 10u * 1024u * 1024u, "past a desired file's size");
	cr_assert_eq(S_load(&f, data, len, &text), 0, "%.2000s", text);
	cr_expect_lt(pdh_now_ms() - started, 15000, "took %lld ms", pdh_now_ms() - started);
	cr_assert_eq(f->n_accounts, PDH_FLEET_MAX_ACCOUNTS);
	cr_expect_str_eq(f->accounts[PDH_FLEET_MAX_ACCOUNTS - 1].name, "customer-099999");
	cr_expect_eq(f->accounts[PDH_FLEET_MAX_ACCOUNTS - 1].n_vars, 2);
	pdh_fleet_free(f);
	free(text);
	free(data);
	data = S_many_accounts(PDH_FLEET_MAX_ACCOUNTS + 1, &len);
	cr_expect_eq(S_load(&f, data, len, &text), PDH_EFILE);
	cr_expect_null(f);
	more = strstr(text, "fleet.yaml:4:3: error: accounts: 100001 entries; pdhooks handles at "
	                    "most 100000");
	cr_expect_not_null(more, "%.2000s", text);
	free(text);
	free(data);
}

Test(fleet_file, an_account_of_many_vars_and_labels_loads_in_linear_time, .timeout = 60)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_fleet *f = NULL;
	long long started;
	char *text;

	pdh_buf_puts(&b, "pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n"
	             "  - name: big\n    company_domain: big\n    token_env: BIG\n    labels:\n");
	for (size_t i = 0; i < 100000; i++)
		pdh_buf_printf(&b, "      l%zu: x\n", i);
	pdh_buf_puts(&b, "    vars:\n");
	for (size_t i = 0; i < 100000; i++)
		pdh_buf_printf(&b, "      V%zu: x\n", i);
	pdh_buf_puts(&b, "      V7: again\n");
	started = pdh_now_ms();
	cr_expect_eq(S_load(&f, b.data, b.len, &text), PDH_EFILE);
	cr_expect_lt(pdh_now_ms() - started, 4000, "took %lld ms", pdh_now_ms() - started);
	cr_expect_not_null(strstr(text, "fleet.yaml:200009:7: error: duplicate key 'V7' in vars "
	                                "(first at line 100016, column 7)"), "%.2000s", text);
	free(text);
	/* Without the repeated key it loads. */
	b.len -= strlen("      V7: again\n");
	b.data[b.len] = '\0';
	cr_assert_eq(S_load(&f, b.data, b.len, &text), 0, "%.2000s", text);
	cr_expect_eq(f->accounts[0].n_vars, 100000);
	cr_expect_eq(f->accounts[0].n_labels, 100000);
	pdh_fleet_free(f);
	free(text);
	pdh_buf_dispose(&b);
}

/* Accounts with the same token source: token_env, token_file however it is spelled (another
 * path, a symbolic link, a file that does not exist yet), token_command argv. A warning at the
 * second account's token key naming both; different sources are not one. */
#define SAME_TOKENS                                                                         \
	"pdhooks_fleet: 1\n"                                                                \
	"desired: pdhooks.yaml\n"                                                           \
	"accounts:\n"                                                                       \
	"  - { name: env-a, company_domain: a, token_env: PD_A }\n"                         \
	"  - { name: env-b, company_domain: b, token_env: PD_B }\n"                         \
	"  - { name: env-c, company_domain: c, token_env: PD_A }\n"                         \
	"  - { name: file-a, company_domain: d, token_file: tokens/a }\n"                   \
	"  - { name: file-b, company_domain: e, token_file: ./tokens//../tokens/a }\n"      \
	"  - { name: file-c, company_domain: f, token_file: link-to-a }\n"                  \
	"  - { name: file-d, company_domain: g, token_file: tokens/b }\n"                   \
	"  - { name: new-a, company_domain: h, token_file: later/x }\n"                     \
	"  - { name: new-b, company_domain: i, token_file: later/../later/x }\n"            \
	"  - { name: cmd-a, company_domain: j, token_command: [vault, get, a] }\n"          \
	"  - { name: cmd-b, company_domain: k, token_command: [vault, get, b] }\n"          \
	"  - { name: cmd-c, company_domain: l, token_command: [vault, get, a] }\n"          \
	"  - { name: cmd-d, company_domain: m, token_command: [vault, \"get a\"] }\n"

/* A directory with fleet.yaml (SAME_TOKENS), pdhooks.yaml, tokens/a, tokens/b and link-to-a
 * (a symbolic link to tokens/a). Caller frees. */
static char *S_same_tokens_dir(void)
{
	char *dir = pdh_t_tmpdir(), *p;

	p = pdh_xasprintf("%s/tokens", dir);
	cr_assert_eq(mkdir(p, 0700), 0);
	free(p);
	p = pdh_xasprintf("%s/tokens/a", dir);
	pdh_t_write_file(p, "tok-a\n");
	chmod(p, 0600);
	free(p);
	p = pdh_xasprintf("%s/tokens/b", dir);
	pdh_t_write_file(p, "tok-b\n");
	chmod(p, 0600);
	free(p);
	p = pdh_xasprintf("%s/link-to-a", dir);
	cr_assert_eq(symlink("tokens/a", p), 0);
	free(p);
	p = pdh_xasprintf("%s/pdhooks.yaml", dir);
	pdh_t_write_file(p, "pdhooks: 1\nwebhooks: []\n");
	free(p);
	p = pdh_xasprintf("%s/fleet.yaml", dir);
	pdh_t_write_file(p, SAME_TOKENS);
	free(p);
	return dir;
}

static const char *const S_same_token_warnings[] = {
	"fleet.yaml:6:39: warning: accounts 'env-c' and 'env-a' (line 4, column 39) have the "
	"same token_env PD_A: a token is one company's, so both would plan and apply to the same "
	"company",
	"fleet.yaml:8:40: warning: accounts 'file-b' and 'file-a' (line 7, column 40) have the "
	"same token file (",
	"fleet.yaml:9:40: warning: accounts 'file-c' and 'file-a' (line 7, column 40) have the "
	"same token file (",
	"fleet.yaml:12:39: warning: accounts 'new-b' and 'new-a' (line 11, column 39) have the "
	"same token file (",
	"fleet.yaml:15:39: warning: accounts 'cmd-c' and 'cmd-a' (line 13, column 39) have the "
	"same token_command: a token is one company's",
	NULL
};

/* DIR/fleet.yaml (dir: freed here) loads with n warnings, each of want (NULL-terminated) in
 * them, and none naming an account of quiet (NULL-terminated, quoted as warnings quote). */
static void S_warnings(char *dir, size_t n, const char *const want[],
                       const char *const quiet[])
{
	char *path = pdh_xasprintf("%s/fleet.yaml", dir);
	char *data = pdh_t_read_file(path, NULL), *text;
	pdh_diags diags;
	pdh_error err = { 0 };
	pdh_fleet *f = NULL;

	pdh_diags_init(&diags, "fleet.yaml");
	cr_assert_eq(pdh_fleet_load_file(&f, path, &diags, &err), 0);
	text = pdh_diags_render(&diags, data, strlen(data), false, false);
	cr_expect_eq(diags.n_warnings, n, "%s", text);
	for (size_t i = 0; want[i]; i++)
		cr_expect_not_null(strstr(text, want[i]), "%s\n--- in ---\n%s", want[i], text);
	for (size_t i = 0; quiet[i]; i++)
		cr_expect_null(strstr(text, quiet[i]), "%s", text);
	pdh_fleet_free(f);
	pdh_diags_dispose(&diags);
	PDH_FREE_ALL(text, data, path, dir);
}

Test(fleet_file, same_token_sources_are_a_warning_naming_both_accounts)
{
	S_warnings(S_same_tokens_dir(), 5, S_same_token_warnings,
	           (const char *const[]){ "'env-b'", "'file-d'", "'cmd-b'", "'cmd-d'", NULL });
}

Test(fleet_file, same_token_sources_are_in_validates_output)
{
	char *dir = S_same_tokens_dir(), *path = pdh_xasprintf("%s/fleet.yaml", dir);
	pdh_t_run r;

	pdh_t_pdhooks(&r, NULL, NULL, "validate", "--fleet", path, "--no-env", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	for (size_t i = 0; S_same_token_warnings[i]; i++)
		cr_expect_not_null(strstr(r.err, S_same_token_warnings[i] + strlen("fleet.yaml")),
		                   "%s\n--- in ---\n%s", S_same_token_warnings[i], r.err);
	cr_expect_not_null(strstr(r.out, "13 of 13 selected accounts valid"), "%s", r.out);
	pdh_t_run_dispose(&r);
	PDH_FREE_ALL(path, dir);
}

/* oauth_refresh accounts naming one token file, however it is spelled (relative to the fleet
 * file, another path, a symbolic link, a file not made yet): a warning at the second
 * account's oauth_refresh, as for token sources. A token_file account naming that file is
 * another kind of source, and another token file is another install. */
#define REFRESH(name, file)                                                                \
	"  - name: " name "\n    oauth_refresh: { client_id_env: PD_ID, client_secret_env: "   \
	"PD_SECRET, token_file: " file ", token_url: 'http://127.0.0.1:9/oauth/token' }\n"
#define SAME_REFRESH                                                                        \
	"pdhooks_fleet: 1\n"                                                                \
	"desired: pdhooks.yaml\n"                                                           \
	"accounts:\n"                                                                       \
	REFRESH("r-a", "tokens/a.json")                                                     \
	REFRESH("r-b", "./tokens//../tokens/a.json")                                        \
	REFRESH("r-c", "link-to-a.json")                                                    \
	REFRESH("r-d", "tokens/b.json")                                                     \
	REFRESH("r-e", "later/x.json")                                                      \
	REFRESH("r-f", "later/../later/x.json")                                             \
	"  - { name: plain, company_domain: p, token_file: tokens/a.json }\n"

/* A directory with fleet.yaml (SAME_REFRESH), pdhooks.yaml, tokens/a.json, tokens/b.json and
 * link-to-a.json (a symbolic link to tokens/a.json). Caller frees. */
static char *S_same_refresh_dir(void)
{
	char *dir = pdh_t_tmpdir(), *p;
	const char *files[][2] = { { "tokens/a.json", "{\"refresh_token\": \"rt-a\"}\n" },
	                           { "tokens/b.json", "{\"refresh_token\": \"rt-b\"}\n" },
	                           { "pdhooks.yaml", "pdhooks: 1\nwebhooks: []\n" },
	                           { "fleet.yaml", SAME_REFRESH } };

	p = pdh_xasprintf("%s/tokens", dir);
	cr_assert_eq(mkdir(p, 0700), 0);
	free(p);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = pdh_xasprintf("%s/%s", dir, files[i][0]);
		pdh_t_write_file(p, files[i][1]);
		chmod(p, 0600);
		free(p);
	}
	p = pdh_xasprintf("%s/link-to-a.json", dir);
	cr_assert_eq(symlink("tokens/a.json", p), 0);
	free(p);
	return dir;
}

#define SAME_REFRESH_WHY                                                                   \
	": refreshing one install's refresh token from two accounts can lock one of them out, " \
	"and both would plan and apply to the same company"

static const char *const S_same_refresh_warnings[] = {
	"fleet.yaml:7:5: warning: accounts 'r-b' and 'r-a' (line 5, column 5) have the same "
	"oauth_refresh token_file (",
	"fleet.yaml:9:5: warning: accounts 'r-c' and 'r-a' (line 5, column 5) have the same "
	"oauth_refresh token_file (",
	"fleet.yaml:15:5: warning: accounts 'r-f' and 'r-e' (line 13, column 5) have the same "
	"oauth_refresh token_file (",
	SAME_REFRESH_WHY,
	NULL
};

Test(fleet_file, refresh_accounts_on_one_token_file_are_a_warning_naming_both)
{
	S_warnings(S_same_refresh_dir(), 3, S_same_refresh_warnings,
	           (const char *const[]){ "'r-d'", "'plain'", NULL });
}

Test(fleet_file, refresh_accounts_on_one_token_file_warn_in_validate_plan_and_apply)
{
	char *dir = S_same_refresh_dir(), *path = pdh_xasprintf("%s/fleet.yaml", dir);
	const char *const commands[] = { "validate", "plan", "apply" };
	char *env[] = { "PD_ID=", "PD_SECRET=", NULL };
	pdh_t_run r;

	for (size_t c = 0; c < 3; c++) {
		if (c == 0)
			pdh_t_pdhooks(&r, env, NULL, "validate", "--fleet", path, "--no-env", NULL);
		else
			pdh_t_pdhooks(&r, env, NULL, commands[c], "--fleet", path, "--account", "r-d",
			              c == 2 ? "--auto-approve" : NULL, NULL);
		if (c == 0)
			cr_expect_eq(r.status, 0, "%s", r.err);
		for (size_t i = 0; S_same_refresh_warnings[i]; i++)
			cr_expect_not_null(strstr(r.err, S_same_refresh_warnings[i] + (i < 3 ?
			                   strlen("fleet.yaml") : 0)), "%s: %s\n--- in ---\n%s",
			                   commands[c], S_same_refresh_warnings[i], r.err);
		pdh_t_run_dispose(&r);
	}
	PDH_FREE_ALL(path, dir);
}
