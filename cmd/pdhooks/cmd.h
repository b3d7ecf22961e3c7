/* The pdhooks CLI: one function per sub-command, all registered in commands.c. */
#ifndef PDHOOKS_CMD_H
#define PDHOOKS_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "opt.h"
#include "pdhooks/check_report.h"
#include "pdhooks/desired.h"
/* Exit codes (the table), decided only at this edge (see exit.c). */
#include "pdhooks/exit_code.h"

typedef int (*pdh_cmd_fn)(int argc, char **argv);

/* A command. Its usage line and option list come from the option table (opt.h); the rest of
 * its help is here. */
typedef struct pdh_cmd {
	const char *name;
	pdh_cmd_id id;
	pdh_cmd_fn run;       /* argv[0] is the command's name */
	const char *args;     /* the usage line's arguments after the options ("[PLANFILE]"), or
	                       * NULL */
	const char *summary;  /* one line for `pdhooks help` */
	const char *intro;    /* `pdhooks help NAME` before the options, or NULL */
	const char *after;    /* after the options: notes, exit codes; or NULL */
} pdh_cmd;

/* The commands in `pdhooks help` order, ending with a zeroed entry. */
extern const pdh_cmd pdh_commands[];
const pdh_cmd *pdh_cmd_find(const char *name);
/* The command with that id (every pdh_cmd_id has one). */
const pdh_cmd *pdh_cmd_get(pdh_cmd_id id);
const char *pdh_cmd_name(pdh_cmd_id id);
/* Command c as a row of the tables core writes help and completions from
 * (pdhooks/cli_table.h). */
void pdh_cli_row(pdh_cli_command *row, const pdh_cmd *c);
/* Every command's row, in help order, then a zeroed one. */
void pdh_cli_rows(pdh_cli_command rows[PDH_CMD_COUNT + 1]);
void pdh_cmd_print_help(FILE *out, const pdh_cmd *cmd);

/* Maps a core PDH_E* code to the process exit code. */
int pdh_exit_code(int core_code);
/* The exit code once every output is written: when stdout could not be written (a full
 * disk, a closed pipe), says so on stderr and turns a success (0, or 2 for changes pending)
 * into 1; other codes stay. */
int pdh_exit_after_output(int code);
/* Flushes stdout: false, after saying why on stderr (once per run), when anything written
 * to it so far was lost. */
bool pdh_cli_stdout_ok(void);
/* "pdhooks: error: MESSAGE" on stderr. */
void pdh_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A client's -v log line (ctx unused) on stderr, as it is. */
void pdh_cli_log_stderr(void *ctx, const char *line);
/* "pdhooks: waiting 2.5 s: WHAT" on stderr: a wait the user should know of. */
void pdh_cli_tell_wait(long ms, const char *what);
/* "pdhooks: warning: MESSAGE" on stderr. */
void pdh_cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Asks "Do you want to perform these actions<where>? Only 'yes' will be accepted: " on `to`
 * and reads one line of stdin: true only for the answer "yes". */
bool pdh_cli_confirm(FILE *to, const char *where);

/* Whether to colour what goes to fd, by precedence: --no-color or --color never: no;
 * --color always: yes; else (auto) no when NO_COLOR is set and not empty or TERM is dumb,
 * otherwise whether fd is a terminal. mode is a pdh_color_mode (options.h). */
bool pdh_cli_color(int mode, bool no_color_flag, int fd);
/* pdh_cli_color for stderr with --color auto. */
bool pdh_cli_color_stderr(bool no_color_flag);
/* validate --format json|github: the report the diagnostics of every file checked go to,
 * and whether they are also printed to stderr (github: yes; json: no, the document holds
 * them). Where a function takes a pdh_cli_checks *, NULL means: printed only. */
typedef struct pdh_cli_checks {
	pdh_check_report report;
	bool print;
} pdh_cli_checks;

/* validate --format: text and json as pdh_format, then github. */
enum { PDH_VALIDATE_FORMAT_GITHUB = 2 };

/* Loads a desired-state file (read from stdin, named path, when from_stdin) and prints its
 * diagnostics to stderr (compiler-style, with source lines; warnings left out when quiet),
 * also (or, checks->print false, only) into checks->report (checks NULL: printed only).
 * Returns a core code: PDH_OK with *out the caller's (pdh_desired_free), PDH_EFILE after
 * printing the diagnostics, PDH_EIO after printing "pdhooks: error: ...". n_warnings, when
 * not NULL, gets the number of warnings. opts: the ${VAR} lookup (NULL: the process
 * environment). */
int pdh_cli_check_desired(pdh_cli_checks *checks, const char *path, bool from_stdin,
                          const pdh_load_opts *opts, bool quiet, bool color, pdh_desired **out,
                          size_t *n_warnings);

/* Prints a load's diagnostics to stderr (warnings left out when quiet) and, when rc is
 * PDH_EFILE, "pdhooks: error: PATH does not load: N errors". */
void pdh_cli_print_diags(const char *path, const pdh_diags *diags, const char *data, size_t len,
                         int rc, bool quiet, bool color);
/* pdh_cli_print_diags, through checks (NULL: printed only): account names the fleet account
 * whose desired file path is (or NULL), failure the error that kept the file from being read
 * (PDH_EIO; printed as "pdhooks: error: ..."), or NULL. */
void pdh_cli_check_diags(pdh_cli_checks *checks, const char *path, const char *account,
                         const pdh_diags *diags, const char *data, size_t len, int rc,
                         const char *failure, bool quiet, bool color);

int pdh_cmd_plan(int argc, char **argv);
int pdh_cmd_apply(int argc, char **argv);
int pdh_cmd_validate(int argc, char **argv);
int pdh_cmd_export(int argc, char **argv);
int pdh_cmd_status(int argc, char **argv);
int pdh_cmd_merge(int argc, char **argv);
int pdh_cmd_version(int argc, char **argv);
int pdh_cmd_help(int argc, char **argv);
int pdh_cmd_completion(int argc, char **argv);

#endif
