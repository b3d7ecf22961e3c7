/* Every answer's x-correlation-id, as the fake sent it: in the -v line of each call, in the
 * message of a failed call, and in apply's JSON steps. The fake numbers its answers and logs
 * each id (GET /_fake/calls), so each is checked against what was sent. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "world.h"

/* The call log's entries (new reference). */
static json_t *S_log(pdh_t_world *w)
{
	char *out = NULL;
	json_error_t e;
	json_t *j, *log;

	cr_assert_eq(pdh_t_fake_control(w->fake, "GET", "/_fake/calls", NULL, &out), 200);
	j = json_loads(out, 0, &e);
	cr_assert_not_null(j, "%s", out);
	log = json_incref(json_object_get(j, "log"));
	json_decref(j);
	free(out);
	return log;
}

/* The correlation id of the log's entry i, and that it looks like a UUID. */
static const char *S_id(json_t *log, size_t i)
{
	const char *id = json_string_value(json_object_get(json_array_get(log, i), "correlation_id"));

	cr_assert_not_null(id, "no correlation_id in entry %zu", i);
	cr_expect_eq(strlen(id), 36, "%s", id);
	cr_expect_eq(strspn(id, "0123456789abcdef-"), 36, "%s", id);
	return id;
}

static void S_expect_has(const char *text, const char *a, const char *b)
{
	char *want = pdh_xasprintf("%s%s", a, b);

	cr_expect_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(want);
}

TestSuite(correlation, .timeout = 60);

/* -v: each call's line ends with its cost and the id of its answer, each answer's its own. */
Test(correlation, verbose_lines_carry_each_answers_id)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *log;

	pdh_t_world_setup(&w, NULL, PDH_T_ONE_DEAL_DESIRED);
	pdh_t_world_seed(&w, "%s", PDH_T_ONE_UNDECLARED_LIVE);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", "-v", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	log = S_log(&w);
	cr_assert_eq(json_array_size(log), 4, "list, POST, DELETE, verify");
	for (size_t i = 0; i < 4; i++) {
		const char *method = json_string_value(json_object_get(json_array_get(log, i),
		                                                       "method"));
		char *line = pdh_xasprintf("%s /v1/webhooks", method);
		const char *at = strstr(r.err, line);

		cr_expect_not_null(at, "no -v line for %s:\n%s", method, r.err);
		S_expect_has(r.err, " tokens (correlation id ", S_id(log, i));
		free(line);
	}
	cr_expect_str_neq(S_id(log, 0), S_id(log, 1));
	json_decref(log);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* A failed call's message quotes its answer's id, the one the fake logged. */
Test(correlation, a_failed_calls_message_quotes_it)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *log;
	char *want;

	pdh_t_world_setup(&w, (char *[]){ "--fail", "GET:400=bad request", NULL },
	                  PDH_T_ONE_DEAL_DESIRED);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	log = S_log(&w);
	cr_assert_eq(json_array_size(log), 1);
	want = pdh_xasprintf("HTTP 400: bad request; Please check developers.pipedrive.com for more "
	                     "information about Pipedrive API. (correlation id %s)", S_id(log, 0));
	cr_expect_not_null(strstr(r.err, want), "no '%s' in:\n%s", want, r.err);
	free(want);
	json_decref(log);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* apply --format json: each step names the id of its last answer, a failed one too. */
Test(correlation, apply_json_steps_carry_it)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *log, *doc, *steps;
	json_error_t e;

	pdh_t_world_setup(&w, (char *[]){ "--fail", "DELETE:409=locked", NULL },
	                  PDH_T_ONE_DEAL_DESIRED);
	pdh_t_world_seed(&w, "%s", PDH_T_ONE_UNDECLARED_LIVE);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--format", "json",
	                NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	pdh_t_world_check_apply_json(&w, r.out);
	log = S_log(&w);
	doc = json_loads(r.out, 0, &e);
	cr_assert_not_null(doc, "%s", r.out);
	steps = json_object_get(doc, "steps");
	cr_assert_eq(json_array_size(steps), 2, "%s", r.out);
	for (size_t i = 0; i < 2; i++) {
		json_t *st = json_array_get(steps, i);
		const char *want = strcmp(json_string_value(json_object_get(st, "action")), "create")
		                   == 0 ? "POST" : "DELETE";
		size_t k;

		for (k = 0; k < json_array_size(log); k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(log, k), "method")),
			           want) == 0)
				break;
		cr_assert_lt(k, json_array_size(log), "no %s in the log", want);
		cr_expect_str_eq(json_string_value(json_object_get(st, "correlation_id")), S_id(log, k),
		                 "%s", r.out);
	}
	json_decref(doc);
	json_decref(log);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
