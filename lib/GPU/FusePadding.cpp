//===- FusePadding.cpp - padded inputs read through bounds checks ---------===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUFUSEPADDING
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// Whether the indexing maps of `op`'s operands other than `skipped`
/// determine every loop's range (each loop is a plain result of one).
bool othersCoverLoops(linalg::GenericOp op, OpOperand *skipped) {
  llvm::SmallBitVector covered(op.getNumLoops());
  for (OpOperand &operand : op->getOpOperands()) {
    if (&operand == skipped)
      continue;
    for (AffineExpr result : op.getMatchingIndexingMap(&operand).getResults())
      if (auto dim = dyn_cast<AffineDimExpr>(result))
        covered.set(dim.getPosition());
  }
  return covered.all();
}

/// Replaces `op`'s input `padded` (a tensor.pad of `pad`) by reads of the
/// pad's source inside the body.
void fusePadding(RewriterBase &rewriter, linalg::GenericOp op,
                 OpOperand *padded, tensor::PadOp pad) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value source = pad.getSource();
  Value padValue = pad.getConstantPaddingValue();
  ArrayRef<int64_t> low = pad.getStaticLow();
  int64_t rank = pad.getSourceType().getRank();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(tensor::DimOp::create(rewriter, loc, source, d));
  AffineMap map = op.getMatchingIndexingMap(padded);

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands())
    if (input != padded) {
      inputs.push_back(input->get());
      maps.push_back(op.getMatchingIndexingMap(input));
    }
  for (OpOperand &init : op.getDpsInitsMutable())
    maps.push_back(op.getMatchingIndexingMap(&init));
  auto fused = linalg::GenericOp::create(
      rewriter, loc, op->getResultTypes(), inputs, op.getDpsInits(), maps,
      op.getIteratorTypesArray());

  // The new body: the padded element computed first, then the old body.
  Block *oldBody = op.getBlock();
  SmallVector<Type> argTypes;
  SmallVector<Location> argLocs;
  for (BlockArgument arg : oldBody->getArguments())
    if (arg.getArgNumber() != padded->getOperandNumber()) {
      argTypes.push_back(arg.getType());
      argLocs.push_back(arg.getLoc());
    }
  Block *body = rewriter.createBlock(&fused.getRegion(), {}, argTypes,
                                     argLocs);
  rewriter.setInsertionPointToStart(body);
  SmallVector<Value> loopIndices;
  for (unsigned d = 0, e = op.getNumLoops(); d < e; ++d)
    loopIndices.push_back(linalg::IndexOp::create(rewriter, loc, d));
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value inBounds;
  SmallVector<Value> sourceIndices;
  for (int64_t d = 0; d < rank; ++d) {
    Value index = affine::AffineApplyOp::create(
        rewriter, loc, map.getSubMap({unsigned(d)}), loopIndices);
    if (low[d] == 0 && pad.getStaticHigh()[d] == 0) {
      sourceIndices.push_back(index);
      continue;
    }
    Value shifted = arith::SubIOp::create(
        rewriter, loc, index,
        arith::ConstantIndexOp::create(rewriter, loc, low[d]));
    Value inside = arith::AndIOp::create(
        rewriter, loc,
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                              shifted, zero),
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                              shifted, sizes[d]));
    inBounds = inBounds ? arith::AndIOp::create(rewriter, loc, inBounds,
                                                inside)
                        : inside;
    sourceIndices.push_back(
        arith::SelectOp::create(rewriter, loc, inside, shifted, zero));
  }
  Value element =
      tensor::ExtractOp::create(rewriter, loc, source, sourceIndices);
  if (inBounds)
    element =
        arith::SelectOp::create(rewriter, loc, inBounds, element, padValue);

  IRMapping mapping;
  unsigned next = 0;
  for (BlockArgument arg : oldBody->getArguments())
    mapping.map(arg, arg.getArgNumber() == padded->getOperandNumber()
                         ? element
                         : body->getArgument(next++));
  for (Operation &nested : oldBody->getOperations())
    rewriter.clone(nested, mapping);
  rewriter.replaceOp(op, fused.getResults());
}

struct FusePaddingPass
    : cnnc::gpu::impl::CNNGPUFusePaddingBase<FusePaddingPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureTensorSemantics())
        generics.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      // The old body indexes loops as the new one does; an existing
      // linalg.index stays valid.
      for (OpOperand *input : op.getDpsInputOperands()) {
        auto pad = input->get().getDefiningOp<tensor::PadOp>();
        if (!pad || !pad.getConstantPaddingValue() ||
            !pad.getLow().empty() || !pad.getHigh().empty() ||
            !othersCoverLoops(op, input))
          continue;
        fusePadding(rewriter, op, input, pad);
        break; // `op` is gone; one padded operand per op
      }
    }
  }
};

} // namespace
