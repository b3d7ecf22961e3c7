#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char overview[] =
	"pdhooks keeps a Pipedrive company's webhooks in step with a YAML file.\n"
	"\n"
	"Usage: pdhooks COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n";

/* The exit-code table, one line a code. */
static void S_print_exit_codes(FILE *out)
{
	size_t n;
	const pdh_exit_info *codes = pdh_exit_codes(&n);

	fputs("\nExit codes:\n", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-4d %s\n", codes[i].code, codes[i].meaning);
}

void pdh_cmd_print_help(FILE *out, const pdh_cmd *cmd)
{
	pdh_opt_print_synopsis(out, cmd->id);
	fprintf(out, "\n%s.\n", cmd->summary);
	if (cmd->intro)
		fprintf(out, "\n%s", cmd->intro);
	if (pdh_opt_next(cmd->id, NULL)) {
		fputc('\n', out);
		pdh_opt_print_list(out, cmd->id);
	}
	if (cmd->after)
		fprintf(out, "\n%s", cmd->after);
}

int pdh_cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		pdh_cli_error("help takes at most one command name");
		return PDH_EXIT_ERROR;
	}
	if (argc == 2) {
		const pdh_cmd *cmd = pdh_cmd_find(argv[1]);
		if (cmd == NULL) {
			pdh_cli_error("unknown command '%s' (see 'pdhooks help')", argv[1]);
			return PDH_EXIT_ERROR;
		}
		pdh_cmd_print_help(stdout, cmd);
		return PDH_EXIT_OK;
	}
	fputs(overview, stdout);
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	fputs("\nRun 'pdhooks help COMMAND' or 'pdhooks COMMAND --help' for a command's options.\n",
	      stdout);
	S_print_exit_codes(stdout);
	return PDH_EXIT_OK;
}
