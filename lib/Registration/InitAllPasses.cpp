//===- InitAllPasses.cpp - passes and pipelines of cnnc -------------------===//
//
// Registers cnnc's passes and pipelines with the global pass registry.
//
//===----------------------------------------------------------------------===//

#include "cnnc/InitAllPasses.h"

#include "mlir/Transforms/Passes.h"

void cnnc::registerAllPasses() {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
}
