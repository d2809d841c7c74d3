//===- CNNOps.cpp - cnn dialect operations --------------------------------===//
//
// Verifiers and result-type inference of the `cnn` layer operations. Shape
// rules are checked while inferring, so a malformed model fails at parse time
// with a diagnostic at the offending op.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;

namespace {
/// Emits diagnostics at an optional location: inference without a location
/// only reports failure.
struct LocatedEmitter {
  std::optional<Location> loc;
  InFlightDiagnostic operator()() const {
    return loc ? mlir::emitError(*loc) : InFlightDiagnostic();
  }
};
} // namespace

/// Returns `type` as a ranked tensor of the given rank, or emits `role must be
/// a rank-N ... tensor`.
static RankedTensorType expectRank(Type type, int64_t rank, StringRef role,
                                   StringRef layout,
                                   const LocatedEmitter &emitError) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (tensor && tensor.getRank() == rank)
    return tensor;
  emitError() << role << " must be a rank-" << rank << " " << layout
              << " tensor, got " << type;
  return {};
}

/// Checks that every dimension of `type` except the leading batch dimension
/// is static.
static LogicalResult expectStaticFeatures(RankedTensorType type, StringRef role,
                                          const LocatedEmitter &emitError) {
  if (llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
    return emitError() << role
                       << " must be static except for the batch dimension, got "
                       << type;
  return success();
}

/// Checks an optional per-channel bias against the expected channel count.
static LogicalResult verifyBias(Value bias, int64_t channels, StringRef owner,
                                const LocatedEmitter &emitError) {
  if (!bias)
    return success();
  auto type = expectRank(bias.getType(), 1, "bias", "[channels]", emitError);
  if (!type)
    return failure();
  if (type.getDimSize(0) != channels)
    return emitError() << "bias has " << type.getDimSize(0)
                       << " elements but the " << owner << " has " << channels
                       << " output channels";
  return success();
}

/// Infers the NHWC result of a windowed op (convolution or pooling).
static LogicalResult
inferWindowedType(RankedTensorType input, ArrayRef<int64_t> window,
                  ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                  Padding padding, int64_t outChannels,
                  const LocatedEmitter &emitError,
                  SmallVectorImpl<Type> &inferred) {
  if (failed(verifyPositivePair(strides, "strides", emitError)) ||
      failed(verifyPositivePair(dilations, "dilations", emitError)))
    return failure();
  FailureOr<WindowDim> height =
      computeWindowDim(input.getDimSize(1), window[0], strides[0], dilations[0],
                       padding, "height", emitError);
  if (failed(height))
    return failure();
  FailureOr<WindowDim> width =
      computeWindowDim(input.getDimSize(2), window[1], strides[1], dilations[1],
                       padding, "width", emitError);
  if (failed(width) ||
      failed(verifyPaddedSize(*height, *width, input.getDimSize(3), emitError)))
    return failure();
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), height->output, width->output, outChannels},
      input.getElementType()));
  return success();
}

/// The padding of an op being inferred. Adaptors built by the parser do not
/// yet hold default-valued attributes, so the default is applied here.
static Padding paddingOrDefault(PaddingAttr attr) {
  return attr ? attr.getValue() : Padding::Valid;
}

//===----------------------------------------------------------------------===//
// ParamOp
//===----------------------------------------------------------------------===//

Initializer ParamOp::getEffectiveInit() {
  if (std::optional<Initializer> init = getInit())
    return *init;
  return getType().getRank() >= 2 ? Initializer::GlorotUniform
                                  : Initializer::Zeros;
}

LogicalResult ParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty name");
  RankedTensorType type = getType();
  if (!type.hasStaticShape())
    return emitOpError("'") << getName() << "' must have a static shape, got "
                            << type;
  if (llvm::any_of(type.getShape(), [](int64_t d) { return d <= 0; }))
    return emitOpError("'") << getName()
                            << "' must have positive dimensions, got " << type;
  int64_t elements = 1;
  for (int64_t d : type.getShape()) {
    std::optional<int64_t> product = llvm::checkedMul(elements, d);
    if (!product)
      return emitOpError("'") << getName() << "' has more elements than fit "
                              << "in int64: " << type;
    elements = *product;
  }
  // Parameter names identify tensors in the parameter table and checkpoints.
  for (Operation &other : *getOperation()->getBlock()) {
    if (&other == getOperation())
      break;
    auto otherParam = dyn_cast<ParamOp>(other);
    if (otherParam && otherParam.getName() == getName())
      return emitOpError("name '")
                 .append(getName(), "' is already used by another parameter")
                 .attachNote(otherParam.getLoc())
             << "first declared here";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t, 2> Conv2DOp::getEffectiveStrides() {
  return SmallVector<int64_t, 2>(getStrides().value_or(ArrayRef<int64_t>{1, 1}));
}

SmallVector<int64_t, 2> Conv2DOp::getEffectiveDilations() {
  return SmallVector<int64_t, 2>(
      getDilations().value_or(ArrayRef<int64_t>{1, 1}));
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  auto input = expectRank(adaptor.getInput().getType(), 4, "input", "NHWC",
                          emitError);
  auto filter = expectRank(adaptor.getFilter().getType(), 4, "filter", "HWCF",
                           emitError);
  if (!input || !filter ||
      failed(expectStaticFeatures(input, "input", emitError)))
    return failure();
  if (!filter.hasStaticShape())
    return emitError() << "filter must have a static shape, got " << filter;
  if (filter.getDimSize(2) != input.getDimSize(3))
    return emitError() << "filter expects " << filter.getDimSize(2)
                       << " input channels (dimension 2 of HWCF) but the input "
                       << "has " << input.getDimSize(3);
  if (failed(verifyBias(adaptor.getBias(), filter.getDimSize(3), "filter",
                        emitError)))
    return failure();
  SmallVector<int64_t, 2> unit = {1, 1};
  return inferWindowedType(
      input, filter.getShape().take_front(2),
      adaptor.getStrides().value_or(unit), adaptor.getDilations().value_or(unit),
      paddingOrDefault(adaptor.getPaddingAttr()), filter.getDimSize(3), emitError, inferred);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename PoolOp>
static LogicalResult inferPoolType(std::optional<Location> location,
                                   typename PoolOp::Adaptor adaptor,
                                   SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  auto input = expectRank(adaptor.getInput().getType(), 4, "input", "NHWC",
                          emitError);
  if (!input || failed(expectStaticFeatures(input, "input", emitError)) ||
      failed(verifyPositivePair(adaptor.getWindow(), "window", emitError)))
    return failure();
  SmallVector<int64_t, 2> unit = {1, 1};
  return inferWindowedType(input, adaptor.getWindow(),
                           adaptor.getStrides().value_or(adaptor.getWindow()),
                           unit, paddingOrDefault(adaptor.getPaddingAttr()), input.getDimSize(3),
                           emitError, inferred);
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferPoolType<MaxPool2DOp>(location, adaptor, inferred);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferPoolType<AvgPool2DOp>(location, adaptor, inferred);
}

LogicalResult MinPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferPoolType<MinPool2DOp>(location, adaptor, inferred);
}

//===----------------------------------------------------------------------===//
// DenseOp and FlattenOp
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  auto input = expectRank(adaptor.getInput().getType(), 2, "input",
                          "[batch, features]", emitError);
  auto kernel = expectRank(adaptor.getKernel().getType(), 2, "kernel",
                           "[features, units]", emitError);
  if (!input || !kernel ||
      failed(expectStaticFeatures(input, "input", emitError)))
    return failure();
  if (!kernel.hasStaticShape())
    return emitError() << "kernel must have a static shape, got " << kernel;
  if (kernel.getDimSize(0) != input.getDimSize(1))
    return emitError() << "input has " << input.getDimSize(1)
                       << " features but the kernel expects "
                       << kernel.getDimSize(0) << " (dimension 0)";
  if (failed(verifyBias(adaptor.getBias(), kernel.getDimSize(1), "kernel",
                        emitError)))
    return failure();
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), kernel.getDimSize(1)}, input.getElementType()));
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  auto input = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  if (!input || input.getRank() < 2)
    return emitError() << "input must have a batch dimension and at least one "
                       << "feature dimension, got "
                       << adaptor.getInput().getType();
  if (failed(expectStaticFeatures(input, "input", emitError)))
    return failure();
  int64_t features = 1;
  for (int64_t d : input.getShape().drop_front()) {
    std::optional<int64_t> product = llvm::checkedMul(features, d);
    if (!product)
      return emitError() << "flattened size of " << input
                         << " overflows int64";
    features = *product;
  }
  inferred.push_back(RankedTensorType::get({input.getDimSize(0), features},
                                           input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  if (getInput().getType().getRank() < 1)
    return emitOpError("needs at least one dimension to normalize over");
  return success();
}

#define GET_OP_CLASSES
#include "cnnc/Dialect/CNN/IR/CNNOps.cpp.inc"
