/* Fleet reports, written piece by piece: the text table and summary line, the JSON document,
 * the Markdown comment; and the merge of shard reports. */
#include "pdhooks/fleet_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_json.h"
#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/cost.h"
#include "pdhooks/render_markdown.h"
#include "plan/plan_json.h"
#include "util/escape.h"
#include "util/text.h"

#define S_ERROR_SHOWN 160   /* characters of an error kept for the table */

typedef struct S_row {
	char *name;
	pdh_fleet_outcome outcome;
	long n_create, n_replace, n_delete, n_unchanged;
	char *error;            /* cut to S_ERROR_SHOWN, control characters as '?' */
} S_row;

struct pdh_fleet_report {
	pdh_fleet_report_opts o;
	size_t n;                            /* accounts added */
	size_t by_outcome[PDH_FLEET_OUTCOME_COUNT];
	size_t by_exit[7];                   /* 0-5, and 6 for any other code */
	long n_create, n_replace, n_delete;
	long long tokens;                    /* the accounts' tokens, summed */
	long long calls;                     /* the accounts' API calls, summed */
	S_row *rows;                         /* text and Markdown: the table */
	size_t n_rows, cap_rows;
	pdh_buf details;                     /* Markdown: the sections that fit */
	size_t n_details_left_out;
};

/* s as people are shown it (control and bidi characters escaped, util/escape.h), cut to
 * max bytes at a character boundary. */
static char *S_clean(const char *s, size_t max)
{
	char *c;

	if (s == NULL)
		return NULL;
	c = pdh_escape_display_dup(s);
	c[pdh_utf8_fit(c, strlen(c), max)] = '\0';
	return c;
}

pdh_fleet_report *pdh_fleet_report_new(const pdh_fleet_report_opts *opts)
{
	pdh_fleet_report *r = pdh_xcalloc(1, sizeof(*r));

	r->o = *opts;
	if (r->o.max_bytes == 0)
		r->o.max_bytes = PDH_MARKDOWN_MAX;
	if (r->o.command == NULL)
		r->o.command = "plan";
	return r;
}

static void S_row_dispose(S_row *row)
{
	PDH_FREE_ALL(row->name, row->error);
}

void pdh_fleet_report_free(pdh_fleet_report *r)
{
	if (r == NULL)
		return;
	PDH_FREE_EACH(r->rows, r->n_rows, S_row_dispose);
	pdh_buf_dispose(&r->details);
	free(r);
}

static json_t *S_shard_json(const pdh_fleet_shard *s)
{
	if (!s->set)
		return json_null();
	return json_pack("{s:I,s:I}", "index", (json_int_t)s->index, "count", (json_int_t)s->count);
}

/* "selection": the run's accounts, and the number and digest of the whole selection. */
static json_t *S_selection_json(const pdh_fleet_report_opts *o)
{
	json_t *names = json_array();

	for (size_t i = 0; i < o->n_selected; i++)
		json_array_append_new(names, pdh_json_text(o->selected[i]));
	return json_pack("{s:o,s:I,s:s}", "accounts", names, "fleet_accounts",
	                 (json_int_t)o->fleet_selected, "fleet_accounts_sha256",
	                 o->fleet_selected_sha256 ? o->fleet_selected_sha256 : "");
}

char *pdh_fleet_report_begin(pdh_fleet_report *r)
{
	json_t *shard, *sel;
	char *s, *t, *out;

	if (r->o.format != PDH_FLEET_JSON)
		return pdh_xstrdup("");
	shard = S_shard_json(&r->o.shard);
	sel = S_selection_json(&r->o);
	s = json_dumps(shard, JSON_COMPACT | JSON_ENCODE_ANY);
	t = json_dumps(sel, JSON_COMPACT);
	out = pdh_xasprintf("{\"format_version\":%d,\"fleet_sha256\":\"%s\",\"command\":\"%s\","
	                    "\"shard\":%s,\"selection\":%s,\"accounts\":[",
	                    PDH_FLEET_REPORT_FORMAT_VERSION,
	                    r->o.fleet_sha256 ? r->o.fleet_sha256 : "", r->o.command, s, t);
	PDH_FREE_ALL(s, t);
	json_decref(shard);
	json_decref(sel);
	return out;
}

static void S_keep_row(pdh_fleet_report *r, const pdh_fleet_row *row)
{
	S_row *k;

	r->rows = pdh_xgrow(r->rows, &r->cap_rows, r->n_rows + 1, sizeof(*r->rows));
	k = &r->rows[r->n_rows++];
	k->name = pdh_escape_display_dup(row->name);
	k->outcome = row->outcome;
	k->n_create = row->n_create;
	k->n_replace = row->n_replace;
	k->n_delete = row->n_delete;
	k->n_unchanged = row->n_unchanged;
	k->error = S_clean(row->error, S_ERROR_SHOWN);
}

static void S_target_line(pdh_buf *b, const pdh_fleet_row *row)
{
	pdh_escape_display(b, row->name);
	pdh_buf_puts(b, " (");
	pdh_escape_display(b, row->api_url ? row->api_url : "?");
	if (row->has_company_id)
		pdh_buf_printf(b, ", company %lld", row->company_id);
	pdh_buf_puts(b, ")");
}

/* The Markdown section of one account, kept when it fits. */
static void S_keep_details(pdh_fleet_report *r, const pdh_fleet_row *row, const char *section)
{
	pdh_buf b = PDH_BUF_INIT;
	char *err;

	if (row->outcome == PDH_FLEET_IN_SYNC || row->outcome == PDH_FLEET_SKIPPED ||
	    row->outcome == PDH_FLEET_HEALTHY)
		return;
	pdh_buf_puts(&b, "<details><summary>");
	pdh_markdown_escape(&b, row->name);
	pdh_buf_printf(&b, ": %s</summary>\n\n", pdh_fleet_outcome_name(row->outcome));
	pdh_buf_puts(&b, "Target: ");
	pdh_markdown_escape(&b, row->api_url);
	if (row->has_company_id)
		pdh_buf_printf(&b, ", company %lld", row->company_id);
	pdh_buf_puts(&b, "\n\n");
	if (row->error) {
		err = S_clean(row->error, 2000);
		pdh_buf_puts(&b, "Error: ");
		pdh_markdown_escape(&b, err);
		pdh_buf_puts(&b, "\n\n");
		free(err);
	}
	if (section)
		pdh_buf_puts(&b, section);
	pdh_buf_puts(&b, "\n</details>\n\n");
	if (r->details.len + b.len <= r->o.max_bytes / 2)
		pdh_buf_append(&r->details, b.data, b.len);
	else
		r->n_details_left_out++;
	pdh_buf_dispose(&b);
}

char *pdh_fleet_report_add(pdh_fleet_report *r, const pdh_fleet_row *row, const char *section)
{
	pdh_buf b = PDH_BUF_INIT;
	int code = row->exit_code;

	r->by_outcome[(unsigned)row->outcome < PDH_FLEET_OUTCOME_COUNT ? row->outcome
	                                                                 : PDH_FLEET_FAILED]++;
	r->by_exit[code >= 0 && code <= 5 ? code : 6]++;
	r->n_create += row->n_create;
	r->n_replace += row->n_replace;
	r->n_delete += row->n_delete;
	r->tokens += row->tokens;
	r->calls += row->calls;
	switch (r->o.format) {
	case PDH_FLEET_JSON:
		if (r->n > 0)
			pdh_buf_putc(&b, ',');
		pdh_buf_putc(&b, '\n');
		pdh_buf_puts(&b, section ? section : "{}");
		break;
	case PDH_FLEET_TEXT:
		S_keep_row(r, row);
		pdh_buf_puts(&b, "=== ");
		S_target_line(&b, row);
		pdh_buf_puts(&b, "\n");
		if (section)
			pdh_buf_puts(&b, section);
		if (row->error) {
			char *e = S_clean(row->error, 4000);
			const char *name = pdh_fleet_outcome_name(row->outcome);
			size_t n = strlen(name);

			/* "refused: WHY" is said once, not "refused: refused: WHY" */
			if (strncmp(e, name, n) == 0 && strncmp(e + n, ": ", 2) == 0)
				pdh_buf_printf(&b, "%s\n", e);
			else
				pdh_buf_printf(&b, "%s: %s\n", name, e);
			free(e);
		}
		pdh_buf_putc(&b, '\n');
		break;
	case PDH_FLEET_MARKDOWN:
		S_keep_row(r, row);
		S_keep_details(r, row, section);
		break;
	}
	r->n++;
	if (b.data == NULL)
		return pdh_xstrdup("");
	return pdh_buf_detach(&b);
}

int pdh_fleet_report_exit_code(const pdh_fleet_report *r, bool detailed)
{
	int codes[7], n = 0;

	for (int c = 0; c <= 6; c++)
		if (r->by_exit[c] > 0)
			codes[n++] = c;
	return pdh_fleet_exit_code(codes, (size_t)n, detailed);
}

size_t pdh_fleet_report_count(const pdh_fleet_report *r, pdh_fleet_outcome o)
{
	return (unsigned)o < PDH_FLEET_OUTCOME_COUNT ? r->by_outcome[o] : 0;
}

/* " (1000 accounts; 2000 API calls, 20000 tokens)." closing the summary line. */
static void S_summary_end(pdh_buf *b, const pdh_fleet_report *r)
{
	pdh_buf_printf(b, " (%zu account%s; ", r->n, r->n == 1 ? "" : "s");
	pdh_cost_words(b, r->calls, r->tokens);
	pdh_buf_puts(b, ").");
}

/* "Fleet: 998 in sync, 2 with changes, 0 failed (1000 accounts; 2000 API calls, 20000
 * tokens)." and the rarer outcomes. */
static void S_summary_line(pdh_buf *b, const pdh_fleet_report *r)
{
	static const struct { pdh_fleet_outcome o; const char *what; } extra[] = {
		{ PDH_FLEET_UNAVAILABLE, "could not be checked" },
		{ PDH_FLEET_REFUSED, "refused by a brake" },
		{ PDH_FLEET_STALE, "with a stale plan" },
		{ PDH_FLEET_SKIPPED, "skipped" },
		{ PDH_FLEET_CLOSED, "closed (the Pipedrive account is not open)" },
		{ PDH_FLEET_REAUTHORIZE, "to authorize again (invalid_grant)" },
	};
	bool apply = strcmp(r->o.command, "apply") == 0;

	if (strcmp(r->o.command, "status") == 0) {
		pdh_buf_printf(b, "Fleet: %zu healthy, %zu unhealthy, %zu failed",
		               r->by_outcome[PDH_FLEET_HEALTHY], r->by_outcome[PDH_FLEET_UNHEALTHY],
		               r->by_outcome[PDH_FLEET_FAILED]);
		if (r->by_outcome[PDH_FLEET_UNAVAILABLE] > 0)
			pdh_buf_printf(b, ", %zu could not be checked", r->by_outcome[PDH_FLEET_UNAVAILABLE]);
		if (r->by_outcome[PDH_FLEET_CLOSED] > 0)
			pdh_buf_printf(b, ", %zu closed", r->by_outcome[PDH_FLEET_CLOSED]);
		if (r->by_outcome[PDH_FLEET_SKIPPED] > 0)
			pdh_buf_printf(b, ", %zu skipped", r->by_outcome[PDH_FLEET_SKIPPED]);
		if (r->by_outcome[PDH_FLEET_REAUTHORIZE] > 0)
			pdh_buf_printf(b, ", %zu to authorize again (invalid_grant)",
			               r->by_outcome[PDH_FLEET_REAUTHORIZE]);
		S_summary_end(b, r);
		return;
	}
	pdh_buf_printf(b, "Fleet: %zu in sync, ", r->by_outcome[PDH_FLEET_IN_SYNC]);
	if (apply)
		pdh_buf_printf(b, "%zu applied, ", r->by_outcome[PDH_FLEET_APPLIED]);
	else
		pdh_buf_printf(b, "%zu with changes, ", r->by_outcome[PDH_FLEET_CHANGES]);
	pdh_buf_printf(b, "%zu failed", r->by_outcome[PDH_FLEET_FAILED]);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (r->by_outcome[extra[i].o] > 0)
			pdh_buf_printf(b, ", %zu %s", r->by_outcome[extra[i].o], extra[i].what);
	S_summary_end(b, r);
}

static void S_text_table(pdh_buf *b, const pdh_fleet_report *r)
{
	int w = (int)strlen("ACCOUNT");

	for (size_t i = 0; i < r->n_rows; i++)
		if ((int)strlen(r->rows[i].name) > w)
			w = (int)strlen(r->rows[i].name);
	pdh_buf_printf(b, "%-*s  %-11s %6s %7s %6s %9s  %s\n", w, "ACCOUNT", "OUTCOME", "CREATE",
	               "REPLACE", "DELETE", "UNCHANGED", "ERROR");
	for (size_t i = 0; i < r->n_rows; i++) {
		const S_row *k = &r->rows[i];

		pdh_buf_printf(b, "%-*s  %-11s %6ld %7ld %6ld %9ld  %s\n", w, k->name,
		               pdh_fleet_outcome_name(k->outcome), k->n_create, k->n_replace,
		               k->n_delete, k->n_unchanged, k->error ? k->error : "");
	}
}

static json_t *S_summary_json(const pdh_fleet_report *r)
{
	json_t *s = json_object();

	json_object_set_new(s, "accounts", json_integer((json_int_t)r->n));
	for (int o = 0; o < PDH_FLEET_OUTCOME_COUNT; o++)
		json_object_set_new(s, pdh_fleet_outcome_name((pdh_fleet_outcome)o),
		                    json_integer((json_int_t)r->by_outcome[o]));
	json_object_set_new(s, "create", json_integer(r->n_create));
	json_object_set_new(s, "replace", json_integer(r->n_replace));
	json_object_set_new(s, "delete", json_integer(r->n_delete));
	json_object_set_new(s, "calls", json_integer((json_int_t)r->calls));
	json_object_set_new(s, "tokens", json_integer((json_int_t)r->tokens));
	json_object_set_new(s, "exit_code", json_integer(pdh_fleet_report_exit_code(r, false)));
	json_object_set_new(s, "detailed_exit_code",
	                    json_integer(pdh_fleet_report_exit_code(r, true)));
	return s;
}

static char *S_markdown_end(const pdh_fleet_report *r)
{
	pdh_buf b = PDH_BUF_INIT;
	size_t max = r->o.max_bytes, shown = 0, hidden = 0, in_sync = 0;

	pdh_buf_printf(&b, "### pdhooks fleet %s\n\n**", r->o.command);
	S_summary_line(&b, r);
	pdh_buf_puts(&b, "**\n\n");
	if (r->o.shard.set)
		pdh_buf_printf(&b, "Shard %u/%u.\n\n", r->o.shard.index, r->o.shard.count);
	for (size_t i = 0; i < r->n_rows; i++) {
		const S_row *k = &r->rows[i];
		pdh_buf line = PDH_BUF_INIT;

		if (k->outcome == PDH_FLEET_IN_SYNC || k->outcome == PDH_FLEET_HEALTHY) {
			in_sync++;
			continue;
		}
		if (shown == 0 && hidden == 0)
			pdh_buf_puts(&b, "| account | outcome | create | replace | delete | unchanged "
			             "| error |\n|---|---|---:|---:|---:|---:|---|\n");
		pdh_buf_puts(&line, "| ");
		pdh_markdown_escape(&line, k->name);
		pdh_buf_printf(&line, " | %s | %ld | %ld | %ld | %ld | ",
		               pdh_fleet_outcome_name(k->outcome), k->n_create, k->n_replace,
		               k->n_delete, k->n_unchanged);
		pdh_markdown_escape(&line, k->error ? k->error : "");
		pdh_buf_puts(&line, " |\n");
		/* The table gets the first half of the budget, the details the second. */
		if (b.len + line.len + 200 <= max / 2) {
			pdh_buf_append(&b, line.data, line.len);
			shown++;
		} else {
			hidden++;
		}
		pdh_buf_dispose(&line);
	}
	if (hidden > 0)
		pdh_buf_printf(&b, "\n%zu more account%s not shown (the comment is limited to %zu "
		               "characters).\n", hidden, hidden == 1 ? "" : "s", max);
	if (in_sync > 0)
		pdh_buf_printf(&b, "\n%zu account%s in sync (not listed).\n", in_sync,
		               in_sync == 1 ? " is" : "s are");
	pdh_buf_puts(&b, "\n");
	if (b.len + r->details.len <= max)
		pdh_buf_append(&b, r->details.data, r->details.len);
	if (r->n_details_left_out > 0 && b.len + 120 <= max)
		pdh_buf_printf(&b, "The plans of %zu more account%s are left out (the comment is "
		               "limited to %zu characters).\n", r->n_details_left_out,
		               r->n_details_left_out == 1 ? "" : "s", max);
	return pdh_buf_detach(&b);
}

char *pdh_fleet_report_end(pdh_fleet_report *r)
{
	pdh_buf b = PDH_BUF_INIT;
	json_t *s;
	char *text;

	switch (r->o.format) {
	case PDH_FLEET_JSON:
		s = S_summary_json(r);
		text = json_dumps(s, JSON_COMPACT);
		pdh_buf_printf(&b, "%s],\"summary\":%s}\n", r->n > 0 ? "\n" : "", text);
		free(text);
		json_decref(s);
		break;
	case PDH_FLEET_TEXT:
		S_text_table(&b, r);
		pdh_buf_putc(&b, '\n');
		S_summary_line(&b, r);
		pdh_buf_putc(&b, '\n');
		break;
	case PDH_FLEET_MARKDOWN:
		return S_markdown_end(r);
	}
	return pdh_buf_detach(&b);
}

json_t *pdh_fleet_account_json(const pdh_fleet_row *row, json_t *plan, json_t *apply)
{
	return pdh_fleet_account_json_as(row, "plan", plan, apply);
}

json_t *pdh_fleet_account_json_as(const pdh_fleet_row *row, const char *doc_key, json_t *plan,
                                  json_t *apply)
{
	json_t *a = json_object();

	json_object_set_new(a, "index", json_integer((json_int_t)row->index));
	json_object_set_new(a, "name", pdh_json_text(row->name));
	json_object_set_new(a, "api_url", pdh_json_text(row->api_url));
	json_object_set_new(a, "company_id", row->has_company_id
	                                     ? json_integer((json_int_t)row->company_id)
	                                     : json_null());
	json_object_set_new(a, "outcome", json_string(pdh_fleet_outcome_name(row->outcome)));
	if (row->reason)
		json_object_set_new(a, "reason", pdh_json_text(row->reason));
	json_object_set_new(a, "exit_code", json_integer(row->exit_code));
	json_object_set_new(a, "counts", json_pack("{s:I,s:I,s:I,s:I}",
	                                           "create", (json_int_t)row->n_create,
	                                           "replace", (json_int_t)row->n_replace,
	                                           "delete", (json_int_t)row->n_delete,
	                                           "unchanged", (json_int_t)row->n_unchanged));
	if (plan)
		json_object_set_new(a, doc_key, plan);
	if (row->error || !plan)
		json_object_set_new(a, "error", pdh_json_text(row->error ? row->error : "not planned"));
	if (row->reason)
		json_object_set_new(a, "reason", json_string(row->reason));
	json_object_set_new(a, "calls", json_integer((json_int_t)row->calls));
	json_object_set_new(a, "tokens", json_integer((json_int_t)row->tokens));
	json_object_set_new(a, "daily_tokens_remaining", row->has_daily_tokens_remaining
	                    ? json_integer((json_int_t)row->daily_tokens_remaining) : json_null());
	if (apply)
		json_object_set_new(a, "apply", apply);
	return a;
}
