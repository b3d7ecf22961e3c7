/* Prometheus text exposition format of a run (metrics.h). One HELP and one TYPE line per
 * family, its samples right after; label values escape \, " and newline; the text ends with a
 * newline — what node_exporter's textfile collector reads. */
#include "pdhooks/metrics.h"

#include <stdio.h>
#include <string.h>

#include "pdhooks/buf.h"
#include "pdhooks/health.h"
#include "util/text.h"

/* The labels pdhooks writes itself. */
static const char *const S_reserved[] = { "command", "account", "file", "company_id", "action",
	                                  "health" };

static void S_label_value(pdh_buf *b, const char *v)
{
	if (v == NULL)
		return;
	for (; *v; v++) {
		if (*v == '\\')
			pdh_buf_puts(b, "\\\\");
		else if (*v == '"')
			pdh_buf_puts(b, "\\\"");
		else if (*v == '\n')
			pdh_buf_puts(b, "\\n");
		else
			pdh_buf_putc(b, *v);
	}
}

static void S_label(pdh_buf *b, const char *name, size_t name_len, const char *value)
{
	pdh_buf_putc(b, ',');
	pdh_buf_append(b, name, name_len);
	pdh_buf_puts(b, "=\"");
	S_label_value(b, value);
	pdh_buf_putc(b, '"');
}

static size_t S_name_len(const char *label)
{
	const char *eq = strchr(label, '=');

	return eq ? (size_t)(eq - label) : strlen(label);
}

static bool S_utf8(const char *s)
{
	size_t n = strlen(s), k;
	uint32_t cp;

	for (; n > 0; s += k, n -= k)
		if ((k = pdh_utf8_decode(s, n, &cp)) == 0)
			return false;
	return true;
}

int pdh_metrics_labels_check(const char *const *labels, size_t n, pdh_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *l = labels[i];
		size_t len = S_name_len(l);
		bool ok = len > 0 && l[len] == '=' && !(l[0] >= '0' && l[0] <= '9');

		for (size_t k = 0; ok && k < len; k++)
			ok = (l[k] >= 'a' && l[k] <= 'z') || (l[k] >= 'A' && l[k] <= 'Z') ||
			     (l[k] >= '0' && l[k] <= '9') || l[k] == '_';
		if (!ok)
			return pdh_error_set(err, PDH_EINVAL, "--metrics-label '%.*s': write NAME=VALUE, "
			                     "NAME of letters, digits and _ not starting with a digit",
			                     (int)(len > 64 ? 64 : len), l);
		if (len >= 2 && l[0] == '_' && l[1] == '_')
			return pdh_error_set(err, PDH_EINVAL, "--metrics-label %.*s: names starting "
			                     "with __ are Prometheus' own", (int)len, l);
		for (size_t k = 0; k < sizeof(S_reserved) / sizeof(S_reserved[0]); k++)
			if (strlen(S_reserved[k]) == len && memcmp(S_reserved[k], l, len) == 0)
				return pdh_error_set(err, PDH_EINVAL, "--metrics-label %.*s: pdhooks "
				                     "sets that label itself", (int)len, l);
		for (size_t k = 0; k < i; k++)
			if (S_name_len(labels[k]) == len && memcmp(labels[k], l, len) == 0)
				return pdh_error_set(err, PDH_EINVAL, "--metrics-label %.*s: given twice",
				                     (int)len, l);
		if (!S_utf8(l + len + 1))
			return pdh_error_set(err, PDH_EINVAL, "--metrics-label %.*s: the value is not "
			                     "UTF-8", (int)len, l);
	}
	return PDH_OK;
}

static void S_family(pdh_buf *b, const char *name, const char *help)
{
	pdh_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{command="...",account="..."[,extra_name="extra"]} value */
static void S_sample(pdh_buf *b, const pdh_metrics_run *m, const char *name,
                     const char *extra_name, const char *extra, double value)
{
	pdh_buf_printf(b, "%s{command=\"", name);
	S_label_value(b, m->command ? m->command : "");
	pdh_buf_putc(b, '"');
	if (m->account)
		S_label(b, "account", 7, m->account);
	if (m->file)
		S_label(b, "file", 4, m->file);
	if (m->has_company_id) {
		char id[32];

		snprintf(id, sizeof(id), "%lld", m->company_id);
		S_label(b, "company_id", 10, id);
	}
	for (size_t i = 0; i < m->n_labels; i++) {
		size_t len = S_name_len(m->labels[i]);

		S_label(b, m->labels[i], len, m->labels[i][len] ? m->labels[i] + len + 1 : "");
	}
	if (extra_name)
		S_label(b, extra_name, strlen(extra_name), extra);
	pdh_buf_printf(b, "} %.17g\n", value);
}

char *pdh_metrics_render(const pdh_metrics_run *m)
{
	pdh_buf b = PDH_BUF_INIT;
	const pdh_plan *p = m->plan;

	S_family(&b, "pdhooks_run_success", "1 when the last run succeeded, else 0.");
	S_sample(&b, m, "pdhooks_run_success", NULL, NULL, m->success ? 1 : 0);
	S_family(&b, "pdhooks_exit_code", "Exit code of the last run (5: the API could not be "
	         "checked).");
	S_sample(&b, m, "pdhooks_exit_code", NULL, NULL, m->exit_code);
	S_family(&b, "pdhooks_last_run_timestamp_seconds", "When the last run finished, in "
	         "seconds since the epoch.");
	S_sample(&b, m, "pdhooks_last_run_timestamp_seconds", NULL, NULL, m->finished_unix);
	S_family(&b, "pdhooks_run_duration_seconds", "How long the last run took.");
	S_sample(&b, m, "pdhooks_run_duration_seconds", NULL, NULL, m->duration_seconds);
	S_family(&b, "pdhooks_api_calls", "HTTP calls the last run made to Pipedrive, listings "
	         "and retries included.");
	S_sample(&b, m, "pdhooks_api_calls", NULL, NULL, m->api_calls);
	S_family(&b, "pdhooks_api_tokens", "Tokens of the company's daily API budget the last "
	         "run's calls cost (every call that got an answer, at Pipedrive's price).");
	S_sample(&b, m, "pdhooks_api_tokens", NULL, NULL, (double)m->api_tokens);
	if (m->has_daily_tokens_remaining) {
		S_family(&b, "pdhooks_daily_tokens_remaining", "The company's daily API budget left, "
		         "as the last answer of the last run said (x-daily-ratelimit-token-remaining).");
		S_sample(&b, m, "pdhooks_daily_tokens_remaining", NULL, NULL,
		         (double)m->daily_tokens_remaining);
	}
	if (p != NULL) {
		double by_health[PDH_HEALTH_COUNT] = { 0 };

		S_family(&b, "pdhooks_plan_actions", "Actions the plan of the last run holds, by "
		         "action.");
		S_sample(&b, m, "pdhooks_plan_actions", "action", "create", (double)p->n_create);
		S_sample(&b, m, "pdhooks_plan_actions", "action", "replace", (double)p->n_replace);
		S_sample(&b, m, "pdhooks_plan_actions", "action", "delete", (double)p->n_delete);
		S_family(&b, "pdhooks_changes_pending", "1 when the plan of the last run has "
		         "actions (drift), else 0.");
		S_sample(&b, m, "pdhooks_changes_pending", NULL, NULL, p->n_actions > 0 ? 1 : 0);
		S_family(&b, "pdhooks_webhooks", "Live webhooks the file owns, by delivery health "
		         "(ok, failing, never, inactive).");
		for (size_t i = 0; i < p->n_owned; i++)
			by_health[p->owned[i].health]++;
		for (int h = 0; h < PDH_HEALTH_COUNT; h++)
			S_sample(&b, m, "pdhooks_webhooks", "health", pdh_health_name((pdh_health)h),
			         by_health[h]);
		S_family(&b, "pdhooks_webhooks_unchanged", "Declared webhooks that match the file.");
		S_sample(&b, m, "pdhooks_webhooks_unchanged", NULL, NULL, (double)p->n_unchanged);
		S_family(&b, "pdhooks_webhooks_foreign", "Live webhooks pdhooks does not own "
		         "(other types, outside manage.urls).");
		S_sample(&b, m, "pdhooks_webhooks_foreign", NULL, NULL, (double)p->n_foreign);
		S_family(&b, "pdhooks_delivery_failing", "Owned webhooks whose last delivery "
		         "failed.");
		S_sample(&b, m, "pdhooks_delivery_failing", NULL, NULL,
		         (double)p->n_delivery_failed);
	}
	return pdh_buf_detach(&b);
}
