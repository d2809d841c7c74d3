//===- CudaInstance.c - device buffers of a CUDA model instance -----------===//

#include "CudaInstance.h"

#include "CudaDriver.h"
#include "Error.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

struct cnnrt_cuda_instance {
  const cnnrt_model *model;
  const cnnc_cuda_api *cu;
  CUstream stream;
  CUdeviceptr params, optState, results; // results: f32 loss, i64 correct
  CUdeviceptr images, labels, logits;    // batch buffers, `capacity` rows
  void *pinned;                          // staging: images, labels, logits
  int64_t capacity;
  int hostChanged;  ///< host copies newer than the device's
  int deviceNewer;  ///< device copies newer than the host's
};

int cnnrt_model_is_cuda_desc(const cnnc_model_desc *desc) {
  return desc && desc->target && strcmp(desc->target, "nvptx") == 0;
}

/// Records a failed driver call of `instance`'s model; returns -1.
static int check(const cnnrt_cuda_instance *cuda, CUresult result,
                 const char *what) {
  if (result == CNNC_CU_SUCCESS)
    return 0;
  char text[400];
  cnnc_cuda_describe(result, what, text, sizeof text);
  return cnnrt_fail(cuda->model->path, "%s", text);
}

/// A failed entry point: its status and the library's own message.
static int entryFailed(const cnnrt_cuda_instance *cuda, const char *entry,
                       int32_t status) {
  const char *message = "";
  if (cuda->model->handle) {
    const char *(*lastError)(void) =
        (const char *(*)(void))dlsym(cuda->model->handle, "cnnc_gpu_last_error");
    if (lastError)
      message = lastError();
  }
  return cnnrt_fail(cuda->model->path, "%s returned status %d (%s)%s%s", entry,
                    (int)status,
                    status == CNNC_ERR_DEVICE ? "device error"
                                              : "invalid argument",
                    *message ? ": " : "", message);
}

cnnrt_cuda_instance *cnnrt_cuda_instance_create(const cnnrt_model *model) {
  const cnnc_cuda_api *cu = cnnc_cuda_init();
  if (!cu) {
    cnnrt_fail(model->path, "%s", cnnc_cuda_init_error());
    return NULL;
  }
  cnnrt_cuda_instance *cuda = calloc(1, sizeof *cuda);
  if (!cuda) {
    cnnrt_fail(model->path, "out of memory");
    return NULL;
  }
  cuda->model = model;
  cuda->cu = cu;
  cuda->hostChanged = 1;
  const cnnc_model_desc *desc = model->desc;
  size_t paramBytes = (size_t)desc->param_elements * sizeof(float);
  size_t stateBytes = (size_t)desc->opt_state_elements * sizeof(float);
  if (check(cuda, cu->streamCreate(&cuda->stream, CNNC_CU_STREAM_NON_BLOCKING),
            "cannot create a CUDA stream") ||
      check(cuda, cu->memAlloc(&cuda->params, paramBytes ? paramBytes : 4),
            "cannot allocate the parameters on the GPU") ||
      check(cuda, cu->memAlloc(&cuda->optState, stateBytes ? stateBytes : 4),
            "cannot allocate the optimizer state on the GPU") ||
      check(cuda, cu->memAlloc(&cuda->results, 16),
            "cannot allocate GPU memory")) {
    cnnrt_cuda_instance_destroy(cuda);
    return NULL;
  }
  return cuda;
}

static void freeBatchBuffers(cnnrt_cuda_instance *cuda) {
  const cnnc_cuda_api *cu = cuda->cu;
  if (cuda->images)
    cu->memFree(cuda->images);
  if (cuda->labels)
    cu->memFree(cuda->labels);
  if (cuda->logits)
    cu->memFree(cuda->logits);
  if (cuda->pinned)
    cu->memFreeHost(cuda->pinned);
  cuda->images = cuda->labels = cuda->logits = 0;
  cuda->pinned = NULL;
  cuda->capacity = 0;
}

void cnnrt_cuda_instance_destroy(cnnrt_cuda_instance *cuda) {
  if (!cuda)
    return;
  const cnnc_cuda_api *cu = cuda->cu;
  if (cuda->stream)
    cu->streamSynchronize(cuda->stream);
  freeBatchBuffers(cuda);
  if (cuda->params)
    cu->memFree(cuda->params);
  if (cuda->optState)
    cu->memFree(cuda->optState);
  if (cuda->results)
    cu->memFree(cuda->results);
  if (cuda->stream)
    cu->streamDestroy(cuda->stream);
  free(cuda);
}

void cnnrt_cuda_host_changed(cnnrt_cuda_instance *cuda) {
  cuda->hostChanged = 1;
  cuda->deviceNewer = 0;
}

int cnnrt_cuda_sync_host(cnnrt_cuda_instance *cuda, float *params,
                         float *optState) {
  if (!cuda->deviceNewer)
    return 0;
  const cnnc_model_desc *desc = cuda->model->desc;
  const cnnc_cuda_api *cu = cuda->cu;
  if (check(cuda,
            cu->memcpyDtoHAsync(params, cuda->params,
                                (size_t)desc->param_elements * sizeof(float),
                                cuda->stream),
            "cannot copy the parameters from the GPU") ||
      check(cuda,
            cu->memcpyDtoHAsync(optState, cuda->optState,
                                (size_t)desc->opt_state_elements *
                                    sizeof(float),
                                cuda->stream),
            "cannot copy the optimizer state from the GPU") ||
      check(cuda, cu->streamSynchronize(cuda->stream),
            "cannot copy from the GPU"))
    return -1;
  cuda->deviceNewer = 0;
  return 0;
}

/// Uploads changed host copies, grows the batch buffers to `batch` rows and
/// copies the batch in (pinned staging, asynchronous copies, one wait).
static int prepare(cnnrt_cuda_instance *cuda, const float *params,
                   const float *optState, const float *images,
                   const int32_t *labels, int64_t batch) {
  const cnnc_model_desc *desc = cuda->model->desc;
  const cnnc_cuda_api *cu = cuda->cu;
  size_t imageBytes = (size_t)cuda->model->imageElements * sizeof(float);
  size_t logitBytes = (size_t)desc->num_classes * sizeof(float);
  if (cuda->hostChanged) {
    if (check(cuda,
              cu->memcpyHtoDAsync(cuda->params, params,
                                  (size_t)desc->param_elements * sizeof(float),
                                  cuda->stream),
              "cannot copy the parameters to the GPU") ||
        check(cuda,
              cu->memcpyHtoDAsync(cuda->optState, optState,
                                  (size_t)desc->opt_state_elements *
                                      sizeof(float),
                                  cuda->stream),
              "cannot copy the optimizer state to the GPU"))
      return -1;
    cuda->hostChanged = 0;
  }
  if (batch > cuda->capacity) {
    cu->streamSynchronize(cuda->stream);
    freeBatchBuffers(cuda);
    size_t rows = (size_t)batch;
    if (check(cuda, cu->memAlloc(&cuda->images, rows * imageBytes),
              "cannot allocate the batch on the GPU") ||
        check(cuda, cu->memAlloc(&cuda->labels, rows * sizeof(int32_t)),
              "cannot allocate the batch on the GPU") ||
        check(cuda, cu->memAlloc(&cuda->logits, rows * logitBytes),
              "cannot allocate the batch on the GPU") ||
        check(cuda,
              cu->memHostAlloc(&cuda->pinned,
                               rows * (imageBytes + sizeof(int32_t) +
                                       logitBytes),
                               CNNC_CU_MEMHOSTALLOC_PORTABLE),
              "cannot allocate pinned host memory")) {
      freeBatchBuffers(cuda);
      return -1;
    }
    cuda->capacity = batch;
  }
  char *staging = cuda->pinned;
  size_t bytes = (size_t)batch * imageBytes;
  memcpy(staging, images, bytes);
  if (check(cuda,
            cu->memcpyHtoDAsync(cuda->images, staging, bytes, cuda->stream),
            "cannot copy the batch to the GPU"))
    return -1;
  if (labels) {
    char *labelStaging = staging + (size_t)cuda->capacity * imageBytes;
    memcpy(labelStaging, labels, (size_t)batch * sizeof(int32_t));
    if (check(cuda,
              cu->memcpyHtoDAsync(cuda->labels, labelStaging,
                                  (size_t)batch * sizeof(int32_t),
                                  cuda->stream),
              "cannot copy the labels to the GPU"))
      return -1;
  }
  // The entry point runs on the library's stream: wait for the copies.
  return check(cuda, cu->streamSynchronize(cuda->stream),
               "cannot copy the batch to the GPU");
}

/// Copies `bytes` from device `src` into `dst` through the staging area.
static int download(cnnrt_cuda_instance *cuda, void *dst, CUdeviceptr src,
                    size_t bytes, void *staging) {
  const cnnc_cuda_api *cu = cuda->cu;
  if (check(cuda, cu->memcpyDtoHAsync(staging, src, bytes, cuda->stream),
            "cannot copy results from the GPU") ||
      check(cuda, cu->streamSynchronize(cuda->stream),
            "cannot copy results from the GPU"))
    return -1;
  memcpy(dst, staging, bytes);
  return 0;
}

static void *logitStaging(const cnnrt_cuda_instance *cuda) {
  size_t imageBytes = (size_t)cuda->model->imageElements * sizeof(float);
  return (char *)cuda->pinned +
         (size_t)cuda->capacity * (imageBytes + sizeof(int32_t));
}

int cnnrt_cuda_forward(cnnrt_cuda_instance *cuda, const float *params,
                       const float *optState, const float *images,
                       int64_t batch, float *logits) {
  if (prepare(cuda, params, optState, images, NULL, batch))
    return -1;
  const cnnc_model_desc *desc = cuda->model->desc;
  int32_t status = desc->forward(
      (const float *)(uintptr_t)cuda->params,
      (const float *)(uintptr_t)cuda->images, batch,
      (float *)(uintptr_t)cuda->logits);
  if (status)
    return entryFailed(cuda, "forward", status);
  return download(cuda, logits, cuda->logits,
                  (size_t)batch * (size_t)desc->num_classes * sizeof(float),
                  logitStaging(cuda));
}

/// Reads the loss (f32) and correct count (i64) the entry point wrote.
static int readResults(cnnrt_cuda_instance *cuda, float *loss,
                       int64_t *correct) {
  char buffer[16];
  if (download(cuda, buffer, cuda->results, sizeof buffer,
               logitStaging(cuda)))
    return -1;
  memcpy(loss, buffer, sizeof *loss);
  memcpy(correct, buffer + 8, sizeof *correct);
  return 0;
}

int cnnrt_cuda_train_step(cnnrt_cuda_instance *cuda, const float *params,
                          const float *optState, const float *images,
                          const int32_t *labels, int64_t batch,
                          float learningRate, int64_t step, float *loss,
                          int64_t *correct) {
  if (prepare(cuda, params, optState, images, labels, batch))
    return -1;
  int32_t status = cuda->model->desc->train_step(
      (float *)(uintptr_t)cuda->params, (float *)(uintptr_t)cuda->optState,
      (const float *)(uintptr_t)cuda->images,
      (const int32_t *)(uintptr_t)cuda->labels, batch, learningRate, step,
      (float *)(uintptr_t)cuda->results,
      (int64_t *)(uintptr_t)(cuda->results + 8));
  if (status)
    return entryFailed(cuda, "train_step", status);
  cuda->deviceNewer = 1;
  return readResults(cuda, loss, correct);
}

int cnnrt_cuda_evaluate(cnnrt_cuda_instance *cuda, const float *params,
                        const float *optState, const float *images,
                        const int32_t *labels, int64_t batch, float *loss,
                        int64_t *correct) {
  if (prepare(cuda, params, optState, images, labels, batch))
    return -1;
  int32_t status = cuda->model->desc->evaluate(
      (const float *)(uintptr_t)cuda->params,
      (const float *)(uintptr_t)cuda->images,
      (const int32_t *)(uintptr_t)cuda->labels, batch,
      (float *)(uintptr_t)cuda->results,
      (int64_t *)(uintptr_t)(cuda->results + 8));
  if (status)
    return entryFailed(cuda, "evaluate", status);
  return readResults(cuda, loss, correct);
}

int cnnrt_model_is_cuda(const cnnrt_model *model) {
  return model && cnnrt_model_is_cuda_desc(model->desc);
}

const char *cnnrt_cuda_unavailable(void) {
  return cnnc_cuda_init() ? NULL : cnnc_cuda_init_error();
}
