/* pdhooks completion bash|zsh|fish: the script core writes (pdh_completion_script) from the
 * command table (commands.c) and the option table (opt_table.c), so that it lists every
 * command and option there is, with nothing to edit when one is added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"

/* The commands whose arguments are no files; every other command with arguments (its .args)
 * takes files, one without takes none. */
static const struct {
	pdh_cmd_id id;
	pdh_args_kind kind;
	const char *const *words;
} S_args[] = {
	{ PDH_CMD_HELP, PDH_ARGS_COMMAND, NULL },
	{ PDH_CMD_COMPLETION, PDH_ARGS_WORDS, pdh_completion_shells },
};

/* Command c as a row of the completion's table. */
static void S_row(pdh_cli_command *row, const pdh_cmd *c)
{
	row->name = c->name;
	row->bit = PDH_ON(c->id);
	row->args = c->args;
	row->summary = c->summary;
	row->args_kind = c->args && *c->args ? PDH_ARGS_FILES : PDH_ARGS_NONE;
	for (size_t i = 0; i < sizeof(S_args) / sizeof(S_args[0]); i++)
		if (S_args[i].id == c->id) {
			row->args_kind = S_args[i].kind;
			row->words = S_args[i].words;
		}
}

int pdh_cmd_completion(int argc, char **argv)
{
	pdh_cli_command rows[PDH_CMD_COUNT + 1];
	pdh_cli_table table = { rows, pdh_opt_table };
	pdh_common o;
	size_t n = 0;
	char *text;
	int first;

	pdh_common_init(&o);
	if (pdh_common_parse(&o, PDH_CMD_COMPLETION, argc, argv, &first) != 0)
		return PDH_EXIT_ERROR;
	if (first + 1 != argc) {
		pdh_cli_error("completion takes one shell: bash, zsh or fish");
		return PDH_EXIT_ERROR;
	}
	memset(rows, 0, sizeof(rows));
	for (const pdh_cmd *c = pdh_commands; c->name && n < PDH_CMD_COUNT; c++)
		S_row(&rows[n++], c);
	text = pdh_completion_script(argv[first], &table);
	if (text == NULL) {
		pdh_cli_error("completion: unknown shell '%s' (bash, zsh or fish)", argv[first]);
		return PDH_EXIT_ERROR;
	}
	fputs(text, stdout);
	free(text);
	return PDH_EXIT_OK;  /* a failed write to stdout: main's pdh_exit_after_output */
}
