//===- InitAllDialects.cpp - dialects used by cnnc's tools ----------------===//
//
// The one list of dialects cnnc's tools load: `cnn` plus the upstream
// dialects its pipelines lower through.
//
//===----------------------------------------------------------------------===//

#include "cnnc/InitAllDialects.h"
#include "cnnc/Dialect/CNN/IR/CNNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void cnnc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<cnn::CNNDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::tensor::TensorDialect>();
}
