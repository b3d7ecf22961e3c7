/* What the benchmarks share: a clock read in milliseconds and the comparison that sorts the
 * timings for their percentiles. Include after <time.h>. */
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

#endif
