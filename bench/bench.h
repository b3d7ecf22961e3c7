/* What the benchmarks share: a clock read in milliseconds, the comparison that sorts the
 * timings for their percentiles, and for the benchmarks that run the binaries (define
 * PDH_BENCH_SPAWN before including) the path of a sibling program, the start of pdhooks-fake
 * and the desired file of N webhooks. */
#ifndef PDH_BENCH_H
#define PDH_BENCH_H

#include <time.h>

/* The time on clock (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID) in milliseconds. */
static inline double pdh_bench_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* qsort's comparison of two doubles, smaller first. */
static inline int pdh_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#ifdef PDH_BENCH_SPAWN
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The program name in the directory of self (argv[0]); malloc'd. */
static inline char *pdh_bench_sibling(const char *self, const char *name)
{
	const char *slash = strrchr(self, '/');
	size_t dir = slash ? (size_t)(slash - self) + 1 : 0;
	char *p = malloc(dir + strlen(name) + 1);

	if (p == NULL)
		abort();
	memcpy(p, self, dir);
	strcpy(p + dir, name);
	return p;
}

/* --pdhooks PATH and --fake PATH at argv[*i], into *pdhooks or *fake (freed first, malloc'd);
 * true when argv[*i] was one of them (*i then at its value). */
static inline int pdh_bench_path_option(int argc, char **argv, int *i, char **pdhooks,
                                        char **fake)
{
	char **to = strcmp(argv[*i], "--pdhooks") == 0 ? pdhooks
	            : strcmp(argv[*i], "--fake") == 0  ? fake : NULL;

	if (to == NULL || *i + 1 >= argc)
		return 0;
	free(*to);
	*to = strdup(argv[++*i]);
	return 1;
}

/* A numeric option of a benchmark, NAME N: into *i (atoi), or into *l (atol) when i is NULL. */
typedef struct pdh_bench_opt {
	const char *name;
	int *i;
	long *l;
} pdh_bench_opt;

/* A benchmark's command line: --pdhooks PATH and --fake PATH (pdh_bench_path_option), the
 * options of opts (up to one with a NULL name), and up to max positive whole numbers into
 * list, *n of them; without any, the numbers of dflt (up to a 0). -1 on any other argument. */
static inline int pdh_bench_args(int argc, char **argv, char **pdhooks, char **fake,
                                 const pdh_bench_opt *opts, int *list, int *n, int max,
                                 const int *dflt)
{
	*n = 0;
	for (int i = 1; i < argc; i++) {
		const pdh_bench_opt *o = opts;

		if (pdh_bench_path_option(argc, argv, &i, pdhooks, fake))
			continue;
		while (o->name != NULL && (strcmp(argv[i], o->name) != 0 || i + 1 >= argc))
			o++;
		if (o->name != NULL && o->i != NULL)
			*o->i = atoi(argv[++i]);
		else if (o->name != NULL)
			*o->l = atol(argv[++i]);
		else if (argv[i][0] != '-' && *n < max && atoi(argv[i]) > 0)
			list[(*n)++] = atoi(argv[i]);
		else
			return -1;
	}
	if (*n == 0)
		for (; dflt[*n] != 0 && *n < max; ++*n)
			list[*n] = dflt[*n];
	return 0;
}

/* Starts the fake with argv (argv[0] its path, NULL-terminated); its "port=N" line comes on
 * stdout. who names the benchmark in the message when it does not start. */
static inline pid_t pdh_bench_start_fake(char *const argv[], const char *who, int *port)
{
	posix_spawn_file_actions_t fa;
	int fds[2];
	pid_t pid;
	FILE *f;

	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (pid < 0 || f == NULL || fscanf(f, "port=%d", port) != 1) {
		fprintf(stderr, "%s: %s did not start\n", who, argv[0]);
		if (pid > 0)
			kill(pid, SIGTERM);
		pid = -1;
	}
	if (f)
		fclose(f);
	else
		close(fds[0]);
	return pid;
}

/* Writes path: head, then entry(f, I, arg) for I from 0 to n - 1. 0, or -1 (errno set). */
static inline int pdh_bench_write_list(const char *path, const char *head, int n,
                                       void (*entry)(FILE *f, int i, const void *arg),
                                       const void *arg)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(head, f);
	for (int i = 0; i < n; i++)
		entry(f, i, arg);
	return fclose(f);
}

/* Webhook bench-I of a desired file, at https://hooks.example.com/PREFIX/I. */
static inline void pdh_bench_desired_entry(FILE *f, int i, const void *prefix)
{
	fprintf(f, "  - name: bench-%d\n    event_action: create\n    event_object: deal\n"
	           "    subscription_url: https://hooks.example.com/%s/%d\n", i,
	        (const char *)prefix, i);
}

/* A desired file of n webhooks bench-I, each at https://hooks.example.com/PREFIX/I. */
static inline int pdh_bench_write_desired(const char *path, int n, const char *prefix)
{
	return pdh_bench_write_list(path, "pdhooks: 1\nwebhooks:\n", n, pdh_bench_desired_entry,
	                            prefix);
}
#endif

#endif
