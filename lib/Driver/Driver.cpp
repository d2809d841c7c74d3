//===- Driver.cpp - the cnnc compiler driver ------------------------------===//
//
// Parses the command line, loads and verifies the model, runs the CPU
// pipeline up to the requested stage and writes the artifact: IR at some
// stage, an object file, or the shared library. Every user error ends in one
// diagnostic and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Driver/Driver.h"
#include "cnnc/Dialect/CNN/Analysis/FlopCount.h"
#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/Driver/ModelSummary.h"
#include "cnnc/InitAllDialects.h"
#include "cnnc/Pipelines/GPUPipeline.h"
#include "cnnc/Pipelines/Pipelines.h"
#include "cnnc/Runtime/abi.h"
#include "cnnc/Target/GPUBinary.h"
#include "cnnc/Target/Keras/KerasImport.h"
#include "cnnc/Target/ModelDescriptor.h"
#include "cnnc/Target/NativeCodegen.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"

#include <cmath>

using namespace mlir;
using namespace cnnc;

namespace {

enum class EmitKind { CNN, Linalg, LLVMMLIR, LLVMIR, PTX, Object, SharedLibrary };

struct DriverOptions {
  llvm::cl::OptionCategory category{"Compiler options"};
  llvm::cl::opt<std::string> input{llvm::cl::Positional,
                                   llvm::cl::desc("<model.mlir | model.keras "
                                                  "| model.h5 | model.json>"),
                                   llvm::cl::Required, llvm::cl::cat(category)};
  llvm::cl::opt<std::string> output{
      "o", llvm::cl::desc("Output file (default: <model>.so, <model>.o, or "
                          "stdout for textual IR)"),
      llvm::cl::value_desc("path"), llvm::cl::cat(category)};
  llvm::cl::opt<EmitKind> emit{
      "emit", llvm::cl::desc("What to produce"),
      llvm::cl::init(EmitKind::SharedLibrary),
      llvm::cl::values(
          clEnumValN(EmitKind::CNN, "cnn", "the verified cnn IR"),
          clEnumValN(EmitKind::Linalg, "linalg",
                     "entry points lowered to linalg on tensors"),
          clEnumValN(EmitKind::LLVMMLIR, "llvm-mlir",
                     "the LLVM dialect before translation"),
          clEnumValN(EmitKind::LLVMIR, "llvm-ir", "optimized LLVM IR"),
          clEnumValN(EmitKind::PTX, "ptx",
                     "the kernels' PTX (--target=nvptx only)"),
          clEnumValN(EmitKind::Object, "obj", "a relocatable object file"),
          clEnumValN(EmitKind::SharedLibrary, "so",
                     "a shared library with the C ABI (default)")),
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> header{
      "emit-header",
      llvm::cl::desc("Also write the C header declaring the library's API"),
      llvm::cl::value_desc("model.h"), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> weights{
      "emit-weights",
      llvm::cl::desc("Keras models: where to write the saved weights as a raw "
                     "float32 parameter file (default with -o X.so: "
                     "X.weights)"),
      llvm::cl::value_desc("model.weights"), llvm::cl::cat(category)};
  llvm::cl::opt<bool> summary{
      "summary", llvm::cl::desc("Print a Keras-style summary of the model"),
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> target{
      "target",
      llvm::cl::desc("host (default: the CPU cnnc runs on), nvptx (NVIDIA "
                     "GPU kernels, docs/gpu.md) or nvptx-emulated (testing: "
                     "the GPU kernels' loops run on the host CPU)"),
      llvm::cl::init("host"), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> gpuArch{
      "gpu-arch",
      llvm::cl::desc("GPU architecture for --target=nvptx (default sm_90), or "
                     "a list such as sm_80,sm_90: a cubin and a PTX for "
                     "each, the runtime loads the one the device runs"),
      llvm::cl::init("sm_90"), llvm::cl::cat(category)};
  llvm::cl::opt<int> gpuLanes{
      "gpu-lanes",
      llvm::cl::desc("GPU targets: outputs each thread computes along one "
                     "dimension (default 4; 1 turns thread coarsening off)"),
      llvm::cl::init(4), llvm::cl::cat(category)};
  llvm::cl::opt<int64_t> gpuSharedTileBytes{
      "gpu-shared-tile-bytes",
      llvm::cl::desc("GPU targets: largest operand tile a kernel stages in "
                     "shared memory, in bytes (default 8192; 0 turns "
                     "shared-memory tiles off)"),
      llvm::cl::init(8192), llvm::cl::cat(category)};
  llvm::cl::opt<bool> gpuEmulateAllShares{
      "gpu-emulate-all-shares",
      llvm::cl::desc("--target=nvptx-emulated, testing: each thread runs "
                     "every thread's share of the shared-memory tile copies, "
                     "divided as on the GPU"),
      llvm::cl::init(false), llvm::cl::Hidden, llvm::cl::cat(category)};
  llvm::cl::opt<int64_t> gpuCoarsenMinThreads{
      "gpu-coarsen-min-threads",
      llvm::cl::desc("GPU targets, testing: coarsen kernels that keep at "
                     "least this many threads (default 16384; 1: all)"),
      llvm::cl::init(16384), llvm::cl::Hidden, llvm::cl::cat(category)};
  llvm::cl::opt<std::string> ptxas{
      "ptxas",
      llvm::cl::desc("--target=nvptx: ptxas building the embedded cubin: "
                     "auto (default; the CUDA toolkit's when present), none "
                     "(PTX only), or a path"),
      llvm::cl::init("auto"), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> cpu{
      "mcpu", llvm::cl::desc("Target CPU (default: the host CPU)"),
      llvm::cl::value_desc("name"), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> features{
      "mattr",
      llvm::cl::desc("Target features, e.g. +avx2,+fma (default: the host's "
                     "when --mcpu is not given)"),
      llvm::cl::value_desc("features"), llvm::cl::cat(category)};
  llvm::cl::opt<unsigned> optLevel{
      "O", llvm::cl::desc("LLVM optimization level 0-3 (default 3)"),
      llvm::cl::Prefix, llvm::cl::init(3), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> optimizer{
      "optimizer",
      llvm::cl::desc("Optimizer compiled into train_step: adam (default), "
                     "adamw, sgd, rmsprop, or none for an inference-only "
                     "library"),
      llvm::cl::init("adam"), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> loss{
      "loss",
      llvm::cl::desc("Training loss: sparse_categorical_crossentropy "
                     "(default), categorical_crossentropy, mean_squared_error"),
      llvm::cl::init("sparse_categorical_crossentropy"),
      llvm::cl::cat(category)};
  llvm::cl::opt<float> momentum{
      "momentum", llvm::cl::desc("SGD or RMSprop momentum (default 0)"),
      llvm::cl::init(0.0f), llvm::cl::cat(category)};
  llvm::cl::opt<bool> nesterov{"nesterov",
                               llvm::cl::desc("SGD with Nesterov momentum"),
                               llvm::cl::cat(category)};
  llvm::cl::opt<float> weightDecay{
      "weight-decay",
      llvm::cl::desc("Decoupled weight decay, Keras weight_decay: p -= lr * "
                     "wd * p before each update (default 0.004 with adamw, "
                     "none otherwise)"),
      llvm::cl::init(-1.0f), llvm::cl::cat(category)};
  llvm::cl::opt<float> beta1{"beta1",
                             llvm::cl::desc("Adam/AdamW beta_1 (default 0.9)"),
                             llvm::cl::init(0.9f), llvm::cl::cat(category)};
  llvm::cl::opt<float> beta2{
      "beta2", llvm::cl::desc("Adam/AdamW beta_2 (default 0.999)"),
      llvm::cl::init(0.999f), llvm::cl::cat(category)};
  llvm::cl::opt<float> epsilon{
      "epsilon", llvm::cl::desc("Adam/AdamW/RMSprop epsilon (default 1e-7)"),
      llvm::cl::init(1e-7f), llvm::cl::cat(category)};
  llvm::cl::opt<float> rho{"rho", llvm::cl::desc("RMSprop rho (default 0.9)"),
                           llvm::cl::init(0.9f), llvm::cl::cat(category)};
  llvm::cl::opt<bool> centered{
      "centered", llvm::cl::desc("Centered RMSprop (Keras centered=True)"),
      llvm::cl::cat(category)};
  llvm::cl::list<std::string> disable{
      "disable",
      llvm::cl::desc("Switch optimizations off (comma-separated): "
                     "fuse-activations, fuse-activation-grads, "
                     "fuse-elementwise, fuse-accumulators, fuse-epilogues, "
                     "fuse-pooling, vectorize, vectorize-depthwise, fold-batch-norm"),
      llvm::cl::CommaSeparated, llvm::cl::value_desc("name,..."),
      llvm::cl::cat(category)};
  llvm::cl::opt<bool> parallel{
      "parallel",
      llvm::cl::desc("Distribute the kernels' tiles over OpenMP threads "
                     "(default on; the thread count is chosen at run time: "
                     "OMP_NUM_THREADS, CNNC_NUM_THREADS, cnnc-train --threads)"),
      llvm::cl::init(true), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> supportLibrary{
      "support-library",
      llvm::cl::desc("libcnnc_support.a to link (default: ../lib next to "
                     "cnnc)"),
      llvm::cl::Hidden, llvm::cl::cat(category)};
};

/// Prints `cnnc: error: <message>` and returns exit code 1.
int fail(const llvm::Twine &message);

/// `--help` lists cnnc's own options (`category`) and a few general ones;
/// the options linked in from LLVM's back ends and MLIR are listed by
/// `--help-hidden` only.
void showOwnOptionsFirst(llvm::cl::OptionCategory &category) {
  static const llvm::StringRef kShown[] = {"help", "help-hidden", "version",
                                           "mlir-print-op-on-diagnostic",
                                           "mlir-timing"};
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    llvm::cl::Option *option = entry.second;
    bool own = llvm::is_contained(option->Categories, &category);
    if (!own && !llvm::is_contained(kShown, entry.first))
      option->setHiddenFlag(llvm::cl::Hidden);
  }
}

/// Turns off the pipeline options named by --disable.
LogicalResult applyDisabledOptimizations(ArrayRef<std::string> names,
                                         CPUPipelineOptions &options) {
  for (const std::string &name : names) {
    if (name == "fuse-activations")
      options.fuseActivations = false;
    else if (name == "fuse-activation-grads")
      options.fuseActivationGrads = false;
    else if (name == "fuse-elementwise")
      options.fuseElementwise = false;
    else if (name == "fuse-accumulators")
      options.fuseAccumulators = false;
    else if (name == "fuse-epilogues")
      options.fuseEpilogues = false;
    else if (name == "vectorize")
      options.vectorize = false;
    else if (name == "fuse-pooling")
      options.fusePooling = false;
    else if (name == "vectorize-depthwise")
      options.vectorizeDepthwise = false;
    else if (name == "fold-batch-norm")
      options.foldBatchNorm = false;
    else {
      fail("--disable=" + name +
           ": expected fuse-activations, fuse-activation-grads, "
           "fuse-elementwise, fuse-accumulators, fuse-epilogues, fuse-pooling, "
           "vectorize, vectorize-depthwise or fold-batch-norm");
      return failure();
    }
  }
  return success();
}

/// Prints `cnnc: error: <message>` and returns exit code 1.
int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "cnnc") << message << "\n";
  return 1;
}

int fail(llvm::Error error) {
  return fail(llvm::toString(std::move(error)));
}

/// Checks --optimizer and the hyperparameter flags: each flag must belong
/// to the chosen optimizer and lie in its range. Returns 0, or 1 after
/// printing the error.
int checkOptimizerFlags(const DriverOptions &options) {
  StringRef name = options.optimizer;
  if (name != "adam" && name != "adamw" && name != "sgd" && name != "rmsprop" &&
      name != "none")
    return fail("--optimizer=" + name +
                ": expected adam, adamw, sgd, rmsprop or none");
  bool adam = name == "adam" || name == "adamw";
  // A flag given for an optimizer that has no such hyperparameter.
  auto misplaced = [&](const llvm::cl::Option &flag, bool applies,
                       StringRef owners) {
    if (!flag.getNumOccurrences() || applies)
      return false;
    fail("--" + flag.ArgStr + " needs --optimizer=" + owners +
         " (got --optimizer=" + name + ")");
    return true;
  };
  if (misplaced(options.momentum, name == "sgd" || name == "rmsprop",
                "sgd or rmsprop") ||
      misplaced(options.nesterov, name == "sgd", "sgd") ||
      misplaced(options.beta1, adam, "adam or adamw") ||
      misplaced(options.beta2, adam, "adam or adamw") ||
      misplaced(options.epsilon, adam || name == "rmsprop",
                "adam, adamw or rmsprop") ||
      misplaced(options.rho, name == "rmsprop", "rmsprop") ||
      misplaced(options.centered, name == "rmsprop", "rmsprop") ||
      misplaced(options.weightDecay, name != "none",
                "adam, adamw, sgd or rmsprop"))
    return 1;
  // Ranges; `!(x >= 0)` also rejects NaN.
  auto inUnitInterval = [](float x) { return x >= 0.0f && x < 1.0f; };
  if (!inUnitInterval(options.momentum))
    return fail("--momentum must be in [0, 1)");
  if (!inUnitInterval(options.beta1) || !inUnitInterval(options.beta2))
    return fail("--beta1 and --beta2 must be in [0, 1)");
  if (!inUnitInterval(options.rho))
    return fail("--rho must be in [0, 1)");
  if (!(options.epsilon > 0.0f) || !std::isfinite(options.epsilon))
    return fail("--epsilon must be positive and finite");
  if (options.weightDecay.getNumOccurrences() &&
      (!(options.weightDecay >= 0.0f) || !std::isfinite(options.weightDecay)))
    return fail("--weight-decay must be non-negative and finite");
  return 0;
}

/// A module's `cnn.training_config` (the compile configuration of a Keras
/// model) supplies the training flags the command line leaves out; with
/// --optimizer given, none of the saved optimizer's hyperparameters apply.
/// Returns 0, or 1 after printing the error.
int applyTrainingDefaults(ModuleOp module, DriverOptions &options) {
  llvm::Expected<keras::TrainingDefaults> defaults =
      keras::getTrainingDefaults(module);
  if (!defaults)
    return fail(defaults.takeError());
  if (defaults->loss && !options.loss.getNumOccurrences())
    options.loss = *defaults->loss;
  if (!defaults->optimizer || options.optimizer.getNumOccurrences())
    return 0;
  options.optimizer = *defaults->optimizer;
  auto apply = [](auto &flag, const auto &value) {
    using T = std::decay_t<decltype(flag.getValue())>;
    if (value && !flag.getNumOccurrences())
      flag = static_cast<T>(*value);
  };
  apply(options.beta1, defaults->beta1);
  apply(options.beta2, defaults->beta2);
  apply(options.epsilon, defaults->epsilon);
  apply(options.momentum, defaults->momentum);
  apply(options.rho, defaults->rho);
  apply(options.weightDecay, defaults->weightDecay);
  apply(options.nesterov, defaults->nesterov);
  apply(options.centered, defaults->centered);
  return 0;
}

/// Blocks of trainable_elements floats of optimizer state, in the layout
/// of cnn-synthesize-training: Adam/AdamW m, v; SGD the velocity; RMSprop
/// the velocity, the momentum buffer (momentum > 0), the average gradient
/// (centered).
int64_t optimizerStateBlocks(const DriverOptions &options) {
  StringRef name = options.optimizer;
  if (name == "adam" || name == "adamw")
    return 2;
  if (name == "rmsprop")
    return 1 + (options.momentum > 0.0f ? 1 : 0) + (options.centered ? 1 : 0);
  return 1;
}

/// The ABI's view of the analyzed model.
ModelDescription describe(const cnn::ModelInfo &model) {
  ModelDescription description;
  description.name = model.name;
  ArrayRef<int64_t> shape = model.inputType.getShape();
  // NHWC; inputs of rank 2 ([batch, features]) or 3 read as H x W x C.
  description.inputShape = {-1, shape.size() > 2 ? shape[1] : 1,
                            shape.size() > 3 ? shape[2] : 1, shape.back()};
  if (shape.size() == 3)
    description.inputShape = {-1, shape[1], shape[2], 1};
  description.numClasses = model.numClasses();
  description.paramElements = model.paramElements;
  description.trainableElements = model.trainableElements;
  for (const cnn::ParamInfo &param : model.params)
    description.params.push_back({param.name, param.offset, param.size,
                                  param.shape, static_cast<int32_t>(param.init),
                                  param.fanIn, param.fanOut, param.trainable});
  return description;
}

std::string defaultOutput(StringRef input, EmitKind emit) {
  StringRef stem = llvm::sys::path::stem(input);
  switch (emit) {
  case EmitKind::SharedLibrary:
    return (stem + ".so").str();
  case EmitKind::Object:
    return (stem + ".o").str();
  default:
    return "-";
  }
}

std::string findSupportLibrary(const char *argv0, StringRef override,
                               StringRef name) {
  if (!override.empty())
    return override.str();
  std::string executable = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&runCompilerDriver));
  SmallString<256> path(llvm::sys::path::parent_path(executable));
  llvm::sys::path::append(path, "..", "lib", name);
  return std::string(path);
}

/// Writes `contents` to `path` ("-" is stdout) through a ToolOutputFile, so
/// a failed run leaves no partial file behind.
template <typename WriteFn>
int writeOutput(StringRef path, WriteFn &&write) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail("cannot write '" + path + "': " + error);
  write(file->os());
  file->keep();
  return 0;
}

/// The PTX of every gpu.binary in `module`, concatenated.
llvm::Error collectPTX(ModuleOp module, std::string &ptx) {
  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      llvm::Expected<std::vector<GPUImage>> images =
          unpackGPUImages(object.getObject().getValue());
      if (!images)
        return images.takeError();
      for (const GPUImage &image : *images)
        if (image.kind == 2 /* CNNC_GPU_IMAGE_PTX */)
          ptx += StringRef(image.bytes).rtrim('\0');
    }
  return llvm::Error::success();
}

} // namespace

int cnnc::runCompilerDriver(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  DriverOptions options;
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  showOwnOptionsFirst(options.category);
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "cnnc " CNNC_VERSION " (model ABI version " << CNNC_ABI_VERSION
       << "), built with LLVM/MLIR " LLVM_VERSION_STRING "\n";
  });
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "cnnc: compiles a convolutional network written in the cnn dialect to "
      "a shared library\n");
  bool gpu = options.target == "nvptx";
  bool emulated = options.target == "nvptx-emulated";
  if (!gpu && !emulated && options.target != "host")
    return fail("--target=" + options.target +
                ": expected host, nvptx or nvptx-emulated");
  std::optional<llvm::SmallVector<std::string>> gpuArchs =
      parseGPUArchList(options.gpuArch);
  if (gpu && !gpuArchs)
    return fail("--gpu-arch=" + options.gpuArch +
                ": expected sm_<major><minor>, e.g. sm_80 or sm_90, or a "
                "list such as sm_80,sm_90 without repeats");
  if (options.gpuLanes < 1 || options.gpuLanes > 16)
    return fail("--gpu-lanes=" + llvm::Twine(options.gpuLanes.getValue()) +
                ": expected 1 to 16");
  if (options.gpuSharedTileBytes < 0 || options.gpuSharedTileBytes > 49152)
    return fail("--gpu-shared-tile-bytes=" +
                llvm::Twine(options.gpuSharedTileBytes.getValue()) +
                ": expected 0 to 49152 (static shared memory per block)");
  if (options.gpuEmulateAllShares && !emulated)
    return fail("--gpu-emulate-all-shares needs --target=nvptx-emulated");
  if (options.gpuCoarsenMinThreads < 1)
    return fail("--gpu-coarsen-min-threads=" +
                llvm::Twine(options.gpuCoarsenMinThreads.getValue()) +
                ": expected at least 1");
  if (!gpu && options.emit == EmitKind::PTX)
    return fail("--emit=ptx needs --target=nvptx");
  if (options.emit == EmitKind::PTX && gpuArchs && gpuArchs->size() > 1)
    return fail("--emit=ptx prints one architecture's PTX; --gpu-arch=" +
                options.gpuArch + " names " +
                llvm::Twine(gpuArchs->size()));
  if (gpu) {
    if (llvm::Expected<std::optional<std::string>> found =
            findPtxas(options.ptxas);
        !found)
      return fail(found.takeError());
  }
  if (options.optLevel > 3)
    return fail("-O" + llvm::Twine(options.optLevel) +
                ": the optimization level must be 0, 1, 2 or 3");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // A model error is one message at its location; the operation it concerns
  // (a dump of up to thousands of lines) only with
  // --mlir-print-op-on-diagnostic.
  llvm::cl::Option *printOp =
      llvm::cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic");
  if (!printOp || printOp->getNumOccurrences() == 0)
    context.printOpOnDiagnostic(false);

  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  SourceMgrDiagnosticHandler diagnostics(*sourceMgr, &context);
  OwningOpRef<ModuleOp> module;
  // Saved weights of a Keras model, in the parameter buffer's layout.
  std::vector<float> kerasWeights;
  if (keras::isKerasModelPath(options.input)) {
    keras::ImportOptions importOptions;
    importOptions.ignoreOptimizer = options.optimizer.getNumOccurrences();
    if (options.loss.getNumOccurrences())
      importOptions.loss = options.loss;
    llvm::Expected<keras::ImportedModel> imported =
        keras::importKerasFile(options.input, context, importOptions);
    if (!imported)
      return fail(imported.takeError());
    for (const std::string &warning : imported->warnings)
      llvm::WithColor::warning(llvm::errs(), "cnnc") << warning << "\n";
    module = std::move(imported->module);
    kerasWeights = std::move(imported->weights);
  } else {
    std::string errorMessage;
    std::unique_ptr<llvm::MemoryBuffer> file =
        openInputFile(options.input, &errorMessage);
    if (!file)
      return fail("cannot read '" + options.input + "': " + errorMessage);
    sourceMgr->AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
    if (!module)
      return 1;
  }
  if (applyTrainingDefaults(*module, options) || checkOptimizerFlags(options))
    return 1;
  if (!cnn::symbolizeLossKind(options.loss))
    return fail("--loss=" + options.loss +
                ": expected sparse_categorical_crossentropy, "
                "categorical_crossentropy or mean_squared_error");

  StringRef stem = llvm::sys::path::stem(options.input);
  FailureOr<cnn::ModelInfo> model = cnn::ModelInfo::analyze(*module, stem);
  if (failed(model))
    return 1;
  if (options.summary) {
    if (failed(printModelSummary(*model, llvm::outs())))
      return 1;
    if (options.output.empty() && options.header.empty())
      return 0;
  }
  ModelDescription description = describe(*model);
  FailureOr<int64_t> forwardFlops = cnn::countFlopsPerImage(model->forward);
  if (failed(forwardFlops))
    return 1;
  description.forwardFlops = *forwardFlops;
  if (gpu)
    description.target = "nvptx";
  if (options.optimizer != "none") {
    description.optimizer = options.optimizer;
    description.loss = options.loss;
    std::optional<int64_t> stateElements = llvm::checkedMul<int64_t>(
        optimizerStateBlocks(options), description.trainableElements);
    if (!stateElements)
      return fail("the optimizer state of '" + options.input +
                  "' has more elements than fit in int64");
    description.optStateElements = *stateElements;
  }
  EmitKind emit = options.emit;
  std::string output = options.output.empty()
                           ? defaultOutput(options.input, emit)
                           : options.output.getValue();

  if (!options.header.empty() &&
      writeOutput(options.header, [&](llvm::raw_ostream &os) {
        emitModelHeader(description, os);
      }))
    return 1;
  // A Keras model's weights go next to the library (docs/keras.md).
  std::string weightsPath = options.weights;
  if (weightsPath.empty() && emit == EmitKind::SharedLibrary &&
      !kerasWeights.empty()) {
    SmallString<128> path(output);
    llvm::sys::path::replace_extension(path, "weights");
    weightsPath = std::string(path);
  }
  if (!weightsPath.empty()) {
    if (kerasWeights.empty())
      return fail("--emit-weights needs a Keras model saved with weights "
                  "(.keras or .h5), got '" +
                  options.input + "'");
    if (llvm::Error error = keras::writeWeightsFile(weightsPath, kerasWeights))
      return fail("cannot write '" + weightsPath +
                  "': " + llvm::toString(std::move(error)));
  }
  // Validate the target before spending time on the pipeline.
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createNativeTargetMachine(
          {options.cpu, options.features, options.optLevel});
  if (!machine)
    return fail(machine.takeError());
  // The CPU's vector registers go into the IR, where the kernel passes read
  // them, so that cnnc-opt reproduces this compilation from --emit=cnn on
  // any host. AVX-512VL gives the 256-bit kernels 32 registers instead of 16.
  if (!gpu && !emulated) {
    // A model without cnn ops has not loaded the dialect yet.
    context.getOrLoadDialect<cnn::CNNDialect>();
    (*module)->setAttr(
        cnn::CPUTargetAttr::getAttrName(),
        cnn::CPUTargetAttr::get(
            &context, /*vectorWidth=*/8,
            (*machine)->getMCSubtargetInfo()->checkFeatures("+avx512vl") ? 32
                                                                         : 16));
  }

  if (emit == EmitKind::CNN)
    return writeOutput(output, [&](llvm::raw_ostream &os) {
      module->print(os);
      os << "\n";
    });

  // A shared library is linked next to the output and renamed into place;
  // check that both the output directory and the support library are usable
  // before spending time on compilation.
  // CPU kernels on threads link the OpenMP runtime.
  bool openmp = options.parallel && !gpu && !emulated;
  if (emit == EmitKind::SharedLibrary && openmp &&
      !llvm::sys::fs::exists(CNNC_OPENMP_LIBRARY))
    return fail("--parallel needs the OpenMP runtime '" CNNC_OPENMP_LIBRARY
                "' (Debian: libomp-22-dev); compile with --parallel=false "
                "for single-threaded kernels");
  std::string supportLibrary;
  SmallString<256> stagingPath;
  llvm::FileRemover removeStaging;
  if (emit == EmitKind::SharedLibrary) {
    // GPU libraries also link the CUDA driver layer (runtime/cuda).
    StringRef supportName =
        gpu ? "libcnnc_gpu_support.a" : "libcnnc_support.a";
    supportLibrary =
        findSupportLibrary(argv[0], options.supportLibrary, supportName);
    if (!llvm::sys::fs::exists(supportLibrary))
      return fail("cannot find the support library '" + supportLibrary +
                  "' (build the " +
                  (gpu ? "cnnc_gpu_support" : "cnnc_support") + " target)");
    int stagingFd;
    if (std::error_code ec = llvm::sys::fs::createUniqueFile(
            output + ".tmp-%%%%%%", stagingFd, stagingPath))
      return fail("cannot write '" + output + "': " + ec.message());
    llvm::sys::Process::SafelyCloseFileDescriptor(stagingFd);
    removeStaging.setFile(stagingPath);
  }

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  CPUPipelineOptions pipelineOptions;
  pipelineOptions.modelName = description.name;
  pipelineOptions.optimizer = options.optimizer;
  pipelineOptions.loss = options.loss;
  pipelineOptions.momentum = options.momentum;
  pipelineOptions.nesterov = options.nesterov;
  pipelineOptions.weightDecay = options.weightDecay;
  pipelineOptions.beta1 = options.beta1;
  pipelineOptions.beta2 = options.beta2;
  pipelineOptions.epsilon = options.epsilon;
  pipelineOptions.rho = options.rho;
  pipelineOptions.centered = options.centered;
  pipelineOptions.parallel = options.parallel;
  if (failed(applyDisabledOptimizations(options.disable, pipelineOptions)))
    return 1;
  if ((gpu || emulated) && emit != EmitKind::Linalg) {
    GPUPipelineOptions gpuOptions;
    gpuOptions.modelName = description.name;
    gpuOptions.optimizer = options.optimizer;
    gpuOptions.loss = options.loss;
    gpuOptions.momentum = options.momentum;
    gpuOptions.nesterov = options.nesterov;
    gpuOptions.foldBatchNorm = pipelineOptions.foldBatchNorm;
    gpuOptions.weightDecay = options.weightDecay;
    gpuOptions.beta1 = options.beta1;
    gpuOptions.beta2 = options.beta2;
    gpuOptions.epsilon = options.epsilon;
    gpuOptions.rho = options.rho;
    gpuOptions.centered = options.centered;
    gpuOptions.chip = options.gpuArch;
    gpuOptions.ptxas = options.ptxas;
    gpuOptions.lanes = options.gpuLanes;
    gpuOptions.coarsenMinThreads = options.gpuCoarsenMinThreads;
    gpuOptions.sharedTileBytes = options.gpuSharedTileBytes;
    gpuOptions.emulateAllShares = options.gpuEmulateAllShares;
    buildGPUPipeline(pm, gpuOptions,
                     emulated ? GPUPipelineStage::HostEmulation
                              : GPUPipelineStage::Binary);
  } else {
    buildCPUPipeline(pm, pipelineOptions,
                     emit == EmitKind::Linalg ? PipelineStage::Linalg
                                              : PipelineStage::LLVM);
  }
  if (failed(pm.run(*module)))
    return 1;
  if (emit == EmitKind::PTX) {
    std::string ptx;
    if (llvm::Error err = collectPTX(*module, ptx))
      return fail(std::move(err));
    return writeOutput(output, [&](llvm::raw_ostream &os) { os << ptx; });
  }
  if (emit == EmitKind::Linalg || emit == EmitKind::LLVMMLIR)
    return writeOutput(output,
                       [&](llvm::raw_ostream &os) { module->print(os); os << "\n"; });

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, description.name);
  if (!llvmModule)
    return fail("cannot translate '" + options.input + "' to LLVM IR");
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  llvmModule->setDataLayout((*machine)->createDataLayout());
  if (llvm::Error error = emitModelDescriptor(*llvmModule, description))
    return fail(std::move(error));
  optimizeModule(*llvmModule, **machine, options.optLevel);
  if (emit == EmitKind::LLVMIR)
    return writeOutput(
        output, [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });

  if (emit == EmitKind::Object) {
    std::string error;
    auto object = openOutputFile(output, &error);
    if (!object)
      return fail("cannot write '" + output + "': " + error);
    if (llvm::Error err = emitObjectFile(*llvmModule, **machine, object->os()))
      return fail(std::move(err));
    object->keep();
    return 0;
  }

  // Shared library: object to a temporary, link next to the output, then
  // rename, so an existing library is replaced atomically or not at all.
  SmallString<128> objectPath;
  int objectFd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "cnnc-" + description.name, "o", objectFd, objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream objectStream(objectFd, /*shouldClose=*/true);
    if (llvm::Error err = emitObjectFile(*llvmModule, **machine, objectStream))
      return fail(std::move(err));
  }
  std::vector<std::string> runtimeLibraries;
  if (openmp)
    runtimeLibraries.push_back(CNNC_OPENMP_LIBRARY);
  if (llvm::Error err = linkSharedLibrary(objectPath, supportLibrary,
                                          stagingPath, runtimeLibraries))
    return fail(std::move(err));
  if (std::error_code ec = llvm::sys::fs::rename(stagingPath, output))
    return fail("cannot write '" + output + "': " + ec.message());
  removeStaging.releaseFile();
  return 0;
}
