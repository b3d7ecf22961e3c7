/* A command line described as data: the options (each row: its long name, short alias,
 * value name, how its value is parsed, its help line and which commands take it) and the
 * commands (name, arguments, summary), and what is written from them with no command in
 * mind: shell completion scripts. cmd/pdhooks declares pdhooks' own tables (opt_table.c,
 * commands.c); core reads them without knowing where their values are stored. */
#ifndef PDHOOKS_CLI_TABLE_H
#define PDHOOKS_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* How an option's value is parsed, and what C type it is stored as. */
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

/* The values of a PDH_OPT_LIST option, in command-line order. */
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
	size_t offset;               /* where in the parsed options the value is stored */
	size_t given;                /* 1 + where a bool set when the option is on the command
	                              * line is; 0: none */
	unsigned commands;           /* the bits of the commands that take it */
	unsigned synopsis;           /* the commands whose usage line shows it (the others sum it
	                              * up as [OPTIONS]) */
	const char *help;            /* its help, lines separated by '\n' */
} pdh_opt_spec;

/* Whether the option takes a value (every kind but PDH_OPT_FLAG). */
bool pdh_opt_takes_value(const pdh_opt_spec *s);
/* Whether its value names a file (for completion); a directory is no file. */
bool pdh_opt_is_path(const pdh_opt_spec *s);
/* Whether its value names a directory (for completion). */
bool pdh_opt_is_dir(const pdh_opt_spec *s);

/* What a command's arguments (after its options) are, for completion. */
typedef enum pdh_args_kind {
	PDH_ARGS_NONE,     /* nothing to offer */
	PDH_ARGS_FILES,    /* files */
	PDH_ARGS_COMMAND,  /* a command's name */
	PDH_ARGS_WORDS     /* one of its words */
} pdh_args_kind;

typedef struct pdh_cli_command {
	const char *name;
	unsigned bit;                /* its bit in pdh_opt_spec.commands */
	const char *args;            /* the usage line's arguments ("[PLANFILE]"), or NULL */
	const char *summary;         /* one line */
	pdh_args_kind args_kind;
	const char *const *words;    /* PDH_ARGS_WORDS: NULL-terminated */
} pdh_cli_command;

typedef struct pdh_cli_table {
	const pdh_cli_command *commands;  /* in help order, ending with a row whose name is NULL */
	const pdh_opt_spec *opts;         /* in help order, ending with a row whose name is NULL */
} pdh_cli_table;

/* The options of command c in t, in help order: start with prev NULL; NULL after the last. */
const pdh_opt_spec *pdh_cli_next_opt(const pdh_cli_table *t, const pdh_cli_command *c,
                                     const pdh_opt_spec *prev);

/* The usage line of command c ("Usage: pdhooks plan [-f FILE] ... [OPTIONS] ARGS": the
 * options the rows show there: short options first, those of several commands before the
 * command's own, then the long-only ones), wrapped at 80 columns; its "Options:" list (empty
 * when it takes none); the man page's OPTIONS section (without its markers): for each
 * command with options, its heading and one .TP entry per option, in help order, with the
 * table's help as text (roff-escaped). Only the man page reads t->commands. Caller frees. */
char *pdh_cli_synopsis(const pdh_cli_table *t, const pdh_cli_command *c);
char *pdh_cli_option_list(const pdh_cli_table *t, const pdh_cli_command *c);
char *pdh_cli_man_options(const pdh_cli_table *t);

/* A text the generators write into memory. */
typedef struct pdh_cli_text {
	FILE *out;
	char *data;
	size_t len;
} pdh_cli_text;
/* The stream to write to (out of memory aborts, as pdh_xmalloc). */
FILE *pdh_cli_text_open(pdh_cli_text *t);
/* The text written (caller frees). */
char *pdh_cli_text_close(pdh_cli_text *t);

/* The shells pdh_completion_script writes for, NULL-terminated: bash, zsh, fish. */
extern const char *const pdh_completion_shells[];

/* The completion script of pdhooks for shell, from t: every command and option there is,
 * per option its names, whether it takes a value, and which (an enum's values, files,
 * directories, or nothing to offer); per command what its arguments are. NULL when shell is
 * none of pdh_completion_shells. Caller frees. */
char *pdh_completion_script(const char *shell, const pdh_cli_table *t);

#endif
