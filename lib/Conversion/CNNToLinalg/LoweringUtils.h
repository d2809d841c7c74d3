//===- LoweringUtils.h - helpers shared by the cnn lowerings ----*- C++ -*-===//
//
// Internal to the cnn-to-linalg conversion: tensor creation with a dynamic
// batch, element-wise generics, activations, window geometry and padding.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_CONVERSION_CNNTOLINALG_LOWERINGUTILS_H
#define CNNC_LIB_CONVERSION_CNNTOLINALG_LOWERINGUTILS_H

#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace cnnc::cnn::lowering {

using IteratorType = mlir::utils::IteratorType;
inline constexpr IteratorType kParallel = IteratorType::parallel;
inline constexpr IteratorType kReduction = IteratorType::reduction;

/// Shorthand for the i-th loop dimension in an indexing map.
inline mlir::AffineExpr dim(mlir::MLIRContext *ctx, unsigned i) {
  return mlir::getAffineDimExpr(i, ctx);
}

/// An empty tensor of `type` whose dynamic dimensions (only the batch can be
/// dynamic) are read from the same dimensions of `like`.
mlir::Value createEmptyLike(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::RankedTensorType type, mlir::Value like);

mlir::Value createF32Constant(mlir::OpBuilder &b, mlir::Location loc,
                              double value);

/// Shorthand for createF32Constant.
inline mlir::Value f32(mlir::OpBuilder &b, mlir::Location loc, double value) {
  return createF32Constant(b, loc, value);
}

/// An element-wise `linalg.generic` over tensors of one shape writing into
/// `init`. The body gets the scalar of every input and returns the result.
mlir::Value createElementwise(
    mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange inputs,
    mlir::Value init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>
        scalarFn);

/// The parameters of an activation beyond its kind: the slope `alpha` of
/// leaky_relu and elu, gelu's tanh approximation.
struct ActivationOptions {
  double alpha = 0.0;
  bool approximate = false;
};

/// The options of the fused form of `activation`: the Keras activation
/// function's defaults (leaky_relu 0.2, elu 1.0, exact gelu).
ActivationOptions fusedActivationOptions(Activation activation);

/// Keras's SELU constants (keras/src/backend/*/nn.py).
inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
inline constexpr double kSeluScale = 1.0507009873554804934193349852946;

/// The scalar (or vector) f32 form of an activation with `options`. Every
/// form is numerically sound over all of f32: no intermediate overflows
/// into a NaN, and small results keep their relative precision (softplus
/// as max(x, 0) + log1p(exp(-|x|)), elu with expm1).
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            Activation activation, mlir::Value x,
                            const ActivationOptions &options);

/// The scalar form of the fused activation (Keras defaults).
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            Activation activation, mlir::Value x);

/// sigmoid(x) = 1 / (1 + exp(-x)) (0 for large negative x, not NaN).
mlir::Value createSigmoid(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value x);

/// The standard normal distribution function Phi(x) = (1 + erf(x / sqrt(2)))
/// / 2, as Keras's JAX and NumPy backends write gelu. Below x ~ -4 it is
/// accurate in absolute (~1e-7), not relative terms; erfc(-x / sqrt(2)) / 2
/// would keep the tail's digits but its polynomial costs twice as much in a
/// conv2d's epilogue (docs/performance.md).
mlir::Value createNormalCdf(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value x);

/// Applies `activation` in place on `tensor` (no-op for `none`).
mlir::Value createActivation(mlir::OpBuilder &b, mlir::Location loc,
                             Activation activation, mlir::Value tensor);

/// A layer's accumulator: its bias broadcast along every dimension but the
/// last, or zeros without bias.
mlir::Value createAccumulator(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::RankedTensorType type, mlir::Value bias,
                              mlir::Value batchSource);

/// Height and width geometry of a verified windowed op.
std::pair<WindowDim, WindowDim>
computeGeometry(mlir::RankedTensorType input, llvm::ArrayRef<int64_t> window,
                llvm::ArrayRef<int64_t> strides,
                llvm::ArrayRef<int64_t> dilations, Padding padding);

/// Pads the H and W dimensions of an NHWC tensor with `padValue`; returns
/// `input` unchanged when no padding is needed.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, const WindowDim &height,
                       const WindowDim &width, double padValue);

/// A `dense<[first, second]> : tensor<2xi64>` attribute (linalg strides).
mlir::DenseIntElementsAttr getPairAttr(mlir::OpBuilder &b, int64_t first,
                                       int64_t second);

/// Multiplies an NHWC tensor of window sums by 1 / (number of window
/// elements inside the input) per output position: Keras's average pooling
/// ignores padding, so border windows with `same` padding have smaller
/// divisors. The divisor of each output position is computed in the
/// kernel from its indices (a constant factor without padding).
mlir::Value scaleByWindowReciprocals(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value values,
                                     const WindowDim &height,
                                     const WindowDim &width);

/// A tensor of `type` (dynamic batch read from `like`) filled with `fill`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value like,
                         mlir::Value fill);

/// A zero-filled tensor of `type` (dynamic batch read from `like`).
mlir::Value createZeros(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type, mlir::Value like);

/// Spreads an NHWC tensor out by the strides (stride - 1 `fill` values
/// between neighbours): position i moves to i * stride.
mlir::Value dilateSpatial(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, int64_t strideH, int64_t strideW,
                          mlir::Value fill);

/// Pads H and W of an NHWC tensor with explicit amounts.
mlir::Value padHW(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                  int64_t lowH, int64_t highH, int64_t lowW, int64_t highW,
                  mlir::Value fill);

/// The [N, IH, IW, C] window of a tensor padded as `height`/`width` say.
mlir::Value unpadHW(mlir::OpBuilder &b, mlir::Location loc, mlir::Value padded,
                    mlir::RankedTensorType type, const WindowDim &height,
                    const WindowDim &width);

/// Adds the patterns lowering convolution and pooling gradients.
void populateWindowGradientPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering the training ops (gradients, losses,
/// optimizer updates).
void populateTrainingOpsToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering cnn.loss, cnn.count_correct and the optimizer
/// updates.
void populateLossAndOptimizerPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering the standalone activation layers
/// (ActivationsToLinalg.cpp).
void populateActivationsPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering depthwise convolution and its gradients
/// (DepthwiseToLinalg.cpp).
void populateDepthwisePatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering batch normalization, dropout and their
/// training forms and gradients (NormalizationToLinalg.cpp).
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering dropout and its training form
/// (DropoutToLinalg.cpp); populateNormalizationPatterns includes them.
void populateDropoutPatterns(mlir::RewritePatternSet &patterns);

/// Adds the pattern lowering cnn.rescale (PreprocessingToLinalg.cpp).
void populatePreprocessingPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns lowering global pooling, zero padding, concatenation
/// and their gradients (ReshapingToLinalg.cpp).
void populateReshapingPatterns(mlir::RewritePatternSet &patterns);

} // namespace cnnc::cnn::lowering

#endif // CNNC_LIB_CONVERSION_CNNTOLINALG_LOWERINGUTILS_H
