/* Loading a large desired-state file: generates N webhooks (default 10,000) across a few
 * hosts, with defaults, names, interpolated passwords and derived names, then times
 * pdh_desired_load_buffer over several runs.
 *   build/bench_load [N] [RUNS]        prints size, best and median time, peak RSS
 *   build/bench_load --write FILE [N]  writes the generated file instead (to try the CLI) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/desired.h"
#include "bench.h"

static const char *S_getenv(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "PD_HOOK_PASSWORD") == 0 ? "bench-secret" : NULL;
}

static void S_generate(pdh_buf *b, long n)
{
	static const char *const actions[] = { "create", "change", "delete", "\"*\"" };
	static const char *const objects[] = { "activity", "deal", "lead", "note", "organization",
		"person", "pipeline", "product", "stage", "user" };

	pdh_buf_puts(b, "# yaml-language-server: $schema=../schemas/pdhooks.schema.json\n"
	                "pdhooks: 1\n"
	                "defaults:\n  version: \"2.0\"\n  user_id: 12345\n  http_auth_user: pipedrive\n"
	                "  http_auth_password: ${PD_HOOK_PASSWORD}\n"
	                "manage:\n  prune: true\n  max_deletes: 25\n"
	                "webhooks:\n");
	for (long i = 0; i < n; i++) {
		if (i % 3 == 0)
			pdh_buf_printf(b, "  - name: hook-%ld\n", i);
		else
			pdh_buf_puts(b, "  -");
		pdh_buf_printf(b, "%s event_action: %s\n    event_object: %s\n"
		                  "    subscription_url: https://hooks%ld.example.com/pipedrive/%ld\n",
		               i % 3 == 0 ? "   " : "", actions[i % 4], objects[i % 10], i % 7, i);
		if (i % 5 == 0)
			pdh_buf_puts(b, "    user_id: 777\n");
	}
}

/* Seconds on the monotonic clock. */
static double S_now(void)
{
	return pdh_bench_ms(CLOCK_MONOTONIC) / 1e3;
}

int main(int argc, char **argv)
{
	pdh_buf b = PDH_BUF_INIT;
	pdh_load_opts opts = { .getenv = S_getenv };
	long n = 10000;
	int runs = 7, rc = 0;
	double *t;
	struct rusage ru;

	if (argc >= 3 && strcmp(argv[1], "--write") == 0) {
		FILE *f = fopen(argv[2], "w");
		if (argc >= 4)
			n = atol(argv[3]);
		S_generate(&b, n);
		if (f == NULL || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0) {
			fprintf(stderr, "bench_load: cannot write %s\n", argv[2]);
			return 1;
		}
		pdh_buf_dispose(&b);
		return 0;
	}
	if (argc >= 2)
		n = atol(argv[1]);
	if (argc >= 3)
		runs = atoi(argv[2]);
	if (n < 0 || runs < 1) {
		fprintf(stderr, "usage: bench_load [N] [RUNS] | bench_load --write FILE [N]\n");
		return 1;
	}
	S_generate(&b, n);
	t = pdh_xcalloc((size_t)runs, sizeof(*t));
	for (int r = 0; r < runs; r++) {
		pdh_desired *d = NULL;
		pdh_diags diags;
		pdh_error err;
		double t0;

		pdh_diags_init(&diags, "bench.yaml");
		t0 = S_now();
		if (pdh_desired_load_buffer(&d, "bench.yaml", b.data, b.len, &opts, &diags, &err) != 0 ||
		    d->n_webhooks != (size_t)n) {
			char *text = pdh_diags_render(&diags, NULL, 0, true, false);
			fprintf(stderr, "bench_load: the generated file does not load:\n%s", text);
			free(text);
			rc = 1;
		}
		t[r] = S_now() - t0;
		pdh_desired_free(d);
		pdh_diags_dispose(&diags);
		if (rc)
			break;
	}
	if (rc == 0) {
		qsort(t, (size_t)runs, sizeof(*t), pdh_bench_cmp_double);
		getrusage(RUSAGE_SELF, &ru);
		printf("bench_load: %ld webhooks, %zu bytes, %d runs: best %.1f ms, median %.1f ms, "
		       "peak RSS %ld MiB\n", n, b.len, runs, t[0] * 1e3, t[runs / 2] * 1e3,
		       ru.ru_maxrss / 1024);
	}
	free(t);
	pdh_buf_dispose(&b);
	return rc;
}
