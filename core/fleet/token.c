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
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "pdhooks/credentials.h"
#include "pdhooks/secrets.h"
#include "util/escape.h"

/* A token command's stdout is read up to this; the first line is all that is used. */
#define S_COMMAND_OUTPUT_MAX (64 * 1024)
/* Its stderr is kept up to this; a failure shows its first lines, up to this many characters. */
#define S_STDERR_KEEP 4096
#define S_STDERR_LINES 3
#define S_STDERR_CHARS 300
/* How often a running command is looked at, and how long what it leaves has after SIGTERM. */
#define S_TICK_MS 20
#define S_GRACE_MS 500

extern char **environ;

/* The environment's secrets, as their ${NAME}: the values of variables whose names say they
 * hold one (a token, a secret, a password, a key, credentials), for scrubbing what a token
 * command wrote to stderr. Caller frees. */
static pdh_secrets *S_env_secrets(void)
{
	static const char *const marks[] = { "TOKEN", "SECRET", "PASS", "KEY", "CREDENTIAL",
	                                     "AUTH", NULL };
	pdh_secrets *s = pdh_secrets_new();

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *name, *shown;
		bool secret = false;

		if (eq == NULL)
			continue;
		name = pdh_xstrndup(*e, (size_t)(eq - *e));
		for (char *c = name; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		for (size_t i = 0; marks[i] && !secret; i++)
			secret = strstr(name, marks[i]) != NULL;
		free(name);
		if (!secret)
			continue;
		shown = pdh_xasprintf("${%.*s}", (int)(eq - *e), *e);
		pdh_secrets_add(s, eq + 1, shown);
		free(shown);
	}
	return s;
}

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

/* What an OAuth token gives a credential: its access token (Bearer), api_domain, scope and
 * company_id, moved out of t. */
static void S_take_oauth(pdh_fleet_cred *c, pdh_oauth_token *t)
{
	c->token = t->access_token;
	t->access_token = NULL;
	c->bearer = true;
	c->api_domain = t->api_domain;
	t->api_domain = NULL;
	c->scope = t->scope;
	t->scope = NULL;
	c->has_company_id = t->has_company_id;
	c->company_id = t->company_id;
}

/* The warning for a token file its group or others can read (as ssh warns of a key). */
static void S_exposed(const pdh_fleet_account *a, const char *path, char *warning,
                      size_t warning_len)
{
	unsigned mode;

	if (pdh_token_file_exposed(path, &mode))
		snprintf(warning, warning_len, "account %s: token_file %s can be read by its group "
		         "or others (mode %03o); chmod 600 it", a->name, path, mode);
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
	int rc;

	rc = pdh_credentials_resolve(&c, a->token_file, NULL, NULL, err);
	if (rc != 0) {
		char *msg = pdh_xasprintf("account %s: %s", a->name, err->message);

		rc = pdh_error_set(err, rc, "%.900s", msg);
		free(msg);
		return rc;
	}
	S_exposed(a, a->token_file, warning, warning_len);
	*bearer = *bearer || c.auth == PDH_AUTH_BEARER;
	*token = c.token;
	c.token = NULL;
	pdh_credentials_dispose(&c);
	return 0;
}

/* The child: stdin on /dev/null, stdout and stderr into the pipes, its own process group (so
 * whatever it starts is ended with it), the fleet file's directory as its working directory,
 * then exec. Between fork and exec only async-signal-safe calls: the parent has threads. */
static void S_child(const pdh_fleet_account *a, int out_fd, int err_fd)
{
	static const char no_dir[] = "pdhooks: cannot change to the fleet file's directory\n";
	static const char no_exec[] = "pdhooks: cannot run the command\n";
	int null_fd = open("/dev/null", O_RDONLY);
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(126);
	if (a->dir && a->dir[0] && chdir(a->dir) != 0) {
		(void)!write(STDERR_FILENO, no_dir, sizeof(no_dir) - 1);
		_exit(126);
	}
	execvp(a->token_argv[0], a->token_argv);
	if (errno != ENOENT)
		(void)!write(STDERR_FILENO, no_exec, sizeof(no_exec) - 1);
	_exit(127);
}

/* One of the command's pipes (non-blocking): what was read, up to cap (the rest is read and
 * dropped, so the command never blocks on a full pipe); fd is -1 once closed. */
typedef struct {
	int fd;
	char *buf;
	size_t len, cap;
} S_pipe;

/* Reads what the pipe holds now; closes it at EOF. */
static void S_drain(S_pipe *p)
{
	while (p->fd >= 0) {
		char sink[4096];
		bool keep = p->len < p->cap;
		ssize_t n = keep ? read(p->fd, p->buf + p->len, p->cap - p->len)
		                 : read(p->fd, sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;  /* EAGAIN: nothing more for now */
		if (n == 0) {
			close(p->fd);
			p->fd = -1;
			return;
		}
		if (keep)
			p->len += (size_t)n;
	}
}

/* Whether the command has ended, without reaping it: until it is reaped its process id, and
 * so its process group's, cannot be taken by another process. */
static bool S_ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno != EINTR;
	return si.si_pid == pid;
}

/* Reads both pipes until the command itself ends (not until EOF: something it left running
 * may hold them open) or the deadline. False at the deadline. */
static bool S_collect(pid_t pid, S_pipe *out, S_pipe *errp, long long deadline)
{
	for (;;) {
		struct pollfd p[2] = { { out->fd, POLLIN, 0 }, { errp->fd, POLLIN, 0 } };
		long long left;

		if (S_ended(pid)) {
			S_drain(out);
			S_drain(errp);
			return true;
		}
		left = deadline - pdh_now_ms();
		if (left <= 0)
			return false;
		if (poll(p, 2, (int)(left < S_TICK_MS ? left : S_TICK_MS)) > 0) {
			S_drain(out);
			S_drain(errp);
		}
	}
}

/* Ends the command's process group, so nothing it started outlives it: SIGTERM, SIGKILL to
 * what is left after a grace period. Reaps the command into *status. */
static void S_end_group(pid_t pid, int *status)
{
	long long until = pdh_now_ms() + S_GRACE_MS;

	kill(-pid, SIGTERM);
	while (!S_ended(pid) && pdh_now_ms() < until)
		pdh_nap_ms(5);
	if (!S_ended(pid))
		kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	/* A process it left behind keeps the group, and so its id, alive. */
	until = pdh_now_ms() + S_GRACE_MS;
	while (kill(-pid, 0) == 0 && pdh_now_ms() < until)
		pdh_nap_ms(5);
	if (kill(-pid, 0) == 0)
		kill(-pid, SIGKILL);
}

/* The first lines of what the command wrote to stderr, as "; it said: ...", or "": scrubbed
 * of the token it printed and of the environment's secrets, with control characters
 * escaped. Caller frees. */
static char *S_stderr_note(const S_pipe *errp, const char *stdout_text)
{
	pdh_secrets *own = pdh_secrets_new(), *env = S_env_secrets();
	const char *tok = stdout_text + strspn(stdout_text, " \t");
	char *line = pdh_xstrndup(tok, strcspn(tok, "\r\n")), *first, *text;
	pdh_buf b = PDH_BUF_INIT;
	size_t lines = 0, shown = 0;
	const char *p;

	for (size_t n = strlen(line); n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'); n--)
		line[n - 1] = '\0';
	pdh_secrets_add(own, line, "***");
	pdh_free_secret(line);
	first = pdh_secrets_scrub_n(own, errp->buf, errp->len);
	pdh_secrets_free(own);
	text = pdh_secrets_scrub(env, first);
	pdh_secrets_free(env);
	pdh_free_secret(first);
	for (p = text; *p && lines < S_STDERR_LINES && shown < S_STDERR_CHARS;) {
		size_t n = strcspn(p, "\n"), keep = n;

		while (keep > 0 && (p[keep - 1] == '\r' || p[keep - 1] == ' ' || p[keep - 1] == '\t'))
			keep--;
		if (keep > S_STDERR_CHARS - shown)
			keep = S_STDERR_CHARS - shown;
		if (keep > 0) {
			line = pdh_xstrndup(p, keep);
			pdh_buf_puts(&b, lines == 0 ? "; it said: " : " | ");
			pdh_escape_display(&b, line);
			free(line);
			shown += keep;
			lines++;
		}
		p += n + (p[n] == '\n');
	}
	if (*p && lines > 0)
		pdh_buf_puts(&b, " ...");
	pdh_free_secret(text);
	return b.data ? pdh_buf_detach(&b) : pdh_xstrdup("");
}

/* kind, then the real path of path (the path as given when it has none), for a lock_key. */
static char *S_real_path(const char *kind, const char *path)
{
	char *real = realpath(path, NULL);
	char *key = pdh_xasprintf("%s%s", kind, real ? real : path);

	free(real);
	return key;
}

/* A token_command's lock_key: the real path of the directory it runs in, then its argv,
 * each ending in '\n' (the arguments as given, which name what it prints). */
static char *S_command_key(const pdh_fleet_account *a)
{
	char *key = S_real_path("token_command\n", a->dir && a->dir[0] ? a->dir : ".");
	pdh_buf b = PDH_BUF_INIT;

	pdh_buf_printf(&b, "%s\n", key);
	for (size_t i = 0; i < a->token_argc; i++)
		pdh_buf_printf(&b, "%s\n", a->token_argv[i]);
	free(key);
	return pdh_buf_detach(&b);
}

/* A token command's JSON object (its stdout starts with '{'): the access token and what
 * came with it. */
static int S_take_json(pdh_fleet_cred *c, const char *text, size_t len,
                       const pdh_fleet_account *a, pdh_error *err)
{
	pdh_oauth_token t;
	char *what = pdh_xasprintf("account %s: token_command's JSON", a->name);
	int rc = pdh_oauth_token_parse(&t, text, len, what, err);

	free(what);
	if (rc != 0)
		return rc;
	if (t.access_token == NULL || !pdh_token_valid(t.access_token))
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command's JSON has no usable "
		                   "access_token", a->name);
	else if (t.has_expires && t.expires_at <= (long long)time(NULL))
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command gave a token that has "
		                   "expired (expires_at %lld)", a->name, t.expires_at);
	if (rc == 0)
		S_take_oauth(c, &t);
	pdh_oauth_token_dispose(&t);
	return rc;
}

static int S_from_command(pdh_fleet_cred *cred, const pdh_fleet_account *a,
                          const pdh_token_opts *o, pdh_error *err)
{
	long timeout = o && o->command_timeout_ms > 0 ? o->command_timeout_ms
	                                              : PDH_FLEET_TOKEN_COMMAND_TIMEOUT_MS;
	long long deadline = pdh_now_ms() + timeout;
	S_pipe out = { -1, pdh_xmalloc(S_COMMAND_OUTPUT_MAX + 1), 0, S_COMMAND_OUTPUT_MAX };
	S_pipe errp = { -1, pdh_xmalloc(S_STDERR_KEEP + 1), 0, S_STDERR_KEEP };
	int fds[4] = { -1, -1, -1, -1 }, status = 0, rc;
	char *note = NULL;
	bool ended;
	pid_t pid;

	/* Close-on-exec: a command another thread starts meanwhile must not hold our pipes. */
	if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(fds + 2, O_CLOEXEC) != 0) {
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
		S_child(a, fds[1], fds[3]);
	setpgid(pid, pid);  /* as the child does: the group exists before either goes on */
	close(fds[1]);
	close(fds[3]);
	fds[1] = fds[3] = -1;
	out.fd = fds[0];
	errp.fd = fds[2];
	fds[0] = fds[2] = -1;
	fcntl(out.fd, F_SETFL, O_NONBLOCK);
	fcntl(errp.fd, F_SETFL, O_NONBLOCK);
	ended = S_collect(pid, &out, &errp, deadline);
	S_end_group(pid, &status);
	out.buf[out.len] = '\0';
	errp.buf[errp.len] = '\0';
	note = S_stderr_note(&errp, out.buf);
	if (!ended) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s did not finish "
		                   "within %ld s and was killed%s", a->name, a->token_argv[0],
		                   (timeout + 999) / 1000, note);
		goto done;
	}
	if (WIFSIGNALED(status)) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s was killed by "
		                   "signal %d%s", a->name, a->token_argv[0], WTERMSIG(status), note);
		goto done;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s exited with status "
		                   "%d%s%s", a->name, a->token_argv[0], code,
		                   code == 127 ? " (command not found?)" : "", note);
		goto done;
	}
	if (memchr(out.buf, '\0', out.len) != NULL) {
		rc = pdh_error_set(err, PDH_EAUTH, "account %s: token_command %s printed binary "
		                   "output, not a token%s", a->name, a->token_argv[0], note);
		goto done;
	}
	if (out.buf[strspn(out.buf, " \t\r\n")] == '{') {
		rc = S_take_json(cred, out.buf, out.len, a, err);
		if (rc == 0)
			cred->lock_key = S_command_key(a);
	} else
		rc = S_take(&cred->token, out.buf, a, "token_command", err);
	if (rc != 0 && note[0]) {
		char *msg = pdh_xasprintf("%s%s", err->message, note);

		rc = pdh_error_set(err, rc, "%s", msg);
		free(msg);
	}
done:
	for (size_t i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (out.fd >= 0)
		close(out.fd);
	if (errp.fd >= 0)
		close(errp.fd);
	pdh_wipe(out.buf, S_COMMAND_OUTPUT_MAX + 1);
	pdh_wipe(errp.buf, S_STDERR_KEEP + 1);
	PDH_FREE_ALL(out.buf, errp.buf, note);
	return rc;
}

/* oauth_refresh: the token file's access token, refreshed when due. */
static int S_from_refresh(pdh_fleet_cred *c, const pdh_fleet_account *a,
                          const pdh_token_opts *o, const char *refused, char *warning,
                          size_t warning_len, pdh_error *err)
{
	pdh_oauth_token t;
	int rc = pdh_fleet_oauth_refresh(&t, a, o, refused, err);

	if (rc != 0) {
		char *msg = pdh_xasprintf("account %s: %s", a->name, err->message);

		rc = pdh_error_set(err, rc, "%.1000s", msg);
		free(msg);
		return rc;
	}
	if (t.access_token == NULL || !pdh_token_valid(t.access_token)) {
		pdh_oauth_token_dispose(&t);
		return pdh_error_set(err, PDH_EAUTH, "account %s: oauth_refresh gave no usable "
		                     "access token", a->name);
	}
	S_exposed(a, a->refresh.token_file, warning, warning_len);
	S_take_oauth(c, &t);
	c->lock_key = S_real_path("oauth_refresh\n", a->refresh.token_file);
	pdh_oauth_token_dispose(&t);
	return 0;
}

void pdh_fleet_cred_dispose(pdh_fleet_cred *c)
{
	if (c == NULL)
		return;
	pdh_free_secret(c->token);
	PDH_FREE_ALL(c->api_domain, c->scope, c->lock_key);
	memset(c, 0, sizeof(*c));
}

int pdh_fleet_credential(pdh_fleet_cred *out, const pdh_fleet_account *a,
                         const pdh_token_opts *opts, const char *refused, char *warning,
                         size_t warning_len, pdh_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->bearer = a->oauth;
	if (warning_len > 0)
		warning[0] = '\0';
	switch (a->token_kind) {
	case PDH_TOKEN_ENV:
		out->source = "token_env";
		rc = S_from_env(&out->token, a, opts, err);
		break;
	case PDH_TOKEN_FILE:
		out->source = "token_file";
		rc = S_from_file(&out->token, &out->bearer, a, warning, warning_len, err);
		break;
	case PDH_TOKEN_COMMAND:
		out->source = "token_command";
		rc = S_from_command(out, a, opts, err);
		break;
	case PDH_TOKEN_OAUTH_REFRESH:
		out->source = "oauth_refresh";
		rc = S_from_refresh(out, a, opts, refused, warning, warning_len, err);
		break;
	default:
		rc = pdh_error_set(err, PDH_EINVAL, "account %s: no token source", a->name);
	}
	if (rc != 0)
		pdh_fleet_cred_dispose(out);
	return rc;
}

int pdh_fleet_token(char **token, bool *bearer, const pdh_fleet_account *a,
                    const pdh_token_opts *opts, char *warning, size_t warning_len,
                    pdh_error *err)
{
	pdh_fleet_cred c;
	int rc = pdh_fleet_credential(&c, a, opts, NULL, warning, warning_len, err);

	*token = c.token;
	*bearer = c.bearer;
	c.token = NULL;
	pdh_fleet_cred_dispose(&c);
	return rc;
}
