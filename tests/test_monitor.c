/* Monitoring end to end against pdhooks-fake: every listing retried (plan, export, apply
 * PLANFILE, status), exit 5 when the API keeps failing, delivery health in plan and status,
 * and --metrics-file read back with a real Prometheus parser. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "support/testutil.h"
#include "support/world.h"

#define DESIRED                                                                        \
	"pdhooks: 1\n"                                                                 \
	"webhooks:\n"                                                                  \
	"  - {name: ok, event_action: create, event_object: deal,\n"                   \
	"     subscription_url: https://hooks.example.com/ok}\n"                       \
	"  - {name: fail, event_action: create, event_object: person,\n"               \
	"     subscription_url: https://hooks.example.com/fail}\n"                     \
	"  - {name: never, event_action: change, event_object: deal,\n"                \
	"     subscription_url: https://hooks.example.com/never}\n"                    \
	"  - {name: off, event_action: delete, event_object: deal,\n"                  \
	"     subscription_url: https://hooks.example.com/off}\n"

#define S_HOOK(id, act, obj, path, name, extra)                                        \
	"{\"id\": " #id ", \"event_action\": \"" act "\", \"event_object\": \"" obj "\","  \
	" \"subscription_url\": \"https://hooks.example.com/" path "\", \"name\": \""     \
	name "\", \"version\": \"2.0\", \"type\": \"general\"" extra "}"

/* One webhook of each health, all declared, and two foreign ones. */
#define LIVE_HEALTH                                                                    \
	"[" S_HOOK(1, "create", "deal", "ok", "ok", ", \"is_active\": 1,"                  \
	           " \"last_http_status\": 200, \"last_delivery_time\": \"2026-11-30T10:00:00Z\"") \
	"," S_HOOK(2, "create", "person", "fail", "fail", ", \"is_active\": 1,"            \
	           " \"last_http_status\": 500, \"last_delivery_time\": \"2026-11-30T11:00:00Z\"") \
	"," S_HOOK(3, "change", "deal", "never", "never", ", \"is_active\": 1")           \
	"," S_HOOK(4, "delete", "deal", "off", "off", ", \"is_active\": 0")               \
	", {\"id\": 5, \"event_action\": \"create\", \"event_object\": \"deal\","       \
	" \"subscription_url\": \"https://automation.example.org/x\", \"type\": \"automation\"}" \
	", {\"id\": 6, \"event_action\": \"create\", \"event_object\": \"deal\","       \
	" \"subscription_url\": \"https://other.example.org/x\", \"type\": \"general\"}]"

/* Every declared webhook live and healthy: nothing to plan. */
#define LIVE_GOOD                                                                      \
	"[" S_HOOK(1, "create", "deal", "ok", "ok", ", \"last_http_status\": 200")        \
	"," S_HOOK(2, "create", "person", "fail", "fail", ", \"last_http_status\": 204")  \
	"," S_HOOK(3, "change", "deal", "never", "never", "")                             \
	"," S_HOOK(4, "delete", "deal", "off", "off", "") "]"

static void S_fault(pdh_t_world *w, const char *spec)
{
	char *json = pdh_xasprintf("\"%s\"", spec);

	cr_assert_eq(pdh_t_fake_control(w->fake, "POST", "/_fake/fail/reset", NULL, NULL), 200);
	cr_assert_eq(pdh_t_fake_control(w->fake, "POST", "/_fake/fail", json, NULL), 200,
	             "the fake refused %s", json);
	free(json);
}

static void S_reset_calls(pdh_t_world *w)
{
	cr_assert_eq(pdh_t_fake_control(w->fake, "POST", "/_fake/calls/reset", NULL, NULL), 200);
}

static int S_validate(const char *schema_name, const char *doc)
{
	char *schema = pdh_xasprintf("%s/schemas/%s", getenv("PDH_SOURCE_DIR"), schema_name);
	int st = pdh_t_python(NULL, "validate_plan.py", doc, schema, "-", NULL);

	free(schema);
	return st;
}

/* The samples of a metrics file as tests/check_metrics.py prints them (prometheus_client's
 * parser); asserts that the file is valid. Caller frees. */
static char *S_metrics(const char *path)
{
	char *samples = NULL;

	cr_assert_eq(pdh_t_python(&samples, "check_metrics.py", NULL, path, NULL), 0,
	             "the metrics do not parse:\n%s", pdh_t_read_file(path, NULL));
	return samples;
}

/* `promtool check metrics` too, where Debian's prometheus package is installed. */
static void S_promtool(const char *path)
{
	char *cmd;

	if (access("/usr/bin/promtool", X_OK) != 0)
		return;
	cmd = pdh_xasprintf("/usr/bin/promtool check metrics < '%s'", path);
	{
		char *argv[] = { "/bin/sh", "-c", cmd, NULL };
		pdh_t_run r;

		pdh_t_run_argv(&r, argv, NULL, NULL);
		cr_expect_eq(r.status, 0, "promtool: %s%s", r.out, r.err);
		pdh_t_run_dispose(&r);
	}
	free(cmd);
}

/* The samples of the metrics file at path (S_metrics; with S_promtool too when promtool),
 * expected to hold each of has[] (NULL-terminated). Caller frees. */
/* The labels a single company's metrics carry besides command (file, and company_id once
 * the listing showed the company), as check_metrics.py prints them: set by the test that
 * reads them, and taken out of the samples so that the lines below name command alone. */
static char *S_company_labels[2];

static void S_remove_all(char *m, const char *needle)
{
	size_t n = strlen(needle), len = strlen(m), i = 0;

	while (n > 0 && i + n <= len) {
		if (memcmp(m + i, needle, n) == 0) {
			memmove(m + i, m + i + n, len - i - n + 1);
			len -= n;
		} else {
			i++;
		}
	}
}

static char *S_metrics_has(const char *path, bool promtool, const char *const has[])
{
	char *m = S_metrics(path);

	if (promtool)
		S_promtool(path);
	for (size_t i = 0; i < 2; i++) {
		if (S_company_labels[i] == NULL)
			continue;
		cr_expect_not_null(strstr(m, S_company_labels[i]), "no %s in %s", S_company_labels[i], m);
		S_remove_all(m, S_company_labels[i]);
	}
	pdh_t_expect_has(m, has);
	return m;
}

/* A listing that fails once or twice in a passing way is retried: plan, export and apply's
 * saved-plan check all succeed, with one more GET per failure. */
static void S_transient(const char *fault, int failures)
{
	pdh_t_world w;
	pdh_t_run r;
	char *spec = pdh_xasprintf("GET:%s:%d", fault, failures);
	char *saved, *exported;

	pdh_t_world_setup(&w, NULL, DESIRED);
	saved = pdh_xasprintf("%s/saved.plan", w.dir);
	exported = pdh_xasprintf("%s/exported.yaml", w.dir);
	pdh_t_fake_set_state(w.fake, LIVE_GOOD);

	S_reset_calls(&w);
	S_fault(&w, spec);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "plan after %s: exit %d: %s", spec, r.status, r.err);
	cr_expect_not_null(strstr(r.out, "No changes."), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), failures + 1, "plan: GET calls");
	pdh_t_run_dispose(&r);

	S_reset_calls(&w);
	S_fault(&w, spec);
	pdh_t_world_run(&r, &w, NULL, "export", "-o", exported, NULL);
	cr_expect_eq(r.status, 0, "export after %s: exit %d: %s", spec, r.status, r.err);
	cr_expect_eq(access(exported, F_OK), 0, "export wrote nothing");
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), failures + 1, "export: GET calls");
	pdh_t_run_dispose(&r);

	S_reset_calls(&w);
	S_fault(&w, spec);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "status after %s: exit %d: %s", spec, r.status, r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), failures + 1, "status: GET calls");
	pdh_t_run_dispose(&r);

	/* apply PLANFILE: a plan with a create, its check listing fails first */
	pdh_t_fake_set_state(w.fake, "[]");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "-o", saved, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	S_reset_calls(&w);
	S_fault(&w, spec);
	pdh_t_world_run(&r, &w, NULL, "apply", saved, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "apply PLANFILE after %s: exit %d: %s%s", spec, r.status, r.out,
	             r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 4, "apply PLANFILE: POST calls");
	pdh_t_run_dispose(&r);

	free(spec);
	free(saved);
	free(exported);
	pdh_t_world_teardown(&w);
}

Test(monitor, transient_503_on_the_listing_is_retried)
{
	S_transient("503", 1);
}

Test(monitor, transient_429_on_the_listing_is_retried)
{
	S_transient("429", 2);
}

/* A proxy's HTML error page with 502 is not Pipedrive's JSON, and still a passing failure. */
Test(monitor, transient_html_502_on_the_listing_is_retried)
{
	S_transient("html=502", 1);
}

/* The API keeps failing: every command says "could not check", exits 5, within bounded time
 * (the policy: 5 attempts, back-off 250 ms doubling, at most 30 s in all). */
Test(monitor, persistent_503_exits_5_within_bounded_time)
{
	static const char *const cmds[][4] = {
		{ "plan", "-f", NULL, NULL }, { "status", "-f", NULL, NULL },
		{ "export", NULL, NULL, NULL }, { "apply", "--auto-approve", "-f", NULL },
	};
	pdh_t_world w;

	pdh_t_world_setup(&w, NULL, DESIRED);
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		pdh_t_run r;
		long long start, ms;

		S_reset_calls(&w);
		S_fault(&w, "GET:503:1000");
		start = pdh_now_ms();
		if (strcmp(cmds[c][0], "export") == 0)
			pdh_t_world_run(&r, &w, NULL, "export", NULL);
		else if (strcmp(cmds[c][0], "apply") == 0)
			pdh_t_world_run(&r, &w, NULL, "apply", "--auto-approve", "-f", w.file, NULL);
		else
			pdh_t_world_run(&r, &w, NULL, cmds[c][0], "-f", w.file, NULL);
		ms = pdh_now_ms() - start;
		cr_expect_eq(r.status, 5, "%s: exit %d: %s", cmds[c][0], r.status, r.err);
		cr_expect_not_null(strstr(r.err, "pdhooks: error: could not check the live webhooks: "
		                          "HTTP 503"), "%s: %s", cmds[c][0], r.err);
		cr_expect_not_null(strstr(r.err, "5 attempts"), "%s: %s", cmds[c][0], r.err);
		cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 5, "%s: GET calls", cmds[c][0]);
		cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 0, "%s: a POST", cmds[c][0]);
		cr_expect_str_eq(r.out, "", "%s: stdout", cmds[c][0]);
		/* back-off waits: at most 125+250+500+1000 ms... doubled by jitter, under 4 s; give
		 * the slow machine room, and fail well before the 30 s bound */
		cr_expect_lt(ms, 12000, "%s took %lld ms", cmds[c][0], ms);
		fprintf(stderr, "monitor: %s against a persistent 503: exit %d after %lld ms\n",
		        cmds[c][0], r.status, ms);
		pdh_t_run_dispose(&r);
	}
	pdh_t_world_teardown(&w);
}

/* A refused token is an answer, not an outage: exit 1 after one call, never retried. */
Test(monitor, refused_token_stays_exit_1_without_retry)
{
	pdh_t_world w;
	pdh_t_run r;
	char *env[] = { "PIPEDRIVE_API_TOKEN=wrong-token", NULL, "PIPEDRIVE_OAUTH_TOKEN=", NULL };

	pdh_t_world_setup(&w, NULL, DESIRED);
	env[1] = w.env_url;
	{
		char *argv[] = { getenv("PDH_BIN"), "plan", "-f", w.file, NULL };
		pdh_t_run_argv(&r, argv, env, NULL);
	}
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "HTTP 401"), "%s", r.err);
	cr_expect_null(strstr(r.err, "could not check"), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 1);
	pdh_t_run_dispose(&r);
	/* a 403 and a 400 too */
	for (int i = 0; i < 2; i++) {
		S_reset_calls(&w);
		S_fault(&w, i == 0 ? "GET:403:1" : "GET:400:1");
		pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, NULL);
		cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
		cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 1);
		pdh_t_run_dispose(&r);
	}
	pdh_t_world_teardown(&w);
}

/* status --format json of LIVE_HEALTH: valid against its schema, the summary and each
 * webhook's health. */
static void S_expect_health_json(const char *out)
{
	static const char *const want[] = { "never", "ok", "failing", "inactive" };
	static const long long ids[] = { 3, 1, 2, 4 };
	json_t *doc, *list;
	json_error_t je;

	cr_expect_eq(S_validate("status.schema.json", out), 0, "%s", out);
	doc = json_loads(out, 0, &je);
	cr_assert_not_null(doc, "%s: %s", je.text, out);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"),
	                                                "foreign")), 2);
	cr_expect(json_is_true(json_object_get(json_object_get(doc, "summary"), "unhealthy")));
	list = json_object_get(doc, "webhooks");
	cr_assert_eq(json_array_size(list), 4);
	/* by key: change.deal, create.deal, create.person, delete.deal */
	for (size_t i = 0; i < 4; i++) {
		json_t *h = json_array_get(list, i);
		cr_expect_str_eq(json_string_value(json_object_get(h, "health")), want[i]);
		cr_expect_eq(json_integer_value(json_object_get(h, "live_id")), ids[i]);
	}
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(list, 2),
	                                                "last_http_status")), 500);
	cr_expect(json_is_null(json_object_get(json_array_get(list, 0), "last_http_status")));
	json_decref(doc);
}

Test(monitor, status_reports_each_health)
{
	static const char *const has[] = {
		"ok       create.deal https://hooks.example.com/ok id=1 name=\"ok\"  # last delivery: "
		"HTTP 200 at 2026-11-30T10:00:00Z",
		"failing  create.person https://hooks.example.com/fail id=2 name=\"fail\"  # last "
		"delivery: HTTP 500 at 2026-11-30T11:00:00Z",
		"never    change.deal https://hooks.example.com/never id=3",
		"inactive delete.deal https://hooks.example.com/off id=4",
		"Status: 1 ok, 1 failing, 1 never, 1 inactive; 2 foreign.",
		NULL
	};
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, DESIRED);
	pdh_t_fake_set_state(w.fake, LIVE_HEALTH);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "without --detailed-exitcode: 0 (%s)", r.err);
	pdh_t_expect_has(r.out, has);
	cr_expect_null(strstr(r.out, "example.org"), "a foreign webhook is listed: %s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--detailed-exitcode", NULL);
	pdh_t_run_expect_status(&r, 2, "failing and inactive");

	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	S_expect_health_json(r.out);
	pdh_t_run_dispose(&r);

	/* healthy: ok and never only, --detailed-exitcode exits 0 */
	pdh_t_fake_set_state(w.fake, LIVE_GOOD);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "healthy: exit %d (%s%s)", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.out, "Status: 2 ok, 0 failing, 2 never, 0 inactive; "
	                          "0 foreign."), "%s", r.out);
	pdh_t_run_dispose(&r);

	/* --format markdown is not a status format */
	S_reset_calls(&w);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--format", "markdown", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "--format 'markdown': expected text or json"), "%s",
	                   r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 0, "no listing for a bad option");
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(monitor, plan_notes_a_failing_delivery_in_every_format)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *fails, *f;
	json_error_t je;

	pdh_t_world_setup(&w, NULL, DESIRED);
	pdh_t_fake_set_state(w.fake, LIVE_HEALTH);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "Failing deliveries: 1 (Pipedrive deletes a webhook "
	                          "after 3 days without a successful delivery)\n"
	                          "  ! create.person https://hooks.example.com/fail id=2  # last "
	                          "delivery: HTTP 500 at 2026-11-30T11:00:00Z\n"), "%s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(S_validate("plan.schema.json", r.out), 0, "%s", r.out);
	doc = json_loads(r.out, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	fails = json_object_get(doc, "delivery_failures");
	cr_assert_eq(json_array_size(fails), 1, "%s", r.out);
	f = json_array_get(fails, 0);
	cr_expect_str_eq(json_string_value(json_object_get(f, "key")),
	                 "create.person https://hooks.example.com/fail");
	cr_expect_eq(json_integer_value(json_object_get(f, "live_id")), 2);
	cr_expect_eq(json_integer_value(json_object_get(f, "last_http_status")), 500);
	cr_expect_str_eq(json_string_value(json_object_get(f, "last_delivery_time")),
	                 "2026-11-30T11:00:00Z");
	json_decref(doc);
	pdh_t_run_dispose(&r);

	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "markdown", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "**Failing deliveries: 1**"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "create.person https\\://hooks.example.com/fail (id 2): "
	                          "last delivery HTTP 500 at 2026-11-30T11\\:00\\:00Z"), "%s",
	                   r.out);
	pdh_t_run_dispose(&r);

	/* healthy deliveries: no such section */
	pdh_t_fake_set_state(w.fake, LIVE_GOOD);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_null(strstr(r.out, "Failing deliveries"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

Test(monitor, metrics_parse_after_success_and_after_failure)
{
	pdh_t_world w;
	pdh_t_run r;
	char *path, *m;

	pdh_t_world_setup(&w, NULL, DESIRED);
	path = pdh_xasprintf("%s/pdhooks.prom", w.dir);
	pdh_t_fake_set_state(w.fake, LIVE_HEALTH);
	S_company_labels[0] = pdh_xasprintf(",company_id=1,file=%s", w.file);

	/* success: plan with changes pending, --detailed-exitcode: exit 2, still a success */
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", "--metrics-file", path, NULL);
	pdh_t_run_expect_status(&r, 2, "plan with changes pending");
	{
		static const char *const has[] = {
			"pdhooks_run_success{command=plan} 1\n",
			"pdhooks_exit_code{command=plan} 2\n",
			"pdhooks_plan_actions{action=replace,command=plan} 1\n",
			"pdhooks_plan_actions{action=create,command=plan} 0\n",
			"pdhooks_changes_pending{command=plan} 1\n",
			"pdhooks_webhooks{command=plan,health=failing} 1\n",
			"pdhooks_webhooks{command=plan,health=ok} 1\n",
			"pdhooks_webhooks{command=plan,health=never} 1\n",
			"pdhooks_webhooks{command=plan,health=inactive} 1\n",
			"pdhooks_webhooks_foreign{command=plan} 2\n",
			"pdhooks_delivery_failing{command=plan} 1\n",
			"pdhooks_api_calls{command=plan} 1\n",
			"pdhooks_last_run_timestamp_seconds{command=plan} ",
			NULL
		};
		const char *ts;
		double t;

		m = S_metrics_has(path, true, has);
		ts = strstr(m, "pdhooks_last_run_timestamp_seconds{command=plan} ");
		t = ts ? strtod(ts + strlen("pdhooks_last_run_timestamp_seconds{command=plan} "), NULL)
		       : 0;
		cr_expect(t > (double)time(NULL) - 60 && t <= (double)time(NULL) + 1, "%f", t);
		free(m);
	}

	/* status and apply write their own command label */
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--metrics-file", path, NULL);
	pdh_t_run_expect_status(&r, 0, "status");
	free(S_metrics_has(path, false, (const char *const[]){
		"pdhooks_run_success{command=status} 1\n",
		"pdhooks_webhooks{command=status,health=failing} 1\n", NULL }));
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", "--metrics-file", path, NULL);
	pdh_t_run_expect_status(&r, 0, "apply");
	free(S_metrics_has(path, true, (const char *const[]){
		"pdhooks_run_success{command=apply} 1\n", "pdhooks_exit_code{command=apply} 0\n",
		/* first listing, the POST and the DELETE of the replace, the verification listing */
		"pdhooks_api_calls{command=apply} 4\n", NULL }));

	/* failure: the API keeps answering 503: exit 5, and the metrics say so (no listing:
	 * no company_id) */
	free(S_company_labels[0]);
	S_company_labels[0] = pdh_xasprintf(",file=%s", w.file);
	S_fault(&w, "GET:503:1000");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--metrics-file", path, NULL);
	pdh_t_run_expect_status(&r, 5, "plan against a 503");
	m = S_metrics_has(path, true, (const char *const[]){
		"pdhooks_run_success{command=plan} 0\n", "pdhooks_exit_code{command=plan} 5\n",
		"pdhooks_api_calls{command=plan} 5\n", NULL });
	cr_expect_null(strstr(m, "pdhooks_plan_actions"), "no counts without a plan: %s", m);
	free(m);

	/* failure before any call: a file that does not load */
	pdh_t_write_file(w.file, "pdhooks: 1\nwebhooks: [oops\n");
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--metrics-file", path, NULL);
	pdh_t_run_expect_status(&r, 1, "status of a file that does not load");
	free(S_metrics_has(path, false, (const char *const[]){
		"pdhooks_exit_code{command=status} 1\n", "pdhooks_api_calls{command=status} 0\n",
		NULL }));

	/* a metrics file that cannot be written fails a run that would succeed */
	pdh_t_write_file(w.file, DESIRED);
	cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail/reset", NULL, NULL), 200);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--metrics-file", "/nonexistent/dir/x.prom", NULL);
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "cannot write the metrics"), "%s", r.err);
	pdh_t_run_dispose(&r);
	free(path);
	free(S_company_labels[0]);
	S_company_labels[0] = NULL;
	pdh_t_world_teardown(&w);
}

/* `data: null` is read as "no webhooks" only when a second listing says the same: read once,
 * it would plan a create of every declared webhook that is in fact there. */
Test(monitor, data_null_listing_is_confirmed_by_a_second_listing)
{
	pdh_t_world w;
	pdh_t_run r;
	json_t *doc, *notes;
	json_error_t je;

	pdh_t_world_setup(&w, NULL, DESIRED);
	/* once null, then the real listing: nothing to do, nothing noted */
	pdh_t_fake_set_state(w.fake, LIVE_GOOD);
	S_reset_calls(&w);
	S_fault(&w, "GET:null-data:1");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s%s", r.status, r.out, r.err);
	cr_expect_not_null(strstr(r.out, "No changes."), "%s", r.out);
	cr_expect_null(strstr(r.out, "data: null"), "%s", r.out);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 2, "the confirming listing");
	pdh_t_run_dispose(&r);

	/* apply too: no create from a null listing */
	S_reset_calls(&w);
	S_fault(&w, "GET:null-data:1");
	pdh_t_world_run(&r, &w, NULL, "apply", "-f", w.file, "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s%s", r.status, r.out, r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "POST"), 0, "a create from a null listing");
	pdh_t_run_dispose(&r);

	/* null twice: read as none, and the plan says so in text and JSON */
	pdh_t_fake_set_state(w.fake, "[]");
	S_reset_calls(&w);
	S_fault(&w, "GET:null-data:2");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "Plan: 4 to create"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "Pipedrive listed the webhooks as \"data: null\", read "
	                          "as none; a second listing said the same"), "%s", r.out);
	/* two listings, and /users/me: a listing of none names no company */
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 3);
	pdh_t_run_dispose(&r);
	S_fault(&w, "GET:null-data:2");
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	doc = json_loads(r.out, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	notes = json_object_get(doc, "notes");
	cr_assert_eq(json_array_size(notes), 1, "%s", r.out);
	cr_expect_not_null(strstr(json_string_value(json_array_get(notes, 0)), "data: null"));
	json_decref(doc);
	pdh_t_run_dispose(&r);

	/* an empty list is an answer: one listing (and /users/me, to name the company) */
	S_reset_calls(&w);
	cr_assert_eq(pdh_t_fake_control(w.fake, "POST", "/_fake/fail/reset", NULL, NULL), 200);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(pdh_t_fake_calls(w.fake, "GET"), 2);
	cr_expect_null(strstr(r.out, "data: null"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* A 429 with Retry-After (the fake's --rate-limit: 1 call per rolling 2 s): the listing waits
 * as told, then succeeds — not a failure, not a wait past the bound. */
Test(monitor, rate_limited_listing_honours_retry_after)
{
	pdh_t_world w;
	pdh_t_run r;
	long long start, ms;
	/* under valgrind the second run must still start within the window */
	char *window = pdh_t_slow_ms(2000);

	pdh_t_world_setup(&w, (char *[]){ "--rate-limit", "1", "--rate-window-ms", window, NULL },
	                  DESIRED);
	free(window);
	pdh_t_fake_set_state(w.fake, LIVE_GOOD);
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	start = pdh_now_ms();
	pdh_t_world_run(&r, &w, NULL, "plan", "-f", w.file, "-v", "--detailed-exitcode", NULL);
	ms = pdh_now_ms() - start;
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "GET /v1/webhooks 429"), "no 429 was met: %s", r.err);
	cr_expect_not_null(strstr(r.err, "GET /v1/webhooks 200"), "%s", r.err);
	/* Retry-After is whole seconds: at least about one of them was waited */
	cr_expect_geq(ms, 900, "waited only %lld ms", ms);
	cr_expect_lt(ms, 10000LL * pdh_t_slowdown(), "waited %lld ms", ms);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

/* An endpoint starts failing between two runs (the fake's control API sets the delivery
 * fields, as Pipedrive's deliveries would): status --detailed-exitcode goes from 0 to 2, and
 * back to 0 once a delivery succeeds again. */
Test(monitor, status_follows_an_endpoint_that_starts_failing)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, DESIRED);
	pdh_t_fake_set_state(w.fake, LIVE_GOOD);
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);

	pdh_t_world_control(&w, "/_fake/webhooks/1",
	                    "{\"last_http_status\": 410, \"last_delivery_time\": "
	                    "\"2026-11-30 10:00:00\"}");
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect_not_null(strstr(r.out, "failing  create.deal https://hooks.example.com/ok id=1 "
	                          "name=\"ok\"  # last delivery: HTTP 410 at "
	                          "2026-11-30T10:00:00Z"), "%s", r.out);
	pdh_t_run_dispose(&r);

	pdh_t_world_control(&w, "/_fake/webhooks/1", "{\"last_http_status\": 200}");
	pdh_t_world_run(&r, &w, NULL, "status", "-f", w.file, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}
