/* apply at the webhook limit: delete-first only where deleting makes room for the new one. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define DESIRED \
	"pdhooks: 1\n" \
	"defaults: {user_id: 1}\n" \
	"webhooks:\n" \
	"  - {event_action: create, event_object: deal, subscription_url: https://hooks.example.com/x}\n" \
	"  - {event_action: create, event_object: note, subscription_url: https://hooks.example.com/a}\n" \
	"  - {event_action: create, event_object: person, subscription_url: https://hooks.example.com/b}\n"

/* A live webhook of the fake's state, made by owner for user, with more keys (may be ""). */
#define LIVE(id, object, owner, user, more, url)                                          \
	"{\"id\":" #id ",\"event_action\":\"create\",\"event_object\":\"" object "\"," \
	"\"owner_id\":" #owner ",\"user_id\":" #user "," more                               \
	"\"subscription_url\":\"https://hooks.example.com/" url "\"}"

/* apply of desired with the fake at a limit of two webhooks a user and live its state;
 * expects exit status want. */
static void S_apply_at_the_limit(pdh_t_world *w, pdh_t_run *r, const char *desired,
                                 const char *live, int want)
{
	pdh_t_world_setup(w, (char *[]){ "--max-webhooks", "2", NULL }, desired);
	pdh_t_fake_set_state(w->fake, live);
	pdh_t_world_apply(r, w, want, NULL, NULL);
}

/* User 1 (the caller) is at its limit of two; x was made by user 2 for user 3, and the file
 * gives it to user 1. Deleting x frees room for user 2 (owner) and user 3 (user_id), never for
 * user 1: done delete-first, x would be lost and nothing made in its place. */
Test(apply_delete_first, a_replace_that_moves_the_webhook_to_another_user_is_not_done_delete_first)
{
	pdh_t_world w;
	pdh_t_run r;
	char *state;

	S_apply_at_the_limit(&w, &r, DESIRED,
	                     "[" LIVE(10, "deal", 2, 3, "", "x") "," LIVE(11, "note", 1, 1, "", "a") ","
	                     LIVE(12, "person", 1, 1, "", "b") "]", 1);
	cr_expect_not_null(strstr(r.out, "not done delete-first: the webhook moves from user 3 to "
	                                 "user 1"), "%s", r.out);
	cr_expect_null(strstr(r.out, "Delete-first:"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0, "%s", r.out);
	state = pdh_t_fake_state(w.fake);
	cr_expect_eq(pdh_t_world_count_url(&w, "https://hooks.example.com/x", true), 1,
	             "the old webhook is kept:\n%s", state);
	free(state);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* The same user: deleting the old one makes its room, and delete-first converges. */
Test(apply_delete_first, a_replace_for_the_same_user_at_the_limit_is_still_done_delete_first)
{
	pdh_t_world w;
	pdh_t_run r;

	S_apply_at_the_limit(&w, &r, "pdhooks: 1\n"
	                     "webhooks:\n"
	                     "  - {name: new, event_action: create, event_object: deal, "
	                     "subscription_url: https://hooks.example.com/x, user_id: 1}\n"
	                     "  - {event_action: create, event_object: note, "
	                     "subscription_url: https://hooks.example.com/a}\n",
	                     "[" LIVE(10, "deal", 1, 1, "\"name\":\"old\",", "x") ","
	                     LIVE(11, "note", 1, 1, "", "a") "]", 0);
	pdh_t_expect_has(r.out, (const char *const[]){ "Delete-first: 1 replace", "Verified", NULL });
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* A password from a variable that CI leaves empty is no password: the create sends null, and
 * the next run (the listing shows real passwords here, so "none" is known) has nothing to do,
 * from the file and from a saved plan alike. */
Test(apply_delete_first, an_empty_password_converges)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, (char *[]){ "--password-listing", "real", NULL },
	                  "pdhooks: 1\n"
	                  "webhooks:\n"
	                  "  - event_action: create\n"
	                  "    event_object: deal\n"
	                  "    subscription_url: https://hooks.example.com/d\n"
	                  "    http_auth_user: ops\n"
	                  "    http_auth_password: ${PDH_QA_UNSET_PASSWORD:-}\n");
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", "-o",
	                w.planfile, NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "apply", w.planfile, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0);
	pdh_t_world_teardown(&w);
}

/* apply --format json keeps its promise of one document on stdout when a brake (exit 3) or a
 * missing confirmation (exit 1) refuses the plan before any call. */
Test(apply_delete_first, a_refused_apply_still_prints_its_json_document)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *sum, *ver;

	pdh_t_world_setup(&w, NULL, "pdhooks: 1\nmanage: {urls: [\"https://hooks.example.com/\"]}\n"
	                            "webhooks: []\n");
	pdh_t_fake_set_state(w.fake, "["
		"{\"event_action\":\"create\",\"event_object\":\"deal\","
		"\"subscription_url\":\"https://hooks.example.com/a\"},"
		"{\"event_action\":\"create\",\"event_object\":\"note\","
		"\"subscription_url\":\"https://hooks.example.com/b\"}]");
	for (int i = 0; i < 2; i++) {
		if (i == 0)
			pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--format",
			                "json", NULL);
		else
			pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--force", "--format",
			                "json", NULL);
		cr_expect_eq(r.status, i == 0 ? 3 : 1, "%s", r.err);
		doc = json_loads(r.out, 0, NULL);
		cr_assert_not_null(doc, "stdout is not one JSON document:\n%s", r.out);
		sum = json_object_get(doc, "summary");
		ver = json_object_get(doc, "verification");
		cr_expect_eq(json_integer_value(json_object_get(sum, "exit_code")), r.status);
		cr_expect_not_null(strstr(json_string_value(json_object_get(sum, "error")),
		                          i == 0 ? "refused: it deletes every owned live webhook"
		                                 : "needs confirmation"), "%s", r.out);
		cr_expect(json_is_false(json_object_get(ver, "verified")), "%s", r.out);
		cr_expect(json_is_false(json_object_get(ver, "converged")), "%s", r.out);
		cr_expect_eq(json_integer_value(json_object_get(sum, "calls")), 1);
		json_decref(doc);
		pdh_t_run_dispose(&r);
	}
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0);
	pdh_t_world_teardown(&w);
}
