/*===- GpuRuntime.h - state shared by the mgpu* functions ---------*- C -*-===*\
|*                                                                            *|
|* The generated host code calls the mgpu* functions that MLIR's gpu-to-llvm  *|
|* lowering and its offloading handler emit, plus cnnc_gpu_entry_begin/end    *|
|* around every entry point (cnn-gpu-entry-guards). This project implements   *|
|* them itself on top of CudaDriver.h; errors are sticky per thread until the *|
|* entry point returns CNNC_ERR_DEVICE.                                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_CUDA_GPURUNTIME_H
#define CNNC_RUNTIME_CUDA_GPURUNTIME_H

#include "CudaDriver.h"

/// Records the first device error of the current entry call (printf-style).
void cnnc_gpu_fail(const char *format, ...);

/// Records a failed driver call; returns 1 when `result` is an error.
int cnnc_gpu_check(CUresult result, const char *what);

/// 1 when an error was recorded since the entry call began.
int cnnc_gpu_failed(void);

/// The driver when it initialized, else NULL after recording why.
const cnnc_cuda_api *cnnc_gpu_driver(void);

/// The message of the last device error on this thread ("" if none).
/// Exported from GPU model libraries so loaders can report it.
__attribute__((visibility("default"))) const char *cnnc_gpu_last_error(void);

#endif /* CNNC_RUNTIME_CUDA_GPURUNTIME_H */
