#include "pdhooks/check_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "plan/plan_json.h"

void pdh_check_report_init(pdh_check_report *r, const char *fleet, bool no_env,
                           bool errors_only)
{
	memset(r, 0, sizeof(*r));
	r->fleet = fleet ? pdh_xstrdup(fleet) : NULL;
	r->no_env = no_env;
	r->errors_only = errors_only;
}

static void S_copy_item(pdh_check_file *f, pdh_diag_level level, int line, int col,
                        const char *message)
{
	pdh_diag *it = &f->items[f->n_items++];

	it->level = level;
	it->line = line;
	it->col = col;
	it->message = pdh_xstrdup(message);
	if (level == PDH_DIAG_ERROR)
		f->n_errors++;
	else
		f->n_warnings++;
}

void pdh_check_report_add(pdh_check_report *r, const char *path, const char *account,
                          const pdh_diags *d, bool valid, const char *failure)
{
	pdh_check_file *f;
	size_t n = (d ? d->len : 0) + (failure ? 1 : 0);

	r->files = pdh_xgrow(r->files, &r->cap, r->n + 1, sizeof(*r->files));
	f = &r->files[r->n++];
	memset(f, 0, sizeof(*f));
	f->path = pdh_xstrdup(path);
	f->account = account ? pdh_xstrdup(account) : NULL;
	f->valid = valid;
	f->items = pdh_xcalloc(n ? n : 1, sizeof(*f->items));
	if (failure)
		S_copy_item(f, PDH_DIAG_ERROR, 0, 0, failure);
	if (d == NULL || d->len == 0)
		return;
	{
		/* sorted by position, without touching the caller's order */
		pdh_diags sorted = *d;

		sorted.items = pdh_xcalloc(d->len, sizeof(*sorted.items));
		memcpy(sorted.items, d->items, d->len * sizeof(*d->items));
		sorted.cap = d->len;
		pdh_diags_sort(&sorted);
		for (size_t i = 0; i < sorted.len; i++) {
			const pdh_diag *it = &sorted.items[i];

			if (r->errors_only && it->level != PDH_DIAG_ERROR)
				continue;
			S_copy_item(f, it->level, it->line, it->col, it->message);
		}
		free(sorted.items);
	}
}

static const char *S_severity(pdh_diag_level level)
{
	return level == PDH_DIAG_ERROR ? "error" : "warning";
}

char *pdh_check_report_json(const pdh_check_report *r)
{
	json_t *doc = json_object(), *files = json_array();
	size_t valid = 0, errors = 0, warnings = 0;
	char *out;

	for (size_t i = 0; i < r->n; i++) {
		const pdh_check_file *f = &r->files[i];
		json_t *jf = json_object(), *diags = json_array();

		json_object_set_new(jf, "file", pdh_json_text(f->path));
		json_object_set_new(jf, "account", f->account ? pdh_json_text(f->account) : json_null());
		json_object_set_new(jf, "valid", json_boolean(f->valid));
		json_object_set_new(jf, "errors", json_integer((json_int_t)f->n_errors));
		json_object_set_new(jf, "warnings", json_integer((json_int_t)f->n_warnings));
		for (size_t k = 0; k < f->n_items; k++) {
			const pdh_diag *it = &f->items[k];

			json_array_append_new(diags, json_pack("{s:i, s:i, s:s, s:o}", "line", it->line,
			                                       "column", it->col, "severity",
			                                       S_severity(it->level), "message",
			                                       pdh_json_text(it->message)));
		}
		json_object_set_new(jf, "diagnostics", diags);
		json_array_append_new(files, jf);
		valid += f->valid;
		errors += f->n_errors;
		warnings += f->n_warnings;
	}
	json_object_set_new(doc, "format_version", json_integer(1));
	json_object_set_new(doc, "valid", json_boolean(valid == r->n));
	json_object_set_new(doc, "fleet", r->fleet ? pdh_json_text(r->fleet) : json_null());
	json_object_set_new(doc, "no_env", json_boolean(r->no_env));
	json_object_set_new(doc, "summary",
	                    json_pack("{s:I, s:I, s:I, s:I}", "files", (json_int_t)r->n, "valid",
	                              (json_int_t)valid, "errors", (json_int_t)errors, "warnings",
	                              (json_int_t)warnings));
	json_object_set_new(doc, "files", files);
	out = pdh_json_dump(doc);
	json_decref(doc);
	return out;
}

/* GitHub's escaping of a workflow command's data (the message): % CR LF; of a property's
 * value: those and , : as well. */
static void S_escape(pdh_buf *b, const char *s, bool property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': pdh_buf_puts(b, "%25"); break;
		case '\r': pdh_buf_puts(b, "%0D"); break;
		case '\n': pdh_buf_puts(b, "%0A"); break;
		case ':':
			pdh_buf_puts(b, property ? "%3A" : ":");
			break;
		case ',':
			pdh_buf_puts(b, property ? "%2C" : ",");
			break;
		default: pdh_buf_append(b, s, 1);
		}
	}
}

char *pdh_check_report_github(const pdh_check_report *r)
{
	pdh_buf b = PDH_BUF_INIT;

	for (size_t i = 0; i < r->n; i++) {
		const pdh_check_file *f = &r->files[i];

		for (size_t k = 0; k < f->n_items; k++) {
			const pdh_diag *it = &f->items[k];

			pdh_buf_printf(&b, "::%s file=", S_severity(it->level));
			S_escape(&b, f->path, true);
			if (it->line > 0)
				pdh_buf_printf(&b, ",line=%d", it->line);
			if (it->line > 0 && it->col > 0)
				pdh_buf_printf(&b, ",col=%d", it->col);
			if (f->account) {
				pdh_buf_puts(&b, ",title=");
				S_escape(&b, "pdhooks: account ", true);
				S_escape(&b, f->account, true);
			}
			pdh_buf_puts(&b, "::");
			S_escape(&b, it->message, false);
			pdh_buf_puts(&b, "\n");
		}
	}
	return pdh_buf_detach(&b);
}

void pdh_check_report_dispose(pdh_check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		pdh_check_file *f = &r->files[i];

		for (size_t k = 0; k < f->n_items; k++)
			free(f->items[k].message);
		PDH_FREE_ALL(f->items, f->path, f->account);
	}
	PDH_FREE_ALL(r->files, r->fleet);
	memset(r, 0, sizeof(*r));
}
