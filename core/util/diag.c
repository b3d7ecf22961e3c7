#include "pdhooks/diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "util/escape.h"
#include "util/text.h"

#define C_BOLD "\033[1m"
#define C_ERROR "\033[1;31m"
#define C_WARNING "\033[1;35m"
#define C_CARET "\033[1;32m"
#define C_RESET "\033[0m"

void pdh_diags_init(pdh_diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = pdh_xstrdup(file ? file : "(input)");
}

void pdh_diags_add(pdh_diags *d, pdh_diag_level level, int line, int col, const char *fmt, ...)
{
	va_list ap;
	pdh_diag *it;

	d->items = pdh_xgrow(d->items, &d->cap, d->len + 1, sizeof(*d->items));
	it = &d->items[d->len++];
	it->level = level;
	it->line = line < 0 ? 0 : line;
	it->col = col < 0 ? 0 : col;
	va_start(ap, fmt);
	it->message = pdh_xvasprintf(fmt, ap);
	va_end(ap);
	/* One line, always: a stray break or escape in quoted input must not forge output. */
	for (char *p = it->message; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (level == PDH_DIAG_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;
}

void pdh_diags_hide(pdh_diags *d, int line, int col, int end_line, int end_col)
{
	d->hidden = pdh_xgrow(d->hidden, &d->cap_hidden, d->n_hidden + 1, sizeof(*d->hidden));
	d->hidden[d->n_hidden++] = (pdh_diag_span){ line, col, end_line, end_col };
}

typedef struct {
	const pdh_diag *item;
	size_t index;
} S_sortable;

static int S_cmp(const void *a, const void *b)
{
	const S_sortable *x = a, *y = b;

	if (x->item->line != y->item->line)
		return x->item->line < y->item->line ? -1 : 1;
	if (x->item->col != y->item->col)
		return x->item->col < y->item->col ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void pdh_diags_sort(pdh_diags *d)
{
	S_sortable *s;
	pdh_diag *sorted;

	if (d->len < 2)
		return;
	s = pdh_xcalloc(d->len, sizeof(*s));
	for (size_t i = 0; i < d->len; i++)
		s[i] = (S_sortable){ &d->items[i], i };
	qsort(s, d->len, sizeof(*s), S_cmp);
	sorted = pdh_xcalloc(d->cap, sizeof(*sorted));
	for (size_t i = 0; i < d->len; i++)
		sorted[i] = *s[i].item;
	free(d->items);
	d->items = sorted;
	free(s);
}

static bool S_hidden(const pdh_diags *d, int line, int col)
{
	for (size_t i = 0; i < d->n_hidden; i++) {
		const pdh_diag_span *h = &d->hidden[i];
		bool after_start = line > h->line || (line == h->line && col >= h->col);
		bool before_end = line < h->end_line || (line == h->end_line && col < h->end_col);
		if (after_start && before_end)
			return true;
	}
	return false;
}

/* The source line, masked and made safe to print, then the caret under column col. A long
 * line is shown as a window of S_WINDOW characters each side of the column. */
#define S_WINDOW 80

static void S_quote_line(pdh_buf *b, const pdh_diags *d, const pdh_lines *lines, int line,
                         int col, bool color)
{
	size_t len, off;
	const char *s = pdh_lines_get(lines, line, &len);
	pdh_buf caret = PDH_BUF_INIT;
	int first = 1, last = INT_MAX, c;

	if (s == NULL)
		return;
	if (col > 1) {
		/* Columns past the end of the line (a mark at the line break) end it. */
		int n_chars = 0;
		for (off = 0; off < len && n_chars < col; n_chars++) {
			uint32_t cp;
			size_t n = pdh_utf8_decode(s + off, len - off, &cp);
			off += n ? n : 1;
		}
		if (col > n_chars + 1)
			col = n_chars + 1;
	}
	if (col > S_WINDOW + 1)
		first = col - S_WINDOW;
	if (col > 0 && col < INT_MAX - S_WINDOW)
		last = (col > S_WINDOW ? col : S_WINDOW + 1) + S_WINDOW;
	off = pdh_text_col_offset(s, len, first);
	pdh_buf_puts(b, "  ");
	pdh_buf_puts(&caret, "  ");
	if (first > 1) {
		pdh_buf_puts(b, "...");
		pdh_buf_puts(&caret, "   ");
	}
	for (c = first; off < len && c <= last; c++) {
		uint32_t cp;
		size_t n = pdh_utf8_decode(s + off, len - off, &cp);
		bool masked = S_hidden(d, line, c);

		if (masked)
			pdh_buf_putc(b, '*');
		else if (n == 0 || (cp != '\t' && pdh_escape_is_hostile(cp)))
			pdh_buf_putc(b, '?'); /* one column, so the caret stays in place */
		else
			pdh_buf_append(b, s + off, n);
		if (c < col)
			pdh_buf_putc(&caret, !masked && cp == '\t' && n == 1 ? '\t' : ' ');
		off += n ? n : 1;
	}
	if (off < len)
		pdh_buf_puts(b, "...");
	pdh_buf_putc(b, '\n');
	if (col > 0) {
		/* Past the end of the line: the caret goes just after it. */
		pdh_buf_printf(b, "%s%s\n", pdh_buf_cstr(&caret), color ? C_CARET "^" C_RESET : "^");
	}
	pdh_buf_dispose(&caret);
}

char *pdh_diags_render(const pdh_diags *d, const char *source, size_t source_len,
                       bool errors_only, bool color)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_lines lines;

	if (source)
		pdh_lines_init(&lines, source, source_len);
	for (size_t i = 0; i < d->len; i++) {
		const pdh_diag *it = &d->items[i];
		bool err = it->level == PDH_DIAG_ERROR;

		if (errors_only && !err)
			continue;
		if (color)
			pdh_buf_puts(&b, C_BOLD);
		pdh_buf_puts(&b, d->file);
		if (it->line > 0) {
			pdh_buf_printf(&b, ":%d", it->line);
			if (it->col > 0)
				pdh_buf_printf(&b, ":%d", it->col);
		}
		pdh_buf_puts(&b, ":");
		if (color)
			pdh_buf_printf(&b, C_RESET " %s%s" C_RESET " %s\n", err ? C_ERROR : C_WARNING,
			               err ? "error:" : "warning:", it->message);
		else
			pdh_buf_printf(&b, " %s %s\n", err ? "error:" : "warning:", it->message);
		if (source && it->line > 0)
			S_quote_line(&b, d, &lines, it->line, it->col, color);
	}
	if (source)
		pdh_lines_dispose(&lines);
	return pdh_buf_detach(&b);
}

void pdh_diags_dispose(pdh_diags *d)
{
	if (d == NULL)
		return;
	PDH_FREE_EACH_FIELD(d->items, d->len, message);
	PDH_FREE_ALL(d->file, d->hidden);
	memset(d, 0, sizeof(*d));
}
