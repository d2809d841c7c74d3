//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//

#ifndef CNNC_CODEGEN_PASSES_H
#define CNNC_CODEGEN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace cnnc::codegen {

#define GEN_PASS_DECL
#include "cnnc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cnnc/Codegen/Passes.h.inc"

} // namespace cnnc::codegen

#endif // CNNC_CODEGEN_PASSES_H
