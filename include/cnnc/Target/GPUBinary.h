//===- GPUBinary.h - PTX, cubin and the embedded GPU image -------*- C++ -*-===//
//
// The device half of `cnnc --target=nvptx`: LLVM IR of the kernels to PTX
// with LLVM's NVPTX back end, PTX to cubin with `ptxas` from the CUDA
// toolkit when present, and both packed into the container of
// include/cnnc/Runtime/gpu_binary.h that the generated library embeds.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_TARGET_GPUBINARY_H
#define CNNC_TARGET_GPUBINARY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace cnnc {

/// The numeric architecture of "sm_90" (90), or nullopt for anything that
/// is not `sm_<major><minor>` with a known NVPTX processor.
std::optional<uint32_t> parseGPUArch(llvm::StringRef chip);

/// One architecture or a comma-separated list ("sm_80,sm_90"), each as
/// parseGPUArch accepts it, without repeats; in ascending order, or nullopt.
std::optional<llvm::SmallVector<std::string>>
parseGPUArchList(llvm::StringRef chips);

/// Optimizes `module` (kernels in LLVM IR, NVVM annotations) for `chip` and
/// prints its PTX. Fails when the kernels call a function that is neither
/// defined nor an intrinsic (e.g. libdevice's __nv_* math).
llvm::Expected<std::string> compileToPTX(llvm::Module &module,
                                         llvm::StringRef chip,
                                         unsigned optLevel);

/// The ptxas to use: `option` "none" -> none, "auto" ->
/// /usr/local/cuda/bin/ptxas or `ptxas` on PATH when present, anything else
/// is a path that must exist.
llvm::Expected<std::optional<std::string>>
findPtxas(llvm::StringRef option);

/// Assembles `ptx` for `chip` with `ptxas -O3`; the error carries ptxas's
/// own messages.
llvm::Expected<std::string> assemblePTX(llvm::StringRef ptx,
                                        llvm::StringRef chip,
                                        llvm::StringRef ptxas);

/// One image of the container.
struct GPUImage {
  uint32_t kind; ///< cnnc_gpu_image_kind
  uint32_t arch;
  std::string bytes; ///< PTX includes its terminating NUL
};

/// The container bytes (gpu_binary.h) holding `images` in order.
std::string packGPUImages(llvm::ArrayRef<GPUImage> images);

/// The PTX images of a container, for `cnnc --emit=ptx` and tests; fails on
/// a malformed container.
llvm::Expected<std::vector<GPUImage>> unpackGPUImages(llvm::StringRef blob);

} // namespace cnnc

#endif // CNNC_TARGET_GPUBINARY_H
