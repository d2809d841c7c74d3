//===- CudaDriver.c - the CUDA driver API, loaded with dlopen -------------===//

#include "CudaDriver.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cnnc_cuda_api api;
static const cnnc_cuda_api *ready; // &api after a successful initialization
static CUcontext context;
static int deviceArch;
static char initError[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/// One symbol of the driver; `name` is the exported (possibly _v2) name.
#define RESOLVE(field, name)                                                   \
  do {                                                                         \
    *(void **)(&api.field) = dlsym(handle, name);                              \
    if (!api.field) {                                                          \
      snprintf(initError, sizeof initError,                                    \
               "no CUDA driver (%s): it lacks %s; the driver is too old",      \
               path, name);                                                    \
      return;                                                                  \
    }                                                                          \
  } while (0)

/// One symbol the runtime can do without: NULL when the driver lacks it.
#define OPTIONAL(field, name)                                                  \
  (*(void **)(&api.field) = dlsym(handle, name))

void cnnc_cuda_describe(CUresult result, const char *what, char *buffer,
                        size_t size) {
  const char *name = NULL, *text = NULL;
  if (ready) {
    ready->getErrorName(result, &name);
    ready->getErrorString(result, &text);
  }
  snprintf(buffer, size, "%s: %s (%s)", what, name ? name : "CUDA error",
           text ? text : "no description");
}

static void initialize(void) {
  const char *path = getenv(CNNC_CUDA_DRIVER_ENV);
  if (!path || !*path)
    path = "libcuda.so.1";
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    snprintf(initError, sizeof initError, "no CUDA driver (%s): %s", path,
             reason ? reason : "cannot be opened");
    return;
  }
  RESOLVE(init, "cuInit");
  RESOLVE(deviceGetCount, "cuDeviceGetCount");
  RESOLVE(deviceGet, "cuDeviceGet");
  RESOLVE(deviceGetAttribute, "cuDeviceGetAttribute");
  RESOLVE(deviceGetName, "cuDeviceGetName");
  RESOLVE(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  RESOLVE(ctxSetCurrent, "cuCtxSetCurrent");
  RESOLVE(getErrorName, "cuGetErrorName");
  RESOLVE(getErrorString, "cuGetErrorString");
  RESOLVE(memAlloc, "cuMemAlloc_v2");
  RESOLVE(memFree, "cuMemFree_v2");
  RESOLVE(memAllocAsync, "cuMemAllocAsync");
  RESOLVE(memFreeAsync, "cuMemFreeAsync");
  RESOLVE(memHostAlloc, "cuMemHostAlloc");
  RESOLVE(memFreeHost, "cuMemFreeHost");
  RESOLVE(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  RESOLVE(memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  RESOLVE(memsetD8Async, "cuMemsetD8Async");
  RESOLVE(streamCreate, "cuStreamCreate");
  RESOLVE(streamDestroy, "cuStreamDestroy_v2");
  RESOLVE(streamSynchronize, "cuStreamSynchronize");
  RESOLVE(moduleLoadData, "cuModuleLoadData");
  RESOLVE(moduleUnload, "cuModuleUnload");
  RESOLVE(moduleGetFunction, "cuModuleGetFunction");
  RESOLVE(launchKernel, "cuLaunchKernel");
  RESOLVE(streamBeginCapture, "cuStreamBeginCapture_v2");
  RESOLVE(streamEndCapture, "cuStreamEndCapture");
  RESOLVE(graphInstantiate, "cuGraphInstantiateWithFlags");
  RESOLVE(graphExecUpdate, "cuGraphExecUpdate_v2");
  OPTIONAL(funcGetParamInfo, "cuFuncGetParamInfo");
  OPTIONAL(graphCreate, "cuGraphCreate");
  OPTIONAL(graphAddKernelNode, "cuGraphAddKernelNode_v2");
  OPTIONAL(graphExecKernelNodeSetParams, "cuGraphExecKernelNodeSetParams_v2");
  RESOLVE(graphLaunch, "cuGraphLaunch");
  RESOLVE(graphDestroy, "cuGraphDestroy");
  RESOLVE(graphExecDestroy, "cuGraphExecDestroy");
  RESOLVE(eventCreate, "cuEventCreate");
  RESOLVE(eventRecord, "cuEventRecord");
  RESOLVE(eventSynchronize, "cuEventSynchronize");
  RESOLVE(eventDestroy, "cuEventDestroy_v2");

  CUresult result = api.init(0);
  int count = 0;
  if (result == CNNC_CU_ERROR_NO_DEVICE ||
      (result == CNNC_CU_SUCCESS &&
       (api.deviceGetCount(&count) != CNNC_CU_SUCCESS || count == 0))) {
    snprintf(initError, sizeof initError, "no CUDA device");
    return;
  }
  ready = &api; // for cnnc_cuda_describe
  if (result != CNNC_CU_SUCCESS) {
    cnnc_cuda_describe(result, "CUDA driver initialization failed", initError,
                       sizeof initError);
    ready = NULL;
    return;
  }
  const char *ordinalText = getenv("CNNC_CUDA_DEVICE");
  int ordinal = ordinalText && *ordinalText ? atoi(ordinalText) : 0;
  CUdevice device;
  int major = 0, minor = 0;
  if (ordinal < 0 || ordinal >= count ||
      api.deviceGet(&device, ordinal) != CNNC_CU_SUCCESS) {
    snprintf(initError, sizeof initError,
             "no CUDA device %d (CNNC_CUDA_DEVICE; %d present)", ordinal,
             count);
    ready = NULL;
    return;
  }
  api.deviceGetAttribute(&major, CNNC_CU_DEVICE_ATTRIBUTE_CC_MAJOR, device);
  api.deviceGetAttribute(&minor, CNNC_CU_DEVICE_ATTRIBUTE_CC_MINOR, device);
  deviceArch = major * 10 + minor;
  result = api.primaryCtxRetain(&context, device);
  if (result != CNNC_CU_SUCCESS) {
    cnnc_cuda_describe(result, "cannot create a CUDA context", initError,
                       sizeof initError);
    ready = NULL;
    return;
  }
}

const cnnc_cuda_api *cnnc_cuda_init(void) {
  pthread_once(&once, initialize);
  if (!ready)
    return NULL;
  if (api.ctxSetCurrent(context) != CNNC_CU_SUCCESS) {
    // Contexts cannot be lost once retained; treat it like a missing device.
    return NULL;
  }
  return ready;
}

const char *cnnc_cuda_init_error(void) { return initError; }

int cnnc_cuda_device_arch(void) { return deviceArch; }
