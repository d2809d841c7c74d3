/*===- CudaDriver.h - the CUDA driver API, loaded with dlopen -----*- C -*-===*\
|*                                                                            *|
|* cnnc never links libcuda: this layer opens `libcuda.so.1` at run time and  *|
|* resolves the few driver functions cnnc uses, so every machine builds and   *|
|* runs the CPU paths, and a machine without a driver or device gets one      *|
|* clear message. The types below are this project's own minimal spelling of  *|
|* the driver ABI (handles are pointers, results are ints), not CUDA headers. *|
|*                                                                            *|
|* Shared by libcnnrt and the support library of GPU model libraries; each   *|
|* copy initializes once and uses the primary context of the selected device, *|
|* so device pointers are valid across both.                                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_CUDA_CUDADRIVER_H
#define CNNC_RUNTIME_CUDA_CUDADRIVER_H

#include <stddef.h>
#include <stdint.h>

typedef int CUresult; /* 0 is CUDA_SUCCESS */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct CUgraphNode_st *CUgraphNode;
typedef struct CUevent_st *CUevent;
typedef uint64_t CUdeviceptr;

enum {
  CNNC_CU_SUCCESS = 0,
  CNNC_CU_ERROR_NO_DEVICE = 100,
  CNNC_CU_DEVICE_ATTRIBUTE_CC_MAJOR = 75,
  CNNC_CU_DEVICE_ATTRIBUTE_CC_MINOR = 76,
  CNNC_CU_STREAM_NON_BLOCKING = 1,
  CNNC_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
  CNNC_CU_MEMHOSTALLOC_PORTABLE = 1,
  CNNC_CU_EVENT_DISABLE_TIMING = 2,
};

/// A kernel node of a graph: the layout of CUDA 12's
/// CUDA_KERNEL_NODE_PARAMS_v2 (the driver copies the argument values).
typedef struct cnnc_cuda_kernel_node {
  CUfunction function;
  unsigned grid[3], block[3];
  unsigned sharedBytes;
  void **params;
  void **extra;
  void *kernel;      ///< CUkernel; NULL: `function` is used
  CUcontext context; ///< ignored when `function` is set
} cnnc_cuda_kernel_node;

/// The driver functions cnnc calls (names without the _v2 suffixes).
typedef struct cnnc_cuda_api {
  CUresult (*init)(unsigned flags);
  CUresult (*deviceGetCount)(int *count);
  CUresult (*deviceGet)(CUdevice *device, int ordinal);
  CUresult (*deviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*deviceGetName)(char *name, int length, CUdevice device);
  CUresult (*primaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*ctxSetCurrent)(CUcontext context);
  CUresult (*getErrorName)(CUresult error, const char **name);
  CUresult (*getErrorString)(CUresult error, const char **text);
  CUresult (*memAlloc)(CUdeviceptr *ptr, size_t bytes);
  CUresult (*memFree)(CUdeviceptr ptr);
  CUresult (*memAllocAsync)(CUdeviceptr *ptr, size_t bytes, CUstream stream);
  CUresult (*memFreeAsync)(CUdeviceptr ptr, CUstream stream);
  CUresult (*memHostAlloc)(void **ptr, size_t bytes, unsigned flags);
  CUresult (*memFreeHost)(void *ptr);
  CUresult (*memcpyHtoDAsync)(CUdeviceptr dst, const void *src, size_t bytes,
                              CUstream stream);
  CUresult (*memcpyDtoHAsync)(void *dst, CUdeviceptr src, size_t bytes,
                              CUstream stream);
  CUresult (*memsetD8Async)(CUdeviceptr dst, unsigned char value, size_t n,
                            CUstream stream);
  CUresult (*streamCreate)(CUstream *stream, unsigned flags);
  CUresult (*streamDestroy)(CUstream stream);
  CUresult (*streamSynchronize)(CUstream stream);
  CUresult (*moduleLoadData)(CUmodule *module, const void *image);
  CUresult (*moduleUnload)(CUmodule module);
  CUresult (*moduleGetFunction)(CUfunction *function, CUmodule module,
                                const char *name);
  CUresult (*launchKernel)(CUfunction f, unsigned gx, unsigned gy,
                           unsigned gz, unsigned bx, unsigned by, unsigned bz,
                           unsigned sharedBytes, CUstream stream,
                           void **params, void **extra);
  CUresult (*streamBeginCapture)(CUstream stream, int mode);
  CUresult (*streamEndCapture)(CUstream stream, CUgraph *graph);
  CUresult (*graphInstantiate)(CUgraphExec *exec, CUgraph graph,
                               unsigned long long flags);
  CUresult (*graphExecUpdate)(CUgraphExec exec, CUgraph graph, void *info);
  /// Optional (NULL when the driver lacks them): graph replay without
  /// capture needs all four; cuFuncGetParamInfo came with CUDA 12.4.
  CUresult (*funcGetParamInfo)(CUfunction f, size_t index, size_t *offset,
                               size_t *size);
  CUresult (*graphCreate)(CUgraph *graph, unsigned flags);
  CUresult (*graphAddKernelNode)(CUgraphNode *node, CUgraph graph,
                                 const CUgraphNode *dependencies,
                                 size_t numDependencies,
                                 const cnnc_cuda_kernel_node *params);
  CUresult (*graphExecKernelNodeSetParams)(CUgraphExec exec, CUgraphNode node,
                                           const cnnc_cuda_kernel_node *params);
  CUresult (*graphLaunch)(CUgraphExec exec, CUstream stream);
  CUresult (*graphDestroy)(CUgraph graph);
  CUresult (*graphExecDestroy)(CUgraphExec exec);
  CUresult (*eventCreate)(CUevent *event, unsigned flags);
  CUresult (*eventRecord)(CUevent event, CUstream stream);
  CUresult (*eventSynchronize)(CUevent event);
  CUresult (*eventDestroy)(CUevent event);
} cnnc_cuda_api;

/// Environment variable naming the driver library to open instead of
/// libcuda.so.1 (tests use it to simulate a machine without a driver).
#define CNNC_CUDA_DRIVER_ENV "CNNC_CUDA_DRIVER"

/// Opens the driver, initializes it and retains the primary context of
/// device 0 (or $CNNC_CUDA_DEVICE), once per process; then makes that
/// context current on the calling thread. Returns the API table, or NULL
/// with cnnc_cuda_init_error() set to one line such as
/// "no CUDA driver (libcuda.so.1): <reason>" or "no CUDA device".
const cnnc_cuda_api *cnnc_cuda_init(void);

/// Why cnnc_cuda_init failed ("" when it has not).
const char *cnnc_cuda_init_error(void);

/// The compute capability of the selected device as major * 10 + minor.
int cnnc_cuda_device_arch(void);

/// Formats "<what>: <CUDA_ERROR_NAME> (<description>)" for a failed call.
void cnnc_cuda_describe(CUresult result, const char *what, char *buffer,
                        size_t size);

#endif /* CNNC_RUNTIME_CUDA_CUDADRIVER_H */
