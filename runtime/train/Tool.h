//===- Tool.h - command line and console output of cnnc-train ----*- C -*-===//
//
// The pieces of `cnnc-train` below its main: the parsed command line
// (Options.c), the Keras-style console output (Progress.c) and the three
// commands (Tool.c, ToolData.c). Declared here rather than in the public
// header so that the unit tests can reach them.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_TRAIN_TOOL_H
#define CNNC_RUNTIME_TRAIN_TOOL_H

#include "cnnc/Runtime/train.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cnnrt_tool_command {
  CNNRT_TOOL_FIT = 1,
  CNNRT_TOOL_EVALUATE = 2,
  CNNRT_TOOL_PREDICT = 4,
} cnnrt_tool_command;

typedef enum cnnrt_progress_mode {
  CNNRT_PROGRESS_AUTO, ///< a bar when stdout is a terminal
  CNNRT_PROGRESS_BAR,
  CNNRT_PROGRESS_PLAIN,
} cnnrt_progress_mode;

/// The parts of a data set on the command line.
typedef enum cnnrt_split {
  CNNRT_SPLIT_TRAIN,
  CNNRT_SPLIT_VALIDATION,
  CNNRT_SPLIT_TEST,
  CNNRT_SPLITS
} cnnrt_split;

/// The most --train-file (--test-file, ...) flags of one split.
#define CNNRT_TOOL_MAX_FILES 64

/// The most image files predict takes on the command line (more: --images).
#define CNNRT_TOOL_MAX_INPUTS 1024

/// Where one split's data is (--train-images, --train-dir, ...).
typedef struct cnnrt_split_files {
  const char *images; ///< idx: IDX file; npz: .npy file
  const char *labels;
  const char *dir;                         ///< folder
  const char *files[CNNRT_TOOL_MAX_FILES]; ///< cifar10 batch files
  int num_files;
} cnnrt_split_files;

/// Everything the command line says; defaults from cnnrt_tool_parse.
typedef struct cnnrt_tool_options {
  cnnrt_tool_command command;
  int help;              ///< --help: print usage, do nothing else
  const char *model;     ///< the .so
  const char *data;      ///< fashion-mnist, cifar10, idx, npz or folder
  const char *data_dir;  ///< NULL: the data set's default
  const char *data_file; ///< npz: archive with x_train, y_train, ...
  cnnrt_split_files splits[CNNRT_SPLITS];
  const char *class_names; ///< --class-names FILE
  double rescale;          ///< 0: the readers' default (1/255 for bytes)
  double rescale_offset;
  const char *inputs[CNNRT_TOOL_MAX_INPUTS]; ///< predict: image files
  int64_t num_inputs;
  const char *images_dir;     ///< predict: every image under this folder
  int64_t top_k;              ///< 0: predict 3, evaluate/fit: no top-k metric
  const char *report;         ///< per-class report, .csv or .json
  cnnrt_lr_schedule schedule; ///< --lr-schedule
  cnnrt_plateau_options plateau;               ///< --reduce-lr-on-plateau
  cnnrt_early_stopping_options early_stopping; ///< --early-stopping
  const char *save_best;                       ///< --save-best FILE
  cnnrt_monitor save_best_monitor;             ///< --save-best-monitor
  cnnrt_augmentation augmentation;             ///< --augment
  int64_t epochs;                              ///< 1
  int64_t batch;                               ///< 32
  double learning_rate;                        ///< 1e-3
  uint64_t seed;                               ///< 1
  int seed_given;                              ///< --seed appeared
  double validation_split;                     ///< 0: none
  int validation_test;                         ///< --validation-data test
  const char *history;                         ///< .csv or .json
  const char *checkpoint; ///< fit: save; evaluate/predict: load
  const char *resume;     ///< fit only
  const char *plots;      ///< directory
  const char *weights;    ///< fit: raw float32 parameters written at the end
  const char *initial_weights; ///< --weights: raw float32 parameters to start
                               ///< from (fit) or to use (evaluate, predict)
  const char *plot_format;     ///< "png"
  int64_t max_steps;           ///< 0: whole epochs
  int64_t train_subset;        ///< -1: all
  int64_t test_subset;         ///< -1: all
  int64_t count;               ///< predict: 10
  int64_t threads;             ///< 0: the runtime's default (CNNC_NUM_THREADS,
                               ///< OMP_NUM_THREADS, every core)
  cnnrt_progress_mode progress;
  const char *device;        ///< "cpu" (default) or "cuda"
  double collective_timeout; ///< data-parallel ranks: seconds a collective
                             ///< waits (CNNRT_DISTRIBUTED_TIMEOUT)
  /// Set by cnnrt_train_tool_main under mpirun (Distributed.h), else NULL.
  cnnrt_distributed *distributed;
} cnnrt_tool_options;

/// Parses argv. On failure returns -1 and cnnrt_train_last_error() holds
/// "<flag or file>: <what is wrong>". Nothing is allocated: the options
/// point into argv.
int cnnrt_tool_parse(int argc, char **argv, cnnrt_tool_options *options);

/// Parses the value of --lr-schedule, --reduce-lr-on-plateau,
/// --early-stopping or --save-best-monitor (OptionsCallbacks.c).
int cnnrt_tool_parse_callback(const char *flag, const char *value,
                              cnnrt_tool_options *options);

/// The rules between the data flags (ToolData.c).
int cnnrt_tool_check_data_flags(const cnnrt_tool_options *options);

/// The usage text printed by --help.
void cnnrt_tool_usage(FILE *out);

/// "Epoch 2/4  37/60 [=====>........] - ETA: 3s - loss: 0.6100 - accuracy:
/// 0.7800" for a bar `width` characters wide.
void cnnrt_format_bar(char *out, size_t capacity, int64_t epoch, int64_t epochs,
                      int64_t done, int64_t steps, double elapsed, double loss,
                      double accuracy, int width);

/// "Epoch 1/4 - 93s - loss: 0.4821 - accuracy: 0.8262[ - val_loss: ...
/// - val_accuracy: ...]".
void cnnrt_format_epoch(char *out, size_t capacity, int64_t epoch,
                        int64_t epochs, double seconds,
                        const cnnrt_epoch_record *record, int validation);

/// ETAs as Keras shows them: "42s", "3:07", "1:02:03".
void cnnrt_format_duration(char *out, size_t capacity, double seconds);

/// Console output state of one fit.
typedef struct cnnrt_progress {
  FILE *out;
  int bar;        ///< draw a progress bar (else one line per epoch)
  int validation; ///< print val_* values
  int64_t epoch;  ///< current (0-based)
  int64_t epochs;
  double epoch_start;
  double last_draw;
  volatile const sig_atomic_t *stop; ///< when non-zero, stop after a batch
  const cnnrt_train_state *state;    ///< for the callbacks' messages
  const cnnrt_early_stopping_options *early_stopping;
  double learning_rate; ///< --lr
  double lr_scale;      ///< ReduceLROnPlateau's factor at the last message
  int schedule;         ///< a --lr-schedule scales the rate further
} cnnrt_progress;

/// Callbacks that print through `progress`.
cnnrt_fit_callbacks cnnrt_progress_callbacks(cnnrt_progress *progress);

/// 1 when the command line names data for `split`.
int cnnrt_tool_has_split(const cnnrt_tool_options *options, cnnrt_split split);

/// Loads `split` of options->data for `model` (image files are resized to
/// its input; folders of validation/test data must have the classes
/// `class_names` when not NULL). Returns 0, 1 when the command line names
/// no such data (`out` stays empty), or -1.
int cnnrt_tool_load_split(const cnnrt_tool_options *options,
                          const cnnrt_model *model, cnnrt_split split,
                          const char *const *class_names, int64_t num_classes,
                          cnnrt_dataset *out);

/// What a command works on; zero-initialize, then cnnrt_session_open.
typedef struct cnnrt_session {
  cnnrt_model *model;
  cnnrt_instance *instance;
  cnnrt_dataset train;       ///< loaded by fit only
  cnnrt_dataset validation;  ///< explicit validation data (fit)
  cnnrt_dataset test;        ///< empty when the command line names none
  cnnrt_data_view test_view; ///< --test-subset of `test`
  cnnrt_history history;
  cnnrt_train_state state;
  char **class_names; ///< --class-names, the checkpoint's, else the data's
  int64_t num_class_names;
  float *best_params; ///< EarlyStopping's restore_best_weights (fit)
} cnnrt_session;

/// Takes the class names a checkpoint load put into `extras` when the
/// session has none (--class-names wins); frees the others.
int cnnrt_session_take_class_names(cnnrt_session *session,
                                   cnnrt_checkpoint_extras *extras);

/// Loads the model, creates its instance from options->seed, reads
/// options->checkpoint when `load_checkpoint` is set and --class-names.
int cnnrt_session_open(const cnnrt_tool_options *options,
                       cnnrt_session *session, int load_checkpoint);

/// Loads `split` into the session (train, validation or test), with the
/// session's class names for folders; the first data set with names gives
/// them to the session when it has none. Missing optional data is no error.
int cnnrt_session_load(const cnnrt_tool_options *options,
                       cnnrt_session *session, cnnrt_split split);

/// The name of class `k`: the session's, else its number (in `buffer`).
const char *cnnrt_session_class_name(const cnnrt_session *session, int64_t k,
                                     char buffer[32]);

void cnnrt_session_close(cnnrt_session *session);

/// Fails now, not after an epoch, when an output path cannot be written.
int cnnrt_session_probe_outputs(const cnnrt_tool_options *options);

/// Evaluates the test view, prints the result and writes the plots.
int cnnrt_session_test(const cnnrt_tool_options *options,
                       cnnrt_session *session);

/// Prints "cnnc-train: error: <last error>" to stderr; returns exit code 1.
int cnnrt_tool_report(void);

int cnnrt_tool_fit(const cnnrt_tool_options *options);
int cnnrt_tool_evaluate(const cnnrt_tool_options *options);
int cnnrt_tool_predict(const cnnrt_tool_options *options);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // CNNC_RUNTIME_TRAIN_TOOL_H
