//===- NativeCodegen.cpp - LLVM IR to a host shared library ---------------===//

#include "cnnc/Target/NativeCodegen.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace llvm;
using namespace cnnc;

Expected<std::unique_ptr<TargetMachine>>
cnnc::createNativeTargetMachine(const CodegenOptions &options) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  Triple triple(sys::getDefaultTargetTriple());
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError("no LLVM target for %s: %s",
                             triple.str().c_str(), error.c_str());

  std::string cpu = options.cpu.empty() ? sys::getHostCPUName().str()
                                        : options.cpu;
  std::string features = options.features;
  if (options.cpu.empty() && features.empty()) {
    SubtargetFeatures hostFeatures;
    for (const auto &[name, enabled] : sys::getHostCPUFeatures())
      hostFeatures.AddFeature(name, enabled);
    features = hostFeatures.getString();
  }
  // Ask a generic subtarget, so an unknown name is reported once, by us.
  std::unique_ptr<MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return createStringError("unknown --mcpu '%s' for %s", cpu.c_str(),
                             triple.str().c_str());

  TargetOptions targetOptions;
  CodeGenOptLevel level = options.optLevel >= 3   ? CodeGenOptLevel::Aggressive
                          : options.optLevel == 2 ? CodeGenOptLevel::Default
                          : options.optLevel == 1 ? CodeGenOptLevel::Less
                                                  : CodeGenOptLevel::None;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return createStringError("cannot create a target machine for %s",
                             triple.str().c_str());
  return machine;
}

void cnnc::runLLVMPipeline(Module &module, TargetMachine &machine,
                           unsigned optLevel,
                           const PipelineTuningOptions &tuning) {
  LoopAnalysisManager loopAM;
  FunctionAnalysisManager functionAM;
  CGSCCAnalysisManager cgsccAM;
  ModuleAnalysisManager moduleAM;
  PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(moduleAM);
  builder.registerCGSCCAnalyses(cgsccAM);
  builder.registerFunctionAnalyses(functionAM);
  builder.registerLoopAnalyses(loopAM);
  builder.crossRegisterProxies(loopAM, functionAM, cgsccAM, moduleAM);
  OptimizationLevel level = optLevel >= 3   ? OptimizationLevel::O3
                            : optLevel == 2 ? OptimizationLevel::O2
                            : optLevel == 1 ? OptimizationLevel::O1
                                            : OptimizationLevel::O0;
  builder.buildPerModuleDefaultPipeline(level).run(module, moduleAM);
}

void cnnc::optimizeModule(Module &module, TargetMachine &machine,
                          unsigned optLevel) {
  module.setTargetTriple(machine.getTargetTriple());
  module.setDataLayout(machine.createDataLayout());

  PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  // LLVM's generic unroller fully unrolls the small window loops of every
  // convolution and pooling nest into huge straight-line code. Measured on
  // the reference model, 2-core Zen 4 (`cnnc-train --max-steps 100` for the
  // step, `bench/run.sh` for compile time): with unrolling 94 ms per batch-32
  // step and 6.9 s to compile, without it 60 ms and 1.1 s.
  // The vectorizer's own interleaving stays on.
  tuning.LoopUnrolling = false;
  runLLVMPipeline(module, machine, optLevel, tuning);
}

Error cnnc::emitObjectFile(Module &module, TargetMachine &machine,
                           raw_pwrite_stream &os) {
  legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  CodeGenFileType::ObjectFile))
    return createStringError("the target cannot emit object files");
  passes.run(module);
  return Error::success();
}

/// The C compiler driver used for linking: clang of the LLVM cnnc was built
/// with, else whatever `cc` is.
static Expected<std::string> findLinkerDriver() {
  for (StringRef name : {"clang-22", "cc", "clang", "gcc"})
    if (ErrorOr<std::string> path = sys::findProgramByName(name))
      return *path;
  if (ErrorOr<std::string> path =
          sys::findProgramByName("clang", {"/usr/lib/llvm-22/bin"}))
    return *path;
  return createStringError("no C compiler driver (clang-22, cc, clang, gcc) "
                           "found in PATH to link the shared library");
}

Error cnnc::linkSharedLibrary(StringRef objectPath, StringRef supportLibrary,
                              StringRef outputPath,
                              ArrayRef<std::string> runtimeLibraries) {
  Expected<std::string> driver = findLinkerDriver();
  if (!driver)
    return driver.takeError();
  SmallString<128> errorFile;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("cnnc-link", "txt", errorFile))
    return createStringError(ec, "cannot create a temporary file");
  SmallVector<StringRef> args = {*driver,       "-shared",
                                 "-o",          outputPath,
                                 objectPath,    supportLibrary,
                                 "-lm",         "-Wl,--no-undefined",
                                 "-Wl,--as-needed"};
  std::vector<std::string> runPaths;
  for (const std::string &library : runtimeLibraries)
    runPaths.push_back(
        ("-Wl,-rpath," + sys::path::parent_path(library)).str());
  for (size_t i = 0; i < runtimeLibraries.size(); ++i) {
    args.push_back(runtimeLibraries[i]);
    args.push_back(runPaths[i]);
  }
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(errorFile),
                                          StringRef(errorFile)};
  std::string execError;
  int rc = sys::ExecuteAndWait(*driver, args, std::nullopt, redirects, 0, 0,
                               &execError);
  std::string linkerOutput;
  if (auto buffer = MemoryBuffer::getFile(errorFile))
    linkerOutput = (*buffer)->getBuffer().trim().str();
  sys::fs::remove(errorFile);
  if (rc != 0)
    return createStringError("linking '%s' with %s failed%s%s%s",
                             outputPath.str().c_str(), driver->c_str(),
                             execError.empty() ? "" : ": ", execError.c_str(),
                             linkerOutput.empty()
                                 ? ""
                                 : ("\n" + linkerOutput).c_str());
  return Error::success();
}
