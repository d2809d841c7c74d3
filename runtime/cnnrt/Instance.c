//===- Instance.c - parameters and optimizer state of one model -----------===//
//
// An instance owns the buffers the generated entry points work on and checks
// every call's arguments (batch size, pointers, labels) before passing them
// on, so a generated library only ever sees arguments it can handle.
//
//===----------------------------------------------------------------------===//

#include "ModelInternal.h"

#include "CudaInstance.h"

#include "CheckedMath.h"
#include "Error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cnnrt_instance {
  const cnnrt_model *model;
  float *params;
  float *optState;
  int64_t step; ///< optimizer steps taken
  uint64_t seed; ///< of the parameters and of train_step's random layers
  cnnrt_cuda_instance *cuda; ///< device buffers of an nvptx model, or NULL
};

enum { kBufferAlignment = 64 };

/// A 64-byte aligned buffer of `count` floats (at least one cache line, so
/// even an empty buffer is a valid pointer). ModelCheck bounded count * 4.
static float *allocateFloats(int64_t count) {
  size_t bytes = (size_t)count * sizeof(float);
  bytes = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (bytes == 0)
    bytes = kBufferAlignment;
  return aligned_alloc(kBufferAlignment, bytes);
}

const char *cnnrt_status_string(int32_t status) {
  switch (status) {
  case CNNC_ERR_ARGUMENT:
    return "invalid argument";
  case CNNC_ERR_DEVICE:
    return "device error";
  case CNNC_ERR_MEMORY:
    return "out of memory";
  default:
    return "unknown status";
  }
}

/// Records the failure of a generated entry point.
static int failStatus(const cnnrt_instance *instance, const char *entry,
                      int32_t status) {
  return cnnrt_fail(instance->model->path, "%s returned status %d (%s)", entry,
                    (int)status, cnnrt_status_string(status));
}

static int initialize(cnnrt_instance *instance, uint64_t seed) {
  const cnnc_model_desc *desc = instance->model->desc;
  memset(instance->optState, 0,
         (size_t)desc->opt_state_elements * sizeof(float));
  instance->step = 0;
  instance->seed = seed;
  int32_t status = desc->init_params(instance->params, seed);
  if (instance->cuda)
    cnnrt_cuda_host_changed(instance->cuda);
  return status ? failStatus(instance, "init_params", status) : 0;
}

cnnrt_instance *cnnrt_instance_create(const cnnrt_model *model, uint64_t seed) {
  if (!model) {
    cnnrt_fail("cnnrt_instance_create", "the model is NULL");
    return NULL;
  }
  cnnrt_instance *instance = calloc(1, sizeof *instance);
  if (instance) {
    instance->model = model;
    instance->params = allocateFloats(model->desc->param_elements);
    instance->optState = allocateFloats(model->desc->opt_state_elements);
  }
  if (!instance || !instance->params || !instance->optState) {
    cnnrt_fail(model->path,
               "out of memory allocating %lld parameters and "
               "%lld optimizer state values",
               (long long)model->desc->param_elements,
               (long long)model->desc->opt_state_elements);
    cnnrt_instance_destroy(instance);
    return NULL;
  }
  // Kernels of an nvptx library run on the device; without one, fail here.
  if (cnnrt_model_is_cuda_desc(model->desc) &&
      !(instance->cuda = cnnrt_cuda_instance_create(model))) {
    cnnrt_instance_destroy(instance);
    return NULL;
  }
  if (initialize(instance, seed)) {
    cnnrt_instance_destroy(instance);
    return NULL;
  }
  return instance;
}

void cnnrt_instance_destroy(cnnrt_instance *instance) {
  if (!instance)
    return;
  cnnrt_cuda_instance_destroy(instance->cuda);
  free(instance->params);
  free(instance->optState);
  free(instance);
}

int cnnrt_instance_reset(cnnrt_instance *instance, uint64_t seed) {
  if (!instance)
    return cnnrt_fail("cnnrt_instance_reset", "the instance is NULL");
  return initialize(instance, seed);
}

const cnnrt_model *cnnrt_instance_model(const cnnrt_instance *instance) {
  return instance ? instance->model : NULL;
}

/// For a CUDA instance: brings the host copies up to date and, since the
/// caller may write through the returned pointer, uploads them again before
/// the next call.
static void exposeHostCopies(cnnrt_instance *instance) {
  if (!instance || !instance->cuda)
    return;
  (void)cnnrt_cuda_sync_host(instance->cuda, instance->params,
                             instance->optState);
  cnnrt_cuda_host_changed(instance->cuda);
}

float *cnnrt_instance_params(cnnrt_instance *instance) {
  exposeHostCopies(instance);
  return instance ? instance->params : NULL;
}

int64_t cnnrt_instance_param_elements(const cnnrt_instance *instance) {
  return instance ? instance->model->desc->param_elements : 0;
}

float *cnnrt_instance_opt_state(cnnrt_instance *instance) {
  exposeHostCopies(instance);
  return instance ? instance->optState : NULL;
}

int64_t cnnrt_instance_opt_state_elements(const cnnrt_instance *instance) {
  return instance ? instance->model->desc->opt_state_elements : 0;
}

int64_t cnnrt_instance_step(const cnnrt_instance *instance) {
  return instance ? instance->step : 0;
}

uint64_t cnnrt_instance_seed(const cnnrt_instance *instance) {
  return instance ? instance->seed : 0;
}

/// Checks the arguments shared by predict, train_step and evaluate. `output`
/// names the result pointer checked for NULL (logits), or is NULL.
static int checkBatch(const cnnrt_instance *instance, const char *operation,
                      const float *images, int64_t batch, const int32_t *labels,
                      int checkLabels, const void *output,
                      const char *outputName) {
  if (!instance)
    return cnnrt_fail(operation, "the instance is NULL");
  const cnnrt_model *model = instance->model;
  const char *path = model->path;
  int64_t imageBytes, logitBytes;
  if (batch < 0)
    return cnnrt_fail(path, "%s: batch %lld is negative", operation,
                      (long long)batch);
  if (cnnc_mul_overflows(batch, model->imageElements, &imageBytes) ||
      cnnc_mul_overflows(imageBytes, (int64_t)sizeof(float), &imageBytes) ||
      cnnc_mul_overflows(batch, model->desc->num_classes, &logitBytes) ||
      cnnc_mul_overflows(logitBytes, (int64_t)sizeof(float), &logitBytes))
    return cnnrt_fail(path, "%s: batch %lld is too large", operation,
                      (long long)batch);
  if (batch == 0)
    return 0;
  if (!images)
    return cnnrt_fail(path, "%s: the images pointer is NULL", operation);
  if (outputName && !output)
    return cnnrt_fail(path, "%s: the %s pointer is NULL", operation,
                      outputName);
  if (!checkLabels)
    return 0;
  if (!labels)
    return cnnrt_fail(path, "%s: the labels pointer is NULL", operation);
  for (int64_t i = 0; i < batch; ++i)
    if (labels[i] < 0 || labels[i] >= model->desc->num_classes)
      return cnnrt_fail(path,
                        "%s: label %d of image %lld is not a class in "
                        "[0, %lld)",
                        operation, (int)labels[i], (long long)i,
                        (long long)model->desc->num_classes);
  return 0;
}

int cnnrt_predict(cnnrt_instance *instance, const float *images, int64_t batch,
                  float *logits) {
  if (checkBatch(instance, "predict", images, batch, NULL, 0, logits, "logits"))
    return -1;
  if (batch == 0)
    return 0;
  if (instance->cuda)
    return cnnrt_cuda_forward(instance->cuda, instance->params,
                              instance->optState, images, batch, logits);
  int32_t status =
      instance->model->desc->forward(instance->params, images, batch, logits);
  return status ? failStatus(instance, "forward", status) : 0;
}

/// Fails unless the model has the training entry point `entry`.
static int requireTraining(const cnnrt_instance *instance, int present,
                           const char *name) {
  if (present)
    return 0;
  return cnnrt_fail(instance->model->path,
                    "%s: model compiled without training (no %s entry "
                    "point); recompile it with training enabled",
                    name, name);
}

/// Stores a batch's loss and correct count where the caller asked for them.
static int writeResults(float *loss, int64_t *correct, float batchLoss,
                        int64_t batchCorrect) {
  if (loss)
    *loss = batchLoss;
  if (correct)
    *correct = batchCorrect;
  return 0;
}

int cnnrt_train_step(cnnrt_instance *instance, const float *images,
                     const int32_t *labels, int64_t batch, float learning_rate,
                     float *loss, int64_t *correct) {
  return cnnrt_train_step_at(instance, images, labels, batch, learning_rate,
                             instance ? instance->step + 1 : 1,
                             instance ? instance->seed : 0, loss, correct);
}

int cnnrt_train_step_at(cnnrt_instance *instance, const float *images,
                        const int32_t *labels, int64_t batch,
                        float learning_rate, int64_t step, uint64_t seed,
                        float *loss, int64_t *correct) {
  if (checkBatch(instance, "train_step", images, batch, labels, 1, NULL, NULL))
    return -1;
  const cnnc_model_desc *desc = instance->model->desc;
  if (requireTraining(instance, desc->train_step != NULL, "train_step"))
    return -1;
  if (!isfinite(learning_rate) || learning_rate < 0.0f)
    return cnnrt_fail(instance->model->path,
                      "train_step: learning rate %g is not a finite "
                      "non-negative number",
                      (double)learning_rate);
  float batchLoss = 0.0f;
  int64_t batchCorrect = 0;
  if (batch == 0) // nothing to learn from: no step
    return writeResults(loss, correct, 0.0f, 0);
  if (step < 1)
    return cnnrt_fail(instance->model->path,
                      "train_step: step %lld is not positive", (long long)step);
  if (instance->cuda) {
    if (cnnrt_cuda_train_step(instance->cuda, instance->params,
                              instance->optState, images, labels, batch,
                              learning_rate, step, seed, &batchLoss,
                              &batchCorrect))
      return -1;
  } else {
    int32_t status = desc->train_step(instance->params, instance->optState,
                                      images, labels, batch, learning_rate,
                                      step, seed, &batchLoss, &batchCorrect);
    if (status)
      return failStatus(instance, "train_step", status);
  }
  instance->step = step;
  return writeResults(loss, correct, batchLoss, batchCorrect);
}

/// Fails for a CPU instance: it has no device buffers.
static int requireCuda(const cnnrt_instance *instance, const char *entry) {
  if (instance->cuda)
    return 0;
  return cnnrt_fail(instance->model->path,
                    "%s: only for a GPU (nvptx) model; a CPU model's "
                    "gradient is in the caller's buffer",
                    entry);
}

/// Checks a learning rate and a step number like train_step does.
static int checkUpdate(const cnnrt_instance *instance, const char *entry,
                       float learningRate, int64_t step) {
  if (!isfinite(learningRate) || learningRate < 0.0f)
    return cnnrt_fail(instance->model->path,
                      "%s: learning rate %g is not a finite non-negative "
                      "number",
                      entry, (double)learningRate);
  if (step < 1)
    return cnnrt_fail(instance->model->path, "%s: step %lld is not positive",
                      entry, (long long)step);
  return 0;
}

int64_t cnnrt_instance_gradient_elements(const cnnrt_instance *instance) {
  return instance ? instance->model->desc->trainable_elements : 0;
}

int cnnrt_compute_gradients(cnnrt_instance *instance, const float *images,
                            const int32_t *labels, int64_t batch, int64_t step,
                            uint64_t seed, float *gradient, float *loss,
                            int64_t *correct) {
  if (checkBatch(instance, "compute_gradients", images, batch, labels, 1,
                 gradient, "gradient"))
    return -1;
  const cnnc_model_desc *desc = instance->model->desc;
  if (requireTraining(instance, desc->compute_gradients != NULL,
                      "compute_gradients") ||
      checkUpdate(instance, "compute_gradients", 0.0f, step))
    return -1;
  float batchLoss = 0.0f;
  int64_t batchCorrect = 0;
  if (instance->cuda)
    return cnnrt_cuda_compute_gradients(
               instance->cuda, instance->params, instance->optState, images,
               labels, batch, step, seed, gradient, &batchLoss, &batchCorrect)
               ? -1
               : writeResults(loss, correct, batchLoss, batchCorrect);
  if (batch == 0) {
    memset(gradient, 0, (size_t)desc->trainable_elements * sizeof(float));
    return writeResults(loss, correct, 0.0f, 0);
  }
  int32_t status = desc->compute_gradients(instance->params, images, labels,
                                           batch, step, seed, gradient,
                                           &batchLoss, &batchCorrect);
  if (status)
    return failStatus(instance, "compute_gradients", status);
  return writeResults(loss, correct, batchLoss, batchCorrect);
}

int cnnrt_apply_gradients(cnnrt_instance *instance, const float *gradient,
                          float learning_rate, int64_t step) {
  if (!instance)
    return cnnrt_fail("apply_gradients", "the instance is NULL");
  const cnnc_model_desc *desc = instance->model->desc;
  if (requireTraining(instance, desc->apply_gradients != NULL,
                      "apply_gradients") ||
      checkUpdate(instance, "apply_gradients", learning_rate, step))
    return -1;
  if (!gradient)
    return cnnrt_fail(instance->model->path,
                      "apply_gradients: the gradient pointer is NULL");
  if (instance->cuda) {
    if (cnnrt_cuda_apply_gradients(instance->cuda, instance->params,
                                   instance->optState, gradient, learning_rate,
                                   step))
      return -1;
  } else {
    int32_t status = desc->apply_gradients(instance->params, instance->optState,
                                           gradient, learning_rate, step);
    if (status)
      return failStatus(instance, "apply_gradients", status);
  }
  instance->step = step;
  return 0;
}

int cnnrt_compute_gradients_on_device(cnnrt_instance *instance,
                                      const float *images,
                                      const int32_t *labels, int64_t batch,
                                      int64_t step, uint64_t seed,
                                      void **device_gradient, void **stream,
                                      float *loss, int64_t *correct) {
  if (checkBatch(instance, "compute_gradients", images, batch, labels, 1,
                 device_gradient, "device_gradient"))
    return -1;
  const cnnc_model_desc *desc = instance->model->desc;
  if (requireCuda(instance, "compute_gradients_on_device") ||
      requireTraining(instance, desc->compute_gradients != NULL,
                      "compute_gradients") ||
      checkUpdate(instance, "compute_gradients", 0.0f, step))
    return -1;
  if (!device_gradient || !stream)
    return cnnrt_fail(instance->model->path,
                      "compute_gradients_on_device: NULL result pointer");
  float batchLoss = 0.0f;
  int64_t batchCorrect = 0;
  if (cnnrt_cuda_compute_gradients(
          instance->cuda, instance->params, instance->optState, images, labels,
          batch, step, seed, NULL, &batchLoss, &batchCorrect) ||
      cnnrt_cuda_gradient_on_device(instance->cuda, device_gradient, stream))
    return -1;
  return writeResults(loss, correct, batchLoss, batchCorrect);
}

int cnnrt_apply_gradients_on_device(cnnrt_instance *instance,
                                    float learning_rate, int64_t step) {
  if (!instance)
    return cnnrt_fail("apply_gradients_on_device", "the instance is NULL");
  const cnnc_model_desc *desc = instance->model->desc;
  if (requireCuda(instance, "apply_gradients_on_device") ||
      requireTraining(instance, desc->apply_gradients != NULL,
                      "apply_gradients") ||
      checkUpdate(instance, "apply_gradients", learning_rate, step) ||
      cnnrt_cuda_apply_gradients(instance->cuda, instance->params,
                                 instance->optState, NULL, learning_rate, step))
    return -1;
  instance->step = step;
  return 0;
}

int cnnrt_instance_prefetch(cnnrt_instance *instance, const float *images,
                            const int32_t *labels, int64_t batch) {
  if (checkBatch(instance, "prefetch", images, batch, labels, 1, NULL, NULL))
    return -1;
  if (!instance->cuda) // the CPU reads the caller's buffers directly
    return 0;
  return cnnrt_cuda_prefetch(instance->cuda, images, labels, batch);
}

int cnnrt_instance_prefetches(const cnnrt_instance *instance) {
  return instance && instance->cuda && cnnrt_cuda_prefetches(instance->cuda);
}

int cnnrt_evaluate(cnnrt_instance *instance, const float *images,
                   const int32_t *labels, int64_t batch, float *loss,
                   int64_t *correct) {
  if (checkBatch(instance, "evaluate", images, batch, labels, 1, NULL, NULL))
    return -1;
  const cnnc_model_desc *desc = instance->model->desc;
  if (requireTraining(instance, desc->evaluate != NULL, "evaluate"))
    return -1;
  float batchLoss = 0.0f;
  int64_t batchCorrect = 0;
  if (batch == 0)
    return writeResults(loss, correct, 0.0f, 0);
  if (instance->cuda)
    return cnnrt_cuda_evaluate(instance->cuda, instance->params,
                               instance->optState, images, labels, batch,
                               &batchLoss, &batchCorrect)
               ? -1
               : writeResults(loss, correct, batchLoss, batchCorrect);
  int32_t status = desc->evaluate(instance->params, images, labels, batch,
                                  &batchLoss, &batchCorrect);
  if (status)
    return failStatus(instance, "evaluate", status);
  return writeResults(loss, correct, batchLoss, batchCorrect);
}
