/* apply --format json when there is no plan to apply: a stale saved plan (exit 4), the API
 * unreachable (exit 5), a desired file with errors (exit 1). A CI job that reads the
 * document from stdout still gets one, valid against schemas/apply.schema.json, with the exit
 * code and the reason, and nothing applied. Against pdhooks-fake over real HTTP. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

#define ONE                                                                             \
	"pdhooks: 1\nwebhooks:\n"                                                       \
	"  - {event_action: create, event_object: deal, "                               \
	"subscription_url: https://hooks.example.com/one}\n"

/* How a case spoils the plan before `apply --format json` runs. */
typedef enum { S_STALE, S_UNAVAILABLE, S_BAD_FILE } S_spoil;

typedef struct {
	S_spoil spoil;
	int status;          /* the exit code, also the document's summary.exit_code */
	const char *error;   /* a part of summary.error */
} S_case;

/* Runs the case's apply in a fresh world and checks its one document. */
static void S_run_case(const S_case *c)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *sum, *ver;
	json_error_t jerr;
	const char *error;

	pdh_t_world_setup(&w, NULL, ONE);
	if (c->spoil == S_STALE) {
		pdh_t_world_run(&r, &w, NULL, "plan", "-q", "-f", w.file, "-o", w.planfile, NULL);
		cr_assert_eq(r.status, 0, "%s", r.err);
		pdh_t_run_dispose(&r);
		/* someone adds the webhook by hand: the owned live state changed since the plan */
		pdh_t_world_seed(&w, "[{\"id\": 7, \"event_action\": \"create\", \"event_object\": "
		                     "\"deal\", \"subscription_url\": \"https://hooks.example.com/one\"}]");
	} else if (c->spoil == S_UNAVAILABLE) {
		pdh_t_world_fail(&w, "\"GET:503:1000\"");
	} else {
		pdh_t_world_desired(&w, "pdhooks: 1\nwebhooks:\n  - {event_action: create}\n");
	}
	pdh_t_world_reset_calls(&w);
	if (c->spoil == S_STALE)
		pdh_t_world_run(&r, &w, NULL, "apply", "--format", "json", w.planfile, NULL);
	else
		pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", "--format", "json", "-f",
		                w.file, NULL);
	cr_expect_eq(r.status, c->status, "exit %d: %s", r.status, r.err);
	pdh_t_world_expect_calls(&w, c->spoil == S_UNAVAILABLE ? 5 : c->spoil == S_STALE, 0, 0);

	doc = json_loads(r.out, 0, &jerr);
	cr_assert_not_null(doc, "stdout is not one JSON document (%s): '%s'", jerr.text, r.out);
	sum = json_object_get(doc, "summary");
	ver = json_object_get(doc, "verification");
	cr_expect_eq(json_array_size(json_object_get(doc, "steps")), 0, "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(sum, "exit_code")), c->status, "%s", r.out);
	cr_expect_eq(json_integer_value(json_object_get(sum, "created")), 0, "%s", r.out);
	error = json_string_value(json_object_get(sum, "error"));
	cr_expect(error != NULL && strstr(error, c->error) != NULL, "summary.error: %s", r.out);
	cr_expect(json_is_false(json_object_get(ver, "converged")), "%s", r.out);
	cr_expect_str_eq(json_string_value(json_object_get(ver, "error")), "nothing was applied");

	pdh_t_world_check_apply_json(&w, r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(apply_json_errors, a_stale_saved_plan_is_one_document_with_exit_4)
{
	S_run_case(&(S_case){ S_STALE, 4, "the saved plan is stale" });
}

Test(apply_json_errors, an_unreachable_api_is_one_document_with_exit_5, .timeout = 60)
{
	S_run_case(&(S_case){ S_UNAVAILABLE, 5, "could not check the live webhooks" });
}

Test(apply_json_errors, a_bad_file_is_one_document_with_exit_1)
{
	S_run_case(&(S_case){ S_BAD_FILE, 1, "pdhooks.yaml does not load: 2 errors" });
}
