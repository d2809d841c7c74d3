//===- EntryPoints.h - shared pieces of entry-point synthesis ---*- C++ -*-===//
//
// Inference and training entry points both start from the model's forward
// function with its weights read from one flat parameter buffer.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_TRANSFORMS_ENTRYPOINTS_H
#define CNNC_DIALECT_CNN_TRANSFORMS_ENTRYPOINTS_H

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace cnnc::cnn {

/// Checks that `forward` holds only cnn ops and its return.
mlir::LogicalResult verifyOnlyLayers(mlir::func::FuncOp forward);

/// The memref type a tensor type becomes at the ABI boundary.
mlir::MemRefType toMemRef(mlir::RankedTensorType type);

/// Clones the body of `model.forward` at the builder's insertion point, with
/// the images replaced by `images` and every cnn.param by a view of the flat
/// `params` tensor. Records the correspondence in `mapping` and returns the
/// logits. Layers run in inference mode.
mlir::Value inlineForward(mlir::OpBuilder &b, const ModelInfo &model,
                          mlir::Value params, mlir::Value images,
                          mlir::IRMapping &mapping);

/// inlineForward in training mode: layers with a training behaviour are
/// replaced by their training form (LayerOpInterface::buildTrainingForm),
/// which may record state updates in `context`. Appends every operation
/// created after the parameter views to `ops`, in order. Fails when a
/// training form cannot be built.
mlir::FailureOr<mlir::Value>
inlineTrainingForward(mlir::OpBuilder &b, const ModelInfo &model,
                      mlir::Value params, mlir::Value images,
                      mlir::IRMapping &mapping, TrainingContext &context,
                      llvm::SmallVectorImpl<mlir::Operation *> &ops);

/// Creates `func.func @name(argTypes) attributes {cnn.entry = kind,
/// cnn.c_batch_position = batchPosition}` before `anchor`, with an entry
/// block, and leaves the builder at its start. Without a batch position the
/// C signature has no batch argument (every buffer is static).
mlir::func::FuncOp createEntryPoint(mlir::OpBuilder &b,
                                    mlir::Operation *anchor,
                                    llvm::StringRef name, llvm::StringRef kind,
                                    mlir::TypeRange argTypes,
                                    std::optional<int64_t> batchPosition);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_TRANSFORMS_ENTRYPOINTS_H
