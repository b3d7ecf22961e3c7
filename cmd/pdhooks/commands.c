#include "cmd.h"

#include <stddef.h>
#include <string.h>

const pdh_cmd pdh_commands[] = {
	{ "version", pdh_cmd_version, "pdhooks version", "print the version", "" },
	{ "help", pdh_cmd_help, "pdhooks help [COMMAND]", "show help for pdhooks or one command", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

const pdh_cmd *pdh_cmd_find(const char *name)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
