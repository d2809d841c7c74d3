/*===- CudaInstance.h - device buffers of a CUDA model instance ---*- C -*-===*\
|*                                                                            *|
|* The entry points of a library built with `cnnc --target=nvptx` take device *|
|* pointers (docs/gpu.md). For such models an instance keeps the parameters  *|
|* and optimizer state resident on the device, mirrors them on the host only *|
|* when the host asks (cnnrt_instance_params & co.), and copies each batch in *|
|* through pinned staging buffers with asynchronous copies.                   *|
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

int cnnrt_cuda_forward(cnnrt_cuda_instance *cuda, const float *params,
                       const float *optState, const float *images,
                       int64_t batch, float *logits);
int cnnrt_cuda_train_step(cnnrt_cuda_instance *cuda, const float *params,
                          const float *optState, const float *images,
                          const int32_t *labels, int64_t batch,
                          float learningRate, int64_t step, float *loss,
                          int64_t *correct);
int cnnrt_cuda_evaluate(cnnrt_cuda_instance *cuda, const float *params,
                        const float *optState, const float *images,
                        const int32_t *labels, int64_t batch, float *loss,
                        int64_t *correct);

#endif // CNNC_RUNTIME_CNNRT_CUDAINSTANCE_H
