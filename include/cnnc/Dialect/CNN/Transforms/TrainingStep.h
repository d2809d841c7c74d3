//===- TrainingStep.h - the pieces of a training step -----------*- C++ -*-===//
//
// A training step is the gradient of the loss on a batch (forward in
// training mode, loss, reverse-mode gradient rules, the layers' state
// updates) followed by the optimizer update of the trainable parameters.
// cnn-synthesize-training builds `train_step` from both pieces and the
// data-parallel entry points `compute_gradients` / `apply_gradients` from
// one each, so the fused step and the split one run the same IR.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_TRANSFORMS_TRAININGSTEP_H
#define CNNC_DIALECT_CNN_TRANSFORMS_TRAININGSTEP_H

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"

#include "mlir/IR/Builders.h"

#include <string>

namespace cnnc::cnn {

/// What the gradient of one batch produced.
struct StepGradient {
  /// [trainableElements] f32: the gradient of the batch-mean loss, laid out
  /// like the trainable prefix of the parameters.
  mlir::Value gradient;
  /// The flat parameters with the non-trainable state the layers' training
  /// forms updated (the trainable prefix unchanged).
  mlir::Value paramsWithState;
  /// tensor<f32>: the batch-mean loss; tensor<i64>: correct predictions.
  mlir::Value loss, correct;
};

/// Builds the gradient of `model`'s `lossKind` loss on (`images`, `labels`)
/// at the builder's insertion point, from the flat parameter tensor
/// `params`; `step` and `seed` (i64) key the random layers.
mlir::FailureOr<StepGradient>
buildStepGradient(mlir::OpBuilder &b, const ModelInfo &model,
                  LossKind lossKind, mlir::Value params, mlir::Value images,
                  mlir::Value labels, mlir::Value step, mlir::Value seed);

/// The optimizer compiled into a training step (Keras definitions, see the
/// options of cnn-synthesize-training).
struct OptimizerConfig {
  std::string name = "adam"; ///< adam, adamw, sgd or rmsprop
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;
  float momentum = 0.0f;
  bool nesterov = false;
  float weightDecay = -1.0f; ///< < 0: the optimizer's Keras default
  float rho = 0.9f;
  bool centered = false;

  /// Blocks of trainableElements floats of optimizer state: Adam/AdamW m,
  /// v; SGD the velocity; RMSprop the velocity, the momentum buffer
  /// (momentum > 0), the average gradient (centered), as Keras creates them.
  int64_t stateBlocks() const;
};

/// The optimizer update of the trainable parameters `trainableParams` by
/// `gradient` (both [trainable]), with the state `state` (stateBlocks()
/// blocks of `trainable` floats); returns the new parameters and the new
/// state.
std::pair<mlir::Value, mlir::Value>
buildOptimizerUpdate(mlir::OpBuilder &b, mlir::Location loc,
                     const OptimizerConfig &optimizer,
                     mlir::Value trainableParams, mlir::Value gradient,
                     mlir::Value state, int64_t trainable,
                     mlir::Value learningRate, mlir::Value step);

/// The [size] slice of a flat tensor at `offset`.
mlir::Value sliceOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value flat,
                    int64_t offset, int64_t size);

/// `part` (any shape, flattened) inserted into the flat tensor `flat` at
/// `offset`.
mlir::Value insertInto(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value part, mlir::Value flat, int64_t offset);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_TRANSFORMS_TRAININGSTEP_H
