//===- classify_image.c - classify image files with a linked model --------===//
//
// The application side of "train on your own images": it links the library
// that `cnnc` generates for examples/fashion_mnist_cnn.mlir directly
// (header from `cnnc --emit-header`, no dlopen), reads the weights that
// `cnnc-train --save-weights` wrote, decodes PNG/JPEG files with libcnnrt's
// cnnrt_image_read (the same conversion and resize as training on a
// folder), runs fashion_mnist_cnn_forward on all of them in one batch and
// prints the most likely classes with their softmax probabilities.
//
//   classify_image [--weights FILE] [--class-names FILE] [--top-k K]
//                  IMAGE...
//
// The model's input size, channels and classes come from the generated
// header, so the same file works for any model compiled under the name
// fashion_mnist_cnn.
//
//===----------------------------------------------------------------------===//

#include "fashion_mnist_cnn.h"

#include "cnnc/Runtime/cnnrt.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  kClasses = FASHION_MNIST_CNN_NUM_CLASSES,
  kImageElements = FASHION_MNIST_CNN_INPUT_HEIGHT *
                   FASHION_MNIST_CNN_INPUT_WIDTH *
                   FASHION_MNIST_CNN_INPUT_CHANNELS,
};

typedef struct Options {
  const char *weights;     ///< raw float32 parameters, or NULL (untrained)
  const char *class_names; ///< one name per line, or NULL (numbers)
  int top_k;
  const char **images;
  int num_images;
} Options;

/// Prints "classify_image: error: <message>" and returns exit code 1.
static int fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("classify_image: error: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  return 1;
}

static int parseOptions(int argc, char **argv, Options *options) {
  memset(options, 0, sizeof *options);
  options->top_k = 3;
  options->images = (const char **)calloc((size_t)argc, sizeof(char *));
  if (!options->images)
    return fail("out of memory");
  for (int i = 1; i < argc; ++i) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--weights") && value) {
      options->weights = argv[++i];
    } else if (!strcmp(argv[i], "--class-names") && value) {
      options->class_names = argv[++i];
    } else if (!strcmp(argv[i], "--top-k") && value) {
      options->top_k = atoi(argv[++i]);
      if (options->top_k < 1 || options->top_k > kClasses)
        return fail("--top-k needs a number in [1, %d]", kClasses);
    } else if (argv[i][0] == '-') {
      return fail("unknown or incomplete option '%s' (usage: classify_image "
                  "[--weights FILE] [--class-names FILE] [--top-k K] "
                  "IMAGE...)",
                  argv[i]);
    } else {
      options->images[options->num_images++] = argv[i];
    }
  }
  return options->num_images ? 0 : fail("no image files given");
}

/// The parameters: trained ones from --weights, else the initializers.
static int loadParams(const Options *options, float *params) {
  if (cnnrt_check_model_desc(fashion_mnist_cnn_model(),
                             "libfashion_mnist_cnn.so"))
    return fail("%s", cnnrt_last_error());
  if (fashion_mnist_cnn_model()->param_elements !=
      FASHION_MNIST_CNN_PARAM_ELEMENTS)
    return fail("fashion_mnist_cnn.h does not describe the linked library; "
                "regenerate both with the same cnnc run");
  if (options->weights)
    return cnnrt_params_read(options->weights, params,
                             FASHION_MNIST_CNN_PARAM_ELEMENTS)
               ? fail("%s", cnnrt_last_error())
               : 0;
  return fashion_mnist_cnn_init_params(params, 0)
             ? fail("fashion_mnist_cnn_init_params failed")
             : 0;
}

/// Decodes every image into the batch, as cnnc-train does for a folder.
static int readImages(const Options *options, float *batch) {
  cnnrt_load_options load = {0};
  load.height = FASHION_MNIST_CNN_INPUT_HEIGHT;
  load.width = FASHION_MNIST_CNN_INPUT_WIDTH;
  load.channels = FASHION_MNIST_CNN_INPUT_CHANNELS;
  for (int i = 0; i < options->num_images; ++i)
    if (cnnrt_image_read(options->images[i], &load,
                         batch + (size_t)i * kImageElements))
      return fail("%s", cnnrt_last_error());
  return 0;
}

/// Prints "<image>: <name> <p>[, <name> <p> ...]" for one row of logits.
static void printTopK(const char *image, const float *logits, int topK,
                      char **names, int64_t numNames) {
  double probabilities[kClasses], sum = 0.0, largest = logits[0];
  for (int k = 1; k < kClasses; ++k)
    largest = logits[k] > largest ? logits[k] : largest;
  for (int k = 0; k < kClasses; ++k)
    sum += probabilities[k] = exp((double)logits[k] - largest);
  int taken[kClasses] = {0};
  printf("%s:", image);
  for (int rank = 0; rank < topK; ++rank) {
    int best = -1;
    for (int k = 0; k < kClasses; ++k)
      if (!taken[k] && (best < 0 || probabilities[k] > probabilities[best]))
        best = k;
    taken[best] = 1;
    if (best < numNames)
      printf("%s %s %.3f", rank ? "," : "", names[best],
             probabilities[best] / sum);
    else
      printf("%s %d %.3f", rank ? "," : "", best, probabilities[best] / sum);
  }
  putchar('\n');
}

int main(int argc, char **argv) {
  Options options;
  if (parseOptions(argc, argv, &options))
    return 1;
  char **names = NULL;
  int64_t numNames = 0;
  if (options.class_names &&
      cnnrt_class_names_read(options.class_names, &names, &numNames))
    return fail("%s", cnnrt_last_error());
  float *params = aligned_alloc(
      64, (FASHION_MNIST_CNN_PARAM_ELEMENTS * sizeof(float) + 63) / 64 * 64);
  float *batch =
      malloc((size_t)options.num_images * kImageElements * sizeof(float));
  float *logits = malloc((size_t)options.num_images * kClasses * sizeof(float));
  int status = !params || !batch || !logits ? fail("out of memory")
                                            : loadParams(&options, params) ||
                                                  readImages(&options, batch);
  if (!status &&
      fashion_mnist_cnn_forward(params, batch, options.num_images, logits))
    status = fail("fashion_mnist_cnn_forward failed");
  for (int i = 0; !status && i < options.num_images; ++i)
    printTopK(options.images[i], logits + (size_t)i * kClasses, options.top_k,
              names, numNames);
  cnnrt_class_names_free(names, numNames);
  free(params);
  free(batch);
  free(logits);
  free(options.images);
  return status;
}
