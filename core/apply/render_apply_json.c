#include "pdhooks/render_apply_json.h"

#include <jansson.h>
#include <stdlib.h>

#include "pdhooks/names.h"
#include "plan/plan_json.h"

static json_t *S_id(long long id)
{
	return id > 0 ? json_integer((json_int_t)id) : json_null();
}

static json_t *S_step(const pdh_apply_step *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "action", json_string(st->kind == PDH_STEP_CREATE ? "create"
	                                                                          : "delete"));
	json_object_set_new(o, "plan_action", json_string(pdh_action_kind_name(st->action->kind)));
	json_object_set_new(o, "reason", pdh_json_text(st->action->reason));
	json_object_set_new(o, "key", pdh_json_text(st->action->key ? st->action->key : ""));
	json_object_set_new(o, "webhook_id", S_id(st->id));
	json_object_set_new(o, "outcome",
	                    json_string(pdh_step_outcome_name(pdh_step_outcome_of(st))));
	json_object_set_new(o, "attempts", json_integer(st->attempts));
	json_object_set_new(o, "ms", json_integer((json_int_t)st->ms));
	json_object_set_new(o, "http_status", st->http_status > 0
	                    ? json_integer(st->http_status) : json_null());
	json_object_set_new(o, "correlation_id", st->correlation_id[0]
	                    ? json_string(st->correlation_id) : json_null());
	json_object_set_new(o, "error", pdh_json_text(st->error));
	json_object_set_new(o, "outcome_unknown", json_boolean(st->outcome_unknown));
	json_object_set_new(o, "delete_first", json_boolean(st->delete_first));
	json_object_set_new(o, "duplicate_removed", S_id(st->extra_removed));
	json_object_set_new(o, "restore", st->restore == PDH_RESTORE_DONE ? json_string("restored")
	                                  : st->restore == PDH_RESTORE_FAILED ? json_string("failed")
	                                                                      : json_null());
	json_object_set_new(o, "restored_id", S_id(st->restored_id));
	return o;
}

static json_t *S_remaining(const pdh_plan *p)
{
	json_t *a = json_array();

	for (size_t i = 0; p && i < p->n_actions; i++) {
		const pdh_action *act = &p->actions[i];
		json_t *o = json_object();

		json_object_set_new(o, "action", json_string(pdh_action_kind_name(act->kind)));
		json_object_set_new(o, "reason", pdh_json_text(act->reason));
		json_object_set_new(o, "key", pdh_json_text(act->key ? act->key : ""));
		json_object_set_new(o, "live_id", act->live ? S_id(act->live->id) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

char *pdh_render_apply_json(const pdh_apply_result *res, size_t n_calls,
                            const pdh_apply_json_extra *extra)
{
	json_t *doc = json_object(), *steps = json_array(), *sum = json_object();
	json_t *ver = json_object();
	char *text;

	json_object_set_new(doc, "format_version", json_integer(PDH_APPLY_FORMAT_VERSION));
	for (size_t i = 0; res && i < res->n_steps; i++)
		json_array_append_new(steps, S_step(&res->steps[i]));
	json_object_set_new(doc, "steps", steps);

	json_object_set_new(sum, "created", json_integer(res ? (json_int_t)res->n_created : 0));
	json_object_set_new(sum, "deleted", json_integer(res ? (json_int_t)res->n_deleted : 0));
	json_object_set_new(sum, "failed", json_integer(res ? (json_int_t)res->n_failed : 0));
	json_object_set_new(sum, "not_run", json_integer(res ? (json_int_t)res->n_not_run : 0));
	json_object_set_new(sum, "calls", json_integer((json_int_t)(res ? res->n_calls : n_calls)));
	json_object_set_new(sum, "tokens", json_integer(extra ? (json_int_t)extra->tokens : 0));
	json_object_set_new(sum, "daily_tokens_remaining",
	                    extra && extra->daily_tokens_remaining >= 0
	                    ? json_integer((json_int_t)extra->daily_tokens_remaining) : json_null());
	json_object_set_new(sum, "waited_ms", json_integer(res ? (json_int_t)res->waited_ms : 0));
	json_object_set_new(sum, "limit_fallback", json_boolean(res && res->limit_fallback));
	json_object_set_new(sum, "delete_first",
	                    json_integer(res ? (json_int_t)res->n_delete_first : 0));
	json_object_set_new(sum, "duplicates_removed",
	                    json_integer(res ? (json_int_t)res->n_extra_removed : 0));
	json_object_set_new(sum, "restored", json_integer(res ? (json_int_t)res->n_restored : 0));
	json_object_set_new(sum, "restore_failed",
	                    json_integer(res ? (json_int_t)res->n_restore_failed : 0));
	json_object_set_new(sum, "interrupted", json_boolean(res && res->interrupted));
	json_object_set_new(sum, "signal", pdh_json_text(extra ? extra->signal : NULL));
	json_object_set_new(sum, "stopped", pdh_json_text(res ? res->stop_reason : NULL));
	json_object_set_new(sum, "exit_code", json_integer(extra ? extra->exit_code : 0));
	json_object_set_new(sum, "error", pdh_json_text(extra ? extra->error : NULL));
	json_object_set_new(doc, "summary", sum);

	bool refused = res == NULL && extra && extra->refused;
	json_object_set_new(ver, "verified", json_boolean(res ? res->verified : !refused));
	json_object_set_new(ver, "converged", json_boolean(res ? res->converged : !refused));
	json_object_set_new(ver, "error", pdh_json_text(res ? res->verify_error
	                                                : refused ? "nothing was applied" : NULL));
	json_object_set_new(ver, "remaining", S_remaining(res ? res->remaining : NULL));
	json_object_set_new(doc, "verification", ver);

	text = pdh_json_dump(doc);
	json_decref(doc);
	return text;
}
