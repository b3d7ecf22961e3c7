/* How long pdhooks-fake takes to answer GET /webhooks with a large listing.
 *
 *   build/bench_fake_listing [PATH-TO-pdhooks-fake] [WEBHOOKS] [CALLS]
 *
 * Seeds the fake with WEBHOOKS (default 10000) webhooks through --state, then times CALLS
 * (default 50) listings over one keep-alive connection and prints min, median, p90 and max in
 * milliseconds, the body size, and the first call. Then CALLS rounds of "DELETE one webhook,
 * list": the listing right after a change, which the fake must rebuild, as min, median, p90
 * and max. Every answer is checked for its status, the first listing for its webhook count. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"
#include "bench.h"

static size_t S_collect(char *p, size_t size, size_t n, void *ud)
{
	return pdh_buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

/* A realistic listing: mixed objects and actions, a third with basic-auth credentials. */
static int S_write_state(const char *path, int n)
{
	static const char *const objects[] = { "deal", "person", "organization", "activity", "note" };
	static const char *const actions[] = { "create", "change", "delete", "*" };
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s{\"event_action\":\"%s\",\"event_object\":\"%s\","
		        "\"subscription_url\":\"https://hooks%d.example.com/pipedrive/%s?tenant=%d\","
		        "\"name\":\"hook %d\",\"owner_id\":%d,\"user_id\":%d",
		        i ? ",\n" : "", actions[i % 4], objects[i % 5], i % 97, objects[i % 5], i, i,
		        1 + i % 50, 1 + i % 50);
		if (i % 3 == 0)
			fprintf(f, ",\"http_auth_user\":\"pipedrive\",\"http_auth_password\":\"pw-%d\"", i);
		fputc('}', f);
	}
	fputs("]\n", f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : getenv("PDH_FAKE_BIN");
	int hooks = argc > 2 ? atoi(argv[2]) : 10000, calls = argc > 3 ? atoi(argv[3]) : 50;
	char dir[] = "/tmp/pdhooks-bench-XXXXXX", state[64], line[64] = "", url[128], delurl[128];
	double *ms = NULL, cold = 0;
	pdh_buf body = PDH_BUF_INIT;
	struct curl_slist *hdrs = NULL;
	CURL *h = NULL, *del = NULL;
	FILE *out = NULL;
	pid_t pid = -1;
	int fds[2], port = 0, rounds = 0, rc = 1;

	if (bin == NULL)
		bin = "./pdhooks-fake";
	if (hooks < 1 || calls < 1 || mkdtemp(dir) == NULL) {
		fprintf(stderr, "usage: bench_fake_listing [PATH-TO-pdhooks-fake] [WEBHOOKS] [CALLS]\n");
		return 2;
	}
	snprintf(state, sizeof(state), "%s/state.json", dir);
	if (S_write_state(state, hooks) != 0 || pipe(fds) != 0)
		goto done;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(bin, bin, "--port", "0", "--token", "bench-token", "--state", state, (char *)NULL);
		perror(bin);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	if (pid < 0 || out == NULL || fgets(line, sizeof(line), out) == NULL ||
	    sscanf(line, "port=%d", &port) != 1) {
		fprintf(stderr, "bench: %s did not start\n", bin);
		goto done;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/webhooks", port);
	h = curl_easy_init();
	hdrs = curl_slist_append(hdrs, "x-api-token: bench-token");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, S_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	ms = pdh_xcalloc((size_t)calls, sizeof(*ms));
	for (int i = -3; i < calls; i++) {   /* three warm-up calls */
		long status = 0;
		double t0;
		pdh_buf_reset(&body);
		t0 = pdh_bench_ms(CLOCK_MONOTONIC);
		if (curl_easy_perform(h) != CURLE_OK)
			goto done;
		if (i >= 0)
			ms[i] = pdh_bench_ms(CLOCK_MONOTONIC) - t0;
		else if (i == -3)
			cold = pdh_bench_ms(CLOCK_MONOTONIC) - t0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			fprintf(stderr, "bench: status %ld\n", status);
			goto done;
		}
		if (i == -3) {
			json_t *j = json_loadb(body.data, body.len, 0, NULL);
			size_t got = json_array_size(json_object_get(j, "data"));
			json_decref(j);
			if (got != (size_t)hooks) {
				fprintf(stderr, "bench: listing has %zu webhooks, not %d\n", got, hooks);
				goto done;
			}
		}
	}
	qsort(ms, (size_t)calls, sizeof(*ms), pdh_bench_cmp_double);
	printf("GET /webhooks, %d webhooks, %zu-byte body, %d calls: "
	       "min %.1f ms, median %.1f ms, p90 %.1f ms, max %.1f ms; first call %.1f ms\n",
	       hooks, body.len, calls, ms[0], ms[calls / 2], ms[calls * 9 / 10], ms[calls - 1], cold);
	/* After a change: each round deletes one webhook (untimed), then times the listing. */
	del = curl_easy_init();
	curl_easy_setopt(del, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(del, CURLOPT_CUSTOMREQUEST, "DELETE");
	curl_easy_setopt(del, CURLOPT_WRITEFUNCTION, S_collect);
	curl_easy_setopt(del, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(del, CURLOPT_TIMEOUT, 30L);
	for (int i = 0; i < calls && i < hooks; i++) {
		long status = 0;
		double t0;
		snprintf(delurl, sizeof(delurl), "http://127.0.0.1:%d/v1/webhooks/%d", port, i + 1);
		curl_easy_setopt(del, CURLOPT_URL, delurl);
		pdh_buf_reset(&body);
		if (curl_easy_perform(del) != CURLE_OK)
			goto done;
		curl_easy_getinfo(del, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			fprintf(stderr, "bench: DELETE status %ld\n", status);
			goto done;
		}
		pdh_buf_reset(&body);
		t0 = pdh_bench_ms(CLOCK_MONOTONIC);
		if (curl_easy_perform(h) != CURLE_OK)
			goto done;
		ms[i] = pdh_bench_ms(CLOCK_MONOTONIC) - t0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			fprintf(stderr, "bench: status %ld\n", status);
			goto done;
		}
		rounds = i + 1;
	}
	qsort(ms, (size_t)rounds, sizeof(*ms), pdh_bench_cmp_double);
	printf("GET /webhooks right after a DELETE, %d rounds: "
	       "min %.1f ms, median %.1f ms, p90 %.1f ms, max %.1f ms\n",
	       rounds, ms[0], ms[rounds / 2], ms[rounds * 9 / 10], ms[rounds - 1]);
	rc = 0;
done:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	if (out)
		fclose(out);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	curl_easy_cleanup(del);
	pdh_buf_dispose(&body);
	free(ms);
	unlink(state);
	rmdir(dir);
	return rc;
}
