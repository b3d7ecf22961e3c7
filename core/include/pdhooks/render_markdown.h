/* `pdhooks plan --format markdown`: the plan as a pull-request comment — one summary line, a
 * table of actions, details in <details>. Every text that comes from a file or from
 * Pipedrive (names, URLs, reasons) is escaped so it renders as written: no table break, no
 * code span, no HTML, no link, no mention. */
#ifndef PDHOOKS_RENDER_MARKDOWN_H
#define PDHOOKS_RENDER_MARKDOWN_H

#include <stddef.h>

#include "pdhooks/desired.h"
#include "pdhooks/diag.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"

/* GitHub refuses comments over 65,536 characters; stay clear of it. */
#define PDH_MARKDOWN_MAX 60000

typedef struct pdh_markdown_opts {
	size_t max_bytes;          /* 0: PDH_MARKDOWN_MAX */
	const char *plan_digest;   /* sha256 of a saved plan to name in the comment, or NULL */
	const pdh_diags *diags;    /* the desired file's diagnostics: its warnings are listed */
} pdh_markdown_opts;

/* The comment, at most max_bytes bytes: when the whole plan does not fit, the lists of
 * unchanged/foreign/unmanaged webhooks go first, then actions from the end, and a note says
 * how many were left out. opts may be NULL. Caller frees. */
char *pdh_render_markdown(const pdh_plan *plan, const pdh_desired *desired,
                          const pdh_live *live, const pdh_markdown_opts *opts);

/* s escaped for Markdown text and table cells (appended to b; NULL appends nothing). */
struct pdh_buf;
void pdh_markdown_escape(struct pdh_buf *b, const char *s);

#endif
