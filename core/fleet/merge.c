/* `pdhooks merge`: the shard reports of one fleet, joined into one report. */
#include "pdhooks/fleet_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/render_markdown.h"
#include "pdhooks/names.h"
#include "util/escape.h"

typedef struct S_input {
	json_t *doc;
	const char *name;
	bool sharded;
	unsigned index, count;
} S_input;

static int S_shard(S_input *in, json_t *shard, pdh_error *err)
{
	json_t *i, *c;

	if (json_is_null(shard)) {
		in->sharded = false;
		return 0;
	}
	i = json_object_get(shard, "index");
	c = json_object_get(shard, "count");
	if (!json_is_object(shard) || !json_is_integer(i) || !json_is_integer(c) ||
	    json_integer_value(c) < 1 || json_integer_value(i) < 0 ||
	    json_integer_value(i) >= json_integer_value(c) || json_integer_value(c) > 65536)
		return pdh_error_set(err, PDH_EINVAL, "%s: \"shard\" is not {index, count} with "
		                     "0 <= index < count", in->name);
	in->sharded = true;
	in->index = (unsigned)json_integer_value(i);
	in->count = (unsigned)json_integer_value(c);
	return 0;
}

static bool S_is_sha256(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Parses one report and checks the members merge reads. */
static int S_parse(S_input *in, const char *text, size_t len, const char *name, pdh_error *err)
{
	json_error_t jerr;
	json_t *fv, *accounts;
	const char *sha, *cmd;

	in->name = name;
	in->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (in->doc == NULL)
		return pdh_error_set(err, PDH_EINVAL, "%s:%d:%d: not JSON: %s", name, jerr.line,
		                     jerr.column, jerr.text);
	fv = json_object_get(in->doc, "format_version");
	sha = json_string_value(json_object_get(in->doc, "fleet_sha256"));
	cmd = json_string_value(json_object_get(in->doc, "command"));
	if (!json_is_object(in->doc) || !json_is_integer(fv) || !S_is_sha256(sha))
		return pdh_error_set(err, PDH_EINVAL, "%s is not a fleet report (written by "
		                     "'pdhooks plan --fleet F --format json')", name);
	if (json_integer_value(fv) != PDH_FLEET_REPORT_FORMAT_VERSION)
		return pdh_error_set(err, PDH_EINVAL, "%s: fleet report format_version %lld; this "
		                     "pdhooks reads %d", name, (long long)json_integer_value(fv),
		                     PDH_FLEET_REPORT_FORMAT_VERSION);
	/* Both are written into the merged report as they are. */
	if (cmd == NULL || (strcmp(cmd, "plan") != 0 && strcmp(cmd, "apply") != 0 &&
	                    strcmp(cmd, "status") != 0))
		return pdh_error_set(err, PDH_EINVAL, "%s: \"command\" is not plan, apply or status",
		                     name);
	accounts = json_object_get(in->doc, "accounts");
	if (!json_is_array(accounts))
		return pdh_error_set(err, PDH_EINVAL, "%s: \"accounts\" is not a list", name);
	for (size_t i = 0; i < json_array_size(accounts); i++) {
		json_t *a = json_array_get(accounts, i);

		if (!json_is_object(a) || !json_is_string(json_object_get(a, "name")) ||
		    !json_is_integer(json_object_get(a, "index")) ||
		    !json_is_string(json_object_get(a, "outcome")) ||
		    pdh_fleet_outcome_parse(json_string_value(json_object_get(a, "outcome"))) < 0 ||
		    !json_is_integer(json_object_get(a, "exit_code")))
			return pdh_error_set(err, PDH_EINVAL, "%s: account %zu lacks name, index, a "
			                     "known outcome or exit_code", name, i + 1);
	}
	return S_shard(in, json_object_get(in->doc, "shard"), err);
}

/* The inputs are one fleet's shards: one file, same count, each index once. */
static int S_check_set(const S_input *in, size_t n, pdh_error *err)
{
	const char *sha = json_string_value(json_object_get(in[0].doc, "fleet_sha256"));
	const char *cmd = json_string_value(json_object_get(in[0].doc, "command"));
	unsigned count = in[0].count;
	const char **seen = NULL;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *c = json_string_value(json_object_get(in[i].doc, "command"));

		if (strcmp(json_string_value(json_object_get(in[i].doc, "fleet_sha256")), sha) != 0)
			return pdh_error_set(err, PDH_EINVAL, "%s and %s are reports of different fleet "
			                     "files (fleet_sha256 differs)", in[0].name, in[i].name);
		if ((c == NULL) != (cmd == NULL) || (c && strcmp(c, cmd) != 0))
			return pdh_error_set(err, PDH_EINVAL, "%s and %s are reports of different "
			                     "commands", in[0].name, in[i].name);
		if (!in[i].sharded && n > 1)
			return pdh_error_set(err, PDH_EINVAL, "%s covers the whole fleet (no --shard); "
			                     "it cannot be merged with other reports", in[i].name);
		if (in[i].sharded && in[i].count != count)
			return pdh_error_set(err, PDH_EINVAL, "%s is shard %u/%u but %s is of %u shards",
			                     in[i].name, in[i].index, in[i].count, in[0].name, count);
	}
	if (!in[0].sharded)
		return 0;
	seen = pdh_xcalloc(count, sizeof(*seen));
	for (size_t i = 0; i < n; i++) {
		if (seen[in[i].index]) {
			rc = pdh_error_set(err, PDH_EINVAL, "shard %u/%u is given twice: %s and %s",
			                   in[i].index, count, seen[in[i].index], in[i].name);
			goto done;
		}
		seen[in[i].index] = in[i].name;
	}
	for (unsigned s = 0; s < count; s++)
		if (!seen[s]) {
			rc = pdh_error_set(err, PDH_EINVAL, "shard %u/%u is missing: merge needs the "
			                   "reports of all %u shards", s, count, count);
			goto done;
		}
done:
	free(seen);
	return rc;
}

static int S_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The strings of array a (NULL when one is not a string), sorted; *n their number. */
static const char **S_sorted_names(json_t *a, const char *key, size_t *n)
{
	const char **v = pdh_xcalloc(json_array_size(a) + 1, sizeof(*v));

	*n = json_array_size(a);
	for (size_t i = 0; i < *n; i++) {
		json_t *x = json_array_get(a, i);

		v[i] = json_string_value(key ? json_object_get(x, key) : x);
		if (v[i] == NULL) {
			free(v);
			return NULL;
		}
	}
	qsort(v, *n, sizeof(*v), S_cmp_str);
	return v;
}

/* A report holds the accounts its run selected: none lost, none gained, each in the shard
 * its name hashes to. */
static int S_check_own(const S_input *in, json_t *sel, pdh_error *err)
{
	size_t n_sel = 0, n_acc = 0, i = 0, j = 0;
	const char **want = S_sorted_names(json_object_get(sel, "accounts"), NULL, &n_sel);
	const char **have = S_sorted_names(json_object_get(in->doc, "accounts"), "name", &n_acc);
	int rc = 0;

	if (want == NULL)
		rc = pdh_error_set(err, PDH_EINVAL, "%s: \"selection\".\"accounts\" is not a list "
		                   "of names", in->name);
	while (rc == 0 && (i < n_sel || j < n_acc)) {
		int c = i == n_sel ? 1 : j == n_acc ? -1 : strcmp(want[i], have[j]);

		if (c < 0)
			rc = pdh_error_set(err, PDH_EINVAL, "%s: account %s was selected by its run but "
			                   "is not in the report", in->name, want[i]);
		else if (c > 0)
			rc = pdh_error_set(err, PDH_EINVAL, "%s: account %s is in the report but its run "
			                   "did not select it", in->name, have[j]);
		i++;
		j++;
	}
	for (i = 0; rc == 0 && in->sharded && i < n_sel; i++) {
		unsigned home = (unsigned)(pdh_fnv1a64(want[i], strlen(want[i])) % in->count);

		if (home != in->index)
			rc = pdh_error_set(err, PDH_EINVAL, "%s: account %s belongs to shard %u/%u, not "
			                   "%u/%u", in->name, want[i], home, in->count, in->index,
			                   in->count);
	}
	free(want);
	free(have);
	return rc;
}

/* Each report's "selection" against its accounts, and the reports together against the
 * selection of the whole fleet that each of them records. */
static int S_check_selection(const S_input *in, size_t n, pdh_error *err)
{
	json_t *first = json_object_get(in[0].doc, "selection");
	const char *sha = json_string_value(json_object_get(first, "fleet_accounts_sha256"));
	json_int_t whole = json_integer_value(json_object_get(first, "fleet_accounts"));
	const char **all = NULL;
	size_t n_all = 0, cap = 0;
	char got[65];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *sel = json_object_get(in[i].doc, "selection");
		json_t *names = json_object_get(sel, "accounts");
		const char *s = json_string_value(json_object_get(sel, "fleet_accounts_sha256"));

		if (!json_is_array(names) || !S_is_sha256(s) ||
		    !json_is_integer(json_object_get(sel, "fleet_accounts"))) {
			rc = pdh_error_set(err, PDH_EINVAL, "%s has no \"selection\" (the accounts its "
			                   "run selected); make the reports again with this pdhooks",
			                   in[i].name);
			break;
		}
		if (strcmp(s, sha ? sha : "") != 0 ||
		    json_integer_value(json_object_get(sel, "fleet_accounts")) != whole) {
			rc = pdh_error_set(err, PDH_EINVAL, "%s and %s select different accounts of the "
			                   "fleet (other --account or --label filters)", in[0].name,
			                   in[i].name);
			break;
		}
		rc = S_check_own(&in[i], sel, err);
		for (size_t k = 0; rc == 0 && k < json_array_size(names); k++) {
			all = pdh_xgrow(all, &cap, n_all + 1, sizeof(*all));
			all[n_all++] = json_string_value(json_array_get(names, k));
		}
	}
	if (rc == 0) {
		pdh_fleet_names_sha256(all, n_all, got);
		if ((json_int_t)n_all != whole || strcmp(got, sha) != 0)
			rc = pdh_error_set(err, PDH_EINVAL, "the reports hold %zu account%s, not the %lld "
			                   "the fleet's selection had: an account was left out, added or "
			                   "replaced", n_all, n_all == 1 ? "" : "s", (long long)whole);
	}
	free(all);
	return rc;
}

static int S_cmp_index(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "index"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "index"));

	return (x > y) - (x < y);
}

static long S_count(json_t *a, const char *key)
{
	json_t *v = json_object_get(json_object_get(a, "counts"), key);

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* The account's reason and what its calls cost, as its report said them. */
static void S_row_meter(pdh_fleet_row *row, json_t *a)
{
	json_t *tokens = json_object_get(a, "tokens"), *left = json_object_get(a,
	                                                                    "daily_tokens_remaining");
	json_t *calls = json_object_get(a, "calls");

	row->reason = json_string_value(json_object_get(a, "reason"));
	row->tokens = json_is_integer(tokens) ? (long long)json_integer_value(tokens) : 0;
	row->calls = json_is_integer(calls) ? (long long)json_integer_value(calls) : 0;
	row->has_daily_tokens_remaining = json_is_integer(left);
	row->daily_tokens_remaining = row->has_daily_tokens_remaining
	                              ? (long long)json_integer_value(left) : 0;
}

static void S_row(pdh_fleet_row *row, json_t *a)
{
	json_t *cid = json_object_get(a, "company_id"), *e = json_object_get(a, "error");

	memset(row, 0, sizeof(*row));
	row->index = (size_t)json_integer_value(json_object_get(a, "index"));
	row->name = json_string_value(json_object_get(a, "name"));
	row->api_url = json_string_value(json_object_get(a, "api_url"));
	row->has_company_id = json_is_integer(cid);
	row->company_id = row->has_company_id ? (long long)json_integer_value(cid) : 0;
	row->outcome = (pdh_fleet_outcome)pdh_fleet_outcome_parse(
		json_string_value(json_object_get(a, "outcome")));
	row->exit_code = (int)json_integer_value(json_object_get(a, "exit_code"));
	row->n_create = S_count(a, "create");
	row->n_replace = S_count(a, "replace");
	row->n_delete = S_count(a, "delete");
	row->n_unchanged = S_count(a, "unchanged");
	row->error = json_is_string(e) ? json_string_value(e) : NULL;
	S_row_meter(row, a);
}

/* A plan that apply would refuse says so in the merged report as in the account's own plan:
 * a reviewer of the merged comment sees the brake before anyone runs apply. */
static void S_brake(pdh_buf *b, json_t *a, bool markdown)
{
	json_t *summary = json_object_get(json_object_get(a, "plan"), "summary");
	const char *why = json_string_value(json_object_get(summary, "brake_reason"));

	if (!json_is_true(json_object_get(summary, "brake")))
		return;
	if (markdown) {
		pdh_buf_puts(b, "\n> **Refused by a safety brake:** ");
		pdh_markdown_escape(b, why ? why : "see the plan");
		pdh_buf_puts(b, ". `pdhooks apply` needs `--force` to run this plan.\n");
	} else {
		pdh_buf_puts(b, "  Brake: apply will refuse this plan without --force: ");
		pdh_escape_display(b, why ? why : "see the plan");
		pdh_buf_puts(b, ".\n");
	}
}

/* What merge can show of an account's plan in text and Markdown: its actions, one line
 * each (the plan objects, not the live webhooks, are what a shard report keeps), and the
 * brake when there is one. */
static char *S_actions(json_t *a, bool markdown)
{
	json_t *actions = json_object_get(json_object_get(a, "plan"), "actions");
	pdh_buf b = PDH_BUF_INIT;

	for (size_t i = 0; i < json_array_size(actions); i++) {
		json_t *x = json_array_get(actions, i);
		const char *kind = json_string_value(json_object_get(x, "action"));
		const char *key = json_string_value(json_object_get(x, "key"));
		const char *why = json_string_value(json_object_get(x, "reason"));
		int k = pdh_action_kind_parse(kind);
		const char *mark = !kind ? "?" : k == PDH_ACTION_CREATE ? "+"
		                   : k == PDH_ACTION_REPLACE ? "-/+" : "-";

		if (markdown) {
			pdh_buf_printf(&b, "- `%s` ", mark);
			pdh_markdown_escape(&b, key ? key : "?");
			pdh_buf_puts(&b, " (");
			pdh_markdown_escape(&b, why ? why : "");
			pdh_buf_puts(&b, ")\n");
		} else {
			pdh_buf_printf(&b, "  %-3s ", mark);
			pdh_escape_display(&b, key ? key : "?");
			pdh_buf_puts(&b, " (");
			pdh_escape_display(&b, why ? why : "");
			pdh_buf_puts(&b, ")\n");
		}
	}
	S_brake(&b, a, markdown);
	if (b.data == NULL)
		return NULL;
	return pdh_buf_detach(&b);
}

int pdh_fleet_merge(char **out, int *exit_code, const char *const *texts, const size_t *lens,
                    const char *const *names, size_t n, pdh_format format,
                    bool detailed, pdh_error *err)
{
	S_input *in = NULL;
	json_t **all = NULL;
	size_t n_all = 0, cap = 0;
	pdh_fleet_report *r = NULL;
	pdh_fleet_report_opts ro;
	pdh_buf b = PDH_BUF_INIT;
	const char **selected = NULL;
	json_t *sel;
	char *piece;
	int rc = 0;

	*out = NULL;
	*exit_code = 1;
	if (n == 0)
		return pdh_error_set(err, PDH_EINVAL, "merge needs at least one report");
	in = pdh_xcalloc(n, sizeof(*in));
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = S_parse(&in[i], texts[i], lens[i], names[i], err);
	if (rc == 0)
		rc = S_check_set(in, n, err);
	if (rc == 0)
		rc = S_check_selection(in, n, err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *accounts = json_object_get(in[i].doc, "accounts");

		for (size_t j = 0; j < json_array_size(accounts); j++) {
			all = pdh_xgrow(all, &cap, n_all + 1, sizeof(*all));
			all[n_all++] = json_array_get(accounts, j);
		}
	}
	if (rc != 0)
		goto done;
	qsort(all, n_all, sizeof(*all), S_cmp_index);
	for (size_t i = 1; i < n_all; i++)
		if (json_integer_value(json_object_get(all[i], "index")) ==
		    json_integer_value(json_object_get(all[i - 1], "index"))) {
			rc = pdh_error_set(err, PDH_EINVAL, "account %s is in more than one report",
			                   json_string_value(json_object_get(all[i], "name")));
			goto done;
		}
	memset(&ro, 0, sizeof(ro));
	ro.format = format;
	ro.fleet_sha256 = json_string_value(json_object_get(in[0].doc, "fleet_sha256"));
	ro.command = json_string_value(json_object_get(in[0].doc, "command"));
	/* the merged report covers the whole selection, and can be merged alone */
	sel = json_object_get(in[0].doc, "selection");
	selected = pdh_xcalloc(n_all + 1, sizeof(*selected));
	for (size_t i = 0; i < n_all; i++)
		selected[i] = json_string_value(json_object_get(all[i], "name"));
	ro.selected = selected;
	ro.n_selected = n_all;
	ro.fleet_selected = (size_t)json_integer_value(json_object_get(sel, "fleet_accounts"));
	ro.fleet_selected_sha256 = json_string_value(json_object_get(sel, "fleet_accounts_sha256"));
	r = pdh_fleet_report_new(&ro);
	piece = pdh_fleet_report_begin(r);
	pdh_buf_puts(&b, piece);
	free(piece);
	for (size_t i = 0; i < n_all; i++) {
		pdh_fleet_row row;
		char *section;

		S_row(&row, all[i]);
		if (format == PDH_FORMAT_JSON)
			section = json_dumps(all[i], JSON_COMPACT);
		else
			section = S_actions(all[i], format == PDH_FORMAT_MARKDOWN);
		/* an account in sync says so, as in the live report, not an empty section */
		if (section == NULL && format == PDH_FORMAT_TEXT && row.error == NULL)
			section = pdh_xasprintf("No changes. %ld unchanged.\n", row.n_unchanged);
		piece = pdh_fleet_report_add(r, &row, section);
		pdh_buf_puts(&b, piece);
		free(piece);
		free(section);
	}
	piece = pdh_fleet_report_end(r);
	pdh_buf_puts(&b, piece);
	free(piece);
	*exit_code = pdh_fleet_report_exit_code(r, detailed);
	*out = pdh_buf_detach(&b);
done:
	pdh_fleet_report_free(r);
	pdh_buf_dispose(&b);
	free(selected);
	free(all);
	for (size_t i = 0; in && i < n; i++)
		json_decref(in[i].doc);
	free(in);
	return rc;
}
