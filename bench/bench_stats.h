/*===- bench_stats.h - clock and order statistics for the benches -*- C -*-===*\
|*                                                                            *|
|* Shared by model_bench.c and gpu_model_bench.c: a monotonic clock and the   *|
|* quantiles of sorted samples (medians and percentiles are what the benches  *|
|* report; machines are shared and noisy).                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_BENCH_STATS_H
#define CNNC_BENCH_STATS_H

#include <time.h>

/// Seconds on the monotonic clock.
static inline double nowSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/// qsort comparison of doubles, ascending.
static inline int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/// The q-quantile (0..1) of `n` sorted samples.
static inline double quantile(const double *sorted, int n, double q) {
  int index = (int)(q * (n - 1) + 0.5);
  return sorted[index];
}

#endif // CNNC_BENCH_STATS_H
