#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/plan.h"

char *pdh_t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	pdh_buf b = PDH_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		pdh_buf_append(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return pdh_buf_detach(&b);
}

void pdh_t_write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, strlen(data), f), strlen(data));
	cr_assert_eq(fclose(f), 0);
}

char *pdh_t_testdata(const char *rel)
{
	const char *dir = getenv("PDH_TESTDATA");
	return pdh_xasprintf("%s/%s", dir ? dir : "testdata", rel);
}

char *pdh_t_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = pdh_xasprintf("%s/pdhooks-test-XXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	return tmpl;
}

static void S_drain(int fds[2], pdh_buf *out, pdh_buf *err, const char *in, int in_fd)
{
	size_t in_off = 0, in_len = in ? strlen(in) : 0;
	char chunk[65536];
	struct pollfd p[3];

	for (;;) {
		nfds_t n = 0;
		int out_i = -1, err_i = -1, in_i = -1;
		if (fds[0] >= 0) { p[n] = (struct pollfd){ fds[0], POLLIN, 0 }; out_i = (int)n++; }
		if (fds[1] >= 0) { p[n] = (struct pollfd){ fds[1], POLLIN, 0 }; err_i = (int)n++; }
		if (in_fd >= 0) { p[n] = (struct pollfd){ in_fd, POLLOUT, 0 }; in_i = (int)n++; }
		if (n == 0)
			break;
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			cr_assert_fail("poll: %s", strerror(errno));
		}
		if (out_i >= 0 && p[out_i].revents) {
			ssize_t r = read(fds[0], chunk, sizeof(chunk));
			if (r > 0) pdh_buf_append(out, chunk, (size_t)r);
			else { close(fds[0]); fds[0] = -1; }
		}
		if (err_i >= 0 && p[err_i].revents) {
			ssize_t r = read(fds[1], chunk, sizeof(chunk));
			if (r > 0) pdh_buf_append(err, chunk, (size_t)r);
			else { close(fds[1]); fds[1] = -1; }
		}
		if (in_i >= 0 && p[in_i].revents) {
			ssize_t w = in_off < in_len ? write(in_fd, in + in_off, in_len - in_off) : 0;
			if (w > 0)
				in_off += (size_t)w;
			if (w <= 0 || in_off >= in_len) {
				close(in_fd);
				in_fd = -1;
			}
		}
	}
}

void pdh_t_apply_env(char *const env[])
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		char *name;

		if (eq == NULL)
			continue;
		name = pdh_xstrndup(env[i], (size_t)(eq - env[i]));
		if (eq[1])
			setenv(name, eq + 1, 1);
		else
			unsetenv(name);
		free(name);
	}
}

_Noreturn void pdh_t_child_exec(int in, int out, int err, char *const argv[])
{
	dup2(in >= 0 ? in : open("/dev/null", O_RDONLY), 0);
	dup2(out, 1);
	dup2(err, 2);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	execv(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void pdh_t_run_argv(pdh_t_run *r, char *const argv[], char *const env[], const char *in)
{
	int out_p[2], err_p[2], in_p[2] = { -1, -1 };
	pdh_buf out = PDH_BUF_INIT, err = PDH_BUF_INIT;
	int fds[2], status;
	pid_t pid;

	cr_assert_eq(pipe(out_p), 0);
	cr_assert_eq(pipe(err_p), 0);
	if (in)
		cr_assert_eq(pipe(in_p), 0);
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		pdh_t_apply_env(env);
		pdh_t_child_exec(in ? in_p[0] : -1, out_p[1], err_p[1], argv);
	}
	close(out_p[1]);
	close(err_p[1]);
	if (in)
		close(in_p[0]);
	fds[0] = out_p[0];
	fds[1] = err_p[0];
	S_drain(fds, &out, &err, in, in ? in_p[1] : -1);
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = pdh_buf_detach(&out);
	r->err = pdh_buf_detach(&err);
}

static void S_pdhooks_va(pdh_t_run *r, char *const env[], const char *in, va_list ap)
{
	const char *bin = getenv("PDH_BIN");
	char *argv[64];
	size_t n = 0;

	cr_assert_not_null(bin, "PDH_BIN is not set (run the suite through ctest)");
	argv[n++] = (char *)bin;
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 63;)
		argv[n++] = a;
	argv[n] = NULL;
	pdh_t_run_argv(r, argv, env, in);
}

void pdh_t_pdhooks(pdh_t_run *r, char *const env[], const char *in, ...)
{
	va_list ap;

	va_start(ap, in);
	S_pdhooks_va(r, env, in, ap);
	va_end(ap);
}

void pdh_t_pdhooks_expect(int status, const char *err, bool exact, ...)
{
	pdh_t_run r;
	va_list ap;

	va_start(ap, exact);
	S_pdhooks_va(&r, NULL, NULL, ap);
	va_end(ap);
	cr_expect_eq(r.status, status, "status %d, stderr: %s", r.status, r.err);
	if (exact)
		cr_expect_str_eq(r.err, err);
	else
		cr_expect_not_null(strstr(r.err, err), "%s", r.err);
	pdh_t_run_dispose(&r);
}

void pdh_t_run_dispose(pdh_t_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* The texts the options of pdh_t_plan_options point to: one case per test process. */
enum { S_OPT_TEXTS = 16 };
static char *S_opt_texts[S_OPT_TEXTS];
static const char *S_targets[S_OPT_TEXTS], *S_excludes[S_OPT_TEXTS];
static size_t S_n_opt_texts;

static const char *S_opt_text(const char *s)
{
	cr_assert_lt(S_n_opt_texts, S_OPT_TEXTS, "too many option texts");
	return S_opt_texts[S_n_opt_texts++] = pdh_xstrdup(s);
}

void pdh_t_plan_options(const char *path, pdh_plan_opts *out)
{
	char *text = pdh_t_read_file(path, NULL);
	char *line, *save = NULL;

	memset(out, 0, sizeof(*out));
	out->targets = S_targets;
	out->excludes = S_excludes;
	if (text == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n;
		if (strcmp(line, "adopt") == 0) {
			out->adopt = true;
		} else if (strncmp(line, "takeover ", 9) == 0) {
			out->takeover = S_opt_text(line + 9);
		} else if (strncmp(line, "target ", 7) == 0) {
			S_targets[out->n_targets++] = S_opt_text(line + 7);
		} else if (strncmp(line, "exclude ", 8) == 0) {
			S_excludes[out->n_excludes++] = S_opt_text(line + 8);
		} else if (sscanf(line, "max_deletes %d", &n) == 1) {
			out->max_deletes_set = true;
			out->max_deletes = n;
		} else if (strcmp(line, "auth oauth") == 0) {
			out->auth = PDH_AUTH_BEARER;
		} else if (strcmp(line, "auth api_token") == 0) {
			out->auth = PDH_AUTH_API_TOKEN;
		} else {
			cr_assert_fail("%s: unknown option line '%s' (expected \"max_deletes N\", "
			               "\"auth oauth|api_token\", \"adopt\", \"takeover OWNER\", "
			               "\"target GLOB\" or \"exclude GLOB\")", path, line);
		}
	}
	free(text);
}

const char *pdh_t_env_table(const char *name, void *ctx)
{
	size_t n = strlen(name);

	for (const char *const *e = ctx; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

void pdh_t_pdhooks_expect_out(const char *const has[], ...)
{
	pdh_t_run r;
	va_list ap;

	va_start(ap, has);
	S_pdhooks_va(&r, NULL, NULL, ap);
	va_end(ap);
	cr_expect_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
	for (size_t i = 0; has[i]; i++)
		cr_expect_not_null(strstr(r.out, has[i]), "no '%s' in:\n%s", has[i], r.out);
	pdh_t_run_dispose(&r);
}

void pdh_t_expect_str_free(char *got, const char *want)
{
	cr_expect_not_null(got, "NULL, expected \"%s\"", want);
	if (got)
		cr_expect_str_eq(got, want);
	free(got);
}

void pdh_t_remove(char *path)
{
	if (path)
		remove(path);
	free(path);
}

void pdh_t_expect_has(const char *text, const char *const want[])
{
	for (size_t i = 0; want[i]; i++)
		cr_expect(text && strstr(text, want[i]), "no '%s' in:\n%s", want[i],
		          text ? text : "(null)");
}

/* Exit status of python3 running the script of tests/ with args (NULL-terminated); stdout
 * into *out when out is not NULL (caller frees). */
int pdh_t_python(char **out, const char *script, const char *stdin_text, ...)
{
	char *argv[16], *path;
	size_t n = 0;
	va_list ap;
	pdh_t_run r;
	int status;

	path = pdh_xasprintf("%s/tests/%s", getenv("PDH_SOURCE_DIR"), script);
	argv[n++] = "/usr/bin/python3";
	argv[n++] = path;
	va_start(ap, stdin_text);
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 15;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	pdh_t_run_argv(&r, argv, NULL, stdin_text);
	if (r.status != 0)
		fprintf(stderr, "%s: %s", script, r.err);
	status = r.status;
	pdh_t_hand_over(out, &r.out);
	pdh_t_run_dispose(&r);
	free(path);
	return status;
}

void pdh_t_hand_over(char **out, char **from)
{
	if (out) {
		*out = *from;
		*from = NULL;
	}
}

void pdh_t_run_expect_status(pdh_t_run *r, int status, const char *why)
{
	cr_expect_eq(r->status, status, "%s: exit %d\nstdout: %s\nstderr: %s", why, r->status,
	             r->out, r->err);
	pdh_t_run_dispose(r);
}

int pdh_t_slowdown(void)
{
	const char *v = getenv("PDH_UNDER_VALGRIND");

	return v && *v ? PDH_T_VALGRIND_SLOWDOWN : 1;
}

char *pdh_t_slow_ms(long ms)
{
	return pdh_xasprintf("%ld", ms * pdh_t_slowdown());
}
