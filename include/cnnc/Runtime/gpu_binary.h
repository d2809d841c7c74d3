/*===- gpu_binary.h - the GPU image container in generated libraries -*- C -*-===*\
|*                                                                            *|
|* A library compiled with `cnnc --target=nvptx` embeds its kernels as one    *|
|* blob in this format (written by lib/Target/GPUBinary.cpp, read by          *|
|* runtime/cuda/GpuModule.c):                                                 *|
|*                                                                            *|
|*   cnnc_gpu_binary_header   magic "CNNCGPU1", version, image count          *|
|*   cnnc_gpu_image[count]    kind, architecture, offset and size of each     *|
|*   image bytes              at their offsets from the start of the blob     *|
|*                                                                            *|
|* All integers are little-endian. Images are cubins for one architecture     *|
|* (preferred at load time when the device matches) and PTX text, NUL         *|
|* terminated, which the CUDA driver JIT-compiles for any device of at least  *|
|* the PTX's architecture.                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_GPU_BINARY_H
#define CNNC_RUNTIME_GPU_BINARY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNNC_GPU_BINARY_MAGIC "CNNCGPU1" /* 8 bytes, no NUL stored */
#define CNNC_GPU_BINARY_VERSION 1u

typedef enum cnnc_gpu_image_kind {
  CNNC_GPU_IMAGE_CUBIN = 1, ///< ptxas output for exactly `arch`
  CNNC_GPU_IMAGE_PTX = 2,   ///< PTX text for `arch` and newer, NUL terminated
} cnnc_gpu_image_kind;

typedef struct cnnc_gpu_binary_header {
  char magic[8];       ///< CNNC_GPU_BINARY_MAGIC
  uint32_t version;    ///< CNNC_GPU_BINARY_VERSION
  uint32_t num_images; ///< entries of the image table that follows
} cnnc_gpu_binary_header;

typedef struct cnnc_gpu_image {
  uint32_t kind;   ///< a cnnc_gpu_image_kind
  uint32_t arch;   ///< compute capability * 10 + minor: 90 for sm_90
  uint64_t offset; ///< from the start of the blob
  uint64_t size;   ///< bytes (PTX: including the terminating NUL)
} cnnc_gpu_image;

#ifdef __cplusplus
} // extern "C"
#endif

#endif /* CNNC_RUNTIME_GPU_BINARY_H */
