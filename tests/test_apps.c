/* Marketplace apps end to end: pdhooks with an app's OAuth token against pdhooks-fake's
 * --oauth-app, whose creates are application webhooks and whose listing shows only its own.
 * The company's general webhooks (which the app cannot see) and an automation sit beside
 * them throughout. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define APP "app-1"

static char *const S_fake_args[] = { "--oauth-app", APP, "--oauth-app", "app-ro:webhooks:read",
	"--oauth-app", "app-none:none", NULL };

/* The company's general webhooks, one at the app's host; an automation; one webhook of the
 * app that its file no longer declares. */
#define SEED                                                                               \
	"[{\"id\":1,\"type\":\"general\",\"event_action\":\"create\",\"event_object\":\"deal\","   \
	"\"subscription_url\":\"https://hooks.example.com/crm/deals\"},"                          \
	"{\"id\":2,\"type\":\"general\",\"event_action\":\"change\",\"event_object\":\"person\","  \
	"\"subscription_url\":\"https://crm.example.org/people\"},"                               \
	"{\"id\":3,\"type\":\"automation\",\"event_action\":\"*\",\"event_object\":\"*\","         \
	"\"subscription_url\":\"https://hooks.example.com/auto\"},"                               \
	"{\"id\":4,\"type\":\"application\",\"_app\":\"" APP "\",\"event_action\":\"delete\","     \
	"\"event_object\":\"deal\",\"subscription_url\":\"https://old.example.net/app/gone\"}]"

#define APP_FILE(manage)                                                               \
	"pdhooks: 1\n" manage                                                          \
	"webhooks:\n"                                                                  \
	"  - name: app-deals\n"                                                        \
	"    event_action: create\n"                                                   \
	"    event_object: deal\n"                                                     \
	"    subscription_url: https://hooks.example.com/app/deals\n"                  \
	"  - name: app-people\n"                                                       \
	"    event_action: change\n"                                                   \
	"    event_object: person\n"                                                   \
	"    subscription_url: https://hooks.example.com/app/people\n"

static void S_setup(pdh_t_world *w, const char *desired)
{
	pdh_t_world_setup(w, S_fake_args, desired);
	pdh_t_fake_set_state(w->fake, SEED);
	pdh_t_world_secret(w, APP);
	pdh_t_world_secret(w, "app-ro");
	pdh_t_world_secret(w, "app-none");
}

/* The environment of a run with an app's OAuth token instead of the API token. */
static char *const *S_oauth(const pdh_t_world *w, const char *token)
{
	static char kv[64];
	static char *env[3];

	snprintf(kv, sizeof(kv), "PIPEDRIVE_OAUTH_TOKEN=%s", token);
	env[0] = w->env_url;
	env[1] = kv;
	env[2] = NULL;
	return env;
}

/* apply -f FILE --auto-approve (-q when quiet) with the app's token. */
static void S_apply_as_app(pdh_t_run *r, pdh_t_world *w, bool quiet)
{
	if (quiet)
		pdh_t_world_run_env(r, w, S_oauth(w, APP), "apply", "-q", "-f", w->file,
		                    "--auto-approve", NULL);
	else
		pdh_t_world_run_env(r, w, S_oauth(w, APP), "apply", "-f", w->file, "--auto-approve",
		                    NULL);
}

static int S_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fake's whole state (every company webhook, the app's included) as "type url;" items,
 * sorted: creates run in parallel, so ids and order vary. */
static char *S_state_summary(pdh_t_world *w)
{
	char *text = pdh_t_fake_state(w->fake), *out = pdh_xstrdup(""), **items;
	json_t *doc = json_loads(text, 0, NULL), *arr, *h;
	size_t i, n;

	cr_assert_not_null(doc, "%s", text);
	arr = json_is_array(doc) ? doc : json_object_get(doc, "webhooks");
	cr_assert(json_is_array(arr), "%s", text);
	n = json_array_size(arr);
	items = pdh_xcalloc(n + 1, sizeof(*items));
	json_array_foreach(arr, i, h) {
		items[i] = pdh_xasprintf("%s %s;", json_string_value(json_object_get(h, "type")),
		                         json_string_value(json_object_get(h, "subscription_url")));
	}
	qsort(items, n, sizeof(*items), S_str_cmp);
	for (i = 0; i < n; i++) {
		char *next = pdh_xasprintf("%s%s", out, items[i]);
		free(out);
		free(items[i]);
		out = next;
	}
	free(items);
	json_decref(doc);
	free(text);
	return out;
}

static int S_writes(pdh_t_world *w)
{
	return pdh_t_fake_calls(w->fake, "POST") + pdh_t_fake_calls(w->fake, "DELETE");
}

/* A test's last step: another apply as the app, exit `status`, `says` on stdout (on stderr
 * when in_err), and no write beyond the 3 of the first apply (why); then the world goes. */
static void S_end_with_apply_writing_nothing(pdh_t_world *w, int status, bool in_err,
                                             const char *says, const char *why)
{
	pdh_t_run r;

	S_apply_as_app(&r, w, false);
	cr_expect_eq(r.status, status, "%s\n%s", r.out, r.err);
	cr_expect_not_null(strstr(in_err ? r.err : r.out, says), "no '%s' in:\n%s\n%s", says,
	                   r.out, r.err);
	cr_expect_eq(S_writes(w), 3, "%s", why);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(w);
}

Test(apps, an_app_converges_prunes_its_own_and_never_touches_what_it_cannot_see,
     .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *state;

	/* urls ["*"]: even owning every general webhook, the app deletes none of the company's,
	 * since its listing does not show them. */
	S_setup(&w, APP_FILE("manage:\n  urls: [\"*\"]\n"));
	S_apply_as_app(&r, &w, false);
	cr_expect_eq(r.status, 0, "apply: %s\n%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Manages general, application webhooks (OAuth token)."),
	                   "%s", r.out);
	cr_expect_not_null(strstr(r.out, "old.example.net/app/gone id=4"), "the app's undeclared "
	                   "webhook is pruned: %s", r.out);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 2);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 1);
	pdh_t_run_dispose(&r);

	state = S_state_summary(&w);
	cr_expect_str_eq(state, "application https://hooks.example.com/app/deals;"
	                 "application https://hooks.example.com/app/people;"
	                 "automation https://hooks.example.com/auto;"
	                 "general https://crm.example.org/people;"
	                 "general https://hooks.example.com/crm/deals;",
	                 "the company's webhooks are untouched, the app's are its file");
	free(state);

	S_end_with_apply_writing_nothing(&w, 0, false, "Nothing to do.",
	                                 "the second apply makes no write");
}

Test(apps, the_delete_everything_brake_counts_the_webhooks_the_app_sees, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;

	S_setup(&w, APP_FILE(""));
	S_apply_as_app(&r, &w, true);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_write_file(w.file, "pdhooks: 1\nmanage:\n  urls: [\"*\"]\nwebhooks: []\n");
	S_end_with_apply_writing_nothing(&w, 3, true, "it deletes every owned live webhook (2 of 2)",
	                                 "refused: no write beyond the first apply's");
}

Test(apps, manage_types_general_under_oauth_leaves_the_apps_webhooks_foreign, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *sum, *foreign, *h;
	size_t i;
	bool seen = false;

	S_setup(&w, APP_FILE("manage:\n  types: [general]\n  urls: [\"*\"]\n"));
	pdh_t_world_run_env(&r, &w, S_oauth(&w, APP), "plan", "-f", w.file, "--format",
	              "json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	doc = json_loads(r.out, 0, NULL);
	cr_assert_not_null(doc, "%s", r.out);
	sum = json_object_get(doc, "summary");
	cr_expect_eq(json_integer_value(json_object_get(sum, "delete")), 0, "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(sum, "auth")), "oauth");
	foreign = json_object_get(doc, "foreign");
	json_array_foreach(foreign, i, h) {
		if (json_integer_value(json_object_get(h, "id")) == 4) {
			seen = true;
			cr_expect_str_eq(json_string_value(json_object_get(h, "foreign_reason")),
			                 "type_not_managed");
		}
	}
	cr_expect(seen, "the app's webhook 4 is foreign: %s", r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apps, a_run_with_an_api_token_never_touches_application_webhooks, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *state;

	/* The file even lists application; the API token still leaves the app's webhook 4
	 * (at a URL the file owns) alone. */
	S_setup(&w, APP_FILE("manage:\n  types: [general, application]\n"
	                     "  urls: [\"https://old.example.net/\", "
	                     "\"https://hooks.example.com/app/\"]\n"));
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Manages general webhooks (API token)."), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "id=4 name=\"delete.deal\"  # application webhook; "
	                          "this run uses an API token"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "manage.types lists application, but this run uses an "
	                          "API token"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
	state = S_state_summary(&w);
	cr_expect_not_null(strstr(state, "application https://old.example.net/app/gone;"), "%s",
	                   state);
	free(state);
	pdh_t_world_teardown(&w);
}

Test(apps, a_missing_scope_is_named, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;

	S_setup(&w, APP_FILE(""));
	/* webhooks:read plans (a pull request's token) ... */
	pdh_t_world_run_env(&r, &w, S_oauth(&w, "app-ro"), "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	/* ... but does not apply */
	pdh_t_world_run_env(&r, &w, S_oauth(&w, "app-ro"), "apply", "-f", w.file,
	              "--auto-approve", NULL);
	cr_expect_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "the token lacks the webhooks:full scope, which POST "
	                          "/v1/webhooks needs"), "%s\n%s", r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0);
	pdh_t_run_dispose(&r);
	/* and a token without a webhooks scope cannot list */
	pdh_t_world_run_env(&r, &w, S_oauth(&w, "app-none"), "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "the token lacks the webhooks:read scope, which GET "
	                          "/v1/webhooks needs"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "PIPEDRIVE_OAUTH_TOKEN"), "which token: %s", r.err);
	cr_expect_null(strstr(r.err, "app-none"), "the token itself is never shown: %s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apps, a_saved_plan_made_with_an_api_token_is_stale_under_oauth, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *saved;

	S_setup(&w, APP_FILE(""));
	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	pdh_t_world_run(&r, &w, NULL, "plan", "-q", "-f", w.file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run_env(&r, &w, S_oauth(&w, APP), "apply", "--auto-approve", saved,
	              NULL);
	cr_expect_eq(r.status, 4, "%s\n%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "it was made with an API token and this run uses an "
	                          "OAuth token"), "%s", r.err);
	cr_expect_eq(S_writes(&w), 0);
	pdh_t_run_dispose(&r);
	free(saved);
	pdh_t_world_teardown(&w);
}
