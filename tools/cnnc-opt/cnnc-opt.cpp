//===- cnnc-opt.cpp - cnnc's optimizer driver -----------------------------===//
//
// mlir-opt for cnnc: the `cnn` dialect, the project's passes and pipelines,
// and the upstream dialects and passes that the pipelines use.
//
//===----------------------------------------------------------------------===//

#include "cnnc/InitAllDialects.h"
#include "cnnc/InitAllPasses.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  cnnc::registerAllDialects(registry);
  cnnc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "cnnc optimizer driver\n", registry));
}
