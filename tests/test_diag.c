/* Rendering of diagnostics: compiler-style lines, source quoting, caret placement, colour,
 * masking, ordering. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/diag.h"

static char *T_render(pdh_diags *d, const char *src, bool errors_only, bool color)
{
	return pdh_diags_render(d, src, src ? strlen(src) : 0, errors_only, color);
}

Test(diag, error_with_source_line_and_caret)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f.yaml");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 2, 5, "bad %s", "thing");
	cr_expect_eq(d.n_errors, 1);
	cr_expect_eq(d.n_warnings, 0);
	s = T_render(&d, "a: 1\nb:  xyz\nc: 3\n", false, false);
	cr_expect_str_eq(s, "f.yaml:2:5: error: bad thing\n  b:  xyz\n      ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, whole_file_and_unknown_column)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f.yaml");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 0, 0, "empty");
	pdh_diags_add(&d, PDH_DIAG_WARNING, 1, 0, "first line");
	s = T_render(&d, "a: 1\n", false, false);
	cr_expect_str_eq(s, "f.yaml: error: empty\nf.yaml:1: warning: first line\n  a: 1\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, errors_only_and_no_source)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f.yaml");
	pdh_diags_add(&d, PDH_DIAG_WARNING, 1, 1, "w");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 2, "e");
	cr_expect_eq(d.n_warnings, 1);
	s = T_render(&d, NULL, true, false);
	cr_expect_str_eq(s, "f.yaml:1:2: error: e\n");
	free(s);
	s = T_render(&d, NULL, false, false);
	cr_expect_str_eq(s, "f.yaml:1:1: warning: w\nf.yaml:1:2: error: e\n");
	free(s);
	pdh_diags_dispose(&d);
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

Test(diag, caret_counts_characters_and_keeps_tabs)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 5, "after two-byte characters");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 2, 3, "after a tab");
	s = T_render(&d, "\xc3\xa9\xc3\xa9: x\n\t x\n", false, false);
	cr_expect_str_eq(s, "f:1:5: error: after two-byte characters\n  \xc3\xa9\xc3\xa9: x\n      ^\n"
	                    "f:2:3: error: after a tab\n  \t x\n  \t ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, unprintable_source_bytes_show_as_question_marks)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 1, "x");
	s = T_render(&d, "a\033[31mb\xff" "c\r\n", false, false);
	cr_expect_str_eq(s, "f:1:1: error: x\n  a?[31mb?c\n  ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, lines_end_as_yaml_ends_them)
{
	pdh_diags d;
	char *s;

	/* CR, CRLF, NEL and LS all end a line, as libyaml counts them. */
	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 5, 1, "fifth");
	s = T_render(&d, "1\r2\r\n3\xc2\x85" "4\xe2\x80\xa8" "5\n6", false, false);
	cr_expect_str_eq(s, "f:5:1: error: fifth\n  5\n  ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, byte_order_mark_is_not_shown_or_counted)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 3, "x");
	pdh_diags_hide(&d, 1, 1, 1, 2);
	s = T_render(&d, "\xef\xbb\xbf" "abc\n", false, false);
	cr_expect_str_eq(s, "f:1:3: error: x\n  *bc\n    ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, position_past_the_source_is_harmless)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 9, 1, "no such line");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 99, "past the end");
	s = T_render(&d, "ab\n", false, false);
	cr_expect_str_eq(s, "f:9:1: error: no such line\nf:1:99: error: past the end\n  ab\n"
	                    "    ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, long_lines_are_shown_as_a_window_around_the_column)
{
	pdh_diags d;
	char line[401], *s, want[512];

	for (int i = 0; i < 400; i++)
		line[i] = (char)('a' + i % 26);
	line[400] = '\0';
	pdh_diags_init(&d, "f");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 200, "x");
	s = T_render(&d, line, false, false);
	/* Columns 120..280 of 400, with "..." on both sides; the caret under column 200. */
	snprintf(want, sizeof(want), "f:1:200: error: x\n  ...%.161s...\n  %84s\n", line + 119, "^");
	cr_expect_str_eq(s, want);
	free(s);
	pdh_diags_dispose(&d);
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

Test(diag, hidden_spans_are_masked_across_lines)
{
	pdh_diags d;
	char *s;

	pdh_diags_init(&d, "f");
	pdh_diags_hide(&d, 1, 5, 2, 3);
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 1, "one");
	pdh_diags_add(&d, PDH_DIAG_ERROR, 2, 1, "two");
	s = T_render(&d, "pw: secret\n  more\nx\n", false, false);
	cr_expect_str_eq(s, "f:1:1: error: one\n  pw: ******\n  ^\nf:2:1: error: two\n  **more\n  ^\n");
	free(s);
	pdh_diags_dispose(&d);
}

Test(diag, dispose_accepts_null_and_init_without_name)
{
	pdh_diags d;
	char *s;

	pdh_diags_dispose(NULL);
	pdh_diags_init(&d, NULL);
	pdh_diags_add(&d, PDH_DIAG_ERROR, 1, 1, "x");
	s = T_render(&d, NULL, false, false);
	cr_expect_str_eq(s, "(input):1:1: error: x\n");
	free(s);
	pdh_diags_dispose(&d);
}
