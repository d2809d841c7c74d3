//===- graph_driver.c - a CUDA driver that prints the calls it gets -------===//
//
// A stand-in for libcuda.so.1 for test/GPU/graph-replay.test: one device
// whose memory is never touched, two kernels k1 (pointer, pointer, int32)
// and k2 (pointer, float) at the fake handles the test program passes, and
// every launch, graph and stream-ordered memory call printed on stdout with
// its argument values. k3 (pointer, at 0x300) launches but has no argument
// sizes (cuFuncGetParamInfo fails), so it cannot be recorded. Built with
// -DNO_PARAM_INFO the driver lacks cuFuncGetParamInfo, like drivers before
// CUDA 12.4. Kernel images: cuModuleLoadData prints the image's first
// word (test/GPU/module-select.test); the device's compute capability is
// CNNC_FAKE_CC (e.g. 86), 9.0 without it.
//
//===----------------------------------------------------------------------===//

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kInvalid = 1 };

/// The node parameters of CUDA 12 (CUDA_KERNEL_NODE_PARAMS_v2).
typedef struct NodeParams {
  void *function;
  unsigned grid[3], block[3], sharedBytes;
  void **params, **extra;
  void *kernel, *context;
} NodeParams;

static long graphs, execs, nodes, allocations;
static int capturing;
static void *stream = (void *)0x5; // the one stream handle given out

/// The argument sizes of fake kernel `function`; its count, or -1.
static int kernelSizes(void *function, const char **name, size_t sizes[3]) {
  if ((uintptr_t)function == 0x100) {
    *name = "k1";
    sizes[0] = 8, sizes[1] = 8, sizes[2] = 4;
    return 3;
  }
  if ((uintptr_t)function == 0x200) {
    *name = "k2";
    sizes[0] = 8, sizes[1] = 4;
    return 2;
  }
  if ((uintptr_t)function == 0x300) {
    *name = "k3";
    sizes[0] = 8;
    return 1;
  }
  return -1;
}

/// Prints " kN grid X block Y args ..." for a launch of `function`.
static int printLaunch(void *function, unsigned gx, unsigned bx,
                       void **params) {
  const char *name;
  size_t sizes[3];
  int count = kernelSizes(function, &name, sizes);
  if (count < 0)
    return kInvalid;
  printf(" %s grid %u block %u args", name, gx, bx);
  for (int i = 0; i < count; ++i) {
    if (sizes[i] == 8) {
      uint64_t value;
      memcpy(&value, params[i], 8);
      printf(" 0x%llx", (unsigned long long)value);
    } else {
      float value;
      memcpy(&value, params[i], 4);
      if (i == 2) {
        int32_t n;
        memcpy(&n, params[i], 4);
        printf(" %d", n);
      } else {
        printf(" %g", value);
      }
    }
  }
  printf("\n");
  return 0;
}

int cuInit(unsigned flags) { return flags ? kInvalid : 0; }
int cuDeviceGetCount(int *count) { return *count = 1, 0; }
int cuDeviceGet(int *device, int ordinal) { return *device = ordinal, 0; }
int cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  const char *cc = getenv("CNNC_FAKE_CC");
  int arch = cc ? atoi(cc) : 90;
  // 75 and 76: CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR and _MINOR.
  return *value = attribute == 75   ? arch / 10
                  : attribute == 76 ? arch % 10
                                    : 0,
         0;
}
int cuDeviceGetName(char *name, int length, int device) {
  (void)device;
  snprintf(name, (size_t)length, "graph driver");
  return 0;
}
int cuDevicePrimaryCtxRetain(void **context, int device) {
  (void)device;
  return *context = (void *)0x1, 0;
}
int cuCtxSetCurrent(void *context) { return context ? 0 : kInvalid; }
int cuGetErrorName(int error, const char **name) {
  (void)error;
  return *name = "CUDA_ERROR_FAKE", 0;
}
int cuGetErrorString(int error, const char **text) {
  (void)error;
  return *text = "fake", 0;
}
int cuMemAlloc_v2(uint64_t *ptr, size_t bytes) {
  *ptr = 0x10000000 + (uint64_t)++allocations * 0x1000000;
  printf("cuMemAlloc %zu\n", bytes);
  return 0;
}
int cuMemFree_v2(uint64_t ptr) { return ptr ? 0 : kInvalid; }
int cuMemAllocAsync(uint64_t *ptr, size_t bytes, void *s) {
  *ptr = 0x70000000 + (uint64_t)++allocations * 0x100000;
  printf("cuMemAllocAsync %zu 0x%llx\n", bytes, (unsigned long long)*ptr);
  return s == stream ? 0 : kInvalid;
}
int cuMemFreeAsync(uint64_t ptr, void *s) {
  printf("cuMemFreeAsync 0x%llx\n", (unsigned long long)ptr);
  return s == stream ? 0 : kInvalid;
}
int cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  return *s = stream, 0;
}
int cuStreamSynchronize(void *s) {
  printf("cuStreamSynchronize\n");
  return s == stream ? 0 : kInvalid;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned shared, void *s,
                   void **params, void **extra) {
  (void)gy, (void)gz, (void)by, (void)bz, (void)shared, (void)extra;
  printf(capturing ? "cuLaunchKernel (captured)" : "cuLaunchKernel");
  return s == stream ? printLaunch(f, gx, bx, params) : kInvalid;
}
#ifndef NO_PARAM_INFO
int cuFuncGetParamInfo(void *f, size_t index, size_t *offset, size_t *size) {
  const char *name;
  size_t sizes[3];
  int count = kernelSizes(f, &name, sizes);
  if (count < 0 || index >= (size_t)count || (uintptr_t)f == 0x300)
    return kInvalid;
  *offset = 8 * index;
  *size = sizes[index];
  return 0;
}
#endif
int cuStreamBeginCapture_v2(void *s, int mode) {
  (void)mode;
  printf("cuStreamBeginCapture\n");
  capturing = 1;
  return s == stream ? 0 : kInvalid;
}
int cuStreamEndCapture(void *s, void **graph) {
  capturing = 0;
  *graph = (void *)(uintptr_t)++graphs;
  printf("cuStreamEndCapture graph %ld\n", graphs);
  return s == stream ? 0 : kInvalid;
}
int cuGraphCreate(void **graph, unsigned flags) {
  *graph = (void *)(uintptr_t)++graphs;
  printf("cuGraphCreate graph %ld\n", graphs);
  return flags ? kInvalid : 0;
}
int cuGraphAddKernelNode_v2(void **node, void *graph, void **deps,
                            size_t numDeps, const NodeParams *p) {
  *node = (void *)(uintptr_t)++nodes;
  printf("cuGraphAddKernelNode graph %ld node %ld after",
         (long)(uintptr_t)graph, nodes);
  for (size_t i = 0; i < numDeps; ++i)
    printf(" %ld", (long)(uintptr_t)deps[i]);
  return printLaunch(p->function, p->grid[0], p->block[0], p->params);
}
int cuGraphInstantiateWithFlags(void **exec, void *graph,
                                unsigned long long flags) {
  *exec = (void *)(uintptr_t)++execs;
  printf("cuGraphInstantiate graph %ld exec %ld\n", (long)(uintptr_t)graph,
         execs);
  return flags ? kInvalid : 0;
}
int cuGraphExecUpdate_v2(void *exec, void *graph, void *info) {
  (void)info;
  printf("cuGraphExecUpdate exec %ld graph %ld\n", (long)(uintptr_t)exec,
         (long)(uintptr_t)graph);
  return 0;
}
int cuGraphExecKernelNodeSetParams_v2(void *exec, void *node,
                                      const NodeParams *p) {
  printf("cuGraphExecKernelNodeSetParams exec %ld node %ld",
         (long)(uintptr_t)exec, (long)(uintptr_t)node);
  return printLaunch(p->function, p->grid[0], p->block[0], p->params);
}
int cuGraphLaunch(void *exec, void *s) {
  printf("cuGraphLaunch exec %ld\n", (long)(uintptr_t)exec);
  return s == stream ? 0 : kInvalid;
}
int cuGraphDestroy(void *graph) { return graph ? 0 : kInvalid; }
int cuGraphExecDestroy(void *exec) {
  printf("cuGraphExecDestroy exec %ld\n", (long)(uintptr_t)exec);
  return 0;
}

int cuModuleLoadData(void **module, const void *image) {
  char word[32] = {0};
  sscanf((const char *)image, "%31s", word);
  printf("cuModuleLoadData %s\n", word);
  return *module = (void *)0x7, 0;
}
int cuModuleGetFunction(void **function, void *module, const char *name) {
  printf("cuModuleGetFunction %s\n", name);
  return module ? (*function = (void *)0x100, 0) : kInvalid;
}
int cuModuleUnload(void *module) { return module ? 0 : kInvalid; }

/// Driver functions the runtime resolves but this test never reaches.
#define UNUSED(name)                                                           \
  int name(void) {                                                             \
    printf("unexpected " #name "\n");                                          \
    return kInvalid;                                                           \
  }
UNUSED(cuMemHostAlloc)
UNUSED(cuMemFreeHost)
UNUSED(cuMemcpyHtoDAsync_v2)
UNUSED(cuMemcpyDtoHAsync_v2)
UNUSED(cuMemsetD8Async)
UNUSED(cuStreamDestroy_v2)
UNUSED(cuEventCreate)
UNUSED(cuEventRecord)
UNUSED(cuEventSynchronize)
UNUSED(cuEventDestroy_v2)
