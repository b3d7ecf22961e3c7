#include <stdio.h>
#include <string.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	const pdh_cmd *cmd;

	if (argc < 2) {
		pdh_cmd_help(1, argv);
		return pdh_exit_after_output(PDH_EXIT_ERROR);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return pdh_exit_after_output(pdh_cmd_help(1, argv));
	if (strcmp(argv[1], "--version") == 0)
		return pdh_exit_after_output(pdh_cmd_version(1, argv));
	cmd = pdh_cmd_find(argv[1]);
	if (cmd == NULL) {
		pdh_cli_error("unknown command '%s' (see 'pdhooks help')", argv[1]);
		return PDH_EXIT_ERROR;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			pdh_cmd_print_help(stdout, cmd);
			return pdh_exit_after_output(PDH_EXIT_OK);
		}
	}
	return pdh_exit_after_output(cmd->run(argc - 1, argv + 1));
}
