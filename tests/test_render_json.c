#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdhooks/buf.h"
#include "pdhooks/live.h"
#include "pdhooks/planfile.h"
#include "pdhooks/render_json.h"
#include "pdhooks/secrets.h"
#include "pdhooks/sha256.h"
#include "plan/plan_json.h"
#include "sampleplan.h"
#include "pdhooks/alloc.h"
#include "testutil.h"

static json_t *S_render(const pdh_t_sample *s, char **text_out)
{
	char *text = pdh_render_json(s->plan, s->desired, s->live, NULL);
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);

	cr_assert_not_null(doc, "not JSON: %s\n%s", je.text, text);
	if (text_out)
		*text_out = text;
	else
		free(text);
	return doc;
}

Test(render_json, document_follows_the_schema)
{
	pdh_t_sample s;
	char *text;
	pdh_t_sample_plan(&s);
	json_decref(S_render(&s, &text));
	cr_expect_eq(pdh_t_validate_plan_json(text), 0);
	free(text);
}

Test(render_json, validator_rejects_a_document_without_summary)
{
	pdh_t_sample s;
	json_t *doc;
	char *text;
	pdh_t_sample_plan(&s);
	doc = S_render(&s, NULL);
	json_object_del(doc, "summary");
	text = json_dumps(doc, 0);
	cr_expect_eq(pdh_t_validate_plan_json(text), 1);
	free(text);
	json_decref(doc);
}

Test(render_json, summary_counts_and_brake)
{
	pdh_t_sample s;
	json_t *doc, *sum;
	pdh_t_sample_plan(&s);
	s.plan->brake = true;
	s.plan->brake_reason = "the plan deletes 11 webhooks, more than max_deletes 10";
	doc = S_render(&s, NULL);
	sum = json_object_get(doc, "summary");
	cr_expect_eq(json_integer_value(json_object_get(doc, "format_version")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "desired_sha256")), s.desired->sha256);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "desired_file")), "pdhooks.yaml");
	cr_expect_eq(json_integer_value(json_object_get(sum, "create")), 1);
	cr_expect_eq(json_integer_value(json_object_get(sum, "replace")), 1);
	cr_expect_eq(json_integer_value(json_object_get(sum, "delete")), 1);
	cr_expect_eq(json_integer_value(json_object_get(sum, "unchanged")), 1);
	cr_expect_eq(json_integer_value(json_object_get(sum, "foreign")), 1);
	cr_expect_eq(json_integer_value(json_object_get(sum, "unmanaged")), 1);
	cr_expect(json_is_true(json_object_get(sum, "changes_pending")));
	cr_expect(json_is_true(json_object_get(sum, "brake")));
	cr_expect_str_eq(json_string_value(json_object_get(sum, "brake_reason")), s.plan->brake_reason);
	json_decref(doc);
}

Test(render_json, empty_plan_has_no_changes_pending)
{
	pdh_t_sample s;
	json_t *doc;
	pdh_t_sample_plan(&s);
	s.plan->n_actions = 0;
	s.plan->n_create = s.plan->n_replace = s.plan->n_delete = 0;
	doc = S_render(&s, NULL);
	cr_expect(json_is_false(json_object_get(json_object_get(doc, "summary"), "changes_pending")));
	cr_expect(json_is_null(json_object_get(json_object_get(doc, "summary"), "brake_reason")));
	cr_expect_eq(json_array_size(json_object_get(doc, "actions")), 0);
	json_decref(doc);
}

Test(render_json, actions_carry_before_after_and_live_id)
{
	pdh_t_sample s;
	json_t *doc, *acts, *create, *replace, *del;
	pdh_t_sample_plan(&s);
	doc = S_render(&s, NULL);
	acts = json_object_get(doc, "actions");
	cr_assert_eq(json_array_size(acts), 3);
	create = json_array_get(acts, 0);
	replace = json_array_get(acts, 1);
	del = json_array_get(acts, 2);
	cr_expect_str_eq(json_string_value(json_object_get(create, "action")), "create");
	cr_expect_str_eq(json_string_value(json_object_get(create, "reason")), "missing");
	cr_expect(json_is_null(json_object_get(create, "live_id")));
	cr_expect(json_is_null(json_object_get(create, "before")));
	cr_expect(json_is_true(json_object_get(json_object_get(create, "after"), "name_derived")));
	cr_expect_str_eq(json_string_value(json_object_get(replace, "action")), "replace");
	cr_expect_eq(json_integer_value(json_object_get(replace, "live_id")), 2);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(replace, "before"), "user_id")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(replace, "after"), "user_id")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(replace, "after"),
	                                                   "http_auth_password")), "set");
	cr_expect(json_is_true(json_object_get(replace, "http_auth_password_changed")));
	cr_expect(json_is_false(json_object_get(create, "http_auth_password_changed")));
	cr_expect_str_eq(json_string_value(json_object_get(del, "action")), "delete");
	cr_expect_eq(json_integer_value(json_object_get(del, "live_id")), 3);
	cr_expect(json_is_null(json_object_get(del, "after")));
	cr_expect(json_is_false(json_object_get(json_object_get(del, "before"), "is_active")));
	json_decref(doc);
}

Test(render_json, lists_unchanged_foreign_unmanaged_notes_warnings)
{
	pdh_t_sample s;
	json_t *doc;
	pdh_t_sample_plan(&s);
	doc = S_render(&s, NULL);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(doc, "unchanged"), 0), "id")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(doc, "foreign"), 0), "type")), "application");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(doc, "unmanaged"), 0), "http_auth_password")), "masked");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(doc, "notes"), 0)), s.plan->notes[0]);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(doc, "warnings"), 0)), s.plan->warnings[0]);
	json_decref(doc);
}

Test(render_json, no_secret_value_even_when_the_change_text_has_one)
{
	pdh_t_sample s;
	char *text;
	json_t *change;
	pdh_t_sample_plan(&s);
	/* A change marked sensitive whose display text is the secret: it must not get out. */
	s.plan->actions[1].changes[1].before = PDH_T_LIVE_PASSWORD;
	s.plan->actions[1].changes[1].after = PDH_T_DESIRED_PASSWORD;
	json_t *doc = S_render(&s, &text);
	cr_expect_null(strstr(text, PDH_T_DESIRED_PASSWORD));
	cr_expect_null(strstr(text, PDH_T_LIVE_PASSWORD));
	cr_expect_null(strstr(text, PDH_T_URL_SECRET), "URLs are redacted");
	change = json_array_get(json_object_get(json_array_get(json_object_get(doc, "actions"), 1), "changes"), 1);
	cr_expect(json_is_true(json_object_get(change, "sensitive")));
	cr_expect(json_is_null(json_object_get(change, "before")));
	free(text);
	json_decref(doc);
}

Test(render_json, warnings_start_with_the_desired_files)
{
	pdh_t_sample s;
	pdh_diags diags;
	json_t *doc, *w;
	char *text;
	pdh_t_sample_plan(&s);
	pdh_diags_init(&diags, "pdhooks.yaml");
	pdh_diags_add(&diags, PDH_DIAG_WARNING, 3, 5, "unknown event_object 'project'");
	pdh_diags_add(&diags, PDH_DIAG_ERROR, 9, 1, "an error is not a warning");
	pdh_diags_add(&diags, PDH_DIAG_WARNING, 0, 0, "the whole file");
	text = pdh_render_json(s.plan, s.desired, s.live, &diags);
	doc = json_loads(text, 0, NULL);
	w = json_object_get(doc, "warnings");
	cr_assert_eq(json_array_size(w), 3, "%s", text);
	cr_expect_str_eq(json_string_value(json_array_get(w, 0)),
	                 "pdhooks.yaml:3:5: unknown event_object 'project'");
	cr_expect_str_eq(json_string_value(json_array_get(w, 1)), "pdhooks.yaml: the whole file");
	cr_expect_str_eq(json_string_value(json_array_get(w, 2)), s.plan->warnings[0]);
	cr_expect_eq(pdh_t_validate_plan_json(text), 0);
	json_decref(doc);
	free(text);
	pdh_diags_dispose(&diags);
}

Test(render_json, bytes_that_are_not_utf8_still_give_json)
{
	pdh_t_sample s;
	json_t *doc;
	pdh_t_sample_plan(&s);
	s.live->items[0].name = "bad \xff\xfe name \xe2\x82";
	doc = S_render(&s, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(doc, "unchanged"), 0), "name")),
	                 "bad \xef\xbf\xbd\xef\xbf\xbd name \xef\xbf\xbd\xef\xbf\xbd");
	json_decref(doc);
}

static void S_fp(char out[65], pdh_t_sample *s)
{
	pdh_live_fingerprint(out, s->live, s->plan);
	cr_assert_eq(strlen(out), 64);
}

/* The fingerprint of the sample plan's listing before and after mutate(): equal or not. */
static void S_expect_fp(void (*mutate)(pdh_t_sample *), bool changes)
{
	pdh_t_sample s;
	char a[65], b[65];

	pdh_t_sample_plan(&s);
	S_fp(a, &s);
	mutate(&s);
	S_fp(b, &s);
	if (changes)
		cr_expect_str_neq(a, b);
	else
		cr_expect_str_eq(a, b);
}

static void S_change_user(pdh_t_sample *s)
{
	s->live->items[0].user_id = 99;
}

static void S_drop_owned(pdh_t_sample *s)
{
	s->live->n = 3; /* ids 4 (foreign) and 5 gone */
	s->plan->n_foreign = 0;
}

static void S_change_foreign(pdh_t_sample *s)
{
	s->live->items[3].name = "renamed by the app";
	s->live->items[3].subscription_url = "https://app.example.org/y";
}

Test(live_fingerprint, changes_with_an_owned_attribute)
{
	S_expect_fp(S_change_user, true);
}

Test(live_fingerprint, changes_when_an_owned_webhook_goes)
{
	S_expect_fp(S_drop_owned, true);
}

Test(live_fingerprint, ignores_foreign_webhooks)
{
	S_expect_fp(S_change_foreign, false);
}

Test(live_fingerprint, ignores_order_times_owners_and_password_values_not_their_state)
{
	pdh_t_sample s;
	pdh_live_webhook tmp;
	char a[65], b[65], c[65];
	pdh_t_sample_plan(&s);
	S_fp(a, &s);
	tmp = s.live->items[0];
	s.live->items[0] = s.live->items[4];
	s.live->items[4] = tmp;
	s.live->items[1].http_auth_password = "another value";
	s.live->items[2].add_time = "2030-01-01 00:00:00";
	s.live->items[2].has_owner_id = true;
	S_fp(b, &s);
	cr_expect_str_eq(a, b);
	s.live->items[1].password_state = PDH_SECRET_NONE;
	S_fp(c, &s);
	cr_expect_str_neq(a, c);
}

/* The fingerprint as the compact JSON array of pdh_plan_json_live's objects (scrubbed, less
 * owner_id and add_time), in id order, hashed: the text saved plans were made with. */
static void S_fp_by_json(char out[65], const pdh_live *live, const pdh_secrets *secrets)
{
	json_t *arr = json_array();
	char *text;

	for (long long id = 1; id <= 5; id++)
		for (size_t i = 0; i < live->n; i++) {
			json_t *item;

			if (live->items[i].id != id)
				continue;
			item = pdh_plan_json_live(&live->items[i]);
			pdh_json_scrub(item, secrets);
			json_object_del(item, "owner_id");
			json_object_del(item, "add_time");
			json_array_append_new(arr, item);
		}
	text = json_dumps(arr, JSON_COMPACT);
	cr_assert_not_null(text);
	pdh_sha256_hex(text, strlen(text), out);
	free(text);
	json_decref(arr);
}

/* Written without the tree, the text hashed is still byte for byte the JSON one: escapes,
 * other UTF-8, bytes that are not UTF-8, nulls, secrets scrubbed (into plain text and into
 * text that needs escapes), a secret that is a password state. */
Test(live_fingerprint, is_the_digest_of_the_json_of_the_owned_webhooks)
{
	pdh_t_sample s;
	pdh_secrets *secrets = pdh_secrets_new();
	pdh_plan plan;
	char got[65], want[65];

	pdh_t_sample_plan(&s);
	plan = *s.plan;
	plan.n_foreign = 0;
	plan.secrets = secrets;
	s.live->items[0].name = "tab \t nl \n";
	s.live->items[0].http_auth_user = "ctl \x01";
	s.live->items[3].name = "del \x7f";
	s.live->items[4].name = "quote \" slash /";
	s.live->items[4].http_auth_user = "back \\ slash /";
	s.live->items[1].name = "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80";
	s.live->items[2].name = "bad \xff\xfe name \xe2\x82";
	s.live->items[2].type = NULL;
	s.live->items[2].version = NULL;
	s.live->items[3].http_auth_user = "user-tok3n";
	s.live->items[3].has_user_id = false;
	s.live->items[4].subscription_url = "https://hooks.example.com/x?key=tok3n&a=b/c";
	s.live->items[4].is_active = false;
	s.live->items[0].add_time = "2030-01-01 00:00:00";
	s.live->items[0].has_owner_id = true;
	s.live->items[0].owner_id = 7;
	S_fp_by_json(want, s.live, NULL);
	pdh_live_fingerprint(got, s.live, &plan);
	cr_expect_str_eq(got, want, "without secrets");
	pdh_secrets_add(secrets, "tok3n", "${TOKEN}");
	pdh_secrets_add(secrets, "name", "${N\"Q}");
	pdh_secrets_add(secrets, "masked", "${STATE}");
	s.live->items[1].password_state = PDH_SECRET_MASKED;
	S_fp_by_json(want, s.live, secrets);
	pdh_live_fingerprint(got, s.live, &plan);
	cr_expect_str_eq(got, want, "with secrets");
	pdh_secrets_free(secrets);
}

/* ---- every reconciliation case of testdata/plan, planned in-process ---- */

static const char *const S_case_env_table[] = { "PD_HOOK_PASSWORD=s3cret-hook",
	                                         "OTHER_PASSWORD=other-s3cret", NULL };

/* The counts of the summary line of a case's expected.txt, in the JSON summary's order. */
static void S_expected_counts(const char *text, long long want[6])
{
	static const char *const what[] = { "unchanged", "foreign", "unmanaged" };
	const char *line = strstr(text, "\nPlan: ");
	const char *rest;
	int n;

	memset(want, 0, 6 * sizeof(*want));
	if (line) {
		cr_assert_eq(sscanf(line, "\nPlan: %lld to create, %lld to replace, %lld to delete;%n",
		                    &want[0], &want[1], &want[2], &n), 3, "%s", line);
		rest = line + n;
	} else {
		rest = strstr(text, "No changes. ");
		cr_assert_not_null(rest, "no summary line in %s", text);
	}
	for (int i = 0; i < 3; i++) {
		const char *p = strstr(rest, what[i]);
		const char *q = p;
		if (p == NULL)
			continue;
		while (q > rest && q[-1] == ' ')
			q--;
		while (q > rest && q[-1] >= '0' && q[-1] <= '9')
			q--;
		want[3 + i] = strtoll(q, NULL, 10);
	}
}

Test(render_json, every_testdata_plan_case_renders_a_valid_document, .timeout = 60)
{
	static const char *const keys[] = { "create", "replace", "delete", "unchanged", "foreign",
	                                     "unmanaged" };
	pdh_load_opts env = { .getenv = pdh_t_env_table,
	                      .getenv_ctx = (void *)S_case_env_table };
	char *dir = pdh_t_testdata("plan"), *out_dir = pdh_t_tmpdir();
	const char *src = getenv("PDH_SOURCE_DIR");
	DIR *dh = opendir(dir);
	struct dirent *de;
	pdh_buf args = PDH_BUF_INIT;
	size_t n = 0;

	cr_assert_not_null(dh, "cannot open %s", dir);
	cr_assert_not_null(src);
	while ((de = readdir(dh)) != NULL) {
		char *base, *path, *live_text, *expected, *json, *saved;
		pdh_desired *d = NULL;
		pdh_live *live = NULL;
		pdh_plan *plan = NULL;
		pdh_plan_opts po;
		pdh_diags diags;
		pdh_error err;
		json_t *doc, *sum;
		long long want[6];
		size_t len;

		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		base = pdh_xasprintf("%s/%s", dir, de->d_name);
		if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode)) {
			free(base);
			continue;
		}
		path = pdh_xasprintf("%s/desired.yaml", base);
		pdh_diags_init(&diags, path);
		cr_assert_eq(pdh_desired_load_file(&d, path, &env, &diags, &err), 0, "%s: %s",
		             de->d_name, err.message);
		free(path);
		path = pdh_xasprintf("%s/live.json", base);
		live_text = pdh_t_read_file(path, &len);
		cr_assert_not_null(live_text, "%s", path);
		cr_assert_eq(pdh_live_parse_listing(&live, live_text, len, &err), 0, "%s: %s",
		             de->d_name, err.message);
		free(path);
		path = pdh_xasprintf("%s/options", base);
		pdh_t_plan_options(path, &po);
		if (pdh_plan_compute(&plan, d, live, &po, &err) != 0) {
			/* A case whose plan is an error (expected.txt says "error: ...") has no
			 * document; test_plan checks its message. */
			free(path);
			path = pdh_xasprintf("%s/expected.txt", base);
			expected = pdh_t_read_file(path, NULL);
			cr_assert(expected && strncmp(expected, "error: ", 7) == 0, "%s: %s",
			          de->d_name, err.message);
			PDH_FREE_ALL(expected, live_text, path, base);
			pdh_live_free(live);
			pdh_desired_free(d);
			pdh_diags_dispose(&diags);
			continue;
		}
		json = pdh_render_json(plan, d, live, &diags);
		cr_assert_eq(pdh_planfile_format(&saved, plan, d, live, &po, "http://127.0.0.1:1/v1", NULL,
		                                 &err), 0, "%s: %s", de->d_name, err.message);
		cr_expect_null(strstr(json, "s3cret-hook"), "%s", de->d_name);
		cr_expect_null(strstr(saved, "s3cret-hook"), "%s", de->d_name);
		cr_expect_null(strstr(json, "other-s3cret"), "%s", de->d_name);
		cr_expect_null(strstr(saved, "other-s3cret"), "%s", de->d_name);

		free(path);
		path = pdh_xasprintf("%s/expected.txt", base);
		expected = pdh_t_read_file(path, NULL);
		cr_assert_not_null(expected, "%s", path);
		S_expected_counts(expected, want);
		doc = json_loads(json, 0, NULL);
		sum = json_object_get(doc, "summary");
		for (int i = 0; i < 6; i++)
			cr_expect_eq(json_integer_value(json_object_get(sum, keys[i])), want[i],
			             "%s: summary.%s", de->d_name, keys[i]);
		json_decref(doc);

		free(path);
		path = pdh_xasprintf("%s/%s.json", out_dir, de->d_name);
		pdh_t_write_file(path, json);
		pdh_buf_printf(&args, "%s\n", path);
		free(path);
		path = pdh_xasprintf("%s/%s.plan", out_dir, de->d_name);
		pdh_t_write_file(path, saved);
		pdh_buf_printf(&args, "%s\n", path);
		n++;

		free(path);
		free(expected);
		free(saved);
		free(json);
		free(live_text);
		pdh_plan_free(plan);
		pdh_live_free(live);
		pdh_desired_free(d);
		pdh_diags_dispose(&diags);
		free(base);
	}
	closedir(dh);
	cr_assert_gt(n, 40, "only %zu cases in %s", n, dir);
	{
		/* One validator run for all documents: python3 starts once. */
		char *script = pdh_xasprintf("%s/tests/validate_plan.py", src);
		char *schema = pdh_xasprintf("%s/schemas/plan.schema.json", src);
		char *cmd = pdh_xasprintf("xargs /usr/bin/python3 %s %s", script, schema);
		char *argv[] = { "/bin/sh", "-c", cmd, NULL };
		pdh_t_run r;
		pdh_t_run_argv(&r, argv, NULL, pdh_buf_cstr(&args));
		cr_expect_eq(r.status, 0, "%s", r.err);
		pdh_t_run_dispose(&r);
		free(cmd);
		free(schema);
		free(script);
	}
	{
		char *cmd = pdh_xasprintf("rm -rf '%s'", out_dir);
		cr_expect_eq(system(cmd), 0);
		free(cmd);
	}
	pdh_buf_dispose(&args);
	free(out_dir);
	free(dir);
}
