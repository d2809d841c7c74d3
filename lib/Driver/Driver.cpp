//===- Driver.cpp - the cnnc compiler driver ------------------------------===//
//
// Parses the command line, loads and verifies the model and produces what
// was asked for. Every user error ends in one located diagnostic and exit
// code 1.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Driver/Driver.h"
#include "cnnc/Driver/ModelSummary.h"
#include "cnnc/InitAllDialects.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace cnnc;

namespace {
struct DriverOptions {
  llvm::cl::opt<std::string> input{llvm::cl::Positional,
                                   llvm::cl::desc("<model.mlir>"),
                                   llvm::cl::Required};
  llvm::cl::opt<bool> summary{
      "summary", llvm::cl::desc("Print a Keras-style summary of the model")};
};
} // namespace

/// Prints `cnnc: error: <message>` and returns exit code 1.
static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "cnnc") << message << "\n";
  return 1;
}

int cnnc::runCompilerDriver(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  DriverOptions options;
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "cnnc: compiler for convolutional "
                                    "networks written in the cnn dialect\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(options.input, &errorMessage);
  if (!file)
    return fail("cannot read '" + options.input + "': " + errorMessage);
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(*sourceMgr, &context);

  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return 1;

  StringRef stem = llvm::sys::path::stem(options.input);
  FailureOr<cnn::ModelInfo> model = cnn::ModelInfo::analyze(*module, stem);
  if (failed(model))
    return 1;

  if (options.summary) {
    printModelSummary(*model, llvm::outs());
    return 0;
  }
  return fail("nothing to do: pass --summary");
}
