/* Times in the listing, in either form Pipedrive writes them (ISO 8601, "YYYY-MM-DD
 * HH:MM:SS" UTC), come out of every JSON document as ISO 8601 UTC; a time in neither form is
 * kept as written and noted, never an error. The fake keeps seeded times as given and makes
 * v1 ones with --time-format v1. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "world.h"

#define S_DESIRED                                                                 \
	PDH_T_YAML_HEAD PDH_T_YAML_HOOK("v1", "create", "deal",                   \
	                                "https://hooks.example.com/pipedrive/v1") \
	PDH_T_YAML_HOOK("iso", "create", "person", "https://hooks.example.com/pipedrive/iso")

/* Two owned webhooks, one with each form, failing (so plan lists their deliveries too). */
#define S_LIVE(v1_time, iso_time)                                                            \
	"[{\"id\":1,\"name\":\"v1\",\"event_action\":\"create\",\"event_object\":\"deal\","      \
	"\"subscription_url\":\"https://hooks.example.com/pipedrive/v1\",\"add_time\":"          \
	"\"2019-10-25 08:25:27\",\"last_delivery_time\":\"" v1_time "\","                        \
	"\"last_http_status\":500,\"remove_time\":\"2019-10-26 00:00:01\"},"                     \
	"{\"id\":2,\"name\":\"iso\",\"event_action\":\"create\",\"event_object\":\"person\","    \
	"\"subscription_url\":\"https://hooks.example.com/pipedrive/iso\",\"add_time\":"         \
	"\"2019-10-25T08:25:27.000Z\",\"last_delivery_time\":\"" iso_time "\","                  \
	"\"last_http_status\":500}]"

static json_t *S_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, text);
	return j;
}

/* A world with the desired file S_DESIRED and the listing live. */
static void S_world(pdh_t_world *w, const char *live)
{
	pdh_t_world_setup(w, NULL, S_DESIRED);
	pdh_t_world_seed(w, "%s", live);
}

/* `pdhooks CMD -f FILE --format json` in the world, expecting exit 0: its document (the run,
 * stdout and all, stays in r for the caller to dispose). */
static json_t *S_run_json(pdh_t_run *r, const pdh_t_world *w, const char *cmd)
{
	pdh_t_world_run(r, w, NULL, cmd, "-f", w->file, "--format", "json", NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	return S_json(r->out);
}

static json_t *S_by_id(json_t *list, const char *id_key, long long id)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (json_integer_value(json_object_get(json_array_get(list, i), id_key)) == id)
			return json_array_get(list, i);
	cr_assert_fail("no %lld", id);
	return NULL;
}

static void S_expect_time(json_t *o, const char *key, const char *want)
{
	cr_expect_str_eq(json_string_value(json_object_get(o, key)), want, "%s", key);
}

TestSuite(listing_times, .timeout = 60);

Test(listing_times, status_json_writes_both_forms_as_iso)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *list;

	S_world(&w, S_LIVE("2026-11-30 10:00:00", "2026-11-30T11:00:00.000+01:00"));
	doc = S_run_json(&r, &w, "status");
	list = json_object_get(doc, "webhooks");
	S_expect_time(S_by_id(list, "live_id", 1), "last_delivery_time", "2026-11-30T10:00:00Z");
	S_expect_time(S_by_id(list, "live_id", 1), "remove_time", "2019-10-26T00:00:01Z");
	S_expect_time(S_by_id(list, "live_id", 2), "last_delivery_time", "2026-11-30T10:00:00Z");
	cr_expect_null(json_object_get(S_by_id(list, "live_id", 1), "time_note"));
	json_decref(doc);
	pdh_t_run_dispose(&r);
	/* text shows the same */
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, NULL);
	cr_expect_not_null(strstr(r.out, "HTTP 500 at 2026-11-30T10:00:00Z"), "%s", r.out);
	cr_expect_null(strstr(r.out, "2026-11-30 10:00:00"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(listing_times, plan_json_writes_both_forms_as_iso)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc;

	S_world(&w, S_LIVE("2026-11-30 10:00:00", "2026-11-30T10:00:00.000Z"));
	doc = S_run_json(&r, &w, "plan");
	cr_expect_null(strstr(r.out, "2019-10-25 08:25:27"), "%s", r.out);
	cr_expect_null(strstr(r.out, ".000Z"), "%s", r.out);
	cr_expect_null(strstr(r.out, "2026-11-30 10:00:00"), "%s", r.out);
	cr_expect_eq(pdh_t_count(r.out, "\"2019-10-25T08:25:27Z\""), 2, "%s", r.out);
	cr_expect_eq(pdh_t_count(r.out, "\"2026-11-30T10:00:00Z\""), 2, "%s", r.out);
	cr_expect_eq(json_array_size(json_object_get(doc, "notes")), 0, "%s", r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* A time in neither form: kept as written, noted in plan (notes) and status (time_note, and
 * the text line), and the run succeeds. */
Test(listing_times, a_time_in_neither_form_is_noted_not_an_error)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *hook, *notes;

	S_world(&w, S_LIVE("last Tuesday", "2026-11-30T10:00:00Z"));
	doc = S_run_json(&r, &w, "status");
	hook = S_by_id(json_object_get(doc, "webhooks"), "live_id", 1);
	S_expect_time(hook, "last_delivery_time", "last Tuesday");
	cr_assert(json_is_string(json_object_get(hook, "time_note")), "%s", r.out);
	cr_expect_not_null(strstr(json_string_value(json_object_get(hook, "time_note")),
	                          "not a time pdhooks reads"), "%s", r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "note: last_delivery_time \"last Tuesday\""), "%s", r.out);
	pdh_t_run_dispose(&r);
	doc = S_run_json(&r, &w, "plan");
	notes = json_object_get(doc, "notes");
	cr_expect_eq(json_array_size(notes), 1, "%s", r.out);
	cr_assert(json_is_string(json_array_get(notes, 0)), "%s", r.out);
	cr_expect_not_null(strstr(json_string_value(json_array_get(notes, 0)),
	                          "webhook 1: last_delivery_time \"last Tuesday\" is not a time"),
	                   "%s", r.out);
	json_decref(doc);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* --time-format v1: the fake makes its times as Pipedrive's v1 endpoints write them; pdhooks
 * reads them into ISO 8601. */
Test(listing_times, the_fakes_v1_times_are_read)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *hooks, *doc;
	const char *t;

	pdh_t_world_setup(&w, (char *[]){ "--time-format", "v1", NULL }, S_DESIRED);
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	hooks = pdh_t_world_hooks(&w);
	t = json_string_value(json_object_get(json_array_get(hooks, 0), "add_time"));
	cr_assert_not_null(t);
	cr_expect(strlen(t) == 19 && t[10] == ' ' && t[4] == '-' && t[16] == ':', "%s", t);
	json_decref(hooks);
	pdh_t_world_desired(&w, PDH_T_YAML_HEAD PDH_T_YAML_HOOK("v1", "create", "deal",
	                    "https://hooks.example.com/pipedrive/v1")
	                    "manage:\n  prune: false\n");
	doc = S_run_json(&r, &w, "plan");
	cr_expect_eq(json_array_size(json_object_get(doc, "notes")), 0, "%s", r.out);
	json_decref(doc);
	/* every add_time in the plan is ISO 8601 UTC */
	for (const char *p = strstr(r.out, "\"add_time\""); p; p = strstr(p + 1, "\"add_time\"")) {
		const char *v = strchr(p + 10, '"');

		cr_assert_not_null(v);
		cr_expect(v[11] == 'T' && v[20] == 'Z' && v[21] == '"', "%.30s", p);
	}
	cr_expect_not_null(strstr(r.out, "\"add_time\""), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
