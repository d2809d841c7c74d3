//===- CNNTrainingOps.cpp - gradient, loss and optimizer ops --------------===//
//
// Verifiers of the ops training-step synthesis creates. A gradient op must
// describe the backward of a forward op that exists: each verifier re-derives
// the forward shapes with WindowGeometry and compares.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;

/// Two sizes agree when equal or when either is dynamic.
static bool compatible(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

/// Checks that sliding a window over `input` (NHWC) gives an output of
/// `output`'s height and width.
static LogicalResult verifyWindowedShapes(Operation *op, RankedTensorType input,
                                          RankedTensorType output,
                                          ArrayRef<int64_t> window,
                                          ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> dilations,
                                          Padding padding) {
  auto emitError = [op] { return op->emitOpError(); };
  if (failed(verifyPositivePair(window, "window", emitError)) ||
      failed(verifyPositivePair(strides, "strides", emitError)) ||
      failed(verifyPositivePair(dilations, "dilations", emitError)))
    return failure();
  if (input.isDynamicDim(1) || input.isDynamicDim(2))
    return op->emitOpError("input must be static except for the batch "
                           "dimension, got ")
           << input;
  FailureOr<WindowDim> height =
      computeWindowDim(input.getDimSize(1), window[0], strides[0],
                       dilations[0], padding, "height", emitError);
  if (failed(height))
    return failure();
  FailureOr<WindowDim> width =
      computeWindowDim(input.getDimSize(2), window[1], strides[1],
                       dilations[1], padding, "width", emitError);
  if (failed(width))
    return failure();
  if (!compatible(input.getDimSize(0), output.getDimSize(0)) ||
      output.getDimSize(1) != height->output ||
      output.getDimSize(2) != width->output)
    return op->emitOpError("output gradient ")
           << output << " does not match the forward output [" << "?, "
           << height->output << ", " << width->output << ", ...] of input "
           << input;
  return success();
}

LogicalResult Conv2DGradInputOp::verify() {
  auto input = getInputGrad().getType();
  auto filter = getFilter().getType();
  auto output = getOutputGrad().getType();
  if (input.getDimSize(3) != filter.getDimSize(2) ||
      output.getDimSize(3) != filter.getDimSize(3))
    return emitOpError("channels of ")
           << input << " and " << output << " do not match filter " << filter;
  return verifyWindowedShapes(*this, input, output, filter.getShape().take_front(2),
                              getStrides(), getDilations(), getPadding());
}

LogicalResult Conv2DGradFilterOp::verify() {
  auto input = getInput().getType();
  auto filter = getFilterGrad().getType();
  auto output = getOutputGrad().getType();
  if (input.getDimSize(3) != filter.getDimSize(2) ||
      output.getDimSize(3) != filter.getDimSize(3))
    return emitOpError("channels of ")
           << input << " and " << output << " do not match filter " << filter;
  return verifyWindowedShapes(*this, input, output, filter.getShape().take_front(2),
                              getStrides(), getDilations(), getPadding());
}

void Pool2DGradOp::build(OpBuilder &builder, OperationState &state,
                         PoolKind kind, Value input, Value outputGrad,
                         ArrayRef<int64_t> window, ArrayRef<int64_t> strides,
                         Padding padding) {
  MLIRContext *ctx = builder.getContext();
  build(builder, state, input.getType(), input, outputGrad,
        PoolKindAttr::get(ctx, kind), builder.getDenseI64ArrayAttr(window),
        builder.getDenseI64ArrayAttr(strides), PaddingAttr::get(ctx, padding));
}

LogicalResult Pool2DGradOp::verify() {
  auto input = getInput().getType();
  auto output = getOutputGrad().getType();
  if (input.getDimSize(3) != output.getDimSize(3))
    return emitOpError("channels of ")
           << input << " and " << output << " differ";
  return verifyWindowedShapes(*this, input, output, getWindow(), getStrides(),
                              {1, 1}, getPadding());
}

LogicalResult ReduceToChannelsOp::verify() {
  auto input = getInput().getType();
  if (input.getRank() < 1 || input.isDynamicDim(input.getRank() - 1) ||
      getResult().getType().getDimSize(0) != input.getShape().back())
    return emitOpError("result must have the ")
           << "size of the input's last dimension, got "
           << getResult().getType() << " for " << input;
  return success();
}

LogicalResult MatmulOp::verify() {
  ArrayRef<int64_t> lhs = getLhs().getType().getShape();
  ArrayRef<int64_t> rhs = getRhs().getType().getShape();
  ArrayRef<int64_t> result = getResult().getType().getShape();
  int64_t m = getTransposeLhs() ? lhs[1] : lhs[0];
  int64_t kLhs = getTransposeLhs() ? lhs[0] : lhs[1];
  int64_t kRhs = getTransposeRhs() ? rhs[1] : rhs[0];
  int64_t n = getTransposeRhs() ? rhs[0] : rhs[1];
  if (!compatible(kLhs, kRhs))
    return emitOpError("contraction sizes differ: ") << kLhs << " vs " << kRhs;
  if (!compatible(result[0], m) || !compatible(result[1], n)) {
    auto size = [](int64_t d) {
      return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
    };
    return emitOpError("result ") << getResult().getType() << " must be "
                                  << size(m) << "x" << size(n);
  }
  return success();
}

/// Elements of everything but the leading dimension, if static.
static std::optional<int64_t> featureCount(RankedTensorType type) {
  int64_t count = 1;
  for (int64_t d : type.getShape().drop_front()) {
    if (ShapedType::isDynamic(d))
      return std::nullopt;
    count *= d;
  }
  return count;
}

LogicalResult ReshapeOp::verify() {
  auto input = getInput().getType();
  auto result = getResult().getType();
  if (input.getRank() < 1 || result.getRank() < 1 ||
      !compatible(input.getDimSize(0), result.getDimSize(0)))
    return emitOpError("must keep the batch dimension, got ")
           << input << " -> " << result;
  std::optional<int64_t> in = featureCount(input), out = featureCount(result);
  if (!in || !out || *in != *out)
    return emitOpError("must keep the number of elements per batch entry, "
                       "got ")
           << input << " -> " << result;
  return success();
}

void LossOp::build(OpBuilder &builder, OperationState &state, LossKind kind,
                   Value logits, Value labels) {
  build(builder, state,
        RankedTensorType::get({}, builder.getF32Type()), logits.getType(),
        logits, labels, LossKindAttr::get(builder.getContext(), kind));
}

LogicalResult LossOp::verify() {
  auto logits = getLogits().getType();
  if (!compatible(logits.getDimSize(0),
                  getLabels().getType().getDimSize(0)))
    return emitOpError("logits ")
           << logits << " and labels " << getLabels().getType()
           << " have different batch sizes";
  if (getLogitsGrad().getType() != logits)
    return emitOpError("logits gradient must have the logits' type");
  return success();
}

LogicalResult
RMSpropUpdateOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &inferred) {
  // The new parameters and velocity, then one new value per optional buffer.
  Type type = adaptor.getParam().getType();
  inferred.assign(2, type);
  if (adaptor.getMomentumBuffer())
    inferred.push_back(type);
  if (adaptor.getAverageGradient())
    inferred.push_back(type);
  return success();
}

LogicalResult RMSpropUpdateOp::verify() {
  // Keras keeps a momentum buffer exactly when momentum > 0.
  float momentum = getMomentum().convertToFloat();
  if (!(momentum >= 0.0f))
    return emitOpError("momentum must be non-negative, got ") << momentum;
  if ((momentum > 0.0f) != bool(getMomentumBuffer()))
    return emitOpError("takes a momentum buffer exactly when momentum > 0, "
                       "got momentum ")
           << momentum << (getMomentumBuffer() ? " with" : " without")
           << " a buffer";
  return success();
}

//===----------------------------------------------------------------------===//
// Depthwise convolution gradients
//===----------------------------------------------------------------------===//

/// Checks that a depthwise kernel [KH, KW, C, M] is static and matches an
/// input of C channels and an output (gradient) of C * M channels.
static LogicalResult verifyDepthwiseChannels(Operation *op,
                                             RankedTensorType input,
                                             RankedTensorType output,
                                             RankedTensorType kernel) {
  if (!kernel.hasStaticShape())
    return op->emitOpError("depthwise kernel must have a static shape, got ")
           << kernel;
  std::optional<int64_t> outputChannels =
      llvm::checkedMul(kernel.getDimSize(2), kernel.getDimSize(3));
  if (!outputChannels)
    return op->emitOpError("output channels of depthwise kernel ")
           << kernel << " overflow int64";
  if (input.getDimSize(3) != kernel.getDimSize(2) ||
      output.getDimSize(3) != *outputChannels)
    return op->emitOpError("channels of ")
           << input << " and " << output << " do not match depthwise kernel "
           << kernel << " (C = " << kernel.getDimSize(2)
           << " input and C * M = " << *outputChannels << " output channels)";
  return success();
}

LogicalResult DepthwiseConv2DGradInputOp::verify() {
  auto input = getInputGrad().getType();
  auto kernel = getDepthwiseKernel().getType();
  auto output = getOutputGrad().getType();
  if (failed(verifyDepthwiseChannels(*this, input, output, kernel)))
    return failure();
  return verifyWindowedShapes(*this, input, output,
                              kernel.getShape().take_front(2), getStrides(),
                              getDilations(), getPadding());
}

LogicalResult DepthwiseConv2DGradFilterOp::verify() {
  auto input = getInput().getType();
  auto kernel = getKernelGrad().getType();
  auto output = getOutputGrad().getType();
  if (failed(verifyDepthwiseChannels(*this, input, output, kernel)))
    return failure();
  return verifyWindowedShapes(*this, input, output,
                              kernel.getShape().take_front(2), getStrides(),
                              getDilations(), getPadding());
}
