//===- distributed_allreduce.c - the cost of one gradient sum -------------===//
//
// Times the sum cnnc-train's ranks make every step: `count` floats (the
// reference CNN's 93,322 gradients plus the 4 scalars of the summed
// buffer), with MPI_Allreduce (what runtime/train/Distributed.c calls,
// under its watchdog thread) and with MPI_Iallreduce polled by MPI_Test
// and sched_yield (the alternative for a timeout without a thread). Each
// sample starts after a barrier and is the slowest rank's time. Prints
// medians and 90th percentiles in microseconds, one `key: value` per line.
//
//   mpirun -np N distributed_allreduce [COUNT] [ITERATIONS]
//
//===----------------------------------------------------------------------===//

#include "bench_stats.h"

#include <mpi.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

/// One sum of `buffer` in place, as MPI_Allreduce or polled.
static void sum(float *buffer, int count, int polled) {
  if (!polled) {
    MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM,
                  MPI_COMM_WORLD);
    return;
  }
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM,
                 MPI_COMM_WORLD, &request);
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done)
      return;
    sched_yield();
  }
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int count = argc > 1 ? atoi(argv[1]) : 93322 + 4;
  int iterations = argc > 2 ? atoi(argv[2]) : 300;
  float *buffer = malloc((size_t)count * sizeof(float));
  double *samples = malloc((size_t)iterations * sizeof(double));
  if (!buffer || !samples || count <= 0 || iterations <= 0)
    MPI_Abort(MPI_COMM_WORLD, 1);
  static const char *const kNames[2] = {"allreduce", "polled_iallreduce"};
  for (int polled = 0; polled < 2; ++polled) {
    for (int i = -10; i < iterations; ++i) { // 10 rounds of warm-up
      for (int k = 0; k < count; ++k)
        buffer[k] = (float)(k % 97) * 1e-3f + (float)rank;
      MPI_Barrier(MPI_COMM_WORLD);
      double start = nowSeconds();
      sum(buffer, count, polled);
      double mine = nowSeconds() - start, slowest;
      MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
      if (i >= 0)
        samples[i] = slowest;
    }
    if (rank == 0) {
      qsort(samples, (size_t)iterations, sizeof(double), compareDoubles);
      printf("%s_median_us: %.1f\n%s_p90_us: %.1f\n", kNames[polled],
             1e6 * quantile(samples, iterations, 0.5), kNames[polled],
             1e6 * quantile(samples, iterations, 0.9));
    }
  }
  if (rank == 0)
    printf("ranks: %d\nbytes: %zu\n", size, (size_t)count * sizeof(float));
  free(buffer);
  free(samples);
  MPI_Finalize();
  return 0;
}
