/* Rendering of diagnostics: compiler-style lines, source quoting, caret placement, colour,
 * masking, ordering. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/diag.h"

static char *T_render(pdh_diags *d, const char *src, bool errors_only, bool color)
{
	return pdh_diags_render(d, src, src ? strlen(src) : 0, errors_only, color);
}

/* One diagnostic to add: level, position, message (added with "%s", so taken literally). */
typedef struct {
	pdh_diag_level level;
	int line, col;
	const char *msg;
} T_item;

/* Adds items[0..n) to fresh diagnostics for `file` (with the span hide[0..3] hidden, unless
 * NULL), renders them over `src` (plain, errors and warnings) and expects exactly `want`. */
static void T_expect_hidden(const char *file, const int *hide, const T_item *items, size_t n,
                            const char *src, const char *want)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, file);
	if (hide)
		pdh_diags_hide(&d, hide[0], hide[1], hide[2], hide[3]);
	for (size_t i = 0; i < n; i++)
		pdh_diags_add(&d, items[i].level, items[i].line, items[i].col, "%s", items[i].msg);
	s = T_render(&d, src, false, false);
	cr_expect_str_eq(s, want);
	free(s);
	pdh_diags_dispose(&d);
}

#define T_expect(file, items, n, src, want) T_expect_hidden(file, NULL, items, n, src, want)
#define T_N(a) (sizeof(a) / sizeof((a)[0]))

Test(diag, error_with_source_line_and_caret)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f.yaml");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 2, 5, "bad %s", "thing");
	s = T_render(&d, "a: 1\nb:  xyz\nc: 3\n", false, false);
	cr_expect_str_eq(s, "f.yaml:2:5: error: bad thing\n  b:  xyz\n      ^\n");
	free(s);
	cr_expect_eq(d.n_errors, 1);
	cr_expect_eq(d.n_warnings, 0);
	pdh_diags_dispose(&d);
}

/* Diagnostics rendered over their source: each case adds its items (with one span hidden
 * where hide[2] is set) and expects exactly `want`. */
typedef struct {
	const char *what, *file;
	int hide[4];
	T_item items[2];
	size_t n;
	const char *src, *want;
} T_case;

static const T_case T_cases[] = {
	{ "whole file and unknown column", "f.yaml", { 0 },
	  { { PDH_DIAG_ERROR, 0, 0, "empty" }, { PDH_DIAG_WARNING, 1, 0, "first line" } }, 2,
	  "a: 1\n", "f.yaml: error: empty\nf.yaml:1: warning: first line\n  a: 1\n" },
	{ "the caret counts characters and keeps tabs", "f", { 0 },
	  { { PDH_DIAG_ERROR, 1, 5, "after two-byte characters" },
	    { PDH_DIAG_ERROR, 2, 3, "after a tab" } }, 2,
	  "\xc3\xa9\xc3\xa9: x\n\t x\n",
	  "f:1:5: error: after two-byte characters\n  \xc3\xa9\xc3\xa9: x\n      ^\n"
	  "f:2:3: error: after a tab\n  \t x\n  \t ^\n" },
	{ "unprintable source bytes show as question marks", "f", { 0 },
	  { { PDH_DIAG_ERROR, 1, 1, "x" } }, 1,
	  "a\033[31mb\xff" "c\r\n", "f:1:1: error: x\n  a?[31mb?c\n  ^\n" },
	/* CR, CRLF, NEL and LS all end a line, as libyaml counts them. */
	{ "lines end as YAML ends them", "f", { 0 }, { { PDH_DIAG_ERROR, 5, 1, "fifth" } }, 1,
	  "1\r2\r\n3\xc2\x85" "4\xe2\x80\xa8" "5\n6", "f:5:1: error: fifth\n  5\n  ^\n" },
	{ "a byte order mark is not shown or counted", "f", { 1, 1, 1, 2 },
	  { { PDH_DIAG_ERROR, 1, 3, "x" } }, 1,
	  "\xef\xbb\xbf" "abc\n", "f:1:3: error: x\n  *bc\n    ^\n" },
	{ "a position past the source is harmless", "f", { 0 },
	  { { PDH_DIAG_ERROR, 9, 1, "no such line" }, { PDH_DIAG_ERROR, 1, 99, "past the end" } }, 2,
	  "ab\n", "f:9:1: error: no such line\nf:1:99: error: past the end\n  ab\n    ^\n" },
	{ "hidden spans are masked across lines", "f", { 1, 5, 2, 3 },
	  { { PDH_DIAG_ERROR, 1, 1, "one" }, { PDH_DIAG_ERROR, 2, 1, "two" } }, 2,
	  "pw: secret\n  more\nx\n",
	  "f:1:1: error: one\n  pw: ******\n  ^\nf:2:1: error: two\n  **more\n  ^\n" },
};

static void T_free_params(struct criterion_test_params *p)
{
	cr_free(p->params);
}

/* The parameter is an index into T_cases: a test runs in its own process, where only its own
 * copy of the table's pointers is valid. */
ParameterizedTestParameters(diag, renders_over_the_source)
{
	size_t *at = cr_malloc(sizeof(*at) * T_N(T_cases));

	for (size_t i = 0; i < T_N(T_cases); i++)
		at[i] = i;
	return cr_make_param_array(size_t, at, T_N(T_cases), T_free_params);
}

ParameterizedTest(size_t *at, diag, renders_over_the_source)
{
	const T_case *c = &T_cases[*at];

	cr_log_info("case: %s", c->what);
	T_expect_hidden(c->file, c->hide[2] ? c->hide : NULL, c->items, c->n, c->src, c->want);
}

Test(diag, errors_only_and_no_source)
{
	static const T_item items[] = { { PDH_DIAG_WARNING, 1, 1, "w" }, { PDH_DIAG_ERROR, 1, 2, "e" } };
	static const struct {
		bool errors_only;
		const char *want;
	} renders[] = { { true, "f.yaml:1:2: error: e\n" },
		        { false, "f.yaml:1:1: warning: w\nf.yaml:1:2: error: e\n" } };
	pdh_diags d;

	pdh_diags_init(&d, "f.yaml");
	for (size_t i = 0; i < T_N(items); i++)
		pdh_diags_add(&d, items[i].level, items[i].line, items[i].col, "%s", items[i].msg);
	cr_expect_eq(d.n_warnings, 1);
	for (size_t i = 0; i < T_N(renders); i++) {
		char *s = T_render(&d, NULL, renders[i].errors_only, false);

		cr_expect_str_eq(s, renders[i].want);
		free(s);
	}
	pdh_diags_dispose(&d);
}

Test(diag, long_lines_are_shown_as_a_window_around_the_column)
{
	static const T_item items[] = { { PDH_DIAG_ERROR, 1, 200, "x" } };
	char line[401], want[512];

	for (int i = 0; i < 400; i++)
		line[i] = (char)('a' + i % 26);
	line[400] = '\0';
	/* Columns 120..280 of 400, with "..." on both sides; the caret under column 200. */
	snprintf(want, sizeof(want), "f:1:200: error: x\n  ...%.161s...\n  %84s\n", line + 119, "^");
	T_expect("f", items, T_N(items), line, want);
}

Test(diag, messages_stay_on_one_line)
{
	pdh_diags d;

	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 1, "a%sb", "\nf:1:1: error: forged\r");
	cr_expect_str_eq(d.items[0].message, "a f:1:1: error: forged b");
	pdh_diags_dispose(&d);
}

Test(diag, sort_is_stable_by_position)
{
	pdh_diags d;

	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 3, 1, "c");
	pdh_diags_add(&d, PDH_DIAG_WARNING, 1, 5, "b1");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 2, "a");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 5, "b2");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 0, 0, "file");
	pdh_diags_sort(&d);
	cr_expect_str_eq(d.items[0].message, "file");
	cr_expect_str_eq(d.items[1].message, "a");
	cr_expect_str_eq(d.items[2].message, "b1");
	cr_expect_str_eq(d.items[3].message, "b2");
	cr_expect_str_eq(d.items[4].message, "c");
	cr_expect_eq(d.n_errors, 4);
	cr_expect_eq(d.n_warnings, 1);
	pdh_diags_dispose(&d);
}

Test(diag, dispose_accepts_null_and_init_without_name)
{
	static const T_item items[] = { { PDH_DIAG_ERROR, 1, 1, "x" } };

	pdh_diags_dispose(NULL);
	T_expect(NULL, items, T_N(items), NULL, "(input):1:1: error: x\n");
}

Test(diag, colour_codes_only_when_asked)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f.yaml");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 1, "e");
	pdh_diags_add(&d, PDH_DIAG_WARNING, 1, 3, "w");
	s = T_render(&d, "abc\n", false, true);
	cr_expect_str_eq(s, "\033[1mf.yaml:1:1:\033[0m \033[1;31merror:\033[0m e\n  abc\n  \033[1;32m^\033[0m\n"
	                    "\033[1mf.yaml:1:3:\033[0m \033[1;35mwarning:\033[0m w\n  abc\n    \033[1;32m^\033[0m\n");
	free(s);
	s = T_render(&d, "abc\n", false, false);
	cr_expect_null(strchr(s, '\033'));
	free(s);
	pdh_diags_dispose(&d);
}
