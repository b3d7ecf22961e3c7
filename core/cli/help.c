/* What `pdhooks help` and the man page show of the option table: a command's usage line and
 * option list, and the man page's OPTIONS section. Written into memory; the caller prints. */
#include "pdhooks/cli_table.h"

#include <stdio.h>
#include <string.h>

/* "[-f FILE]", "[--format text|json|markdown]", "[--force]" into buf. */
static void S_usage_item(char *buf, size_t size, const pdh_opt_spec *s)
{
	size_t n;

	if (s->alias)
		n = (size_t)snprintf(buf, size, "[-%c", s->alias);
	else
		n = (size_t)snprintf(buf, size, "[--%s", s->name);
	if (s->kind == PDH_OPT_ENUM) {
		for (size_t i = 0; s->values[i] && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "|" : " ", s->values[i]);
	} else if (pdh_opt_takes_value(s) && n < size) {
		n += (size_t)snprintf(buf + n, size - n, " %s", s->value_name);
	}
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

#define S_WIDTH 80

static void S_put_word(FILE *out, const char *word, size_t *col, size_t indent)
{
	size_t len = strlen(word);

	if (*col + 1 + len > S_WIDTH && *col > indent) {
		fprintf(out, "\n%*s", (int)indent, "");
		*col = indent;
	} else {
		fputc(' ', out);
		(*col)++;
	}
	fputs(word, out);
	*col += len;
}

static void S_synopsis(FILE *out, const pdh_cli_table *t, const pdh_cli_command *c)
{
	char item[256];
	size_t col, indent;
	bool more = false;

	col = (size_t)fprintf(out, "Usage: pdhooks %s", c->name);
	indent = col + 1;
	/* Short options first, those of several commands (-f) before the command's own; then the
	 * long-only ones; each group in table order. */
	for (int pass = 0; pass < 3; pass++) {
		for (const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL); s; s = pdh_cli_next_opt(t, c, s)) {
			bool shared = (s->commands & (s->commands - 1)) != 0;

			if (!(s->synopsis & c->bit)) {
				more = true;
				continue;
			}
			if (pass != (s->alias ? (shared ? 0 : 1) : 2))
				continue;
			S_usage_item(item, sizeof(item), s);
			S_put_word(out, item, &col, indent);
		}
	}
	if (more)
		S_put_word(out, "[OPTIONS]", &col, indent);
	if (c->args && *c->args)
		S_put_word(out, c->args, &col, indent);
	fputc('\n', out);
}

/* The column where help starts: "  -f, --file FILE" padded. */
#define S_HELP_COL 27

static void S_list(FILE *out, const pdh_cli_table *t, const pdh_cli_command *c)
{
	const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL);
	char left[128];

	if (s == NULL)
		return;
	fputs("Options:\n", out);
	for (; s; s = pdh_cli_next_opt(t, c, s)) {
		const char *h = s->help;
		int n;

		if (s->alias)
			n = snprintf(left, sizeof(left), "  -%c, --%s", s->alias, s->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", s->name);
		if (pdh_opt_takes_value(s) && n >= 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", s->value_name);
		n = fprintf(out, "%s", left);
		fprintf(out, "%*s", n + 2 <= S_HELP_COL ? S_HELP_COL - n : 2, "");
		/* Continuation lines of the help start at the help column too. */
		for (;;) {
			size_t len = strcspn(h, "\n");

			fprintf(out, "%.*s\n", (int)len, h);
			if (h[len] == '\0')
				break;
			h += len + 1;
			fprintf(out, "%*s", S_HELP_COL, "");
		}
	}
}

/* s in roff: '\' as \e, '-' as \- (a minus, which man pages search for), a line start that
 * roff would read as a request ('.' or '\'') guarded with \&, and a place to break a long
 * URL after each '/' (\:). */
static void S_man_text(FILE *out, const char *s, size_t len, bool line_start)
{
	for (const char *end = s + len; s < end; s++) {
		if (line_start && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		line_start = false;
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else if (*s == '/')
			fputs("/\\:", out);
		else
			fputc(*s, out);
	}
}

static void S_man(FILE *out, const pdh_cli_table *t)
{
	/* ragged right: a help line holding a long URL cannot be justified */
	fputs(".ad l\n", out);
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL);

		if (s == NULL)
			continue;
		fprintf(out, ".SS \"%s options\"\n", c->name);
		for (; s; s = pdh_cli_next_opt(t, c, s)) {
			fputs(".TP\n", out);
			if (s->alias)
				fprintf(out, "\\fB\\-%c\\fR, ", s->alias);
			fputs("\\fB\\-\\-", out);
			S_man_text(out, s->name, strlen(s->name), false);
			fputs("\\fR", out);
			if (pdh_opt_takes_value(s))
				fprintf(out, " \\fI%s\\fR", s->value_name);
			fputc('\n', out);
			/* the help's lines, joined into one paragraph */
			for (const char *h = s->help; *h;) {
				size_t len = strcspn(h, "\n");

				S_man_text(out, h, len, true);
				fputc('\n', out);
				h += len;
				if (*h == '\n')
					h++;
			}
		}
	}
	fputs(".ad b\n", out);
}

char *pdh_cli_synopsis(const pdh_cli_table *t, const pdh_cli_command *c)
{
	pdh_cli_text text;

	S_synopsis(pdh_cli_text_open(&text), t, c);
	return pdh_cli_text_close(&text);
}

char *pdh_cli_option_list(const pdh_cli_table *t, const pdh_cli_command *c)
{
	pdh_cli_text text;

	S_list(pdh_cli_text_open(&text), t, c);
	return pdh_cli_text_close(&text);
}

char *pdh_cli_man_options(const pdh_cli_table *t)
{
	pdh_cli_text text;

	S_man(pdh_cli_text_open(&text), t);
	return pdh_cli_text_close(&text);
}
