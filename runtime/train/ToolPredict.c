//===- ToolPredict.c - the predict command of cnnc-train ------------------===//
//
// `predict` classifies image files (given after the model, or every image
// under --images DIR) with the parameters of a checkpoint: per image the
// predicted class name, its softmax probability and the --top-k most likely
// classes. Without image files it classifies the first --count images of
// the test data instead, printing their labels too. Images are decoded and
// resized exactly as the training reader does (cnnrt_image_read).
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Tool.h"

#include "CheckedMath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/// Softmax of one row of logits into `probabilities` (shifted by the max).
static void softmax(const float *logits, int64_t classes,
                    double *probabilities) {
  int64_t best = 0;
  for (int64_t k = 1; k < classes; ++k)
    best = logits[k] > logits[best] ? k : best;
  double sum = 0.0;
  for (int64_t k = 0; k < classes; ++k)
    sum += probabilities[k] = exp((double)logits[k] - (double)logits[best]);
  for (int64_t k = 0; k < classes; ++k)
    probabilities[k] /= sum;
}

/// The index of the largest probability not yet taken (ties: lowest index).
static int64_t nextBest(const double *probabilities, int64_t classes,
                        const unsigned char *taken) {
  int64_t best = -1;
  for (int64_t k = 0; k < classes; ++k)
    if (!taken[k] && (best < 0 || probabilities[k] > probabilities[best]))
      best = k;
  return best;
}

/// Buffers of one batch of predictions.
typedef struct Buffers {
  float *images, *logits;
  double *probabilities;
  unsigned char *taken;
} Buffers;

static void freeBuffers(Buffers *buffers) {
  free(buffers->images);
  free(buffers->logits);
  free(buffers->probabilities);
  free(buffers->taken);
}

static int allocate(const cnnrt_model *model, int64_t batch, int images,
                    Buffers *buffers) {
  int64_t classes = cnnrt_model_desc(model)->num_classes;
  int64_t imageFloats, logitFloats;
  memset(buffers, 0, sizeof *buffers);
  if (cnnc_mul_overflows(batch, cnnrt_model_image_elements(model),
                         &imageFloats) ||
      cnnc_mul_overflows(batch, classes, &logitFloats) ||
      (uint64_t)imageFloats > SIZE_MAX / sizeof(float))
    return cnnrt_train_fail("--batch", "%lld images do not fit in memory",
                            (long long)batch);
  buffers->images = images ? malloc((size_t)imageFloats * sizeof(float)) : NULL;
  buffers->logits = malloc((size_t)logitFloats * sizeof(float));
  buffers->probabilities = malloc((size_t)classes * sizeof(double));
  buffers->taken = malloc((size_t)classes);
  if ((images && !buffers->images) || !buffers->logits ||
      !buffers->probabilities || !buffers->taken) {
    freeBuffers(buffers);
    return cnnrt_train_fail("predict", "out of memory");
  }
  return 0;
}

/// Prints "<image>\t<class>\t<probability>\t<top-k list>".
static void printImage(const cnnrt_session *session, const char *path,
                       const float *logits, int64_t topK, Buffers *buffers) {
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  softmax(logits, classes, buffers->probabilities);
  memset(buffers->taken, 0, (size_t)classes);
  char number[32];
  for (int64_t rank = 0; rank < topK && rank < classes; ++rank) {
    int64_t k = nextBest(buffers->probabilities, classes, buffers->taken);
    buffers->taken[k] = 1;
    const char *name = cnnrt_session_class_name(session, k, number);
    if (rank == 0)
      printf("%s\t%s\t%.4f\t", path, name, buffers->probabilities[k]);
    printf(rank ? ", %s %.4f" : "%s %.4f", name, buffers->probabilities[k]);
  }
  putchar('\n');
}

/// Classifies `paths` in batches of --batch.
static int predictFiles(const cnnrt_tool_options *options,
                        cnnrt_session *session, const char *const *paths,
                        int64_t count) {
  const cnnc_model_desc *desc = cnnrt_model_desc(session->model);
  cnnrt_load_options load = {0};
  load.height = desc->input_shape[1];
  load.width = desc->input_shape[2];
  load.channels = desc->input_shape[3];
  load.scale = options->rescale;
  load.offset = options->rescale_offset;
  int64_t batch = count < options->batch ? count : options->batch;
  int64_t imageFloats = cnnrt_model_image_elements(session->model);
  int64_t topK = options->top_k ? options->top_k : 3;
  Buffers buffers;
  if (allocate(session->model, batch, 1, &buffers))
    return -1;
  printf("image\tpredicted\tprobability\ttop-%lld\n",
         (long long)(topK < desc->num_classes ? topK : desc->num_classes));
  int failed = 0;
  for (int64_t first = 0; first < count && !failed; first += batch) {
    int64_t size = count - first < batch ? count - first : batch;
    for (int64_t i = 0; i < size && !failed; ++i)
      failed = cnnrt_image_read(paths[first + i], &load,
                                buffers.images + i * imageFloats)
                   ? cnnrt_train_fail_runtime()
                   : 0;
    if (!failed &&
        cnnrt_predict(session->instance, buffers.images, size, buffers.logits))
      failed = cnnrt_train_fail_runtime();
    for (int64_t i = 0; i < size && !failed; ++i)
      printImage(session, paths[first + i],
                 buffers.logits + i * desc->num_classes, topK, &buffers);
  }
  freeBuffers(&buffers);
  return failed;
}

/// Prints "index predicted probability label class" for the test view.
static int predictTestData(const cnnrt_tool_options *options,
                           cnnrt_session *session) {
  int64_t classes = cnnrt_model_desc(session->model)->num_classes;
  cnnrt_data_view view = cnnrt_data_view_first(&session->test, options->count);
  cnnrt_batches *batches = cnnrt_batches_create(view, options->batch, 0, 0);
  Buffers buffers;
  if (!batches || cnnrt_batches_start(batches, 0, 0) ||
      allocate(session->model, options->batch, 0, &buffers)) {
    cnnrt_batches_destroy(batches);
    return -1;
  }
  printf("index predicted probability label class\n");
  cnnrt_batch batch;
  int failed = 0;
  char number[32];
  while (!failed && cnnrt_batches_next(batches, &batch)) {
    failed = cnnrt_predict(session->instance, batch.images, batch.size,
                           buffers.logits)
                 ? cnnrt_train_fail_runtime()
                 : 0;
    for (int64_t b = 0; !failed && b < batch.size; ++b) {
      softmax(buffers.logits + b * classes, classes, buffers.probabilities);
      memset(buffers.taken, 0, (size_t)classes);
      int64_t best = nextBest(buffers.probabilities, classes, buffers.taken);
      printf("%lld %lld %.4f %d %s\n",
             (long long)(batch.index * options->batch + b), (long long)best,
             buffers.probabilities[best], (int)batch.labels[b],
             cnnrt_session_class_name(session, best, number));
    }
  }
  cnnrt_batches_destroy(batches);
  freeBuffers(&buffers);
  return failed;
}

static int predict(const cnnrt_tool_options *options, cnnrt_session *session) {
  if (!options->num_inputs && !options->images_dir)
    return cnnrt_session_load(options, session, CNNRT_SPLIT_TEST) ||
           predictTestData(options, session);
  char **listed = NULL;
  int64_t numListed = 0;
  if (options->images_dir &&
      cnnrt_image_files_list(options->images_dir, &listed, &numListed))
    return cnnrt_train_fail_runtime();
  int64_t count = options->num_inputs + numListed;
  const char **paths = malloc((size_t)count * sizeof *paths);
  int failed = paths ? 0 : cnnrt_train_fail("predict", "out of memory");
  if (!failed) {
    memcpy(paths, options->inputs, (size_t)options->num_inputs * sizeof *paths);
    for (int64_t i = 0; i < numListed; ++i)
      paths[options->num_inputs + i] = listed[i];
    failed = predictFiles(options, session, paths, count);
  }
  free(paths);
  cnnrt_class_names_free(listed, numListed);
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
