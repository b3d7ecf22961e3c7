#include "metrics_out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "pdhooks/atomic_write.h"
#include "pdhooks/clock.h"
#include "pdhooks/metrics.h"
#include "pdhooks/planfile.h"

void pdh_cli_metrics_start(pdh_cli_metrics *m, const char *command)
{
	m->command = command;
	m->start_ms = pdh_now_ms();
}

void pdh_cli_metrics_target(pdh_cli_metrics *m, const pdh_common *o, const pdh_target_run *run)
{
	m->path = o->fleet ? NULL : o->metrics_file;
	m->file = o->file;
	/* The company the run named (an empty listing's by GET /users/me), else the listing's. */
	m->has_company_id = run->company.source != PDH_COMPANY_UNKNOWN;
	m->company_id = run->company.id;
	if (!m->has_company_id)
		m->has_company_id = run->live != NULL && pdh_live_company(run->live, &m->company_id);
	m->labels = &o->metrics_labels;
	m->api_tokens = pdh_meter_tokens(&run->meter);
	m->daily_tokens_remaining = pdh_meter_daily_remaining(&run->meter);
}

int pdh_cli_metrics_finish(const pdh_cli_metrics *m, int code, bool success,
                           const pdh_plan *plan, int api_calls)
{
	pdh_metrics_run run;
	struct timespec wall;

	if (m->path == NULL)
		return code;
	clock_gettime(CLOCK_REALTIME, &wall);
	memset(&run, 0, sizeof(run));
	run.command = m->command;
	run.plan = plan;
	run.success = success;
	run.exit_code = code;
	run.finished_unix = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	run.duration_seconds = (double)(pdh_now_ms() - m->start_ms) / 1e3;
	run.api_calls = api_calls;
	run.api_tokens = m->api_tokens;
	run.has_daily_tokens_remaining = m->daily_tokens_remaining >= 0;
	run.daily_tokens_remaining = m->daily_tokens_remaining;
	run.file = m->file;
	run.has_company_id = m->has_company_id;
	run.company_id = m->company_id;
	if (m->labels) {
		run.labels = m->labels->items;
		run.n_labels = m->labels->n;
	}
	return pdh_cli_metrics_write(m->path, pdh_metrics_render(&run), code);
}

int pdh_cli_metrics_write(const char *path, char *text, int code)
{
	pdh_error err = { 0 };
	int rc = pdh_write_file_atomic(path, text, strlen(text), 0644, true, &err);

	free(text);
	if (rc == PDH_OK)
		return code;
	pdh_cli_error("cannot write the metrics: %s", err.message);
	return code == PDH_EXIT_OK ? PDH_EXIT_ERROR : code;
}
