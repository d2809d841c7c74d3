//===- Distributed.c - data-parallel training across MPI ranks ------------===//
//
// Every MPI call of cnnc-train (Distributed.h). Collectives are MPI's
// blocking ones (Open MPI's tuned MPI_Allreduce sums the reference CNN's
// gradient in half the time of a polled MPI_Iallreduce: bench/distributed.sh)
// under a watchdog thread: a collective that has not returned within the
// timeout (a rank died or hangs) ends the job with one line and MPI_Abort
// instead of a hang. A step is one MPI_Allreduce of one float buffer: the
// shards' weighted gradients, the weighted changes of the non-trainable
// state, the loss, the correct count and the stop and failure votes; every
// rank then applies the same sum, so parameters stay bit-identical (checked
// after every epoch). Validation is split the same way: each rank evaluates
// its part of the validation set and one sum of four doubles combines them.
//
//===----------------------------------------------------------------------===//

#include "Distributed.h"
#include "Internal.h"

#include "Nccl.h"

#include <mpi.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/// Ends the job when a collective takes longer than the timeout. The main
/// thread arms it (the collective's start and name) around each collective;
/// the thread checks ten times a second. With MPI_THREAD_MULTIPLE it calls
/// MPI_Abort, else it exits, which makes mpirun end the other ranks.
typedef struct Watchdog {
  pthread_t thread;
  int running;
  _Atomic long long armedAt; ///< ns on the monotonic clock; 0: disarmed
  _Atomic int quit;
  char what[128]; ///< the armed collective (written before arming)
} Watchdog;

struct cnnrt_distributed {
  int rank, size;
  int localRank; ///< rank among the ranks of this node
  int multiple;  ///< MPI_THREAD_MULTIPLE: the watchdog may call MPI_Abort
  double timeout;
  Watchdog watchdog;
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

static long long nowNanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/// No answer within the timeout: one line, then the whole job ends.
static _Noreturn void timedOut(const cnnrt_distributed *ranks) {
  fflush(stdout);
  fprintf(stderr,
          "cnnc-train: error: rank %d: no answer from the other ranks within "
          "%g s in %s (a rank died, hangs, or is slower than "
          "--collective-timeout); aborting the job\n",
          ranks->rank, ranks->timeout, ranks->watchdog.what);
  fflush(stderr);
  if (ranks->multiple)
    MPI_Abort(MPI_COMM_WORLD, 1);
  _exit(1);
}

static void *watch(void *argument) {
  cnnrt_distributed *ranks = argument;
  Watchdog *dog = &ranks->watchdog;
  const struct timespec tick = {0, 100000000}; // 0.1 s
  while (!atomic_load(&dog->quit)) {
    nanosleep(&tick, NULL);
    long long armedAt = atomic_load(&dog->armedAt);
    if (armedAt && nowNanoseconds() - armedAt > ranks->timeout * 1e9)
      timedOut(ranks);
  }
  return NULL;
}

/// Arms the watchdog for the collective `what` (printf-style name).
__attribute__((format(printf, 2, 3))) static void arm(cnnrt_distributed *ranks,
                                                      const char *what, ...) {
  va_list args;
  va_start(args, what);
  vsnprintf(ranks->watchdog.what, sizeof ranks->watchdog.what, what, args);
  va_end(args);
  atomic_store(&ranks->watchdog.armedAt, nowNanoseconds());
}

/// Disarms the watchdog after a collective that returned `code`.
static int disarm(cnnrt_distributed *ranks, int code) {
  atomic_store(&ranks->watchdog.armedAt, 0);
  return code == MPI_SUCCESS ? 0 : mpiFailed(ranks, code, ranks->watchdog.what);
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
  // MPI_THREAD_MULTIPLE lets the watchdog call MPI_Abort while the main
  // thread waits in a collective (no measurable cost: 93 us per gradient
  // sum either way, bench/distributed_allreduce.c).
  int provided,
      code = MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
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
  ranks->multiple = provided == MPI_THREAD_MULTIPLE;
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
  *out = ranks;
  // Rank 0 alone prints; the others' messages come through rank 0.
  if (ranks->rank != 0 && !freopen("/dev/null", "w", stdout))
    return cnnrt_train_fail_errno("/dev/null", errno, "cannot open");
  int error = pthread_create(&ranks->watchdog.thread, NULL, watch, ranks);
  if (error)
    return cnnrt_train_fail_errno(NULL, error, "cannot start a thread");
  ranks->watchdog.running = 1;
  return 0;
}

void cnnrt_distributed_finish(cnnrt_distributed *ranks, int failed) {
  if (!ranks)
    return;
  fflush(stdout);
  fflush(stderr);
  if (failed && !ranks->shared)
    MPI_Abort(MPI_COMM_WORLD, 1); // the others may wait in a collective
  if (ranks->watchdog.running) {
    atomic_store(&ranks->watchdog.quit, 1);
    pthread_join(ranks->watchdog.thread, NULL);
  }
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
  arm(ranks, "the check of the ranks");
  if (disarm(ranks,
             MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, reports,
                           (int)sizeof mine, MPI_BYTE, MPI_COMM_WORLD))) {
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
  while (size > 0) { // counts are ints
    int chunk = size > (size_t)INT_MAX ? INT_MAX : (int)size;
    arm(ranks, "the broadcast of %s", what);
    if (disarm(ranks, MPI_Bcast(at, chunk, MPI_BYTE, 0, MPI_COMM_WORLD)))
      return -1;
    at += chunk;
    size -= (size_t)chunk;
  }
  return 0;
}

/// Sums the step buffer (ranks->sum) over the ranks in place under the
/// watchdog, after the test-only fault of `step`; `what` names the sum in
/// a timeout's message ("the gradient sum" of step N).
static int sumOverRanks(cnnrt_distributed *ranks, int64_t step,
                        const char *what) {
  injectFault(ranks, step);
  arm(ranks, "%s of step %lld", what, (long long)step);
  return disarm(ranks,
                MPI_Allreduce(MPI_IN_PLACE, ranks->sum, (int)ranks->sumElements,
                              MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD));
}

/// Grows the step buffers for a model of `trainable` + `state` floats.
static int reserve(cnnrt_distributed *ranks, int64_t trainable, int64_t state) {
  int64_t elements = cnnrt_sum_elements(trainable, state);
  if (elements > INT_MAX)
    return cnnrt_train_fail(NULL,
                            "%lld parameters are more than one "
                            "MPI_Allreduce sums",
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

/// NCCL's communicator of the ranks, made by the first GPU step: rank 0's
/// NCCL id reaches the others through MPI.
static int startNccl(cnnrt_distributed *ranks) {
  cnnrt_nccl *nccl = ranks->nccl;
  struct {
    int32_t status;
    ncclUniqueIdBytes id;
  } offer;
  memset(&offer, 0, sizeof offer);
  if (ranks->rank == 0)
    offer.status = nccl->api.getUniqueId(&offer.id);
  arm(ranks, "the NCCL set-up");
  if (disarm(ranks,
             MPI_Bcast(&offer, (int)sizeof offer, MPI_BYTE, 0, MPI_COMM_WORLD)))
    return -1;
  char text[256];
  if (offer.status) { // every rank knows: rank 0 says it
    cnnrt_nccl_describe(nccl, offer.status, "ncclGetUniqueId on rank 0", text,
                        sizeof text);
    ranks->shared = 1;
    return cnnrt_train_fail("--device=cuda", "%s", text);
  }
  arm(ranks, "the NCCL set-up (ncclCommInitRank)");
  ncclResultCode result =
      nccl->api.commInitRank(&nccl->comm, ranks->size, offer.id, ranks->rank);
  disarm(ranks, MPI_SUCCESS);
  if (!result)
    return 0;
  nccl->comm = NULL;
  cnnrt_nccl_describe(nccl, result, "ncclCommInitRank", text, sizeof text);
  return cnnrt_train_fail("--device=cuda", "%s", text);
}

/// Sums the shards' weighted gradients in place on the device: NCCL's
/// pre-multiplied sum scales each rank's by its weight, queued on `stream`.
static int sumOnDevice(cnnrt_distributed *ranks, void *gradient, void *stream,
                       int64_t count, float weight) {
  cnnrt_nccl *nccl = ranks->nccl;
  int op;
  ncclResultCode result = nccl->api.redOpCreatePreMulSum(
      &op, &weight, CNNC_NCCL_FLOAT32, CNNC_NCCL_SCALAR_HOST_IMMEDIATE,
      nccl->comm);
  if (!result) {
    result = nccl->api.allReduce(gradient, gradient, (size_t)count,
                                 CNNC_NCCL_FLOAT32, op, nccl->comm, stream);
    nccl->api.redOpDestroy(op, nccl->comm);
  }
  if (!result)
    return 0;
  char text[256];
  cnnrt_nccl_describe(nccl, result, "ncclAllReduce", text, sizeof text);
  return cnnrt_train_fail("--device=cuda", "%s", text);
}

/// The step of GPU ranks (--device=cuda): the gradient stays on the device
/// and NCCL sums it; the non-trainable state, the loss, the count and the
/// votes go through the host and MPI first, so that a failed rank stops
/// every rank before NCCL waits for it. State is downloaded and uploaded
/// whole when the model has any (BatchNorm), a cost the reference CNN does
/// not pay.
static int gpuStep(cnnrt_distributed *ranks, cnnrt_instance *instance,
                   const cnnrt_batch *shard, int64_t full, float rate,
                   int64_t step, uint64_t seed, int stopVote, float *loss,
                   int64_t *correct, int *stop) {
  if (!ranks->nccl->comm && startNccl(ranks))
    return -1;
  const cnnc_model_desc *desc =
      cnnrt_model_desc(cnnrt_instance_model(instance));
  int64_t trainable = desc->trainable_elements;
  int64_t state = desc->param_elements - trainable;
  if (reserve(ranks, 0, state))
    return -1;
  float *params = state ? cnnrt_instance_params(instance) : NULL;
  if (state)
    memcpy(ranks->before, params + trainable, (size_t)state * sizeof(float));
  void *gradient = NULL, *stream = NULL;
  float shardLoss = 0.0f;
  int64_t shardCorrect = 0;
  int failed = cnnrt_compute_gradients_on_device(
      instance, shard->images, shard->labels, shard->size, step,
      cnnrt_rank_seed(seed, ranks->rank), &gradient, &stream, &shardLoss,
      &shardCorrect);
  if (failed)
    cnnrt_train_fail_runtime();
  if (state && !failed)
    params = cnnrt_instance_params(instance);
  cnnrt_sum_pack(ranks->sum, 0, state, ranks->before,
                 failed || !state ? ranks->before : params + trainable,
                 failed ? 0 : shard->size, full, shardLoss, shardCorrect,
                 stopVote, failed);
  if (sumOverRanks(ranks, step, "the sum"))
    return -1;
  int anyFailed;
  cnnrt_sum_unpack(ranks->sum, 0, state, ranks->before,
                   state ? params + trainable : ranks->before, loss, correct,
                   stop, &anyFailed);
  if (anyFailed)
    return cnnrt_distributed_agree(ranks, failed, NULL) ? -1 : 0;
  float weight = full > 0 ? (float)((double)shard->size / (double)full) : 0;
  if (sumOnDevice(ranks, gradient, stream, trainable, weight))
    return -1;
  // Applying waits for NCCL's sum: a rank lost now stops it there.
  arm(ranks, "the GPU gradient sum of step %lld", (long long)step);
  int applied = cnnrt_apply_gradients_on_device(instance, rate, step);
  disarm(ranks, MPI_SUCCESS);
  return applied ? cnnrt_train_fail_runtime() : 0;
}

int cnnrt_distributed_step(cnnrt_distributed *ranks, cnnrt_instance *instance,
                           const cnnrt_batch *shard, int64_t full, float rate,
                           int64_t step, uint64_t seed, int stop_vote,
                           float *loss, int64_t *correct, int *stop) {
  if (ranks->nccl)
    return gpuStep(ranks, instance, shard, full, rate, step, seed, stop_vote,
                   loss, correct, stop);
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
  if (sumOverRanks(ranks, step, "the gradient sum"))
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

/// The sums of a split evaluation.
enum { EVAL_LOSS, EVAL_CORRECT, EVAL_COUNT, EVAL_FAILED, EVAL_SUMS };

int cnnrt_distributed_evaluate(cnnrt_distributed *ranks,
                               cnnrt_instance *instance, cnnrt_data_view view,
                               int64_t batchSize, cnnrt_eval_result *result) {
  int64_t first, count;
  cnnrt_shard_range(view.count, ranks->size, ranks->rank, &first, &count);
  cnnrt_data_view part = {view.data, view.begin + first, count};
  cnnrt_eval_result mine;
  int failed = cnnrt_evaluate_view(instance, part, batchSize, &mine, NULL);
  // Doubles: the loss sum, and counts exact up to 2^53.
  double sums[EVAL_SUMS] = {0.0, 0.0, 0.0, 1.0};
  if (!failed) {
    sums[EVAL_LOSS] = mine.loss * (double)mine.count;
    sums[EVAL_CORRECT] = (double)mine.correct;
    sums[EVAL_COUNT] = (double)mine.count;
    sums[EVAL_FAILED] = 0.0;
  }
  arm(ranks, "the sum of the validation results");
  if (disarm(ranks, MPI_Allreduce(MPI_IN_PLACE, sums, EVAL_SUMS, MPI_DOUBLE,
                                  MPI_SUM, MPI_COMM_WORLD)))
    return -1;
  if (sums[EVAL_FAILED] > 0.0)
    return cnnrt_distributed_agree(ranks, failed, NULL) ? -1 : 0;
  memset(result, 0, sizeof *result);
  result->count = (int64_t)sums[EVAL_COUNT];
  result->correct = (int64_t)sums[EVAL_CORRECT];
  if (result->count > 0) {
    result->loss = sums[EVAL_LOSS] / sums[EVAL_COUNT];
    result->accuracy = sums[EVAL_CORRECT] / sums[EVAL_COUNT];
  }
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
  arm(ranks, "the parameter check after epoch %lld", (long long)epoch);
  int result = disarm(ranks, MPI_Allgather(&hash, 1, MPI_UINT64_T, hashes, 1,
                                           MPI_UINT64_T, MPI_COMM_WORLD));
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
