/* A command line as data: what an option row is, the options of a command, and the text the
 * generators write into memory. */
#include "pdhooks/cli_table.h"

#include <stdio.h>
#include <stdlib.h>

bool pdh_opt_takes_value(const pdh_opt_spec *s)
{
	return s->kind != PDH_OPT_FLAG;
}

bool pdh_opt_is_path(const pdh_opt_spec *s)
{
	return s->kind == PDH_OPT_PATH;
}

bool pdh_opt_is_dir(const pdh_opt_spec *s)
{
	return s->kind == PDH_OPT_DIR;
}

const pdh_opt_spec *pdh_cli_next_opt(const pdh_cli_table *t, const pdh_cli_command *c,
                                     const pdh_opt_spec *prev)
{
	const pdh_opt_spec *s = prev ? prev + 1 : t->opts;

	for (; s->name; s++)
		if (s->commands & c->bit)
			return s;
	return NULL;
}

FILE *pdh_cli_text_open(pdh_cli_text *t)
{
	t->data = NULL;
	t->len = 0;
	t->out = open_memstream(&t->data, &t->len);
	if (t->out == NULL)
		abort();  /* out of memory, as pdh_xmalloc */
	return t->out;
}

char *pdh_cli_text_close(pdh_cli_text *t)
{
	if (fclose(t->out) != 0)
		abort();
	return t->data;
}
