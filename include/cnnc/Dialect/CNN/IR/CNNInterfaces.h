//===- CNNInterfaces.h - what a layer means ---------------------*- C++ -*-===//
//
// Declares the op interfaces of CNNInterfaces.td and the context training
// synthesis hands to the training-mode form of a layer.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNINTERFACES_H
#define CNNC_DIALECT_CNN_IR_CNNINTERFACES_H

#include "cnnc/Dialect/CNN/IR/CNNDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace cnnc::cnn {

/// What the training step offers a layer's training-mode form
/// (LayerOpInterface::buildTrainingForm) and learns from it.
struct TrainingContext {
  /// The run's random seed and the optimizer step (counting from 1), both
  /// i64 scalars: random layers key their generator with them, so one step
  /// is reproducible and a resumed run draws what an uninterrupted one does.
  mlir::Value seed;
  mlir::Value step;

  /// Takes a random stream number for one random layer, so that two dropout
  /// layers of a model draw independent masks.
  int64_t takeRandomStream() { return nextRandomStream++; }

  /// Records that the step replaces the non-trainable state `current` (the
  /// value of a `cnn.param ... trainable = false` in the step) by `next`.
  void updateState(mlir::Value current, mlir::Value next) {
    stateUpdates.emplace_back(current, next);
  }

  /// The updates recorded by updateState, in order.
  llvm::SmallVector<std::pair<mlir::Value, mlir::Value>> stateUpdates;

private:
  int64_t nextRandomStream = 0;
};

} // namespace cnnc::cnn

#include "cnnc/Dialect/CNN/IR/CNNInterfaces.h.inc"

#endif // CNNC_DIALECT_CNN_IR_CNNINTERFACES_H
