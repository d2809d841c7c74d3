//===- GpuModule.c - mgpuModule*: the embedded kernel image ---------------===//
//
// The offloading handler registers a constructor that calls
// mgpuModuleLoad(blob, size) when the library is loaded. Loading a library
// must work on machines without a GPU, so this only records the blob; the
// CUDA module is created on the first mgpuModuleGetFunction: the cubin
// built for the newest architecture the device runs (same major version,
// minor not above the device's), else the PTX of the newest architecture
// not above the device's, which the driver JIT-compiles. A library built
// with `--gpu-arch=sm_80,sm_90` holds a cubin and a PTX for each.
//
//===----------------------------------------------------------------------===//

#include "GpuRuntime.h"
#include "cnnc/Runtime/gpu_binary.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cnnc_gpu_module {
  const char *blob;
  uint64_t size;
  pthread_mutex_t lock;
  CUmodule module; // NULL until loaded
} cnnc_gpu_module;

static uint32_t readU32(const char *p) {
  const unsigned char *b = (const unsigned char *)p;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

static uint64_t readU64(const char *p) {
  return (uint64_t)readU32(p) | (uint64_t)readU32(p + 4) << 32;
}

/// Picks the image to load on a device of compute capability `arch`;
/// returns NULL with `*why` set when none fits.
static const char *selectImage(const char *blob, uint64_t size, int arch,
                               const char **why) {
  if (size < sizeof(cnnc_gpu_binary_header) ||
      memcmp(blob, CNNC_GPU_BINARY_MAGIC, 8) != 0 ||
      readU32(blob + 8) != CNNC_GPU_BINARY_VERSION) {
    *why = "the embedded GPU image is not a cnnc container";
    return NULL;
  }
  uint64_t count = readU32(blob + 12);
  if (count > (size - 16) / sizeof(cnnc_gpu_image)) {
    *why = "the embedded GPU image is truncated";
    return NULL;
  }
  const char *cubin = NULL, *ptx = NULL;
  uint32_t cubinArch = 0, ptxArch = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const char *entry = blob + 16 + i * sizeof(cnnc_gpu_image);
    uint32_t kind = readU32(entry), imageArch = readU32(entry + 4);
    uint64_t offset = readU64(entry + 8), bytes = readU64(entry + 16);
    if (offset > size || bytes > size - offset) {
      *why = "the embedded GPU image is truncated";
      return NULL;
    }
    if (kind == CNNC_GPU_IMAGE_CUBIN && imageArch / 10 == (uint32_t)arch / 10 &&
        imageArch <= (uint32_t)arch && imageArch >= cubinArch) {
      cubin = blob + offset;
      cubinArch = imageArch;
    } else if (kind == CNNC_GPU_IMAGE_PTX && imageArch <= (uint32_t)arch &&
               imageArch >= ptxArch && bytes > 0 &&
               blob[offset + bytes - 1] == '\0') {
      ptx = blob + offset;
      ptxArch = imageArch;
    }
  }
  if (cubin)
    return cubin;
  if (ptx)
    return ptx;
  *why = "no kernel image for this device's architecture (recompile with "
         "cnnc --gpu-arch=sm_<its compute capability>)";
  return NULL;
}

void *mgpuModuleLoad(void *data, uint64_t size) {
  cnnc_gpu_module *module = calloc(1, sizeof *module);
  if (!module)
    return NULL;
  module->blob = data;
  module->size = size;
  pthread_mutex_init(&module->lock, NULL);
  return module;
}

void mgpuModuleUnload(void *handle) {
  cnnc_gpu_module *module = handle;
  if (!module)
    return;
  if (module->module) {
    const cnnc_cuda_api *cuda = cnnc_cuda_init();
    if (cuda)
      cuda->moduleUnload(module->module);
  }
  pthread_mutex_destroy(&module->lock);
  free(module);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  cnnc_gpu_module *module = handle;
  const cnnc_cuda_api *cuda = cnnc_gpu_driver();
  if (!cuda || cnnc_gpu_failed())
    return NULL;
  if (!module) {
    cnnc_gpu_fail("the kernel image was not registered (out of memory)");
    return NULL;
  }
  pthread_mutex_lock(&module->lock);
  if (!module->module) {
    const char *why = NULL;
    const char *image =
        selectImage(module->blob, module->size, cnnc_cuda_device_arch(), &why);
    if (!image)
      cnnc_gpu_fail("%s (device sm_%d)", why, cnnc_cuda_device_arch());
    else
      cnnc_gpu_check(cuda->moduleLoadData(&module->module, image),
                     "cannot load the kernels");
  }
  pthread_mutex_unlock(&module->lock);
  if (!module->module)
    return NULL;
  CUfunction function = NULL;
  if (cnnc_gpu_check(cuda->moduleGetFunction(&function, module->module, name),
                     name))
    return NULL;
  return function;
}
