//===- TrainingStep.cpp - the pieces of a training step -------------------===//
//
// The gradient of a batch (forward in training mode through the layers'
// training forms, cnn.loss, the DifferentiableOpInterface rules in reverse
// order, one flat gradient, the recorded state updates) and the optimizer
// update of the trainable prefix, for cnn-synthesize-training.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Transforms/TrainingStep.h"
#include "cnnc/Dialect/CNN/Transforms/EntryPoints.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace cnnc::cnn;

namespace {

/// Values of the inlined forward that depend on some trainable parameter:
/// only those need gradients (the images' gradient is never computed).
DenseSet<Value> findParamDependents(ArrayRef<Operation *> ops,
                                    ArrayRef<Value> paramViews) {
  DenseSet<Value> dependents(paramViews.begin(), paramViews.end());
  for (Operation *op : ops)
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return dependents.contains(v); }))
      dependents.insert(op->result_begin(), op->result_end());
  return dependents;
}

/// Reverse-mode differentiation of `ops` from `logitsGrad`; returns the
/// gradient of every value that received one. Ops none of whose results
/// received a gradient are skipped; the others must have a gradient rule.
FailureOr<DenseMap<Value, Value>>
backpropagate(OpBuilder &b, ArrayRef<Operation *> ops, Value logits,
              Value logitsGrad, const DenseSet<Value> &needsGrad) {
  DenseMap<Value, Value> grads;
  grads[logits] = logitsGrad;
  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<Value> resultGrads = llvm::map_to_vector(
        op->getResults(), [&](Value v) { return grads.lookup(v); });
    if (llvm::all_of(resultGrads, [](Value g) { return !g; }))
      continue;
    SmallVector<bool> wanted = llvm::map_to_vector(
        op->getOperands(), [&](Value v) { return needsGrad.contains(v); });
    if (llvm::none_of(wanted, [](bool w) { return w; }))
      continue;
    auto differentiable = dyn_cast<DifferentiableOpInterface>(op);
    if (!differentiable)
      return op->emitError("no gradient rule for '") << op->getName() << "'";
    FailureOr<SmallVector<Value>> operandGrads =
        differentiable.buildGradients(b, resultGrads, wanted);
    if (failed(operandGrads))
      return failure();
    for (auto [operand, grad] : llvm::zip(op->getOperands(), *operandGrads)) {
      if (!grad || !needsGrad.contains(operand))
        continue;
      Value &slot = grads[operand];
      slot = slot ? AddOp::create(b, op->getLoc(), slot, grad).getResult()
                  : grad;
    }
  }
  return grads;
}

} // namespace

Value cnnc::cnn::sliceOf(OpBuilder &b, Location loc, Value flat,
                         int64_t offset, int64_t size) {
  auto type = RankedTensorType::get({size}, b.getF32Type());
  return tensor::ExtractSliceOp::create(
      b, loc, type, flat, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

Value cnnc::cnn::insertInto(OpBuilder &b, Location loc, Value part,
                            Value flat, int64_t offset) {
  auto partType = cast<RankedTensorType>(part.getType());
  int64_t size = partType.getNumElements();
  if (partType.getRank() != 1) {
    SmallVector<ReassociationIndices> allInOne = {
        llvm::to_vector(llvm::seq<int64_t>(0, partType.getRank()))};
    part = tensor::CollapseShapeOp::create(b, loc, part, allInOne);
  }
  return tensor::InsertSliceOp::create(
      b, loc, part, flat, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

/// Writes the new values of the non-trainable state the training forms
/// recorded into the flat parameter tensor `params`.
static FailureOr<Value>
insertStateUpdates(OpBuilder &b, Location loc, const ModelInfo &model,
                   function_ref<Value(const ParamInfo &)> viewOf,
                   const TrainingContext &context, Value params) {
  for (const std::pair<Value, Value> &update : context.stateUpdates) {
    const ParamInfo *target = llvm::find_if(
        model.params, [&](auto &p) { return viewOf(p) == update.first; });
    if (target == model.params.end() || target->trainable)
      return emitError(loc, "a layer's training form updates a value that "
                            "is not a non-trainable parameter");
    params = insertInto(b, loc, update.second, params, target->offset);
  }
  return params;
}

FailureOr<StepGradient>
cnnc::cnn::buildStepGradient(OpBuilder &b, const ModelInfo &model,
                             LossKind lossKind, Value params, Value images,
                             Value labels, Value step, Value seed) {
  Location loc = model.forward->getLoc();
  IRMapping mapping;
  TrainingContext context;
  context.step = step;
  context.seed = seed;
  SmallVector<Operation *> ops;
  FailureOr<Value> logits =
      inlineTrainingForward(b, model, params, images, mapping, context, ops);
  if (failed(logits))
    return failure();
  auto lossOp = LossOp::create(b, loc, lossKind, *logits, labels);
  Value correct = CountCorrectOp::create(
      b, loc, RankedTensorType::get({}, b.getI64Type()), *logits, labels);

  auto viewOf = [&](const ParamInfo &param) {
    return mapping.lookup(ParamOp(param.op).getResult());
  };
  SmallVector<Value> trainableViews;
  for (const ParamInfo &param : model.params)
    if (param.trainable)
      trainableViews.push_back(viewOf(param));
  DenseSet<Value> needsGrad = findParamDependents(ops, trainableViews);
  FailureOr<DenseMap<Value, Value>> grads =
      backpropagate(b, ops, *logits, lossOp.getLogitsGrad(), needsGrad);
  if (failed(grads))
    return failure();

  // One flat gradient, laid out like the trainable parameters.
  Value flatGrad = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{model.trainableElements}, b.getF32Type());
  bool allHaveGradients = llvm::all_of(
      trainableViews, [&](Value view) { return grads->contains(view); });
  if (!allHaveGradients) {
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    flatGrad =
        linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{flatGrad})
            .getResult(0);
  }
  for (const ParamInfo &param : model.params)
    if (Value grad = param.trainable ? grads->lookup(viewOf(param)) : Value())
      flatGrad = insertInto(b, loc, grad, flatGrad, param.offset);

  FailureOr<Value> withState =
      insertStateUpdates(b, loc, model, viewOf, context, params);
  if (failed(withState))
    return failure();
  return StepGradient{flatGrad, *withState, lossOp.getLoss(), correct};
}

int64_t cnnc::cnn::OptimizerConfig::stateBlocks() const {
  if (name == "adam" || name == "adamw")
    return 2;
  if (name == "rmsprop")
    return 1 + (momentum > 0.0f ? 1 : 0) + (centered ? 1 : 0);
  return 1;
}

/// The `weight_decay` attribute of the update, null when there is none: the
/// configured decay, or the optimizer's Keras default (AdamW 0.004, the
/// others None) when it is negative.
static FloatAttr weightDecayAttr(OpBuilder &b,
                                 const OptimizerConfig &optimizer) {
  float decay = optimizer.weightDecay >= 0.0f ? optimizer.weightDecay
                : optimizer.name == "adamw"   ? 0.004f
                                              : 0.0f;
  return decay > 0.0f ? b.getF32FloatAttr(decay) : FloatAttr();
}

std::pair<Value, Value> cnnc::cnn::buildOptimizerUpdate(
    OpBuilder &b, Location loc, const OptimizerConfig &optimizer,
    Value params, Value grad, Value state, int64_t trainable,
    Value learningRate, Value step) {
  int64_t blocks = optimizer.stateBlocks();
  auto block = [&](int64_t i) {
    return blocks == 1 ? state
                       : sliceOf(b, loc, state, i * trainable, trainable);
  };
  auto joinBlocks = [&](ValueRange values) {
    if (values.size() == 1)
      return values.front();
    Value joined = state;
    for (auto [i, value] : llvm::enumerate(values))
      joined = insertInto(b, loc, value, joined, int64_t(i) * trainable);
    return joined;
  };
  FloatAttr decay = weightDecayAttr(b, optimizer);
  if (optimizer.name == "adam" || optimizer.name == "adamw") {
    auto update = AdamUpdateOp::create(
        b, loc, params, grad, block(0), block(1), learningRate, step,
        b.getF32FloatAttr(optimizer.beta1), b.getF32FloatAttr(optimizer.beta2),
        b.getF32FloatAttr(optimizer.epsilon), decay);
    return {update.getNewParam(),
            joinBlocks({update.getNewM(), update.getNewV()})};
  }
  if (optimizer.name == "rmsprop") {
    bool hasMomentum = optimizer.momentum > 0.0f;
    Value velocity = block(0);
    Value momentumBuffer = hasMomentum ? block(1) : Value();
    Value averageGradient =
        optimizer.centered ? block(hasMomentum ? 2 : 1) : Value();
    auto update = RMSpropUpdateOp::create(
        b, loc, params, grad, velocity, momentumBuffer, averageGradient,
        learningRate, b.getF32FloatAttr(optimizer.rho),
        b.getF32FloatAttr(optimizer.momentum),
        b.getF32FloatAttr(optimizer.epsilon), decay);
    SmallVector<Value> values = {update.getNewVelocity()};
    llvm::append_range(values, update.getNewBuffers());
    return {update.getNewParam(), joinBlocks(values)};
  }
  auto update = SGDUpdateOp::create(
      b, loc, params, grad, state, learningRate,
      b.getF32FloatAttr(optimizer.momentum),
      optimizer.nesterov ? b.getUnitAttr() : UnitAttr(), decay);
  return {update.getNewParam(), update.getNewVelocity()};
}
