#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/render_markdown.h"
#include "sampleplan.h"
#include "testutil.h"

static char *S_escape(const char *s)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_markdown_escape(&b, s);
	return pdh_buf_detach(&b);
}

static size_t S_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Pipes that end a table cell: not escaped by a backslash. */
static size_t S_cell_pipes(const char *line, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
			n++;
	return n;
}

/* Every table line ("| ..." up to the newline) has exactly `cells` + 1 cell pipes. */
static void S_expect_tables_intact(const char *md)
{
	for (const char *p = md; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 0 && p[0] == '|') {
			size_t pipes = S_cell_pipes(p, len);
			cr_expect(pipes == 6 || pipes == 4, "broken table row: %.*s", (int)len, p);
		}
		p += len + (nl ? 1 : 0);
	}
}

Test(markdown, escape_neutralises_markup)
{
	char *e = S_escape("a|b`c<script>&d\ne*_[x](y) @team #1 \\ :+1: $x$ ~~s~~ -. ,!\"");
	cr_expect_str_eq(e, "a\\|b\\`c&lt;script&gt;&amp;d e\\*\\_\\[x\\](y) \\@team \\#1 \\\\ "
	                    "\\:+1\\: \\$x\\$ \\~\\~s\\~\\~ -. ,!\"");
	free(e);
}

Test(markdown, escape_replaces_control_characters_and_keeps_unicode)
{
	char *e = S_escape("caf\xc3\xa9\r\n\x01\x7f\xe2\x9c\x93");
	cr_expect_str_eq(e, "caf\xc3\xa9  \xef\xbf\xbd\xef\xbf\xbd\xe2\x9c\x93");
	free(e);
	e = S_escape(NULL);
	cr_expect_str_eq(e, "");
	free(e);
}

Test(markdown, summary_table_and_details)
{
	pdh_t_sample s;
	char *md;
	pdh_t_sample_plan(&s);
	md = pdh_render_markdown(s.plan, s.desired, s.live, NULL);
	cr_expect(strncmp(md, "### pdhooks plan: 1 to create, 1 to replace, 1 to delete; "
	                      "1 unchanged, 1 foreign, 1 unmanaged\n", 80) == 0, "%s", md);
	cr_expect_not_null(strstr(md, "| `+` create | "));
	cr_expect_not_null(strstr(md, "| `-/+` replace | "));
	cr_expect_not_null(strstr(md, "| `-` delete | "));
	cr_expect_eq(S_count(md, "<details>"), 2);
	cr_expect_eq(S_count(md, "</details>"), 2);
	cr_expect_not_null(strstr(md, "changed\\: user\\_id 1 -&gt; 2"), "%s", md);
	cr_expect_not_null(strstr(md, "old \\| \\`thing\\`"), "%s", md);
	cr_expect_not_null(strstr(md, "live fingerprint `"));
	cr_expect_null(strstr(md, "saved plan sha256"));
	S_expect_tables_intact(md);
	free(md);
}

Test(markdown, never_prints_a_secret)
{
	pdh_t_sample s;
	char *md;
	pdh_t_sample_plan(&s);
	md = pdh_render_markdown(s.plan, s.desired, s.live, NULL);
	cr_expect_null(strstr(md, PDH_T_DESIRED_PASSWORD));
	cr_expect_null(strstr(md, PDH_T_LIVE_PASSWORD));
	cr_expect_null(strstr(md, PDH_T_URL_SECRET));
	cr_expect_not_null(strstr(md, "(sensitive)"));
	free(md);
}

Test(markdown, hostile_names_and_urls_stay_inside_their_cells)
{
	pdh_t_sample s;
	char *md;
	pdh_t_sample_plan(&s);
	s.live->items[2].name = "x | y\n| injected | row |\n<img src=x onerror=alert(1)>`";
	s.live->items[2].subscription_url = "https://hooks.example.com/a|b`c<d>&e";
	s.plan->actions[2].key = "*.* https://hooks.example.com/a|b`c<d>&e";
	s.plan->actions[2].reason = "not declared\n\n</details><script>";
	md = pdh_render_markdown(s.plan, s.desired, s.live, NULL);
	cr_expect_null(strstr(md, "<img"));
	cr_expect_null(strstr(md, "<script"));
	cr_expect_null(strstr(md, "\n| injected"));
	cr_expect_eq(S_count(md, "</details>"), 2);
	cr_expect_not_null(strstr(md, "a\\|b\\`c&lt;d&gt;&amp;e"), "%s", md);
	S_expect_tables_intact(md);
	free(md);
}

Test(markdown, empty_plan_says_no_changes)
{
	pdh_t_sample s;
	char *md;
	pdh_t_sample_plan(&s);
	s.plan->n_actions = s.plan->n_create = s.plan->n_replace = s.plan->n_delete = 0;
	md = pdh_render_markdown(s.plan, s.desired, s.live, NULL);
	cr_expect_not_null(strstr(md, "No changes"));
	cr_expect_null(strstr(md, "| webhook |"));
	free(md);
}

Test(markdown, brake_and_saved_plan_digest)
{
	pdh_t_sample s;
	pdh_markdown_opts o = { 0, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL };
	char *md;
	pdh_t_sample_plan(&s);
	s.plan->brake = true;
	s.plan->brake_reason = "deletes 11 webhooks, more than max_deletes 10";
	md = pdh_render_markdown(s.plan, s.desired, s.live, &o);
	cr_expect_not_null(strstr(md, "Refused by a safety brake"));
	cr_expect_not_null(strstr(md, "deletes 11 webhooks, more than max\\_deletes 10"));
	cr_expect_not_null(strstr(md, "saved plan sha256 `0123456789abcdef"));
	free(md);
	o.plan_digest = "`<not hex>";
	md = pdh_render_markdown(s.plan, s.desired, s.live, &o);
	cr_expect_null(strstr(md, "saved plan sha256"));
	free(md);
}

/* A plan of n copies of the sample's actions, names padded so each row is long. */
static void S_big(pdh_t_sample *s, size_t n, pdh_action **acts, char **name)
{
	*acts = pdh_xcalloc(n, sizeof(**acts));
	*name = pdh_xmalloc(301);
	memset(*name, 'n', 300);
	(*name)[300] = '\0';
	s->live->items[2].name = *name;
	for (size_t i = 0; i < n; i++)
		(*acts)[i] = s->plan->actions[2];
	s->plan->actions = *acts;
	s->plan->n_actions = s->plan->n_delete = n;
	s->plan->n_create = s->plan->n_replace = 0;
}

Test(markdown, long_plans_are_cut_at_whole_actions_with_a_note)
{
	pdh_t_sample s;
	pdh_action *acts;
	char *name, *md, note[128];
	size_t rows, len;
	pdh_t_sample_plan(&s);
	S_big(&s, 2000, &acts, &name);
	md = pdh_render_markdown(s.plan, s.desired, s.live, NULL);
	len = strlen(md);
	cr_expect_leq(len, PDH_MARKDOWN_MAX);
	cr_expect_gt(len, PDH_MARKDOWN_MAX - 2000, "cut far too early: %zu", len);
	rows = S_count(md, "| `-` delete |");
	cr_expect_gt(rows, 10);
	cr_expect_lt(rows, 2000);
	snprintf(note, sizeof(note), "**%zu of 2000 actions are not shown here**", 2000 - rows);
	cr_expect_not_null(strstr(md, note), "missing '%s'", note);
	cr_expect_eq(S_count(md, "<details>"), S_count(md, "</details>"));
	cr_expect_not_null(strstr(md, "left out"), "the lists go first");
	cr_expect(len > 7 && strcmp(md + len - 7, "</sub>\n") == 0);
	S_expect_tables_intact(md);
	free(md);
	free(acts);
	free(name);
}

Test(markdown, limit_is_configurable_and_never_passed)
{
	pdh_t_sample s;
	pdh_markdown_opts o = { 3000, NULL, NULL };
	pdh_action *acts;
	char *name, *md;
	pdh_t_sample_plan(&s);
	S_big(&s, 50, &acts, &name);
	md = pdh_render_markdown(s.plan, s.desired, s.live, &o);
	cr_expect_leq(strlen(md), 3000);
	cr_expect_not_null(strstr(md, "of 50 actions are not shown"));
	free(md);
	o.max_bytes = 200; /* smaller than the fixed part: cut hard, still within the limit */
	md = pdh_render_markdown(s.plan, s.desired, s.live, &o);
	cr_expect_leq(strlen(md), 200);
	free(md);
	free(acts);
	free(name);
}

Test(markdown, lists_the_desired_files_warnings_escaped)
{
	pdh_t_sample s;
	pdh_diags diags;
	pdh_markdown_opts o = { 0, NULL, &diags };
	char *md;
	pdh_t_sample_plan(&s);
	pdh_diags_init(&diags, "hooks|x.yaml");
	pdh_diags_add(&diags, PDH_DIAG_WARNING, 4, 7, "uses http:// <unencrypted>");
	pdh_diags_add(&diags, PDH_DIAG_ERROR, 5, 1, "not listed: only warnings are");
	md = pdh_render_markdown(s.plan, s.desired, s.live, &o);
	cr_expect_not_null(strstr(md, "- hooks\\|x.yaml\\:4\\:7\\: uses http\\:// &lt;unencrypted&gt;\n"),
	                   "%s", md);
	cr_expect_null(strstr(md, "not listed"));
	cr_expect_not_null(strstr(md, "\\:20\\:5\\: http\\:// is not encrypted"), "the plan's warnings follow: %s", md);
	free(md);
	pdh_diags_dispose(&diags);
}
