//===- DepthwiseConvOps.cpp - depthwise convolution -----------------------===//
//
// Shape inference (with every shape rule of cnn.depthwise_conv2d) and the
// layer interfaces (CNNInterfaces.td) of depthwise convolution: its Keras
// identity, its cost per image and its gradient rule, which produces
// cnn.depthwise_conv2d_grad_input/_grad_filter and the shared bias gradient.
// Fused activations are differentiated like cnn.conv2d's: from the layer's
// output, or, for those that need their input, after the training form has
// split them off (LayerSemantics.h).
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"
#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::detail;

SmallVector<int64_t, 2> DepthwiseConv2DOp::getEffectiveStrides() {
  return SmallVector<int64_t, 2>(
      getStrides().value_or(ArrayRef<int64_t>{1, 1}));
}

SmallVector<int64_t, 2> DepthwiseConv2DOp::getEffectiveDilations() {
  return SmallVector<int64_t, 2>(
      getDilations().value_or(ArrayRef<int64_t>{1, 1}));
}

//===----------------------------------------------------------------------===//
// Shape inference
//===----------------------------------------------------------------------===//

LogicalResult DepthwiseConv2DOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  // Inference without a location only reports failure.
  auto emitError = [&]() {
    return location ? mlir::emitError(*location) : InFlightDiagnostic();
  };
  auto input = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  if (!input || input.getRank() != 4)
    return emitError() << "input must be a rank-4 NHWC tensor, got "
                       << adaptor.getInput().getType();
  auto kernel =
      dyn_cast<RankedTensorType>(adaptor.getDepthwiseKernel().getType());
  if (!kernel || kernel.getRank() != 4)
    return emitError() << "depthwise kernel must be a rank-4 [KH, KW, C, M] "
                       << "tensor, got "
                       << adaptor.getDepthwiseKernel().getType();
  if (llvm::any_of(input.getShape().drop_front(), ShapedType::isDynamic))
    return emitError() << "input must be static except for the batch "
                       << "dimension, got " << input;
  if (!kernel.hasStaticShape() ||
      llvm::any_of(kernel.getShape(), [](int64_t d) { return d <= 0; }))
    return emitError() << "depthwise kernel must have a static, positive "
                       << "shape, got " << kernel;
  int64_t channels = input.getDimSize(3);
  if (kernel.getDimSize(2) != channels)
    return emitError() << "depthwise kernel expects " << kernel.getDimSize(2)
                       << " input channels (dimension 2 of [KH, KW, C, M]) "
                       << "but the input has " << channels;
  int64_t multiplier = kernel.getDimSize(3);
  std::optional<int64_t> outChannels = llvm::checkedMul(channels, multiplier);
  if (!outChannels)
    return emitError() << "output channels " << channels << " x " << multiplier
                       << " overflow int64";
  if (Value bias = adaptor.getBias()) {
    auto biasType = dyn_cast<RankedTensorType>(bias.getType());
    if (!biasType || biasType.getRank() != 1)
      return emitError() << "bias must be a rank-1 [C * M] tensor, got "
                         << bias.getType();
    if (biasType.getDimSize(0) != *outChannels)
      return emitError() << "bias has " << biasType.getDimSize(0)
                         << " elements but the layer has " << channels << " x "
                         << multiplier << " = " << *outChannels
                         << " output channels";
  }

  SmallVector<int64_t, 2> unit = {1, 1};
  ArrayRef<int64_t> strides = adaptor.getStrides().value_or(unit);
  ArrayRef<int64_t> dilations = adaptor.getDilations().value_or(unit);
  if (failed(verifyPositivePair(strides, "strides", emitError)) ||
      failed(verifyPositivePair(dilations, "dilations", emitError)))
    return failure();
  // keras/src/layers/convolutional/base_depthwise_conv.py rejects the
  // combination (so does tf.nn.depthwise_conv2d).
  if (llvm::any_of(strides, [](int64_t s) { return s > 1; }) &&
      llvm::any_of(dilations, [](int64_t d) { return d > 1; }))
    return emitError() << "strides > 1 are not supported together with "
                       << "dilations > 1 (Keras DepthwiseConv2D), got strides "
                       << "[" << strides[0] << ", " << strides[1]
                       << "] and dilations [" << dilations[0] << ", "
                       << dilations[1] << "]";
  Padding padding = adaptor.getPaddingAttr()
                        ? adaptor.getPaddingAttr().getValue()
                        : Padding::Valid;
  FailureOr<WindowDim> height =
      computeWindowDim(input.getDimSize(1), kernel.getDimSize(0), strides[0],
                       dilations[0], padding, "height", emitError);
  if (failed(height))
    return failure();
  FailureOr<WindowDim> width =
      computeWindowDim(input.getDimSize(2), kernel.getDimSize(1), strides[1],
                       dilations[1], padding, "width", emitError);
  if (failed(width))
    return failure();
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), height->output, width->output, *outChannels},
      input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// LayerOpInterface and DifferentiableOpInterface
//===----------------------------------------------------------------------===//

StringRef DepthwiseConv2DOp::getKerasClassName() { return "DepthwiseConv2D"; }
StringRef DepthwiseConv2DOp::getKerasLayerName() { return "depthwise_conv2d"; }

std::optional<int64_t> DepthwiseConv2DOp::getFlopsPerImage() {
  // One multiply-add per output element and tap, then the bias and the
  // activation per output element.
  auto kernel = cast<RankedTensorType>(getDepthwiseKernel().getType());
  std::optional<int64_t> outputs = perImageElements(getType());
  if (!outputs)
    return std::nullopt;
  int64_t epilogue = (getBias() ? 1 : 0) + activationFlops(getActivation());
  return checkedSum({checkedProduct({2, *outputs, kernel.getDimSize(0),
                                     kernel.getDimSize(1)}),
                     checkedProduct({*outputs, epilogue})});
}

bool DepthwiseConv2DOp::hasTrainingBehavior() {
  return !isDifferentiableFromOutput(getActivation());
}

FailureOr<SmallVector<Value>>
DepthwiseConv2DOp::buildTrainingForm(OpBuilder &b, ValueRange operands,
                                     TrainingContext &) {
  return splitActivationForTraining(b, *this, operands);
}

FailureOr<SmallVector<Value>>
DepthwiseConv2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  ArrayRef<bool> wanted) {
  Location loc = getLoc();
  FailureOr<Value> activationGrad =
      fusedActivationGradient(b, *this, resultGrads[0]);
  if (failed(activationGrad))
    return failure();
  Value g = *activationGrad;
  auto strides = b.getDenseI64ArrayAttr(getEffectiveStrides());
  auto dilations = b.getDenseI64ArrayAttr(getEffectiveDilations());
  auto padding = PaddingAttr::get(b.getContext(), getPadding());
  SmallVector<Value> grads(getNumOperands());
  if (wanted[0])
    grads[0] = DepthwiseConv2DGradInputOp::create(b, loc, getInput().getType(),
                                                  g, getDepthwiseKernel(),
                                                  strides, dilations, padding);
  if (wanted[1])
    grads[1] = DepthwiseConv2DGradFilterOp::create(
        b, loc, getDepthwiseKernel().getType(), getInput(), g, strides,
        dilations, padding);
  if (getBias() && wanted[2])
    grads[2] = biasGradient(b, loc, g, getBias());
  return grads;
}
