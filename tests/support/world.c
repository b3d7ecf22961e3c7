#include "world.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

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

void pdh_t_world_teardown(pdh_t_world *w)
{
	char *cmd = w->dir ? pdh_xasprintf("rm -rf '%s'", w->dir) : NULL;

	pdh_t_fake_stop(w->fake);
	if (cmd)
		cr_expect_eq(system(cmd), 0, "%s", cmd);
	free(cmd);
	free(w->dir);
	free(w->file);
	free(w->planfile);
	free(w->env_token);
	free(w->env_url);
	memset(w, 0, sizeof(*w));
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

void pdh_t_world_run(pdh_t_run *r, const pdh_t_world *w, char *const extra_env[], ...)
{
	char *env[2 * PDH_T_WORLD_ENV];
	va_list ap;

	S_env(env, sizeof(env) / sizeof(env[0]), w->env, extra_env);
	va_start(ap, extra_env);
	S_runv(r, w, env, NULL, ap);
	va_end(ap);
}

void pdh_t_world_run_in(pdh_t_run *r, const pdh_t_world *w, char *const extra_env[],
                        const char *in, ...)
{
	char *env[2 * PDH_T_WORLD_ENV];
	va_list ap;

	S_env(env, sizeof(env) / sizeof(env[0]), w->env, extra_env);
	va_start(ap, in);
	S_runv(r, w, env, in, ap);
	va_end(ap);
}

void pdh_t_world_run_env(pdh_t_run *r, const pdh_t_world *w, char *const only[], ...)
{
	static char *const unset[] = { "PIPEDRIVE_API_TOKEN=", "PIPEDRIVE_OAUTH_TOKEN=",
		                       "PIPEDRIVE_API_URL=", "PIPEDRIVE_COMPANY_DOMAIN=", NULL };
	char *env[2 * PDH_T_WORLD_ENV];
	va_list ap;

	S_env(env, sizeof(env) / sizeof(env[0]), unset, only);
	va_start(ap, only);
	S_runv(r, w, env, NULL, ap);
	va_end(ap);
}

void pdh_t_world_child_env(const pdh_t_world *w)
{
	for (size_t i = 0; w->env[i]; i++) {
		const char *eq = strchr(w->env[i], '=');
		char *name;

		if (eq == NULL)
			continue;
		name = pdh_xstrndup(w->env[i], (size_t)(eq - w->env[i]));
		if (eq[1])
			setenv(name, eq + 1, 1);
		else
			unsetenv(name);
		free(name);
	}
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
