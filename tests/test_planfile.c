#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/planfile.h"
#include "pdhooks/sha256.h"
#include "sampleplan.h"
#include "testutil.h"

static const char *const S_env_table[] = { "PD_HOOK_PASSWORD=from-the-environment", "PW_A=A",
	                                    "HOOK_HOST=hooks.example.com", NULL };

static const char *S_env(const char *name, void *ctx)
{
	(void)ctx;
	return pdh_t_env_table(name, (void *)S_env_table);
}

static const pdh_load_opts S_env_opts = { .getenv = S_env };
static const pdh_plan_opts S_popts = { .max_deletes_set = true, .max_deletes = 7,
                                        .auth = PDH_AUTH_API_TOKEN };
#define S_API "http://127.0.0.1:9/v1"

static char *S_format(pdh_t_sample *s)
{
	pdh_error err;
	char *text = NULL;
	cr_assert_eq(pdh_planfile_format(&text, s->plan, s->desired, s->live, &S_popts, S_API, NULL,
	                                 &err), 0, "%s", err.message);
	return text;
}

static int S_parse(pdh_planfile **pf, const char *text, pdh_error *err)
{
	return pdh_planfile_parse(pf, "test.plan", text, strlen(text), err);
}

Test(planfile, round_trip_keeps_what_apply_needs)
{
	pdh_t_sample s;
	pdh_planfile *pf = NULL;
	pdh_error err;
	char *text;
	const pdh_desired *d;
	pdh_t_sample_plan(&s);
	text = S_format(&s);
	cr_assert_eq(S_parse(&pf, text, &err), 0, "%s", err.message);
	cr_expect_str_eq(pf->desired_path, "pdhooks.yaml");
	cr_expect_str_eq(pf->desired_sha256, s.desired->sha256);
	cr_expect_eq(strlen(pf->live_fingerprint), 64);
	cr_expect_eq(pf->opts.max_deletes, 7);
	cr_assert_eq(pf->n_actions, 3);
	cr_expect_eq(pf->actions[0].kind, PDH_ACTION_CREATE);
	cr_expect_eq(pf->actions[0].live_id, -1);
	cr_expect_eq(pf->actions[1].kind, PDH_ACTION_REPLACE);
	cr_expect_eq(pf->actions[1].live_id, 2);
	cr_expect_str_eq(pf->actions[2].key, s.plan->actions[2].key);
	d = pf->record;
	cr_expect(d->prune);
	cr_expect_eq(d->max_deletes, 10);
	cr_assert_eq(d->n_manage_urls, 1);
	cr_expect_str_eq(d->manage_urls[0], "https://hooks.example.com/");
	cr_assert_eq(d->n_webhooks, 3);
	for (size_t i = 0; i < 3; i++) {
		const pdh_desired_webhook *a = &s.desired->webhooks[i], *b = &d->webhooks[i];
		cr_expect_str_eq(b->name, a->name);
		cr_expect_eq(b->name_derived, a->name_derived);
		cr_expect_str_eq(b->event_action, a->event_action);
		cr_expect_str_eq(b->event_object, a->event_object);
		if (i != 1)
			cr_expect_str_eq(b->subscription_url, a->subscription_url);
		cr_expect_str_eq(b->version, a->version);
		cr_expect_eq(b->has_user_id, a->has_user_id);
		cr_expect_eq(b->user_id, a->user_id);
		cr_expect_eq(b->has_http_auth_user, a->has_http_auth_user);
		cr_expect_eq(b->has_http_auth_password, a->has_http_auth_password);
		cr_expect_eq(b->line, a->line);
	}
	cr_expect_str_eq(d->webhooks[1].http_auth_user, "pipedrive");
	cr_expect_str_eq(d->webhooks[1].http_auth_password_ref, "${PD_HOOK_PASSWORD}");
	cr_expect_null(d->webhooks[1].http_auth_password, "the record holds no password");
	cr_expect_str_eq(d->webhooks[1].subscription_url,
	                 "https://hooks.example.com/persons?token=***", "URLs are redacted");
	pdh_planfile_free(pf);
	free(text);
}

Test(planfile, holds_no_secret_and_follows_the_schema)
{
	pdh_t_sample s;
	char *text;
	pdh_t_sample_plan(&s);
	text = S_format(&s);
	cr_expect_null(strstr(text, PDH_T_DESIRED_PASSWORD));
	cr_expect_null(strstr(text, PDH_T_LIVE_PASSWORD));
	cr_expect_null(strstr(text, PDH_T_URL_SECRET));
	cr_expect_not_null(strstr(text, "\"http_auth_password_ref\": \"${PD_HOOK_PASSWORD}\""));
	cr_expect_eq(pdh_t_validate_plan_json(text), 0);
	free(text);
}

Test(planfile, refuses_to_save_a_password_that_is_not_a_reference)
{
	static const char *const refs[] = { "hunter2", "${PW:-hunter2}", "pre-${PW_A}", "${PW_A}x",
	                                    "$${PW_A}", "${}", "${1X}", "", NULL };
	for (size_t i = 0; refs[i]; i++) {
		pdh_t_sample s;
		pdh_error err;
		char *text = (char *)"untouched";
		pdh_t_sample_plan(&s);
		s.desired->webhooks[1].http_auth_password_ref = (char *)refs[i];
		cr_expect_eq(pdh_planfile_format(&text, s.plan, s.desired, s.live, NULL, S_API, NULL, &err),
		             PDH_EINVAL, "ref %s", refs[i]);
		cr_expect_null(text);
		cr_expect_not_null(strstr(err.message, "not only ${VAR} references"), "%s", err.message);
		if (*refs[i])
			cr_expect_null(strstr(err.message, refs[i]), "the text is not quoted: %s", err.message);
	}
}

Test(planfile, a_plain_json_plan_is_not_a_saved_one)
{
	pdh_t_sample s;
	pdh_planfile *pf = NULL;
	pdh_error err;
	char *text;
	json_t *doc;
	pdh_t_sample_plan(&s);
	text = S_format(&s);
	doc = json_loads(text, 0, NULL);
	json_object_del(doc, "saved");
	free(text);
	text = json_dumps(doc, 0);
	cr_expect_eq(S_parse(&pf, text, &err), PDH_EFILE);
	cr_expect_not_null(strstr(err.message, "not a saved one"), "%s", err.message);
	json_decref(doc);
	free(text);
}

/* Each edit of a valid saved plan (a JSON path and a replacement) must be refused. */
Test(planfile, refuses_every_malformed_member)
{
	static const struct { const char *path; const char *json; const char *msg; } edits[] = {
		{ "format_version", "2", "newer than this pdhooks reads (version 1)" },
		{ "format_version", "\"1\"", "wrong type" },
		{ "desired_sha256", "\"abc\"", "SHA-256" },
		{ "live_fingerprint", "\"ZZ\"", "SHA-256" },
		{ "actions", "{}", "wrong type" },
		{ "actions", "[1]", "not an object" },
		{ "actions", "[{\"action\":\"explode\",\"key\":\"k\",\"live_id\":1}]", "unknown action" },
		{ "actions", "[{\"action\":\"create\",\"key\":\"k\",\"live_id\":1}]", "live_id" },
		{ "actions", "[{\"action\":\"delete\",\"key\":\"k\",\"live_id\":null}]", "live_id" },
		{ "actions", "[{\"action\":\"delete\",\"key\":7,\"live_id\":3}]", "wrong type" },
		{ "summary", "[]", "wrong type" },
		{ "extra", "1", "unknown member" },
		{ "saved.extra", "1", "unknown member" },
		{ "saved.options", "{}", "max_deletes" },
		{ "saved.desired.prune", "\"yes\"", "wrong type" },
		{ "saved.desired.max_deletes", "99999999999", "out of range" },
		{ "saved.desired.manage_urls", "[1]", "not a string" },
		{ "saved.desired.webhooks", "[[]]", "not an object" },
		{ "saved.desired.webhooks", "[{\"name\":\"x\"}]", "no member" },
		{ "saved.desired.format_version", "0", "out of range" },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		pdh_t_sample s;
		pdh_planfile *pf = NULL;
		pdh_error err;
		char *text, *path = pdh_xstrdup(edits[i].path), *dot, *key = path;
		json_t *doc, *o;
		pdh_t_sample_plan(&s);
		text = S_format(&s);
		doc = json_loads(text, 0, NULL);
		free(text);
		o = doc;
		while ((dot = strchr(key, '.')) != NULL) {
			*dot = '\0';
			o = json_object_get(o, key);
			key = dot + 1;
		}
		json_object_set_new(o, key, json_loads(edits[i].json, JSON_DECODE_ANY, NULL));
		text = json_dumps(doc, 0);
		cr_expect_eq(S_parse(&pf, text, &err), PDH_EFILE, "edit %s", edits[i].path);
		cr_expect_null(pf);
		cr_expect_not_null(strstr(err.message, edits[i].msg), "edit %s: %s", edits[i].path,
		                   err.message);
		pdh_planfile_free(pf);
		json_decref(doc);
		free(text);
		free(path);
	}
}

Test(planfile, never_crashes_on_cut_or_garbled_bytes)
{
	pdh_t_sample s;
	char *text;
	size_t len;
	pdh_t_sample_plan(&s);
	text = S_format(&s);
	len = strlen(text);
	/* Every cut before the closing brace; cutting only the final newline leaves a valid
	 * document. */
	for (size_t cut = 0; cut + 1 < len; cut += 7) {
		pdh_planfile *pf = NULL;
		pdh_error err;
		cr_expect_eq(pdh_planfile_parse(&pf, "x", text, cut, &err), PDH_EFILE);
		cr_expect_null(pf);
	}
	for (size_t i = 0; i < len; i += 13) {
		pdh_planfile *pf = NULL;
		pdh_error err;
		char saved = text[i];
		text[i] = (char)(saved ^ 0x5a);
		if (pdh_planfile_parse(&pf, "x", text, len, &err) == 0)
			pdh_planfile_free(pf); /* a flip inside a free text can still be valid */
		else
			cr_expect_null(pf);
		text[i] = saved;
	}
	{
		pdh_planfile *pf = NULL;
		pdh_error err;
		cr_expect_eq(pdh_planfile_parse(&pf, "x", "\0\0\0", 3, &err), PDH_EFILE);
		cr_expect_eq(pdh_planfile_parse(&pf, "x", "[]", 2, &err), PDH_EFILE);
		cr_expect_eq(pdh_planfile_parse(&pf, "x", "{\"a\":1,\"a\":2}", 13, &err), PDH_EFILE);
	}
	free(text);
}

Test(planfile, deep_nesting_is_refused_not_a_crash)
{
	size_t depth = 100000;
	char *text = pdh_xmalloc(2 * depth + 1);
	pdh_planfile *pf = NULL;
	pdh_error err;
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[2 * depth] = '\0';
	cr_expect_eq(pdh_planfile_parse(&pf, "x", text, 2 * depth, &err), PDH_EFILE);
	free(text);
}

Test(planfile, save_writes_privately_and_gives_the_digest)
{
	pdh_t_sample s;
	pdh_planfile *pf = NULL;
	pdh_error err;
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/plan.json", dir), digest[65], *text,
	     *back, sha[65];
	size_t len;
	struct stat st;
	pdh_t_sample_plan(&s);
	text = S_format(&s);
	cr_assert_eq(pdh_planfile_save(path, text, digest, &err), 0, "%s", err.message);
	back = pdh_t_read_file(path, &len);
	cr_assert_not_null(back);
	cr_expect_str_eq(back, text);
	pdh_sha256_hex(back, len, sha);
	cr_expect_str_eq(digest, sha);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(pdh_planfile_load(&pf, path, &err), 0, "%s", err.message);
	cr_expect_str_eq(pf->digest, digest);
	pdh_planfile_free(pf);
	cr_expect_eq(pdh_planfile_save("/nonexistent-dir/plan.json", text, digest, &err), PDH_EIO);
	cr_expect_eq(pdh_planfile_load(&pf, "/nonexistent-dir/plan.json", &err), PDH_EIO);
	unlink(path);
	rmdir(dir);
	free(back);
	free(text);
	free(path);
	free(dir);
}

/* A desired file on disk, loaded by the real loader, saved with the sample's plan. */
typedef struct S_disk {
	char *dir, *path, *text;
	pdh_planfile *pf;
} S_disk;

static void S_disk_setup(S_disk *k, const char *yaml)
{
	pdh_t_sample s;
	pdh_desired *d = NULL;
	pdh_diags diags;
	pdh_error err;

	k->dir = pdh_t_tmpdir();
	k->path = pdh_xasprintf("%s/pdhooks.yaml", k->dir);
	pdh_t_write_file(k->path, yaml);
	pdh_diags_init(&diags, k->path);
	cr_assert_eq(pdh_desired_load_file(&d, k->path, &S_env_opts, &diags, &err), 0, "%s",
	             err.message);
	pdh_t_sample_plan(&s);
	cr_assert_eq(pdh_planfile_format(&k->text, s.plan, d, s.live, NULL, S_API, NULL, &err), 0, "%s",
	             err.message);
	cr_assert_eq(S_parse(&k->pf, k->text, &err), 0, "%s", err.message);
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
}

static void S_disk_teardown(S_disk *k)
{
	pdh_planfile_free(k->pf);
	free(k->text);
	pdh_t_remove(k->path);
	pdh_t_remove(k->dir);
}

/* pdh_planfile_load_desired with the environment env; the desired set is checked and freed. */
static int S_load_desired(S_disk *k, const pdh_load_opts *env, pdh_error *err, char **url)
{
	pdh_desired *d = NULL;
	pdh_diags diags;
	int rc;

	pdh_diags_init(&diags, k->path);
	rc = pdh_planfile_load_desired(&d, k->pf, env, &diags, NULL, NULL, err);
	cr_expect_eq(rc == 0, d != NULL);
	if (d && url)
		*url = pdh_xstrdup(d->webhooks[0].subscription_url);
	if (rc == PDH_EFILE) {
		char *text = pdh_diags_render(&diags, NULL, 0, true, false);
		snprintf(err->message, sizeof(err->message), "%s", text);
		free(text);
	}
	pdh_desired_free(d);
	pdh_diags_dispose(&diags);
	return rc;
}

#define SECRET_URL_YAML                                                         \
	"pdhooks: 1\n"                                                          \
	"webhooks:\n"                                                           \
	"  - name: in\n"                                                       \
	"    event_action: create\n"                                            \
	"    event_object: deal\n"                                              \
	"    subscription_url: https://${HOOK_HOST}/in?token=${PD_HOOK_PASSWORD}\n" \
	"    http_auth_password: ${PW_A}\n"

static const char *S_env_moved(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "HOOK_HOST") == 0 ? "moved.example.com" : S_env(name, NULL);
}

static const char *S_env_no_pw(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "PW_A") == 0 ? NULL : S_env(name, NULL);
}

Test(planfile, secrets_in_urls_stay_out_and_come_back_from_the_environment)
{
	S_disk k;
	pdh_error err;
	char *url = NULL;
	S_disk_setup(&k, SECRET_URL_YAML);
	cr_expect_null(strstr(k.text, "from-the-environment"), "no secret of the URL is saved");
	cr_expect_eq(S_load_desired(&k, &S_env_opts, &err, &url), 0, "%s", err.message);
	cr_expect_str_eq(url, "https://hooks.example.com/in?token=from-the-environment");
	free(url);
	S_disk_teardown(&k);
}

/* A value read from the environment is saved as its ${VAR} and read again at apply, as a
 * password is: the record does not change with it (the re-plan against the live listing is
 * what refuses a plan it no longer matches; see test_secrets_env). */
Test(planfile, an_environment_value_is_read_again_at_apply_as_a_password_is)
{
	S_disk k;
	pdh_error err;
	char *url = NULL;
	pdh_load_opts moved = { .getenv = S_env_moved };
	S_disk_setup(&k, SECRET_URL_YAML);
	cr_expect_null(strstr(k.text, "hooks.example.com"), "the host came from the environment");
	cr_expect_not_null(strstr(k.text, "https://${HOOK_HOST}/in?token=***"), "%s", k.text);
	cr_expect_eq(S_load_desired(&k, &moved, &err, &url), 0, "%s", err.message);
	cr_expect_str_eq(url, "https://moved.example.com/in?token=from-the-environment");
	free(url);
	S_disk_teardown(&k);
}

Test(planfile, a_password_variable_unset_at_apply_is_a_load_error)
{
	S_disk k;
	pdh_error err;
	pdh_load_opts no_pw = { .getenv = S_env_no_pw };
	S_disk_setup(&k, SECRET_URL_YAML);
	cr_expect_eq(S_load_desired(&k, &no_pw, &err, NULL), PDH_EFILE);
	cr_expect_not_null(strstr(err.message, "PW_A"), "%s", err.message);
	S_disk_teardown(&k);
}

Test(planfile, stale_when_the_desired_file_changed_or_is_gone)
{
	S_disk k;
	pdh_error err;
	S_disk_setup(&k, SECRET_URL_YAML);
	pdh_t_write_file(k.path, SECRET_URL_YAML "# edited\n");
	cr_expect_eq(S_load_desired(&k, &S_env_opts, &err, NULL), PDH_ESTALE);
	cr_expect_not_null(strstr(err.message, "changed since the plan was made"), "%s", err.message);
	unlink(k.path);
	cr_expect_eq(S_load_desired(&k, &S_env_opts, &err, NULL), PDH_ESTALE);
	cr_expect_not_null(strstr(err.message, "cannot be checked"), "%s", err.message);
	S_disk_teardown(&k);
}
