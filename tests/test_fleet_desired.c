/* A fleet's accounts share their desired file's reading and parsing, never its rendering: each
 * account's webhooks are its own ${VAR} values (its vars first, then the environment), and an
 * account with another desired file gets that file. One pdhooks-fake per company
 * (tests/support/world.h). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "testutil.h"
#include "world.h"

#define S_N 7

static pdh_t_fleet W;

static void S_setup(void)
{
	pdh_t_fleet_setup(&W, S_N, NULL, "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	                  "    event_object: deal\n"
	                  "    subscription_url: https://hooks.example.com/${TENANT}/deals\n");
}

static void S_teardown(void)
{
	pdh_t_fleet_teardown(&W);
}

TestSuite(fleet_desired, .init = S_setup, .fini = S_teardown, .timeout = 120);

/* The fleet's environment plus kv. */
static void S_env(char *env[], const char *kv)
{
	size_t k = 0;

	for (; W.env[k]; k++)
		env[k] = W.env[k];
	env[k++] = (char *)kv;
	env[k] = NULL;
}

/* Company i holds exactly one webhook, at url. */
static void S_expect_one_hook(size_t i, const char *url)
{
	char *state = pdh_t_fake_state(W.fakes[i]), *want = pdh_xasprintf("\"%s\"", url);

	cr_expect_eq(pdh_t_count(state, "\"subscription_url\""), 1, "company %zu: %s", i, state);
	cr_expect(strstr(state, want) != NULL, "company %zu should hold %s: %s", i, url, state);
	free(want);
	free(state);
}

Test(fleet_desired, each_account_renders_the_shared_file_with_its_own_vars)
{
	char *other = pdh_xasprintf("%s/other.yaml", W.dir), *env[PDH_T_FLEET_MAX + 8];
	char *acc[] = {
		pdh_t_fleet_account(&W, "alpha", 0, "vars: { TENANT: alpha }"),
		pdh_t_fleet_account(&W, "beta", 1, "vars: { TENANT: beta }"),
		pdh_t_fleet_account(&W, "env-one", 2, NULL),
		pdh_t_fleet_account(&W, "env-two", 3, NULL),
		pdh_t_fleet_account(&W, "override", 4, "vars: { TENANT: delta }"),
		pdh_t_fleet_account(&W, "other", 5, "desired: other.yaml\nvars: { ONLY: gamma }"),
		pdh_t_fleet_account(&W, "other-unset", 6, "desired: other.yaml"),
		NULL };
	pdh_t_run r;

	pdh_t_write_file(other, "pdhooks: 1\nwebhooks:\n  - event_action: change\n"
	                        "    event_object: person\n"
	                        "    subscription_url: https://hooks.example.com/${ONLY}/other\n");
	pdh_t_fleet_write(&W, acc);
	S_env(env, "TENANT=fromenv");
	pdh_t_pdhooks(&r, env, NULL, "apply", "--fleet", W.fleet, "--auto-approve",
	              "--concurrency", "7", NULL);
	/* other-unset has no ONLY: its file does not load, with the file's line and column. */
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.err, "other.yaml:5:") != NULL && strstr(r.err, "ONLY") != NULL,
	          "the error names the file's line and the variable: %s", r.err);
	S_expect_one_hook(0, "https://hooks.example.com/alpha/deals");
	S_expect_one_hook(1, "https://hooks.example.com/beta/deals");
	S_expect_one_hook(2, "https://hooks.example.com/fromenv/deals");
	S_expect_one_hook(3, "https://hooks.example.com/fromenv/deals");
	S_expect_one_hook(4, "https://hooks.example.com/delta/deals");
	S_expect_one_hook(5, "https://hooks.example.com/gamma/other");
	{
		char *state = pdh_t_fake_state(W.fakes[6]);

		cr_expect_eq(pdh_t_count(state, "\"subscription_url\""), 0, "%s", state);
		free(state);
	}
	pdh_t_run_dispose(&r);
	/* Planned again: every account in sync with its own file and its own values. */
	pdh_t_pdhooks(&r, env, NULL, "plan", "--fleet", W.fleet, "--format", "json", NULL);
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	{
		json_t *j = json_loads(r.out, 0, NULL), *accounts = json_object_get(j, "accounts");

		cr_assert_eq(json_array_size(accounts), S_N, "%s", r.out);
		for (size_t i = 0; i + 1 < S_N; i++)
			cr_expect_str_eq(json_string_value(json_object_get(json_array_get(accounts, i),
			                                                   "outcome")), "in_sync",
			                 "account %zu: %s", i, r.out);
		json_decref(j);
	}
	pdh_t_run_dispose(&r);
	free(other);
}

/* ---- the shared reading itself, from C ---- */

static const char *S_var(const char *name, void *ctx)
{
	return strcmp(name, "TENANT") == 0 ? ctx : NULL;
}

/* Loads path both ways with TENANT=tenant in vars: the same result, desired set (as far as
 * the URL and digest go) and diagnostics rendered. The shared load's URL (caller frees), or
 * NULL when it did not load. */
static char *S_both_ways(const pdh_desired_shared *s, const char *path, const char *tenant)
{
	pdh_load_opts opts = { NULL, NULL, S_var, (void *)tenant, false };
	pdh_desired *d[2] = { NULL, NULL };
	pdh_diags diags[2];
	pdh_error err[2] = { { 0 }, { 0 } };
	char *data, *text[2], *url = NULL;
	size_t len, slen;
	int rc[2];

	cr_assert_eq(pdh_desired_read_file(&data, &len, path, &(pdh_diags){ 0 }, &err[0]), 0);
	cr_assert_str_eq(pdh_desired_shared_bytes(s, &slen), data);
	cr_assert_eq(slen, len);
	for (int i = 0; i < 2; i++) {
		pdh_diags_init(&diags[i], path);
		rc[i] = i == 0 ? pdh_desired_load_buffer(&d[i], path, data, len, &opts, &diags[i], &err[i])
		               : pdh_desired_load_shared(&d[i], path, s, &opts, &diags[i], &err[i]);
		text[i] = pdh_diags_render(&diags[i], data, len, false, false);
	}
	cr_expect_eq(rc[1], rc[0]);
	cr_expect_str_eq(text[1], text[0]);
	cr_expect_str_eq(err[1].message, err[0].message);
	cr_expect_eq(d[1] == NULL, d[0] == NULL);
	if (d[0] && d[1]) {
		cr_expect_str_eq(d[1]->sha256, d[0]->sha256);
		cr_assert_eq(d[1]->n_webhooks, d[0]->n_webhooks);
		cr_assert_gt(d[1]->n_webhooks, 0);
		cr_expect_str_eq(d[1]->webhooks[0].subscription_url, d[0]->webhooks[0].subscription_url);
		url = pdh_xstrdup(d[1]->webhooks[0].subscription_url);
	}
	for (int i = 0; i < 2; i++) {
		pdh_desired_free(d[i]);
		pdh_diags_dispose(&diags[i]);
		free(text[i]);
	}
	free(data);
	return url;
}

Test(desired_shared, one_parse_renders_each_load_with_its_own_vars)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/d.yaml", dir), *a, *b;
	pdh_desired_shared *s;

	pdh_t_write_file(path, "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	                       "    event_object: deal\n"
	                       "    subscription_url: https://hooks.example.com/${TENANT}/deals\n"
	                       "    colour: red\n");
	s = pdh_desired_shared_read(path);
	cr_assert_not_null(s, "a file whose errors are its checks' is shared");
	a = S_both_ways(s, path, "alpha");
	cr_expect_null(a, "colour is no key: the error, as the loader gives it");
	pdh_desired_shared_free(s);
	pdh_t_write_file(path, "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	                       "    event_object: deal\n"
	                       "    subscription_url: https://hooks.example.com/${TENANT}/deals\n");
	s = pdh_desired_shared_read(path);
	cr_assert_not_null(s);
	a = S_both_ways(s, path, "alpha");
	b = S_both_ways(s, path, "beta");
	cr_expect_str_eq(a, "https://hooks.example.com/alpha/deals");
	cr_expect_str_eq(b, "https://hooks.example.com/beta/deals");
	free(a);
	free(b);
	pdh_desired_shared_free(s);
	free(path);
	free(dir);
}

/* What the reading or the parse reports is not shared: each load reports it itself. */
Test(desired_shared, a_file_with_a_word_from_its_parse_is_not_shared)
{
	static const char *const files[] = {
		"pdhooks: 1\nwebhooks: !!seq []\n",                 /* a tag */
		"pdhooks: 1\nwebhooks:\n\t- x\n",                   /* a tab */
		"pdhooks: 1\nname: \xff\n",                         /* not UTF-8 */
		"pdhooks: 1\na: &x 1\nb: *x\n",                     /* an alias */
		NULL };
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/d.yaml", dir);

	cr_expect_null(pdh_desired_shared_read(path), "no file");
	for (size_t i = 0; files[i]; i++) {
		pdh_t_write_file(path, files[i]);
		cr_expect_null(pdh_desired_shared_read(path), "%s", files[i]);
	}
	free(path);
	free(dir);
}
