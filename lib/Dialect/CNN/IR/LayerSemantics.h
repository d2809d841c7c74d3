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
/// piecewise-linear ones, a few for those that evaluate exp/erf.
int64_t activationFlops(Activation activation);

/// The gradient before a fused activation whose output is `output`.
mlir::Value throughActivation(mlir::OpBuilder &b, mlir::Location loc,
                              Activation activation, mlir::Value output,
                              mlir::Value outputGrad);

/// The gradient of a per-channel bias: `grad` summed over every dimension
/// but the last.
mlir::Value biasGradient(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value grad, mlir::Value bias);

} // namespace cnnc::cnn::detail

#endif // CNNC_LIB_DIALECT_CNN_IR_LAYERSEMANTICS_H
