//===- Tool.c - sessions, evaluate and predict commands of cnnc-train -----===//
//
// Each command opens a session (model, instance, data), does its work
// through the library functions, and reports any failure as the single line
// "cnnc-train: error: <file or flag>: <what is wrong>" with exit code 1.
// Output files are probed before training starts, so a typo in a path costs
// no training time.
//
//===----------------------------------------------------------------------===//

#include "Tool.h"
#include "Distributed.h"
#include "Internal.h"

#include "CheckedMath.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/// The ranks of a data-parallel run while cnnrt_train_tool_main runs.
static const cnnrt_distributed *toolRanks;

int cnnrt_tool_report(void) {
  fflush(stdout);
  if (!toolRanks)
    fprintf(stderr, "cnnc-train: error: %s\n", cnnrt_train_last_error());
  else if (!cnnrt_distributed_failure_shared(toolRanks))
    fprintf(stderr, "cnnc-train: error: rank %d: %s\n",
            cnnrt_distributed_rank(toolRanks), cnnrt_train_last_error());
  else if (cnnrt_distributed_rank(toolRanks) == 0) // one line for all ranks
    fprintf(stderr, "cnnc-train: error: %s\n", cnnrt_train_last_error());
  return 1;
}

static void warn(void) {
  fflush(stdout);
  fprintf(stderr, "cnnc-train: warning: %s\n", cnnrt_train_last_error());
}

void cnnrt_session_close(cnnrt_session *session) {
  cnnrt_history_clear(&session->history);
  cnnrt_instance_destroy(session->instance);
  cnnrt_unload(session->model);
  cnnrt_dataset_free(&session->train);
  cnnrt_dataset_free(&session->validation);
  cnnrt_dataset_free(&session->test);
  cnnrt_class_names_free(session->class_names, session->num_class_names);
  free(session->best_params);
}

int cnnrt_session_take_class_names(cnnrt_session *session,
                                   cnnrt_checkpoint_extras *extras) {
  if (!session->class_names) {
    session->class_names = extras->class_names;
    session->num_class_names = extras->num_class_names;
  } else {
    cnnrt_class_names_free(extras->class_names, extras->num_class_names);
  }
  extras->class_names = NULL;
  extras->num_class_names = 0;
  return 0;
}

const char *cnnrt_session_class_name(const cnnrt_session *session, int64_t k,
                                     char buffer[32]) {
  if (k >= 0 && k < session->num_class_names)
    return session->class_names[k];
  snprintf(buffer, 32, "%lld", (long long)k);
  return buffer;
}

/// --class-names: exactly one name per output of the model.
static int readClassNames(const cnnrt_tool_options *options,
                          cnnrt_session *session) {
  if (cnnrt_class_names_read(options->class_names, &session->class_names,
                             &session->num_class_names))
    return cnnrt_train_fail_runtime();
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  if (session->num_class_names != classes)
    return cnnrt_train_fail(options->class_names,
                            "%lld class names, but %s has %lld classes",
                            (long long)session->num_class_names, options->model,
                            (long long)classes);
  return 0;
}

/// Model, instance (parameters from options->seed, or --weights),
/// --class-names and, when options->checkpoint is to be read, its contents.
int cnnrt_session_open(const cnnrt_tool_options *options,
                       cnnrt_session *session, int loadCheckpoint) {
  session->state = cnnrt_train_state_initial(options->seed);
  int cuda = strcmp(options->device, "cuda") == 0;
  const char *unavailable = cuda ? cnnrt_cuda_unavailable() : NULL;
  if (unavailable)
    return cnnrt_train_fail("--device=cuda", "%s", unavailable);
  session->model = cnnrt_load(options->model);
  if (!session->model ||
      (options->threads &&
       cnnrt_set_num_threads(session->model, (int)options->threads)))
    return cnnrt_train_fail_runtime();
  if (cuda && !cnnrt_model_is_cuda(session->model))
    return cnnrt_train_fail(options->model,
                            "compiled for the CPU; --device=cuda needs a "
                            "library built with cnnc --target=nvptx");
  if (!cuda && cnnrt_model_is_cuda(session->model))
    return cnnrt_train_fail(options->model,
                            "compiled for NVIDIA GPUs (cnnc --target=nvptx); "
                            "run it with --device=cuda");
  if (options->command != CNNRT_TOOL_PREDICT &&
      !cnnrt_model_has_training(session->model))
    return cnnrt_train_fail(options->model,
                            "model compiled without training entry points");
  session->instance = cnnrt_instance_create(session->model, options->seed);
  if (!session->instance)
    return cnnrt_train_fail_runtime();
  if (options->class_names && readClassNames(options, session))
    return -1;
  // --weights (fit: fine-tuning; evaluate, predict: instead of a
  // checkpoint), e.g. written by `cnnc model.keras --emit-weights`.
  if (options->initial_weights &&
      cnnrt_params_read(options->initial_weights,
                        cnnrt_instance_params(session->instance),
                        cnnrt_instance_param_elements(session->instance)))
    return cnnrt_train_fail_runtime();
  cnnrt_checkpoint_extras extras = {NULL, 0, NULL, 0};
  if (loadCheckpoint && options->checkpoint &&
      (cnnrt_checkpoint_load_extras(options->checkpoint, session->instance,
                                    &session->state, &session->history,
                                    &extras) ||
       cnnrt_session_take_class_names(session, &extras)))
    return -1;
  for (int64_t i = 0; i < session->history.count; ++i) // for the plots
    if (!isnan(session->history.records[i].val_loss))
      session->history.has_validation = 1;
  return 0;
}

/// Takes the class names of `data` when the session has none yet; checks
/// that the data has no more classes than the model.
static int adoptClassNames(const cnnrt_tool_options *options,
                           cnnrt_session *session, const cnnrt_dataset *data,
                           const char *what) {
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  if (data->class_names && data->num_classes > classes)
    return cnnrt_train_fail(what,
                            "%lld classes (%s, ...), but %s has %lld outputs",
                            (long long)data->num_classes, data->class_names[0],
                            options->model, (long long)classes);
  if (session->class_names || !data->class_names)
    return 0;
  session->class_names = cnnrt_class_names_copy(
      (const char *const *)data->class_names, data->num_classes);
  if (!session->class_names)
    return cnnrt_train_fail(what, "out of memory");
  session->num_class_names = data->num_classes;
  return 0;
}

int cnnrt_session_load(const cnnrt_tool_options *options,
                       cnnrt_session *session, cnnrt_split split) {
  static const char *const kWhat[CNNRT_SPLITS] = {
      "training data", "validation data", "test data"};
  cnnrt_dataset *data = split == CNNRT_SPLIT_TRAIN        ? &session->train
                        : split == CNNRT_SPLIT_VALIDATION ? &session->validation
                                                          : &session->test;
  int result = cnnrt_tool_load_split(options, session->model, split,
                                     (const char *const *)session->class_names,
                                     session->num_class_names, data);
  if (result < 0)
    return -1;
  if (result == 1)
    return 0;
  const char *what = kWhat[split];
  if (adoptClassNames(options, session, data, what))
    return -1;
  if (split == CNNRT_SPLIT_TEST) {
    session->test_view =
        cnnrt_data_view_first(&session->test, options->test_subset);
    return cnnrt_check_data(session->model, session->test_view, what);
  }
  return cnnrt_check_data(session->model, cnnrt_data_view_first(data, -1),
                          what);
}

/// Fails now, not after an epoch, when an output file cannot be written.
int cnnrt_session_probe_outputs(const cnnrt_tool_options *options) {
  const char *files[] = {
      options->command == CNNRT_TOOL_FIT ? options->checkpoint : NULL,
      options->history, options->weights, options->report};
  for (int i = 0; i < 4; ++i) {
    cnnrt_atomic_file file;
    if (files[i] && cnnrt_atomic_open(&file, files[i]))
      return -1;
    if (files[i])
      cnnrt_atomic_abort(&file);
  }
  struct stat info;
  if (!options->plots)
    return 0;
  if (mkdir(options->plots, 0755) != 0 && errno != EEXIST)
    return cnnrt_train_fail_errno(options->plots, errno,
                                  "cannot create the plot directory");
  if (stat(options->plots, &info) != 0 || !S_ISDIR(info.st_mode))
    return cnnrt_train_fail("--plots", "'%s' is not a directory",
                            options->plots);
  return 0;
}

/// Models with more classes get no confusion-matrix heatmap, and with more
/// than kMaxReportClasses no per-class report.
enum { kMaxHeatmapClasses = 256, kMaxReportClasses = 4096 };

/// Writes the plots (a missing gnuplot is a warning).
static void writePlots(const cnnrt_tool_options *options,
                       cnnrt_session *session, const int64_t *confusion,
                       int64_t classes) {
  int heatmap = confusion && classes <= kMaxHeatmapClasses;
  int made = cnnrt_plots_write_named(
      options->plots, options->plot_format, &session->history,
      heatmap ? confusion : NULL, classes,
      (const char *const *)session->class_names, session->num_class_names);
  if (made == 1)
    cnnrt_train_fail("--plots",
                     "gnuplot not found in PATH; wrote the data "
                     "and plots.gp to %s but no images",
                     options->plots);
  if (made != 0)
    warn();
}

/// Evaluates the test view, prints the result (evaluate and --report: the
/// per-class report too) and writes the report and the plots.
int cnnrt_session_test(const cnnrt_tool_options *options,
                       cnnrt_session *session) {
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  int report = options->command == CNNRT_TOOL_EVALUATE || options->report;
  int counting = (options->plots || report) && classes <= kMaxReportClasses;
  int64_t *confusion =
      counting ? calloc((size_t)(classes * classes), sizeof(int64_t)) : NULL;
  if (counting && !confusion)
    return cnnrt_train_fail("evaluate", "out of memory");
  cnnrt_eval_result result;
  if (cnnrt_evaluate_view_top_k(session->instance, session->test_view,
                                options->batch, &result, confusion,
                                options->top_k)) {
    free(confusion);
    return -1;
  }
  printf("test_loss: %.4f - test_accuracy: %.4f (%lld images)\n", result.loss,
         result.accuracy, (long long)result.count);
  double topK =
      result.count ? (double)result.top_k_correct / (double)result.count : 0.0;
  if (options->top_k)
    printf("test_top_%lld_accuracy: %.4f\n", (long long)options->top_k, topK);
  const char *const *names = (const char *const *)session->class_names;
  if (report && confusion) {
    putchar('\n');
    cnnrt_report_print(stdout, confusion, classes, names,
                       session->num_class_names);
  }
  fflush(stdout);
  int failed =
      options->report && confusion &&
      cnnrt_report_write(options->report, confusion, classes, names,
                         session->num_class_names, options->top_k, topK);
  if (!failed && options->plots)
    writePlots(options, session, confusion, classes);
  free(confusion);
  return failed ? -1 : 0;
}

int cnnrt_tool_evaluate(const cnnrt_tool_options *options) {
  cnnrt_session session;
  memset(&session, 0, sizeof session);
  int failed = ((options->plots || options->report) &&
                cnnrt_session_probe_outputs(options)) ||
               cnnrt_session_open(options, &session, 1) ||
               cnnrt_session_load(options, &session, CNNRT_SPLIT_TEST) ||
               cnnrt_session_test(options, &session);
  cnnrt_session_close(&session);
  return failed ? cnnrt_tool_report() : 0;
}

/// Generated libraries still allocate their temporaries on every call
/// (static buffer planning is future work). glibc serves blocks above its
/// mmap threshold with fresh mappings, so every train step would fault in
/// and zero megabytes of new pages. Keeping them on the heap is this
/// process's choice, not the library's: measured 20.4 -> 29 steps/s for the
/// reference CNN at batch 32.
static void keepLargeBlocksOnTheHeap(void) {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
}

/// Runs the command of a parsed command line.
static int run(const cnnrt_tool_options *options) {
  if (options->help) {
    cnnrt_tool_usage(stdout);
    return 0;
  }
  switch (options->command) {
  case CNNRT_TOOL_EVALUATE:
    return cnnrt_tool_evaluate(options);
  case CNNRT_TOOL_PREDICT:
    return cnnrt_tool_predict(options);
  default:
    return cnnrt_tool_fit(options);
  }
}

int cnnrt_train_tool_main(int argc, char **argv) {
  keepLargeBlocksOnTheHeap();
  cnnrt_distributed *ranks = NULL;
  int started = cnnrt_distributed_start(&argc, &argv, &ranks);
  if (started)
    return started == -2 ? 1 : cnnrt_tool_report();
  cnnrt_tool_options options;
  int failed = cnnrt_tool_parse(argc, argv, &options);
  if (!failed && ranks && options.command != CNNRT_TOOL_FIT)
    failed = cnnrt_train_fail(
        options.command == CNNRT_TOOL_EVALUATE ? "evaluate" : "predict",
        "runs in one process, but mpirun started %d; run it without mpirun",
        cnnrt_distributed_size(ranks));
  toolRanks = ranks;
  // Every rank parsed the same command line: one line for all of them.
  if (ranks && cnnrt_distributed_agree(ranks, failed, NULL))
    failed = 1;
  int result;
  if (failed) {
    result = cnnrt_tool_report();
  } else {
    options.distributed = ranks;
    if (ranks)
      cnnrt_distributed_set_timeout(ranks, options.collective_timeout);
    result = run(&options);
  }
  cnnrt_distributed_finish(ranks, result == 1);
  toolRanks = NULL;
  return result;
}
