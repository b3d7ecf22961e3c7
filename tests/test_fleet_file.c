/* The fleet file loader. Each testdata/fleet/bad/NAME.yaml fails to load with exactly the
 * diagnostics in NAME.yaml.expected beside it (PDH_REGEN=1 rewrites them, for review in the
 * diff); testdata/fleet/good/ loads. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "each_file.h"
#include "pdhooks/alloc.h"
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
	char *want_path = pdh_xasprintf("%s.expected", path);
	char *got, *want;
	int rc;

	(void)stem;
	(void)ctx;
	got = S_diags_of(path, &rc);
	cr_expect_eq(rc, PDH_EFILE, "%s loads", name);
	if (getenv("PDH_REGEN"))
		pdh_t_write_file(want_path, got);
	want = pdh_t_read_file(want_path, NULL);
	cr_expect_not_null(want, "%s: no %s", name, want_path);
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
