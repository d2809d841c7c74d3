//===- DistributedNone.c - cnnc-train built without MPI -------------------===//
//
// Stands in for Distributed.c when CMake found no MPI: every process trains
// alone. Started by mpirun as one of several ranks it would train a model
// of its own on the whole data set, N times over, so it refuses with one
// line instead. The other functions are never reached (no context exists).
//
//===----------------------------------------------------------------------===//

#include "Distributed.h"
#include "Internal.h"

int cnnrt_distributed_start(int *argc, char ***argv, cnnrt_distributed **out) {
  (void)argc;
  (void)argv;
  *out = NULL;
  int rank;
  int size = cnnrt_launcher_ranks(&rank);
  if (size <= 1)
    return 0;
  if (rank != 0)
    return -2; // rank 0 says it for all
  return cnnrt_train_fail(
      NULL,
      "started as rank %d of %d (by mpirun or another MPI launcher), but "
      "this cnnc-train was built without MPI, so each rank would train "
      "alone; rebuild with Open MPI (Debian: libopenmpi-dev) or run one "
      "process",
      rank, size);
}

void cnnrt_distributed_finish(cnnrt_distributed *ranks, int failed) {
  (void)ranks;
  (void)failed;
}

int cnnrt_distributed_rank(const cnnrt_distributed *ranks) {
  (void)ranks;
  return 0;
}

int cnnrt_distributed_size(const cnnrt_distributed *ranks) {
  (void)ranks;
  return 1;
}

void cnnrt_distributed_set_timeout(cnnrt_distributed *ranks, double seconds) {
  (void)ranks;
  (void)seconds;
}

int cnnrt_distributed_select_device(cnnrt_distributed *ranks, int cuda) {
  (void)ranks;
  (void)cuda;
  return 0;
}

static int unreachable(void) {
  return cnnrt_train_fail(NULL, "data-parallel training needs a cnnc-train "
                                "built with MPI");
}

int cnnrt_distributed_agree(cnnrt_distributed *ranks, int failed,
                            const cnnrt_fingerprint *fingerprint) {
  (void)ranks;
  (void)fingerprint;
  return failed ? -1 : 0;
}

int cnnrt_distributed_failure_shared(const cnnrt_distributed *ranks) {
  (void)ranks;
  return 0;
}

int cnnrt_distributed_broadcast(cnnrt_distributed *ranks, void *bytes,
                                size_t size, const char *what) {
  (void)ranks;
  (void)bytes;
  (void)size;
  (void)what;
  return 0;
}

int cnnrt_distributed_step(cnnrt_distributed *ranks, cnnrt_instance *instance,
                           const cnnrt_batch *shard, int64_t full, float rate,
                           int64_t step, uint64_t seed, int stop_vote,
                           float *loss, int64_t *correct, int *stop) {
  (void)ranks, (void)instance, (void)shard, (void)full, (void)rate;
  (void)step, (void)seed, (void)stop_vote, (void)loss, (void)correct;
  (void)stop;
  return unreachable();
}

int cnnrt_distributed_evaluate(cnnrt_distributed *ranks,
                               cnnrt_instance *instance, cnnrt_data_view view,
                               int64_t batchSize, cnnrt_eval_result *result) {
  (void)ranks;
  return cnnrt_evaluate_view(instance, view, batchSize, result, NULL);
}

int cnnrt_distributed_verify(cnnrt_distributed *ranks, cnnrt_instance *instance,
                             int64_t epoch) {
  (void)ranks;
  (void)instance;
  (void)epoch;
  return 0;
}
