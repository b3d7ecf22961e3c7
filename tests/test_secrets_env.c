/* Secrets that come from the environment, end to end through the binary against pdhooks-fake:
 * a ${VAR} in a URL path (Zapier, Slack, Make) is shown as its reference in every output and
 * saved plan and never reaches a derived name; server texts are scrubbed of every secret;
 * a password declared later is applied; export writes no URL credential and nothing that
 * would not load; typed and nested references; validate --no-env. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define TOKEN "tok-env-SECRET-8080"
/* The Zapier hook id: a secret kept in the URL path. The '/' inside checks that a server
 * writing "\/" in JSON is scrubbed too. */
#define ZAP "1234567/abcSECRETdef"
#define ZAP_SECRET "abcSECRETdef"
#define PW "pw-env-SECRET-4646"

#define ZAPIER_YAML                                                              \
	"pdhooks: 1\n"                                                           \
	"webhooks:\n"                                                            \
	"  - event_action: create\n"                                             \
	"    event_object: deal\n"                                               \
	"    subscription_url: https://hooks.zapier.com/hooks/catch/${ZAP_ID}/\n" \
	"    http_auth_user: ${HOOK_USER:-pipedrive}\n"                           \
	"    http_auth_password: ${PD_PW}\n"                                      \
	"  - name: people\n"                                                     \
	"    event_action: change\n"                                             \
	"    event_object: person\n"                                             \
	"    subscription_url: https://hooks.zapier.com/hooks/catch/${ZAP_ID}/people\n"

/* people under an old name (a replace), and an undeclared one under the same secret path (a
 * delete): the live side carries the secret value too. */
#define ZAPIER_LIVE                                                                          \
	"[{\"event_action\":\"change\",\"event_object\":\"person\",\"name\":\"old people\","  \
	"  \"subscription_url\":\"https://hooks.zapier.com/hooks/catch/" ZAP "/people\"},"     \
	" {\"event_action\":\"delete\",\"event_object\":\"note\",\"name\":\"gone\","          \
	"  \"subscription_url\":\"https://hooks.zapier.com/hooks/catch/" ZAP "/gone\"}]"

static char *S_env_zap[] = { "ZAP_ID=" ZAP, "PD_PW=" PW, "HOOK_USER=", NULL };

static void S_no_secret(const char *what, const char *text)
{
	cr_expect_null(strstr(text, ZAP_SECRET), "%s shows the URL secret:\n%s", what, text);
	cr_expect_null(strstr(text, PW), "%s shows the password:\n%s", what, text);
	cr_expect_null(strstr(text, TOKEN), "%s shows the token:\n%s", what, text);
}

static void S_zapier_world(pdh_t_world *w)
{
	pdh_t_world_setup(w, (char *[]){ "--token", TOKEN, "--password-listing", "real", NULL },
	                  ZAPIER_YAML);
	/* Every run through pdh_t_world_run checks stdout and stderr for these too. */
	pdh_t_world_secret(w, ZAP_SECRET);
	pdh_t_world_secret(w, PW);
	pdh_t_fake_set_state(w->fake, ZAPIER_LIVE);
}

Test(secrets_env, a_url_path_secret_shows_as_its_reference_in_every_output)
{
	pdh_t_world w;
	pdh_t_run r;
	char **env, *saved, *text;
	static const char *const formats[] = { "text", "json", "markdown" };

	S_zapier_world(&w);
	env = S_env_zap;
	for (size_t i = 0; i < 3; i++) {
		pdh_t_world_run(&r, &w, env, "plan", "-v", "-f", w.file, "--format", formats[i], NULL);
		cr_expect_eq(r.status, 0, "%s", r.err);
		S_no_secret(formats[i], r.out);
		S_no_secret(formats[i], r.err);
		cr_expect_not_null(strstr(r.out, i == 2 ? "catch/\\${ZAP\\_ID}" : "catch/${ZAP_ID}/"),
		                   "%s:\n%s", formats[i], r.out);
		pdh_t_run_dispose(&r);
	}
	/* The live side too: the undeclared webhook's URL holds the value. */
	pdh_t_world_run(&r, &w, env, "plan", "-f", w.file, NULL);
	cr_expect_not_null(strstr(r.out, "-   delete.note https://hooks.zapier.com/hooks/catch/${ZAP_ID}/gone"),
	                   "%s", r.out);
	cr_expect_not_null(strstr(r.out, "create.deal https://hooks.zapier.com/hooks/catch/${ZAP_ID}/ "
	                                 "name=\"create.deal hooks.zapier.com/hooks/catch/${ZAP_ID}/\""),
	                   "the derived name is made from the shown URL:\n%s", r.out);
	pdh_t_run_dispose(&r);

	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	pdh_t_world_run(&r, &w, env, "plan", "-q", "-f", w.file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(saved, NULL);
	S_no_secret("the saved plan", text);
	cr_expect_not_null(strstr(text, "https://hooks.zapier.com/hooks/catch/${ZAP_ID}/people"), "%s",
	                   text);
	free(text);

	pdh_t_world_run(&r, &w, env, "apply", saved, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "apply PLANFILE: %s\n%s", r.out, r.err);
	S_no_secret("apply's output", r.out);
	S_no_secret("apply's errors", r.err);
	cr_expect_not_null(strstr(r.out, "created  create.deal https://hooks.zapier.com/hooks/catch/${ZAP_ID}/"),
	                   "%s", r.out);
	pdh_t_run_dispose(&r);

	/* Pipedrive got the real URL and a name without the secret. */
	text = pdh_t_fake_state(w.fake);
	cr_expect_not_null(strstr(text, "\"subscription_url\": \"https://hooks.zapier.com/hooks/catch/" ZAP "/\"") ?
	                   (void *)1 : strstr(text, "catch/" ZAP "/\""), "%s", text);
	cr_expect_not_null(strstr(text, "\"create.deal hooks.zapier.com/hooks/catch/${ZAP_ID}/\""), "%s", text);
	cr_expect_null(strstr(text, "\"name\": \"create.deal hooks.zapier.com/hooks/catch/" ZAP), "%s", text);
	free(text);

	/* Converged with the same environment; apply -f shows no secret either. */
	pdh_t_world_run(&r, &w, env, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	S_no_secret("a second apply", r.out);
	cr_expect_not_null(strstr(r.out, "No changes."), "%s", r.out);
	pdh_t_run_dispose(&r);
	free(saved);
	pdh_t_world_teardown(&w);
}

/* Saved plans keep the reference and read the value again at apply, as they do for
 * passwords; the re-plan against today's listing refuses a plan the new value no longer
 * matches. */
Test(secrets_env, a_saved_plan_reads_the_value_again_and_is_stale_when_it_no_longer_matches)
{
	pdh_t_world w;
	pdh_t_run r;
	char **env_a, **env_b, *saved;
	char *a[] = { "ZAP_ID=" ZAP, "PD_PW=" PW, NULL };
	char *b[] = { "ZAP_ID=7654321/otherSECRETval", "PD_PW=" PW, NULL };

	S_zapier_world(&w);
	env_a = a;
	env_b = b;
	pdh_t_world_run(&r, &w, env_a, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);

	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	pdh_t_world_run(&r, &w, env_a, "plan", "-f", w.file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "No changes."), "%s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &w, env_b, "apply", saved, "--auto-approve", NULL);
	cr_expect_eq(r.status, 4, "another value no longer matches the live webhooks: %s\n%s", r.out,
	             r.err);
	cr_expect_null(strstr(r.err, "otherSECRETval"), "%s", r.err);
	cr_expect_null(strstr(r.out, "otherSECRETval"), "%s", r.out);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 2, "the stale plan made no call");

	pdh_t_world_run(&r, &w, env_a, "apply", saved, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "the same value: %s", r.err);
	pdh_t_run_dispose(&r);
	free(saved);
	pdh_t_world_teardown(&w);
}

/* A value that also occurs in the path of the desired file, or in another field of the record
 * (the event object): the saved plan still names the file as it is (it is where apply reads
 * it) and is not stale, while the shown texts use the reference. */
Test(secrets_env, a_saved_plan_keeps_the_desired_files_path_as_it_is)
{
	pdh_t_world w;
	pdh_t_run r;
	char **env, *saved;
	char *extra[] = { "SEG=pdhooks", "KIND=deal", NULL };

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL },
	                  "pdhooks: 1\n"
	                  "webhooks:\n"
	                  "  - event_action: create\n"
	                  "    event_object: deal\n"
	                  "    subscription_url: https://hooks.example.com/${SEG}/in/${KIND}\n");
	env = extra;
	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	pdh_t_world_run(&r, &w, env, "plan", "-q", "-f", w.file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, env, "apply", saved, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	/* "deal" is every occurrence of KIND's value, the event object's too. */
	cr_expect_not_null(strstr(r.out, "created  create.${KIND} "
	                                 "https://hooks.example.com/${SEG}/in/${KIND}"), "%s", r.out);
	pdh_t_run_dispose(&r);
	free(saved);
	pdh_t_world_teardown(&w);
}

/* Server texts on a failed create (a 400 quoting the request body, a broken answer,
 * success: false, wrong types): the messages apply prints carry no secret (the body holds
 * the URL secret and the password), and the key shows the reference. */
Test(secrets_env, failed_creates_show_no_secret_in_their_messages)
{
	static const char *const kinds[] = { "echo-400", "truncated", "success-false", "wrong-types" };
	pdh_t_world w;
	pdh_t_run r;
	char **env;

	S_zapier_world(&w);
	env = S_env_zap;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *fault = pdh_xasprintf("{\"method\":\"POST\",\"kind\":\"%s\",\"count\":99}",
		                            kinds[i]);
		pdh_t_fake_set_state(w.fake, ZAPIER_LIVE);
		cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail", fault, NULL), 200);
		pdh_t_world_run(&r, &w, env, "apply", "-f", w.file, "--auto-approve", NULL);
		cr_expect_eq(r.status, 1, "%s: %s", kinds[i], r.err);
		cr_expect_not_null(strstr(r.out, "failed   create create.deal "
		                                 "https://hooks.zapier.com/hooks/catch/${ZAP_ID}/ ["),
		                   "%s: %s", kinds[i], r.out);
		S_no_secret("apply's output", r.out);
		S_no_secret("apply's errors", r.err);
		pdh_t_run_dispose(&r);
		pdh_t_fake_control(w.fake, "POST", "/_fake/fail/reset", NULL, NULL);
		free(fault);
	}
	pdh_t_world_teardown(&w);
}

/* Reconciliation 2: deals is listed with a null password and people with one, shown as
 * the fake's --password-listing `mode` says (real, or masked); people's says the listing shows
 * a password wherever there is one, so deals' null means "none" and the password declared
 * for it now is applied: the plan holds each of want[] (NULL-terminated), and after apply
 * nothing is left to do. */
static void S_password_declared_later(const char *mode, const char *const want[])
{
	pdh_t_world w;
	pdh_t_run r;
	char *extra[] = { "PD_PW=" PW, "OTHER_PW=pw-other-SECRET-11", NULL };

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, "--password-listing", (char *)mode,
		                          NULL },
	                  "pdhooks: 1\n"
	                  "webhooks:\n"
	                  "  - name: deals\n"
	                  "    event_action: create\n"
	                  "    event_object: deal\n"
	                  "    subscription_url: https://hooks.example.com/d\n"
	                  "    http_auth_password: ${PD_PW}\n"
	                  "  - name: people\n"
	                  "    event_action: change\n"
	                  "    event_object: person\n"
	                  "    subscription_url: https://hooks.example.com/p\n"
	                  "    http_auth_password: ${OTHER_PW}\n");
	pdh_t_world_secret(&w, PW);
	pdh_t_fake_set_state(w.fake,
	                     "[{\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"deals\","
	                     "  \"subscription_url\":\"https://hooks.example.com/d\"},"
	                     " {\"event_action\":\"change\",\"event_object\":\"person\",\"name\":\"people\","
	                     "  \"subscription_url\":\"https://hooks.example.com/p\","
	                     "  \"http_auth_password\":\"pw-other-SECRET-11\"}]");
	pdh_t_world_run(&r, &w, extra, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "%s: %s", mode, r.err);
	cr_expect_not_null(strstr(r.out, "-/+ create.deal https://hooks.example.com/d id=1 name=\"deals\"  "
	                                 "# changed: http_auth_password null -> (sensitive)"),
	                   "%s: %s", mode, r.out);
	cr_expect_null(strstr(r.out, "create.deal https://hooks.example.com/d (id 1) cannot be checked"),
	               "%s: %s", mode, r.out);
	pdh_t_expect_has(r.out, want);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, extra, "apply", "-f", w.file, "--auto-approve", NULL);
	pdh_t_run_expect_status(&r, 0, "apply");
	pdh_t_world_run(&r, &w, extra, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	pdh_t_run_expect_status(&r, 0, "converged");
	pdh_t_world_teardown(&w);
}

Test(secrets_env, a_password_declared_later_is_applied_when_the_listing_shows_passwords)
{
	S_password_declared_later("real", (const char *const[]){ "1 unchanged", NULL });
}

/* As Pipedrive may, and as the fake does by default: people's password shows as a mask. */
Test(secrets_env, a_password_declared_later_is_applied_when_the_listing_masks_passwords)
{
	S_password_declared_later("masked", (const char *const[]){
		"the password of change.person https://hooks.example.com/p (id 2) cannot be checked: "
		"the listing shows it masked", NULL });
}

#define LONG_NAME                                                                              \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"

/* Item 9: credentials in URLs become ${PDHOOKS_URL_SECRET_<N>}; entries that would not load
 * are left out with a warning each (and prune is turned off so that nothing left out is
 * deleted), and export exits 1; plan on the output, given the variables, plans nothing. */
/* The exported file `out`, planned with the variables env: exit 0, "No changes.", and none of
 * absent[] (NULL-terminated) in what it prints. */
static void S_replans_to_nothing(pdh_t_world *w, char *const env[], const char *out,
                                 const char *const absent[])
{
	pdh_t_run r;

	pdh_t_world_run(&r, w, env, "plan", "-f", out, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "No changes."), "%s", r.out);
	for (size_t i = 0; absent[i]; i++)
		cr_expect_null(strstr(r.out, absent[i]), "%s", r.out);
	pdh_t_run_dispose(&r);
}

Test(secrets_env, export_writes_no_url_credential_and_nothing_that_would_not_load)
{
	pdh_t_world w;
	pdh_t_run r;
	char *out, *text;
	char *vars[] = { "PDHOOKS_URL_SECRET_1=ops:urlpw-SECRET-1", "PDHOOKS_URL_SECRET_2=qtok-SECRET-2",
		NULL };

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, "pdhooks: 1\nwebhooks: []\n");
	pdh_t_fake_set_state(w.fake,
	                     "[{\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"in\","
	                     "  \"subscription_url\":\"https://ops:urlpw-SECRET-1@hooks.example.com/in?token=qtok-SECRET-2&flag\"},"
	                     " {\"event_action\":\"change\",\"event_object\":\"deal\",\"name\":\"" LONG_NAME "\","
	                     "  \"subscription_url\":\"https://hooks.example.com/long\"},"
	                     " {\"event_action\":\"change\",\"event_object\":\"person\",\"name\":\"v3\","
	                     "  \"version\":\"3.0\",\"subscription_url\":\"https://hooks.example.com/v3\"},"
	                     " {\"event_action\":\"delete\",\"event_object\":\"note\",\"name\":\"fine\","
	                     "  \"subscription_url\":\"https://hooks.example.com/fine\"}]");
	out = pdh_xasprintf("%s/exported.yaml", w.dir);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", out, NULL);
	cr_expect_eq(r.status, 1, "two entries would not load: %s", r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks: warning: webhook 2 is left out: it would not load "
	                                 "(name is 307 characters long; Pipedrive allows at most 255)"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks: warning: webhook 3 is left out: it would not load "
	                                 "(version: expected \"1.0\" or \"2.0\", found '3.0')"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "2 webhooks are left out of the export"), "%s", r.err);
	cr_expect_null(strstr(r.err, "urlpw-SECRET"), "%s", r.err);
	cr_expect_null(strstr(r.err, "qtok-SECRET"), "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(out, NULL);
	cr_expect_null(strstr(text, "urlpw-SECRET"), "%s", text);
	cr_expect_null(strstr(text, "qtok-SECRET"), "%s", text);
	cr_expect_not_null(strstr(text, "subscription_url: \"https://${PDHOOKS_URL_SECRET_1}@hooks.example.com/in?token=${PDHOOKS_URL_SECRET_2}&flag\""),
	                   "%s", text);
	cr_expect_not_null(strstr(text, "# webhook 1 has credentials in its URL; pdhooks never exports "
	                                "them: set PDHOOKS_URL_SECRET_1 (user and password), "
	                                "PDHOOKS_URL_SECRET_2 (query value of 'token')"), "%s", text);
	cr_expect_not_null(strstr(text, "# not exported: webhook 3 would not load"), "%s", text);
	cr_expect_not_null(strstr(text, "  prune: false"), "%s", text);
	free(text);

	/* The output loads and plans nothing given the variables (the two left out are kept). */
	S_replans_to_nothing(&w, vars, out, (const char *const[]){ "urlpw-SECRET", "qtok-SECRET",
		                                                    NULL });
	free(out);
	pdh_t_world_teardown(&w);
}

Test(secrets_env, export_of_loadable_webhooks_exits_0_and_plans_nothing)
{
	pdh_t_world w;
	pdh_t_run r;
	char *out, *text;
	char *vars[] = { "PDHOOKS_URL_SECRET_1=k-SECRET-9", NULL };

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, "pdhooks: 1\nwebhooks: []\n");
	pdh_t_fake_set_state(w.fake,
	                     "[{\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"q\","
	                     "  \"subscription_url\":\"https://hooks.example.com/q?key=k-SECRET-9#frag\"}]");
	out = pdh_xasprintf("%s/exported.yaml", w.dir);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", out, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "1 credential in a URL is not exported: set PDHOOKS_URL_SECRET_1"),
	                   "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(out, NULL);
	cr_expect_null(strstr(text, "k-SECRET-9"), "%s", text);
	cr_expect_null(strstr(text, "prune"), "nothing left out, prune stays on:\n%s", text);
	free(text);
	S_replans_to_nothing(&w, vars, out, (const char *const[]){ NULL });
	free(out);
	pdh_t_world_teardown(&w);
}

#define TYPED_YAML                                                 \
	"pdhooks: 1\n"                                             \
	"manage:\n"                                                \
	"  max_deletes: ${MAX_DELETES:-3}\n"                       \
	"  prune: ${PRUNE:-true}\n"                                \
	"webhooks:\n"                                              \
	"  - event_action: create\n"                               \
	"    event_object: deal\n"                                 \
	"    subscription_url: ${HOOK_URL:-${FALLBACK_URL}}\n"     \
	"    user_id: ${PD_USER_ID}\n"

Test(secrets_env, a_pure_reference_takes_its_keys_type_and_defaults_nest)
{
	pdh_t_world w;
	pdh_t_run r;
	char **env, *state;
	char *good[] = { "PD_USER_ID=42", "FALLBACK_URL=https://fallback.example.com/in", "HOOK_URL=",
		NULL };

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, TYPED_YAML);
	env = good;
	pdh_t_world_run(&r, &w, env, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	state = pdh_t_fake_state(w.fake);
	{
		json_error_t je;
		json_t *doc = json_loads(state, 0, &je), *h;
		cr_assert_not_null(doc, "%s", state);
		h = json_array_get(json_is_array(doc) ? doc : json_object_get(doc, "data"), 0);
		cr_expect_eq(json_integer_value(json_object_get(h, "user_id")), 42, "%s", state);
		cr_expect_str_eq(json_string_value(json_object_get(h, "subscription_url")),
		                 "https://fallback.example.com/in", "the nested default");
		json_decref(doc);
	}
	free(state);
	pdh_t_world_teardown(&w);
}

Test(secrets_env, a_typed_reference_with_a_wrong_value_names_the_place_and_the_variable)
{
	pdh_t_world w;
	pdh_t_run r;
	char **env;
	char *bad[] = { "PD_USER_ID=4x2", "PRUNE=maybe", "FALLBACK_URL=https://f.example.com/", NULL };

	pdh_t_world_setup(&w, (char *[]){ "--token", TOKEN, NULL }, TYPED_YAML);
	env = bad;
	pdh_t_world_run(&r, &w, env, "validate", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "pdhooks.yaml:9:14: error: user_id: expected a positive "
	                                 "integer, but the value of ${PD_USER_ID} is not one"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks.yaml:4:10: error: manage.prune: expected true or "
	                                 "false, but the value of ${PRUNE} is neither"), "%s", r.err);
	cr_expect_null(strstr(r.err, "4x2"), "a value is never quoted: %s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(secrets_env, validate_no_env_checks_references_without_reading_them)
{
	pdh_t_world w;
	pdh_t_run r;
	char *set[] = { "PD_USER_ID=not-a-number", NULL };
	char **env;

	pdh_t_world_setup(&w, NULL, TYPED_YAML
	                  "  - event_action: ${ACTION:-change}\n"
	                  "    event_object: person\n"
	                  "    subscription_url: https://hooks.zapier.com/hooks/catch/${ZAP_ID}/\n"
	                  "    version: ${VERSION}\n"
	                  "  - name: ${NAME}\n"
	                  "    event_action: create\n"
	                  "    event_object: person\n"
	                  "    subscription_url: ${OTHER_URL}\n"
	                  "    http_auth_password: ${PD_PW}\n");
	pdh_t_world_run(&r, &w, NULL, "validate", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1, "without --no-env the unset variables are errors");
	pdh_t_run_dispose(&r);

	env = set;
	pdh_t_world_run(&r, &w, env, "validate", "--no-env", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "ok, 3 webhooks, references checked without reading the "
	                                 "environment"), "%s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_write_file(w.file, "pdhooks: 1\n"
	                         "webhooks:\n"
	                         "  - event_action: create\n"
	                         "    event_object: deal\n"
	                         "    subscription_url: https://x.example.com/${BROKEN\n"
	                         "    user_id: ${1X}\n");
	pdh_t_world_run(&r, &w, NULL, "validate", "--no-env", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "pdhooks.yaml:5:45: error: malformed variable reference"), "%s",
	                   r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks.yaml:6:14: error: user_id: expected a positive integer, "
	                                 "found a string"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
