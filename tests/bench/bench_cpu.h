/*
 * What the in-process benchmarks share: CPU time of this process (the
 * figure a loaded machine does not blur) and the order of their samples.
 */
#ifndef ER_BENCH_CPU_H
#define ER_BENCH_CPU_H

#include <time.h>

/* CPU time of this process, in milliseconds. */
static inline double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* qsort order of doubles, for medians. */
static inline int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif
