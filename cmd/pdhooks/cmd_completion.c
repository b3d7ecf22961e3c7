/* pdhooks completion bash|zsh|fish: the script core writes (pdh_completion_script) from the
 * command table (commands.c) and the option table (opt_table.c), so that it lists every
 * command and option there is, with nothing to edit when one is added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"

int pdh_cmd_completion(int argc, char **argv)
{
	pdh_cli_command rows[PDH_CMD_COUNT + 1];
	pdh_cli_table table = { rows, pdh_opt_table };
	pdh_common o;
	char *text;
	int first;

	pdh_common_init(&o);
	if (pdh_common_parse(&o, PDH_CMD_COMPLETION, argc, argv, &first) != 0)
		return PDH_EXIT_ERROR;
	if (first + 1 != argc) {
		pdh_cli_error("completion takes one shell: bash, zsh or fish");
		return PDH_EXIT_ERROR;
	}
	pdh_cli_rows(rows);
	text = pdh_completion_script(argv[first], &table);
	if (text == NULL) {
		pdh_cli_error("completion: unknown shell '%s' (bash, zsh or fish)", argv[first]);
		return PDH_EXIT_ERROR;
	}
	fputs(text, stdout);
	free(text);
	return PDH_EXIT_OK;  /* a failed write to stdout: main's pdh_exit_after_output */
}
