/* Helpers shared by the Criterion suites: fixtures, temporary files, running the CLI. */
#ifndef PDH_TESTUTIL_H
#define PDH_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* The whole file, NUL-terminated; NULL when it cannot be read. Caller frees. */
char *pdh_t_read_file(const char *path, size_t *len);
/* Writes data to path; aborts the test on failure. */
void pdh_t_write_file(const char *path, const char *data);
/* $PDH_TESTDATA/rel (or the source tree's testdata/). Caller frees. */
char *pdh_t_testdata(const char *rel);
/* Removes path (a file, or an empty directory: remove(3)) and frees it; NULL is ignored. */
void pdh_t_remove(char *path);
/* Gives the text at *from to the caller's *out, when out is not NULL (*from is then NULL, so
 * that disposing of what held it leaves it alone). */
void pdh_t_hand_over(char **out, char **from);
/* A fresh empty directory under $TMPDIR. Caller frees the path (and may remove the tree). */
char *pdh_t_tmpdir(void);
/* How many times slower pdhooks runs in this suite: 6 when ctest runs it under valgrind
 * (PDH_UNDER_VALGRIND), else 1. A time bound or a server latency that a case relies on is
 * multiplied by it; pdh_t_slow_ms gives the product as text for a command line. */
#define PDH_T_VALGRIND_SLOWDOWN 6
int pdh_t_slowdown(void);
char *pdh_t_slow_ms(long ms);

/* The options of a testdata/plan case from its `options` file (absent: a zeroed struct, the
 * defaults): lines "max_deletes N" (as --max-deletes N) and "auth oauth" or "auth api_token"
 * (the credential kind of the run). Aborts the test on a line it does not know. */
struct pdh_plan_opts;
void pdh_t_plan_options(const char *path, struct pdh_plan_opts *out);

/* Expects text to hold each of want[] (NULL-terminated). */
void pdh_t_expect_has(const char *text, const char *const want[]);
/* Expects the string got (which may be NULL) to be want, and frees it. */
void pdh_t_expect_str_free(char *got, const char *want);

/* A pdh_getenv_fn over a table: ctx is a NULL-terminated array of "NAME=value" strings
 * (const char *const *); NULL when NAME is not in it. */
const char *pdh_t_env_table(const char *name, void *ctx);

typedef struct pdh_t_run {
	int status;      /* exit code, or 128+signal */
	char *out;       /* all of stdout */
	char *err;       /* all of stderr */
} pdh_t_run;

/* Runs argv (argv[0] a path) with the extra environment entries "K=V" (NULL-terminated, may
 * be NULL; "K=" with nothing after it unsets K) and stdin fed from in (NULL: /dev/null).
 * Aborts the test when the process cannot be started. */
void pdh_t_run_argv(pdh_t_run *r, char *const argv[], char *const env[], const char *in);
/* Sets each "K=V" of env (NULL: none) in this process; an empty V unsets K. For a forked
 * child before it execs, and for a world's environment. */
void pdh_t_apply_env(char *const env[]);
/* In a forked child: stdin from in (-1: /dev/null), stdout and stderr to out and err, every
 * other descriptor closed, then argv[0] is exec'd; exit 127 (said on err) when it cannot be. */
_Noreturn void pdh_t_child_exec(int in, int out, int err, char *const argv[]);
/* Exit status of python3 running the script of tests/ with args (NULL-terminated), its stderr
 * echoed on a failure; stdout into *out when out is not NULL (caller frees). */
int pdh_t_python(char **out, const char *script, const char *stdin_text, ...);
/* Runs the pdhooks binary ($PDH_BIN) with the given arguments (NULL-terminated). */
void pdh_t_pdhooks(pdh_t_run *r, char *const env[], const char *in, ...);
/* Runs pdhooks (no extra environment, no stdin) with the arguments (NULL-terminated) and
 * expects exit `status` and a stderr that is exactly `err` (exact) or holds it. */
void pdh_t_pdhooks_expect(int status, const char *err, bool exact, ...);
#define PDH_T_EXPECT_ERR(status, err, ...) pdh_t_pdhooks_expect(status, err, true, __VA_ARGS__, NULL)
#define PDH_T_EXPECT_ERR_HAS(status, part, ...) \
	pdh_t_pdhooks_expect(status, part, false, __VA_ARGS__, NULL)
/* Runs pdhooks with the arguments (NULL-terminated) and expects exit 0 and a stdout
 * holding each of has[] (NULL-terminated). */
void pdh_t_pdhooks_expect_out(const char *const has[], ...);
#define PDH_T_EXPECT_OUT(has, ...) pdh_t_pdhooks_expect_out(has, __VA_ARGS__, NULL)
void pdh_t_run_dispose(pdh_t_run *r);

/* For a run whose exit status is all a test checks: expects status (why names the run in the
 * message, with its stdout and stderr), then disposes of the run. */
void pdh_t_run_expect_status(pdh_t_run *r, int status, const char *why);

#endif
