//===- CudaInstance.c - device buffers of a CUDA model instance -----------===//

#include "CudaInstance.h"

#include "CudaDriver.h"
#include "Error.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/// Device buffers for the images and labels of one batch, and the pinned host
/// memory they are copied in from (`capacity` rows of images, then labels).
/// A prefetch slot also has the event recorded after its copies and the
/// caller's pointers and size of the batch it holds, until a call uses it.
typedef struct batchSlot {
  CUdeviceptr images, labels;
  void *pinned;
  int64_t capacity;
  CUevent copied;
  int copying;            ///< `copied` recorded, not waited for yet
  const float *forImages; ///< NULL: no pending prefetch
  const int32_t *forLabels;
  int64_t forBatch;
} batchSlot;

enum { kMainSlot = 0, kNumSlots = 3 };

struct cnnrt_cuda_instance {
  const cnnrt_model *model;
  const cnnc_cuda_api *cu;
  CUstream stream;     ///< uploads, downloads, batches that were not prefetched
  CUstream copyStream; ///< prefetches (created by the first one)
  CUdeviceptr params, optState, results; // results: f32 loss, i64 correct
  CUdeviceptr gradient; ///< the split step's (allocated by its first call)
  CUdeviceptr logits;                    ///< `outCapacity` rows
  void *outPinned; ///< staging: 16 bytes of results, then the logits
  int64_t outCapacity;
  /// slots[kMainSlot]: batches that were not prefetched; slots 1 and 2:
  /// prefetches in turn, batch i + 1 copying while batch i is used.
  batchSlot slots[kNumSlots];
  int lastPrefetch;        ///< slot of the latest prefetch (1 or 2)
  const batchSlot *active; ///< the batch of the current entry call
  int prefetchOff;         ///< $CNNRT_CUDA_PREFETCH is "0"
  int hostChanged;         ///< host copies newer than the device's
  int deviceNewer;         ///< device copies newer than the host's
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
  const char *prefetch = getenv(CNNRT_CUDA_PREFETCH_ENV);
  cuda->prefetchOff = prefetch && strcmp(prefetch, "0") == 0;
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

/// Frees the buffers of `slot` (not its event: the slot is about to grow).
static void freeSlot(const cnnc_cuda_api *cu, batchSlot *slot) {
  if (slot->images)
    cu->memFree(slot->images);
  if (slot->labels)
    cu->memFree(slot->labels);
  if (slot->pinned)
    cu->memFreeHost(slot->pinned);
  slot->images = slot->labels = 0;
  slot->pinned = NULL;
  slot->capacity = 0;
}

static void freeOutputs(cnnrt_cuda_instance *cuda) {
  const cnnc_cuda_api *cu = cuda->cu;
  if (cuda->logits)
    cu->memFree(cuda->logits);
  if (cuda->outPinned)
    cu->memFreeHost(cuda->outPinned);
  cuda->logits = 0;
  cuda->outPinned = NULL;
  cuda->outCapacity = 0;
}

/// Waits for the prefetch copies into `slot` (its batch is about to be used,
/// or its buffers reused or freed), not for later ones.
static int awaitSlot(cnnrt_cuda_instance *cuda, batchSlot *slot) {
  if (!slot->copying)
    return 0;
  slot->copying = 0;
  return check(cuda, cuda->cu->eventSynchronize(slot->copied),
               "cannot copy the prefetched batch to the GPU");
}

void cnnrt_cuda_instance_destroy(cnnrt_cuda_instance *cuda) {
  if (!cuda)
    return;
  const cnnc_cuda_api *cu = cuda->cu;
  if (cuda->stream)
    cu->streamSynchronize(cuda->stream);
  if (cuda->copyStream)
    cu->streamSynchronize(cuda->copyStream);
  for (int i = 0; i < kNumSlots; ++i) {
    freeSlot(cu, &cuda->slots[i]);
    if (cuda->slots[i].copied)
      cu->eventDestroy(cuda->slots[i].copied);
  }
  freeOutputs(cuda);
  if (cuda->params)
    cu->memFree(cuda->params);
  if (cuda->optState)
    cu->memFree(cuda->optState);
  if (cuda->results)
    cu->memFree(cuda->results);
  if (cuda->gradient)
    cu->memFree(cuda->gradient);
  if (cuda->copyStream)
    cu->streamDestroy(cuda->copyStream);
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

static size_t imageBytes(const cnnrt_cuda_instance *cuda) {
  return (size_t)cuda->model->imageElements * sizeof(float);
}

static size_t logitBytes(const cnnrt_cuda_instance *cuda) {
  return (size_t)cuda->model->desc->num_classes * sizeof(float);
}

/// Grows `slot` to at least `batch` rows once no copy uses it.
static int growSlot(cnnrt_cuda_instance *cuda, batchSlot *slot, int64_t batch) {
  if (batch <= slot->capacity)
    return 0;
  const cnnc_cuda_api *cu = cuda->cu;
  if (slot == &cuda->slots[kMainSlot])
    cu->streamSynchronize(cuda->stream);
  else if (awaitSlot(cuda, slot))
    return -1;
  freeSlot(cu, slot);
  size_t rows = (size_t)batch;
  if (check(cuda, cu->memAlloc(&slot->images, rows * imageBytes(cuda)),
            "cannot allocate the batch on the GPU") ||
      check(cuda, cu->memAlloc(&slot->labels, rows * sizeof(int32_t)),
            "cannot allocate the batch on the GPU") ||
      check(cuda,
            cu->memHostAlloc(&slot->pinned,
                             rows * (imageBytes(cuda) + sizeof(int32_t)),
                             CNNC_CU_MEMHOSTALLOC_PORTABLE),
            "cannot allocate pinned host memory")) {
    freeSlot(cu, slot);
    return -1;
  }
  slot->capacity = batch;
  return 0;
}

/// Grows the logits buffer and the staging area of results to `batch` rows.
static int growOutputs(cnnrt_cuda_instance *cuda, int64_t batch) {
  if (batch <= cuda->outCapacity)
    return 0;
  const cnnc_cuda_api *cu = cuda->cu;
  cu->streamSynchronize(cuda->stream);
  freeOutputs(cuda);
  size_t bytes = (size_t)batch * logitBytes(cuda);
  if (check(cuda, cu->memAlloc(&cuda->logits, bytes),
            "cannot allocate the batch on the GPU") ||
      check(cuda,
            cu->memHostAlloc(&cuda->outPinned, 16 + bytes,
                             CNNC_CU_MEMHOSTALLOC_PORTABLE),
            "cannot allocate pinned host memory")) {
    freeOutputs(cuda);
    return -1;
  }
  cuda->outCapacity = batch;
  return 0;
}

/// Copies a batch into the staging buffer of `slot` and starts asynchronous
/// copies from there into its device buffers on `stream`.
static int copyBatch(cnnrt_cuda_instance *cuda, const batchSlot *slot,
                     const float *images, const int32_t *labels, int64_t batch,
                     CUstream stream) {
  const cnnc_cuda_api *cu = cuda->cu;
  char *staging = slot->pinned;
  size_t bytes = (size_t)batch * imageBytes(cuda);
  memcpy(staging, images, bytes);
  if (check(cuda, cu->memcpyHtoDAsync(slot->images, staging, bytes, stream),
            "cannot copy the batch to the GPU"))
    return -1;
  if (!labels)
    return 0;
  char *labelStaging = staging + (size_t)slot->capacity * imageBytes(cuda);
  memcpy(labelStaging, labels, (size_t)batch * sizeof(int32_t));
  return check(cuda,
               cu->memcpyHtoDAsync(slot->labels, labelStaging,
                                   (size_t)batch * sizeof(int32_t), stream),
               "cannot copy the labels to the GPU");
}

/// Starts uploading the host copies of the parameters and optimizer state
/// when they changed (on the instance's stream, before the batch).
static int uploadChanged(cnnrt_cuda_instance *cuda, const float *params,
                         const float *optState) {
  if (!cuda->hostChanged)
    return 0;
  const cnnc_model_desc *desc = cuda->model->desc;
  const cnnc_cuda_api *cu = cuda->cu;
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
  return 0;
}

/// The prefetch slot holding exactly this batch (same pointers and size),
/// which the call uses up, or NULL. Other prefetches stay for later calls (a
/// loop prefetches batch i + 1 before the call on batch i).
static batchSlot *takePrefetch(cnnrt_cuda_instance *cuda, const float *images,
                               const int32_t *labels, int64_t batch) {
  for (int i = kMainSlot + 1; i < kNumSlots; ++i) {
    batchSlot *slot = &cuda->slots[i];
    if (slot->forImages && images == slot->forImages &&
        labels == slot->forLabels && batch == slot->forBatch) {
      slot->forImages = NULL;
      return slot;
    }
  }
  return NULL;
}

/// Uploads changed host copies, grows the buffers to `batch` rows and brings
/// the batch to the device: the prefetched copy when this is a prefetched
/// batch (waiting for its copies only), else a copy through the pinned
/// staging buffer of the main slot (asynchronous copies, one wait). Sets the
/// slot the entry point reads.
static int prepare(cnnrt_cuda_instance *cuda, const float *params,
                   const float *optState, const float *images,
                   const int32_t *labels, int64_t batch) {
  batchSlot *slot = takePrefetch(cuda, images, labels, batch);
  if (uploadChanged(cuda, params, optState) || growOutputs(cuda, batch))
    return -1;
  if (slot) {
    // Host wait: the copy ran while the previous call's kernels ran.
    if (awaitSlot(cuda, slot))
      return -1;
  } else {
    slot = &cuda->slots[kMainSlot];
    if (growSlot(cuda, slot, batch) ||
        copyBatch(cuda, slot, images, labels, batch, cuda->stream))
      return -1;
  }
  cuda->active = slot;
  // The entry point runs on the library's stream: wait for the copies.
  return check(cuda, cuda->cu->streamSynchronize(cuda->stream),
               "cannot copy the batch to the GPU");
}

int cnnrt_cuda_prefetches(const cnnrt_cuda_instance *cuda) {
  return !cuda->prefetchOff;
}

/// The prefetch slot for a new prefetch of `images`/`labels`, whose earlier
/// prefetches are dropped (the buffers may hold new data): a slot without a
/// pending batch, else the older one.
static batchSlot *prefetchSlot(cnnrt_cuda_instance *cuda, const float *images,
                               const int32_t *labels) {
  for (int i = kMainSlot + 1; i < kNumSlots; ++i) {
    batchSlot *slot = &cuda->slots[i];
    if (slot->forImages == images || slot->forLabels == labels)
      slot->forImages = NULL;
  }
  int older = cuda->lastPrefetch == 1 ? 2 : 1;
  if (cuda->slots[older].forImages && !cuda->slots[3 - older].forImages)
    older = 3 - older;
  cuda->lastPrefetch = older;
  batchSlot *slot = &cuda->slots[older];
  slot->forImages = NULL;
  return slot;
}

int cnnrt_cuda_prefetch(cnnrt_cuda_instance *cuda, const float *images,
                        const int32_t *labels, int64_t batch) {
  if (cuda->prefetchOff)
    return 0;
  if (batch == 0) { // drop both; their copies are waited for on reuse
    for (int i = kMainSlot + 1; i < kNumSlots; ++i)
      cuda->slots[i].forImages = NULL;
    return 0;
  }
  const cnnc_cuda_api *cu = cuda->cu;
  batchSlot *slot = prefetchSlot(cuda, images, labels);
  // Its staging buffer may still be read by the copies of its last batch.
  if (awaitSlot(cuda, slot) ||
      (!cuda->copyStream &&
       check(cuda,
             cu->streamCreate(&cuda->copyStream, CNNC_CU_STREAM_NON_BLOCKING),
             "cannot create a CUDA stream")) ||
      (!slot->copied &&
       check(cuda, cu->eventCreate(&slot->copied, CNNC_CU_EVENT_DISABLE_TIMING),
             "cannot create a CUDA event")) ||
      growSlot(cuda, slot, batch))
    return -1;
  if (copyBatch(cuda, slot, images, labels, batch, cuda->copyStream) ||
      check(cuda, cu->eventRecord(slot->copied, cuda->copyStream),
            "cannot copy the batch to the GPU")) {
    cu->streamSynchronize(cuda->copyStream); // nothing left reading staging
    return -1;
  }
  slot->copying = 1;
  slot->forImages = images;
  slot->forLabels = labels;
  slot->forBatch = batch;
  return 0;
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
  return (char *)cuda->outPinned + 16;
}

/// The device images and labels of the batch prepare() brought in.
static const batchSlot *batchOnDevice(const cnnrt_cuda_instance *cuda) {
  return cuda->active;
}

int cnnrt_cuda_forward(cnnrt_cuda_instance *cuda, const float *params,
                       const float *optState, const float *images,
                       int64_t batch, float *logits) {
  if (prepare(cuda, params, optState, images, NULL, batch))
    return -1;
  const cnnc_model_desc *desc = cuda->model->desc;
  int32_t status =
      desc->forward((const float *)(uintptr_t)cuda->params,
                    (const float *)(uintptr_t)batchOnDevice(cuda)->images,
                    batch, (float *)(uintptr_t)cuda->logits);
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
  if (download(cuda, buffer, cuda->results, sizeof buffer, cuda->outPinned))
    return -1;
  memcpy(loss, buffer, sizeof *loss);
  memcpy(correct, buffer + 8, sizeof *correct);
  return 0;
}

int cnnrt_cuda_train_step(cnnrt_cuda_instance *cuda, const float *params,
                          const float *optState, const float *images,
                          const int32_t *labels, int64_t batch,
                          float learningRate, int64_t step, uint64_t seed,
                          float *loss, int64_t *correct) {
  if (prepare(cuda, params, optState, images, labels, batch))
    return -1;
  int32_t status = cuda->model->desc->train_step(
      (float *)(uintptr_t)cuda->params, (float *)(uintptr_t)cuda->optState,
      (const float *)(uintptr_t)batchOnDevice(cuda)->images,
      (const int32_t *)(uintptr_t)batchOnDevice(cuda)->labels, batch,
      learningRate, step, seed, (float *)(uintptr_t)cuda->results,
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
      (const float *)(uintptr_t)batchOnDevice(cuda)->images,
      (const int32_t *)(uintptr_t)batchOnDevice(cuda)->labels, batch,
      (float *)(uintptr_t)cuda->results,
      (int64_t *)(uintptr_t)(cuda->results + 8));
  if (status)
    return entryFailed(cuda, "evaluate", status);
  return readResults(cuda, loss, correct);
}

/// The device buffer of the split step's gradient (trainable_elements
/// floats) and its size in bytes.
static int gradientBuffer(cnnrt_cuda_instance *cuda, size_t *bytes) {
  *bytes = (size_t)cuda->model->desc->trainable_elements * sizeof(float);
  if (cuda->gradient)
    return 0;
  return check(cuda, cuda->cu->memAlloc(&cuda->gradient, *bytes ? *bytes : 4),
               "cannot allocate the gradient on the GPU");
}

int cnnrt_cuda_compute_gradients(cnnrt_cuda_instance *cuda, const float *params,
                                 const float *optState, const float *images,
                                 const int32_t *labels, int64_t batch,
                                 int64_t step, uint64_t seed,
                                 float *hostGradient, float *loss,
                                 int64_t *correct) {
  const cnnc_cuda_api *cu = cuda->cu;
  size_t bytes;
  if (gradientBuffer(cuda, &bytes))
    return -1;
  if (batch == 0) { // no images: a zero gradient, no state update
    *loss = 0.0f;
    *correct = 0;
    if (check(cuda, cu->memsetD8Async(cuda->gradient, 0, bytes, cuda->stream),
              "cannot clear the gradient on the GPU"))
      return -1;
  } else {
    if (prepare(cuda, params, optState, images, labels, batch))
      return -1;
    int32_t status = cuda->model->desc->compute_gradients(
        (float *)(uintptr_t)cuda->params,
        (const float *)(uintptr_t)batchOnDevice(cuda)->images,
        (const int32_t *)(uintptr_t)batchOnDevice(cuda)->labels, batch, step,
        seed, (float *)(uintptr_t)cuda->gradient,
        (float *)(uintptr_t)cuda->results,
        (int64_t *)(uintptr_t)(cuda->results + 8));
    if (status)
      return entryFailed(cuda, "compute_gradients", status);
    cuda->deviceNewer = 1; // the non-trainable state
    if (readResults(cuda, loss, correct))
      return -1;
  }
  if (hostGradient && check(cuda,
                            cu->memcpyDtoHAsync(hostGradient, cuda->gradient,
                                                bytes, cuda->stream),
                            "cannot copy the gradient from the GPU"))
    return -1;
  return check(cuda, cu->streamSynchronize(cuda->stream),
               "cannot compute the gradient on the GPU");
}

int cnnrt_cuda_apply_gradients(cnnrt_cuda_instance *cuda, const float *params,
                               const float *optState, const float *hostGradient,
                               float learningRate, int64_t step) {
  const cnnc_cuda_api *cu = cuda->cu;
  size_t bytes;
  if (gradientBuffer(cuda, &bytes) || uploadChanged(cuda, params, optState) ||
      (hostGradient && check(cuda,
                             cu->memcpyHtoDAsync(cuda->gradient, hostGradient,
                                                 bytes, cuda->stream),
                             "cannot copy the gradient to the GPU")) ||
      // Also waits for work the caller ordered on the stream (a collective
      // summing the gradient in place).
      check(cuda, cu->streamSynchronize(cuda->stream),
            "cannot copy the gradient to the GPU"))
    return -1;
  int32_t status = cuda->model->desc->apply_gradients(
      (float *)(uintptr_t)cuda->params, (float *)(uintptr_t)cuda->optState,
      (const float *)(uintptr_t)cuda->gradient, learningRate, step);
  if (status)
    return entryFailed(cuda, "apply_gradients", status);
  cuda->deviceNewer = 1;
  return 0;
}

int cnnrt_cuda_gradient_on_device(cnnrt_cuda_instance *cuda, void **gradient,
                                  void **stream) {
  size_t bytes;
  if (gradientBuffer(cuda, &bytes))
    return -1;
  *gradient = (void *)(uintptr_t)cuda->gradient;
  *stream = cuda->stream;
  return 0;
}

int cnnrt_model_is_cuda(const cnnrt_model *model) {
  return model && cnnrt_model_is_cuda_desc(model->desc);
}

const char *cnnrt_cuda_unavailable(void) {
  return cnnc_cuda_init() ? NULL : cnnc_cuda_init_error();
}
