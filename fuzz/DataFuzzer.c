//===- DataFuzzer.c - libFuzzer target: the runtime's file readers --------===//
//
// The first input byte picks a reader, the rest is the file (an in-memory
// memfd, read through /proc/self/fd): IDX images (with valid labels), IDX
// labels (with valid images), CIFAR-10 batches, raw parameter files and
// checkpoints of a small built-in model. Every file must load or fail with
// one message; a failed load must leave the instance untouched. With
// CNNC_FUZZ_SEED_DIR set, LLVMFuzzerInitialize writes one valid input of
// each kind there (scripts/fuzz.sh's seed corpus, next to the real
// Fashion-MNIST headers it copies).
//
//===----------------------------------------------------------------------===//

#define _GNU_SOURCE
#include "cnnc/Runtime/train.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { kIdxImages, kIdxLabels, kCifar, kParams, kCheckpoint, kReaders };
enum { kPixels = 4, kClasses = 3, kParamCount = kPixels * kClasses + kClasses };

static const cnnc_param_info kTable[] = {
    {"dense/kernel", 0, 12, 2, CNNC_INIT_GLOROT_UNIFORM, {4, 3, 0, 0}, 4, 3, 1,
     0},
    {"dense/bias", 12, 3, 1, CNNC_INIT_ZEROS, {3, 0, 0, 0}, 1, 1, 1, 0},
};

static int32_t initParams(float *params, uint64_t seed) {
  (void)seed;
  memset(params, 0, kParamCount * sizeof(float));
  return CNNC_OK;
}

static int32_t forward(const float *params, const float *input, int64_t batch,
                       float *logits) {
  (void)params;
  (void)input;
  memset(logits, 0, (size_t)batch * kClasses * sizeof(float));
  return CNNC_OK;
}

static int32_t trainStep(float *params, float *state, const float *input,
                         const int32_t *labels, int64_t batch, float lr,
                         int64_t step, uint64_t seed, float *loss,
                         int64_t *correct) {
  (void)params, (void)state, (void)input, (void)labels, (void)lr, (void)step;
  (void)seed;
  *loss = 0.0f;
  *correct = batch;
  return CNNC_OK;
}

static int32_t evaluate(const float *params, const float *input,
                        const int32_t *labels, int64_t batch, float *loss,
                        int64_t *correct) {
  (void)params, (void)input, (void)labels;
  *loss = 0.0f;
  *correct = batch;
  return CNNC_OK;
}

static const cnnc_model_desc kDesc = {
    CNNC_ABI_VERSION, sizeof(cnnc_model_desc), "fuzz", "cpu", {-1, 2, 2, 1},
    kClasses, 2, kParamCount, kTable, kParamCount, "sgd",
    "sparse_categorical_crossentropy", initParams, forward, trainStep,
    evaluate, 0, kParamCount, NULL, NULL,
};

/// A file holding `bytes`, as a path; -1 when no memfd can be made.
static int makeFile(const uint8_t *bytes, size_t size, char *path,
                    size_t pathSize) {
  int fd = memfd_create("cnnc-fuzz", 0);
  if (fd < 0)
    return -1;
  if (size && write(fd, bytes, size) != (ssize_t)size) {
    close(fd);
    return -1;
  }
  snprintf(path, pathSize, "/proc/self/fd/%d", fd);
  return fd;
}

/// Valid IDX files of 2 images of 2 x 2 pixels with labels 0 and 2.
static const uint8_t kImages[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0,
                                  0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t kLabels[] = {0, 0, 8, 1, 0, 0, 0, 2, 0, 2};

static void loadWith(int reader, const char *path, const char *other) {
  cnnrt_dataset data;
  switch (reader) {
  case kIdxImages:
    if (cnnrt_dataset_load_idx(path, other, &data) == 0)
      cnnrt_dataset_free(&data);
    return;
  case kIdxLabels:
    if (cnnrt_dataset_load_idx(other, path, &data) == 0)
      cnnrt_dataset_free(&data);
    return;
  case kCifar:
    if (cnnrt_dataset_load_cifar10(&path, 1, &data) == 0)
      cnnrt_dataset_free(&data);
    return;
  case kParams: {
    float params[kParamCount];
    (void)cnnrt_params_read(path, params, kParamCount);
    return;
  }
  default: {
    cnnrt_model *model = cnnrt_model_wrap(&kDesc, "fuzz.so");
    cnnrt_instance *instance = cnnrt_instance_create(model, 1);
    cnnrt_train_state state;
    cnnrt_history history;
    memset(&history, 0, sizeof history);
    float before[kParamCount];
    memcpy(before, cnnrt_instance_params(instance), sizeof before);
    if (cnnrt_checkpoint_load(path, instance, &state, &history) != 0 &&
        memcmp(before, cnnrt_instance_params(instance), sizeof before) != 0)
      abort(); // a failed load changed the instance
    cnnrt_history_clear(&history);
    cnnrt_instance_destroy(instance);
    cnnrt_unload(model);
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  int reader = data[0] % kReaders;
  char path[64], other[64];
  int fd = makeFile(data + 1, size - 1, path, sizeof path);
  const uint8_t *partner = reader == kIdxImages ? kLabels : kImages;
  size_t partnerSize =
      reader == kIdxImages ? sizeof kLabels : sizeof kImages;
  int otherFd = makeFile(partner, partnerSize, other, sizeof other);
  if (fd >= 0 && otherFd >= 0)
    loadWith(reader, path, other);
  if (fd >= 0)
    close(fd);
  if (otherFd >= 0)
    close(otherFd);
  return 0;
}

/// Writes `prefix` (the reader byte) and `bytes` to `dir`/`name`.
static void writeSeed(const char *dir, const char *name, uint8_t prefix,
                      const void *bytes, size_t size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *file = fopen(path, "wb");
  if (!file)
    return;
  fputc(prefix, file);
  fwrite(bytes, 1, size, file);
  fclose(file);
}

/// Appends the contents of `path` to a seed of reader `prefix`.
static void copySeed(const char *dir, const char *name, uint8_t prefix,
                     const char *path) {
  FILE *in = fopen(path, "rb");
  if (!in)
    return;
  uint8_t buffer[1 << 16];
  size_t got = fread(buffer, 1, sizeof buffer, in);
  fclose(in);
  writeSeed(dir, name, prefix, buffer, got);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *dir = getenv("CNNC_FUZZ_SEED_DIR");
  if (!dir || !dir[0])
    return 0;
  writeSeed(dir, "idx-images", kIdxImages, kImages, sizeof kImages);
  writeSeed(dir, "idx-labels", kIdxLabels, kLabels, sizeof kLabels);
  uint8_t record[3073] = {7};
  writeSeed(dir, "cifar", kCifar, record, sizeof record);
  float params[kParamCount] = {0.5f};
  writeSeed(dir, "params", kParams, params, sizeof params);
  // A real checkpoint of the built-in model, through the writer.
  cnnrt_model *model = cnnrt_model_wrap(&kDesc, "fuzz.so");
  cnnrt_instance *instance = cnnrt_instance_create(model, 1);
  cnnrt_train_state state = cnnrt_train_state_initial(3);
  char checkpoint[4096];
  snprintf(checkpoint, sizeof checkpoint, "%s/.checkpoint.tmp", dir);
  if (cnnrt_checkpoint_save(checkpoint, instance, &state, NULL) == 0) {
    copySeed(dir, "checkpoint", kCheckpoint, checkpoint);
    remove(checkpoint);
  }
  cnnrt_instance_destroy(instance);
  cnnrt_unload(model);
  return 0;
}
