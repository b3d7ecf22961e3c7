#include "sampleplan.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "testutil.h"

int pdh_t_validate_plan_json(const char *text)
{
	const char *src = getenv("PDH_SOURCE_DIR");
	char *script, *schema;
	pdh_t_run r;
	int status;

	cr_assert_not_null(src, "PDH_SOURCE_DIR is not set");
	script = pdh_xasprintf("%s/tests/validate_plan.py", src);
	schema = pdh_xasprintf("%s/schemas/plan.schema.json", src);
	{
		char *argv[] = { "/usr/bin/python3", script, schema, "-", NULL };
		pdh_t_run_argv(&r, argv, NULL, text);
	}
	if (r.status != 0)
		fprintf(stderr, "%s", r.err);
	status = r.status;
	pdh_t_run_dispose(&r);
	free(script);
	free(schema);
	return status;
}

static pdh_desired_webhook S_dw[3];
static pdh_desired S_desired;
static pdh_live_webhook S_lw[5];
static pdh_live S_live;
static pdh_change S_changes[2];
static pdh_action S_actions[3];
static const pdh_live_webhook *S_unchanged[1], *S_foreign[1], *S_unmanaged[1];
static pdh_foreign_reason S_foreign_reasons[1];
static char *S_notes[1], *S_warnings[1];
static char *S_urls[1];
static pdh_plan S_plan;

void pdh_t_sample_plan(pdh_t_sample *s)
{
	static const pdh_desired_webhook dw[3] = {
		{ .name = "deals", .event_action = "create", .event_object = "deal",
		  .subscription_url = "https://hooks.example.com/deals", .version = "2.0",
		  .version_declared = true, .line = 8, .col = 5 },
		{ .name = "persons", .event_action = "change", .event_object = "person",
		  .subscription_url = "https://hooks.example.com/persons?token=" PDH_T_URL_SECRET,
		  .version = "2.0", .has_user_id = true, .user_id = 2,
		  .has_http_auth_user = true, .http_auth_user = "pipedrive",
		  .has_http_auth_password = true, .http_auth_password = PDH_T_DESIRED_PASSWORD,
		  .http_auth_password_ref = "${PD_HOOK_PASSWORD}", .line = 12, .col = 5 },
		{ .name = "delete.note hooks.example.com/notes", .name_derived = true,
		  .event_action = "delete", .event_object = "note",
		  .subscription_url = "https://hooks.example.com/notes", .version = "2.0",
		  .line = 20, .col = 5 },
	};
	static const pdh_live_webhook lw[5] = {
		{ .id = 1, .event_action = "create", .event_object = "deal",
		  .subscription_url = "https://hooks.example.com/deals", .version = "2.0",
		  .name = "deals", .type = "general", .is_active = 1, .has_user_id = true,
		  .user_id = 1, .add_time = "2026-01-02 03:04:05" },
		{ .id = 2, .event_action = "change", .event_object = "person",
		  .subscription_url = "https://hooks.example.com/persons?token=" PDH_T_URL_SECRET,
		  .version = "2.0", .name = "persons", .type = "general", .is_active = 1,
		  .has_user_id = true, .user_id = 1, .http_auth_user = "pipedrive",
		  .password_state = PDH_SECRET_REAL, .http_auth_password = PDH_T_LIVE_PASSWORD },
		{ .id = 3, .event_action = "*", .event_object = "*",
		  .subscription_url = "https://hooks.example.com/old", .version = "1.0",
		  .name = "old | `thing`", .type = "general", .is_active = 0 },
		{ .id = 4, .event_action = "create", .event_object = "deal",
		  .subscription_url = "https://app.example.org/x", .version = "2.0",
		  .name = "marketplace app", .type = "application", .is_active = 1 },
		{ .id = 5, .event_action = "change", .event_object = "deal",
		  .subscription_url = "https://hooks.example.com/kept", .version = "2.0",
		  .type = "general", .is_active = 1, .password_state = PDH_SECRET_MASKED },
	};

	memcpy(S_dw, dw, sizeof(dw));
	memcpy(S_lw, lw, sizeof(lw));
	memset(&S_desired, 0, sizeof(S_desired));
	S_desired.path = "pdhooks.yaml";
	memset(S_desired.sha256, 'a', 64);
	S_desired.sha256[64] = '\0';
	S_desired.format_version = 1;
	S_desired.prune = true;
	S_urls[0] = "https://hooks.example.com/";
	S_desired.manage_urls = S_urls;
	S_desired.n_manage_urls = 1;
	S_desired.max_deletes = 10;
	S_desired.webhooks = S_dw;
	S_desired.n_webhooks = 3;
	S_live.items = S_lw;
	S_live.n = 5;

	S_changes[0] = (pdh_change){ "user_id", "1", "2", false };
	S_changes[1] = (pdh_change){ "http_auth_password", "(sensitive)", "(sensitive)", true };
	S_actions[0] = (pdh_action){ .kind = PDH_ACTION_CREATE, .reason = "missing",
		.key = "delete.note https://hooks.example.com/notes", .desired = &S_dw[2] };
	S_actions[1] = (pdh_action){ .kind = PDH_ACTION_REPLACE,
		.reason = "changed: user_id 1 -> 2, http_auth_password",
		.key = "change.person https://hooks.example.com/persons?token=***",
		.desired = &S_dw[1], .live = &S_lw[1], .changes = S_changes, .n_changes = 2 };
	S_actions[2] = (pdh_action){ .kind = PDH_ACTION_DELETE, .reason = "not declared",
		.key = "*.* https://hooks.example.com/old", .live = &S_lw[2] };
	S_unchanged[0] = &S_lw[0];
	S_foreign[0] = &S_lw[3];
	S_foreign_reasons[0] = PDH_FOREIGN_APP_API_TOKEN;
	S_unmanaged[0] = &S_lw[4];
	S_notes[0] = "the password of change.deal https://hooks.example.com/kept cannot be checked";
	S_warnings[0] = "pdhooks.yaml:20:5: http:// is not encrypted";
	memset(&S_plan, 0, sizeof(S_plan));
	S_plan.actions = S_actions;
	S_plan.n_actions = 3;
	S_plan.n_create = S_plan.n_replace = S_plan.n_delete = 1;
	S_plan.unchanged = S_unchanged;
	S_plan.n_unchanged = 1;
	S_plan.foreign = S_foreign;
	S_plan.foreign_reasons = S_foreign_reasons;
	S_plan.n_foreign = 1;
	S_plan.types = PDH_TYPE_GENERAL;
	S_plan.auth = PDH_AUTH_API_TOKEN;
	S_plan.unmanaged = S_unmanaged;
	S_plan.n_unmanaged = 1;
	S_plan.notes = S_notes;
	S_plan.n_notes = 1;
	S_plan.warnings = S_warnings;
	S_plan.n_warnings = 1;
	S_plan.max_deletes = 10;
	s->desired = &S_desired;
	s->live = &S_live;
	s->plan = &S_plan;
}
