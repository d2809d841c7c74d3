//===- module_select.c - which embedded kernel image a device loads -------===//
//
// Builds image containers (include/cnnc/Runtime/gpu_binary.h) whose images
// are short texts naming themselves, registers each as a generated library
// does (mgpuModuleLoad) and asks for a kernel (mgpuModuleGetFunction), which
// loads the image the runtime selects for the device; Inputs/graph_driver.c
// prints the image's first word. Arguments: the images, as kind:arch pairs
// ("cubin:80 ptx:80 cubin:90 ptx:90").
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/gpu_binary.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *mgpuModuleLoad(void *data, uint64_t size);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuModuleUnload(void *module);
const char *cnnc_gpu_last_error(void);

int main(int argc, char **argv) {
  enum { kMaxImages = 8, kImageBytes = 32 };
  int count = argc - 1;
  if (count < 1 || count > kMaxImages)
    return 2;
  uint64_t tableEnd =
      sizeof(cnnc_gpu_binary_header) + (uint64_t)count * sizeof(cnnc_gpu_image);
  uint64_t size = tableEnd + (uint64_t)count * kImageBytes;
  char *blob = calloc(1, size);
  cnnc_gpu_binary_header header = {{0}, CNNC_GPU_BINARY_VERSION, 0};
  memcpy(header.magic, CNNC_GPU_BINARY_MAGIC, 8);
  header.num_images = (uint32_t)count;
  memcpy(blob, &header, sizeof header);
  for (int i = 0; i < count; ++i) {
    char kind[16];
    unsigned arch;
    if (sscanf(argv[i + 1], "%15[a-z]:%u", kind, &arch) != 2)
      return 2;
    cnnc_gpu_image image = {
        strcmp(kind, "cubin") == 0 ? CNNC_GPU_IMAGE_CUBIN : CNNC_GPU_IMAGE_PTX,
        arch, tableEnd + (uint64_t)i * kImageBytes, kImageBytes};
    memcpy(blob + sizeof header + (size_t)i * sizeof image, &image,
           sizeof image);
    // The text, NUL-terminated within the image as PTX must be.
    snprintf(blob + image.offset, kImageBytes, "%s-sm_%u", kind, arch);
  }
  void *module = mgpuModuleLoad(blob, size);
  void *function = mgpuModuleGetFunction(module, "kernel");
  if (!function)
    printf("error: %s\n", cnnc_gpu_last_error());
  mgpuModuleUnload(module);
  free(blob);
  return function ? 0 : 1;
}
