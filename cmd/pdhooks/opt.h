/* Every command-line option of pdhooks, declared once in one table (opt_table.c), the way
 * libgit2's src/cli/ declares a cli_opt_spec array: its long name, short alias, value name,
 * how its value is parsed, its help line, and which commands take it. The parser
 * (pdh_common_parse), `pdhooks help CMD` (option list and usage line), the man-page check
 * (tests/test_cli_table.c) and shell completions all read this table.
 *
 * To add an option: add a field to pdh_common (options.h) and a row to pdh_opt_table[] with
 * the commands that take it (its .offset written AS_BOOL(field), AS_STRING, AS_INT or AS_LONG
 * as its kind stores it, which the compiler checks against the field's type). To add a command: a pdh_cmd_id here, a row in pdh_commands[]
 * (commands.c), and its bit in the rows of the options it takes. */
#ifndef PDHOOKS_CLI_OPT_H
#define PDHOOKS_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pdhooks/cli_table.h"

/* The commands, as bits for pdh_opt_spec.commands. */
typedef enum pdh_cmd_id {
	PDH_CMD_PLAN,
	PDH_CMD_APPLY,
	PDH_CMD_VALIDATE,
	PDH_CMD_EXPORT,
	PDH_CMD_STATUS,
	PDH_CMD_MERGE,
	PDH_CMD_VERSION,
	PDH_CMD_HELP,
	PDH_CMD_COMPLETION,
	PDH_CMD_COUNT
} pdh_cmd_id;

#define PDH_ON(id) (1u << (id))

/* The option kinds, pdh_opt_list and the rows' type pdh_opt_spec are core's
 * (pdhooks/cli_table.h): .offset is where in pdh_common a value goes, .given
 * PDH_OPT_GIVEN(field), .commands PDH_ON(PDH_CMD_x) | .... */
#define PDH_OPT_GIVEN(field) (offsetof(pdh_common, field) + 1)

/* The table, ending with a row whose name is NULL. No command takes two rows with the same
 * name or alias (tests/test_cli_table.c checks). */
extern const pdh_opt_spec pdh_opt_table[];

/* The options of command id, in help order: start with prev NULL; NULL after the last. */
const pdh_opt_spec *pdh_opt_next(pdh_cmd_id id, const pdh_opt_spec *prev);
/* The option of command id with long name `name` (no dashes), or with short alias `alias`
 * when name is NULL; NULL when the command has none. */
const pdh_opt_spec *pdh_opt_find(pdh_cmd_id id, const char *name, char alias);
/* Prints command id's usage line and its "Options:" list, as core writes them from the table
 * (pdh_cli_synopsis, pdh_cli_option_list). */
void pdh_opt_print_synopsis(FILE *out, pdh_cmd_id id);
void pdh_opt_print_list(FILE *out, pdh_cmd_id id);

/* The man page's generated OPTIONS section (docs/pdhooks.1 holds it between the lines
 * PDH_OPT_MAN_BEGIN and PDH_OPT_MAN_END; tests/test_cli_table.c regenerates and compares),
 * as core writes it from the table (pdh_cli_man_options), between those lines. */
#define PDH_OPT_MAN_BEGIN ".\\\" BEGIN OPTIONS generated from cmd/pdhooks/opt_table.c\n"
#define PDH_OPT_MAN_END ".\\\" END OPTIONS\n"
void pdh_opt_print_man(FILE *out);

#endif
