/* The review and automation outputs end to end, against pdhooks-fake over real HTTP:
 * plan --format json|markdown, saved plans and when they go stale, export and its round trip.
 * Every output and file these tests write is checked for the token and the passwords. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/credentials.h"
#include "pdhooks/planfile.h"
#include "pdhooks/target.h"
#include "pdhooks/sha256.h"
#include "sampleplan.h"
#include "testutil.h"
#include "world.h"

#define PASSWORD "Live-Pass-8d2f"
#define OTHER_PASSWORD "Other-Pass-51c" /* as long as PASSWORD */

#define LIVE_STATE                                                                            \
	"[{\"id\": 1, \"event_action\": \"create\", \"event_object\": \"deal\","              \
	"  \"subscription_url\": \"https://hooks.example.com/deals\", \"name\": \"deals\","   \
	"  \"http_auth_user\": \"pd\", \"http_auth_password\": \"" PASSWORD "\"},"            \
	" {\"id\": 2, \"event_action\": \"change\", \"event_object\": \"person\","             \
	"  \"subscription_url\": \"https://hooks.example.com/persons\", \"name\": \"persons\"}," \
	" {\"id\": 3, \"event_action\": \"create\", \"event_object\": \"deal\","              \
	"  \"subscription_url\": \"https://app.example.org/x\", \"name\": \"app\","           \
	"  \"type\": \"application\"}]"

#define DESIRED                                                                 \
	PDH_T_YAML_HEAD                                                         \
	PDH_T_YAML_HOOK("deals", "create", "deal", "https://hooks.example.com/deals") \
	"    http_auth_user: pd\n"                                              \
	"    http_auth_password: ${PD_HOOK_PASSWORD}\n"                         \
	PDH_T_YAML_HOOK("persons", "change", "person", "https://hooks.example.com/persons") \
	PDH_T_YAML_HOOK("notes", "create", "note", "https://hooks.example.com/notes")

/* LIVE_STATE with one more webhook (its JSON object). Caller frees. */
static char *S_state_plus(const char *item)
{
	return pdh_xasprintf("%.*s, %s]", (int)strlen(LIVE_STATE) - 1, LIVE_STATE, item);
}

/* The fake's webhooks: S_state_plus(item). */
static void S_set_state_plus(pdh_t_world *w, const char *item)
{
	char *state = S_state_plus(item);

	pdh_t_fake_set_state(w->fake, state);
	free(state);
}

#define FOREIGN_AUTOMATION                                                              \
	"{\"id\": 20, \"event_action\": \"*\", \"event_object\": \"*\", \"subscription_url\": " \
	"\"https://app.example.org/y\", \"type\": \"automation\"}"

/* The world: the fake (listing passwords as Pipedrive does), state as its webhooks, desired
 * (may be NULL) as the file, PD_HOOK_PASSWORD set, and the passwords among the secrets no
 * output may hold. */
typedef pdh_t_world S_world;

static void S_setup(S_world *w, const char *state, const char *desired)
{
	char *args[] = { "--password-listing", "real", NULL };

	pdh_t_world_setup(w, args, desired);
	if (state)
		pdh_t_fake_set_state(w->fake, state);
	pdh_t_world_setenv(w, "PD_HOOK_PASSWORD=" PASSWORD);
	pdh_t_world_secret(w, PASSWORD);
	pdh_t_world_secret(w, OTHER_PASSWORD);
}

/* ---- plan --format json | markdown ---- */

Test(outputs_fake, plan_json_follows_the_schema_and_counts_right)
{
	S_world w;
	pdh_t_run r;
	S_setup(&w, LIVE_STATE, DESIRED);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(pdh_t_validate_plan_json(r.out), 0, "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\"create\": 1,"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\"unchanged\": 2,"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\"foreign\": 1,"), "%s", r.out);
	cr_expect_null(strstr(r.out, "Plan:"), "JSON only on stdout");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, plan_json_carries_the_files_warnings)
{
	S_world w;
	pdh_t_run r;
	S_setup(&w, LIVE_STATE, DESIRED "  - event_action: change\n    event_object: deal\n"
	        "    subscription_url: http://hooks.example.com/plain\n");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "json", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "pdhooks.yaml:19:23: subscription_url 'http://hooks.example.com/plain' uses http://"), "%s", r.out);
	cr_expect_eq(pdh_t_validate_plan_json(r.out), 0);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, plan_markdown_is_a_comment)
{
	S_world w;
	pdh_t_run r;
	S_setup(&w, LIVE_STATE, DESIRED);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "markdown", "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "%s", r.err);
	cr_expect(strncmp(r.out, "### pdhooks plan: 1 to create,", 30) == 0, "%s", r.out);
	cr_expect_not_null(strstr(r.out, "| `+` create | create.note https\\://hooks.example.com/notes"),
	                   "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, unknown_format_is_an_error)
{
	S_world w;
	pdh_t_run r;
	S_setup(&w, LIVE_STATE, DESIRED);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "yaml", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_not_null(strstr(r.err, "expected text, json or markdown"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, NULL), 0, "no call on a usage error");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* ---- saved plans ---- */

/* The world of LIVE_STATE and DESIRED, its plan saved in format to w->planfile (checked: no
 * secret in it, its sha256 said). */
static void S_setup_saved(S_world *w, const char *format)
{
	pdh_t_run r;
	char *data, digest[65], *line;
	size_t len;

	S_setup(w, LIVE_STATE, DESIRED);
	pdh_t_world_run(&r, w, NULL, "plan", "-f", w->file, "-o", w->planfile, "--format", format, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	data = pdh_t_read_file(w->planfile, &len);
	cr_assert_not_null(data, "no saved plan");
	pdh_t_world_no_secret(w, "the saved plan", data);
	pdh_sha256_hex(data, len, digest);
	line = pdh_xasprintf("pdhooks: saved the plan to %s (sha256 %s)\n", w->planfile, digest);
	cr_expect_not_null(strstr(r.err, line), "stderr names the digest: %s", r.err);
	if (strcmp(format, "markdown") == 0)
		cr_expect_not_null(strstr(r.out, digest), "the comment names the saved plan");
	cr_expect_eq(pdh_t_validate_plan_json(data), 0, "the saved plan follows the schema");
	free(line);
	free(data);
	pdh_t_run_dispose(&r);
}

/* `pdhooks apply PLANFILE --auto-approve` (extra_env may be NULL), expecting exit status want. */
static void S_apply_saved(pdh_t_run *r, S_world *w, char *const extra_env[], int want)
{
	pdh_t_world_run(r, w, extra_env, "apply", w->planfile, "--auto-approve", NULL);
	cr_expect_eq(r->status, want, "%s%s", r->out, r->err);
}

/* S_apply_saved refused with exit want, msg on stderr, before any write call and without
 * showing a plan. */
static void S_expect_saved_refused(S_world *w, char *const extra_env[], int want,
                                   const char *msg)
{
	pdh_t_run r;

	S_apply_saved(&r, w, extra_env, want);
	cr_expect_str_eq(r.out, "", "nothing planned, nothing shown");
	cr_expect_not_null(strstr(r.err, msg), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w->fake, "POST") + pdh_t_fake_calls(w->fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
}

/* S_apply_saved refused with exit want, each of msgs (NULL-terminated) on stderr, and no
 * DELETE sent. */
static void S_expect_no_delete(S_world *w, int want, const char *const msgs[])
{
	pdh_t_run r;

	S_apply_saved(&r, w, NULL, want);
	pdh_t_expect_has(r.err, msgs);
	cr_expect_eq(pdh_t_fake_calls(w->fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
}

static const char *S_getenv(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "PD_HOOK_PASSWORD") == 0 ? PASSWORD : NULL;
}

/* What `apply PLANFILE` does before it changes anything: 0 or PDH_ESTALE (err says why). */
static int S_check(S_world *w, pdh_error *err)
{
	pdh_target t;
	pdh_target_run run;
	pdh_planfile *pf = NULL;
	int rc;

	memset(&t, 0, sizeof(t));
	t.load.getenv = S_getenv;
	t.client.api_url = pdh_t_fake_url(w->fake);
	t.client.auth = PDH_AUTH_API_TOKEN;
	t.client.token = pdh_t_fake_token(w->fake);
	cr_assert_eq(pdh_planfile_load(&pf, w->planfile, err), 0, "%s", err->message);
	pdh_target_run_init(&run, pf->desired_path);
	rc = pdh_planfile_target_plan(&run, &t, pf, err);
	cr_expect_eq(rc == 0, run.plan != NULL, "a plan only on success");
	if (run.plan)
		cr_expect_eq(run.plan->n_actions, pf->n_actions);
	if (rc == PDH_ESTALE && run.live == NULL)
		cr_expect_eq(pdh_t_fake_calls(w->fake, "GET"), 1, "a stale file: no listing");
	pdh_target_run_dispose(&run);
	pdh_planfile_free(pf);
	return rc;
}

Test(outputs_fake, saved_plan_is_fresh_until_something_changes)
{
	S_world w;
	pdh_error err;
	S_setup_saved(&w, "text");
	cr_expect_eq(S_check(&w, &err), 0, "%s", err.message);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, saved_plan_names_its_digest_in_the_markdown)
{
	S_world w;
	S_setup_saved(&w, "markdown");
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, stale_when_the_desired_file_changed)
{
	S_world w;
	pdh_error err;
	S_setup_saved(&w, "json");
	pdh_t_write_file(w.file, DESIRED "# reviewed\n");
	cr_expect_eq(S_check(&w, &err), PDH_ESTALE);
	cr_expect_not_null(strstr(err.message, "changed since the plan was made"), "%s", err.message);
	unlink(w.file);
	cr_expect_eq(S_check(&w, &err), PDH_ESTALE);
	cr_expect_not_null(strstr(err.message, "cannot be checked"), "%s", err.message);
	pdh_t_world_teardown(&w);
}

/* A plan saved against LIVE_STATE goes stale (err says `why`) once the fake holds state. */
static void S_expect_stale_after(const char *state, const char *why)
{
	S_world w;
	pdh_error err;
	S_setup_saved(&w, "text");
	pdh_t_fake_set_state(w.fake, state);
	cr_expect_eq(S_check(&w, &err), PDH_ESTALE, "%s", err.message);
	cr_expect_not_null(strstr(err.message, why), "%s", err.message);
	pdh_t_world_no_secret(&w, "the stale message", err.message);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, stale_when_an_owned_webhook_is_added)
{
	char *state = S_state_plus("{\"id\": 9, \"event_action\": \"delete\", \"event_object\": "
	                           "\"deal\", \"subscription_url\": \"https://hooks.example.com/x\"}");
	S_expect_stale_after(state, "owned live webhooks changed");
	free(state);
}

Test(outputs_fake, stale_when_an_owned_webhook_is_removed)
{
	S_expect_stale_after(
		"[{\"id\": 1, \"event_action\": \"create\", \"event_object\": \"deal\","
		"  \"subscription_url\": \"https://hooks.example.com/deals\", \"name\": \"deals\","
		"  \"http_auth_user\": \"pd\", \"http_auth_password\": \"" PASSWORD "\"},"
		" {\"id\": 3, \"event_action\": \"create\", \"event_object\": \"deal\","
		"  \"subscription_url\": \"https://app.example.org/x\", \"name\": \"app\","
		"  \"type\": \"application\"}]", "owned live webhooks changed");
}

Test(outputs_fake, stale_when_an_owned_webhook_changed)
{
	char *state = pdh_xstrdup(LIVE_STATE);
	memcpy(strstr(state, "\"persons\"}"), "\"PERSONS\"", 9);
	S_expect_stale_after(state, "owned live webhooks changed");
	free(state);
}

Test(outputs_fake, stale_when_a_live_password_changed)
{
	/* The fingerprint leaves passwords out; planning again shows the replace. */
	char *state = pdh_xstrdup(LIVE_STATE);
	memcpy(strstr(state, PASSWORD), OTHER_PASSWORD, strlen(OTHER_PASSWORD));
	S_expect_stale_after(state, "planning again now gives 2");
	free(state);
}

Test(outputs_fake, not_stale_when_a_foreign_webhook_is_added)
{
	S_world w;
	pdh_error err;
	S_setup_saved(&w, "text");
	S_set_state_plus(&w, FOREIGN_AUTOMATION ", {\"id\": 21, \"event_action\": \"create\", "
	                 "\"event_object\": \"deal\", \"subscription_url\": "
	                 "\"https://elsewhere.example.net/z\"}");
	cr_expect_eq(S_check(&w, &err), 0, "%s", err.message);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, a_literal_password_cannot_be_saved)
{
	S_world w;
	pdh_t_run r;
	struct stat st;
	char *desired = pdh_xstrdup(DESIRED);
	char *ref = strstr(desired, "${PD_HOOK_PASSWORD}");
	memcpy(ref, PASSWORD "xxxxx", strlen("${PD_HOOK_PASSWORD}"));
	S_setup(&w, LIVE_STATE, NULL);
	pdh_t_write_file(w.file, desired);
	{
		pdh_t_run_argv(&r, (char *[]){ getenv("PDH_BIN"), "plan", "-f", w.file, "-o",
		                               w.planfile, NULL }, w.env, NULL);
	}
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_str_eq(r.out, "", "nothing printed when the plan cannot be saved");
	cr_expect_not_null(strstr(r.err, "not only ${VAR} references"), "%s", r.err);
	cr_expect_null(strstr(r.err, PASSWORD), "the password is not quoted");
	cr_expect_neq(stat(w.planfile, &st), 0, "no file written");
	pdh_t_run_dispose(&r);
	free(desired);
	pdh_t_world_teardown(&w);
}

/* ---- pdhooks apply PLANFILE ---- */

Test(outputs_fake, apply_runs_a_fresh_saved_plan_once)
{
	S_world w;
	pdh_t_run r;
	S_setup_saved(&w, "text");
	S_apply_saved(&r, &w, NULL, 0);
	cr_expect_not_null(strstr(r.err, "applying the saved plan"), "%s", r.err);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1);
	pdh_t_run_dispose(&r);
	/* Applied: the owned webhooks changed, so the same plan is now stale. */
	S_apply_saved(&r, &w, NULL, 4);
	cr_expect_not_null(strstr(r.err, "stale"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1, "no call after a stale plan");
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, apply_refuses_a_stale_saved_plan_with_exit_4)
{
	S_world w;
	S_setup_saved(&w, "json");
	pdh_t_write_file(w.file, DESIRED "  - name: more\n    event_action: create\n"
	                 "    event_object: person\n"
	                 "    subscription_url: https://hooks.example.com/more\n");
	S_expect_saved_refused(&w, NULL, 4, "pdhooks: error: the saved plan is stale");
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, apply_of_a_saved_plan_ignores_a_new_foreign_webhook)
{
	S_world w;
	pdh_t_run r;
	S_setup_saved(&w, "text");
	S_set_state_plus(&w, FOREIGN_AUTOMATION);
	S_apply_saved(&r, &w, NULL, 0);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, apply_of_a_saved_plan_needs_its_password_variables)
{
	S_world w;
	char *unset[] = { "PD_HOOK_PASSWORD=", NULL };
	S_setup_saved(&w, "text");
	S_expect_saved_refused(&w, unset, 1, "PD_HOOK_PASSWORD");
	pdh_t_world_teardown(&w);
}

/* ---- the brake of a saved plan ---- */

/* One declared webhook, manage.max_deletes max (a YAML value), and live, besides it, two
 * owned undeclared ones: the plan deletes 2. */
#define BRAKE_LIVE                                                                         \
	"[{\"id\": 1, \"event_action\": \"create\", \"event_object\": \"deal\","              \
	"  \"subscription_url\": \"https://hooks.example.com/deals\", \"name\": \"deals\"},"    \
	" {\"id\": 2, \"event_action\": \"change\", \"event_object\": \"person\","             \
	"  \"subscription_url\": \"https://hooks.example.com/persons\", \"name\": \"p\"},"     \
	" {\"id\": 4, \"event_action\": \"change\", \"event_object\": \"deal\","               \
	"  \"subscription_url\": \"https://hooks.example.com/old\", \"name\": \"o\"}]"
#define BRAKE_DESIRED(max)                                                                 \
	"pdhooks: 1\nmanage:\n  max_deletes: " max "\nwebhooks:\n"                               \
	PDH_T_YAML_HOOK("deals", "create", "deal", "https://hooks.example.com/deals")

/* BRAKE_LIVE and BRAKE_DESIRED(max), planned with plan_args (NULL-terminated, may be
 * empty) into w->planfile. */
static void S_setup_brake(S_world *w, const char *desired, const char *const plan_args[])
{
	const char *argv[12] = { getenv("PDH_BIN"), "plan", "-q", "-f", NULL, "-o", NULL };
	size_t n = 7;
	pdh_t_run r;

	S_setup(w, BRAKE_LIVE, desired);
	argv[4] = w->file;
	argv[6] = w->planfile;
	for (size_t i = 0; plan_args[i]; i++)
		argv[n++] = plan_args[i];
	argv[n] = NULL;
	pdh_t_run_argv(&r, (char *const *)argv, w->env, NULL);
	cr_assert_eq(r.status, 0, "plan -o: %s", r.err);
	pdh_t_run_dispose(&r);
}

/* Sets saved.<section>.max_deletes of w's saved plan to value, as an editor would. */
static void S_edit_max_deletes(S_world *w, const char *section, long long value)
{
	json_error_t e;
	json_t *doc = json_load_file(w->planfile, 0, &e), *o;

	cr_assert_not_null(doc, "%s", e.text);
	o = json_object_get(json_object_get(doc, "saved"), section);
	cr_assert(json_is_integer(json_object_get(o, "max_deletes")));
	json_object_set_new(o, "max_deletes", json_integer(value));
	cr_assert_eq(json_dump_file(doc, w->planfile, JSON_INDENT(2)), 0);
	json_decref(doc);
}

/* The brake of a saved plan is the file's (checked) and the apply's: 99 written into the
 * plan's options lifts nothing, and 99 written into its record of the file makes it stale. */
Test(outputs_fake, saved_plan_with_an_edited_max_deletes_is_still_refused)
{
	S_world w;

	S_setup_brake(&w, BRAKE_DESIRED("1"), (const char *const[]){ NULL });
	S_edit_max_deletes(&w, "options", 99);
	S_expect_no_delete(&w, 3, (const char *const[]){ "more than max_deletes (1)", NULL });

	S_edit_max_deletes(&w, "options", -1);
	S_edit_max_deletes(&w, "desired", 99);
	S_expect_no_delete(&w, 4, (const char *const[]){ "manage.max_deletes", NULL });
	pdh_t_world_teardown(&w);
}

/* A plan made with a --max-deletes above the file's: apply does not take the number from the
 * plan file, says how to give it, and applies once it is given to apply itself. */
Test(outputs_fake, saved_plan_made_with_a_higher_max_deletes_needs_it_at_apply)
{
	S_world w;
	pdh_t_run r;

	S_setup_brake(&w, BRAKE_DESIRED("1"), (const char *const[]){ "--max-deletes", "5", NULL });
	S_expect_no_delete(&w, 3, (const char *const[]){ "more than max_deletes (1)",
		"the plan was made with --max-deletes 5", NULL });
	pdh_t_world_run(&r, &w, NULL, "apply", w.planfile, "--max-deletes", "5", "--auto-approve",
	                NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 2);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* A plan made with a --max-deletes below the file's keeps it: the plan showed that brake. */
Test(outputs_fake, saved_plan_made_with_a_lower_max_deletes_keeps_it)
{
	S_world w;

	S_setup_brake(&w, BRAKE_DESIRED("10"), (const char *const[]){ "--max-deletes", "1", NULL });
	S_expect_no_delete(&w, 3, (const char *const[]){ "more than max_deletes (1)", NULL });
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, apply_saved_plan_usage_errors)
{
	S_world w;
	pdh_t_run r;
	char *bad;
	S_setup_saved(&w, "text");
	pdh_t_world_run(&r, &w, NULL, "apply", w.planfile, w.planfile, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "one saved plan at most"), "%s", r.err);
	pdh_t_run_dispose(&r);
	bad = pdh_xasprintf("%s/bad.plan", w.dir);
	pdh_t_write_file(bad, "{\"format_version\": 1}");
	pdh_t_world_run(&r, &w, NULL, "apply", bad, "--auto-approve", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "not a pdhooks saved plan"), "%s", r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(w.fake, NULL), 1, "only the listing of plan -o");
	free(bad);
	pdh_t_world_teardown(&w);
}

/* ---- export ---- */

#define EXPORT_STATE                                                                          \
	"[{\"id\": 1, \"event_action\": \"create\", \"event_object\": \"deal\","              \
	"  \"subscription_url\": \"https://hooks.example.com/deals?team=a%20b\","             \
	"  \"name\": \"Deals: \\\"new\\\" # $HOME ${X} | `x` <b>\", \"user_id\": 5,"          \
	"  \"http_auth_user\": \"pd: 1\", \"http_auth_password\": \"" PASSWORD "\"},"         \
	" {\"id\": 2, \"event_action\": \"added\", \"event_object\": \"person\","              \
	"  \"version\": \"1.0\", \"subscription_url\": \"https://hooks.example.com/p\","      \
	"  \"name\": \"caf\\u00e9 \\u2028 \\t - ? :\"},"                                       \
	" {\"id\": 3, \"event_action\": \"change\", \"event_object\": \"deal\","              \
	"  \"subscription_url\": \"https://app.example.org/x\", \"type\": \"application\"},"  \
	" {\"id\": 4, \"event_action\": \"delete\", \"event_object\": \"note\","              \
	"  \"subscription_url\": \"https://other.example.net:8443/n\","                       \
	"  \"http_auth_password\": \"" OTHER_PASSWORD "\"},"                                  \
	" {\"id\": 5, \"event_action\": \"*\", \"event_object\": \"*\","                      \
	"  \"subscription_url\": \"http://plain.example.org/all\", \"name\": \"yes\"}]"

Test(outputs_fake, export_then_plan_plans_nothing)
{
	S_world w;
	pdh_t_run r;
	char *out;
	/* The query value of deals is a URL credential: exported as PDHOOKS_URL_SECRET_1. */
	char *pw[] = { "PDHOOKS_PASSWORD_1=" PASSWORD, "PDHOOKS_PASSWORD_2=" OTHER_PASSWORD,
		"PDHOOKS_URL_SECRET_1=a%20b", NULL };
	S_setup(&w, EXPORT_STATE, NULL);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", w.file, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "");
	cr_expect_not_null(strstr(r.err, "exported 4 webhooks"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "set PDHOOKS_PASSWORD_1 ... PDHOOKS_PASSWORD_2"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_no_secret_in_file(&w, w.file);
	pdh_t_world_run(&r, &w, pw, "validate", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "the export validates: %s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, pw, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	out = pdh_t_read_file(w.file, NULL);
	cr_expect_eq(r.status, 0, "plan on the export: %s%s\n%s", r.out, r.err, out);
	cr_expect_not_null(strstr(r.out, "No changes. 4 unchanged, 1 foreign."), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST") + pdh_t_fake_calls(w.fake, "DELETE"), 0);
	free(out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, export_without_the_passwords_plans_their_change_never_their_value)
{
	S_world w;
	pdh_t_run r;
	char *pw[] = { "PDHOOKS_PASSWORD_1=not-it", "PDHOOKS_PASSWORD_2=" OTHER_PASSWORD,
		"PDHOOKS_URL_SECRET_1=a%20b", NULL };
	S_setup(&w, EXPORT_STATE, NULL);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", w.file, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, pw, "plan", "-f", w.file, "--detailed-exitcode", "--format", "json", NULL);
	cr_expect_eq(r.status, 2, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "\"http_auth_password_changed\": true"), "%s", r.out);
	cr_expect_null(strstr(r.out, "not-it"));
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, export_to_stdout_and_never_over_a_file)
{
	S_world w;
	pdh_t_run r;
	char *before;
	S_setup(&w, EXPORT_STATE, "# mine\n");
	pdh_t_world_run(&r, &w, NULL, "export", "-q", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strncmp(r.out, "# yaml-language-server: $schema=", 32) == 0, "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\npdhooks: 1\n"));
	cr_expect_str_eq(r.err, "", "-q: nothing on stderr");
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", w.file, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "exists"), "%s", r.err);
	before = pdh_t_read_file(w.file, NULL);
	cr_expect_str_eq(before, "# mine\n", "the file is untouched");
	free(before);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, export_needs_credentials_before_any_call)
{
	S_world w;
	pdh_t_run r;
	char *none[] = { "PIPEDRIVE_API_TOKEN=", NULL };
	S_setup(&w, EXPORT_STATE, NULL);
	pdh_t_world_run(&r, &w, none, "export", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, "");
	cr_expect_eq(pdh_t_fake_calls(w.fake, NULL), 0);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(outputs_fake, export_reports_api_errors)
{
	S_world w;
	pdh_t_run r;
	S_setup(&w, EXPORT_STATE, NULL);
	cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail",
	             "{\"method\":\"GET\",\"kind\":\"status\",\"status\":500,\"count\":1}", NULL), 200);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", w.file, NULL);
	cr_expect_eq(r.status, 5, "a 500: could not check (%s)", r.err);
	cr_expect_not_null(strstr(r.err, "pdhooks: error: "), "%s", r.err);
	cr_expect_neq(access(w.file, F_OK), 0, "nothing written after a failed listing");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
