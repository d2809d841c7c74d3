/*===- peak.c - measured peak FP32 FLOP/s of this machine -----------------===*\
|*                                                                            *|
|* Runs independent 256-bit fused multiply-adds (12 accumulators per thread,  *|
|* enough to cover the FMA latency on every x86 core with two FMA pipes) on   *|
|* N threads for a fixed time and prints the achieved GFLOP/s: the ceiling    *|
|* "fraction of peak" in bench/run.sh is measured against, at the clock the   *|
|* cores actually run at with N of them busy (a nominal-clock estimate was    *|
|* exceeded by the generated kernels on a boosting Zen 4).                    *|
|*                                                                            *|
|*   peak [threads] [seconds]          prints "peak_gflops: G"                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double nowSeconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct Work {
  double seconds;
  double flops;
  float sink;
} Work;

enum { kAccumulators = 12, kInnerIterations = 1 << 16 };

__attribute__((target("avx2,fma"))) static void *run(void *arg) {
  Work *work = arg;
  __m256 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  double start = nowSeconds(), elapsed = 0;
  long iterations = 0;
  do {
    for (int n = 0; n < kInnerIterations; ++n)
      for (int i = 0; i < kAccumulators; ++i)
        acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    iterations += kInnerIterations;
    elapsed = nowSeconds() - start;
  } while (elapsed < work->seconds);
  __m256 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  work->sink = lanes[0];
  work->flops = (double)iterations * kAccumulators * 8 * 2 / elapsed;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 0.5;
  if (threads < 1 || threads > 1024 || !(seconds > 0)) {
    fprintf(stderr, "usage: %s [threads 1..1024] [seconds > 0]\n", argv[0]);
    return 1;
  }
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    fprintf(stderr, "peak: this CPU has no AVX2 + FMA\n");
    return 1;
  }
  pthread_t ids[1024];
  Work works[1024];
  for (int t = 0; t < threads; ++t) {
    works[t].seconds = seconds;
    if (pthread_create(&ids[t], NULL, run, &works[t])) {
      fprintf(stderr, "peak: cannot start thread %d\n", t);
      return 1;
    }
  }
  double total = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(ids[t], NULL);
    total += works[t].flops;
  }
  printf("peak_gflops: %.1f\n", total * 1e-9);
  return 0;
}
