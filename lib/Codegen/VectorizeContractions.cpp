//===- VectorizeContractions.cpp - register-blocked contraction kernels ---===//
//
// Rewrites every contraction annotated with `cnn.tiling` into the kernel of
// ContractionKernel.h, together with the producers, element-wise consumer
// and max pooling it absorbs (KernelFusion.cpp).
//
//===----------------------------------------------------------------------===//

#include "ContractionKernel.h"
#include "cnnc/Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNVECTORIZECONTRACTIONS
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

namespace {

struct VectorizeContractionsPass
    : codegen::impl::CNNVectorizeContractionsBase<VectorizeContractionsPass> {
  using CNNVectorizeContractionsBase::CNNVectorizeContractionsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->hasAttr("cnn.tiling"))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      auto tiling = dyn_cast<cnn::TilingAttr>(op->getAttr("cnn.tiling"));
      FailureOr<ContractionInfo> info = analyzeContraction(op);
      if (!tiling || failed(info) || info->columns % tiling.getWidth() ||
          (info->columns / tiling.getWidth()) % tiling.getVectors()) {
        op->emitError("cnn.tiling does not fit this op: it must be a "
                      "multiply-accumulate contraction whose column extent "
                      "is a multiple of vectors x width");
        return signalPassFailure();
      }
      AccumulatorSource accumulator =
          findAccumulatorSource(op, fuseProducers);
      std::optional<Epilogue> epilogue;
      if (fuseConsumers)
        epilogue = findEpilogue(op);
      Operation *replaced = epilogue ? epilogue->op.getOperation()
                                     : op.getOperation();
      std::optional<PoolFusion> pool;
      if (fusePooling && !tiling.getOuterReductions())
        pool = findPoolConsumer(replaced->getResult(0), op, *info);
      KernelBuilder builder(op, *info, tiling, accumulator, epilogue);
      if (pool)
        builder.setPool(*pool);
      rewriter.setInsertionPoint(pool ? pool->op.getOperation() : replaced);
      Value result = builder.build(rewriter);
      if (pool) {
        rewriter.replaceOp(pool->op, result);
        if (pool->fill->use_empty())
          rewriter.eraseOp(pool->fill);
        if (epilogue)
          rewriter.eraseOp(epilogue->op);
        rewriter.eraseOp(op);
      } else {
        rewriter.replaceOp(replaced, result);
        if (epilogue)
          rewriter.eraseOp(op);
      }
      if (accumulator.producer && accumulator.producer->use_empty())
        rewriter.eraseOp(accumulator.producer);
    }
  }
};


} // namespace
