/* Fleet mode at scale: `pdhooks plan --fleet` and `pdhooks apply --fleet` over many companies
 * of one pdhooks-fake, each company with its own token, webhooks and per-call latency.
 *
 *   build/bench_fleet [--pdhooks PATH] [--fake PATH] [--webhooks W] [--latency-ms MS]
 *                     [--concurrency C] [--tls] [--plan-only] [COMPANIES...]
 *
 * Defaults: the pdhooks and pdhooks-fake next to this program, 10 webhooks per company, 50 ms
 * latency, --concurrency 32, 100 and 1,000 companies. For each count:
 *   - plan (text, then --format json) of a fleet in sync: one listing per company, so the
 *     latency bound is COMPANIES x latency / concurrency; the wall time against that bound,
 *     the CPU seconds (user + system) and the peak RSS of pdhooks (wait4's rusage);
 *   - apply --auto-approve of a fleet where each company lacks one of its webhooks: a listing,
 *     one create and the verifying listing per company (bound 3 x COMPANIES x latency /
 *     concurrency).
 * The peak RSS at 100 and at 1,000 companies shows whether memory grows with the accounts
 * already done. Accounts read their token with token_env (one variable per account) and fill
 * the desired file's ${TENANT} from vars.
 *
 * --tls: each count is run twice, over plain HTTP and over HTTPS as production has it: the
 * fake serves testdata/tls/server.pem and pdhooks gets --cacert with a CA bundle of system
 * size (/etc/ssl/certs/ca-certificates.crt and the test CA in one file), so every CA store
 * load costs what it costs in production. The "conns" column is the connections the fake
 * accepted during the run; the last line compares the CPU of the in-sync plan over TLS with
 * the same plan over HTTP.
 *
 * --plan-only: only the in-sync plan of each count (text), to time the fleet's per-account
 * CPU again and again without the apply's minutes. */
#define _GNU_SOURCE /* mkdtemp, wait4 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#define PDH_BENCH_SPAWN
#include "bench.h"

#define S_MAX_COUNTS 8

#define S_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

typedef struct S_cfg {
	const char *pdhooks, *fake, *dir;
	int webhooks, concurrency;
	long latency;
	bool tls;                /* this pass over HTTPS */
	bool plan_only;          /* --plan-only: the in-sync text plan alone */
	char *bundle;            /* --tls: the system CA bundle and the test CA */
	int port;                /* the fake of this pass */
	double plan_cpu[2];      /* the in-sync plan's CPU seconds, over HTTP and HTTPS */
} S_cfg;

/* Seconds on the monotonic clock. */
static double S_now(void)
{
	return pdh_bench_ms(CLOCK_MONOTONIC) / 1e3;
}

static char *S_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		abort();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The fake's seed: companies 1001 .. 1000+n, token tok-I, each with `have` of the desired
 * webhooks (ids unique across companies). */
static int S_write_seed(const char *path, int n, int webhooks, int have)
{
	FILE *f = fopen(path, "w");
	long id = 1;

	if (f == NULL)
		return -1;
	fputs("{\"companies\": [\n", f);
	for (int c = 0; c < n; c++) {
		fprintf(f, "%s{\"id\": %d, \"token\": \"tok-%d\", \"webhooks\": [", c ? ",\n" : "",
		        1001 + c, c);
		for (int w = 0; w < have; w++)
			fprintf(f, "%s{\"id\": %ld, \"name\": \"bench-%d\", \"event_action\": \"create\", "
			           "\"event_object\": \"deal\", \"subscription_url\": "
			           "\"https://hooks.example.com/c%d/%d\", \"version\": \"2.0\"}",
			        w ? ", " : "", id++, w, c, w);
		fputs("]}", f);
	}
	fputs("\n]}\n", f);
	(void)webhooks;
	return fclose(f);
}

/* Account company-C of the fleet file: company 1001+C of the fake on *port, its token in
 * PDH_BENCH_TOK_C. */
static void S_fleet_entry(FILE *f, int c, const void *arg)
{
	const S_cfg *cfg = arg;

	fprintf(f, "  - name: company-%d\n    api_url: %s://127.0.0.1:%d/v1\n"
	           "    token_env: PDH_BENCH_TOK_%d\n    vars: { TENANT: c%d }\n", c,
	        cfg->tls ? "https" : "http", cfg->port, c, c);
}

static int S_write_fleet(const char *path, int n, const S_cfg *cfg)
{
	return pdh_bench_write_list(path, "pdhooks_fleet: 1\ndesired: pdhooks.yaml\naccounts:\n", n,
	                            S_fleet_entry, cfg);
}

/* dir/ca-bundle.pem: the system's CA bundle, then the test CA. */
static char *S_write_bundle(const char *dir)
{
	const char *parts[] = { S_SYSTEM_CA, PDH_BENCH_TESTDATA "/tls/ca.pem" };
	char *path = S_path(dir, "ca-bundle.pem"), buf[65536];
	FILE *out = fopen(path, "w");

	for (size_t i = 0; out && i < 2; i++) {
		FILE *in = fopen(parts[i], "r");
		size_t n;

		if (in == NULL) {
			fprintf(stderr, "bench_fleet: %s: %s (install ca-certificates)\n", parts[i],
			        strerror(errno));
			fclose(out);
			out = NULL;
			break;
		}
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		fclose(in);
	}
	if (out == NULL || fclose(out) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

static size_t S_keep(char *p, size_t size, size_t n, void *ctx)
{
	char *body = ctx;
	size_t have = strlen(body), k = size * n;

	if (have + k >= 4096)
		k = have < 4095 ? 4095 - have : 0;
	memcpy(body + have, p, k);
	body[have + k] = '\0';
	return size * n;
}

/* A control call to the fake (POST /_fake/calls/reset, GET /_fake/calls); the start of its
 * answer into body (4096 bytes). */
static int S_control(const S_cfg *cfg, const char *method, const char *path, char *body)
{
	CURL *h = curl_easy_init();
	char url[256];
	CURLcode rc;

	snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s", cfg->tls ? "https" : "http", cfg->port,
	         path);
	body[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, S_keep);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	if (cfg->tls)
		curl_easy_setopt(h, CURLOPT_CAINFO, PDH_BENCH_TESTDATA "/tls/ca.pem");
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}

/* The connections the fake accepted since the last reset, less the asking call's own. */
static long S_connections(const S_cfg *cfg)
{
	char body[4096];
	const char *p;

	if (S_control(cfg, "GET", "/_fake/calls", body) != 0 ||
	    (p = strstr(body, "\"connections\":")) == NULL)
		return -1;
	return atol(p + 14) - 1;
}

/* Starts the fake seeded from seed; its "port=N" line comes on stdout. */
static pid_t S_start_fake(const S_cfg *cfg, const char *seed, int *port)
{
	char lat[32];
	char *argv[] = { (char *)cfg->fake, "--port", "0", "--latency-ms", lat, "--seed",
	                 (char *)seed, "--rate-limit", "100000", NULL, NULL, NULL, NULL, NULL };

	snprintf(lat, sizeof(lat), "%ld", cfg->latency);
	if (cfg->tls) {
		argv[9] = "--tls-cert";
		argv[10] = PDH_BENCH_TESTDATA "/tls/server.pem";
		argv[11] = "--tls-key";
		argv[12] = PDH_BENCH_TESTDATA "/tls/server.key";
	}
	return pdh_bench_start_fake(argv, "bench_fleet", port);
}

static void S_stop_fake(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

typedef struct S_result {
	double wall, cpu;
	long rss_kib;
	long conns;
	int status;
} S_result;

/* Runs pdhooks with args (NULL-terminated, after argv[0]) in cfg->dir, one token variable per
 * account; stdout to /dev/null. */
static int S_run(const S_cfg *cfg, int n, char *const args[], S_result *out)
{
	char **envp = calloc((size_t)n + 4, sizeof(*envp)), *argv[20];
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0;
	pid_t pid;
	int k = 0, status, rc = -1;

	if (envp == NULL)
		abort();
	argv[k++] = (char *)cfg->pdhooks;
	for (int i = 0; args[i] && k < 17; i++)
		argv[k++] = args[i];
	if (cfg->tls) {
		argv[k++] = "--cacert";
		argv[k++] = cfg->bundle;
	}
	argv[k] = NULL;
	for (int c = 0; c < n; c++) {
		envp[c] = malloc(48);
		if (envp[c] == NULL)
			abort();
		snprintf(envp[c], 48, "PDH_BENCH_TOK_%d=tok-%d", c, c);
	}
	envp[n] = "NO_COLOR=1";
	envp[n + 1] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (chdir(cfg->dir) != 0) {
		perror("bench_fleet: chdir");
		goto done;
	}
	if (S_control(cfg, "POST", "/_fake/calls/reset", (char[4096]){ 0 }) != 0)
		goto done;
	t0 = S_now();
	if (posix_spawn(&pid, cfg->pdhooks, &fa, NULL, argv, envp) != 0)
		goto done;
	if (wait4(pid, &status, 0, &ru) != pid)
		goto done;
	out->wall = S_now() - t0;
	out->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	out->rss_kib = ru.ru_maxrss;
	out->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out->conns = S_connections(cfg);
	rc = 0;
done:
	posix_spawn_file_actions_destroy(&fa);
	for (int c = 0; c < n; c++)
		free(envp[c]);
	free(envp);
	return rc;
}

static void S_row(const S_cfg *cfg, const char *what, int n, double bound, const S_result *r)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", what, cfg->tls ? ", https" : "");
	printf("%-29s %9d %9.3f %9.3f %7.2fx %9.3f %10.1f %7ld\n", name, n, r->wall, bound,
	       r->wall / bound, r->cpu, (double)r->rss_kib / 1024.0, r->conns);
}

/* Runs args; a row (when row is not NULL) against bound when it exits 0, else -1 after a
 * message that names the run as what. */
static int S_step(S_cfg *cfg, int n, char *const args[], const char *what, const char *row,
                  double bound)
{
	S_result r;

	memset(&r, 0, sizeof(r));
	if (S_run(cfg, n, args, &r) != 0 || r.status != 0) {
		fprintf(stderr, "bench_fleet: %s of %d companies exited %d\n", what, n, r.status);
		return -1;
	}
	if (row != NULL)
		S_row(cfg, row, n, bound, &r);
	if (row != NULL && strcmp(row, "plan (in sync)") == 0)
		cfg->plan_cpu[cfg->tls] = r.cpu;
	return 0;
}

/* plan (text and json) and apply for n companies. */
static int S_bench(S_cfg *cfg, int n)
{
	char seed[4096], fleet[4096], conc[16];
	char *plan_text[] = { "plan", "--fleet", "fleet.yaml", "-q", "--concurrency", conc, NULL };
	char *plan_json[] = { "plan", "--fleet", "fleet.yaml", "-q", "--concurrency", conc,
	                      "--format", "json", NULL };
	char *apply[] = { "apply", "--fleet", "fleet.yaml", "-q", "--concurrency", conc,
	                  "--auto-approve", NULL };
	char *check[] = { "plan", "--fleet", "fleet.yaml", "-q", "--concurrency", conc,
	                  "--detailed-exitcode", NULL };
	double bound = (double)n * (double)cfg->latency / 1000.0 / cfg->concurrency;
	int rc = -1;
	pid_t fpid = -1;

	snprintf(seed, sizeof(seed), "%s/seed.json", cfg->dir);
	snprintf(fleet, sizeof(fleet), "%s/fleet.yaml", cfg->dir);
	snprintf(conc, sizeof(conc), "%d", cfg->concurrency);
	/* In sync: plan. */
	if (S_write_seed(seed, n, cfg->webhooks, cfg->webhooks) != 0 ||
	    (fpid = S_start_fake(cfg, seed, &cfg->port)) < 0 || S_write_fleet(fleet, n, cfg) != 0 ||
	    S_step(cfg, n, plan_text, "plan", "plan (in sync)", bound) != 0)
		goto done;
	if (cfg->plan_only) {
		rc = 0;
		goto done;
	}
	if (S_step(cfg, n, plan_json, "plan --format json", "plan --format json", bound) != 0)
		goto done;
	S_stop_fake(fpid);
	fpid = -1; /* not signalled again at done when the second start fails */
	/* One webhook missing in each company: apply creates it. */
	if (S_write_seed(seed, n, cfg->webhooks, cfg->webhooks - 1) != 0 ||
	    (fpid = S_start_fake(cfg, seed, &cfg->port)) < 0 || S_write_fleet(fleet, n, cfg) != 0 ||
	    S_step(cfg, n, apply, "apply", "apply (1 create each)", 3 * bound) != 0)
		goto done;
	/* Converged: a second plan has nothing to do (exit 0 either way; checked by status 2). */
	rc = S_step(cfg, n, check, "after the apply (not converged), plan", NULL, 0);
done:
	S_stop_fake(fpid);
	unlink(seed);
	unlink(fleet);
	return rc;
}

int main(int argc, char **argv)
{
	char *pdhooks = pdh_bench_sibling(argv[0], "pdhooks"), *fake = pdh_bench_sibling(argv[0], "pdhooks-fake");
	char dir[] = "/tmp/pdhooks-bench-fleet-XXXXXX", *desired, cwd[4096];
	int counts[S_MAX_COUNTS], n_counts, rc = 1;
	S_cfg cfg = { .webhooks = 10, .concurrency = 32, .latency = 50 };
	bool tls = false, plan_only = false;
	const pdh_bench_opt opts[] = { { "--webhooks", &cfg.webhooks, NULL },
		                       { "--latency-ms", NULL, &cfg.latency },
		                       { "--concurrency", &cfg.concurrency, NULL },
		                       { NULL, NULL, NULL } };
	static const int dflt[] = { 100, 1000, 0 };

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 1;
	for (int i = 1; i < argc; i++) /* --tls, --plan-only: taken out, the rest as the others */
		if (strcmp(argv[i], "--tls") == 0 || strcmp(argv[i], "--plan-only") == 0) {
			*(strcmp(argv[i], "--tls") == 0 ? &tls : &plan_only) = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	if (pdh_bench_args(argc, argv, &pdhooks, &fake, opts, counts, &n_counts, S_MAX_COUNTS,
	                   dflt) != 0) {
		fprintf(stderr, "usage: bench_fleet [--pdhooks PATH] [--fake PATH] [--webhooks W] "
		                "[--latency-ms MS] [--concurrency C] [--tls] [--plan-only] "
		                "[COMPANIES...]\n");
		return 2;
	}
	if (cfg.webhooks < 2 || cfg.webhooks > 40 || cfg.concurrency < 1 || cfg.concurrency > 256 ||
	    cfg.latency < 1) {
		fprintf(stderr, "bench_fleet: --webhooks 2..40, --concurrency 1..256, --latency-ms > 0\n");
		return 2;
	}
	/* Absolute paths: the runs happen in the temporary directory. */
	for (int i = 0; i < 2; i++) {
		char **p = i == 0 ? &pdhooks : &fake;
		if ((*p)[0] != '/') {
			char *abs = S_path(cwd, *p);
			free(*p);
			*p = abs;
		}
	}
	cfg.pdhooks = pdhooks;
	cfg.plan_only = plan_only;
	cfg.fake = fake;
	if (mkdtemp(dir) == NULL) {
		perror("bench_fleet: mkdtemp");
		return 1;
	}
	cfg.dir = dir;
	desired = S_path(dir, "pdhooks.yaml");
	if (pdh_bench_write_desired(desired, cfg.webhooks, "${TENANT}") != 0) {
		perror("bench_fleet: desired file");
		goto done;
	}
	if (tls && (cfg.bundle = S_write_bundle(dir)) == NULL)
		goto done;
	printf("pdhooks --fleet: %d webhooks per company, %ld ms latency per call, "
	       "--concurrency %d\n", cfg.webhooks, cfg.latency, cfg.concurrency);
	printf("(bound: the calls x latency / concurrency; plan 1 call per company, apply 3)\n");
	if (tls)
		printf("(--tls: each count over HTTP, then HTTPS with --cacert of %s plus the "
		       "test CA)\n", S_SYSTEM_CA);
	printf("%-29s %9s %9s %9s %8s %9s %10s %7s\n", "run", "companies", "seconds", "bound",
	       "vs bound", "cpu s", "peak MiB", "conns");
	for (int i = 0; i < n_counts; i++) {
		for (int pass = 0; pass <= (int)tls; pass++) {
			cfg.tls = pass == 1;
			if (S_bench(&cfg, counts[i]) != 0)
				goto done;
		}
		if (tls)
			printf("plan CPU over HTTPS / over HTTP, %d companies: %.2fx\n", counts[i],
			       cfg.plan_cpu[1] / (cfg.plan_cpu[0] > 0 ? cfg.plan_cpu[0] : 1e-9));
	}
	rc = 0;
done:
	if (cfg.bundle)
		unlink(cfg.bundle);
	free(cfg.bundle);
	unlink(desired);
	free(desired);
	rmdir(dir);
	free(pdhooks);
	free(fake);
	return rc;
}
