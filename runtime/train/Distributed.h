//===- Distributed.h - data-parallel training across MPI ranks ---*- C -*-===//
//
// `mpirun -np N cnnc-train model.so ...` runs N processes (ranks) that train
// one model together (docs/distributed.md). Every rank holds the whole
// training set and walks the same shuffled global batches; each trains on
// its shard of every batch (cnnrt_shard_range), and one sum over the ranks
// per step combines the shards' gradients, weighted by shard size, into the
// gradient of the global batch's mean loss. Every rank then applies that
// same update, so parameters stay identical on all ranks; rank 0 alone
// prints and writes files.
//
// All MPI calls are in Distributed.c, built when CMake finds MPI;
// DistributedNone.c stands in without it. The parts that need no MPI (the
// layout of the summed buffer, fingerprints, hashes) are in
// DistributedStep.c and are unit-tested in one process.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_TRAIN_DISTRIBUTED_H
#define CNNC_RUNTIME_TRAIN_DISTRIBUTED_H

#include "cnnc/Runtime/train.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Incremented whenever ranks of different builds could not work together
/// (the summed buffer's layout, the order of the collectives).
#define CNNRT_DISTRIBUTED_PROTOCOL 1u

/// Default seconds a collective may wait for the other ranks.
#define CNNRT_DISTRIBUTED_TIMEOUT 300.0

/// Test-only fault injection, "RANK:STEP:kill|hang": rank RANK kills itself
/// (SIGKILL) or stops answering before the gradient sum of step STEP.
#define CNNRT_DISTRIBUTED_FAULT_ENV "CNNC_TRAIN_FAULT"

/// When set to 1, every rank prints the hash of its parameters and
/// optimizer state to stderr after every epoch (what the tests compare).
#define CNNRT_DISTRIBUTED_TRACE_ENV "CNNC_TRAIN_TRACE_HASH"

//===----------------------------------------------------------------------===//
// Ranks (Distributed.c with MPI, DistributedNone.c without)
//===----------------------------------------------------------------------===//

/// Starts MPI when the process is one of several ranks of a launcher
/// (mpirun sets OMPI_COMM_WORLD_SIZE, Hydra/Slurm PMI_SIZE): `*out` is the
/// context then, NULL for a process alone. Ranks other than 0 send their
/// stdout to /dev/null. Fails when this build has no MPI but was launched
/// as one of several ranks (each would train alone: -1 on rank 0, -2 on the
/// others, which exit without a message of their own) or MPI cannot start.
int cnnrt_distributed_start(int *argc, char ***argv, cnnrt_distributed **out);

/// Ends MPI. After a failure that cnnrt_distributed_agree did not share
/// (the other ranks may be waiting in a collective) the job is aborted.
void cnnrt_distributed_finish(cnnrt_distributed *ranks, int failed);

int cnnrt_distributed_rank(const cnnrt_distributed *ranks);
int cnnrt_distributed_size(const cnnrt_distributed *ranks);

/// Seconds every later collective may take before the job is aborted
/// with one line naming the collective (a watchdog thread watches them).
void cnnrt_distributed_set_timeout(cnnrt_distributed *ranks, double seconds);

/// Prepares the device of this rank before anything touches CUDA: with
/// `cuda`, rank r on a node uses GPU (local rank) unless CNNC_CUDA_DEVICE
/// says otherwise, and NCCL must load (libnccl.so.2).
int cnnrt_distributed_select_device(cnnrt_distributed *ranks, int cuda);

/// A model and run every rank must share: a rank with another library,
/// runtime, data or training flags would train something else.
typedef struct cnnrt_fingerprint {
  uint32_t protocol;     ///< CNNRT_DISTRIBUTED_PROTOCOL
  uint32_t runtime_abi;  ///< CNNC_ABI_VERSION this cnnc-train reads
  uint32_t model_abi;    ///< the library's descriptor version
  uint32_t has_fit;      ///< the fit part below is filled in
  uint64_t model_bytes;  ///< size of the library file
  uint64_t model_hash;   ///< FNV-1a of its bytes
  uint64_t table_hash;   ///< parameter table, optimizer, loss, shapes
  uint64_t options_hash; ///< training flags that change the updates
  int64_t train_images;  ///< training view
  uint64_t train_hash;   ///< its images and labels
  int64_t validation_images;
  uint64_t validation_hash;
  char model[256]; ///< the library's path on this rank (cut), for messages
} cnnrt_fingerprint;

/// Collective: every rank reports whether it `failed` (its message is
/// cnnrt_train_last_error()) and its fingerprint (NULL: none). Returns 0
/// when no rank failed and every fingerprint equals rank 0's; otherwise -1
/// on every rank with the same last error: the failing rank's message
/// ("rank 2: train.idx: ..."; without the rank when every rank failed
/// alike) or the difference of the fingerprints. cnnc-train prints such a
/// shared error on rank 0 only.
int cnnrt_distributed_agree(cnnrt_distributed *ranks, int failed,
                            const cnnrt_fingerprint *fingerprint);

/// 1 when the last failure was shared by cnnrt_distributed_agree.
int cnnrt_distributed_failure_shared(const cnnrt_distributed *ranks);

/// Copies `size` bytes of rank 0's `bytes` to every rank.
int cnnrt_distributed_broadcast(cnnrt_distributed *ranks, void *bytes,
                                size_t size, const char *what);

/// One data-parallel step on this rank's `shard` of a global batch of
/// `full` images: compute_gradients on the shard, one sum over the ranks
/// (gradient, non-trainable state, loss, correct count, stop votes),
/// apply_gradients. Writes the global batch's mean loss and correct count
/// and sets `*stop` when any rank voted `stop_vote`.
int cnnrt_distributed_step(cnnrt_distributed *ranks, cnnrt_instance *instance,
                           const cnnrt_batch *shard, int64_t full, float rate,
                           int64_t step, uint64_t seed, int stop_vote,
                           float *loss, int64_t *correct, int *stop);

/// Evaluates `view` split across the ranks: each rank evaluates its
/// contiguous part (cnnrt_shard_range of the image count) in batches of
/// `batchSize`, then one sum gives every rank the same loss, accuracy and
/// counts of the whole view. A rank's failure fails every rank with its
/// message.
int cnnrt_distributed_evaluate(cnnrt_distributed *ranks,
                               cnnrt_instance *instance, cnnrt_data_view view,
                               int64_t batchSize, cnnrt_eval_result *result);

/// After an epoch: checks that every rank holds the same parameters and
/// optimizer state (a hash compared across ranks; a difference is an error
/// naming the ranks), and prints the hash with CNNRT_DISTRIBUTED_TRACE_ENV.
int cnnrt_distributed_verify(cnnrt_distributed *ranks, cnnrt_instance *instance,
                             int64_t epoch);

//===----------------------------------------------------------------------===//
// The summed buffer, fingerprints and hashes (DistributedStep.c, no MPI)
//===----------------------------------------------------------------------===//

/// The scalars after the gradient and the state deltas in the summed
/// buffer.
enum {
  CNNRT_SUM_LOSS,    ///< shard weight x the shard's mean loss
  CNNRT_SUM_CORRECT, ///< correct predictions (exact: < 2^24 per batch)
  CNNRT_SUM_STOP,    ///< ranks asking to stop after this step
  CNNRT_SUM_FAILED,  ///< ranks whose compute_gradients failed
  CNNRT_SUM_SCALARS
};

/// Floats of the summed buffer: the gradient (`trainable` floats), the
/// state deltas (`state` floats: the parameters after the trainable
/// prefix), the scalars.
int64_t cnnrt_sum_elements(int64_t trainable, int64_t state);

/// Weights this rank's part of `buffer` (whose first `trainable` floats
/// hold the shard's mean gradient) by shard / full, so that the sum over
/// the ranks is the global batch's mean: the gradient in place, the change
/// of the state over the step (`after` - `before`), the loss; then the
/// correct count and the votes.
void cnnrt_sum_pack(float *buffer, int64_t trainable, int64_t state,
                    const float *before, const float *after, int64_t shard,
                    int64_t full, float loss, int64_t correct, int stop,
                    int failed);

/// Reads the summed buffer: the new state (`before` + the weighted deltas:
/// the ranks' moving statistics averaged, frozen weights unchanged bit for
/// bit) into `state`, the loss, the count and the votes.
void cnnrt_sum_unpack(const float *buffer, int64_t trainable, int64_t state,
                      const float *before, float *stateOut, float *loss,
                      int64_t *correct, int *stop, int *failed);

/// The random seed of rank `rank`'s random layers (dropout): the run's seed
/// on rank 0, a distinct stream on the others, so that the shards of one
/// batch do not share masks.
uint64_t cnnrt_rank_seed(uint64_t seed, int rank);

/// FNV-1a (64 bit) of `size` bytes, continuing from `hash` (start with
/// CNNRT_HASH_START).
#define CNNRT_HASH_START UINT64_C(0xcbf29ce484222325)
uint64_t cnnrt_hash_bytes(uint64_t hash, const void *bytes, size_t size);

/// A fast hash of a float array (8 bytes per round), for data sets.
uint64_t cnnrt_hash_words(uint64_t hash, const void *bytes, size_t size);

/// Fills the model part of `fingerprint` (reads the library file).
int cnnrt_fingerprint_model(const cnnrt_model *model,
                            cnnrt_fingerprint *fingerprint);

/// Fills the fit part: the flags that change the updates and the data.
void cnnrt_fingerprint_fit(const cnnrt_fit_options *options,
                           cnnrt_fingerprint *fingerprint);

/// Compares rank `rank`'s fingerprint with rank 0's; on a difference fails
/// with "rank R: <what differs>".
int cnnrt_fingerprint_compare(const cnnrt_fingerprint *mine,
                              const cnnrt_fingerprint *first, int rank);

/// The number of ranks a launcher started and this process's rank, from
/// its environment (OMPI_COMM_WORLD_SIZE/RANK of Open MPI's mpirun,
/// PMI_SIZE/RANK of Hydra and Slurm); 1 and 0 without one.
int cnnrt_launcher_ranks(int *rank);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // CNNC_RUNTIME_TRAIN_DISTRIBUTED_H
