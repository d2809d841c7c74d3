//===- PreprocessingToLinalg.cpp - lower constant input transforms --------===//
//
// cnn.rescale becomes one element-wise linalg.generic, `x * scale + offset`
// in f32 (no addition when the offset is 0), which element-wise fusion
// merges into its neighbours.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

struct RescaleLowering : OpConversionPattern<RescaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RescaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = createEmptyLike(rewriter, loc, type, adaptor.getInput());
    FloatAttr scale = op.getScaleAttr();
    FloatAttr offset = op.getOffsetAttr();
    bool hasOffset = !offset.getValue().isZero();
    rewriter.replaceOp(
        op, createElementwise(
                rewriter, loc, ValueRange{adaptor.getInput()}, init,
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Value scaled = arith::MulFOp::create(
                      b, l, args[0], arith::ConstantOp::create(b, l, scale));
                  if (!hasOffset)
                    return scaled;
                  return arith::AddFOp::create(
                      b, l, scaled, arith::ConstantOp::create(b, l, offset));
                }));
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populatePreprocessingPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RescaleLowering>(patterns.getContext());
}
