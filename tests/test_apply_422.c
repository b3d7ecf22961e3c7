/* apply and a 422 on a create: only the 40-webhook limit (Pipedrive's text names it, or the
 * listing shows the user at 40) makes room by deleting first; any other 422 is a failed
 * create and the old webhook stays. A create that fails after a delete-first gets the old
 * webhook back. And one apply per token, however the API URL is spelled. Against
 * pdhooks-fake over real HTTP, pdhooks run as a process. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/apply_lock.h"
#include "pdhooks/buf.h"
#include "pdhooks/live.h"
#include "testutil.h"
#include "world.h"

#define HOOK(n) "  - {name: " n ", event_action: create, event_object: deal, " \
	"subscription_url: https://hooks.example.com/" n "}\n"
/* The file declares a and owns only its URL: other webhooks of the user are not its own. */
#define ONE "pdhooks: 1\nmanage: {urls: [\"https://hooks.example.com/a\"]}\nwebhooks:\n" HOOK("a")
/* The live a under an old name (so a replace), of user 1, with more keys (may be ""). */
#define OLD_A(more) "{\"id\":7,\"name\":\"a-old\",\"event_action\":\"create\"," \
	"\"event_object\":\"deal\",\"user_id\":1,\"owner_id\":1," more        \
	"\"subscription_url\":\"https://hooks.example.com/a\"}"
#define NOT_LIMIT "name contains forbidden characters"
#define PASSWORD "pw-old-SECRET-4242"

/* The fake's one webhook whose name is name; NULL when none. Borrowed from hooks. */
static json_t *S_hook_named(json_t *hooks, const char *name)
{
	size_t i;
	json_t *h;

	json_array_foreach(hooks, i, h) {
		const char *n = json_string_value(json_object_get(h, "name"));

		if (n && strcmp(n, name) == 0)
			return h;
	}
	return NULL;
}

/* A world with the fake started with args, the live a of OLD_A(more), and ONE as the file. */
static void S_setup(pdh_t_world *w, char *const args[], const char *more)
{
	char *state;

	pdh_t_world_setup(w, args, ONE);
	state = pdh_xasprintf("[%s]", more);
	pdh_t_fake_set_state(w->fake, state);
	free(state);
}

Test(apply_422, a_422_that_is_not_the_limit_keeps_the_old_webhook)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *hooks;

	/* Every POST refused for the name: before, the second refusal was taken for the limit,
	 * the old webhook deleted first, and the third refusal left the company without it. */
	S_setup(&w, (char *[]){ "--fail", "POST:422=" NOT_LIMIT ":3", NULL }, OLD_A(""));
	pdh_t_world_apply(&r, &w, 1, NULL, NULL);
	cr_expect_not_null(strstr(r.out, NOT_LIMIT), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "not the webhook limit"), "%s", r.out);
	cr_expect_null(strstr(r.out, "Delete-first"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "DELETE"), 0, "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 1, "a failed create is not sent again");
	hooks = pdh_t_world_hooks(&w);
	cr_expect_eq(json_array_size(hooks), 1);
	cr_expect_not_null(S_hook_named(hooks, "a-old"), "the old webhook is gone");
	json_decref(hooks);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_422, the_limit_named_by_pipedrive_is_still_done_delete_first)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *hooks;

	/* A limit of one webhook: the fake answers "Webhooks limit reached". */
	S_setup(&w, (char *[]){ "--max-webhooks", "1", NULL }, OLD_A(""));
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "Delete-first: 1 replace"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	hooks = pdh_t_world_hooks(&w);
	cr_expect_eq(json_array_size(hooks), 1);
	cr_expect_not_null(S_hook_named(hooks, "a"), "%s", r.out);
	json_decref(hooks);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_422, a_bare_422_with_the_user_at_40_in_the_listing_is_the_limit)
{
	pdh_t_world w;
	pdh_t_run r;
	char *state;
	pdh_buf b = PDH_BUF_INIT;

	/* User 1 has 40 webhooks (a and 39 on another host, not the file's); the 422 says only
	 * "Unprocessable Entity". The listing tells it is the limit. */
	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:422:2", NULL }, ONE);
	pdh_buf_puts(&b, "[" OLD_A(""));
	for (int i = 0; i < 39; i++)
		pdh_buf_printf(&b, ",{\"id\":%d,\"event_action\":\"create\",\"event_object\":\"note\","
		               "\"user_id\":1,\"owner_id\":1,\"subscription_url\":"
		               "\"https://other.example.com/%d\"}", 100 + i, i);
	pdh_buf_puts(&b, "]");
	state = pdh_buf_detach(&b);
	pdh_t_fake_set_state(w.fake, state);
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "Delete-first: 1 replace"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Verified"), "%s", r.out);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 40);
	free(state);
	pdh_buf_dispose(&b);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* The old webhook has a user and a password (listed masked); the limit holds for the first
 * three POSTs: the create, its try after the deletes, the create after the delete-first. */
static void S_failed_after_delete_first(pdh_t_world *w, pdh_t_run *r, const char *fail)
{
	char *args[] = { "--fail", (char *)fail, NULL };

	S_setup(w, args, OLD_A("\"http_auth_user\":\"ops\",\"http_auth_password\":\"" PASSWORD "\","));
	pdh_t_world_secret(w, PASSWORD);
	pdh_t_world_run(r, w, NULL, "apply", "-f", w->file, "--auto-approve", "--format", "json",
	                NULL);
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect_eq(pdh_t_fake_calls(w->fake, "DELETE"), 1, "%s", r->out);
}

/* The step of the apply document doc whose action is action; NULL when none. */
static json_t *S_step(json_t *doc, const char *action)
{
	size_t i;
	json_t *st;

	json_array_foreach(json_object_get(doc, "steps"), i, st)
		if (strcmp(json_string_value(json_object_get(st, "action")), action) == 0)
			return st;
	return NULL;
}

Test(apply_422, a_create_failing_after_a_delete_first_gets_the_old_webhook_back)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *hooks, *old, *del;

	S_failed_after_delete_first(&w, &r, "POST:422=Webhooks limit reached:3");
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 4, "%s", r.out);
	hooks = pdh_t_world_hooks(&w);
	old = S_hook_named(hooks, "a-old");
	cr_assert_not_null(old, "the old webhook was not made again:\n%s", r.out);
	cr_expect_neq(json_integer_value(json_object_get(old, "id")), 7);
	cr_expect_eq(json_integer_value(json_object_get(old, "user_id")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(old, "http_auth_user")), "ops");
	cr_expect(json_is_null(json_object_get(old, "http_auth_password")),
	          "the listed password (a mask) was sent back");
	cr_expect_str_eq(json_string_value(json_object_get(old, "subscription_url")),
	                 "https://hooks.example.com/a");
	doc = json_loads(r.out, 0, NULL);
	cr_assert_not_null(doc, "%s", r.out);
	del = S_step(doc, "delete");
	cr_assert_not_null(del, "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(del, "restore")), "restored");
	cr_expect_eq(json_integer_value(json_object_get(del, "restored_id")),
	             json_integer_value(json_object_get(old, "id")));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"),
	                                                "restored")), 1, "%s", r.out);
	cr_expect_not_null(strstr(json_string_value(json_object_get(S_step(doc, "create"), "error")),
	                          "re-created as webhook"), "%s", r.out);
	cr_expect_not_null(strstr(r.err, "re-created the old webhook"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "without its password"), "%s", r.err);
	pdh_t_world_check_apply_json(&w, r.out);
	json_decref(doc);
	json_decref(hooks);
	pdh_t_run_dispose(&r);
	/* the text output says so too (the limit holds no more: the replace is done) */
	pdh_t_world_fail(&w, "\"POST:422=Webhooks limit reached:3\"");
	pdh_t_world_apply(&r, &w, 1, NULL, NULL);
	pdh_t_expect_has(r.out, (const char *const[]){ "note: re-created the old webhook",
		"Re-created: 1 old webhook", NULL });
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_422, an_old_webhook_that_cannot_be_made_again_is_said_lost)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc;

	S_failed_after_delete_first(&w, &r, "POST:422=Webhooks limit reached:4");
	cr_expect_eq(pdh_t_world_count_hooks(&w), 0);
	doc = json_loads(r.out, 0, NULL);
	cr_assert_not_null(doc, "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(S_step(doc, "delete"), "restore")),
	                 "failed");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"),
	                                                "restore_failed")), 1, "%s", r.out);
	cr_expect_not_null(strstr(r.err, "could not re-create the old webhook"), "%s", r.err);
	pdh_t_world_check_apply_json(&w, r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_422, pipedrive_texts_that_name_the_limit)
{
	cr_expect(pdh_api_names_webhook_limit("Webhooks limit reached"));
	cr_expect(pdh_api_names_webhook_limit("webhooks LIMIT reached for this user"));
	cr_expect(pdh_api_names_webhook_limit("HTTP 422: Webhook limit exceeded"));
	cr_expect(pdh_api_names_webhook_limit("the maximum number of webhooks is 40"));
	cr_expect_not(pdh_api_names_webhook_limit("HTTP 422: " NOT_LIMIT));
	cr_expect_not(pdh_api_names_webhook_limit("Unprocessable Entity"));
	cr_expect_not(pdh_api_names_webhook_limit(NULL));
}

/* 12 webhooks, one call at a time, each answered after 150 ms (slower when pdhooks runs under
 * valgrind: the second apply must meet the first one's lock, not find its work done). */
#define TWELVE "pdhooks: 1\nwebhooks:\n" HOOK("h1") HOOK("h2") HOOK("h3") HOOK("h4") HOOK("h5") \
	HOOK("h6") HOOK("h7") HOOK("h8") HOOK("h9") HOOK("h10") HOOK("h11") HOOK("h12")

Test(apply_422, localhost_and_127_0_0_1_are_one_company_for_one_token)
{
	pdh_t_world w;
	pdh_t_bg a, b;
	pdh_t_run ra, rb;
	char *local, *env_local, *line;
	char *latency = pdh_t_slow_ms(150);

	pdh_t_world_setup(&w, (char *[]){ "--latency-ms", latency, NULL }, TWELVE);
	free(latency);
	local = pdh_xstrdup(pdh_t_fake_url(w.fake));
	cr_assert_eq(strncmp(local, "http://127.0.0.1:", 17), 0, "%s", local);
	env_local = pdh_xasprintf("PIPEDRIVE_API_URL=http://localhost:%s", local + 17);
	pdh_t_bg_start(&a, &w, (char *[]){ env_local, NULL }, "apply", "-f", w.file,
	               "--auto-approve", "--parallelism", "1", NULL);
	/* a holds its lock once it prints its first result */
	while ((line = pdh_t_bg_line(&a, 20.0)) != NULL && strncmp(line, "created ", 8) != 0)
		free(line);
	cr_assert_not_null(line, "the first apply printed no result");
	free(line);
	pdh_t_bg_start(&b, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--parallelism", "1",
	               NULL);
	pdh_t_bg_wait(&b, &rb);
	pdh_t_bg_wait(&a, &ra);
	cr_expect_eq(ra.status, 0, "%s%s", ra.out, ra.err);
	cr_expect_eq(rb.status, 1, "%s%s", rb.out, rb.err);
	cr_expect_not_null(strstr(rb.err, "another pdhooks apply"), "%s", rb.err);
	cr_expect_eq(pdh_t_world_count_hooks(&w), 12);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 12);
	free(env_local);
	free(local);
	pdh_t_run_dispose(&ra);
	pdh_t_run_dispose(&rb);
	pdh_t_world_teardown(&w);
}

Test(apply_422, the_lock_file_depends_on_the_token_alone)
{
	char *a = pdh_apply_lock_path("tok-a"), *a2 = pdh_apply_lock_path("tok-a");
	char *b = pdh_apply_lock_path("tok-b");

	cr_expect_str_eq(a, a2);
	cr_expect_str_neq(a, b);
	cr_expect_null(strstr(a, "tok-a"), "the token is in the file name: %s", a);
	free(a);
	free(a2);
	free(b);
}
