//===- SynthesizeTraining.cpp - training and evaluation entry points -----===//
//
// Builds, from `@forward`, the entry points of training
// (TrainingStep.h: the gradient of a batch, then the optimizer update):
//   <model>_train_step_impl         gradient + update, fused in one call
//   <model>_compute_gradients_impl  gradient (and state updates) only
//   <model>_apply_gradients_impl    update only, from a given gradient
// and <model>_evaluate_impl (forward in inference mode, loss, correct
// count), all on tensors over the caller's buffers. The split pair serves
// data-parallel training, which sums the gradients of the ranks in between.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/Dialect/CNN/Transforms/EntryPoints.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"
#include "cnnc/Dialect/CNN/Transforms/TrainingStep.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/CheckedArithmetic.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNSYNTHESIZETRAINING
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

/// A tensor view of an entry point's buffer argument.
Value tensorOf(OpBuilder &b, Location loc, Value buffer, Type type,
               bool writable) {
  return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                           /*restrict=*/true, writable);
}

/// Stores `value` into the caller's buffer `buffer`.
void storeInto(OpBuilder &b, Location loc, Value value, Value buffer) {
  bufferization::MaterializeInDestinationOp::create(
      b, loc, TypeRange{}, value, buffer, /*restrict=*/true,
      /*writable=*/true);
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
    warnIfSoftmaxBeforeLogitsLoss(model->forward, *lossKind);
    if (optimizer != "adam" && optimizer != "adamw" && optimizer != "sgd" &&
        optimizer != "rmsprop") {
      module.emitError("unknown optimizer '")
          << optimizer << "' (expected adam, adamw, sgd or rmsprop)";
      return signalPassFailure();
    }
    std::optional<int64_t> stateElements =
        llvm::checkedMul(config().stateBlocks(), model->trainableElements);
    if (!stateElements) {
      model->forward.emitError(
          "the optimizer state has more elements than fit in int64");
      return signalPassFailure();
    }
    Types types = getTypes(*model, *stateElements);
    if (failed(buildTrainStep(*model, *lossKind, types)) ||
        failed(buildComputeGradients(*model, *lossKind, types)) ||
        failed(buildApplyGradients(*model, types)) ||
        failed(buildEvaluate(*model, *lossKind)))
      return signalPassFailure();
  }

  /// The cross-entropy losses take logits (Keras's from_logits=True): a
  /// model that already returns softmax probabilities would be trained
  /// through a second softmax. Keras warns in this case too; so do we, at
  /// the softmax (the model may mean it, e.g. with a tiny temperature).
  static void warnIfSoftmaxBeforeLogitsLoss(func::FuncOp forward,
                                            LossKind lossKind) {
    if (lossKind == LossKind::MeanSquaredError)
      return;
    forward.walk([&](func::ReturnOp ret) {
      for (Value result : ret.getOperands())
        if (auto softmax = result.getDefiningOp<SoftmaxOp>())
          softmax.emitWarning()
              << "the model returns softmax probabilities but the "
              << stringifyLossKind(lossKind)
              << " loss takes logits (from_logits=True), so training applies "
                 "softmax twice; return the logits instead (Keras warns "
                 "likewise)";
    });
  }

  /// The optimizer the pass options describe.
  OptimizerConfig config() const {
    OptimizerConfig c;
    c.name = optimizer;
    c.beta1 = beta1;
    c.beta2 = beta2;
    c.epsilon = epsilon;
    c.momentum = momentum;
    c.nesterov = nesterov;
    c.weightDecay = weightDecay;
    c.rho = rho;
    c.centered = centered;
    return c;
  }

  /// Types shared by the entry points.
  struct Types {
    RankedTensorType params, trainable, state, labels;
    MemRefType lossBuffer, correctBuffer;
  };

  Types getTypes(const ModelInfo &model, int64_t stateElements) {
    Builder b(&getContext());
    return {RankedTensorType::get({model.paramElements}, b.getF32Type()),
            RankedTensorType::get({model.trainableElements}, b.getF32Type()),
            RankedTensorType::get({stateElements}, b.getF32Type()),
            RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type()),
            MemRefType::get({}, b.getF32Type()),
            MemRefType::get({}, b.getI64Type())};
  }

  /// The optimizer update of `params` (all parameters) by the gradient of
  /// the trainable prefix; returns the new parameters and state.
  std::pair<Value, Value> update(OpBuilder &b, Location loc,
                                 const ModelInfo &model, Value params,
                                 Value gradient, Value state,
                                 Value learningRate, Value step) {
    int64_t trainable = model.trainableElements;
    bool whole = trainable == model.paramElements;
    Value prefix = whole ? params : sliceOf(b, loc, params, 0, trainable);
    auto [newPrefix, newState] =
        buildOptimizerUpdate(b, loc, config(), prefix, gradient, state,
                             trainable, learningRate, step);
    return {whole ? newPrefix : insertInto(b, loc, newPrefix, params, 0),
            newState};
  }

  LogicalResult buildTrainStep(const ModelInfo &model, LossKind lossKind,
                               const Types &types) {
    OpBuilder b(&getContext());
    Location loc = model.forward->getLoc();
    // C signature: train_step(params, opt_state, images, labels, batch,
    //                         learning_rate, step, seed, loss, correct).
    func::FuncOp entry = createEntryPoint(
        b, model.forward, model.name + "_train_step_impl", "train_step",
        {toMemRef(types.params), toMemRef(types.state),
         toMemRef(model.inputType), toMemRef(types.labels), b.getF32Type(),
         b.getI64Type(), b.getI64Type(), types.lossBuffer,
         types.correctBuffer},
        /*batchPosition=*/4);
    entry->setAttr(kNumClassesAttrName,
                   b.getI64IntegerAttr(model.numClasses()));
    auto arg = [&](unsigned i) { return entry.getArgument(i); };
    Value params = tensorOf(b, loc, arg(0), types.params, /*writable=*/true);
    Value state = tensorOf(b, loc, arg(1), types.state, /*writable=*/true);
    Value images = tensorOf(b, loc, arg(2), model.inputType, false);
    Value labels = tensorOf(b, loc, arg(3), types.labels, false);
    FailureOr<StepGradient> step = buildStepGradient(
        b, model, lossKind, params, images, labels, arg(5), arg(6));
    if (failed(step))
      return failure();
    auto [newParams, newState] =
        update(b, loc, model, step->paramsWithState, step->gradient, state,
               arg(4), arg(5));
    storeInto(b, loc, newParams, arg(0));
    storeInto(b, loc, newState, arg(1));
    storeInto(b, loc, step->loss, arg(7));
    storeInto(b, loc, step->correct, arg(8));
    func::ReturnOp::create(b, loc);
    return success();
  }

  LogicalResult buildComputeGradients(const ModelInfo &model,
                                      LossKind lossKind, const Types &types) {
    OpBuilder b(&getContext());
    Location loc = model.forward->getLoc();
    // C signature: compute_gradients(params, images, labels, batch, step,
    //                                seed, gradient, loss, correct).
    func::FuncOp entry = createEntryPoint(
        b, model.forward, model.name + "_compute_gradients_impl",
        "compute_gradients",
        {toMemRef(types.params), toMemRef(model.inputType),
         toMemRef(types.labels), b.getI64Type(), b.getI64Type(),
         toMemRef(types.trainable), types.lossBuffer, types.correctBuffer},
        /*batchPosition=*/3);
    entry->setAttr(kNumClassesAttrName,
                   b.getI64IntegerAttr(model.numClasses()));
    auto arg = [&](unsigned i) { return entry.getArgument(i); };
    Value params = tensorOf(b, loc, arg(0), types.params, /*writable=*/true);
    Value images = tensorOf(b, loc, arg(1), model.inputType, false);
    Value labels = tensorOf(b, loc, arg(2), types.labels, false);
    FailureOr<StepGradient> step = buildStepGradient(
        b, model, lossKind, params, images, labels, arg(3), arg(4));
    if (failed(step))
      return failure();
    storeInto(b, loc, step->paramsWithState, arg(0));
    storeInto(b, loc, step->gradient, arg(5));
    storeInto(b, loc, step->loss, arg(6));
    storeInto(b, loc, step->correct, arg(7));
    func::ReturnOp::create(b, loc);
    return success();
  }

  LogicalResult buildApplyGradients(const ModelInfo &model,
                                    const Types &types) {
    OpBuilder b(&getContext());
    Location loc = model.forward->getLoc();
    // C signature: apply_gradients(params, opt_state, gradient,
    //                              learning_rate, step); no batch.
    func::FuncOp entry = createEntryPoint(
        b, model.forward, model.name + "_apply_gradients_impl",
        "apply_gradients",
        {toMemRef(types.params), toMemRef(types.state),
         toMemRef(types.trainable), b.getF32Type(), b.getI64Type()},
        /*batchPosition=*/std::nullopt);
    auto arg = [&](unsigned i) { return entry.getArgument(i); };
    Value params = tensorOf(b, loc, arg(0), types.params, /*writable=*/true);
    Value state = tensorOf(b, loc, arg(1), types.state, /*writable=*/true);
    Value gradient = tensorOf(b, loc, arg(2), types.trainable, false);
    auto [newParams, newState] =
        update(b, loc, model, params, gradient, state, arg(3), arg(4));
    storeInto(b, loc, newParams, arg(0));
    storeInto(b, loc, newState, arg(1));
    func::ReturnOp::create(b, loc);
    return success();
  }

  LogicalResult buildEvaluate(const ModelInfo &model, LossKind lossKind) {
    OpBuilder b(&getContext());
    Location loc = model.forward->getLoc();
    Types types = getTypes(model, 0);
    // C signature: evaluate(params, images, labels, batch, loss, correct).
    func::FuncOp entry = createEntryPoint(
        b, model.forward, model.name + "_evaluate_impl", "evaluate",
        {toMemRef(types.params), toMemRef(model.inputType),
         toMemRef(types.labels), types.lossBuffer, types.correctBuffer},
        /*batchPosition=*/3);
    entry->setAttr(kNumClassesAttrName,
                   b.getI64IntegerAttr(model.numClasses()));
    auto arg = [&](unsigned i) { return entry.getArgument(i); };
    Value params = tensorOf(b, loc, arg(0), types.params, false);
    Value images = tensorOf(b, loc, arg(1), model.inputType, false);
    Value labels = tensorOf(b, loc, arg(2), types.labels, false);
    IRMapping mapping;
    Value logits = inlineForward(b, model, params, images, mapping);
    auto lossOp = LossOp::create(b, loc, lossKind, logits, labels);
    Value correct = CountCorrectOp::create(
        b, loc, RankedTensorType::get({}, b.getI64Type()), logits, labels);
    storeInto(b, loc, lossOp.getLoss(), arg(3));
    storeInto(b, loc, correct, arg(4));
    func::ReturnOp::create(b, loc);
    return success();
  }
};

} // namespace
