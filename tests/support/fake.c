#define _GNU_SOURCE
#include "fake.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/clock.h"
#include "testutil.h"

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 20000

struct pdh_t_fake {
	pid_t pid;
	int port;
	char *base;
	char *url;
	const char *token;   /* borrowed from the start arguments, or the default */
	char *cacert;        /* TLS with the test server certificate: the test CA */
	bool insecure;       /* TLS with a deliberately bad certificate: the harness's own
	                        control calls do not check it */
};

char *pdh_t_tls_path(const char *name)
{
	const char *dir = getenv("PDH_TESTDATA");

	cr_assert_not_null(dir, "PDH_TESTDATA is not set (run the suite through ctest)");
	return pdh_xasprintf("%s/tls/%s", dir, name);
}

static void S_call(pdh_t_http *r, const char *method, const char *url,
                   const char *const headers[], const char *body, long len, long timeout_ms,
                   const pdh_t_fake *tls);

/* The value of --tls-cert among extra, or NULL. */
static const char *S_tls_cert(char *const extra[])
{
	for (size_t i = 0; extra && extra[i]; i++)
		if (strcmp(extra[i], "--tls-cert") == 0 && extra[i + 1])
			return extra[i + 1];
	return NULL;
}

static const char *S_prefix(char *const extra[])
{
	const char *prefix = "/v1";

	for (size_t i = 0; extra && extra[i]; i++) {
		if (strcmp(extra[i], "--prefix") == 0 && extra[i + 1])
			prefix = extra[i + 1];
		else if (strncmp(extra[i], "--prefix=", 9) == 0)
			prefix = extra[i] + 9;
	}
	return prefix;
}

/* The token the fake takes: the last --token among extra, else "test-token". */
static const char *S_token(char *const extra[])
{
	const char *token = "test-token";

	for (size_t i = 0; extra && extra[i]; i++)
		if (strcmp(extra[i], "--token") == 0 && extra[i + 1])
			token = extra[i + 1];
	return token;
}

/* Reads the child's stdout up to the first newline, within the start timeout. */
static void S_read_line(int fd, char *line, size_t n)
{
	size_t len = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	int waited = 0;

	line[0] = '\0';
	while (len + 1 < n && waited < START_TIMEOUT_MS) {
		int r = poll(&p, 1, 100);
		ssize_t got;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			waited += 100;
			continue;
		}
		got = read(fd, line + len, 1);
		if (got <= 0)
			break;
		if (line[len] == '\n')
			break;
		line[++len] = '\0';
	}
	line[len] = '\0';
}

/* This test process's apply-lock directory (see S_private_lock_dir). */
static char *S_lock_dir;

static void S_remove_lock_dir(void)
{
	DIR *d = opendir(S_lock_dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			char *path = pdh_xasprintf("%s/%s", S_lock_dir, e->d_name);

			unlink(path);
			free(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(S_lock_dir);
	free(S_lock_dir);
	S_lock_dir = NULL;
}

/* The apply lock is keyed by the token alone, and every fake takes test-token (or tok-N):
 * the pdhooks of this test process (each test is one) and the fleet runs made in it take
 * their locks in a directory of its own, never in one shared with the tests running beside
 * it. A test that sets XDG_RUNTIME_DIR for a run still picks its own. */
static void S_private_lock_dir(void)
{
	if (S_lock_dir != NULL)
		return;
	S_lock_dir = pdh_t_tmpdir();
	cr_assert_eq(setenv("XDG_RUNTIME_DIR", S_lock_dir, 1), 0);
	atexit(S_remove_lock_dir);
}

pdh_t_fake *pdh_t_fake_start(char *const extra_args[])
{
	const char *bin = getenv("PDH_FAKE_BIN");
	char *argv[64];
	char line[64];
	size_t n = 0;
	int out[2];
	pdh_t_fake *f;
	pid_t pid;

	cr_assert_not_null(bin, "PDH_FAKE_BIN is not set (run the suite through ctest)");
	S_private_lock_dir();
	argv[n++] = (char *)bin;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--token";
	argv[n++] = "test-token";
	for (size_t i = 0; extra_args && extra_args[i]; i++) {
		cr_assert_lt(n, 63, "too many arguments for pdhooks-fake (use --companies or a state "
		             "file for many companies)");
		argv[n++] = extra_args[i];
	}
	argv[n] = NULL;
	cr_assert_eq(pipe(out), 0);
	pid = fork();
	cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* A test that aborts must not leave its fake running. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(out[1], 1);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	S_read_line(out[0], line, sizeof(line));
	close(out[0]);
	f = pdh_xcalloc(1, sizeof(*f));
	f->pid = pid;
	if (sscanf(line, "port=%d", &f->port) != 1 || f->port <= 0 || f->port > 65535) {
		pdh_t_fake_stop(f);
		cr_assert_fail("pdhooks-fake did not start (first line: '%s')", line);
	}
	if (S_tls_cert(extra_args)) {
		char *good = pdh_t_tls_path("server.pem");

		if (strcmp(S_tls_cert(extra_args), good) == 0)
			f->cacert = pdh_t_tls_path("ca.pem");
		else
			f->insecure = true;
		free(good);
	}
	f->base = pdh_xasprintf("%s://127.0.0.1:%d", S_tls_cert(extra_args) ? "https" : "http",
	                        f->port);
	f->url = pdh_xasprintf("%s%s", f->base, S_prefix(extra_args));
	f->token = S_token(extra_args);
	return f;
}

const char *pdh_t_fake_url(const pdh_t_fake *f)
{
	return f->url;
}

const char *pdh_t_fake_token(const pdh_t_fake *f)
{
	return f->token;
}

const char *pdh_t_fake_cacert(const pdh_t_fake *f)
{
	return f->cacert;
}

const char *pdh_t_fake_base(const pdh_t_fake *f)
{
	return f->base;
}

int pdh_t_fake_port(const pdh_t_fake *f)
{
	return f->port;
}

int pdh_t_fake_pid(const pdh_t_fake *f)
{
	return (int)f->pid;
}

long pdh_t_fake_control(pdh_t_fake *f, const char *method, const char *path, const char *json,
                        char **out)
{
	const char *hdrs[] = { "Content-Type: application/json", NULL };
	char *url = pdh_xasprintf("%s%s", f->base, path);
	pdh_t_http r;
	long status;

	S_call(&r, method, url, hdrs, json, -1, 30000, f);
	cr_assert_eq(r.curl_code, 0, "control call %s %s: %s", method, path,
	             curl_easy_strerror((CURLcode)r.curl_code));
	status = r.status;
	pdh_t_hand_over(out, &r.body);
	pdh_t_http_dispose(&r);
	free(url);
	return status;
}

int pdh_t_fake_calls(pdh_t_fake *f, const char *method)
{
	char *body = NULL;
	json_t *j;
	int n = 0;

	cr_assert_eq(pdh_t_fake_control(f, "GET", "/_fake/calls", NULL, &body), 200);
	j = json_loads(body, 0, NULL);
	cr_assert_not_null(j, "GET /_fake/calls: not JSON: %s", body);
	if (method) {
		n = (int)json_integer_value(json_object_get(j, method));
	} else {
		const char *all[] = { "GET", "POST", "DELETE", "OTHER" };
		for (size_t i = 0; i < 4; i++)
			n += (int)json_integer_value(json_object_get(j, all[i]));
	}
	json_decref(j);
	free(body);
	return n;
}

void pdh_t_fake_set_state(pdh_t_fake *f, const char *json_array)
{
	char *body = NULL;
	long st = pdh_t_fake_control(f, "PUT", "/_fake/state", json_array, &body);
	cr_assert_eq(st, 200, "PUT /_fake/state: %ld %s", st, body);
	free(body);
}

char *pdh_t_fake_state(pdh_t_fake *f)
{
	char *body = NULL;
	cr_assert_eq(pdh_t_fake_control(f, "GET", "/_fake/state", NULL, &body), 200);
	return body;
}

int pdh_t_fake_stop_status(pdh_t_fake *f)
{
	int status = 0, waited = 0;
	pid_t got = 0;

	if (f == NULL)
		return 0;
	kill(f->pid, SIGTERM);
	while ((got = waitpid(f->pid, &status, WNOHANG)) == 0 && waited < STOP_TIMEOUT_MS) {
		pdh_nap_ms(10);
		waited += 10;
	}
	if (got == 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &status, 0);
	}
	free(f->base);
	free(f->url);
	free(f->cacert);
	free(f);
	if (got < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void pdh_t_fake_stop(pdh_t_fake *f)
{
	(void)pdh_t_fake_stop_status(f);
}

void pdh_t_fake_api(pdh_t_http *r, pdh_t_fake *f, const char *auth, const char *method,
                    const char *path, const char *body)
{
	const char *hdrs[] = { auth ? auth : "X-No-Auth: 1", "Content-Type: application/json",
		NULL };
	char *url = pdh_xasprintf("%s%s", f->url, path);

	S_call(r, method, url, hdrs, body, -1, 30000, f);
	cr_assert_eq(r->curl_code, 0, "%s %s: curl error %d", method, path, r->curl_code);
	free(url);
}

/* ---- plain HTTP ---- */

static size_t S_collect(char *p, size_t size, size_t n, void *ud)
{
	pdh_buf *b = ud;
	if (pdh_buf_append(b, p, size * n) != 0)
		return 0;
	return size * n;
}

void pdh_t_http_call(pdh_t_http *r, const char *method, const char *url,
                     const char *const headers[], const char *body, long len)
{
	pdh_t_http_call_timeout(r, method, url, headers, body, len, 30000);
}

void pdh_t_http_call_timeout(pdh_t_http *r, const char *method, const char *url,
                             const char *const headers[], const char *body, long len,
                             long timeout_ms)
{
	S_call(r, method, url, headers, body, len, timeout_ms, NULL);
}

/* One exchange; to a fake that serves TLS (tls not NULL) as its certificate asks. */
static void S_call(pdh_t_http *r, const char *method, const char *url,
                   const char *const headers[], const char *body, long len, long timeout_ms,
                   const pdh_t_fake *tls)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hl = NULL;
	pdh_buf b = PDH_BUF_INIT, hb = PDH_BUF_INIT;

	cr_assert_not_null(h);
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	/* curl adds "Expect: 100-continue" to big bodies; the fake answers without it. */
	hl = curl_slist_append(hl, "Expect:");
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, S_collect), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_WRITEDATA, &b), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, S_collect), CURLE_OK);
	cr_assert_eq(curl_easy_setopt(h, CURLOPT_HEADERDATA, &hb), CURLE_OK);
	if (strcmp(method, "HEAD") == 0)
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_NOBODY, 1L), CURLE_OK);
	if (tls && tls->cacert)
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_CAINFO, tls->cacert), CURLE_OK);
	if (tls && tls->insecure) {
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L), CURLE_OK);
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L), CURLE_OK);
	}
	if (body) {
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                              (curl_off_t)(len < 0 ? (long)strlen(body) : len)), CURLE_OK);
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_POSTFIELDS, body), CURLE_OK);
		cr_assert_eq(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method), CURLE_OK);
	}
	r->curl_code = (int)curl_easy_perform(h);
	r->status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	pdh_buf_puts(&b, "");
	pdh_buf_puts(&hb, "");
	r->body = pdh_buf_detach(&b);
	r->headers = pdh_buf_detach(&hb);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
}

char *pdh_t_http_header(const pdh_t_http *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = r->headers; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			len -= (size_t)(v - line);
			while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == ' '))
				len--;
			return pdh_xstrndup(v, len);
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

void pdh_t_http_dispose(pdh_t_http *r)
{
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
}

json_t *pdh_t_fake_api_json(pdh_t_fake *f, const char *auth, const char *method,
                            const char *path, const char *body, long want)
{
	pdh_t_http r;
	json_t *j;

	pdh_t_fake_api(&r, f, auth, method, path, body);
	cr_assert_eq(r.status, want, "%s %s as %s: %ld %s", method, path, auth, r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", r.body);
	pdh_t_http_dispose(&r);
	return j;
}

char *pdh_t_fake_list_ids(pdh_t_fake *f, const char *auth, bool with_company)
{
	json_t *j = pdh_t_fake_api_json(f, auth, "GET", "/webhooks", NULL, 200), *h;
	char *out = pdh_xstrdup("");
	size_t i;

	json_array_foreach(json_object_get(j, "data"), i, h) {
		long long id = json_integer_value(json_object_get(h, "id"));
		char *n = with_company
		          ? pdh_xasprintf("%s%lld@%lld,", out, id,
		                          json_integer_value(json_object_get(h, "company_id")))
		          : pdh_xasprintf("%s%lld,", out, id);

		cr_expect_null(json_object_get(h, "_app"), "the fake's own field is never served");
		free(out);
		out = n;
	}
	json_decref(j);
	return out;
}

void pdh_t_fake_expect_bad_args(const char *bad[][4], size_t n, const char *in_err)
{
	for (size_t i = 0; i < n; i++) {
		char *argv[] = { getenv("PDH_FAKE_BIN"), (char *)bad[i][0], (char *)bad[i][1],
			(char *)bad[i][2], (char *)bad[i][3], NULL };
		pdh_t_run r;

		pdh_t_run_argv(&r, argv, NULL, NULL);
		cr_expect_eq(r.status, 2, "%s %s: status %d (%s)", bad[i][0], bad[i][1], r.status, r.err);
		cr_expect_str_eq(r.out, "");
		cr_expect_neq(strlen(r.err), 0);
		if (in_err)
			cr_expect_not_null(strstr(r.err, in_err), "%s", r.err);
		pdh_t_run_dispose(&r);
	}
}

long pdh_t_http_header_num(const pdh_t_http *r, const char *name)
{
	char *v = pdh_t_http_header(r, name);
	long n;

	cr_assert_not_null(v, "no %s header in:\n%s", name, r->headers);
	n = atol(v);
	free(v);
	return n;
}
