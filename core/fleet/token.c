/* An account's token: from an environment variable, a file, or a command run without a shell.
 * A token is never in a message, and neither is anything a token command printed. */
#define _GNU_SOURCE /* pipe2 */
#include "pdhooks/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/clock.h"
#include "pdhooks/credentials.h"

/* A token command's stdout is read up to this; the first line is all that is used. */
#define S_COMMAND_OUTPUT_MAX (64 * 1024)

/* Checks tok (trimmed in place from its first line) and copies it into *token. */
static int S_take(char **token, char *line, const pdh_fleet_account *a, const char *what,
                  pdh_error *err)
{
	size_t n = strcspn(line, "\n");
	char *tok = line;

	line[n] = '\0';
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	while (*tok == ' ' || *tok == '\t')
		tok++;
	if (*tok == '\0')
		return pdh_error_set(err, PDH_EAUTH, "account %s: %s gave no token", a->name, what);
	if (!pdh_token_valid(tok))
		return pdh_error_set(err, PDH_EAUTH, "account %s: %s gave a token with spaces or "
		                     "control characters", a->name, what);
	*token = pdh_xstrdup(tok);
	return 0;
}

static int S_from_env(char **token, const pdh_fleet_account *a, const pdh_token_opts *o,
                      pdh_error *err)
{
	const char *v = o && o->getenv ? o->getenv(a->token_env, o->getenv_ctx) : getenv(a->token_env);
	char *copy;
	int rc;

	if (v == NULL || *v == '\0')
		return pdh_error_set(err, PDH_EAUTH, "account %s: token_env %s is not set", a->name,
		                     a->token_env);
	copy = pdh_xstrdup(v);
	rc = S_take(token, copy, a, "token_env", err);
	pdh_free_secret(copy);
	return rc;
}

static int S_from_file(char **token, bool *bearer, const pdh_fleet_account *a,
                       char *warning, size_t warning_len, pdh_error *err)
{
	pdh_credentials c;
	unsigned mode;
	int rc;

	rc = pdh_credentials_resolve(&c, a->token_file, NULL, NULL, err);
	if (rc != 0) {
		char *msg = pdh_xasprintf("account %s: %s", a->name, err->message);

		rc = pdh_error_set(err, rc, "%.900s", msg);
		free(msg);
		return rc;
	}
	if (pdh_token_file_exposed(a->token_file, &mode))
		snprintf(warning, warning_len, "account %s: token_file %s can be read by its group "
		         "or others (mode %03o); chmod 600 it", a->name, a->token_file, mode);
	*bearer = *bearer || c.auth == PDH_AUTH_BEARER;
	*token = c.token;
	c.token = NULL;
	pdh_credentials_dispose(&c);
	return 0;
}

/* The child: stdin and stderr on /dev/null, stdout into the pipe, its own process group (so
 * a timeout kills what it started too), then exec. Only async-signal-safe calls. */
static void S_child(const pdh_fleet_account *a, int out_fd)
{
	int null_fd = open("/dev/null", O_RDWR);

	setpgid(0, 0);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(null_fd, STDERR_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(126);
	execvp(a->token_argv[0], a->token_argv);
	_exit(127);
}

/* Reads the child's stdout until EOF, the cap or the deadline. 1 at EOF, 0 at the deadline. */
static int S_read_output(int fd, char *buf, size_t cap, size_t *len, long long deadline)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - pdh_now_ms();
		ssize_t n;
		int pr;

		if (left <= 0)
			return 0;
		pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return 0;
		if (*len < cap) {
			n = read(fd, buf + *len, cap - *len);
		} else {
			char sink[4096];  /* past the cap: drain, so the command can finish */

			n = read(fd, sink, sizeof(sink));
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		if (*len < cap)
			*len += (size_t)n;
	}
}

/* Waits for pid until the deadline; true with *status when it ended. */
static bool S_wait(pid_t pid, int *status, long long deadline)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true;
		if (pdh_now_ms() >= deadline)
			return false;
		pdh_nap_ms(10);
	}
}

static int S_from_command(char **token, const pdh_fleet_account *a, const pdh_token_opts *o,
                          pdh_error *err)
{
	long timeout = o && o->command_timeout_ms > 0 ? o->command_timeout_ms
	                                              : PDH_FLEET_TOKEN_COMMAND_TIMEOUT_MS;
	long long deadline = pdh_now_ms() + timeout;
	char *buf = pdh_xmalloc(S_COMMAND_OUTPUT_MAX + 1);
	size_t len = 0;
	int fds[2] = { -1, -1 }, status = 0, rc;
	bool eof, ended;
	pid_t pid;

	/* Close-on-exec: a command another thread starts meanwhile must not hold our pipe. */
	if (pipe2(fds, O_CLOEXEC) != 0) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command: cannot make a pipe: %s",
		                   a->name, strerror(errno));
		goto done;
	}
	pid = fork();
	if (pid < 0) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command: cannot start %s: %s",
		                   a->name, a->token_argv[0], strerror(errno));
		goto done;
	}
	if (pid == 0)
		S_child(a, fds[1]);
	close(fds[1]);
	fds[1] = -1;
	eof = S_read_output(fds[0], buf, S_COMMAND_OUTPUT_MAX, &len, deadline);
	ended = eof && S_wait(pid, &status, deadline);
	if (!ended) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s did not finish "
		                   "within %ld s and was killed", a->name, a->token_argv[0],
		                   (timeout + 999) / 1000);
		goto done;
	}
	if (WIFSIGNALED(status)) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s was killed by "
		                   "signal %d", a->name, a->token_argv[0], WTERMSIG(status));
		goto done;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s exited with status "
		                   "%d%s", a->name, a->token_argv[0], code,
		                   code == 127 ? " (command not found?)" : "");
		goto done;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s printed binary "
		                   "output, not a token", a->name, a->token_argv[0]);
		goto done;
	}
	rc = S_take(token, buf, a, "token_command", err);
done:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	pdh_wipe(buf, S_COMMAND_OUTPUT_MAX + 1);
	free(buf);
	return rc;
}

int pdh_fleet_token(char **token, bool *bearer, const pdh_fleet_account *a,
                    const pdh_token_opts *opts, char *warning, size_t warning_len,
                    pdh_error *err)
{
	*token = NULL;
	*bearer = a->oauth;
	if (warning_len > 0)
		warning[0] = '\0';
	switch (a->token_kind) {
	case PDH_TOKEN_ENV:
		return S_from_env(token, a, opts, err);
	case PDH_TOKEN_FILE:
		return S_from_file(token, bearer, a, warning, warning_len, err);
	case PDH_TOKEN_COMMAND:
		return S_from_command(token, a, opts, err);
	}
	return pdh_error_set(err, PDH_EINVAL, "account %s: no token source", a->name);
}
