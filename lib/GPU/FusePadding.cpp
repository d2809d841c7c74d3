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

/// A tensor that is `source` surrounded by `value`, `source` starting at
/// `low`; `unpadded[d]` when dimension d is known to be the source's.
struct Padded {
  Value source;
  SmallVector<int64_t> low;
  Value value;
  SmallVector<bool> unpadded;
};

/// The value a fill-like op writes everywhere: linalg.fill, or an op without
/// inputs whose body yields a value from outside it (a generalized fill).
Value filledValue(Value tensor) {
  if (auto fill = tensor.getDefiningOp<linalg::FillOp>())
    return fill.getInputs()[0];
  auto generic = tensor.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 0 ||
      generic->getNumResults() != 1)
    return {};
  Value yielded = generic.getBlock()->getTerminator()->getOperand(0);
  return yielded.getParentRegion() == &generic.getRegion() ? Value()
                                                            : yielded;
}

/// `value` as a padded tensor: a tensor.pad with static low padding and a
/// constant value, or an insert_slice at static offsets into a fill.
std::optional<Padded> matchPadded(Value value) {
  if (auto pad = value.getDefiningOp<tensor::PadOp>()) {
    if (!pad.getConstantPaddingValue() || !pad.getLow().empty())
      return std::nullopt;
    SmallVector<bool> unpadded;
    for (auto [low, high] : llvm::zip(pad.getStaticLow(), pad.getStaticHigh()))
      unpadded.push_back(low == 0 && high == 0);
    return Padded{pad.getSource(), llvm::to_vector(pad.getStaticLow()),
                  pad.getConstantPaddingValue(), unpadded};
  }
  auto insert = value.getDefiningOp<tensor::InsertSliceOp>();
  if (!insert || !insert.getOffsets().empty() || !insert.hasUnitStride() ||
      insert.getSourceType().getRank() != insert.getType().getRank())
    return std::nullopt;
  Value fill = filledValue(insert.getDest());
  if (!fill)
    return std::nullopt;
  SmallVector<bool> unpadded;
  for (auto [offset, size, full] :
       llvm::zip(insert.getStaticOffsets(), insert.getStaticSizes(),
                 insert.getType().getShape()))
    unpadded.push_back(offset == 0 && !ShapedType::isDynamic(size) &&
                       size == full);
  return Padded{insert.getSource(), llvm::to_vector(insert.getStaticOffsets()),
                fill, unpadded};
}

/// Replaces `op`'s input `padded` (a `pad` of its source) by reads of the
/// source inside the body.
void fusePadding(RewriterBase &rewriter, linalg::GenericOp op,
                 OpOperand *padded, const Padded &pad) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value source = pad.source;
  Value padValue = pad.value;
  ArrayRef<int64_t> low = pad.low;
  int64_t rank = cast<RankedTensorType>(source.getType()).getRank();
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
    if (pad.unpadded[d]) {
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
        std::optional<Padded> pad = matchPadded(input->get());
        if (!pad || !othersCoverLoops(op, input))
          continue;
        fusePadding(rewriter, op, input, *pad);
        break; // `op` is gone; one padded operand per op
      }
    }
  }
};

} // namespace
