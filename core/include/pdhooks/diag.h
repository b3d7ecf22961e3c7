/* Diagnostics about a file: every error and warning of one run, each at FILE:LINE:COLUMN,
 * rendered compiler-style with the source line and a caret. */
#ifndef PDHOOKS_DIAG_H
#define PDHOOKS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { PDH_DIAG_ERROR, PDH_DIAG_WARNING } pdh_diag_level;

typedef struct pdh_diag {
	pdh_diag_level level;
	int line;        /* 1-based; 0 when the whole file is meant */
	int col;         /* 1-based; 0 when unknown */
	char *message;   /* one line, no "error:" prefix, never a secret value */
} pdh_diag;

/* A stretch of the source (1-based, end exclusive) that rendering shows as '*': a password
 * written literally in the file must not reach a CI log through a quoted source line. */
typedef struct pdh_diag_span {
	int line, col, end_line, end_col;
} pdh_diag_span;

typedef struct pdh_diags {
	char *file;      /* the name shown in messages */
	pdh_diag *items; /* in the order found; pdh_diags_sort() orders by position */
	size_t len, cap;
	size_t n_errors, n_warnings;
	pdh_diag_span *hidden;  /* see pdh_diags_hide() */
	size_t n_hidden, cap_hidden;
} pdh_diags;

void pdh_diags_init(pdh_diags *d, const char *file);
void pdh_diags_add(pdh_diags *d, pdh_diag_level level, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void pdh_diags_sort(pdh_diags *d);  /* stable, by line then column */
/* Marks a source span that pdh_diags_render() masks with '*' wherever it quotes that line. */
void pdh_diags_hide(pdh_diags *d, int line, int col, int end_line, int end_col);
/* "FILE:LINE:COL: error: MESSAGE\n  SOURCE LINE\n  ^\n" for each item; source may be NULL.
 * With errors_only, warnings are left out. Caller frees. Line 0 renders as "FILE: error: ...",
 * column 0 as "FILE:LINE: error: ..." without a caret. Control characters and bytes that are
 * not UTF-8 in a quoted source line show as '?'. */
char *pdh_diags_render(const pdh_diags *d, const char *source, size_t source_len,
                       bool errors_only, bool color);
void pdh_diags_dispose(pdh_diags *d);

#endif
