//===- ModelSummary.h - Keras-style model summary ---------------*- C++ -*-===//
//
// Prints the layers of a model with their output shapes and parameter counts,
// in the layout of Keras's `model.summary()`.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DRIVER_MODELSUMMARY_H
#define CNNC_DRIVER_MODELSUMMARY_H

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "llvm/Support/raw_ostream.h"

namespace cnnc {

/// One row of the summary: a layer of the model.
struct LayerSummary {
  std::string name;       ///< e.g. "conv2d_1"
  std::string opName;     ///< e.g. "cnn.conv2d"
  std::string outputShape; ///< e.g. "(None, 26, 26, 32)"
  int64_t paramCount = 0;
};

/// Lists the layers of the model function in program order. Layers are named
/// after their parameters ("conv2d/kernel" -> "conv2d"), else after a NameLoc,
/// else numbered per kind as Keras does ("max_pooling2d_1").
llvm::SmallVector<LayerSummary> summarizeLayers(const cnn::ModelInfo &model);

/// Prints the Keras-style summary table with the parameter totals (trainable
/// and non-trainable) and the FLOPs per image. Fails, after an error at the
/// offending layer, when the FLOP count does not fit in int64.
mlir::LogicalResult printModelSummary(const cnn::ModelInfo &model,
                                      llvm::raw_ostream &os);

} // namespace cnnc

#endif // CNNC_DRIVER_MODELSUMMARY_H
