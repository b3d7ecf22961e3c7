/* Where the CLI's input comes from and how it is shown, through the binary: -f - (stdin),
 * -C DIR, PDHOOKS_FILE, --color auto|always|never with --no-color, NO_COLOR and TERM=dumb,
 * and export's lack of -f. */
#define _DEFAULT_SOURCE /* openpty */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "world.h"

#define S_GOOD "pdhooks: 1\nwebhooks:\n" \
	"  - event_action: create\n" \
	"    event_object: deal\n" \
	"    subscription_url: https://hooks.example.com/deal\n"
/* An error at line 3, column 5. */
#define S_BAD "pdhooks: 1\nwebhooks:\n  - event: nope\n"
#define S_ESC "\033["

static bool S_has(const char *text, const char *needle)
{
	return text && strstr(text, needle) != NULL;
}

/* A run that fails: exit 1, and needle on stderr. */
static void S_expect_error(const pdh_t_run *r, const char *needle)
{
	cr_expect_eq(r->status, 1, "exit %d: %s", r->status, r->err);
	cr_expect(S_has(r->err, needle), "no '%s' in: %s", needle, r->err);
}

/* Every test's world W: a fake and a directory whose desired file the test writes if it
 * needs one. */
PDH_T_WORLD_SUITE(cli_input, NULL);

Test(cli_input, stdin_validates)
{
	pdh_t_run r;

	pdh_t_world_run_in(&r, &W, NULL, S_GOOD, "validate", "-f", "-", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "<stdin>: ok, 1 webhook\n");
	pdh_t_run_dispose(&r);
}

Test(cli_input, stdin_diagnostics_name_it)
{
	pdh_t_run r;

	pdh_t_world_run_in(&r, &W, NULL, S_BAD, "validate", "-f", "-", NULL);
	S_expect_error(&r, "<stdin>:3:5: error: unknown key 'event'");
	cr_expect(S_has(r.err, "pdhooks: error: <stdin> does not load"), "%s", r.err);
	pdh_t_run_dispose(&r);
	/* empty stdin: a file without the version key, not a crash or a hang */
	pdh_t_world_run_in(&r, &W, NULL, "", "validate", "-f", "-", NULL);
	S_expect_error(&r, "<stdin>");
	pdh_t_run_dispose(&r);
}

/* plan -f - plans what stdin says, against the fake (one GET). */
Test(cli_input, stdin_plans)
{
	pdh_t_run r;

	pdh_t_world_run_in(&r, &W, NULL, S_GOOD, "plan", "-f", "-", "--format", "json", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_expect_has(r.out, (const char *const[]){ "https://hooks.example.com/deal",
		"\"create\"", NULL });
	pdh_t_world_expect_calls(&W, 2, 0, 0);   /* the listing, and /users/me: it is empty */
	pdh_t_run_dispose(&r);
}

/* apply -f - with --auto-approve creates what stdin says; without it, no call is made. */
Test(cli_input, stdin_applies_only_with_auto_approve)
{
	pdh_t_run r;

	pdh_t_world_run_in(&r, &W, NULL, S_GOOD, "apply", "-f", "-", NULL);
	S_expect_error(&r, "--auto-approve");
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
	pdh_t_world_run_in(&r, &W, NULL, S_GOOD, "apply", "-f", "-", "--auto-approve", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deal", true), 1);
	pdh_t_run_dispose(&r);
}

/* A saved plan names its own desired file: PDHOOKS_FILE=- (the default of -f) does not
 * stand in the way of applying it. */
Test(cli_input, saved_plan_ignores_pdhooks_file)
{
	pdh_t_run r;

	pdh_t_world_desired(&W, S_GOOD);
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "-o", W.planfile, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	/* without --auto-approve: refused for stdin being no terminal, not for -f - */
	pdh_t_world_run(&r, &W, (char *const[]){ "PDHOOKS_FILE=-", NULL }, "apply", W.planfile,
	                NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(!S_has(r.err, "reads the file from stdin"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, (char *const[]){ "PDHOOKS_FILE=-", NULL }, "apply", "--auto-approve",
	                W.planfile, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(pdh_t_world_count_url(&W, "https://hooks.example.com/deal", true), 1);
	pdh_t_run_dispose(&r);
}

/* A saved plan names its desired file for apply to read again: stdin cannot be. */
Test(cli_input, stdin_cannot_be_saved)
{
	pdh_t_run r;

	pdh_t_world_run_in(&r, &W, NULL, S_GOOD, "plan", "-f", "-", "-o", W.planfile, NULL);
	S_expect_error(&r, "-o needs a desired file");
	cr_expect_eq(access(W.planfile, F_OK), -1, "a plan was saved");
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
}

Test(cli_input, directory_first)
{
	pdh_t_run r;
	char *sub;

	pdh_t_world_desired(&W, S_GOOD);
	/* -C DIR: the default pdhooks.yaml and a relative -f are read from DIR */
	pdh_t_world_run(&r, &W, NULL, "validate", "-C", W.dir, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "pdhooks.yaml: ok, 1 webhook\n");
	pdh_t_run_dispose(&r);
	sub = pdh_t_world_path(&W, "sub");
	cr_assert_eq(mkdir(sub, 0700), 0);
	pdh_t_world_run(&r, &W, NULL, "validate", "--directory", sub, "-f", "../pdhooks.yaml", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	/* plan -C DIR -o relative: the plan is saved in DIR */
	pdh_t_world_run(&r, &W, NULL, "plan", "-C", sub, "-f", "../pdhooks.yaml", "-o", "saved.plan",
	                NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	{
		char *saved = pdh_xasprintf("%s/saved.plan", sub);

		cr_expect_eq(access(saved, F_OK), 0, "no %s", saved);
		free(saved);
	}
	pdh_t_run_dispose(&r);
	free(sub);
}

Test(cli_input, directory_missing)
{
	pdh_t_run r;
	char *gone;

	pdh_t_world_desired(&W, S_GOOD);
	gone = pdh_t_world_path(&W, "no-such-dir");
	pdh_t_world_run(&r, &W, NULL, "plan", "-C", gone, NULL);
	S_expect_error(&r, "cannot change to directory");
	cr_expect(S_has(r.err, "No such file or directory"), "%s", r.err);
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
	free(gone);
}

Test(cli_input, pdhooks_file_is_the_default)
{
	pdh_t_run r;
	char *other, *env;

	pdh_t_world_desired(&W, S_GOOD);
	other = pdh_t_world_path(&W, "other.yaml");
	pdh_t_write_file(other, S_BAD);
	env = pdh_xasprintf("PDHOOKS_FILE=%s", other);
	/* the variable names the file when -f is not given */
	pdh_t_world_run(&r, &W, (char *const[]){ env, NULL }, "validate", NULL);
	S_expect_error(&r, "other.yaml:3:5: error");
	pdh_t_run_dispose(&r);
	/* -f wins over it */
	pdh_t_world_run(&r, &W, (char *const[]){ env, NULL }, "validate", "-f", W.file, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	/* PDHOOKS_FILE=- reads stdin */
	pdh_t_world_run_in(&r, &W, (char *const[]){ "PDHOOKS_FILE=-", NULL }, S_GOOD, "validate",
	                   NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "<stdin>: ok, 1 webhook\n");
	pdh_t_run_dispose(&r);
	free(env);
	free(other);
}

/* Runs validate on the world's (bad) file with stderr a fresh pseudo-terminal, with env
 * TERM=term and NO_COLOR unset, and extra (may be NULL); returns what the terminal got. */
static char *S_on_terminal(const pdh_t_world *w, const char *term, const char *extra)
{
	int master, slave, status;
	char buf[4096];
	size_t len = 0, cap = 0;
	char *out = NULL;
	pid_t pid;

	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0, "openpty: %s", strerror(errno));
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char *bin = getenv("PDH_BIN");
		char *argv[] = { bin, "validate", "-f", w->file, (char *)extra, NULL };
		int null = open("/dev/null", O_RDWR);

		pdh_t_world_child_env(w);
		unsetenv("NO_COLOR");
		setenv("TERM", term, 1);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(slave, STDERR_FILENO);
		close(master);
		close(slave);
		execv(bin, argv);
		_exit(127);
	}
	close(slave);
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;  /* EIO once the child closed the terminal */
		out = pdh_xgrow(out, &cap, len + (size_t)n + 1, 1);
		memcpy(out + len, buf, (size_t)n);
		len += (size_t)n;
		out[len] = '\0';
	}
	close(master);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
	return out ? out : pdh_xstrdup("");
}

Test(cli_input, colour_on_a_terminal_unless_term_is_dumb)
{
	char *out;

	pdh_t_world_desired(&W, S_BAD);
	out = S_on_terminal(&W, "xterm", NULL);
	cr_expect(S_has(out, S_ESC), "no colour on a terminal: %s", out);
	cr_expect(S_has(out, "pdhooks.yaml:3:5"), "%s", out);
	free(out);
	out = S_on_terminal(&W, "dumb", NULL);
	cr_expect(!S_has(out, S_ESC), "colour with TERM=dumb: %s", out);
	cr_expect(S_has(out, "pdhooks.yaml:3:5"), "%s", out);
	free(out);
	/* --color always beats TERM=dumb; --color never and --no-color beat the terminal */
	out = S_on_terminal(&W, "dumb", "--color=always");
	cr_expect(S_has(out, S_ESC), "%s", out);
	free(out);
	out = S_on_terminal(&W, "xterm", "--color=never");
	cr_expect(!S_has(out, S_ESC), "%s", out);
	free(out);
	out = S_on_terminal(&W, "xterm", "--no-color");
	cr_expect(!S_has(out, S_ESC), "%s", out);
	free(out);
}

Test(cli_input, colour_flags_into_a_pipe)
{
	pdh_t_run r;

	pdh_t_world_desired(&W, S_BAD);
	/* auto (the default) into a pipe: none, even without NO_COLOR */
	pdh_t_world_run(&r, &W, (char *const[]){ "NO_COLOR=", "TERM=xterm", NULL }, "validate", "-f",
	                W.file, NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(!S_has(r.err, S_ESC), "%s", r.err);
	pdh_t_run_dispose(&r);
	/* always: colour into a pipe, also with NO_COLOR set (the tests' environment) */
	pdh_t_world_run(&r, &W, (char *const[]){ "NO_COLOR=1", NULL }, "validate", "-f", W.file,
	                "--color", "always", NULL);
	S_expect_error(&r, S_ESC "1;31merror:");
	pdh_t_run_dispose(&r);
	/* --no-color wins over --color always */
	pdh_t_world_run(&r, &W, NULL, "validate", "-f", W.file, "--color", "always", "--no-color",
	                NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(!S_has(r.err, S_ESC), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, NULL, "validate", "-f", W.file, "--color", "sometimes", NULL);
	S_expect_error(&r, "--color 'sometimes': expected auto, always or never");
	pdh_t_run_dispose(&r);
}

/* export reads no desired file: no -f in its help, and -f is refused. */
Test(cli_input, export_takes_no_file)
{
	pdh_t_run r;

	pdh_t_world_run(&r, &W, NULL, "help", "export", NULL);
	cr_expect_eq(r.status, 0);
	cr_expect(!S_has(r.out, "-f,") && !S_has(r.out, "--file"), "%s", r.out);
	cr_expect(!S_has(r.out, "not used"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, NULL, "export", "-f", W.file, NULL);
	S_expect_error(&r, "unknown option -f");
	pdh_t_world_expect_calls(&W, 0, 0, 0);
	pdh_t_run_dispose(&r);
}

/* --token-file that its group or others can read: a warning (as the fleet's token_file gets,
 * and ssh gives for a private key), never the token; mode 600: no warning; -q: none. */
Test(cli_input, token_file_others_can_read_is_warned_about)
{
	const char *token = strchr(W.env_token, '=') + 1;
	char *path = pdh_t_world_path(&W, "token");
	pdh_t_run r;

	pdh_t_world_desired(&W, S_GOOD);
	pdh_t_write_file(path, token);
	cr_assert_eq(chmod(path, 0644), 0);
	pdh_t_world_run(&r, &W, NULL, "plan", "-f", W.file, "--token-file", path, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(S_has(r.err, "pdhooks: warning: --token-file "), "%s", r.err);
	cr_expect(S_has(r.err, "can be read by its group or others (mode 644); chmod 600 it"), "%s",
	          r.err);
	cr_expect(!S_has(r.err, token) && !S_has(r.out, token), "the token is printed");
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &W, NULL, "plan", "-q", "-f", W.file, "--token-file", path, NULL);
	cr_expect(!S_has(r.err, "warning"), "-q: %s", r.err);
	pdh_t_run_dispose(&r);
	cr_assert_eq(chmod(path, 0600), 0);
	pdh_t_world_run(&r, &W, NULL, "status", "-f", W.file, "--token-file", path, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(!S_has(r.err, "can be read"), "mode 600: %s", r.err);
	pdh_t_run_dispose(&r);
	free(path);
}
