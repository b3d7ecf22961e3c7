/* Many owners in one company (DESIGN.md, "Ownership markers", "Choosing part of a plan for
 * one run", "Export"), end to end: the pdhooks binary against pdhooks-fake over HTTP. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "fake.h"
#include "testutil.h"
#include "world.h"

#define HOST "https://hooks.example.com/pipedrive/"
#define OWNED_HEAD "pdhooks: 1\nmanage:\n  owner: crm-infra\nwebhooks:\n"
#define DEALS PDH_T_YAML_HOOK("deals", "create", "deal", HOST "deals")

/* A live webhook for the fake's state. */
#define LIVE(id, action, object, url, name)                                                \
	"{\"id\":" #id ",\"type\":\"general\",\"event_action\":\"" action "\","               \
	"\"event_object\":\"" object "\",\"subscription_url\":\"" url "\",\"name\":\"" name "\"}"

/* The live webhook with this id in the fake, or NULL. Borrowed from hooks. */
static json_t *S_hook(json_t *hooks, long long id)
{
	size_t i;
	json_t *h;

	json_array_foreach(hooks, i, h)
		if (json_integer_value(json_object_get(h, "id")) == id)
			return h;
	return NULL;
}

/* The name of the one live webhook whose URL is url. Caller frees. */
static char *S_name_of(pdh_t_world *w, const char *url)
{
	json_t *hooks = pdh_t_world_hooks(w), *h;
	char *name = NULL;
	size_t i;

	json_array_foreach(hooks, i, h)
		if (strcmp(json_string_value(json_object_get(h, "subscription_url")), url) == 0)
			name = pdh_xstrdup(json_string_value(json_object_get(h, "name")));
	json_decref(hooks);
	cr_assert_not_null(name, "no live webhook at %s", url);
	return name;
}

/* The live webhook at url is named want. */
static void S_expect_name(pdh_t_world *w, const char *url, const char *want)
{
	char *name = S_name_of(w, url);

	cr_expect_str_eq(name, want);
	free(name);
}

Test(owners, created_webhooks_carry_the_marker_and_a_long_name_plans_nothing_again,
     .timeout = 60)
{
	char name[251];
	char *yaml, *got;
	pdh_t_world w;
	pdh_t_run r;

	memset(name, 'n', 250);
	name[250] = '\0';
	yaml = pdh_xasprintf(OWNED_HEAD "%s" PDH_T_YAML_HOOK("%s", "create", "person",
	                     HOST "people"), DEALS, name);
	pdh_t_world_setup(&w, NULL, yaml);
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	pdh_t_run_dispose(&r);
	S_expect_name(&w, HOST "deals", "deals [pdhooks:crm-infra]");
	got = S_name_of(&w, HOST "people");
	cr_expect_eq(strlen(got), 255, "%s", got);
	cr_expect(strncmp(got, name, 255 - strlen(" [pdhooks:crm-infra]")) == 0 &&
	          strcmp(got + 255 - strlen(" [pdhooks:crm-infra]"), " [pdhooks:crm-infra]") == 0,
	          "%s", got);
	free(got);
	/* A clean re-plan: the cut name compares equal, the marker is not part of the name. */
	pdh_t_world_reset_calls(&w);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "No changes. 2 unchanged"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 1, 0, 0);
	pdh_t_world_teardown(&w);
	free(yaml);
}

Test(owners, prune_spares_another_owners_and_unmarked_webhooks, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *hooks;

	pdh_t_world_setup(&w, NULL, OWNED_HEAD DEALS);
	pdh_t_world_seed(&w, "[%s,%s,%s,%s]",
	                 LIVE(1, "create", "deal", HOST "deals", "deals [pdhooks:crm-infra]"),
	                 LIVE(2, "change", "deal", HOST "old", "old [pdhooks:crm-infra]"),
	                 LIVE(3, "change", "deal", HOST "sales", "sales [pdhooks:sales-ops]"),
	                 LIVE(4, "change", "person", HOST "hand", "made by hand"));
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "owned by pdhooks:sales-ops"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "# unmarked"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 2, 0, 1);
	hooks = pdh_t_world_hooks(&w);
	cr_expect_null(S_hook(hooks, 2), "its own undeclared webhook is pruned");
	cr_expect_not_null(S_hook(hooks, 3), "another owner's webhook stays");
	cr_expect_not_null(S_hook(hooks, 4), "an unmarked webhook stays");
	json_decref(hooks);
	pdh_t_world_teardown(&w);
}

Test(owners, an_unmarked_webhook_is_adopted_only_with_adopt, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, OWNED_HEAD DEALS);
	pdh_t_world_seed(&w, "[%s]", LIVE(1, "create", "deal", HOST "deals", "deals"));
	/* Without --adopt: it counts as the key's webhook; nothing is created beside it. */
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "has no ownership marker"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 1, 0, 0);
	/* With --adopt: replaced by a marked one, the create first. */
	pdh_t_world_reset_calls(&w);
	pdh_t_world_apply(&r, &w, 0, "--adopt", NULL);
	cr_expect_not_null(strstr(r.out, "# adopt"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 2, 1, 1);
	S_expect_name(&w, HOST "deals", "deals [pdhooks:crm-infra]");
	pdh_t_world_teardown(&w);
}

Test(owners, another_owners_key_is_a_conflict_unless_taken_over, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, OWNED_HEAD DEALS);
	pdh_t_world_seed(&w, "[%s]", LIVE(7, "create", "deal", HOST "deals",
	                                  "deals [pdhooks:sales-ops]"));
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	pdh_t_expect_has(r.err, (const char *const[]){ "pdhooks:sales-ops", "pdhooks:crm-infra",
		"--takeover sales-ops", NULL });
	pdh_t_run_dispose(&r);
	pdh_t_world_apply(&r, &w, 1, NULL, NULL);
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 2, 0, 0);
	pdh_t_world_apply(&r, &w, 0, "--takeover", "sales-ops");
	cr_expect_not_null(strstr(r.out, "takeover: owned by pdhooks:sales-ops"), "%s", r.out);
	pdh_t_run_dispose(&r);
	S_expect_name(&w, HOST "deals", "deals [pdhooks:crm-infra]");
	pdh_t_world_teardown(&w);
}

#define ROTATE(version)                                                                     \
	OWNED_HEAD PDH_T_YAML_HOOK("deals", "create", "deal", HOST "deals")                   \
	"    http_auth_user: pipedrive\n    http_auth_password: ${PD_HOOK_PASSWORD}\n"         \
	"    http_auth_password_version: " version "\n"

Test(owners, a_password_rotation_is_planned_and_applied_without_showing_it, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *hooks, *h;
	size_t i, n = 0;

	pdh_t_world_setup(&w, (char *[]){ "--password-listing", "masked", NULL }, ROTATE("1"));
	pdh_t_world_setenv(&w, "PD_HOOK_PASSWORD=Rotated-Old-41");
	pdh_t_world_secret(&w, "Rotated-Old-41");
	pdh_t_world_secret(&w, "Rotated-New-42");
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	pdh_t_run_dispose(&r);
	/* The same version: nothing to do, although the listing masks the password. */
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	/* A new secret and the version bumped: one replace, reason rotated. */
	pdh_t_world_desired(&w, ROTATE("2"));
	pdh_t_world_run(&r, &w, (char *[]){ "PD_HOOK_PASSWORD=Rotated-New-42", NULL }, "plan",
	                "-f", w.file, "--format", "json", NULL);
	cr_expect_not_null(strstr(r.out, "rotated: password version 1 -> 2"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, (char *[]){ "PD_HOOK_PASSWORD=Rotated-New-42", NULL }, "apply",
	                "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "rotated: password version 1 -> 2"), "%s", r.out);
	pdh_t_run_dispose(&r);
	/* The new webhook has the new password (never the listing's mask) and version 2. */
	hooks = pdh_t_world_hooks(&w);
	json_array_foreach(hooks, i, h) {
		n++;
		cr_expect_str_eq(json_string_value(json_object_get(h, "name")),
		                 "deals [pdhooks:crm-infra:2]");
		cr_expect_str_eq(json_string_value(json_object_get(h, "http_auth_password")),
		                 "Rotated-New-42");
	}
	cr_expect_eq(n, 1);
	json_decref(hooks);
	pdh_t_world_teardown(&w);
}

#define TWO_HOOKS OWNED_HEAD DEALS PDH_T_YAML_HOOK("people", "create", "person", HOST "people")

Test(owners, target_and_exclude_in_plan_apply_and_a_saved_plan, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *saved;

	pdh_t_world_setup(&w, NULL, TWO_HOOKS);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--target", "*.deal *", "--format",
	                "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "\"excluded\": 1"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--exclude", "create.person *", "-o",
	                w.planfile, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "1 to create"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "1 excluded."), "%s", r.out);
	pdh_t_run_dispose(&r);
	saved = pdh_t_read_file(w.planfile, NULL);
	cr_expect_not_null(strstr(saved, "create.person *"), "%s", saved);
	free(saved);
	/* apply PLANFILE plans with the saved patterns (and refuses new ones). */
	pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", "--target", "*", w.planfile,
	                NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.err, "are kept in the saved plan"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", w.planfile, NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_world_count_url(&w, HOST "deals", false), 1);
	cr_expect_eq(pdh_t_world_count_url(&w, HOST "people", false), 0);
	/* apply -f with --target: the rest. */
	pdh_t_world_apply(&r, &w, 0, "--target", "create.person *");
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_world_count_url(&w, HOST "people", false), 1);
	pdh_t_world_teardown(&w);
}

#define ZAP "https://hooks.zapier.com/hooks/catch/"

Test(owners, export_claims_its_urls_so_a_colleagues_later_webhook_is_not_deleted,
     .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *out;

	pdh_t_world_setup(&w, NULL, NULL);
	pdh_t_world_seed(&w, "[%s]", LIVE(1, "create", "deal", ZAP "1/aaa/", "ours"));
	out = pdh_t_world_path(&w, "exported.yaml");
	pdh_t_world_run(&r, &w, NULL, "export", "-o", out, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	/* A colleague's catch hook on the same host, made later. */
	pdh_t_world_seed(&w, "[%s,%s]", LIVE(1, "create", "deal", ZAP "1/aaa/", "ours"),
	                 LIVE(2, "create", "deal", ZAP "2/bbb/", "a colleague's zap"));
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", out, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, "not declared"), "%s", r.out);
	pdh_t_run_dispose(&r);
	free(out);
	pdh_t_world_teardown(&w);
}

/* export --owner leaves out another owner's webhooks and says so in those words, not as a
 * webhook "of a type not managed". */
Test(owners, export_names_what_it_left_out_for_another_owner, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, NULL);
	pdh_t_world_seed(&w, "[%s,%s]",
	                 LIVE(1, "create", "deal", "https://h.example.com/a", "a [pdhooks:crm]"),
	                 LIVE(2, "create", "deal", "https://h.example.com/b", "b [pdhooks:sales]"));
	pdh_t_world_run(&r, &w, NULL, "export", "--owner", "crm", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "exported 1 webhook (1 API call, 10 tokens; left out: 0 "
	                          "duplicates, 0 of a type not managed, 1 of another owner)"), "%s",
	                   r.err);
	cr_expect_null(strstr(r.out, "h.example.com/b"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
