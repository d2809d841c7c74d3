// A stand-in for libcuda.so.1 on machines without a GPU: every driver
// function the runtime resolves exists, and cuInit reports
// CUDA_ERROR_NO_DEVICE (100), as the real driver does when no device is
// present. Built by the runtime tests, loaded through $CNNC_CUDA_DRIVER.
#define NO_DEVICE(name) int name(void) { return 100; }
NO_DEVICE(cuInit)
NO_DEVICE(cuDeviceGetCount)
NO_DEVICE(cuDeviceGet)
NO_DEVICE(cuDeviceGetAttribute)
NO_DEVICE(cuDeviceGetName)
NO_DEVICE(cuDevicePrimaryCtxRetain)
NO_DEVICE(cuCtxSetCurrent)
NO_DEVICE(cuGetErrorName)
NO_DEVICE(cuGetErrorString)
NO_DEVICE(cuMemAlloc_v2)
NO_DEVICE(cuMemFree_v2)
NO_DEVICE(cuMemAllocAsync)
NO_DEVICE(cuMemFreeAsync)
NO_DEVICE(cuMemHostAlloc)
NO_DEVICE(cuMemFreeHost)
NO_DEVICE(cuMemcpyHtoDAsync_v2)
NO_DEVICE(cuMemcpyDtoHAsync_v2)
NO_DEVICE(cuMemsetD8Async)
NO_DEVICE(cuStreamCreate)
NO_DEVICE(cuStreamDestroy_v2)
NO_DEVICE(cuStreamSynchronize)
NO_DEVICE(cuModuleLoadData)
NO_DEVICE(cuModuleUnload)
NO_DEVICE(cuModuleGetFunction)
NO_DEVICE(cuLaunchKernel)
NO_DEVICE(cuStreamBeginCapture_v2)
NO_DEVICE(cuStreamEndCapture)
NO_DEVICE(cuGraphInstantiateWithFlags)
#ifndef TOO_OLD
NO_DEVICE(cuGraphExecUpdate_v2)
#endif
NO_DEVICE(cuGraphLaunch)
NO_DEVICE(cuGraphDestroy)
NO_DEVICE(cuGraphExecDestroy)
