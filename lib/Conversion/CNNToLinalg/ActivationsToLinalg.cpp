//===- ActivationsToLinalg.cpp - lower the activation layers to linalg ---===//
//
// Every standalone activation layer (relu, sigmoid, tanh, leaky_relu, elu,
// selu, relu6, silu, gelu, softplus, hard_sigmoid, hard_swish) becomes one
// element-wise linalg.generic, with the scalar formulas of
// applyActivation (LoweringUtils.cpp) that the fused forms of conv2d/dense
// use too; a layer's own parameters (alpha, approximate) replace the fused
// form's defaults.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

/// The parameters of a layer: none for most, `alpha` of leaky_relu/elu and
/// gelu's `approximate`.
template <typename ActivationOp> ActivationOptions optionsOf(ActivationOp op) {
  ActivationOptions options;
  if constexpr (std::is_same_v<ActivationOp, LeakyReluOp> ||
                std::is_same_v<ActivationOp, EluOp>)
    options.alpha = op.getAlphaAttr().getValueAsDouble();
  if constexpr (std::is_same_v<ActivationOp, GeluOp>)
    options.approximate = op.getApproximate();
  return options;
}

template <typename ActivationOp>
struct ActivationLayerLowering : OpConversionPattern<ActivationOp> {
  using OpConversionPattern<ActivationOp>::OpConversionPattern;
  using OpAdaptor = typename ActivationOp::Adaptor;

  LogicalResult
  matchAndRewrite(ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = createEmptyLike(rewriter, loc, type, adaptor.getInput());
    ActivationOptions options = optionsOf(op);
    rewriter.replaceOp(
        op, createElementwise(
                rewriter, loc, ValueRange{adaptor.getInput()}, init,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  return applyActivation(b, l, ActivationOp::kActivation,
                                         args[0], options);
                }));
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateActivationsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<
      ActivationLayerLowering<ReluOp>, ActivationLayerLowering<SigmoidOp>,
      ActivationLayerLowering<TanhOp>, ActivationLayerLowering<LeakyReluOp>,
      ActivationLayerLowering<EluOp>, ActivationLayerLowering<SeluOp>,
      ActivationLayerLowering<Relu6Op>, ActivationLayerLowering<SiluOp>,
      ActivationLayerLowering<GeluOp>, ActivationLayerLowering<SoftplusOp>,
      ActivationLayerLowering<HardSigmoidOp>,
      ActivationLayerLowering<HardSwishOp>>(patterns.getContext());
}
