//===- ReshapingOps.cpp - global pooling, zero padding, concatenation -----===//
//
// Result-type inference, verifiers and the layer interfaces
// (CNNInterfaces.td) of cnn.global_avg_pool2d, cnn.global_max_pool2d,
// cnn.zero_pad2d and cnn.concat, and the verifiers of the training ops their
// gradients use (the global pooling gradients and cnn.slice). Shape rules are
// checked while inferring, so a malformed model fails at parse time with a
// diagnostic at the op.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::detail;

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

/// Two sizes agree when equal or when either is dynamic.
static bool compatible(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

/// `type` as an NHWC batch of images that is static except for the batch
/// and not empty in height and width; emits why not.
static RankedTensorType expectImages(Type type, StringRef role,
                                     const LocatedEmitter &emitError) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() != 4) {
    emitError() << role << " must be a rank-4 NHWC tensor, got " << type;
    return {};
  }
  if (llvm::any_of(tensor.getShape().drop_front(), ShapedType::isDynamic)) {
    emitError() << role
                << " must be static except for the batch dimension, got "
                << type;
    return {};
  }
  return tensor;
}

/// The result of a global pooling of `input`: [N, C] or [N, 1, 1, C].
static RankedTensorType globalPoolType(RankedTensorType input, bool keepdims) {
  int64_t n = input.getDimSize(0), c = input.getDimSize(3);
  SmallVector<int64_t> shape =
      keepdims ? SmallVector<int64_t>{n, 1, 1, c} : SmallVector<int64_t>{n, c};
  return RankedTensorType::get(shape, input.getElementType());
}

/// The [N, C] form of a global pooling result or its gradient (a
/// `cnn.reshape` of the keepdims form).
static Value asRows(OpBuilder &b, Location loc, Value value,
                    RankedTensorType input) {
  auto rows = globalPoolType(input, /*keepdims=*/false);
  if (value.getType() == rows)
    return value;
  return ReshapeOp::create(b, loc, rows, value);
}

//===----------------------------------------------------------------------===//
// Global pooling
//===----------------------------------------------------------------------===//

static LogicalResult inferGlobalPoolType(std::optional<Location> location,
                                         Value input, bool keepdims,
                                         SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  RankedTensorType images = expectImages(input.getType(), "input", emitError);
  if (!images)
    return failure();
  if (images.getDimSize(1) == 0 || images.getDimSize(2) == 0)
    return emitError() << "global pooling needs a non-empty image, got "
                       << images;
  inferred.push_back(globalPoolType(images, keepdims));
  return success();
}

LogicalResult GlobalAvgPool2DOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  return inferGlobalPoolType(location, adaptor.getInput(),
                             bool(adaptor.getKeepdims()), inferred);
}

LogicalResult GlobalMaxPool2DOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  return inferGlobalPoolType(location, adaptor.getInput(),
                             bool(adaptor.getKeepdims()), inferred);
}

StringRef GlobalAvgPool2DOp::getKerasClassName() {
  return "GlobalAveragePooling2D";
}
StringRef GlobalAvgPool2DOp::getKerasLayerName() {
  return "global_average_pooling2d";
}

/// One add per input element, one division per channel.
std::optional<int64_t> GlobalAvgPool2DOp::getFlopsPerImage() {
  return checkedSum({perImageElements(getInput().getType()),
                     getInput().getType().getDimSize(3)});
}

FailureOr<SmallVector<Value>>
GlobalAvgPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  ArrayRef<bool>) {
  RankedTensorType input = getInput().getType();
  Value dy = asRows(b, getLoc(), resultGrads[0], input);
  return SmallVector<Value>{
      GlobalAvgPool2DGradOp::create(b, getLoc(), input, dy)};
}

StringRef GlobalMaxPool2DOp::getKerasClassName() {
  return "GlobalMaxPooling2D";
}
StringRef GlobalMaxPool2DOp::getKerasLayerName() {
  return "global_max_pooling2d";
}

/// One comparison per input element.
std::optional<int64_t> GlobalMaxPool2DOp::getFlopsPerImage() {
  return perImageElements(getInput().getType());
}

FailureOr<SmallVector<Value>>
GlobalMaxPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  ArrayRef<bool>) {
  Location loc = getLoc();
  RankedTensorType input = getInput().getType();
  Value y = asRows(b, loc, getResult(), input);
  Value dy = asRows(b, loc, resultGrads[0], input);
  return SmallVector<Value>{
      GlobalMaxPool2DGradOp::create(b, loc, getInput(), y, dy)};
}

/// Checks that `rows` ([N, C]) is the global pooling result of `images`.
static LogicalResult verifyPooledRows(Operation *op, RankedTensorType images,
                                      RankedTensorType rows, StringRef role) {
  if (llvm::any_of(images.getShape().drop_front(), ShapedType::isDynamic) ||
      images.getDimSize(1) == 0 || images.getDimSize(2) == 0)
    return op->emitOpError("image type must be static except for the batch "
                           "dimension and not empty, got ")
           << images;
  if (!compatible(images.getDimSize(0), rows.getDimSize(0)) ||
      rows.getDimSize(1) != images.getDimSize(3))
    return op->emitOpError() << role << " " << rows
                             << " is not the [batch, channels] of " << images;
  return success();
}

LogicalResult GlobalAvgPool2DGradOp::verify() {
  return verifyPooledRows(*this, getInputGrad().getType(),
                          getOutputGrad().getType(), "output gradient");
}

LogicalResult GlobalMaxPool2DGradOp::verify() {
  return verifyPooledRows(*this, getInput().getType(), getOutput().getType(),
                          "output");
}

//===----------------------------------------------------------------------===//
// ZeroPad2DOp
//===----------------------------------------------------------------------===//

LogicalResult ZeroPad2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  RankedTensorType input =
      expectImages(adaptor.getInput().getType(), "input", emitError);
  if (!input)
    return failure();
  ArrayRef<int64_t> padding = adaptor.getPadding();
  if (padding.size() != 4)
    return emitError() << "padding must have 4 values [top, bottom, left, "
                       << "right], got " << padding.size();
  if (llvm::any_of(padding, [](int64_t p) { return p < 0; }))
    return emitError() << "padding must be non-negative, got [" << padding
                       << "]";
  SmallVector<int64_t> shape(input.getShape());
  for (auto [dim, name] : {std::pair<int, StringRef>{1, "height"},
                           std::pair<int, StringRef>{2, "width"}}) {
    std::optional<int64_t> extent =
        llvm::checkedAdd(shape[dim], padding[2 * dim - 2]);
    if (extent)
      extent = llvm::checkedAdd(*extent, padding[2 * dim - 1]);
    if (!extent)
      return emitError() << "padded " << name << " overflows int64";
    shape[dim] = *extent;
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

StringRef ZeroPad2DOp::getKerasClassName() { return "ZeroPadding2D"; }
StringRef ZeroPad2DOp::getKerasLayerName() { return "zero_padding2d"; }
std::optional<int64_t> ZeroPad2DOp::getFlopsPerImage() { return 0; }

FailureOr<SmallVector<Value>>
ZeroPad2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                            ArrayRef<bool>) {
  ArrayRef<int64_t> padding = getPadding();
  return SmallVector<Value>{
      SliceOp::create(b, getLoc(), getInput().getType(), resultGrads[0],
                      b.getDenseI64ArrayAttr({0, padding[0], padding[2], 0}))};
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  LocatedEmitter emitError{location};
  ValueRange inputs = adaptor.getInputs();
  if (inputs.size() < 2)
    return emitError() << "needs at least two inputs, got " << inputs.size();
  SmallVector<RankedTensorType> types;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type || type.getRank() < 2)
      return emitError() << "input #" << i << " must have a batch and a "
                         << "channel dimension, got " << input.getType();
    if (llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
      return emitError() << "input #" << i << " must be static except for "
                         << "the batch dimension, got " << type;
    types.push_back(type);
  }
  RankedTensorType first = types.front();
  SmallVector<int64_t> shape(first.getShape());
  for (auto [i, type] : llvm::enumerate(types)) {
    if (i == 0)
      continue;
    if (type.getRank() != first.getRank())
      return emitError() << "input #" << i << " has rank " << type.getRank()
                         << " but input #0 has rank " << first.getRank();
    if (!compatible(type.getDimSize(0), shape[0]))
      return emitError() << "input #" << i << " has batch size "
                         << type.getDimSize(0) << " but an earlier input has "
                         << shape[0];
    if (ShapedType::isDynamic(shape[0]))
      shape[0] = type.getDimSize(0);
    for (int64_t d = 1; d + 1 < type.getRank(); ++d)
      if (type.getDimSize(d) != first.getDimSize(d))
        return emitError() << "input #" << i << " differs from input #0 in "
                           << "dimension " << d << " (" << type.getDimSize(d)
                           << " vs " << first.getDimSize(d)
                           << "); only the last (channel) dimension may differ";
    std::optional<int64_t> channels =
        llvm::checkedAdd(shape.back(), type.getShape().back());
    if (!channels)
      return emitError() << "the concatenated channels overflow int64";
    shape.back() = *channels;
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

StringRef ConcatOp::getKerasClassName() { return "Concatenate"; }
StringRef ConcatOp::getKerasLayerName() { return "concatenate"; }
std::optional<int64_t> ConcatOp::getFlopsPerImage() { return 0; }

FailureOr<SmallVector<Value>>
ConcatOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                         ArrayRef<bool> wanted) {
  SmallVector<Value> grads(getNumOperands());
  int64_t offset = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    auto type = cast<RankedTensorType>(input.getType());
    if (wanted[i]) {
      SmallVector<int64_t> offsets(type.getRank(), 0);
      offsets.back() = offset;
      grads[i] = SliceOp::create(b, getLoc(), type, resultGrads[0],
                                 b.getDenseI64ArrayAttr(offsets));
    }
    offset += type.getShape().back();
  }
  return grads;
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getResult().getType();
  ArrayRef<int64_t> offsets = getOffsets();
  if (input.getRank() < 1 || result.getRank() != input.getRank())
    return emitOpError("result ")
           << result << " must have the rank of the input " << input;
  if (static_cast<int64_t>(offsets.size()) != input.getRank())
    return emitOpError("needs one offset per dimension, got ")
           << offsets.size() << " for " << input;
  if (offsets[0] != 0 || !compatible(input.getDimSize(0), result.getDimSize(0)))
    return emitOpError("must keep the batch dimension whole, got offset ")
           << offsets[0] << " and " << input << " -> " << result;
  for (int64_t d = 1; d < input.getRank(); ++d) {
    int64_t size = result.getDimSize(d), extent = input.getDimSize(d);
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(extent) ||
        offsets[d] < 0 || offsets[d] > extent || size > extent - offsets[d])
      return emitOpError("result ") << result << " at offsets [" << offsets
                                    << "] is not a static box inside " << input;
  }
  return success();
}
