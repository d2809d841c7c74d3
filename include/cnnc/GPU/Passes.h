//===- Passes.h - the NVPTX back end's passes -------------------*- C++ -*-===//

#ifndef CNNC_GPU_PASSES_H
#define CNNC_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace cnnc::gpu {

/// Runtime functions the entry guards call (runtime/cuda/GpuEntry.c).
inline constexpr llvm::StringLiteral kEntryBeginFn = "cnnc_gpu_entry_begin";
inline constexpr llvm::StringLiteral kEntryEndFn = "cnnc_gpu_entry_end";

/// On the `scf.if` guarding one kernel's body inside a kernel merged by
/// cnn-gpu-fuse-independent-kernels with an alignment A (the attribute's
/// value): that kernel's range starts at a multiple of A, the merged range
/// is a multiple of A, so every aligned group of A threads takes the same
/// branches down to this guard. cnn-gpu-stage-shared-tiles puts barriers
/// in such kernels when A is the block size.
inline constexpr llvm::StringLiteral kAlignedSegmentAttr =
    "cnnc.aligned_segment";

#define GEN_PASS_DECL
#include "cnnc/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cnnc/GPU/Passes.h.inc"

/// Dialects, interfaces and LLVM IR translations the GPU pipeline needs
/// (gpu, nvvm, their translations and the offloading handler).
void registerGPUDialects(mlir::DialectRegistry &registry);

} // namespace cnnc::gpu

#endif // CNNC_GPU_PASSES_H
