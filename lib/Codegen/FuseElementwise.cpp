//===- FuseElementwise.cpp - element-wise producer/consumer fusion --------===//

#include "cnnc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNFUSEELEMENTWISE
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;

namespace {

struct FuseElementwisePass
    : cnnc::codegen::impl::CNNFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Only a single-use producer: fusing one with more users would compute
    // it once per user.
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) { return fused->get().hasOneUse(); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
