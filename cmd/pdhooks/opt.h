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

/* How an option's value is parsed, and what C type it is stored as in pdh_common. */
typedef enum pdh_opt_kind {
	PDH_OPT_FLAG,    /* no value; sets a bool to true */
	PDH_OPT_STRING,  /* a value kept as given (const char *) */
	PDH_OPT_PATH,    /* a file name, kept as given (const char *); completion offers files */
	PDH_OPT_DIR,     /* a directory, kept as given (const char *); completion offers
	                  * directories */
	PDH_OPT_INT,     /* a whole number from min to max (int) */
	PDH_OPT_SECONDS, /* seconds, more than 0 and at most max, kept in milliseconds (long) */
	PDH_OPT_ENUM,    /* one of values (int: the index of the value) */
	PDH_OPT_LIST     /* a value, repeatable: each kept as given, in order (pdh_opt_list) */
} pdh_opt_kind;

/* The values of a PDH_OPT_LIST option, in command-line order; freed by pdh_common_dispose. */
typedef struct pdh_opt_list {
	const char **items;
	size_t n;
} pdh_opt_list;

typedef struct pdh_opt_spec {
	const char *name;            /* the long name, without "--" */
	char alias;                  /* the short option ('f' for -f), or 0 */
	pdh_opt_kind kind;
	const char *value_name;      /* "FILE", "N" in help and usage; NULL for flags */
	const char *const *values;   /* PDH_OPT_ENUM: the accepted values, NULL-terminated */
	long min, max;               /* PDH_OPT_INT: the bounds; PDH_OPT_SECONDS: max */
	long def;                    /* PDH_OPT_INT, PDH_OPT_ENUM: the value when not given */
	const char *def_str;         /* PDH_OPT_STRING, PDH_OPT_PATH: the value when not given */
	size_t offset;               /* where in pdh_common the value is stored (AS_* in
	                              * opt_table.c) */
	size_t given;                /* PDH_OPT_GIVEN(field): a bool set when the option is on
	                              * the command line; 0: none */
	unsigned commands;           /* PDH_ON(PDH_CMD_x) | ...: the commands that take it */
	unsigned synopsis;           /* the commands whose usage line shows it (the others sum it
	                              * up as [OPTIONS]) */
	const char *help;            /* its help, lines separated by '\n' */
} pdh_opt_spec;

#define PDH_OPT_GIVEN(field) (offsetof(pdh_common, field) + 1)

/* The table, ending with a row whose name is NULL. No command takes two rows with the same
 * name or alias (tests/test_cli_table.c checks). */
extern const pdh_opt_spec pdh_opt_table[];

/* The options of command id, in help order: start with prev NULL; NULL after the last. */
const pdh_opt_spec *pdh_opt_next(pdh_cmd_id id, const pdh_opt_spec *prev);
/* The option of command id with long name `name` (no dashes), or with short alias `alias`
 * when name is NULL; NULL when the command has none. */
const pdh_opt_spec *pdh_opt_find(pdh_cmd_id id, const char *name, char alias);
/* Whether the option takes a value (every kind but PDH_OPT_FLAG). */
bool pdh_opt_takes_value(const pdh_opt_spec *s);
/* Whether its value names a file (for completion); a directory is no file. */
bool pdh_opt_is_path(const pdh_opt_spec *s);
/* Whether its value names a directory (for completion). */
bool pdh_opt_is_dir(const pdh_opt_spec *s);

/* Prints the usage line ("pdhooks plan [-f FILE] ... [OPTIONS] ARGS": the options the rows
 * show there: short options first, those of several commands before the command's own, then
 * the long-only ones), wrapped at 80 columns,
 * and the "Options:" list of command id (nothing when it takes none); both from the table. */
void pdh_opt_print_synopsis(FILE *out, pdh_cmd_id id, const char *name, const char *args);
void pdh_opt_print_list(FILE *out, pdh_cmd_id id);

/* The man page's generated OPTIONS section (docs/pdhooks.1 holds it between the lines
 * PDH_OPT_MAN_BEGIN and PDH_OPT_MAN_END; tests/test_cli_table.c regenerates and compares):
 * for each command with options, its heading and one .TP entry per option, in help order,
 * with the table's help as text (roff-escaped). */
#define PDH_OPT_MAN_BEGIN ".\\\" BEGIN OPTIONS generated from cmd/pdhooks/opt_table.c\n"
#define PDH_OPT_MAN_END ".\\\" END OPTIONS\n"
void pdh_opt_print_man(FILE *out);

#endif
