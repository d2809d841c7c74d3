//===- GradientRules.h - backward rules of cnn ops --------------*- C++ -*-===//
//
// The reverse-mode derivative of each differentiable cnn op, expressed as cnn
// ops (cnn.conv2d_grad_input, cnn.pool2d_grad, cnn.matmul, ...), so fusion
// and tiling passes see backward code the way they see forward code.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_TRANSFORMS_GRADIENTRULES_H
#define CNNC_DIALECT_CNN_TRANSFORMS_GRADIENTRULES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

namespace cnnc::cnn {

/// Builds the gradients of `op`'s operands from `resultGrad`, the gradient of
/// its (single) result. Only operands with `wanted[i]` set get a gradient;
/// the others get a null Value. Fails for ops without a gradient rule.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildOperandGradients(mlir::OpBuilder &b, mlir::Operation *op,
                      mlir::Value resultGrad, llvm::ArrayRef<bool> wanted);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_TRANSFORMS_GRADIENTRULES_H
