//===- Distributed.c - data-parallel training across MPI ranks ------------===//
//
// Every MPI call of cnnc-train (Distributed.h). Each collective is
// nonblocking and polled against a deadline, so a rank that died or hangs
// ends the job with one line (then MPI_Abort) instead of a hang. A step is
// one MPI_Iallreduce of one float buffer: the shards' weighted gradients,
// the weighted changes of the non-trainable state, the loss, the correct
// count and the stop and failure votes; every rank then applies the same
// sum, so parameters stay bit-identical (checked after every epoch).
//
//===----------------------------------------------------------------------===//

#include "Distributed.h"
#include "Internal.h"

#include "Nccl.h"

#include <mpi.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cnnrt_distributed {
  int rank, size;
  int localRank; ///< rank among the ranks of this node
  double timeout;
  int shared;    ///< the last failure came out of cnnrt_distributed_agree
  float *sum;    ///< the buffer the ranks sum each step
  float *before; ///< non-trainable state before the step
  int64_t sumElements, stateElements;
  int faultRank; ///< CNNRT_DISTRIBUTED_FAULT_ENV (-1: none)
  int64_t faultStep;
  int faultHang;
  int trace;        ///< CNNRT_DISTRIBUTED_TRACE_ENV
  cnnrt_nccl *nccl; ///< --device=cuda
};

/// What each rank tells the others at an agreement point.
typedef struct Report {
  int32_t failed;
  int32_t hasFingerprint;
  char message[1024];
  cnnrt_fingerprint fingerprint;
} Report;

/// Records a failed MPI call; returns -1.
static int mpiFailed(const cnnrt_distributed *ranks, int code,
                     const char *what) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    snprintf(text, sizeof text, "MPI error %d", code);
  (void)ranks;
  return cnnrt_train_fail(NULL, "%s failed: %s", what, text);
}

/// No answer within the timeout: one line, then the whole job ends.
static _Noreturn void timedOut(const cnnrt_distributed *ranks,
                               const char *what) {
  fflush(stdout);
  fprintf(stderr,
          "cnnc-train: error: rank %d: no answer from the other ranks within "
          "%g s in %s (a rank died, hangs, or is slower than "
          "--collective-timeout); aborting the job\n",
          ranks->rank, ranks->timeout, what);
  fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  _exit(1);
}

/// Waits for a nonblocking collective started with result `code`, polling
/// it until the deadline. Yields the core between polls: the other ranks
/// of an oversubscribed node need it more than a spinning wait.
static int await(const cnnrt_distributed *ranks, int code, MPI_Request *request,
                 const char *what) {
  if (code != MPI_SUCCESS)
    return mpiFailed(ranks, code, what);
  double deadline = cnnrt_train_now() + ranks->timeout;
  for (;;) {
    int done = 0;
    code = MPI_Test(request, &done, MPI_STATUS_IGNORE);
    if (code != MPI_SUCCESS)
      return mpiFailed(ranks, code, what);
    if (done)
      return 0;
    if (cnnrt_train_now() > deadline)
      timedOut(ranks, what);
    sched_yield();
  }
}

/// CNNRT_DISTRIBUTED_FAULT_ENV: "RANK:STEP:kill|hang".
static void readFault(cnnrt_distributed *ranks) {
  ranks->faultRank = -1;
  const char *text = getenv(CNNRT_DISTRIBUTED_FAULT_ENV);
  int rank;
  long long step;
  char action[8];
  if (text && sscanf(text, "%d:%lld:%7s", &rank, &step, action) == 3 &&
      (strcmp(action, "kill") == 0 || strcmp(action, "hang") == 0)) {
    ranks->faultRank = rank;
    ranks->faultStep = step;
    ranks->faultHang = action[0] == 'h';
  }
}

static void injectFault(const cnnrt_distributed *ranks, int64_t step) {
  if (ranks->faultRank != ranks->rank || ranks->faultStep != step)
    return;
  if (!ranks->faultHang)
    raise(SIGKILL);
  for (;;)
    pause();
}

int cnnrt_distributed_start(int *argc, char ***argv, cnnrt_distributed **out) {
  *out = NULL;
  int launcherRank;
  if (cnnrt_launcher_ranks(&launcherRank) <= 1)
    return 0; // alone: no MPI at all, as a build without it
  int provided,
      code = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  if (code != MPI_SUCCESS)
    return cnnrt_train_fail(NULL, "MPI_Init_thread failed (error %d)", code);
  cnnrt_distributed *ranks = calloc(1, sizeof *ranks);
  if (!ranks) {
    MPI_Abort(MPI_COMM_WORLD, 1);
    return cnnrt_train_fail(NULL, "out of memory");
  }
  // Errors come back as codes, so that each becomes one line.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &ranks->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks->size);
  MPI_Comm node;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, ranks->rank,
                          MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_rank(node, &ranks->localRank);
    MPI_Comm_free(&node);
  }
  ranks->timeout = CNNRT_DISTRIBUTED_TIMEOUT;
  const char *trace = getenv(CNNRT_DISTRIBUTED_TRACE_ENV);
  ranks->trace = trace && strcmp(trace, "1") == 0;
  readFault(ranks);
  if (ranks->size == 1) { // a launcher of one rank: train alone
    free(ranks);
    MPI_Finalize();
    return 0;
  }
  // Rank 0 alone prints; the others' messages come through rank 0.
  if (ranks->rank != 0 && !freopen("/dev/null", "w", stdout))
    return cnnrt_train_fail_errno("/dev/null", errno, "cannot open");
  *out = ranks;
  return 0;
}

void cnnrt_distributed_finish(cnnrt_distributed *ranks, int failed) {
  if (!ranks)
    return;
  fflush(stdout);
  fflush(stderr);
  if (failed && !ranks->shared)
    MPI_Abort(MPI_COMM_WORLD, 1); // the others may wait in a collective
  cnnrt_nccl_destroy(ranks->nccl);
  free(ranks->sum);
  free(ranks->before);
  free(ranks);
  MPI_Finalize();
}

int cnnrt_distributed_rank(const cnnrt_distributed *ranks) {
  return ranks ? ranks->rank : 0;
}

int cnnrt_distributed_size(const cnnrt_distributed *ranks) {
  return ranks ? ranks->size : 1;
}

void cnnrt_distributed_set_timeout(cnnrt_distributed *ranks, double seconds) {
  ranks->timeout = seconds;
}

int cnnrt_distributed_failure_shared(const cnnrt_distributed *ranks) {
  return ranks && ranks->shared;
}

/// The shared message of the failed ranks: the first one's, naming it
/// unless every rank failed alike (a bad flag fails everywhere).
static int shareFailure(cnnrt_distributed *ranks, const Report *reports) {
  int first = -1, count = 0, alike = 1;
  for (int r = 0; r < ranks->size; ++r) {
    if (!reports[r].failed)
      continue;
    if (first < 0)
      first = r;
    else
      alike &= strcmp(reports[r].message, reports[first].message) == 0;
    ++count;
  }
  const char *message = reports[first].message;
  if (count == ranks->size && alike)
    cnnrt_train_fail(NULL, "%s", message);
  else if (count > 1)
    cnnrt_train_fail(NULL, "rank %d: %s (and %d more ranks failed)", first,
                     message, count - 1);
  else
    cnnrt_train_fail(NULL, "rank %d: %s", first, message);
  ranks->shared = 1;
  return -1;
}

int cnnrt_distributed_agree(cnnrt_distributed *ranks, int failed,
                            const cnnrt_fingerprint *fingerprint) {
  Report mine;
  memset(&mine, 0, sizeof mine);
  mine.failed = failed != 0;
  if (failed)
    snprintf(mine.message, sizeof mine.message, "%s", cnnrt_train_last_error());
  if (fingerprint) {
    mine.hasFingerprint = 1;
    mine.fingerprint = *fingerprint;
  }
  Report *reports = calloc((size_t)ranks->size, sizeof *reports);
  if (!reports)
    return cnnrt_train_fail(NULL, "out of memory");
  MPI_Request request;
  int code =
      MPI_Iallgather(&mine, (int)sizeof mine, MPI_BYTE, reports,
                     (int)sizeof mine, MPI_BYTE, MPI_COMM_WORLD, &request);
  if (await(ranks, code, &request, "the start-up check of the ranks")) {
    free(reports);
    return -1;
  }
  int result = 0;
  for (int r = 0; r < ranks->size && !result; ++r)
    result = reports[r].failed ? shareFailure(ranks, reports) : 0;
  for (int r = 1; r < ranks->size && !result; ++r)
    if (reports[r].hasFingerprint && reports[0].hasFingerprint &&
        cnnrt_fingerprint_compare(&reports[r].fingerprint,
                                  &reports[0].fingerprint, r)) {
      ranks->shared = 1;
      result = -1;
    }
  free(reports);
  return result;
}

int cnnrt_distributed_broadcast(cnnrt_distributed *ranks, void *bytes,
                                size_t size, const char *what) {
  char *at = bytes;
  char label[128];
  snprintf(label, sizeof label, "the broadcast of %s", what);
  while (size > 0) { // counts are ints
    int chunk = size > (size_t)INT_MAX ? INT_MAX : (int)size;
    MPI_Request request;
    int code = MPI_Ibcast(at, chunk, MPI_BYTE, 0, MPI_COMM_WORLD, &request);
    if (await(ranks, code, &request, label))
      return -1;
    at += chunk;
    size -= (size_t)chunk;
  }
  return 0;
}

/// Grows the step buffers for a model of `trainable` + `state` floats.
static int reserve(cnnrt_distributed *ranks, int64_t trainable, int64_t state) {
  int64_t elements = cnnrt_sum_elements(trainable, state);
  if (elements > INT_MAX)
    return cnnrt_train_fail(NULL,
                            "%lld parameters are more than one "
                            "MPI_Iallreduce sums",
                            (long long)elements);
  if (ranks->sum && ranks->sumElements == elements)
    return 0;
  free(ranks->sum);
  free(ranks->before);
  ranks->sum = malloc((size_t)elements * sizeof(float));
  ranks->before = malloc((size_t)(state ? state : 1) * sizeof(float));
  ranks->sumElements = elements;
  ranks->stateElements = state;
  if (!ranks->sum || !ranks->before)
    return cnnrt_train_fail(NULL, "out of memory for the gradient");
  return 0;
}

int cnnrt_distributed_step(cnnrt_distributed *ranks, cnnrt_instance *instance,
                           const cnnrt_batch *shard, int64_t full, float rate,
                           int64_t step, uint64_t seed, int stop_vote,
                           float *loss, int64_t *correct, int *stop) {
  const cnnc_model_desc *desc =
      cnnrt_model_desc(cnnrt_instance_model(instance));
  int64_t trainable = desc->trainable_elements;
  int64_t state = desc->param_elements - trainable;
  if (reserve(ranks, trainable, state))
    return -1;
  float *params = cnnrt_instance_params(instance);
  memcpy(ranks->before, params + trainable, (size_t)state * sizeof(float));
  float shardLoss = 0.0f;
  int64_t shardCorrect = 0;
  int failed = cnnrt_compute_gradients(instance, shard->images, shard->labels,
                                       shard->size, step,
                                       cnnrt_rank_seed(seed, ranks->rank),
                                       ranks->sum, &shardLoss, &shardCorrect);
  if (failed) {
    cnnrt_train_fail_runtime();
    memset(ranks->sum, 0, (size_t)trainable * sizeof(float));
  }
  params = cnnrt_instance_params(instance);
  cnnrt_sum_pack(ranks->sum, trainable, state, ranks->before,
                 params + trainable, failed ? 0 : shard->size, full, shardLoss,
                 shardCorrect, stop_vote, failed);
  injectFault(ranks, step);
  char what[96];
  snprintf(what, sizeof what, "the gradient sum of step %lld", (long long)step);
  MPI_Request request;
  int code = MPI_Iallreduce(MPI_IN_PLACE, ranks->sum, (int)ranks->sumElements,
                            MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
  if (await(ranks, code, &request, what))
    return -1;
  int anyFailed;
  cnnrt_sum_unpack(ranks->sum, trainable, state, ranks->before,
                   params + trainable, loss, correct, stop, &anyFailed);
  if (anyFailed)
    return cnnrt_distributed_agree(ranks, failed, NULL) ? -1 : 0;
  if (cnnrt_apply_gradients(instance, ranks->sum, rate, step))
    return cnnrt_train_fail_runtime();
  return 0;
}

int cnnrt_distributed_verify(cnnrt_distributed *ranks, cnnrt_instance *instance,
                             int64_t epoch) {
  uint64_t hash = cnnrt_hash_words(
      CNNRT_HASH_START, cnnrt_instance_params(instance),
      (size_t)cnnrt_instance_param_elements(instance) * sizeof(float));
  hash = cnnrt_hash_words(hash, cnnrt_instance_opt_state(instance),
                          (size_t)cnnrt_instance_opt_state_elements(instance) *
                              sizeof(float));
  if (ranks->trace) {
    fprintf(stderr, "cnnc-train: rank %d: epoch %lld: parameters %016llx\n",
            ranks->rank, (long long)epoch, (unsigned long long)hash);
    fflush(stderr);
  }
  uint64_t *hashes = calloc((size_t)ranks->size, sizeof *hashes);
  if (!hashes)
    return cnnrt_train_fail(NULL, "out of memory");
  char what[96];
  snprintf(what, sizeof what, "the parameter check after epoch %lld",
           (long long)epoch);
  MPI_Request request;
  int code = MPI_Iallgather(&hash, 1, MPI_UINT64_T, hashes, 1, MPI_UINT64_T,
                            MPI_COMM_WORLD, &request);
  int result = await(ranks, code, &request, what);
  for (int r = 1; r < ranks->size && !result; ++r)
    if (hashes[r] != hashes[0]) {
      result = cnnrt_train_fail(
          NULL,
          "rank %d: the parameters differ from rank 0's after epoch %lld "
          "(hash %016llx there, %016llx on rank 0): the ranks diverged",
          r, (long long)epoch, (unsigned long long)hashes[r],
          (unsigned long long)hashes[0]);
      ranks->shared = 1;
    }
  free(hashes);
  return result;
}

int cnnrt_distributed_select_device(cnnrt_distributed *ranks, int cuda) {
  if (!cuda)
    return 0;
  // One GPU per rank: the rank's place among the ranks of its node.
  char ordinal[16];
  snprintf(ordinal, sizeof ordinal, "%d", ranks->localRank);
  const char *chosen = getenv("CNNC_CUDA_DEVICE");
  if ((!chosen || !*chosen) && setenv("CNNC_CUDA_DEVICE", ordinal, 1) != 0)
    return cnnrt_train_fail_errno("CNNC_CUDA_DEVICE", errno, "cannot set");
  const char *unavailable = cnnrt_cuda_unavailable();
  if (unavailable)
    return cnnrt_train_fail("--device=cuda", "%s", unavailable);
  ranks->nccl = cnnrt_nccl_load();
  if (!ranks->nccl)
    return cnnrt_train_fail("--device=cuda",
                            "data-parallel GPU training needs NCCL: %s",
                            cnnrt_nccl_error());
  return 0;
}
