//===- classify.c - classify Fashion-MNIST images with a linked model -----===//
//
// An application that links a cnnc-generated library directly, without
// dlopen: it includes the header written by
//
//   cnnc fashion_mnist_cnn.mlir -o libfashion_mnist_cnn.so
//        --emit-header fashion_mnist_cnn.h
//
// (one command) and calls fashion_mnist_cnn_init_params /
// fashion_mnist_cnn_forward. The runtime library (libcnnrt) is used only for
// what it is good at here: checking that header and library agree, reading the
// IDX test set and the optional raw weights file. See README.md for the build
// line.
//
//   classify [--count N] [--seed S] [--weights FILE] [--data DIR]
//
//===----------------------------------------------------------------------===//

#include "fashion_mnist_cnn.h"

#include "cnnc/Runtime/cnnrt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if FASHION_MNIST_CNN_NUM_CLASSES != 10
#error "classify.c expects the 10 Fashion-MNIST classes"
#endif

enum {
  kImageElements = FASHION_MNIST_CNN_INPUT_HEIGHT *
                   FASHION_MNIST_CNN_INPUT_WIDTH *
                   FASHION_MNIST_CNN_INPUT_CHANNELS
};

typedef struct Options {
  int64_t count;       ///< images to classify
  uint64_t seed;       ///< for init_params when no weights are given
  const char *weights; ///< raw float32 parameters, or NULL
  const char *data;    ///< Fashion-MNIST directory, or NULL for the default
} Options;

/// Prints "classify: error: <message>" and returns exit code 1.
static int fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("classify: error: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  return 1;
}

/// Parses a non-negative decimal integer that fills the whole string.
static int parseUnsigned(const char *text, uint64_t *value) {
  char *end;
  if (!text || text[0] < '0' || text[0] > '9')
    return -1;
  errno = 0;
  unsigned long long parsed = strtoull(text, &end, 10);
  if (errno || *end)
    return -1;
  *value = parsed;
  return 0;
}

static int parseOptions(int argc, char **argv, Options *options) {
  options->count = 8;
  options->seed = 0;
  options->weights = NULL;
  options->data = NULL;
  for (int i = 1; i < argc; i += 2) { // every option takes a value
    const char *flag = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    uint64_t number;
    if (!strcmp(flag, "--count")) {
      if (parseUnsigned(value, &number) || number == 0 || number > INT64_MAX)
        return fail("--count needs a positive number of images");
      options->count = (int64_t)number;
    } else if (!strcmp(flag, "--seed")) {
      if (parseUnsigned(value, &number))
        return fail("--seed needs a non-negative integer");
      options->seed = number;
    } else if (!strcmp(flag, "--weights") && value) {
      options->weights = value;
    } else if (!strcmp(flag, "--data") && value) {
      options->data = value;
    } else {
      return fail("unknown or incomplete option '%s' (usage: classify "
                  "[--count N] [--seed S] [--weights FILE] [--data DIR])",
                  flag);
    }
  }
  return 0;
}

/// Fails unless the linked library is the one the header describes.
static int checkLibrary(void) {
  const cnnc_model_desc *desc = fashion_mnist_cnn_model();
  if (cnnrt_check_model_desc(desc, "libfashion_mnist_cnn.so"))
    return fail("%s", cnnrt_last_error());
  if (desc->param_elements != FASHION_MNIST_CNN_PARAM_ELEMENTS ||
      desc->input_shape[1] != FASHION_MNIST_CNN_INPUT_HEIGHT ||
      desc->input_shape[2] != FASHION_MNIST_CNN_INPUT_WIDTH ||
      desc->input_shape[3] != FASHION_MNIST_CNN_INPUT_CHANNELS ||
      desc->num_classes != FASHION_MNIST_CNN_NUM_CLASSES)
    return fail("fashion_mnist_cnn.h does not describe the linked library "
                "(%" PRId64 " parameters in the library, %d in the header); "
                "regenerate both with the same cnnc run",
                desc->param_elements, FASHION_MNIST_CNN_PARAM_ELEMENTS);
  return 0;
}

/// The most likely class and its softmax probability.
static int32_t predict(const float *logits, double *probability) {
  int32_t best = 0;
  for (int32_t k = 1; k < FASHION_MNIST_CNN_NUM_CLASSES; ++k)
    if (logits[k] > logits[best])
      best = k;
  double sum = 0;
  for (int32_t k = 0; k < FASHION_MNIST_CNN_NUM_CLASSES; ++k)
    sum += exp((double)logits[k] - logits[best]);
  *probability = 1.0 / sum;
  return best;
}

/// Runs forward on the first `options->count` images and prints the table.
static int classify(const Options *options, const cnnrt_dataset *data,
                    const float *params) {
  float *logits = malloc((size_t)options->count *
                         FASHION_MNIST_CNN_NUM_CLASSES * sizeof(float));
  if (!logits)
    return fail("out of memory for %" PRId64 " images", options->count);
  int32_t status =
      fashion_mnist_cnn_forward(params, data->images, options->count, logits);
  if (status) {
    free(logits);
    return fail("fashion_mnist_cnn_forward failed with status %d", (int)status);
  }
  int64_t correct = 0;
  printf("%5s  %-12s  %-12s  %s\n", "image", "true", "predicted",
         "probability");
  for (int64_t i = 0; i < options->count; ++i) {
    double probability;
    int32_t predicted =
        predict(logits + i * FASHION_MNIST_CNN_NUM_CLASSES, &probability);
    int32_t label = data->labels[i];
    correct += predicted == label;
    // The data set names its classes (cnnrt_dataset.class_names).
    printf("%5" PRId64 "  %-12s  %-12s  %.3f\n", i, data->class_names[label],
           data->class_names[predicted], probability);
  }
  printf("accuracy on %" PRId64 " images: %.1f%%\n", options->count,
         100.0 * (double)correct / (double)options->count);
  free(logits);
  return 0;
}

/// Loads the test split and checks it fits the model and the request.
static int loadData(const Options *options, cnnrt_dataset *data) {
  if (cnnrt_dataset_load_fashion_mnist(options->data, /*train=*/0, data))
    return fail("%s", cnnrt_last_error());
  if (data->height != FASHION_MNIST_CNN_INPUT_HEIGHT ||
      data->width != FASHION_MNIST_CNN_INPUT_WIDTH ||
      data->channels != FASHION_MNIST_CNN_INPUT_CHANNELS)
    return fail("the test images are %" PRId64 "x%" PRId64 "x%" PRId64
                ", the model takes %dx%dx%d",
                data->height, data->width, data->channels,
                FASHION_MNIST_CNN_INPUT_HEIGHT, FASHION_MNIST_CNN_INPUT_WIDTH,
                FASHION_MNIST_CNN_INPUT_CHANNELS);
  if (!data->class_names || data->num_classes < FASHION_MNIST_CNN_NUM_CLASSES)
    return fail("the test data does not name the model's %d classes",
                FASHION_MNIST_CNN_NUM_CLASSES);
  if (options->count > data->count)
    return fail("--count %" PRId64 ": the test set has only %" PRId64 " images",
                options->count, data->count);
  for (int64_t i = 0; i < options->count; ++i)
    if (data->labels[i] >= FASHION_MNIST_CNN_NUM_CLASSES)
      return fail("test label %d of image %" PRId64 " is not a class",
                  (int)data->labels[i], i);
  return 0;
}

int main(int argc, char **argv) {
  Options options;
  if (parseOptions(argc, argv, &options) || checkLibrary())
    return 1;
  cnnrt_dataset data = {0};
  if (loadData(&options, &data)) {
    cnnrt_dataset_free(&data);
    return 1;
  }
  float *params = aligned_alloc(
      64, (FASHION_MNIST_CNN_PARAM_ELEMENTS * sizeof(float) + 63) / 64 * 64);
  int status = 1;
  if (!params)
    fail("out of memory for %d parameters", FASHION_MNIST_CNN_PARAM_ELEMENTS);
  else if (options.weights
               ? cnnrt_params_read(options.weights, params,
                                   FASHION_MNIST_CNN_PARAM_ELEMENTS)
               : fashion_mnist_cnn_init_params(params, options.seed))
    fail("%s", options.weights ? cnnrt_last_error()
                               : "fashion_mnist_cnn_init_params failed");
  else
    status = classify(&options, &data, params);
  free(params);
  cnnrt_dataset_free(&data);
  return status;
}
