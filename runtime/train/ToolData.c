//===- ToolData.c - data sets and usage text of cnnc-train ----------------===//
//
// Maps --data/--data-dir to libcnnrt's readers: Fashion-MNIST from the
// Debian package (or $CNNC_FASHION_MNIST_DIR, or --data-dir) and CIFAR-10's
// binary batches (data_batch_1..5.bin, test_batch.bin) from --data-dir.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Tool.h"

#include <limits.h>
#include <string.h>

static const char *const kFashionMnistClasses[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

static const char *const kCifar10Classes[10] = {
    "airplane", "automobile", "bird",  "cat",  "deer",
    "dog",      "frog",       "horse", "ship", "truck"};

const char *cnnrt_tool_class_name(const char *data, int64_t label) {
  if (label < 0 || label >= 10)
    return NULL;
  if (strcmp(data, "fashion-mnist") == 0)
    return kFashionMnistClasses[label];
  if (strcmp(data, "cifar10") == 0)
    return kCifar10Classes[label];
  return NULL;
}

static int loadCifar10(const char *dir, int train, cnnrt_dataset *out) {
  enum { kTrainBatches = 5 };
  char paths[kTrainBatches][PATH_MAX];
  const char *names[kTrainBatches];
  int count = train ? kTrainBatches : 1;
  for (int i = 0; i < count; ++i) {
    int length =
        train ? snprintf(paths[i], PATH_MAX, "%s/data_batch_%d.bin", dir, i + 1)
              : snprintf(paths[i], PATH_MAX, "%s/test_batch.bin", dir);
    if (length < 0 || length >= PATH_MAX)
      return cnnrt_train_fail("--data-dir", "path too long");
    names[i] = paths[i];
  }
  return cnnrt_dataset_load_cifar10(names, count, out)
             ? cnnrt_train_fail_runtime()
             : 0;
}

int cnnrt_tool_load_data(const cnnrt_tool_options *options, int train,
                         cnnrt_dataset *out) {
  memset(out, 0, sizeof *out);
  if (strcmp(options->data, "cifar10") == 0)
    return loadCifar10(options->data_dir, train, out);
  return cnnrt_dataset_load_fashion_mnist(options->data_dir, train, out)
             ? cnnrt_train_fail_runtime()
             : 0;
}

void cnnrt_tool_usage(FILE *out) {
  fputs(
      "usage: cnnc-train [fit] MODEL.so [options]      train (Keras-like fit)\n"
      "       cnnc-train evaluate MODEL.so --checkpoint FILE [options]\n"
      "       cnnc-train predict MODEL.so --checkpoint FILE [--count N]\n"
      "\n"
      "data:\n"
      "  --data fashion-mnist|cifar10   data set (default fashion-mnist)\n"
      "  --data-dir DIR                 where its files are (cifar10: "
      "required)\n"
      "  --train-subset N               train on the first N images only\n"
      "  --test-subset N                test on the first N images only\n"
      "  --validation-split F           validate on the last F of the "
      "training set\n"
      "  --validation-data test         validate on the test set\n"
      "training:\n"
      "  --epochs N (1)  --batch N (32)  --lr X (0.001)  --seed N (1)\n"
      "  --max-steps N                  at most N steps per epoch (debug)\n"
      "  --threads N                    threads of the model's kernels (default:\n"
      "                                 CNNC_NUM_THREADS, OMP_NUM_THREADS, all cores)\n"
      "  --checkpoint FILE              save after every epoch (evaluate/"
      "predict: load)\n"
      "  --resume FILE                  continue a checkpointed run exactly\n"
      "output:\n"
      "  --history FILE.csv|FILE.json   per-epoch metrics\n"
      "  --plots DIR [--plot-format png|svg]   curves and confusion matrix "
      "(gnuplot)\n"
      "  --progress auto|bar|plain      progress bar (auto: when stdout is a "
      "terminal)\n"
      "  --count N                      predict: images to classify (10)\n"
      "  --device cpu|cuda              where the library's kernels run (cpu); "
      "cuda needs\n"
      "                                 a library built with cnnc "
      "--target=nvptx\n",
      out);
}
