/* pdhooks version: the version, or with --json what it was built from and runs with. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "options.h"
#include "pdh_commit.h"
#include "pdhooks/build_info.h"

int pdh_cmd_version(int argc, char **argv)
{
	pdh_common o;
	int first;

	pdh_common_init(&o);
	if (pdh_common_parse(&o, PDH_CMD_VERSION, argc, argv, &first) != 0)
		return PDH_EXIT_ERROR;
	if (first < argc) {
		pdh_cli_error("version takes no arguments");
		return PDH_EXIT_ERROR;
	}
	if (o.json) {
		char *doc = pdh_build_info_json(PDH_VERSION, PDH_COMMIT);

		fputs(doc, stdout);
		free(doc);
	} else {
		printf("pdhooks %s\n", PDH_VERSION);
	}
	pdh_common_dispose(&o);
	return PDH_EXIT_OK;  /* a failed write to stdout: main's pdh_exit_after_output */
}
