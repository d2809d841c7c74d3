/*===- CudaInstance.h - device buffers of a CUDA model instance ---*- C -*-===*\
|*                                                                            *|
|* The entry points of a library built with `cnnc --target=nvptx` take device *|
|* pointers (docs/gpu.md). For such models an instance keeps the parameters  *|
|* and optimizer state resident on the device, mirrors them on the host only *|
|* when the host asks (cnnrt_instance_params & co.), and copies each batch in *|
|* through pinned staging buffers with asynchronous copies. Two more batch   *|
|* slots let the next batch's copy (cnnrt_instance_prefetch, on a stream of   *|
|* its own, one event per slot) run while the current step's kernels run.     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_CNNRT_CUDAINSTANCE_H
#define CNNC_RUNTIME_CNNRT_CUDAINSTANCE_H

#include "ModelInternal.h"

typedef struct cnnrt_cuda_instance cnnrt_cuda_instance;

/// 1 when `model` runs on a CUDA device (descriptor target "nvptx").
int cnnrt_model_is_cuda_desc(const cnnc_model_desc *desc);

/// Device buffers for `model`'s parameters and optimizer state; NULL with
/// cnnrt_last_error() set when there is no usable driver or device.
cnnrt_cuda_instance *cnnrt_cuda_instance_create(const cnnrt_model *model);
void cnnrt_cuda_instance_destroy(cnnrt_cuda_instance *cuda);

/// The host copies were changed (initialization, a checkpoint, the caller
/// writing through cnnrt_instance_params): upload before the next call.
void cnnrt_cuda_host_changed(cnnrt_cuda_instance *cuda);

/// Makes the host copies current (downloads after training steps).
int cnnrt_cuda_sync_host(cnnrt_cuda_instance *cuda, float *params,
                         float *optState);

/// 0 when $CNNRT_CUDA_PREFETCH is "0" (prefetches do nothing), else 1.
int cnnrt_cuda_prefetches(const cnnrt_cuda_instance *cuda);

/// Starts copying a checked batch into the spare slot on the copy stream;
/// the first later train_step/evaluate of the same pointers and size uses
/// it. Replaces an earlier prefetch; batch 0 only drops it.
int cnnrt_cuda_prefetch(cnnrt_cuda_instance *cuda, const float *images,
                        const int32_t *labels, int64_t batch);

int cnnrt_cuda_forward(cnnrt_cuda_instance *cuda, const float *params,
                       const float *optState, const float *images,
                       int64_t batch, float *logits);
int cnnrt_cuda_train_step(cnnrt_cuda_instance *cuda, const float *params,
                          const float *optState, const float *images,
                          const int32_t *labels, int64_t batch,
                          float learningRate, int64_t step, uint64_t seed,
                          float *loss, int64_t *correct);
/// The split step on the device: compute_gradients writes the gradient to
/// the instance's device gradient buffer (and, when `hostGradient` is not
/// NULL, copies it there); apply_gradients applies that buffer (after
/// copying `hostGradient` into it when not NULL, and after the work queued
/// on the instance's stream).
int cnnrt_cuda_compute_gradients(cnnrt_cuda_instance *cuda, const float *params,
                                 const float *optState, const float *images,
                                 const int32_t *labels, int64_t batch,
                                 int64_t step, uint64_t seed,
                                 float *hostGradient, float *loss,
                                 int64_t *correct);
int cnnrt_cuda_apply_gradients(cnnrt_cuda_instance *cuda, const float *params,
                               const float *optState, const float *hostGradient,
                               float learningRate, int64_t step);

/// The device gradient buffer of the split step and the instance's stream
/// (a CUstream).
int cnnrt_cuda_gradient_on_device(cnnrt_cuda_instance *cuda, void **gradient,
                                  void **stream);

int cnnrt_cuda_evaluate(cnnrt_cuda_instance *cuda, const float *params,
                        const float *optState, const float *images,
                        const int32_t *labels, int64_t batch, float *loss,
                        int64_t *correct);

#endif // CNNC_RUNTIME_CNNRT_CUDAINSTANCE_H
