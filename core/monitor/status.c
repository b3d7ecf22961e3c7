/* The status report of a plan's owned webhooks (status.h). */
#include "pdhooks/status.h"

#include <stdlib.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/health.h"
#include "pdhooks/secrets.h"
#include "monitor/status_json.h"
#include "plan/plan_json.h"
#include "util/quote.h"

#define S_YELLOW "\033[33m"
#define S_RED "\033[31m"
#define S_GREEN "\033[32m"
#define S_RESET "\033[0m"

static void S_count(const pdh_plan *p, size_t counts[PDH_HEALTH_COUNT])
{
	for (int h = 0; h < PDH_HEALTH_COUNT; h++)
		counts[h] = 0;
	for (size_t i = 0; i < p->n_owned; i++)
		counts[p->owned[i].health]++;
}

bool pdh_status_unhealthy(const pdh_plan *p)
{
	size_t counts[PDH_HEALTH_COUNT];

	S_count(p, counts);
	return counts[PDH_HEALTH_FAILING] + counts[PDH_HEALTH_INACTIVE] > 0;
}

char *pdh_status_render_text(const pdh_plan *p, bool color)
{
	static const char *const paint[PDH_HEALTH_COUNT] = { S_GREEN, S_RED, "", S_YELLOW };
	pdh_buf b = PDH_BUF_INIT;
	size_t counts[PDH_HEALTH_COUNT];

	S_count(p, counts);
	for (size_t i = 0; i < p->n_owned; i++) {
		const pdh_owned_webhook *w = &p->owned[i];
		char *last = pdh_health_last_delivery_text(w->live);

		if (color && paint[w->health][0])
			pdh_buf_printf(&b, "%s%-8s%s", paint[w->health], pdh_health_name(w->health),
			               S_RESET);
		else
			pdh_buf_printf(&b, "%-8s", pdh_health_name(w->health));
		pdh_buf_printf(&b, " %s id=%lld", w->key, w->live->id);
		if (w->live->name) {
			char *q = pdh_quote(w->live->name);
			pdh_buf_printf(&b, " name=%s", q);
			free(q);
		}
		pdh_buf_printf(&b, "  # last delivery: %s", last);
		if (w->live->remove_reason) {
			char *q = pdh_quote(w->live->remove_reason);
			pdh_buf_printf(&b, "; removed: %s", q);
			free(q);
		}
		if (w->live->time_note)
			pdh_buf_printf(&b, "; note: %s", w->live->time_note);
		pdh_buf_putc(&b, '\n');
		free(last);
	}
	if (p->n_owned > 0)
		pdh_buf_putc(&b, '\n');
	pdh_buf_printf(&b, "Status: %zu ok, %zu failing, %zu never, %zu inactive; %zu foreign.\n",
	               counts[PDH_HEALTH_OK], counts[PDH_HEALTH_FAILING], counts[PDH_HEALTH_NEVER],
	               counts[PDH_HEALTH_INACTIVE], p->n_foreign);
	/* Keys and live names may hold an environment value (a URL path): shown as its ${VAR},
	 * as plans show it. */
	{
		char *shown = pdh_secrets_scrub_n(p->secrets, pdh_buf_cstr(&b), b.len);
		pdh_buf_dispose(&b);
		return shown;
	}
}

json_t *pdh_status_json(const pdh_plan *p, const pdh_desired *desired)
{
	json_t *doc = json_object(), *summary = json_object(), *list = json_array();
	size_t counts[PDH_HEALTH_COUNT];

	S_count(p, counts);
	for (int h = 0; h < PDH_HEALTH_COUNT; h++)
		json_object_set_new(summary, pdh_health_name((pdh_health)h),
		                    json_integer((json_int_t)counts[h]));
	json_object_set_new(summary, "owned", json_integer((json_int_t)p->n_owned));
	json_object_set_new(summary, "foreign", json_integer((json_int_t)p->n_foreign));
	json_object_set_new(summary, "unhealthy", json_boolean(pdh_status_unhealthy(p)));
	for (size_t i = 0; i < p->n_owned; i++) {
		const pdh_owned_webhook *w = &p->owned[i];
		const pdh_live_webhook *l = w->live;
		json_t *o = json_object();

		json_object_set_new(o, "key", pdh_json_text(w->key));
		json_object_set_new(o, "live_id", json_integer(l->id));
		json_object_set_new(o, "name", pdh_json_text(l->name));
		json_object_set_new(o, "health", json_string(pdh_health_name(w->health)));
		json_object_set_new(o, "is_active", json_boolean(l->is_active));
		json_object_set_new(o, "last_http_status", l->has_last_http_status
		                    ? json_integer(l->last_http_status) : json_null());
		json_object_set_new(o, "last_delivery_time", pdh_json_text(l->last_delivery_time));
		json_object_set_new(o, "remove_time", pdh_json_text(l->remove_time));
		json_object_set_new(o, "remove_reason", pdh_json_text(l->remove_reason));
		if (l->time_note)
			json_object_set_new(o, "time_note", pdh_json_text(l->time_note));
		json_array_append_new(list, o);
	}
	json_object_set_new(doc, "format_version", json_integer(PDH_STATUS_FORMAT_VERSION));
	json_object_set_new(doc, "desired_file",
	                    pdh_json_text(desired && desired->path ? desired->path : ""));
	json_object_set_new(doc, "summary", summary);
	json_object_set_new(doc, "webhooks", list);
	pdh_json_scrub(doc, p->secrets);
	return doc;
}

char *pdh_status_render_json(const pdh_plan *p, const pdh_desired *desired)
{
	json_t *doc = pdh_status_json(p, desired);
	char *text = pdh_json_dump(doc);

	json_decref(doc);
	return text;
}
