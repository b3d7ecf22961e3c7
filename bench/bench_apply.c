/* How much parallel calls buy: `pdhooks apply --auto-approve` of N creates against
 * pdhooks-fake with a per-call latency, at several --parallelism values.
 *
 *   build/bench_apply [--pdhooks PATH] [--fake PATH] [--creates N] [--latency-ms MS]
 *                     [--runs R] [PARALLELISM...]
 *
 * Defaults: the pdhooks and pdhooks-fake next to this program, 40 creates (the per-user
 * webhook limit), 50 ms latency, 3 runs each (the median is reported), parallelism 1 4 8.
 * Each run starts from an empty account; the time covers the whole command: the listing, the
 * creates and the verification listing. */
#define _GNU_SOURCE /* mkdtemp */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define PDH_BENCH_SPAWN
#include "bench.h"

#define S_MAX_RUNS 15

/* Seconds on the monotonic clock. */
static double S_now(void)
{
	return pdh_bench_ms(CLOCK_MONOTONIC) / 1e3;
}

/* Starts the fake; its "port=N" line comes on stdout. */
static pid_t S_start_fake(const char *fake, long latency, int *port)
{
	char lat[32];
	char *argv[] = { (char *)fake, "--port", "0", "--latency-ms", lat, NULL };

	snprintf(lat, sizeof(lat), "%ld", latency);
	return pdh_bench_start_fake(argv, "bench_apply", port);
}

static int S_control(int port, const char *method, const char *path, const char *body)
{
	char url[256];
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	FILE *sink = fopen("/dev/null", "w");
	long status = 0;
	int rc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (sink)
		fclose(sink);
	return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -1;
}

/* One `pdhooks apply` run; its wall time in seconds, or a negative number on failure. */
static double S_apply(const char *pdhooks, const char *file, int port, int parallelism)
{
	char url[128], par[16], env_url[160];
	char *argv[] = { (char *)pdhooks, "apply", "--auto-approve", "-q", "--parallelism", par,
	                 "-f", (char *)file, NULL };
	char *envp[] = { "PIPEDRIVE_API_TOKEN=test-token", env_url, "NO_COLOR=1", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;
	double t0, t1;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	snprintf(env_url, sizeof(env_url), "PIPEDRIVE_API_URL=%s", url);
	snprintf(par, sizeof(par), "%d", parallelism);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	t0 = S_now();
	if (posix_spawn(&pid, pdhooks, &fa, NULL, argv, envp) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	t1 = S_now();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_apply: pdhooks apply --parallelism %d failed (status %d)\n",
		        parallelism, status);
		return -1;
	}
	return t1 - t0;
}

int main(int argc, char **argv)
{
	char *pdhooks = pdh_bench_sibling(argv[0], "pdhooks");
	char *fake = pdh_bench_sibling(argv[0], "pdhooks-fake");
	int par[16], n_par, creates = 40, runs = 3, port = 0, rc = 1;
	long latency = 50;
	char dir[] = "/tmp/pdhooks-bench-XXXXXX", file[64];
	double seq = 0;
	pid_t fpid;
	const pdh_bench_opt opts[] = { { "--creates", &creates, NULL },
		                       { "--latency-ms", NULL, &latency },
		                       { "--runs", &runs, NULL }, { NULL, NULL, NULL } };
	static const int dflt[] = { 1, 4, 8, 0 };

	if (pdh_bench_args(argc, argv, &pdhooks, &fake, opts, par, &n_par, 16, dflt) != 0) {
		fprintf(stderr, "usage: bench_apply [--pdhooks PATH] [--fake PATH] [--creates N] "
		                "[--latency-ms MS] [--runs R] [PARALLELISM...]\n");
		return 2;
	}
	if (creates < 1 || creates > 40 || runs < 1 || runs > S_MAX_RUNS) {
		fprintf(stderr, "bench_apply: --creates 1..40 (one user's limit), --runs 1..%d\n",
		        S_MAX_RUNS);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(dir) == NULL) {
		perror("bench_apply: mkdtemp");
		return 1;
	}
	snprintf(file, sizeof(file), "%s/pdhooks.yaml", dir);
	if (pdh_bench_write_desired(file, creates, "bench") != 0) {
		perror("bench_apply: desired file");
		return 1;
	}
	fpid = S_start_fake(fake, latency, &port);
	if (fpid < 0)
		return 1;
	printf("pdhooks apply: %d creates, %ld ms latency per call, median of %d runs\n", creates,
	       latency, runs);
	printf("%-12s %10s %10s\n", "parallelism", "seconds", "vs first");
	for (int p = 0; p < n_par; p++) {
		double t[S_MAX_RUNS], med;

		for (int r = 0; r < runs; r++) {
			if (S_control(port, "PUT", "/_fake/state", "[]") != 0) {
				fprintf(stderr, "bench_apply: cannot reset the fake\n");
				goto done;
			}
			t[r] = S_apply(pdhooks, file, port, par[p]);
			if (t[r] < 0)
				goto done;
		}
		qsort(t, (size_t)runs, sizeof(t[0]), pdh_bench_cmp_double);
		med = t[runs / 2];
		if (p == 0)
			seq = med;
		printf("%-12d %10.3f %9.2fx\n", par[p], med, seq / med);
	}
	rc = 0;
done:
	kill(fpid, SIGTERM);
	waitpid(fpid, NULL, 0);
	unlink(file);
	rmdir(dir);
	free(pdhooks);
	free(fake);
	curl_global_cleanup();
	return rc;
}
