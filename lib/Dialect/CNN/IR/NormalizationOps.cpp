//===- NormalizationOps.cpp - batch normalization and dropout -------------===//
//
// Verifiers, shape inference and the layer interfaces (CNNInterfaces.td) of
// batch normalization and dropout. Both layers behave differently in
// training: their training forms (cnn.batch_norm_train with the moving
// averages of its statistics, cnn.dropout_train keyed by the run's seed and
// step) are built here, and so are the gradient rules of those forms.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::detail;

/// The attribute of synthesized entry points (kEntryAttrName of
/// cnnc/Dialect/CNN/Transforms/Passes.h, which this library cannot include):
/// there, parameters are views of the caller's buffer, not cnn.param ops.
static constexpr llvm::StringLiteral kEntryPointAttr = "cnn.entry";

/// Checks a `[N, ..., C]` batch: rank at least 2, every dimension but the
/// batch static and the elements of one image countable in int64.
static LogicalResult
verifyBatchTensor(Type type, StringRef role,
                  function_ref<InFlightDiagnostic()> emit) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() < 2)
    return emit() << role << " must have a batch and a channel dimension "
                  << "([N, ..., C]), got " << type;
  if (llvm::any_of(tensor.getShape().drop_front(), ShapedType::isDynamic))
    return emit() << role
                  << " must be static except for the batch dimension, got "
                  << type;
  if (!perImageElements(tensor))
    return emit() << role << " has more elements per image than fit in "
                  << "int64: " << type;
  return success();
}

static LogicalResult verifyEpsilon(Operation *op, double epsilon) {
  if (!(epsilon > 0.0))
    return op->emitOpError("epsilon must be positive, got ") << epsilon;
  return success();
}

static LogicalResult verifyMomentum(Operation *op, double momentum) {
  if (!(momentum >= 0.0 && momentum <= 1.0))
    return op->emitOpError("momentum must be in [0, 1], got ") << momentum;
  return success();
}

/// Moving statistics are model state: the step can only write them back
/// when they are non-trainable parameters (SynthesizeTraining's
/// insertStateUpdates), so a model function must declare them as
/// `cnn.param ... trainable = false`.
static LogicalResult verifyModelState(Operation *op, Value value,
                                      StringRef role) {
  if (auto param = value.getDefiningOp<ParamOp>()) {
    if (param.getTrainable())
      return op->emitOpError()
             << role << " is model state: its cnn.param '" << param.getName()
             << "' must be declared `trainable = false`";
    return success();
  }
  auto function = op->getParentOfType<FunctionOpInterface>();
  if (function && function->hasAttr(kEntryPointAttr))
    return success();
  return op->emitOpError() << role << " must be a `cnn.param ... trainable = "
                           << "false` (model state the training step updates)";
}

/// FLOPs of an element-wise op with `perElement` operations on the values
/// of one image of `type`.
static std::optional<int64_t> elementwiseFlops(Type type, int64_t perElement) {
  std::optional<int64_t> elements = perImageElements(type);
  if (!elements)
    return std::nullopt;
  return checkedProduct({*elements, perElement});
}

//===----------------------------------------------------------------------===//
// BatchNormOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  Type input = adaptor.getInput().getType();
  auto emit = [&] {
    return location ? mlir::emitError(*location) : InFlightDiagnostic();
  };
  if (failed(verifyBatchTensor(input, "input", emit)))
    return failure();
  inferred.push_back(input);
  return success();
}

LogicalResult BatchNormOp::verify() {
  if (failed(verifyEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(verifyMomentum(*this, getMomentum().convertToDouble())) ||
      failed(verifyModelState(*this, getMovingMean(), "moving_mean")) ||
      failed(verifyModelState(*this, getMovingVariance(), "moving_variance")))
    return failure();
  return success();
}

StringRef BatchNormOp::getKerasClassName() { return "BatchNormalization"; }
StringRef BatchNormOp::getKerasLayerName() { return "batch_normalization"; }

std::optional<int64_t> BatchNormOp::getFlopsPerImage() {
  // x * inv + shift, with the per-channel inv and shift computed once.
  return elementwiseFlops(getType(), 2);
}

bool BatchNormOp::hasTrainingBehavior() { return !getInferenceMode(); }

FailureOr<SmallVector<Value>>
BatchNormOp::buildTrainingForm(OpBuilder &b, ValueRange operands,
                               TrainingContext &context) {
  // `operands` are this op's operands in the step, in ODS order: input,
  // moving_mean, moving_variance, then gamma and beta where present.
  Location loc = getLoc();
  Value input = operands[0], movingMean = operands[1],
        movingVariance = operands[2];
  unsigned next = 3;
  Value gamma = getGamma() ? operands[next++] : Value();
  Value beta = getBeta() ? operands[next++] : Value();
  auto train =
      BatchNormTrainOp::create(b, loc, input, gamma, beta, getEpsilonAttr());
  for (auto [state, statistic] :
       {std::pair<Value, Value>{movingMean, train.getBatchMean()},
        std::pair<Value, Value>{movingVariance, train.getBatchVariance()}})
    context.updateState(state, MovingAverageOp::create(b, loc, state, statistic,
                                                       getMomentumAttr()));
  return SmallVector<Value>{train.getOutput()};
}

FailureOr<SmallVector<Value>>
BatchNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                            ArrayRef<bool> wanted) {
  // Training synthesis differentiates the training form of a layer in
  // training mode; only `inference_mode` keeps this form in a step.
  if (!getInferenceMode())
    return emitOpError("is differentiated through its training form "
                       "(cnn.batch_norm_train)");
  // Operands: input, moving_mean, moving_variance, then gamma and beta
  // where present. The moving statistics are constants of the step.
  SmallVector<Value> grads(getNumOperands());
  if (!resultGrads[0] || !llvm::is_contained(wanted, true))
    return grads;
  if (wanted[1] || wanted[2])
    return emitOpError("the moving statistics are model state; no gradient "
                       "can flow into them");
  auto grad = BatchNormGradOp::create(b, getLoc(), resultGrads[0], getInput(),
                                      getMovingMean(), getMovingVariance(),
                                      getGamma(), getEpsilonAttr(),
                                      /*fixed_statistics=*/b.getUnitAttr());
  unsigned index = 0;
  if (wanted[index])
    grads[index] = grad.getInputGrad();
  index = 2;
  if (getGamma() && wanted[++index])
    grads[index] = grad.getGammaGrad();
  if (getBeta() && wanted[++index])
    grads[index] = grad.getBetaGrad();
  return grads;
}

//===----------------------------------------------------------------------===//
// BatchNormTrainOp, BatchNormGradOp, MovingAverageOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormTrainOp::verify() {
  if (failed(verifyBatchTensor(getInput().getType(), "input",
                               [&] { return emitOpError(); })))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

FailureOr<SmallVector<Value>>
BatchNormTrainOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> wanted) {
  if (resultGrads[1] || resultGrads[2])
    return emitOpError("the batch statistics feed only the moving averages; "
                       "no gradient can flow through them");
  SmallVector<Value> grads(getNumOperands());
  if (!resultGrads[0])
    return grads;
  auto grad = BatchNormGradOp::create(b, getLoc(), resultGrads[0], getInput(),
                                      getBatchMean(), getBatchVariance(),
                                      getGamma(), getEpsilonAttr());
  // Operands: input, then gamma and beta where present.
  unsigned index = 0;
  if (wanted[index])
    grads[index] = grad.getInputGrad();
  if (getGamma() && wanted[++index])
    grads[index] = grad.getGammaGrad();
  if (getBeta() && wanted[++index])
    grads[index] = grad.getBetaGrad();
  return grads;
}

LogicalResult BatchNormGradOp::verify() {
  if (failed(verifyBatchTensor(getInput().getType(), "input",
                               [&] { return emitOpError(); })))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult MovingAverageOp::verify() {
  return verifyMomentum(*this, getMomentum().convertToDouble());
}

//===----------------------------------------------------------------------===//
// FoldBatchNormOp
//===----------------------------------------------------------------------===//

std::optional<int64_t> FoldBatchNormOp::getChannelDims() {
  ArrayRef<int64_t> kernel = getKernel().getType().getShape();
  int64_t channels = getMovingMean().getType().getDimSize(0);
  int64_t product = 1;
  for (int64_t dims = 1; dims <= 2 && dims <= int64_t(kernel.size()); ++dims) {
    product *= kernel[kernel.size() - dims];
    if (product == channels)
      return dims;
  }
  return std::nullopt;
}

LogicalResult FoldBatchNormOp::verify() {
  RankedTensorType kernel = getKernel().getType();
  if (kernel.getRank() < 2 || !kernel.hasStaticShape())
    return emitOpError("kernel must be a static tensor of rank 2 or more, got ")
           << kernel;
  if (!getChannelDims())
    return emitOpError("the ")
           << getMovingMean().getType().getDimSize(0)
           << " channels must be the last dimension of the kernel or the "
              "product of its last two, got "
           << kernel;
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

//===----------------------------------------------------------------------===//
// DropoutOp and DropoutTrainOp
//===----------------------------------------------------------------------===//

/// The rate, the input and its mask counter (docs/training.md): blocks of 4
/// elements of one image are numbered in 32 bits.
static LogicalResult verifyDropout(Operation *op, double rate, Type input) {
  if (!(rate >= 0.0 && rate <= 1.0))
    return op->emitOpError("rate must be in [0, 1], got ") << rate;
  if (failed(
          verifyBatchTensor(input, "input", [&] { return op->emitOpError(); })))
    return failure();
  if ((*perImageElements(input) + 3) / 4 > (int64_t(1) << 32))
    return op->emitOpError("needs at most 2^34 elements per image, got ")
           << input;
  return success();
}

LogicalResult DropoutOp::verify() {
  return verifyDropout(*this, getRate().convertToDouble(), getType());
}

StringRef DropoutOp::getKerasClassName() { return "Dropout"; }
StringRef DropoutOp::getKerasLayerName() { return "dropout"; }
std::optional<int64_t> DropoutOp::getFlopsPerImage() { return 0; }

/// Keras applies no dropout at rate 0, in training either.
bool DropoutOp::hasTrainingBehavior() {
  return getRate().convertToDouble() > 0.0;
}

FailureOr<SmallVector<Value>>
DropoutOp::buildTrainingForm(OpBuilder &b, ValueRange operands,
                             TrainingContext &context) {
  return SmallVector<Value>{DropoutTrainOp::create(
      b, getLoc(), operands[0], context.seed, context.step, getRateAttr(),
      b.getI64IntegerAttr(context.takeRandomStream()), getSeedAttr())};
}

FailureOr<SmallVector<Value>>
DropoutOp::buildGradients(OpBuilder &, ArrayRef<Value> resultGrads,
                          ArrayRef<bool>) {
  return SmallVector<Value>{resultGrads[0]}; // the inference identity
}

LogicalResult DropoutTrainOp::verify() {
  auto stream = static_cast<int64_t>(getStream());
  if (stream < 0 || stream > int64_t(UINT32_MAX))
    return emitOpError("stream must fit in 32 unsigned bits, got ") << stream;
  return verifyDropout(*this, getRate().convertToDouble(), getType());
}

FailureOr<SmallVector<Value>>
DropoutTrainOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                               ArrayRef<bool>) {
  // dx = dy * mask / (1 - rate): the same op with the same key on dy.
  Value inputGrad = DropoutTrainOp::create(b, getLoc(), resultGrads[0],
                                           getSeed(), getStep(), getRateAttr(),
                                           getStreamAttr(), getLayerSeedAttr());
  return SmallVector<Value>{inputGrad, Value(), Value()};
}
