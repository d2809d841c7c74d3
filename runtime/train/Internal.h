//===- Internal.h - shared helpers of the training library --------*- C -*-===//
//
// Declarations shared by the files of runtime/train: the thread-local error
// message, little-endian encoding, atomic file replacement and the clock.
// Nothing here is part of the public API in cnnc/Runtime/train.h.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_TRAIN_INTERNAL_H
#define CNNC_RUNTIME_TRAIN_INTERNAL_H

#include "cnnc/Runtime/train.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

//===----------------------------------------------------------------------===//
// Errors (Error.c)
//===----------------------------------------------------------------------===//

/// Records "<subject>: <message>" (just the message for a NULL subject) as
/// the calling thread's last error (control characters become spaces).
/// Returns -1.
__attribute__((format(printf, 2, 3))) int
cnnrt_train_fail(const char *subject, const char *format, ...);

/// Like cnnrt_train_fail, followed by ": <strerror(errnum)>".
__attribute__((format(printf, 3, 4))) int
cnnrt_train_fail_errno(const char *subject, int errnum, const char *format,
                       ...);

/// Copies libcnnrt's last error (already "<file>: <what>"). Returns -1.
int cnnrt_train_fail_runtime(void);

//===----------------------------------------------------------------------===//
// Little-endian encoding, independent of the host byte order
//===----------------------------------------------------------------------===//

static inline void cnnrt_put_u32(unsigned char *out, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out[i] = (unsigned char)(value >> (8 * i));
}

static inline void cnnrt_put_u64(unsigned char *out, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    out[i] = (unsigned char)(value >> (8 * i));
}

static inline uint32_t cnnrt_get_u32(const unsigned char *in) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i)
    value = (value << 8) | in[i];
  return value;
}

static inline uint64_t cnnrt_get_u64(const unsigned char *in) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | in[i];
  return value;
}

//===----------------------------------------------------------------------===//
// Atomic file replacement (AtomicFile.c)
//===----------------------------------------------------------------------===//

/// A file being written under a temporary name next to its final path.
typedef struct cnnrt_atomic_file {
  FILE *file;      ///< the temporary file, open for writing
  char *path;      ///< final path
  char *temp_path; ///< "<dir>/.<name>.XXXXXX"
  uint32_t crc;    ///< zlib CRC32 of everything passed to _write
} cnnrt_atomic_file;

/// Creates the temporary file (mode 0644) in the directory of `path`.
int cnnrt_atomic_open(cnnrt_atomic_file *file, const char *path);

/// fwrite + CRC update; on failure the file is aborted.
int cnnrt_atomic_write(cnnrt_atomic_file *file, const void *bytes, size_t size);

/// fflush, fsync, fclose, rename over the final path, fsync the directory.
/// On failure the temporary file is removed and the final path untouched.
int cnnrt_atomic_commit(cnnrt_atomic_file *file);

/// Closes and removes the temporary file. Safe to call twice.
void cnnrt_atomic_abort(cnnrt_atomic_file *file);

//===----------------------------------------------------------------------===//
// Mini-batches (Batches.c)
//===----------------------------------------------------------------------===//

/// Gathers shuffled batches into two buffers in turn, so a batch returned by
/// cnnrt_batches_next stays valid while the next one is gathered (for
/// prefetching loops). Nothing to do for iterators that do not gather.
int cnnrt_batches_double_buffer(cnnrt_batches *batches);

/// Bytes of one gathered batch of images and of labels.
void cnnrt_batches_buffer_bytes(const cnnrt_batches *batches,
                                size_t *image_bytes, size_t *label_bytes);

/// The index of the batch cnnrt_batches_next would return next.
int64_t cnnrt_batches_position(const cnnrt_batches *batches);

/// Gathers (and augments) batch `index` of the started epoch of a shuffled
/// iterator into `images` and `labels` and describes it in `batch`. Only
/// reads the iterator: another thread may call it while nothing restarts
/// the iterator.
void cnnrt_batches_gather(const cnnrt_batches *batches, int64_t index,
                          float *images, int32_t *labels, cnnrt_batch *batch);

/// The images of a global batch of `size` that rank `rank` of `ranks` takes
/// in data-parallel training: `*count` images from offset `*first`. The
/// first size % ranks ranks take one image more than the others, so shards
/// differ by at most one image (and are empty when size < ranks).
void cnnrt_shard_range(int64_t size, int ranks, int rank, int64_t *first,
                       int64_t *count);

/// Makes the later batches of a shuffled iterator hold only rank `rank`'s
/// shard (cnnrt_shard_range) of each global batch: the same shuffle, batch
/// numbering and augmentation as one process, cut into `ranks` pieces.
int cnnrt_batches_shard(cnnrt_batches *batches, int rank, int ranks);

/// The images of global batch `index` of the epoch, all shards together.
int64_t cnnrt_batches_full_size(const cnnrt_batches *batches, int64_t index);

/// A producer thread that gathers and augments batch i + 1 while the
/// caller trains on batch i (Pipeline.c).
typedef struct cnnrt_pipeline cnnrt_pipeline;

/// A pipeline over the shuffled iterator `batches` (which must outlive it).
cnnrt_pipeline *cnnrt_pipeline_create(cnnrt_batches *batches);

void cnnrt_pipeline_destroy(cnnrt_pipeline *pipeline);

/// Starts epoch `epoch` at batch `first_batch` (of the first `steps`
/// batches): the producer begins on it at once.
int cnnrt_pipeline_start(cnnrt_pipeline *pipeline, uint64_t epoch,
                         int64_t first_batch, int64_t steps);

/// Waits for the next batch and returns 1, or 0 after the last. The batch
/// stays valid until the next call; the producer meanwhile fills the other
/// buffer.
int cnnrt_pipeline_next(cnnrt_pipeline *pipeline, cnnrt_batch *batch);

//===----------------------------------------------------------------------===//
// Callbacks (Callbacks.c)
//===----------------------------------------------------------------------===//

/// "val_loss", "val_accuracy", "loss" or "accuracy".
const char *cnnrt_monitor_name(cnnrt_monitor monitor);

/// Checks schedules and callbacks against the fit (ranges, validation data
/// for val_* monitors, the best-parameter buffer).
int cnnrt_callbacks_check(const cnnrt_fit_options *options);

/// What checkpoints of the fit store besides the state: class names and,
/// with restore_best_weights, the best parameters once there are some.
cnnrt_checkpoint_extras cnnrt_fit_extras(const cnnrt_fit_options *options,
                                         const cnnrt_train_state *state);

/// ReduceLROnPlateau, EarlyStopping (stats->early_stopped, state->stopped;
/// restores the best parameters) and the best-only checkpoint, after the
/// epoch's record was appended and state->epoch counts it.
int cnnrt_callbacks_epoch_end(cnnrt_instance *instance,
                              const cnnrt_fit_options *options,
                              cnnrt_train_state *state,
                              const cnnrt_history *history,
                              const cnnrt_epoch_record *record,
                              cnnrt_fit_stats *stats);

//===----------------------------------------------------------------------===//
// Misc
//===----------------------------------------------------------------------===//

/// Seconds of a monotonic clock.
double cnnrt_train_now(void);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // CNNC_RUNTIME_TRAIN_INTERNAL_H
