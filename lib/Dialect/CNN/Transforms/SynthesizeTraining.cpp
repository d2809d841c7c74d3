//===- SynthesizeTraining.cpp - training-step and evaluation entry points -===//
//
// Builds `<model>_train_step_impl` (forward in training mode, loss,
// backward, optimizer update of the trainable parameters, state updates, all
// on tensors over the caller's buffers) and `<model>_evaluate_impl`
// (forward in inference mode, loss, correct count) from `@forward`. What
// each layer contributes (training form, gradient rule) comes from its
// LayerOpInterface and DifferentiableOpInterface.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/Dialect/CNN/Transforms/EntryPoints.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/CheckedArithmetic.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNSYNTHESIZETRAINING
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

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

Value sliceOf(OpBuilder &b, Location loc, Value flat, int64_t offset,
              int64_t size) {
  auto type = RankedTensorType::get({size}, b.getF32Type());
  return tensor::ExtractSliceOp::create(
      b, loc, type, flat, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

Value insertInto(OpBuilder &b, Location loc, Value part, Value flat,
                 int64_t offset) {
  int64_t size = cast<RankedTensorType>(part.getType()).getNumElements();
  auto partType = cast<RankedTensorType>(part.getType());
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

struct SynthesizeTrainingPass
    : cnnc::cnn::impl::CNNSynthesizeTrainingBase<SynthesizeTrainingPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ModelInfo> model = ModelInfo::analyze(module, modelName);
    if (failed(model) || failed(verifyOnlyLayers(model->forward)))
      return signalPassFailure();
    std::optional<LossKind> lossKind = symbolizeLossKind(loss);
    if (!lossKind) {
      module.emitError("unknown loss '") << loss << "'";
      return signalPassFailure();
    }
    if (optimizer != "adam" && optimizer != "adamw" && optimizer != "sgd" &&
        optimizer != "rmsprop") {
      module.emitError("unknown optimizer '")
          << optimizer << "' (expected adam, adamw, sgd or rmsprop)";
      return signalPassFailure();
    }
    if (failed(buildTrainStep(*model, *lossKind)) ||
        failed(buildEvaluate(*model, *lossKind)))
      return signalPassFailure();
  }

  /// Types shared by both entry points.
  struct Boundary {
    RankedTensorType params, labels;
    MemRefType lossBuffer, correctBuffer;
  };

  Boundary getBoundary(const ModelInfo &model, OpBuilder &b) {
    return {RankedTensorType::get({model.paramElements}, b.getF32Type()),
            RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type()),
            MemRefType::get({}, b.getF32Type()),
            MemRefType::get({}, b.getI64Type())};
  }

  LogicalResult buildTrainStep(ModelInfo &model, LossKind lossKind) {
    OpBuilder b(&getContext());
    Location loc = model.forward.getLoc();
    Boundary types = getBoundary(model, b);
    int64_t trainable = model.trainableElements;
    std::optional<int64_t> stateElements =
        llvm::checkedMul(stateBlocks(), trainable);
    if (!stateElements)
      return emitError(loc, "the optimizer state has more elements than fit "
                            "in int64");
    auto stateType = RankedTensorType::get({*stateElements}, b.getF32Type());
    // C signature: train_step(params, opt_state, images, labels, batch,
    //                         learning_rate, step, seed, loss, correct).
    func::FuncOp entry = createEntryPoint(
        b, model.forward, model.name + "_train_step_impl", "train_step",
        {toMemRef(types.params), toMemRef(stateType),
         toMemRef(model.inputType), toMemRef(types.labels), b.getF32Type(),
         b.getI64Type(), b.getI64Type(), types.lossBuffer,
         types.correctBuffer},
        /*batchPosition=*/4);
    entry->setAttr(kNumClassesAttrName,
                   b.getI64IntegerAttr(model.numClasses()));
    Block *body = &entry.front();
    auto arg = [&](unsigned i) { return body->getArgument(i); };
    Value params = bufferization::ToTensorOp::create(
        b, loc, types.params, arg(0), /*restrict=*/true, /*writable=*/true);
    Value state = bufferization::ToTensorOp::create(
        b, loc, stateType, arg(1), /*restrict=*/true, /*writable=*/true);
    Value images = bufferization::ToTensorOp::create(
        b, loc, model.inputType, arg(2), /*restrict=*/true);
    Value labels = bufferization::ToTensorOp::create(
        b, loc, types.labels, arg(3), /*restrict=*/true);

    IRMapping mapping;
    TrainingContext context;
    context.step = arg(5);
    context.seed = arg(6);
    SmallVector<Operation *> ops;
    FailureOr<Value> logits = inlineTrainingForward(
        b, model, params, images, mapping, context, ops);
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
    FailureOr<DenseMap<Value, Value>> grads = backpropagate(
        b, ops, *logits, lossOp.getLogitsGrad(), needsGrad);
    if (failed(grads))
      return failure();

    // One flat gradient, laid out like the trainable parameters.
    auto trainableType = RankedTensorType::get({trainable}, b.getF32Type());
    Value flatGrad = tensor::EmptyOp::create(b, loc, trainableType.getShape(),
                                             b.getF32Type());
    bool allHaveGradients = llvm::all_of(
        trainableViews, [&](Value view) { return grads->contains(view); });
    if (!allHaveGradients) {
      Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
      flatGrad = linalg::FillOp::create(b, loc, ValueRange{zero},
                                        ValueRange{flatGrad})
                     .getResult(0);
    }
    for (const ParamInfo &param : model.params)
      if (Value grad = param.trainable ? grads->lookup(viewOf(param)) : Value())
        flatGrad = insertInto(b, loc, grad, flatGrad, param.offset);

    Value trainableParams =
        trainable == model.paramElements
            ? params
            : sliceOf(b, loc, params, 0, trainable);
    auto [newTrainable, newState] = buildUpdate(
        b, loc, trainableParams, flatGrad, state, trainable, arg(4), arg(5));
    Value newParams = trainable == model.paramElements
                          ? newTrainable
                          : insertInto(b, loc, newTrainable, params, 0);
    FailureOr<Value> withState =
        insertStateUpdates(b, loc, model, viewOf, context, newParams);
    if (failed(withState))
      return failure();

    auto store = [&](Value value, Value buffer) {
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, value, buffer, /*restrict=*/true,
          /*writable=*/true);
    };
    store(*withState, arg(0));
    store(newState, arg(1));
    store(lossOp.getLoss(), arg(7));
    store(correct, arg(8));
    func::ReturnOp::create(b, loc);
    return success();
  }

  /// Blocks of `trainable` floats of optimizer state, laid out as the pass
  /// description says: Adam/AdamW m, v; SGD the velocity; RMSprop the
  /// velocity, the momentum buffer (momentum > 0), the average gradient
  /// (centered), as Keras creates them (keras/src/optimizers/rmsprop.py).
  int64_t stateBlocks() const {
    if (optimizer == "adam" || optimizer == "adamw")
      return 2;
    if (optimizer == "rmsprop")
      return 1 + (momentum > 0.0f ? 1 : 0) + (centered ? 1 : 0);
    return 1;
  }

  /// The `weight_decay` attribute of the update, null when there is none:
  /// the option, or the optimizer's Keras default (AdamW 0.004, the others
  /// None) when the option is negative.
  FloatAttr weightDecayAttr(OpBuilder &b) const {
    float decay = weightDecay >= 0.0f    ? float(weightDecay)
                  : optimizer == "adamw" ? 0.004f
                                         : 0.0f;
    return decay > 0.0f ? b.getF32FloatAttr(decay) : FloatAttr();
  }

  /// The optimizer update of the trainable parameters `params` by `grad`;
  /// returns the new parameters and the new state (of stateBlocks() blocks
  /// of `trainable` floats).
  std::pair<Value, Value> buildUpdate(OpBuilder &b, Location loc, Value params,
                                      Value grad, Value state,
                                      int64_t trainable, Value learningRate,
                                      Value step) {
    auto block = [&](int64_t i) {
      return stateBlocks() == 1
                 ? state
                 : sliceOf(b, loc, state, i * trainable, trainable);
    };
    auto joinBlocks = [&](ValueRange blocks) {
      if (blocks.size() == 1)
        return blocks.front();
      Value joined = state;
      for (auto [i, value] : llvm::enumerate(blocks))
        joined = insertInto(b, loc, value, joined, int64_t(i) * trainable);
      return joined;
    };
    FloatAttr decay = weightDecayAttr(b);
    if (optimizer == "adam" || optimizer == "adamw") {
      Value m = block(0);
      Value v = block(1);
      auto update = AdamUpdateOp::create(
          b, loc, params, grad, m, v, learningRate, step,
          b.getF32FloatAttr(beta1), b.getF32FloatAttr(beta2),
          b.getF32FloatAttr(epsilon), decay);
      return {update.getNewParam(),
              joinBlocks({update.getNewM(), update.getNewV()})};
    }
    if (optimizer == "rmsprop") {
      bool hasMomentum = momentum > 0.0f;
      Value velocity = block(0);
      Value momentumBuffer = hasMomentum ? block(1) : Value();
      Value averageGradient = centered ? block(hasMomentum ? 2 : 1) : Value();
      auto update = RMSpropUpdateOp::create(
          b, loc, params, grad, velocity, momentumBuffer, averageGradient,
          learningRate, b.getF32FloatAttr(rho), b.getF32FloatAttr(momentum),
          b.getF32FloatAttr(epsilon), decay);
      SmallVector<Value> blocks = {update.getNewVelocity()};
      llvm::append_range(blocks, update.getNewBuffers());
      return {update.getNewParam(), joinBlocks(blocks)};
    }
    auto update = SGDUpdateOp::create(
        b, loc, params, grad, state, learningRate, b.getF32FloatAttr(momentum),
        nesterov ? b.getUnitAttr() : UnitAttr(), decay);
    return {update.getNewParam(), update.getNewVelocity()};
  }

  /// Writes the new values of the non-trainable state the training forms
  /// recorded into the flat parameter tensor `params`.
  FailureOr<Value>
  insertStateUpdates(OpBuilder &b, Location loc, const ModelInfo &model,
                     function_ref<Value(const ParamInfo &)> viewOf,
                     const TrainingContext &context, Value params) {
    for (const std::pair<Value, Value> &update : context.stateUpdates) {
      const ParamInfo *target = llvm::find_if(model.params, [&](auto &p) {
        return viewOf(p) == update.first;
      });
      if (target == model.params.end() || target->trainable)
        return emitError(loc, "a layer's training form updates a value that "
                              "is not a non-trainable parameter");
      params = insertInto(b, loc, update.second, params, target->offset);
    }
    return params;
  }

  LogicalResult buildEvaluate(ModelInfo &model, LossKind lossKind) {
    OpBuilder b(&getContext());
    Location loc = model.forward.getLoc();
    Boundary types = getBoundary(model, b);
    // C signature: evaluate(params, images, labels, batch, loss, correct).
    func::FuncOp entry = createEntryPoint(
        b, model.forward, model.name + "_evaluate_impl", "evaluate",
        {toMemRef(types.params), toMemRef(model.inputType),
         toMemRef(types.labels), types.lossBuffer, types.correctBuffer},
        /*batchPosition=*/3);
    entry->setAttr(kNumClassesAttrName,
                   b.getI64IntegerAttr(model.numClasses()));
    Block *body = &entry.front();
    auto arg = [&](unsigned i) { return body->getArgument(i); };
    Value params = bufferization::ToTensorOp::create(
        b, loc, types.params, arg(0), /*restrict=*/true);
    Value images = bufferization::ToTensorOp::create(
        b, loc, model.inputType, arg(1), /*restrict=*/true);
    Value labels = bufferization::ToTensorOp::create(
        b, loc, types.labels, arg(2), /*restrict=*/true);
    IRMapping mapping;
    Value logits = inlineForward(b, model, params, images, mapping);
    auto lossOp = LossOp::create(b, loc, lossKind, logits, labels);
    Value correct = CountCorrectOp::create(
        b, loc, RankedTensorType::get({}, b.getI64Type()), logits, labels);
    for (auto [value, buffer] :
         {std::pair<Value, Value>{lossOp.getLoss(), arg(3)},
          std::pair<Value, Value>{correct, arg(4)}})
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, value, buffer, /*restrict=*/true,
          /*writable=*/true);
    func::ReturnOp::create(b, loc);
    return success();
  }
};

} // namespace
