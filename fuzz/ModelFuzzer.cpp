//===- ModelFuzzer.cpp - libFuzzer target: the cnn front end --------------===//
//
// Feeds arbitrary bytes to what `cnnc` does before any pass runs: parse the
// text as a module of the cnn dialect (verifiers and shape inference run
// while parsing), analyze it as a model (forward function, parameters,
// tensor size limits) and count its FLOPs. Every outcome must be a clean
// failure or success; diagnostics are swallowed. Run by scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/FlopCount.h"
#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/Dialect/CNN/IR/CNNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    r->insert<cnnc::cnn::CNNDialect, func::FuncDialect, arith::ArithDialect,
              tensor::TensorDialect>();
    return r;
  }();
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a terminating NUL, as every file and string
  // cnnc parses has: libFuzzer's buffer ends exactly at `size`.
  std::string source(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, ParserConfig(&context));
  if (!module)
    return 0;
  FailureOr<cnnc::cnn::ModelInfo> model =
      cnnc::cnn::ModelInfo::analyze(*module, "fuzz");
  if (succeeded(model))
    (void)cnnc::cnn::countFlopsPerImage(model->forward);
  return 0;
}
