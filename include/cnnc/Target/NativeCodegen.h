//===- NativeCodegen.h - LLVM IR to a host shared library -------*- C++ -*-===//
//
// The back half of `cnnc`: a TargetMachine for the host (or a chosen CPU),
// the LLVM optimization pipeline, in-process object emission, and the one
// place that invokes the system linker to produce the shared library.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_TARGET_NATIVECODEGEN_H
#define CNNC_TARGET_NATIVECODEGEN_H

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace cnnc {

struct CodegenOptions {
  std::string cpu;      ///< empty: the host CPU
  std::string features; ///< empty: the host CPU's features (with cpu empty)
  unsigned optLevel = 3;
};

/// A TargetMachine for the host triple; fails on an unknown CPU name.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createNativeTargetMachine(const CodegenOptions &options);

/// Runs LLVM's default -O<level> module pipeline for `machine`.
void runLLVMPipeline(llvm::Module &module, llvm::TargetMachine &machine,
                     unsigned optLevel,
                     const llvm::PipelineTuningOptions &tuning = {});

/// Sets triple and data layout, then runs the default -O<level> pipeline
/// (without LLVM's generic loop unroller, see NativeCodegen.cpp).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                    unsigned optLevel);

/// Writes a relocatable object file.
llvm::Error emitObjectFile(llvm::Module &module, llvm::TargetMachine &machine,
                           llvm::raw_pwrite_stream &os);

/// Links `objectPath` and the support library into a shared library at
/// `outputPath` with the system C compiler driver. `runtimeLibraries` are
/// shared libraries the generated code calls (the OpenMP runtime); each is
/// linked by path and its directory added to the library's run path.
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef supportLibrary,
                              llvm::StringRef outputPath,
                              llvm::ArrayRef<std::string> runtimeLibraries = {});

} // namespace cnnc

#endif // CNNC_TARGET_NATIVECODEGEN_H
