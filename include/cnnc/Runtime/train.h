/*===- train.h - C API of the cnnc training library (cnnrt_train) -*- C -*-===*\
|*                                                                            *|
|* The fit loop on top of libcnnrt: shuffled mini-batches that can be resumed *|
|* exactly, validation splits, checkpoints (docs/checkpoint.md), the per-     *|
|* epoch history (CSV/JSON), gnuplot plots and the `cnnc-train` tool itself   *|
|* (docs/cnnc-train.md). Plain C11, no MLIR dependency.                       *|
|*                                                                            *|
|* Conventions are those of cnnrt.h: functions returning int return 0 on      *|
|* success and -1 on failure, pointers are NULL on failure, and the calling   *|
|* thread's cnnrt_train_last_error() then holds one line                      *|
|* "<file>: <what is wrong>" (with a byte offset where one helps).            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_TRAIN_H
#define CNNC_RUNTIME_TRAIN_H

#include "cnnc/Runtime/cnnrt.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The message of the last failed cnnrt_train_* call on the calling thread,
/// or "" when none has failed yet.
const char *cnnrt_train_last_error(void);

/*===----------------------------------------------------------------------===*\
|* Data views and mini-batches                                                *|
\*===----------------------------------------------------------------------===*/

/// Images [begin, begin + count) of a data set (not owned).
typedef struct cnnrt_data_view {
  const cnnrt_dataset *data;
  int64_t begin;
  int64_t count;
} cnnrt_data_view;

/// The first `count` images of `data` (all of them when count < 0 or count
/// exceeds the data set).
cnnrt_data_view cnnrt_data_view_first(const cnnrt_dataset *data, int64_t count);

/// Keras's validation_split: `train` keeps the first floor(n * (1 - fraction))
/// images of `all`, `validation` the rest (the last images, not shuffled).
/// Fails unless 0 < fraction < 1 and both parts are non-empty.
int cnnrt_validation_split(cnnrt_data_view all, double fraction,
                           cnnrt_data_view *train, cnnrt_data_view *validation);

/// Puts the images of `data` in the order of a Philox permutation keyed by
/// `seed` (cnnrt_shuffle_order with epoch 2^32 - 1, which no fit uses), as
/// Keras's image_dataset_from_directory shuffles file paths: a validation
/// split of a folder read class by class then samples every class.
int cnnrt_dataset_shuffle(cnnrt_dataset *data, uint64_t seed);

/// Writes a permutation of [0, count) to `order`: Fisher-Yates driven by
/// Philox4x32-10 keyed by `seed` with counter (position, epoch, attempt), so
/// the order depends on (seed, epoch, count) only and needs no saved state.
/// Requires 0 <= count and epoch < 2^32.
int cnnrt_shuffle_order(uint64_t seed, uint64_t epoch, int64_t *order,
                        int64_t count);

/// Iterates over a view in mini-batches of `batch_size` images; the last
/// batch of an epoch may be smaller.
typedef struct cnnrt_batches cnnrt_batches;

/// One mini-batch. The pointers stay valid until the next call on the
/// iterator.
typedef struct cnnrt_batch {
  const float *images;   ///< size * H * W * C floats
  const int32_t *labels; ///< size labels
  int64_t size;          ///< images in this batch
  int64_t index;         ///< batch number within the epoch, from 0
  const int64_t *order;  ///< view-relative image indices of this batch
} cnnrt_batch;

/// An iterator over `view`; with `shuffle` each epoch visits the images in
/// the order cnnrt_shuffle_order(seed, epoch) gives, otherwise in order.
cnnrt_batches *cnnrt_batches_create(cnnrt_data_view view, int64_t batch_size,
                                    int shuffle, uint64_t seed);

void cnnrt_batches_destroy(cnnrt_batches *batches);

/// Batches per epoch: ceil(count / batch_size).
int64_t cnnrt_batches_per_epoch(const cnnrt_batches *batches);

/// Positions the iterator at batch `first_batch` of epoch `epoch` (0-based).
int cnnrt_batches_start(cnnrt_batches *batches, uint64_t epoch,
                        int64_t first_batch);

/// Fills `batch` with the next batch and returns 1, or returns 0 at the end
/// of the epoch.
int cnnrt_batches_next(cnnrt_batches *batches, cnnrt_batch *batch);

/*===----------------------------------------------------------------------===*\
|* Training state and history                                                 *|
\*===----------------------------------------------------------------------===*/

/// The most optimizer steps a run may take (2^53: a double counts them
/// exactly, and at a billion steps a second it lasts 104 days). Checkpoints
/// with a larger step count are refused; cnnrt_fit stops with an error
/// before exceeding it, so its counters never overflow.
#define CNNRT_MAX_STEPS (INT64_C(1) << 53)

/// Everything besides the instance's buffers that a resumed run needs to
/// continue bit for bit: the shuffle generator and the dropout masks are
/// counter-based, so (seed, step, epoch, batch) is their whole state.
typedef struct cnnrt_train_state {
  uint64_t seed;          ///< parameter initialization and shuffling
  int64_t step;           ///< optimizer steps taken (Adam's t)
  int64_t epoch;          ///< epochs completed
  int64_t batch;          ///< batches completed in the current epoch
  int64_t batch_size;     ///< of the run that wrote the state
  int64_t train_examples; ///< images in the training view of that run
  double loss_sum;        ///< current epoch: sum of batch loss * batch size
  int64_t correct;        ///< current epoch: correct predictions
  int64_t seen;           ///< current epoch: images trained on
} cnnrt_train_state;

/// A fresh state: everything zero except the seed.
cnnrt_train_state cnnrt_train_state_initial(uint64_t seed);

/// Metrics of one epoch; NaN for the validation values of a run without
/// validation data.
typedef struct cnnrt_epoch_record {
  double loss;
  double accuracy;
  double val_loss;
  double val_accuracy;
} cnnrt_epoch_record;

/// Records of epochs 1..count, in order.
typedef struct cnnrt_history {
  int64_t count;
  int64_t capacity;
  cnnrt_epoch_record *records;
  int has_validation; ///< write the val_* columns
} cnnrt_history;

int cnnrt_history_append(cnnrt_history *history,
                         const cnnrt_epoch_record *record);

/// Frees the records and empties the history.
void cnnrt_history_clear(cnnrt_history *history);

/// Writes the history atomically as CSV (".csv") or JSON (".json"), chosen
/// by the extension of `path`; other extensions fail.
int cnnrt_history_write(const cnnrt_history *history, const char *path);

/// 1 when `path` ends in ".csv" or ".json".
int cnnrt_history_path_is_supported(const char *path);

/*===----------------------------------------------------------------------===*\
|* Checkpoints (format: docs/checkpoint.md)                                   *|
\*===----------------------------------------------------------------------===*/

/// Writes parameters, optimizer state, `state` and `history` (may be NULL) to
/// `path` atomically: a temporary file in the same directory is written,
/// flushed, fsync'ed and renamed over `path`, and the directory is fsync'ed.
/// On failure `path` keeps its previous contents.
int cnnrt_checkpoint_save(const char *path, cnnrt_instance *instance,
                          const cnnrt_train_state *state,
                          const cnnrt_history *history);

/// Reads a checkpoint written for the model of `instance` and, only when the
/// whole file is valid (size, CRC32, model name, optimizer and every tensor's
/// name and shape), replaces the instance's parameters and optimizer state
/// and fills `state` and `history` (may be NULL). A model compiled without
/// training accepts the checkpoint of any optimizer and takes only its
/// parameters.
int cnnrt_checkpoint_load(const char *path, cnnrt_instance *instance,
                          cnnrt_train_state *state, cnnrt_history *history);

/*===----------------------------------------------------------------------===*\
|* Fit and evaluate                                                           *|
\*===----------------------------------------------------------------------===*/

/// Hooks the fit loop calls; any may be NULL. A non-zero return from
/// batch_end stops training right after that batch (the state then points
/// into the middle of an epoch and can be checkpointed); a non-zero return
/// from epoch_end stops it after that epoch.
typedef struct cnnrt_fit_callbacks {
  void *context;
  void (*epoch_begin)(void *context, int64_t epoch, int64_t epochs,
                      int64_t steps);
  int (*batch_end)(void *context, int64_t done, int64_t steps, double loss,
                   double accuracy);
  int (*epoch_end)(void *context, int64_t epoch, int64_t epochs,
                   const cnnrt_epoch_record *record, double seconds);
} cnnrt_fit_callbacks;

typedef struct cnnrt_fit_options {
  int64_t epochs;             ///< total epochs, counting those already done
  int64_t batch_size;         ///< > 0
  float learning_rate;        ///< finite, >= 0
  int64_t max_steps;          ///< steps per epoch at most; 0: no limit
  cnnrt_data_view train;      ///< non-empty
  cnnrt_data_view validation; ///< count 0: no validation
  const char *checkpoint;     ///< saved after every epoch; NULL: none
  const char *history_file;   ///< rewritten after every epoch; NULL: none
} cnnrt_fit_options;

/// Totals of one cnnrt_fit call.
typedef struct cnnrt_fit_stats {
  int64_t steps;        ///< optimizer steps taken
  int64_t images;       ///< training images processed
  double train_seconds; ///< time spent in train steps
  int stopped;          ///< a callback ended training early
} cnnrt_fit_stats;

/// Trains from `state` (fresh or loaded from a checkpoint) up to
/// options->epochs epochs, appending one record per epoch to `history`.
/// Calls the model's train_step directly with step = state->step + 1, so
/// `state` (not cnnrt_instance_step) counts the optimizer steps.
int cnnrt_fit(cnnrt_instance *instance, const cnnrt_fit_options *options,
              cnnrt_train_state *state, cnnrt_history *history,
              const cnnrt_fit_callbacks *callbacks, cnnrt_fit_stats *stats);

/// Loss and accuracy over a data set.
typedef struct cnnrt_eval_result {
  double loss;     ///< mean over images
  double accuracy; ///< correct / count
  int64_t count;
  int64_t correct;
} cnnrt_eval_result;

/// Evaluates `view` in batches of `batch_size`. When `confusion` is not
/// NULL it receives the num_classes x num_classes matrix (row: true class,
/// column: predicted class).
int cnnrt_evaluate_view(cnnrt_instance *instance, cnnrt_data_view view,
                        int64_t batch_size, cnnrt_eval_result *result,
                        int64_t *confusion);

/// Checks that the images of `view` have the model's input shape and that
/// its labels are classes of the model; `what` names the data in messages.
int cnnrt_check_data(const cnnrt_model *model, cnnrt_data_view view,
                     const char *what);

/*===----------------------------------------------------------------------===*\
|* Plots                                                                      *|
\*===----------------------------------------------------------------------===*/

/// Writes loss/accuracy curves (train and validation) and, when `confusion`
/// is not NULL, a confusion-matrix heatmap into `dir` ("png" or "svg"
/// images) by generating data files and a gnuplot script and running
/// gnuplot on it. Returns 0 when the images were made, 1 when gnuplot is
/// not installed (data and script are still written), -1 on errors.
int cnnrt_plots_write(const char *dir, const char *format,
                      const cnnrt_history *history, const int64_t *confusion,
                      int64_t num_classes);

/*===----------------------------------------------------------------------===*\
|* The cnnc-train tool                                                        *|
\*===----------------------------------------------------------------------===*/

/// The whole `cnnc-train` command line (docs/cnnc-train.md); returns the
/// process exit code.
int cnnrt_train_tool_main(int argc, char **argv);

#ifdef __cplusplus
} // extern "C"
#endif

#endif /* CNNC_RUNTIME_TRAIN_H */
