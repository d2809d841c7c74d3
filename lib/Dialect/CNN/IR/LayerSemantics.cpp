//===- LayerSemantics.cpp - interfaces of the seed's layers ---------------===//
//
// LayerOpInterface and DifferentiableOpInterface of convolution, pooling,
// dense, flatten, the activations, softmax and add: their Keras identity,
// their cost per image and their gradient rules. A fused activation is
// differentiated from the layer's output (relu: y > 0, sigmoid: y (1 - y),
// tanh: 1 - y^2, ...), so no pre-activation value has to be kept alive for
// the backward pass; the few whose derivative needs the input (silu, gelu,
// hard_swish) are split off the layer by its training form.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::detail;

//===----------------------------------------------------------------------===//
// Shared pieces
//===----------------------------------------------------------------------===//

std::optional<int64_t>
cnnc::cnn::detail::checkedProduct(std::initializer_list<int64_t> factors) {
  int64_t product = 1;
  for (int64_t factor : factors) {
    std::optional<int64_t> next = llvm::checkedMul(product, factor);
    if (!next)
      return std::nullopt;
    product = *next;
  }
  return product;
}

std::optional<int64_t> cnnc::cnn::detail::checkedSum(
    std::initializer_list<std::optional<int64_t>> terms) {
  int64_t sum = 0;
  for (std::optional<int64_t> term : terms) {
    if (!term)
      return std::nullopt;
    std::optional<int64_t> next = llvm::checkedAdd(sum, *term);
    if (!next)
      return std::nullopt;
    sum = *next;
  }
  return sum;
}

std::optional<int64_t> cnnc::cnn::detail::perImageElements(Type type) {
  int64_t count = 1;
  for (int64_t d : cast<RankedTensorType>(type).getShape().drop_front()) {
    std::optional<int64_t> next = llvm::checkedMul(count, d);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

int64_t cnnc::cnn::detail::activationFlops(Activation activation) {
  switch (activation) {
  case Activation::None:
    return 0;
  case Activation::Relu:
  case Activation::LeakyRelu:
  case Activation::Relu6:
    return 1;
  case Activation::HardSigmoid: // add, scale, clamp
    return 3;
  case Activation::HardSwish: // hard_sigmoid, product
    return 4;
  case Activation::Sigmoid:
  case Activation::Tanh:
  case Activation::Elu:
  case Activation::Selu:
  case Activation::Softplus:
    return 4;
  case Activation::Silu: // sigmoid, product
  case Activation::Gelu: // scale, erf, add, two products
    return 5;
  }
  llvm_unreachable("unknown activation");
}

std::optional<int64_t>
cnnc::cnn::detail::activationLayerFlops(Type type, Activation activation) {
  std::optional<int64_t> elements = perImageElements(type);
  if (!elements)
    return std::nullopt;
  return checkedProduct({*elements, activationFlops(activation)});
}

bool cnnc::cnn::detail::isDifferentiableFromOutput(Activation activation) {
  switch (activation) {
  case Activation::Silu:
  case Activation::Gelu:
  case Activation::HardSwish:
    return false;
  default:
    return true;
  }
}

Value cnnc::cnn::detail::activationGradient(OpBuilder &b, Location loc,
                                            const ActivationParams &params,
                                            Value input, Value output,
                                            Value outputGrad) {
  if (params.kind == Activation::None)
    return outputGrad;
  Value value = isDifferentiableFromOutput(params.kind) ? output : input;
  return ActivationGradOp::create(
      b, loc, value, outputGrad,
      ActivationAttr::get(b.getContext(), params.kind), params.alpha,
      params.approximate ? b.getUnitAttr() : UnitAttr());
}

Value cnnc::cnn::detail::throughActivation(OpBuilder &b, Location loc,
                                           Activation activation,
                                           Value output, Value outputGrad) {
  assert(isDifferentiableFromOutput(activation) &&
         "the activation needs its input: split the layer in training");
  return activationGradient(b, loc, {activation}, Value(), output, outputGrad);
}

Value cnnc::cnn::detail::createActivationLayer(OpBuilder &b, Location loc,
                                               Activation activation,
                                               Value value) {
  switch (activation) {
  case Activation::None:
    return value;
  case Activation::Relu:
    return ReluOp::create(b, loc, value);
  case Activation::Sigmoid:
    return SigmoidOp::create(b, loc, value);
  case Activation::Tanh:
    return TanhOp::create(b, loc, value);
  case Activation::LeakyRelu:
    return LeakyReluOp::create(b, loc, value,
                               b.getF32FloatAttr(LeakyReluOp::kFusedAlpha));
  case Activation::Elu:
    return EluOp::create(b, loc, value, b.getF32FloatAttr(EluOp::kFusedAlpha));
  case Activation::Selu:
    return SeluOp::create(b, loc, value);
  case Activation::Relu6:
    return Relu6Op::create(b, loc, value);
  case Activation::Silu:
    return SiluOp::create(b, loc, value);
  case Activation::Gelu:
    return GeluOp::create(b, loc, value, /*approximate=*/false);
  case Activation::Softplus:
    return SoftplusOp::create(b, loc, value);
  case Activation::HardSigmoid:
    return HardSigmoidOp::create(b, loc, value);
  case Activation::HardSwish:
    return HardSwishOp::create(b, loc, value);
  }
  llvm_unreachable("unknown activation");
}

FailureOr<SmallVector<Value>> cnnc::cnn::detail::splitActivationForTraining(
    OpBuilder &b, FusedActivationOpInterface layer, ValueRange operands) {
  Operation *op = layer.getOperation();
  IRMapping mapping;
  mapping.map(op->getOperands(), operands);
  auto bare = cast<FusedActivationOpInterface>(b.clone(*op, mapping));
  Activation activation = bare.getActivation();
  bare.setActivation(Activation::None);
  return SmallVector<Value>{
      createActivationLayer(b, op->getLoc(), activation, bare->getResult(0))};
}

FailureOr<Value> cnnc::cnn::detail::fusedActivationGradient(
    OpBuilder &b, FusedActivationOpInterface layer, Value outputGrad) {
  Activation activation = layer.getActivation();
  if (!isDifferentiableFromOutput(activation))
    return layer->emitOpError("fused activation '")
           << stringifyActivation(activation)
           << "' is differentiated from its input: the layer's training form "
              "must split it off first";
  return throughActivation(b, layer->getLoc(), activation, layer->getResult(0),
                           outputGrad);
}

Value cnnc::cnn::detail::biasGradient(OpBuilder &b, Location loc, Value grad,
                                      Value bias) {
  return ReduceToChannelsOp::create(b, loc, bias.getType(), grad);
}

/// FLOPs of a layer's fused bias and activation on `outputs` values.
static std::optional<int64_t> epilogueFlops(std::optional<int64_t> outputs,
                                            bool hasBias,
                                            Activation activation) {
  int64_t perOutput = (hasBias ? 1 : 0) + activationFlops(activation);
  if (!outputs)
    return std::nullopt;
  return checkedProduct({*outputs, perOutput});
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

StringRef Conv2DOp::getKerasClassName() { return "Conv2D"; }
StringRef Conv2DOp::getKerasLayerName() { return "conv2d"; }

std::optional<int64_t> Conv2DOp::getFlopsPerImage() {
  auto filter = cast<RankedTensorType>(getFilter().getType());
  std::optional<int64_t> outputs = perImageElements(getType());
  if (!outputs)
    return std::nullopt;
  return checkedSum(
      {checkedProduct({2, *outputs, filter.getDimSize(0), filter.getDimSize(1),
                       filter.getDimSize(2)}),
       epilogueFlops(outputs, bool(getBias()), getActivation())});
}

bool Conv2DOp::hasTrainingBehavior() {
  return !isDifferentiableFromOutput(getActivation());
}

FailureOr<SmallVector<Value>> Conv2DOp::buildTrainingForm(OpBuilder &b,
                                                          ValueRange operands,
                                                          TrainingContext &) {
  return splitActivationForTraining(b, *this, operands);
}

FailureOr<SmallVector<Value>>
Conv2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
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
    grads[0] = Conv2DGradInputOp::create(b, loc, getInput().getType(), g,
                                         getFilter(), strides, dilations,
                                         padding);
  if (wanted[1])
    grads[1] = Conv2DGradFilterOp::create(b, loc, getFilter().getType(),
                                          getInput(), g, strides, dilations,
                                          padding);
  if (getBias() && wanted[2])
    grads[2] = biasGradient(b, loc, g, getBias());
  return grads;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Pooling reads every window element once per output.
template <typename PoolOp>
static std::optional<int64_t> poolFlops(PoolOp op) {
  std::optional<int64_t> outputs = perImageElements(op.getType());
  ArrayRef<int64_t> window = op.getWindow();
  if (!outputs)
    return std::nullopt;
  return checkedProduct({*outputs, window[0], window[1]});
}

template <typename PoolOp>
static SmallVector<Value> poolGradients(OpBuilder &b, PoolOp op,
                                        PoolKind kind, Value dy) {
  return {Pool2DGradOp::create(b, op.getLoc(), kind, op.getInput(), dy,
                               op.getWindow(), op.getEffectiveStrides(),
                               op.getPadding())};
}

StringRef MaxPool2DOp::getKerasClassName() { return "MaxPooling2D"; }
StringRef MaxPool2DOp::getKerasLayerName() { return "max_pooling2d"; }
std::optional<int64_t> MaxPool2DOp::getFlopsPerImage() {
  return poolFlops(*this);
}
FailureOr<SmallVector<Value>>
MaxPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                            ArrayRef<bool>) {
  return poolGradients(b, *this, PoolKind::Max, resultGrads[0]);
}

StringRef AvgPool2DOp::getKerasClassName() { return "AveragePooling2D"; }
StringRef AvgPool2DOp::getKerasLayerName() { return "average_pooling2d"; }
std::optional<int64_t> AvgPool2DOp::getFlopsPerImage() {
  return poolFlops(*this);
}
FailureOr<SmallVector<Value>>
AvgPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                            ArrayRef<bool>) {
  return poolGradients(b, *this, PoolKind::Avg, resultGrads[0]);
}

// Keras has no MinPooling2D; the name follows its pattern.
StringRef MinPool2DOp::getKerasClassName() { return "MinPooling2D"; }
StringRef MinPool2DOp::getKerasLayerName() { return "min_pooling2d"; }
std::optional<int64_t> MinPool2DOp::getFlopsPerImage() {
  return poolFlops(*this);
}
FailureOr<SmallVector<Value>>
MinPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                            ArrayRef<bool>) {
  return poolGradients(b, *this, PoolKind::Min, resultGrads[0]);
}

//===----------------------------------------------------------------------===//
// DenseOp and FlattenOp
//===----------------------------------------------------------------------===//

StringRef DenseOp::getKerasClassName() { return "Dense"; }
StringRef DenseOp::getKerasLayerName() { return "dense"; }

std::optional<int64_t> DenseOp::getFlopsPerImage() {
  auto kernel = cast<RankedTensorType>(getKernel().getType());
  int64_t units = kernel.getDimSize(1);
  return checkedSum(
      {checkedProduct({2, units, kernel.getDimSize(0)}),
       epilogueFlops(units, bool(getBias()), getActivation())});
}

bool DenseOp::hasTrainingBehavior() {
  return !isDifferentiableFromOutput(getActivation());
}

FailureOr<SmallVector<Value>> DenseOp::buildTrainingForm(OpBuilder &b,
                                                         ValueRange operands,
                                                         TrainingContext &) {
  return splitActivationForTraining(b, *this, operands);
}

FailureOr<SmallVector<Value>>
DenseOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                        ArrayRef<bool> wanted) {
  Location loc = getLoc();
  FailureOr<Value> activationGrad =
      fusedActivationGradient(b, *this, resultGrads[0]);
  if (failed(activationGrad))
    return failure();
  Value g = *activationGrad;
  SmallVector<Value> grads(getNumOperands());
  // x [N, F], kernel [F, U], g [N, U]: dx = g kernel^T, dkernel = x^T g.
  if (wanted[0])
    grads[0] = MatmulOp::create(b, loc, getInput().getType(), g, getKernel(),
                                /*transposeLhs=*/false, /*transposeRhs=*/true);
  if (wanted[1])
    grads[1] = MatmulOp::create(b, loc, getKernel().getType(), getInput(), g,
                                /*transposeLhs=*/true, /*transposeRhs=*/false);
  if (getBias() && wanted[2])
    grads[2] = biasGradient(b, loc, g, getBias());
  return grads;
}

StringRef FlattenOp::getKerasClassName() { return "Flatten"; }
StringRef FlattenOp::getKerasLayerName() { return "flatten"; }
std::optional<int64_t> FlattenOp::getFlopsPerImage() { return 0; }

FailureOr<SmallVector<Value>>
FlattenOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                          ArrayRef<bool>) {
  return SmallVector<Value>{ReshapeOp::create(
      b, getLoc(), getInput().getType(), resultGrads[0])};
}

//===----------------------------------------------------------------------===//
// Activations, softmax, add
//===----------------------------------------------------------------------===//

// The standalone activation layers without parameters (cnn.relu, ...)
// define their interface methods in the CNN_UnaryOp class of CNNOps.td, the
// others in ActivationOps.cpp, on top of activationGradient and
// activationLayerFlops.

StringRef SoftmaxOp::getKerasClassName() { return "Softmax"; }
StringRef SoftmaxOp::getKerasLayerName() { return "softmax"; }

std::optional<int64_t> SoftmaxOp::getFlopsPerImage() {
  // max, subtract + exp, sum, divide
  std::optional<int64_t> elements = perImageElements(getType());
  if (!elements)
    return std::nullopt;
  return checkedProduct({4, *elements});
}

FailureOr<SmallVector<Value>>
SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                          ArrayRef<bool>) {
  return SmallVector<Value>{
      SoftmaxGradOp::create(b, getLoc(), getResult(), resultGrads[0])};
}

StringRef AddOp::getKerasClassName() { return "Add"; }
StringRef AddOp::getKerasLayerName() { return "add"; }
std::optional<int64_t> AddOp::getFlopsPerImage() {
  return perImageElements(getType());
}

FailureOr<SmallVector<Value>>
AddOp::buildGradients(OpBuilder &, ArrayRef<Value> resultGrads,
                      ArrayRef<bool>) {
  return SmallVector<Value>{resultGrads[0], resultGrads[0]};
}
