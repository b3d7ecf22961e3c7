/* apply's output while it works and after: the JSON document (schemas/apply.schema.json),
 * result lines printed as each step settles, the rate-limit waits said on stderr, and a call
 * count that includes the plan's listing. All against pdhooks-fake over real HTTP. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define HOOK(n) "  - {name: " n ", event_action: create, event_object: deal, " \
	"subscription_url: https://hooks.example.com/" n "}\n"
#define ONE "pdhooks: 1\nwebhooks:\n" HOOK("a")
#define TWO "pdhooks: 1\nwebhooks:\n" HOOK("a") HOOK("b")
#define FOUR "pdhooks: 1\nwebhooks:\n" HOOK("a") HOOK("b") HOOK("c") HOOK("d")

/* Lines of text that start with prefix. */
static int S_count_prefix(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return n;
}

/* Validates the document in path against schemas/apply.schema.json with python3-jsonschema
 * (Draft 2020-12). */
static void S_validate(const char *path)
{
	const char *src = getenv("PDH_SOURCE_DIR");
	char *schema;

	cr_assert_not_null(src, "PDH_SOURCE_DIR is not set (run the suite through ctest)");
	schema = pdh_xasprintf("%s/schemas/apply.schema.json", src);
	cr_expect_eq(pdh_t_python(NULL, "validate_plan.py", NULL, schema, path, NULL), 0,
	             "%s is not valid against apply.schema.json (the errors above)", path);
	free(schema);
}

/* Whether the fake's state holds a webhook with this id. */
static bool S_state_has_id(pdh_t_fake *f, json_int_t id)
{
	char *state = pdh_t_fake_state(f);
	json_t *a = json_loads(state, 0, NULL);
	size_t i;
	json_t *w;
	bool found = false;

	cr_assert_not_null(a);
	json_array_foreach(a, i, w)
		if (json_integer_value(json_object_get(w, "id")) == id)
			found = true;
	json_decref(a);
	free(state);
	return found;
}

Test(apply_stream, json_document_validates_and_names_the_created_ids)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *steps, *st, *sum;
	json_error_t jerr;
	char *path;
	size_t i;
	int creates = 0, deletes = 0;

	pdh_t_world_setup(&w, NULL, TWO);
	pdh_t_fake_set_state(w.fake, "[{\"event_action\":\"create\",\"event_object\":\"deal\","
	                     "\"subscription_url\":\"https://hooks.example.com/old\"}]");
	pdh_t_pdhooks(&r, w.env, NULL, "apply", "-f", w.file, "--auto-approve", "--format",
	              "json", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	/* stdout is the one document; the plan went to stderr */
	doc = json_loads(r.out, 0, &jerr);
	cr_assert_not_null(doc, "stdout is not one JSON document (%s):\n%s", jerr.text, r.out);
	cr_expect_not_null(strstr(r.err, "Plan: 2 to create"), "%s", r.err);
	path = pdh_xasprintf("%s/apply.json", w.dir);
	pdh_t_write_file(path, r.out);
	S_validate(path);

	steps = json_object_get(doc, "steps");
	cr_assert_eq(json_array_size(steps), 3);
	json_array_foreach(steps, i, st) {
		const char *action = json_string_value(json_object_get(st, "action"));
		json_int_t id = json_integer_value(json_object_get(st, "webhook_id"));

		cr_expect_eq(json_integer_value(json_object_get(st, "attempts")), 1);
		cr_expect(json_is_null(json_object_get(st, "error")));
		if (strcmp(action, "create") == 0) {
			creates++;
			cr_expect_str_eq(json_string_value(json_object_get(st, "outcome")), "created");
			cr_expect_gt(id, 0);
			cr_expect(S_state_has_id(w.fake, id), "created id %lld is not live",
			          (long long)id);
		} else {
			deletes++;
			cr_expect_str_eq(json_string_value(json_object_get(st, "outcome")), "deleted");
			cr_expect_eq(id, 1);
			cr_expect_not(S_state_has_id(w.fake, 1));
		}
	}
	cr_expect_eq(creates, 2);
	cr_expect_eq(deletes, 1);
	sum = json_object_get(doc, "summary");
	cr_expect_eq(json_integer_value(json_object_get(sum, "created")), 2);
	cr_expect_eq(json_integer_value(json_object_get(sum, "deleted")), 1);
	cr_expect_eq(json_integer_value(json_object_get(sum, "calls")),
	             pdh_t_fake_calls(w.fake, NULL));
	cr_expect(json_is_true(json_object_get(json_object_get(doc, "verification"),
	                                       "converged")));
	json_decref(doc);
	free(path);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_stream, json_document_of_a_failed_step_carries_pipedrives_text)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *st;
	char *path;

	pdh_t_world_setup(&w, (char *[]){ "--fail", "POST:400", NULL }, ONE);
	pdh_t_world_apply(&r, &w, 1, "--format", "json");
	doc = json_loads(r.out, 0, NULL);
	cr_assert_not_null(doc, "%s", r.out);
	path = pdh_xasprintf("%s/failed.json", w.dir);
	pdh_t_write_file(path, r.out);
	S_validate(path);
	st = json_array_get(json_object_get(doc, "steps"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(st, "outcome")), "failed");
	cr_expect_eq(json_integer_value(json_object_get(st, "http_status")), 400);
	cr_expect_not_null(strstr(json_string_value(json_object_get(st, "error")), "HTTP 400"));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"),
	                                                "exit_code")), 1);
	json_decref(doc);
	free(path);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_stream, json_with_nothing_to_do_is_one_document_too)
{
	pdh_t_world w;
	pdh_t_run r;
	char *path;

	pdh_t_world_setup(&w, NULL, "pdhooks: 1\nwebhooks: []\n");
	pdh_t_pdhooks(&r, w.env, NULL, "apply", "-f", w.file, "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	path = pdh_xasprintf("%s/nothing.json", w.dir);
	pdh_t_write_file(path, r.out);
	S_validate(path);
	/* the listing, and /users/me: the company is empty */
	cr_expect_not_null(strstr(r.out, "\"calls\": 2"), "%s", r.out);
	free(path);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_stream, format_markdown_is_refused)
{
	pdh_t_world_expect_option_refused(FOUR, "apply", "--format", "markdown",
	                                  "expected text or json");
}

Test(apply_stream, each_result_is_printed_as_it_settles)
{
	pdh_t_world w;
	pdh_t_bg b;
	pdh_t_run r;
	char *line;
	int posts_then = -1;

	/* 300 ms per call, one at a time: four creates take more than a second. */
	pdh_t_world_setup(&w, (char *[]){ "--latency-ms", "300", NULL }, FOUR);
	pdh_t_bg_start(&b, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--parallelism",
	               "1", NULL);
	while ((line = pdh_t_bg_line(&b, 20.0)) != NULL) {
		bool created = strncmp(line, "created ", 8) == 0;

		free(line);
		if (created) {
			posts_then = pdh_t_fake_calls(w.fake, "POST");
			break;
		}
	}
	pdh_t_bg_wait(&b, &r);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	/* the first result line came while later creates were still to be sent */
	cr_expect_geq(posts_then, 1, "no result line:\n%s", r.out);
	cr_expect_lt(posts_then, 4, "the first result line came after all %d POSTs", posts_then);
	cr_expect_eq(S_count_prefix(r.out, "created "), 4, "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 4);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* 3 calls per 2 s: the listing and two creates, then apply must pause for the window. The
 * four creates made one at a time, quietly (-q: the waits are not said) or not. */
static void S_rate_limited_case(bool quiet)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, (char *[]){ "--rate-limit", "3", NULL }, FOUR);
	if (quiet) {
		pdh_t_world_run(&r, &w, NULL, "apply", "-q", "-f", w.file, "--auto-approve",
		                "--parallelism", "1", NULL);
		cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
		cr_expect_null(strstr(r.err, "waiting"), "%s", r.err);
	} else {
		pdh_t_world_apply(&r, &w, 0, "--parallelism", "1");
		cr_expect_not_null(strstr(r.err, "pdhooks: waiting "), "%s", r.err);
		cr_expect_not_null(strstr(r.err, "rate limit"), "%s", r.err);
		cr_expect_not_null(strstr(r.out, "Waited "), "%s", r.out);
	}
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_stream, a_rate_limit_wait_is_said_on_stderr)
{
	S_rate_limited_case(false);
}

Test(apply_stream, quiet_keeps_the_waits_to_itself)
{
	S_rate_limited_case(true);
}

Test(apply_stream, the_call_count_includes_the_plans_listing)
{
	pdh_t_world w;
	pdh_t_run r;
	char *want;

	/* One 503 on the first listing: its retry is counted too. */
	pdh_t_world_setup(&w, (char *[]){ "--fail", "GET:503:1", NULL }, TWO);
	pdh_t_world_apply(&r, &w, 0, NULL, NULL);
	/* 2 listings for the plan (503, then 200), /users/me (the company is empty), 2 creates,
	 * the verification listing; every answered call costs its tokens, the 503 too */
	want = pdh_xasprintf("(%d API calls, %d tokens)", 6, 52);
	cr_expect_not_null(strstr(r.out, want), "%s", r.out);
	free(want);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
