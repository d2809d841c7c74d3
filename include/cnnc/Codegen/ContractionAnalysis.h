//===- ContractionAnalysis.h - contractions the CPU kernels handle -*- C++ -*-===//
//
// Recognizes the linalg ops that cnnc's register-blocked CPU kernels compute:
// `out[...] += lhs[...] * rhs[...]` where the output's last dimension is
// contiguous in the output and in one operand (the vectorized "column" loop)
// and the output's second-to-last dimension indexes only the other operand
// (the "row" loop whose positions share each loaded vector). Convolutions
// (forward, input and filter gradients, in NHWC/HWCF) and the matrix products
// of dense layers all have this form.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_CODEGEN_CONTRACTIONANALYSIS_H
#define CNNC_CODEGEN_CONTRACTIONANALYSIS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace cnnc::codegen {

/// How a recognized contraction's loops and operands play their roles.
struct ContractionInfo {
  /// Input operand read one scalar at a time and broadcast (indexed by the
  /// row loop, never by the column loop).
  unsigned lhsOperand = 0;
  /// Input operand read as vectors along the column loop (its last
  /// dimension, never indexed by the row loop).
  unsigned rhsOperand = 1;
  /// The loop of the output's last dimension.
  unsigned columnLoop = 0;
  /// The loop of the output's second-to-last dimension.
  unsigned rowLoop = 0;
  /// Parallel loops outside the register tile, in loop order.
  llvm::SmallVector<unsigned> outerLoops;
  /// Reduction loops, in loop order (the last one runs innermost).
  llvm::SmallVector<unsigned> reductionLoops;
  /// Static extent of the column loop.
  int64_t columns = 0;
  /// Static extent of the row loop, or ShapedType::kDynamic.
  int64_t rows = 0;
};

/// True when a linalg body is `yield(out + in0 * in1)` in any operand order.
bool isMultiplyAccumulate(mlir::Block &body);

/// Returns how `op` maps onto a register-blocked kernel, or failure when it
/// is not a multiply-accumulate contraction of that form (f32 tensors, two
/// inputs, one output indexed by every parallel loop, static column extent).
llvm::FailureOr<ContractionInfo> analyzeContraction(mlir::linalg::LinalgOp op);

} // namespace cnnc::codegen

#endif // CNNC_CODEGEN_CONTRACTIONANALYSIS_H
