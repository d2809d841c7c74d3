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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/// Random image augmentation of the training batches, as the Keras layers
/// RandomFlip("horizontal"), RandomTranslation / pad-and-crop,
/// RandomBrightness and RandomContrast, applied in that order. Every image
/// draws from Philox4x32-10 keyed by the seed with counter (its index in the
/// training view, epoch, tag), so the augmentation of an epoch depends on
/// (seed, epoch, image) only - not on the batch size, the thread timing or a
/// resume - and needs no saved state.
typedef struct cnnrt_augmentation {
  int horizontal_flip;  ///< mirror left-right with probability 1/2
  double translate;     ///< shift by an integer number of pixels in
                        ///< [-floor(translate x side), +...] per axis, the
                        ///< uncovered pixels reflected (Keras's fill_mode
                        ///< "reflect"); in [0, 1)
  int64_t crop_padding; ///< or: pad with zeros by this many pixels and crop
                        ///< back at a random offset (a shift in [-P, P])
  double brightness;    ///< add delta ~ U[-b, b] x (value_max - value_min)
  double contrast;      ///< (x - channel mean) x c + mean, c ~ U[1-f, 1+f]
  float value_min;      ///< brightness and contrast clip to this range
  float value_max;      ///< (both 0: [0, 1])
} cnnrt_augmentation;

/// 1 when `augmentation` changes images (any of its transforms is on).
int cnnrt_augmentation_enabled(const cnnrt_augmentation *augmentation);

/// Checks the ranges of `augmentation` for images of `height` x `width`.
int cnnrt_augmentation_check(const cnnrt_augmentation *augmentation,
                             int64_t height, int64_t width);

/// Writes the augmentation of image `source` (height x width x channels
/// floats), which is image `index` of the training view in `epoch`, to
/// `out` (not overlapping `source`).
void cnnrt_augment_image(const cnnrt_augmentation *augmentation, uint64_t seed,
                         uint64_t epoch, int64_t index, int64_t height,
                         int64_t width, int64_t channels, const float *source,
                         float *out);

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

/// Augments the images of every later batch of a shuffled iterator (a copy
/// of `augmentation` is kept; NULL turns it off).
int cnnrt_batches_augment(cnnrt_batches *batches,
                          const cnnrt_augmentation *augmentation);

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
/// continue bit for bit: the shuffle generator, the augmentation and the
/// dropout masks are counter-based, so (seed, step, epoch, batch) is their
/// whole state; the callbacks (learning-rate schedules, ReduceLROnPlateau,
/// EarlyStopping, best-only checkpoints) keep theirs here too.
typedef struct cnnrt_train_state {
  uint64_t seed;            ///< parameter initialization and shuffling
  int64_t step;             ///< optimizer steps taken (Adam's t)
  int64_t epoch;            ///< epochs completed
  int64_t batch;            ///< batches completed in the current epoch
  int64_t batch_size;       ///< of the run that wrote the state
  int64_t train_examples;   ///< images in the training view of that run
  double loss_sum;          ///< current epoch: sum of batch loss * batch size
  int64_t correct;          ///< current epoch: correct predictions
  int64_t seen;             ///< current epoch: images trained on
  double lr_scale;          ///< ReduceLROnPlateau: factor applied so far (1)
  double plateau_best;      ///< its best monitored value (NaN: none yet)
  int64_t plateau_wait;     ///< epochs since that value improved
  int64_t plateau_cooldown; ///< cooldown epochs left
  double stop_best;         ///< EarlyStopping: best monitored value (NaN)
  int64_t stop_wait;        ///< epochs since that value improved
  int64_t best_epoch;       ///< the epoch (from 1) of stop_best; 0: none
  double save_best;         ///< best-only checkpoint: best value (NaN)
  int64_t stopped;          ///< 1 when EarlyStopping ended the run
} cnnrt_train_state;

/// A fresh state: zero counters, the seed, lr_scale 1 and NaN bests.
cnnrt_train_state cnnrt_train_state_initial(uint64_t seed);

/// Metrics of one epoch; NaN for the validation values of a run without
/// validation data.
typedef struct cnnrt_epoch_record {
  double loss;
  double accuracy;
  double val_loss;
  double val_accuracy;
  double learning_rate; ///< of the epoch's last step
} cnnrt_epoch_record;

/// Records of epochs 1..count, in order.
typedef struct cnnrt_history {
  int64_t count;
  int64_t capacity;
  cnnrt_epoch_record *records;
  int has_validation;    ///< write the val_* columns
  int has_learning_rate; ///< write the learning_rate column (schedules)
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

/// What a checkpoint holds besides the instance's buffers, the state and the
/// history.
typedef struct cnnrt_checkpoint_extras {
  /// Save: the best parameters to store (EarlyStopping with
  /// restore_best_weights), or NULL. Load: a buffer of param_elements
  /// floats that receives them when the file has them, or NULL.
  float *best_params;
  /// Load: 1 when best parameters were read into best_params.
  int has_best_params;
  /// Save: the class names of the run (NULL: none). Load: a new array
  /// (cnnrt_class_names_free) or NULL when the file has none.
  char **class_names;
  int64_t num_class_names;
} cnnrt_checkpoint_extras;

/// cnnrt_checkpoint_save that also stores `extras` (may be NULL).
int cnnrt_checkpoint_save_extras(const char *path, cnnrt_instance *instance,
                                 const cnnrt_train_state *state,
                                 const cnnrt_history *history,
                                 const cnnrt_checkpoint_extras *extras);

/// cnnrt_checkpoint_load that also reads `extras` (may be NULL: the best
/// parameters and class names are then skipped).
int cnnrt_checkpoint_load_extras(const char *path, cnnrt_instance *instance,
                                 cnnrt_train_state *state,
                                 cnnrt_history *history,
                                 cnnrt_checkpoint_extras *extras);

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

/// What a callback watches (Keras's `monitor`); val_loss is the default.
/// Losses improve downwards, accuracies upwards (Keras's mode "auto").
typedef enum cnnrt_monitor {
  CNNRT_MONITOR_VAL_LOSS,
  CNNRT_MONITOR_VAL_ACCURACY,
  CNNRT_MONITOR_LOSS,
  CNNRT_MONITOR_ACCURACY,
} cnnrt_monitor;

typedef enum cnnrt_lr_schedule_kind {
  CNNRT_LR_CONSTANT,    ///< the learning rate as given
  CNNRT_LR_STEP,        ///< x rate after every period (staircase)
  CNNRT_LR_EXPONENTIAL, ///< x rate^(steps / period steps), continuous
  CNNRT_LR_COSINE,      ///< cosine decay to alpha x the rate
} cnnrt_lr_schedule_kind;

/// A learning-rate schedule as Keras's LearningRateSchedule: a function of
/// the optimizer steps taken before a step (`iterations`). Periods are
/// given in epochs and become max(1, round(period x steps per epoch))
/// steps: step and exponential decay are Keras's ExponentialDecay (with and
/// without staircase), cosine is CosineDecay with decay_steps the period
/// (0: the whole run, epochs x steps per epoch).
typedef struct cnnrt_lr_schedule {
  cnnrt_lr_schedule_kind kind;
  double rate;   ///< step, exponential: factor per period, in (0, 1]
  double period; ///< in epochs; > 0 (cosine: >= 0)
  double alpha;  ///< cosine: final fraction of the learning rate, [0, 1]
} cnnrt_lr_schedule;

/// The learning rate of the step after `steps` steps, before any
/// ReduceLROnPlateau factor (`steps_per_epoch` and `epochs` convert the
/// periods).
double cnnrt_lr_schedule_rate(const cnnrt_lr_schedule *schedule,
                              double learning_rate, int64_t steps,
                              int64_t steps_per_epoch, int64_t epochs);

/// Keras's ReduceLROnPlateau: after `patience` epochs without an
/// improvement of more than `min_delta`, multiply the learning rate by
/// `factor` (not below `min_lr`), then wait `cooldown` epochs.
typedef struct cnnrt_plateau_options {
  int enabled;
  cnnrt_monitor monitor;
  double factor;    ///< in (0, 1); Keras: 0.1
  int64_t patience; ///< Keras: 10
  double min_delta; ///< Keras: 1e-4
  int64_t cooldown; ///< Keras: 0
  double min_lr;    ///< Keras: 0
} cnnrt_plateau_options;

/// Keras's EarlyStopping: stop after `patience` epochs without an
/// improvement of more than `min_delta`; with restore_best_weights, the
/// parameters of the best epoch are put back when it stops.
typedef struct cnnrt_early_stopping_options {
  int enabled;
  cnnrt_monitor monitor;
  int64_t patience; ///< Keras: 0
  double min_delta; ///< Keras: 0
  int restore_best_weights;
} cnnrt_early_stopping_options;

/// Ranks of a data-parallel run (cnnc-train under mpirun; an opaque
/// context of the tool, docs/distributed.md).
typedef struct cnnrt_distributed cnnrt_distributed;

typedef struct cnnrt_fit_options {
  int64_t epochs;                ///< total epochs, counting those already done
  int64_t batch_size;            ///< > 0; with `distributed`, of the global
                                 ///< batch all ranks share
  float learning_rate;           ///< finite, >= 0
  int64_t max_steps;             ///< steps per epoch at most; 0: no limit
  cnnrt_data_view train;         ///< non-empty
  cnnrt_data_view validation;    ///< count 0: no validation
  const char *checkpoint;        ///< saved after every epoch; NULL: none
  const char *history_file;      ///< rewritten after every epoch; NULL: none
  cnnrt_lr_schedule schedule;    ///< zero: constant
  cnnrt_plateau_options plateau; ///< zero: off
  cnnrt_early_stopping_options early_stopping; ///< zero: off
  /// Keras's ModelCheckpoint(save_best_only=True): a checkpoint written only
  /// when `best_monitor` improves on its best (NULL: none).
  const char *best_checkpoint;
  cnnrt_monitor best_monitor;
  /// restore_best_weights: a buffer of param_elements floats that holds the
  /// best parameters (filled by cnnrt_fit, or by a checkpoint load when
  /// resuming: state->best_epoch > 0 says it is valid).
  float *best_params;
  /// Written into every checkpoint (may be NULL).
  const char *const *class_names;
  int64_t num_class_names;
  /// Augmentation of the training batches (zero: none). On the CPU a
  /// producer thread gathers and augments batch i + 1 while step i runs.
  cnnrt_augmentation augmentation;
  /// Data-parallel training: this process is one of several ranks that
  /// each train on a shard of every batch and sum their gradients
  /// (compute_gradients, sum, apply_gradients); NULL: it trains alone with
  /// the fused train_step.
  cnnrt_distributed *distributed;
} cnnrt_fit_options;

/// Totals of one cnnrt_fit call.
typedef struct cnnrt_fit_stats {
  int64_t steps;         ///< optimizer steps taken
  int64_t images;        ///< training images processed
  double train_seconds;  ///< time spent in train steps
  double input_seconds;  ///< time spent getting batches: gathering and
                         ///< augmenting in line, or waiting for the producer
  int stopped;           ///< a callback ended training early
  int early_stopped;     ///< EarlyStopping ended training (state->stopped)
  int64_t lr_reductions; ///< ReduceLROnPlateau reductions in this call
} cnnrt_fit_stats;

/// Trains from `state` (fresh or loaded from a checkpoint) up to
/// options->epochs epochs (or until EarlyStopping stops it; a state that
/// was stopped trains no more), appending one record per epoch to
/// `history`. After each epoch: validation, the history record,
/// ReduceLROnPlateau, EarlyStopping, the best-only checkpoint, the
/// checkpoint, the history file.
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
  int64_t top_k_correct; ///< cnnrt_evaluate_view_top_k: label in the top k
} cnnrt_eval_result;

/// Evaluates `view` in batches of `batch_size`. When `confusion` is not
/// NULL it receives the num_classes x num_classes matrix (row: true class,
/// column: predicted class).
int cnnrt_evaluate_view(cnnrt_instance *instance, cnnrt_data_view view,
                        int64_t batch_size, cnnrt_eval_result *result,
                        int64_t *confusion);

/// cnnrt_evaluate_view that also counts the images whose label is among the
/// `top_k` largest logits (Keras's sparse_top_k_categorical_accuracy; ties
/// count for the label). top_k 0: not counted.
int cnnrt_evaluate_view_top_k(cnnrt_instance *instance, cnnrt_data_view view,
                              int64_t batch_size, cnnrt_eval_result *result,
                              int64_t *confusion, int64_t top_k);

/// scikit-learn's classification_report of a confusion matrix (rows: true
/// class, columns: predicted). Rows are the classes that occur as labels
/// or predictions; precision, recall and F1 of a class without predictions
/// or support are 0 (sklearn's zero_division=0).
typedef struct cnnrt_class_metrics {
  double precision, recall, f1;
  int64_t support;
} cnnrt_class_metrics;

/// Fills `metrics[k]` for every class k < classes, and the macro and
/// weighted averages over the classes that occur (support = all images).
void cnnrt_classification_report(const int64_t *confusion, int64_t classes,
                                 cnnrt_class_metrics *metrics,
                                 cnnrt_class_metrics *macro,
                                 cnnrt_class_metrics *weighted);

/// 1 when class k occurs in the confusion matrix (label or prediction).
int cnnrt_class_occurs(const int64_t *confusion, int64_t classes, int64_t k);

/// Prints the report as scikit-learn does (4 digits), names[k] naming class
/// k (NULL or fewer names: the number).
void cnnrt_report_print(FILE *out, const int64_t *confusion, int64_t classes,
                        const char *const *names, int64_t num_names);

/// Writes the report as CSV (".csv": class,precision,recall,f1-score,support
/// rows, then accuracy, macro avg, weighted avg) or JSON (".json":
/// sklearn's output_dict), atomically. top_k > 0 adds the top-k accuracy.
int cnnrt_report_write(const char *path, const int64_t *confusion,
                       int64_t classes, const char *const *names,
                       int64_t num_names, int64_t top_k, double top_k_accuracy);

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

/// cnnrt_plots_write with the class names on the confusion matrices' axes
/// (NULL or fewer names: numbers). Also writes the row-normalized matrix,
/// a learning-rate curve when the history has rates, and overview.<format>
/// with the curves and the normalized matrix side by side.
int cnnrt_plots_write_named(const char *dir, const char *format,
                            const cnnrt_history *history,
                            const int64_t *confusion, int64_t num_classes,
                            const char *const *names, int64_t num_names);

/*===----------------------------------------------------------------------===*\
|* Bindings                                                                   *|
\*===----------------------------------------------------------------------===*/

/// sizeof the struct named `type` ("cnnrt_fit_options", "cnnc_model_desc",
/// ...: every struct of this header and of abi.h that a binding passes),
/// or 0 for other names. Bindings that declare the structs themselves
/// (Python's ctypes, docs/python.md) compare sizes when they load the
/// library.
size_t cnnrt_train_sizeof(const char *type);

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
