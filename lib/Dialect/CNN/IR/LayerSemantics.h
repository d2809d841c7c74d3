//===- LayerSemantics.h - shared pieces of the layer interfaces -*- C++ -*-===//
//
// Internal to the cnn dialect library: overflow-checked cost arithmetic and
// the gradient building blocks (activations, bias) that several layers'
// interface implementations share.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_DIALECT_CNN_IR_LAYERSEMANTICS_H
#define CNNC_LIB_DIALECT_CNN_IR_LAYERSEMANTICS_H

#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include <initializer_list>
#include <optional>

namespace cnnc::cnn::detail {

/// The product of `factors`, or std::nullopt when it overflows int64.
std::optional<int64_t> checkedProduct(std::initializer_list<int64_t> factors);

/// The sum of `terms`, or std::nullopt when a term is missing or the sum
/// overflows int64.
std::optional<int64_t>
checkedSum(std::initializer_list<std::optional<int64_t>> terms);

/// Elements of one image of a [batch, ...] tensor (std::nullopt on
/// overflow).
std::optional<int64_t> perImageElements(mlir::Type type);

/// FLOPs per output element of an activation: 0 for `none`, 1 for the
/// piecewise-linear ones, a few for those that evaluate exp/erf/tanh.
int64_t activationFlops(Activation activation);

/// FLOPs per image of a standalone activation layer with result `type`
/// (std::nullopt on overflow).
std::optional<int64_t> activationLayerFlops(mlir::Type type,
                                            Activation activation);

/// Whether the derivative of `activation` is a function of its output
/// (relu, leaky_relu, elu, selu, relu6, softplus, hard_sigmoid, sigmoid,
/// tanh, none), so the backward pass needs no pre-activation value. silu,
/// gelu and hard_swish need their input.
bool isDifferentiableFromOutput(Activation activation);

/// An activation with the parameters of a standalone layer: `alpha` of
/// leaky_relu/elu (null: the fused form's default) and gelu's
/// `approximate`.
struct ActivationParams {
  Activation kind = Activation::None;
  mlir::FloatAttr alpha = {};
  bool approximate = false;
};

/// The gradient before an activation whose input is `input` and output
/// `output`: a `cnn.activation_grad` on the output, or on the input for the
/// kinds that are not differentiable from their output.
mlir::Value activationGradient(mlir::OpBuilder &b, mlir::Location loc,
                               const ActivationParams &params,
                               mlir::Value input, mlir::Value output,
                               mlir::Value outputGrad);

/// The gradient before a fused activation whose output is `output`.
/// Requires isDifferentiableFromOutput(activation): layers with the other
/// kinds are split in training (splitActivationForTraining).
mlir::Value throughActivation(mlir::OpBuilder &b, mlir::Location loc,
                              Activation activation, mlir::Value output,
                              mlir::Value outputGrad);

/// The standalone layer op (cnn.relu, cnn.gelu, ...) computing the fused
/// form of `activation` on `value`; `value` itself for `none`.
mlir::Value createActivationLayer(mlir::OpBuilder &b, mlir::Location loc,
                                  Activation activation, mlir::Value value);

/// The training form of a layer with a fused activation that is not
/// differentiable from its output: a copy of `layer` on `operands` without
/// activation, followed by the standalone activation op, so the backward
/// pass differentiates the activation from its input. Returns the
/// activation's result (the replacement of the layer's result). Layers use
/// it as their buildTrainingForm when hasTrainingBehavior() is
/// `!isDifferentiableFromOutput(getActivation())`.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
splitActivationForTraining(mlir::OpBuilder &b, FusedActivationOpInterface layer,
                           mlir::ValueRange operands);

/// The gradient before a layer's fused activation (throughActivation), or
/// a located error when the activation needs its input: such a layer must
/// have been split by its training form.
mlir::FailureOr<mlir::Value>
fusedActivationGradient(mlir::OpBuilder &b, FusedActivationOpInterface layer,
                        mlir::Value outputGrad);

/// The gradient of a per-channel bias: `grad` summed over every dimension
/// but the last.
mlir::Value biasGradient(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value grad, mlir::Value bias);

} // namespace cnnc::cnn::detail

#endif // CNNC_LIB_DIALECT_CNN_IR_LAYERSEMANTICS_H
