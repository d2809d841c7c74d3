//===- VectorTarget.h - the vector registers CPU kernels use ----*- C++ -*-===//
//
// The CPU kernel passes (cnn-select-tiling, cnn-vectorize-depthwise) block
// their loops for a vector width and a register count. Both come from the
// same place: a pass option when given, else the module's `cnn.target`
// (#cnn.cpu_target, set by cnnc for the CPU it compiles for), else AVX2.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_CODEGEN_VECTORTARGET_H
#define CNNC_CODEGEN_VECTORTARGET_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace cnnc::codegen {

/// f32 lanes per vector register and the registers a kernel may keep live.
struct VectorTarget {
  int64_t width = 8;
  int64_t registers = 16;
};

/// The vector target for kernels inside `op`: `widthOption` and
/// `registersOption` when non-zero, else the enclosing module's
/// `cnn.target`, else AVX2 (8 lanes, 16 registers). Emits an error naming
/// `passName` on `op` and fails when an option is out of range.
mlir::FailureOr<VectorTarget> resolveVectorTarget(mlir::Operation *op,
                                                  int64_t widthOption,
                                                  int64_t registersOption,
                                                  llvm::StringRef passName);

} // namespace cnnc::codegen

#endif // CNNC_CODEGEN_VECTORTARGET_H
