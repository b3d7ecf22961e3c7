#define _DEFAULT_SOURCE /* usleep, random */
#include "world.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "testutil.h"

void pdh_t_world_setup(pdh_t_world *w, char *const fake_args[], const char *desired)
{
	memset(w, 0, sizeof(*w));
	w->fake = pdh_t_fake_start(fake_args);
	w->dir = pdh_t_tmpdir();
	w->file = pdh_xasprintf("%s/pdhooks.yaml", w->dir);
	pdh_t_write_file(w->file, desired);
	w->env_token = pdh_xasprintf("PIPEDRIVE_API_TOKEN=%s", pdh_t_fake_token(w->fake));
	w->env_url = pdh_xasprintf("PIPEDRIVE_API_URL=%s", pdh_t_fake_url(w->fake));
	w->env[0] = w->env_token;
	w->env[1] = w->env_url;
	w->env[2] = "PIPEDRIVE_OAUTH_TOKEN=";
	w->env[3] = "PIPEDRIVE_COMPANY_DOMAIN=";
	w->env[4] = NULL;
}

void pdh_t_world_teardown(pdh_t_world *w)
{
	pdh_t_fake_stop(w->fake);
	free(w->dir);
	free(w->file);
	free(w->env_token);
	free(w->env_url);
	memset(w, 0, sizeof(*w));
}

void pdh_t_bg_start(pdh_t_bg *b, const pdh_t_world *w, char *const extra_env[], ...)
{
	const char *bin = getenv("PDH_BIN");
	char *argv[64];
	char *xdg = pdh_xasprintf("XDG_RUNTIME_DIR=%s", w->dir);
	size_t n = 0;
	int out_p[2];
	va_list ap;
	pid_t pid;

	cr_assert_not_null(bin, "PDH_BIN is not set (run the suite through ctest)");
	memset(b, 0, sizeof(*b));
	argv[n++] = (char *)bin;
	va_start(ap, extra_env);
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 63;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	b->err_path = pdh_xasprintf("%s/bg-%d-%ld.err", w->dir, (int)getpid(), (long)random());
	cr_assert_eq(pipe(out_p), 0);
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		int err = open(b->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		char *const *lists[3] = { w->env, NULL, extra_env };
		char *xdg_list[2] = { xdg, NULL };

		lists[1] = xdg_list;
		dup2(devnull, 0);
		dup2(out_p[1], 1);
		dup2(err, 2);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		signal(SIGPIPE, SIG_DFL);   /* as a shell leaves it; pdhooks decides for itself */
		for (int l = 0; l < 3; l++)
			for (size_t i = 0; lists[l] && lists[l][i]; i++) {
				char *kv = strdup(lists[l][i]);
				char *eq = strchr(kv, '=');

				if (eq == NULL)
					continue;
				*eq = '\0';
				if (eq[1] == '\0')
					unsetenv(kv);
				else
					setenv(kv, eq + 1, 1);
			}
		execv(argv[0], argv);
		_exit(127);
	}
	free(xdg);
	close(out_p[1]);
	b->pid = pid;
	b->out_fd = out_p[0];
}

static double S_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads what is there within timeout_s; false at EOF or timeout. */
static bool S_bg_read(pdh_t_bg *b, double timeout_s)
{
	struct pollfd pfd = { b->out_fd, POLLIN, 0 };
	char buf[4096];
	ssize_t got;
	int ms = (int)(timeout_s * 1000.0);

	if (b->out_fd < 0 || poll(&pfd, 1, ms < 0 ? 0 : ms) <= 0)
		return false;
	got = read(b->out_fd, buf, sizeof(buf));
	if (got <= 0)
		return false;
	b->pending = pdh_xrealloc(b->pending, b->n_pending + (size_t)got + 1);
	memcpy(b->pending + b->n_pending, buf, (size_t)got);
	b->n_pending += (size_t)got;
	b->seen = pdh_xrealloc(b->seen, b->n_seen + (size_t)got + 1);
	memcpy(b->seen + b->n_seen, buf, (size_t)got);
	b->n_seen += (size_t)got;
	b->seen[b->n_seen] = '\0';
	return true;
}

char *pdh_t_bg_line(pdh_t_bg *b, double timeout_s)
{
	double until = S_now() + timeout_s;

	for (;;) {
		char *nl = b->n_pending ? memchr(b->pending, '\n', b->n_pending) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - b->pending);
			char *line = pdh_xstrndup(b->pending, len);

			memmove(b->pending, nl + 1, b->n_pending - len - 1);
			b->n_pending -= len + 1;
			return line;
		}
		if (!S_bg_read(b, until - S_now()))
			return NULL;
	}
}

void pdh_t_bg_close_stdout(pdh_t_bg *b)
{
	if (b->out_fd >= 0)
		close(b->out_fd);
	b->out_fd = -1;
}

void pdh_t_bg_signal(pdh_t_bg *b, int sig)
{
	cr_assert_eq(kill(b->pid, sig), 0, "kill: %s", strerror(errno));
}

void pdh_t_bg_wait(pdh_t_bg *b, pdh_t_run *r)
{
	double until = S_now() + 60.0;
	int status = 0;
	pid_t got;

	while (b->out_fd >= 0 && S_now() < until && S_bg_read(b, until - S_now()))
		;
	for (;;) {
		got = waitpid(b->pid, &status, WNOHANG);
		if (got == b->pid)
			break;
		if (S_now() > until) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &status, 0);
			break;
		}
		usleep(10000);
	}
	pdh_t_bg_close_stdout(b);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = pdh_xstrdup(b->seen ? b->seen : "");
	r->err = pdh_t_read_file(b->err_path, NULL);
	if (r->err == NULL)
		r->err = pdh_xstrdup("");
	free(b->pending);
	free(b->seen);
	free(b->err_path);
	memset(b, 0, sizeof(*b));
	b->out_fd = -1;
}
