/* export with a Marketplace app's OAuth token: the file holds the app's own (application)
 * webhooks, so that `plan` with the same token on it plans nothing instead of deleting them.
 * Against pdhooks-fake's --oauth-app over real HTTP. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "testutil.h"
#include "world.h"

#define APP_TOKEN "app-export-1"

/* A general webhook of the company (the app cannot see it), an automation, and two
 * webhooks of the app, one at the company's host. */
#define STATE                                                                              \
	"[{\"id\":1,\"type\":\"general\",\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"subscription_url\":\"https://hooks.example.com/crm\"},"                              \
	"{\"id\":2,\"type\":\"automation\",\"event_action\":\"*\",\"event_object\":\"*\","       \
	"\"subscription_url\":\"https://hooks.example.com/auto\"},"                             \
	"{\"id\":3,\"type\":\"application\",\"_app\":\"" APP_TOKEN "\",\"event_action\":"      \
	"\"delete\",\"event_object\":\"deal\",\"subscription_url\":"                           \
	"\"https://hooks.example.com/app/gone\"},"                                               \
	"{\"id\":4,\"type\":\"application\",\"_app\":\"" APP_TOKEN "\",\"event_action\":"      \
	"\"change\",\"event_object\":\"person\",\"subscription_url\":"                          \
	"\"https://app.example.net/people\"}]"

Test(apps_export, export_then_plan_under_oauth_plans_nothing, .timeout = 60)
{
	pdh_t_world w;
	pdh_t_run r;
	char *out, *yaml;
	char *envv[] = { NULL, "PIPEDRIVE_OAUTH_TOKEN=" APP_TOKEN, NULL };

	pdh_t_world_setup(&w, (char *[]){ "--oauth-app", APP_TOKEN, NULL }, "pdhooks: 1\n");
	pdh_t_fake_set_state(w.fake, STATE);
	pdh_t_world_secret(&w, APP_TOKEN);
	envv[0] = w.env_url;
	out = pdh_t_world_path(&w, "exported.yaml");

	pdh_t_world_run_env(&r, &w, envv, "export", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "export: %s", r.err);
	cr_expect_not_null(strstr(r.err, "exported 2 webhooks"), "%s", r.err);
	pdh_t_run_dispose(&r);
	yaml = pdh_t_read_file(out, NULL);
	cr_expect_not_null(strstr(yaml, "https://hooks.example.com/app/gone"), "%s", yaml);
	cr_expect_not_null(strstr(yaml, "https://app.example.net/people"), "%s", yaml);
	cr_expect_null(strstr(yaml, "/auto"), "the automation is never exported: %s", yaml);
	free(yaml);

	pdh_t_world_run_env(&r, &w, envv, "plan", "--detailed-exitcode", "-f", out, NULL);
	cr_expect_eq(r.status, 0, "plan on the exported file: exit %d\n%s%s", r.status, r.out,
	             r.err);
	cr_expect_not_null(strstr(r.out, "No changes. 2 unchanged"), "%s", r.out);
	pdh_t_run_dispose(&r);
	free(out);
	pdh_t_world_teardown(&w);
}
