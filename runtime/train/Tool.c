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
#include "Internal.h"

#include "CheckedMath.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cnnrt_tool_report(void) {
  fflush(stdout);
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
  cnnrt_dataset_free(&session->test);
}

/// Model, instance (parameters from options->seed), test data and, when
/// options->checkpoint is to be read, its contents.
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
  if (loadCheckpoint &&
      cnnrt_checkpoint_load(options->checkpoint, session->instance,
                            &session->state, &session->history))
    return -1;
  for (int64_t i = 0; i < session->history.count; ++i) // for the plots
    if (!isnan(session->history.records[i].val_loss))
      session->history.has_validation = 1;
  if (cnnrt_tool_load_data(options, 0, &session->test))
    return -1;
  session->test_view =
      cnnrt_data_view_first(&session->test, options->test_subset);
  return cnnrt_check_data(session->model, session->test_view, "test data");
}

/// Fails now, not after an epoch, when an output file cannot be written.
int cnnrt_session_probe_outputs(const cnnrt_tool_options *options) {
  const char *files[] = {
      options->command == CNNRT_TOOL_FIT ? options->checkpoint : NULL,
      options->history, options->weights};
  for (int i = 0; i < 3; ++i) {
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

/// Models with more classes get no confusion-matrix heatmap.
enum { kMaxHeatmapClasses = 256 };

/// Evaluates the test view, prints the result and writes the plots.
int cnnrt_session_test(const cnnrt_tool_options *options,
                       cnnrt_session *session) {
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  int heatmap = options->plots && classes <= kMaxHeatmapClasses;
  int64_t *confusion =
      heatmap ? calloc((size_t)(classes * classes), sizeof(int64_t)) : NULL;
  if (heatmap && !confusion)
    return cnnrt_train_fail("--plots", "out of memory");
  cnnrt_eval_result result;
  if (cnnrt_evaluate_view(session->instance, session->test_view, options->batch,
                          &result, confusion)) {
    free(confusion);
    return -1;
  }
  printf("test_loss: %.4f - test_accuracy: %.4f (%lld images)\n", result.loss,
         result.accuracy, (long long)result.count);
  fflush(stdout);
  if (options->plots) {
    int made = cnnrt_plots_write(options->plots, options->plot_format,
                                 &session->history, confusion, classes);
    if (made == 1)
      cnnrt_train_fail("--plots",
                       "gnuplot not found in PATH; wrote the data "
                       "and plots.gp to %s but no images",
                       options->plots);
    if (made != 0)
      warn();
  }
  free(confusion);
  return 0;
}

int cnnrt_tool_evaluate(const cnnrt_tool_options *options) {
  cnnrt_session session;
  memset(&session, 0, sizeof session);
  int failed = (options->plots && cnnrt_session_probe_outputs(options)) ||
               cnnrt_session_open(options, &session, 1) ||
               cnnrt_session_test(options, &session);
  cnnrt_session_close(&session);
  return failed ? cnnrt_tool_report() : 0;
}

/// Prints "index predicted probability label class" for the test view.
static int predict(const cnnrt_tool_options *options, cnnrt_session *session) {
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  cnnrt_data_view view = cnnrt_data_view_first(&session->test, options->count);
  cnnrt_batches *batches = cnnrt_batches_create(view, options->batch, 0, 0);
  int64_t bytes;
  float *logits =
      cnnc_mul_overflows(options->batch, classes, &bytes) ||
              cnnc_mul_overflows(bytes, (int64_t)sizeof(float), &bytes)
          ? NULL
          : malloc((size_t)bytes);
  if (!batches || !logits || cnnrt_batches_start(batches, 0, 0)) {
    cnnrt_batches_destroy(batches);
    free(logits);
    return batches && !logits ? cnnrt_train_fail("predict", "out of memory")
                              : -1;
  }
  printf("index predicted probability label class\n");
  cnnrt_batch batch;
  int failed = 0;
  while (!failed && cnnrt_batches_next(batches, &batch)) {
    failed = cnnrt_predict(session->instance, batch.images, batch.size, logits)
                 ? cnnrt_train_fail_runtime()
                 : 0;
    for (int64_t b = 0; !failed && b < batch.size; ++b) {
      const float *row = logits + b * classes;
      int64_t best = 0;
      for (int64_t k = 1; k < classes; ++k)
        best = row[k] > row[best] ? k : best;
      double sum = 0.0; // softmax, shifted by the maximum
      for (int64_t k = 0; k < classes; ++k)
        sum += exp((double)row[k] - (double)row[best]);
      const char *name = cnnrt_tool_class_name(options->data, best);
      printf("%lld %lld %.4f %d %s\n",
             (long long)(batch.index * options->batch + b), (long long)best,
             1.0 / sum, (int)batch.labels[b], name ? name : "-");
    }
  }
  cnnrt_batches_destroy(batches);
  free(logits);
  return failed;
}

int cnnrt_tool_predict(const cnnrt_tool_options *options) {
  cnnrt_session session;
  memset(&session, 0, sizeof session);
  int failed =
      cnnrt_session_open(options, &session, 1) || predict(options, &session);
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

int cnnrt_train_tool_main(int argc, char **argv) {
  keepLargeBlocksOnTheHeap();
  cnnrt_tool_options options;
  if (cnnrt_tool_parse(argc, argv, &options))
    return cnnrt_tool_report();
  if (options.help) {
    cnnrt_tool_usage(stdout);
    return 0;
  }
  switch (options.command) {
  case CNNRT_TOOL_EVALUATE:
    return cnnrt_tool_evaluate(&options);
  case CNNRT_TOOL_PREDICT:
    return cnnrt_tool_predict(&options);
  default:
    return cnnrt_tool_fit(&options);
  }
}
