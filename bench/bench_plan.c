/* CPU time of pdh_plan_compute on a large company: N desired webhooks against N live ones
 * (half unchanged, a quarter changed, a quarter missing, plus as many extra owned webhooks
 * as missing ones), spread over 100 hosts.
 *
 *   build/bench_plan [N] [RUNS]      defaults: 10000 desired, 9 runs
 *
 * Prints the best and median CPU time (CLOCK_PROCESS_CPUTIME_ID) of the runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "bench.h"

#define S_HOSTS 100

static const char *const S_actions[] = { "create", "change", "delete", "*" };
static const char *const S_objects[] = { "deal", "person", "organization", "note", "activity" };

/* Freed with pdh_desired_free, as a loaded set is. */
static pdh_desired *S_build_desired(size_t n)
{
	pdh_desired *d = pdh_xcalloc(1, sizeof(*d));

	d->prune = true;
	d->max_deletes = 10;
	d->webhooks = pdh_xcalloc(n, sizeof(*d->webhooks));
	d->n_webhooks = n;
	for (size_t i = 0; i < n; i++) {
		pdh_desired_webhook *w = &d->webhooks[i];
		w->event_action = pdh_xstrdup(S_actions[i % 4]);
		w->event_object = pdh_xstrdup(S_objects[i % 5]);
		w->subscription_url = pdh_xasprintf("https://hooks%zu.example.com/pipedrive/%zu",
		                                    i % S_HOSTS, i);
		w->name = pdh_xasprintf("hook-%zu", i);
		w->version = pdh_xstrdup("2.0");
		w->has_user_id = true;
		w->user_id = 1000 + (long long)(i % 7);
		w->line = (int)i + 1;
	}
	d->manage_urls = pdh_xcalloc(S_HOSTS, sizeof(char *));
	d->n_manage_urls = S_HOSTS;
	for (size_t h = 0; h < S_HOSTS; h++)
		d->manage_urls[h] = pdh_xasprintf("https://hooks%zu.example.com/", h);
	return d;
}

/* The GET /webhooks body, shuffled so the planner's sort does real work. */
static char *S_build_listing(size_t n)
{
	pdh_buf b = PDH_BUF_INIT;
	size_t present = n - n / 4, total = present + n / 4;
	size_t *order = pdh_xcalloc(total, sizeof(*order));
	unsigned long long rng = 88172645463325252ULL;

	for (size_t i = 0; i < total; i++)
		order[i] = i;
	for (size_t i = total - 1; i > 0; i--) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		size_t j = (size_t)(rng % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	pdh_buf_puts(&b, "{\"success\":true,\"data\":[");
	for (size_t k = 0; k < total; k++) {
		size_t i = order[k];
		bool extra = i >= present;
		size_t src = extra ? n + i : i; /* extra webhooks have URLs nobody declares */
		pdh_buf_printf(&b,
			"%s{\"id\":%zu,\"event_action\":\"%s\",\"event_object\":\"%s\","
			"\"subscription_url\":\"https://HOOKS%zu.example.com:443/pipedrive/%zu\","
			"\"version\":\"2.0\",\"type\":\"general\",\"is_active\":1,\"user_id\":%lld,"
			"\"name\":\"hook-%zu%s\",\"http_auth_user\":null,\"http_auth_password\":null}",
			k ? "," : "", 100000 + k, S_actions[src % 4], S_objects[src % 5], src % S_HOSTS,
			src, 1000 + (long long)(src % 7), src, i >= n / 2 && !extra ? "-old" : "");
	}
	pdh_buf_puts(&b, "]}");
	free(order);
	return pdh_buf_detach(&b);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	int runs = argc > 2 ? atoi(argv[2]) : 9;
	pdh_desired *d = NULL;
	pdh_live *live = NULL;
	pdh_error err = { 0 };
	double *ms;
	char *body;
	int rc = 1;

	if (n < 4 || runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_plan [N>=4] [RUNS 1..1000]\n");
		return 2;
	}
	ms = pdh_xcalloc((size_t)runs, sizeof(*ms));
	d = S_build_desired(n);
	body = S_build_listing(n);
	if (pdh_live_parse_listing(&live, body, strlen(body), &err) != 0) {
		fprintf(stderr, "bench_plan: %s\n", err.message);
		goto done;
	}
	for (int r = 0; r < runs; r++) {
		pdh_plan *p = NULL;
		double t0 = pdh_bench_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (pdh_plan_compute(&p, d, live, NULL, &err) != 0) {
			fprintf(stderr, "bench_plan: %s\n", err.message);
			goto done;
		}
		ms[r] = pdh_bench_ms(CLOCK_PROCESS_CPUTIME_ID) - t0;
		if (r == 0)
			printf("plan: %zu create, %zu replace, %zu delete, %zu unchanged, %zu foreign\n",
			       p->n_create, p->n_replace, p->n_delete, p->n_unchanged, p->n_foreign);
		pdh_plan_free(p);
	}
	qsort(ms, (size_t)runs, sizeof(*ms), pdh_bench_cmp_double);
	printf("pdh_plan_compute, %zu desired x %zu live, %d runs: best %.2f ms, median %.2f ms CPU\n",
	       n, live->n, runs, ms[0], ms[runs / 2]);
	rc = 0;
done:
	pdh_live_free(live);
	free(body);
	free(ms);
	pdh_desired_free(d);
	return rc;
}
