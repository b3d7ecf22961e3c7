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
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"

#define S_MAX_ARGS 48

void pdh_t_world_setup(pdh_t_world *w, char *const fake_args[], const char *desired)
{
	memset(w, 0, sizeof(*w));
	w->fake = pdh_t_fake_start(fake_args);
	w->dir = pdh_t_tmpdir();
	w->file = pdh_xasprintf("%s/pdhooks.yaml", w->dir);
	w->planfile = pdh_xasprintf("%s/pdhooks.plan", w->dir);
	if (desired)
		pdh_t_write_file(w->file, desired);
	w->env_token = pdh_xasprintf("PIPEDRIVE_API_TOKEN=%s", pdh_t_fake_token(w->fake));
	w->env_url = pdh_xasprintf("PIPEDRIVE_API_URL=%s", pdh_t_fake_url(w->fake));
	w->env[0] = w->env_token;
	w->env[1] = w->env_url;
	w->env[2] = "PIPEDRIVE_OAUTH_TOKEN=";
	w->env[3] = "PIPEDRIVE_COMPANY_DOMAIN=";
	w->env[4] = NULL;
	w->secrets[0] = pdh_t_fake_token(w->fake);
}

void pdh_t_world_setup_tls(pdh_t_world *w, const char *cert, char *const fake_args[],
                           const char *desired)
{
	char *pem = pdh_xasprintf("%s.pem", cert), *key = pdh_xasprintf("%s.key", cert);
	char *args[32] = { "--tls-cert", pdh_t_tls_path(pem), "--tls-key", pdh_t_tls_path(key) };
	size_t n = 4;

	for (size_t i = 0; fake_args && fake_args[i]; i++) {
		cr_assert_lt(n, 31, "too many arguments for the fake");
		args[n++] = fake_args[i];
	}
	args[n] = NULL;
	pdh_t_world_setup(w, args, desired);
	PDH_FREE_ALL(args[1], args[3], pem, key);
}

void pdh_t_world_teardown(pdh_t_world *w)
{
	char *cmd = w->dir ? pdh_xasprintf("rm -rf '%s'", w->dir) : NULL;

	pdh_t_fake_stop(w->fake);
	if (cmd)
		cr_expect_eq(system(cmd), 0, "%s", cmd);
	PDH_FREE_ALL(cmd, w->dir, w->file, w->planfile, w->env_token, w->env_url);
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
		signal(SIGPIPE, SIG_DFL);   /* as a shell leaves it; pdhooks decides for itself */
		pdh_t_apply_env(w->env);
		pdh_t_apply_env((char *[]){ xdg, NULL });
		pdh_t_apply_env(extra_env);
		pdh_t_child_exec(-1, out_p[1], open(b->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		                 argv);
	}
	free(xdg);
	close(out_p[1]);
	b->pid = pid;
	b->out_fd = out_p[0];
}

static double S_now(void)
{
	return (double)pdh_now_ms() / 1e3;
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

void pdh_t_world_setenv(pdh_t_world *w, char *kv)
{
	size_t n = 0;

	while (w->env[n])
		n++;
	cr_assert_lt(n + 1, (size_t)PDH_T_WORLD_ENV, "too many environment entries");
	w->env[n] = kv;
	w->env[n + 1] = NULL;
}

void pdh_t_world_secret(pdh_t_world *w, const char *secret)
{
	size_t n = 0;

	while (n < PDH_T_WORLD_SECRETS && w->secrets[n])
		n++;
	cr_assert_lt(n, (size_t)PDH_T_WORLD_SECRETS, "too many secrets");
	if (n < PDH_T_WORLD_SECRETS)  /* always, after the assertion; said for the analysers */
		w->secrets[n] = secret;
}

void pdh_t_world_desired(pdh_t_world *w, const char *yaml)
{
	pdh_t_write_file(w->file, yaml);
}

char *pdh_t_world_path(const pdh_t_world *w, const char *name)
{
	return pdh_xasprintf("%s/%s", w->dir, name);
}

void pdh_t_world_no_secret(const pdh_t_world *w, const char *what, const char *text)
{
	cr_assert_not_null(text, "%s: nothing to check", what);
	for (size_t i = 0; i < PDH_T_WORLD_SECRETS && w->secrets[i]; i++)
		cr_expect_null(strstr(text, w->secrets[i]), "%s holds the secret '%s'", what,
		               w->secrets[i]);
}

void pdh_t_world_no_secret_in_file(const pdh_t_world *w, const char *path)
{
	char *text = pdh_t_read_file(path, NULL);

	pdh_t_world_no_secret(w, path, text);
	free(text);
}

/* base, then extra (both NULL-terminated, may be NULL) into env. */
static void S_env(char **env, size_t size, char *const base[], char *const extra[])
{
	size_t k = 0;

	for (size_t i = 0; base && base[i]; i++) {
		cr_assert_lt(k + 1, size, "too many environment entries");
		env[k++] = base[i];
	}
	for (size_t i = 0; extra && extra[i]; i++) {
		cr_assert_lt(k + 1, size, "too many environment entries");
		env[k++] = extra[i];
	}
	env[k] = NULL;
}

static void S_runv(pdh_t_run *r, const pdh_t_world *w, char *const env[], const char *in,
                   va_list ap)
{
	char *argv[S_MAX_ARGS];
	size_t n = 0;
	char *a;

	argv[n++] = getenv("PDH_BIN");
	cr_assert_not_null(argv[0], "PDH_BIN is not set (run the suite through ctest)");
	while ((a = va_arg(ap, char *)) != NULL) {
		cr_assert_lt(n + 1, (size_t)S_MAX_ARGS, "too many arguments");
		argv[n++] = a;
	}
	argv[n] = NULL;
	pdh_t_run_argv(r, argv, env, in);
	pdh_t_world_no_secret(w, "stdout", r->out);
	pdh_t_world_no_secret(w, "stderr", r->err);
	cr_expect_null(strstr(r->err, "Sanitizer"), "a sanitizer report (a leak on an error "
	               "path exits 1 anyway): %s", r->err);
}

/* pdhooks in the world with the environment base plus extra (see S_env). */
static void S_run_over(pdh_t_run *r, const pdh_t_world *w, char *const base[],
                       char *const extra[], const char *in, va_list ap)
{
	char *env[2 * PDH_T_WORLD_ENV];

	S_env(env, sizeof(env) / sizeof(env[0]), base, extra);
	S_runv(r, w, env, in, ap);
}

void pdh_t_world_run(pdh_t_run *r, const pdh_t_world *w, char *const extra_env[], ...)
{
	va_list ap;

	va_start(ap, extra_env);
	S_run_over(r, w, w->env, extra_env, NULL, ap);
	va_end(ap);
}

void pdh_t_world_run_in(pdh_t_run *r, const pdh_t_world *w, char *const extra_env[],
                        const char *in, ...)
{
	va_list ap;

	va_start(ap, in);
	S_run_over(r, w, w->env, extra_env, in, ap);
	va_end(ap);
}

void pdh_t_world_run_env(pdh_t_run *r, const pdh_t_world *w, char *const only[], ...)
{
	static char *const unset[] = { "PIPEDRIVE_API_TOKEN=", "PIPEDRIVE_OAUTH_TOKEN=",
		                       "PIPEDRIVE_API_URL=", "PIPEDRIVE_COMPANY_DOMAIN=", NULL };
	va_list ap;

	va_start(ap, only);
	S_run_over(r, w, unset, only, NULL, ap);
	va_end(ap);
}

void pdh_t_world_child_env(const pdh_t_world *w)
{
	pdh_t_apply_env(w->env);
}

void pdh_t_world_seed(pdh_t_world *w, const char *fmt, ...)
{
	va_list ap;
	char *json;

	va_start(ap, fmt);
	json = pdh_xvasprintf(fmt, ap);
	va_end(ap);
	pdh_t_fake_set_state(w->fake, json);
	free(json);
}

void pdh_t_world_control(pdh_t_world *w, const char *path, const char *json)
{
	long st = pdh_t_fake_control(w->fake, "POST", path, json, NULL);

	cr_assert(st >= 200 && st < 300, "%s %s: %ld", path, json ? json : "", st);
}

void pdh_t_world_fail(pdh_t_world *w, const char *fault_json)
{
	pdh_t_world_control(w, "/_fake/fail", fault_json);
}

void pdh_t_world_reset_calls(pdh_t_world *w)
{
	pdh_t_world_control(w, "/_fake/calls/reset", NULL);
}

void pdh_t_world_expect_calls(pdh_t_world *w, int get, int post, int del)
{
	cr_expect_eq(pdh_t_fake_calls(w->fake, "GET"), get, "GET calls");
	cr_expect_eq(pdh_t_fake_calls(w->fake, "POST"), post, "POST calls");
	cr_expect_eq(pdh_t_fake_calls(w->fake, "DELETE"), del, "DELETE calls");
}

static json_t *S_json(char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	cr_assert_not_null(j, "not JSON: %s", text);
	free(text);
	return j;
}

char *pdh_t_world_call_log(pdh_t_world *w)
{
	char *body = NULL;
	json_t *j, *h;
	pdh_buf b = PDH_BUF_INIT;
	size_t i;

	cr_assert_eq(pdh_t_fake_control(w->fake, "GET", "/_fake/calls", NULL, &body), 200);
	j = S_json(body);
	json_array_foreach(json_object_get(j, "log"), i, h)
		pdh_buf_printf(&b, "%s %s %lld\n", json_string_value(json_object_get(h, "method")),
		               json_string_value(json_object_get(h, "path")),
		               (long long)json_integer_value(json_object_get(h, "status")));
	json_decref(j);
	return pdh_buf_detach(&b);
}

int pdh_t_count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

json_t *pdh_t_world_hooks(pdh_t_world *w)
{
	json_t *j = S_json(pdh_t_fake_state(w->fake));

	/* The state may be the array or {"data": [...]}. */
	if (json_is_object(j)) {
		json_t *d = json_incref(json_object_get(j, "data"));
		json_decref(j);
		j = d;
	}
	cr_assert(json_is_array(j));
	return j;
}

int pdh_t_world_count_url(pdh_t_world *w, const char *url, bool active_only)
{
	json_t *a = pdh_t_world_hooks(w), *h;
	size_t i;
	int n = 0;

	json_array_foreach(a, i, h) {
		const char *u = json_string_value(json_object_get(h, "subscription_url"));
		json_t *act = json_object_get(h, "is_active");
		bool active = json_is_true(act) || (json_is_integer(act) && json_integer_value(act));

		if (u && strcmp(u, url) == 0 && (active || !active_only))
			n++;
	}
	json_decref(a);
	return n;
}

size_t pdh_t_world_count_hooks(pdh_t_world *w)
{
	json_t *a = pdh_t_world_hooks(w);
	size_t n = json_array_size(a);

	json_decref(a);
	return n;
}

void pdh_t_world_expect_option_refused(const char *desired, const char *cmd, const char *opt,
                                       const char *value, const char *msg)
{
	pdh_t_world w;
	pdh_t_run r;

	pdh_t_world_setup(&w, NULL, desired);
	pdh_t_pdhooks(&r, w.env, NULL, cmd, "-f", w.file, opt, value, (char *)NULL);
	cr_expect_eq(r.status, 1, "%s %s %s: %s", cmd, opt, value, r.err);
	cr_expect_not_null(strstr(r.err, msg), "%s", r.err);
	cr_expect_eq(pdh_t_fake_calls(w.fake, NULL), 0);
	pdh_t_run_dispose(&r);
	pdh_t_world_teardown(&w);
}

void pdh_t_fleet_setup(pdh_t_fleet *w, size_t n, char *const fake_args[], const char *desired)
{
	size_t k = 0;

	memset(w, 0, sizeof(*w));
	w->n = n > PDH_T_FLEET_MAX ? PDH_T_FLEET_MAX : n;
	for (size_t i = 0; i < w->n; i++) {
		char *args[32], company[16];
		size_t a = 0;

		w->tokens[i] = pdh_xasprintf("tok-%zu", i);
		snprintf(company, sizeof(company), "%zu", 101 + i);
		args[a++] = "--token";
		args[a++] = w->tokens[i];
		args[a++] = "--company-id";
		args[a++] = company;
		for (size_t j = 0; fake_args && fake_args[j] && a < 31; j++)
			args[a++] = fake_args[j];
		args[a] = NULL;
		w->fakes[i] = pdh_t_fake_start(args);
		w->env[k++] = pdh_xasprintf("PDH_T_TOK_%zu=%s", i, w->tokens[i]);
	}
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_API_TOKEN=");
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_OAUTH_TOKEN=");
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_API_URL=");
	w->env[k++] = pdh_xstrdup("PIPEDRIVE_COMPANY_DOMAIN=");
	w->env[k] = NULL;
	w->dir = pdh_t_tmpdir();
	w->desired = pdh_xasprintf("%s/pdhooks.yaml", w->dir);
	w->fleet = pdh_xasprintf("%s/fleet.yaml", w->dir);
	pdh_t_write_file(w->desired, desired);
}

void pdh_t_fleet_teardown(pdh_t_fleet *w)
{
	char *cmd = w->dir ? pdh_xasprintf("rm -rf '%s'", w->dir) : NULL;

	if (cmd)
		cr_expect_eq(system(cmd), 0, "%s", cmd);
	free(cmd);
	for (size_t i = 0; i < w->n; i++) {
		pdh_t_fake_stop(w->fakes[i]);
		free(w->tokens[i]);
	}
	for (size_t i = 0; w->env[i]; i++)
		free(w->env[i]);
	free(w->dir);
	free(w->desired);
	free(w->fleet);
	memset(w, 0, sizeof(*w));
}

char *pdh_t_fleet_account(const pdh_t_fleet *w, const char *name, size_t company,
                          const char *extra)
{
	return pdh_t_fleet_account_token(w, name, company, company, extra);
}

char *pdh_t_fleet_account_token(const pdh_t_fleet *w, const char *name, size_t company,
                                size_t token, const char *extra)
{
	char *s = pdh_xasprintf("  - name: %s\n    api_url: %s\n    token_env: PDH_T_TOK_%zu\n",
	                        name, pdh_t_fake_url(w->fakes[company]), token);

	if (extra) {
		char *more = NULL;
		const char *p = extra;

		while (*p) {
			size_t n = strcspn(p, "\n");
			char *next = pdh_xasprintf("%s    %.*s\n", more ? more : "", (int)n, p);

			free(more);
			more = next;
			p += n;
			if (*p == '\n')
				p++;
		}
		if (more) {
			char *all = pdh_xasprintf("%s%s", s, more);
			free(s);
			free(more);
			s = all;
		}
	}
	return s;
}

void pdh_t_fleet_check_report(const char *report)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/report.json", dir);
	char *schemas = pdh_xasprintf("%s/schemas", getenv("PDH_SOURCE_DIR"));

	pdh_t_write_file(path, report);
	cr_expect_eq(pdh_t_python(NULL, "validate_fleet_report.py", NULL, schemas, path,
	                          (char *)NULL), 0, "schema (the errors above):\n%s", report);
	pdh_t_remove(path);
	pdh_t_remove(dir);
	free(schemas);
}

void pdh_t_fleet_summary(const char *out, const char *head, long long *calls,
                         long long *tokens)
{
	const char *at = strstr(out, head);
	char calls_word[16], tokens_word[16], end[4];
	int n = 0;

	cr_assert_not_null(at, "no summary line \"%s...\" in:\n%s", head, out);
	at += strlen(head);
	cr_assert(sscanf(at, "; %lld API %15[a-z], %lld %15[a-z]%3[).*]%n", calls, calls_word, tokens,
	                 tokens_word, end, &n) == 5 && n > 0, "the summary's figures: %s", at);
	cr_expect_str_eq(calls_word, *calls == 1 ? "call" : "calls", "%s", at);
	cr_expect_str_eq(tokens_word, *tokens == 1 ? "token" : "tokens", "%s", at);
	cr_expect(strncmp(end, ").", 2) == 0, "the summary line's end: %s", at);
}

void pdh_t_fleet_expect_summary(const char *out, const char *head, long long calls,
                                long long tokens)
{
	long long c, t;

	pdh_t_fleet_summary(out, head, &c, &t);
	if (calls >= 0)
		cr_expect_eq(c, calls, "API calls in the summary: %s", out);
	if (tokens >= 0)
		cr_expect_eq(t, tokens, "tokens in the summary: %s", out);
}

json_t *pdh_t_report_account(json_t *report, const char *name)
{
	json_t *accounts = json_object_get(report, "accounts");

	for (size_t i = 0; i < json_array_size(accounts); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(accounts, i), "name")),
		           name) == 0)
			return json_array_get(accounts, i);
	cr_assert_fail("no account %s", name);
	return NULL;
}

void pdh_t_fleet_write(pdh_t_fleet *w, char *accounts[])
{
	char *text = pdh_xstrdup("pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n");

	for (size_t i = 0; accounts[i]; i++) {
		char *next = pdh_xasprintf("%s%s", text, accounts[i]);
		free(text);
		free(accounts[i]);
		text = next;
	}
	pdh_t_write_file(w->fleet, text);
	free(text);
}

void pdh_t_fleet_shard_reports(const pdh_t_fleet *w, char *paths[2])
{
	pdh_t_run r;

	for (int s = 0; s < 2; s++) {
		char shard[8];

		snprintf(shard, sizeof(shard), "%d/2", s);
		pdh_t_pdhooks(&r, w->env, NULL, "plan", "--fleet", w->fleet, "--shard",
		              shard, "--format", "json", (char *)NULL);
		cr_assert_eq(r.status, 0, "%s", r.err);
		paths[s] = pdh_xasprintf("%s/shard-%d.json", w->dir, s);
		pdh_t_write_file(paths[s], r.out);
		pdh_t_run_dispose(&r);
	}
}

void pdh_t_world_apply(pdh_t_run *r, const pdh_t_world *w, int want, const char *opt,
                       const char *value)
{
	pdh_t_world_run(r, w, NULL, "apply", "-f", w->file, "--auto-approve", opt, value,
	                (char *)NULL);
	cr_expect_eq(r->status, want, "%s%s", r->out, r->err);
}

char *pdh_t_world_metrics(const pdh_t_world *w, const char *cmd, const char *path)
{
	pdh_t_run r;
	char *text;

	pdh_t_world_run(&r, w, NULL, cmd, "-f", w->file, "--metrics-file", path, (char *)NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	pdh_t_run_dispose(&r);
	text = pdh_t_read_file(path, NULL);
	cr_assert_not_null(text, "no metrics file %s", path);
	return text;
}

void pdh_t_world_check_apply_json(const pdh_t_world *w, const char *doc)
{
	char *path = pdh_t_world_path(w, "apply.json");
	char *schema = pdh_xasprintf("%s/schemas/apply.schema.json", getenv("PDH_SOURCE_DIR"));

	pdh_t_write_file(path, doc);
	cr_expect_eq(pdh_t_python(NULL, "validate_plan.py", NULL, schema, path, (char *)NULL), 0,
	             "%s is not valid against apply.schema.json (the errors above)", doc);
	free(schema);
	free(path);
}
