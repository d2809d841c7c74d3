//===- Passes.h - cnn dialect transformations -------------------*- C++ -*-===//

#ifndef CNNC_DIALECT_CNN_TRANSFORMS_PASSES_H
#define CNNC_DIALECT_CNN_TRANSFORMS_PASSES_H

#include "cnnc/Dialect/CNN/IR/CNNDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace cnnc::cnn {

/// Attribute marking a buffer-based entry point; its value names the C entry
/// ("forward", "train_step", "evaluate").
inline constexpr llvm::StringLiteral kEntryAttrName = "cnn.entry";

/// Attribute of an entry point: the position of the i64 batch-size argument
/// in its C signature, where memref arguments become pointers.
inline constexpr llvm::StringLiteral kBatchPositionAttrName =
    "cnn.c_batch_position";

/// Attribute of an entry point that takes class labels (train_step,
/// evaluate): the number of classes, so the C wrapper can reject labels
/// outside [0, classes) before the entry point touches any buffer.
inline constexpr llvm::StringLiteral kNumClassesAttrName = "cnn.num_classes";

#define GEN_PASS_DECL
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_TRANSFORMS_PASSES_H
