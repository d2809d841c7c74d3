//===- ModelInfo.h - what a cnn model file declares -------------*- C++ -*-===//
//
// Finds the model in a module (its name, forward function, input and output
// types) and lays out its parameters in one flat buffer. The model summary,
// the training-step synthesis and the generated library's parameter table all
// read this one description.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_ANALYSIS_MODELINFO_H
#define CNNC_DIALECT_CNN_ANALYSIS_MODELINFO_H

#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace cnnc::cnn {

/// One parameter tensor and its place in the flat parameter buffer.
struct ParamInfo {
  ParamOp op;
  std::string name;
  llvm::SmallVector<int64_t, 4> shape;
  Initializer init;
  int64_t offset = 0; ///< first element in the flat buffer
  int64_t size = 0;   ///< number of elements
  int64_t fanIn = 1;  ///< Keras fans, for the variance-scaling initializers
  int64_t fanOut = 1;
  bool trainable = true; ///< false: model state the optimizer never updates
};

/// The model a module describes.
struct ModelInfo {
  std::string name;           ///< C identifier; prefixes exported symbols
  mlir::func::FuncOp forward; ///< images -> logits
  mlir::RankedTensorType inputType;
  mlir::RankedTensorType outputType;
  /// In buffer order: the trainable tensors in declaration order, then the
  /// non-trainable ones in declaration order.
  llvm::SmallVector<ParamInfo> params;
  int64_t paramElements = 0;     ///< total floats of all parameters
  int64_t trainableElements = 0; ///< floats of the trainable prefix

  /// Number of classes: the last dimension of the logits.
  int64_t numClasses() const { return outputType.getShape().back(); }

  /// Analyzes `module`. The model is the public `func.func @forward` (or the
  /// only public function); its name is the module's symbol name, else
  /// `defaultName`. Emits a located error and fails when the module does not
  /// describe a model cnnc can compile.
  static mlir::FailureOr<ModelInfo> analyze(mlir::ModuleOp module,
                                            llvm::StringRef defaultName);
};

/// Keras's fan-in and fan-out of a weight tensor of the given shape.
std::pair<int64_t, int64_t> computeFans(llvm::ArrayRef<int64_t> shape);

/// Whether `name` is a valid C identifier (the model name prefixes symbols).
bool isCIdentifier(llvm::StringRef name);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_ANALYSIS_MODELINFO_H
