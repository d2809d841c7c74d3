//===- ApproximateMath.cpp - vectorizable f32 transcendental functions ----===//
//
// cnn-approximate-math: exp, expm1, log, log1p, log2, erf, erfc and tanh on
// f32 scalars and vectors become MLIR's polynomial approximations, so that
// the activations fused into the contraction kernels' epilogues (sigmoid,
// gelu, softplus, elu, ...) and the loss's log-sum-exp run in vector
// registers instead of one libm call per lane.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Codegen/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNAPPROXIMATEMATH
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;

namespace {

struct ApproximateMathPass
    : cnnc::codegen::impl::CNNApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return llvm::is_contained(
          {math::ExpOp::getOperationName(), math::ExpM1Op::getOperationName(),
           math::LogOp::getOperationName(), math::Log1pOp::getOperationName(),
           math::Log2Op::getOperationName(), math::ErfOp::getOperationName(),
           math::ErfcOp::getOperationName(), math::TanhOp::getOperationName()},
          name);
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
