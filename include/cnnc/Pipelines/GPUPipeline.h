//===- GPUPipeline.h - cnn to NVPTX kernels and host code -------*- C++ -*-===//
//
// `cnn-gpu-pipeline`: the same cnn -> linalg front half as the CPU pipeline,
// then bufferization, block/thread mapping, kernel outlining, NVVM, PTX and
// cubin. The result is an LLVM-dialect module whose host functions launch
// kernels through the mgpu* functions of runtime/cuda (docs/gpu.md).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_PIPELINES_GPUPIPELINE_H
#define CNNC_PIPELINES_GPUPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace cnnc {

struct GPUPipelineOptions : mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> modelName{
      *this, "model-name",
      llvm::cl::desc("Model name when the module has no symbol name"),
      llvm::cl::init("model")};
  Option<std::string> optimizer{
      *this, "optimizer",
      llvm::cl::desc("adam, adamw, sgd, rmsprop, or none (inference entry "
                     "points only)"),
      llvm::cl::init("adam")};
  Option<std::string> loss{
      *this, "loss",
      llvm::cl::desc("sparse_categorical_crossentropy, "
                     "categorical_crossentropy or mean_squared_error"),
      llvm::cl::init("sparse_categorical_crossentropy")};
  // Optimizer hyperparameters (cnn-synthesize-training's options).
  Option<float> momentum{*this, "momentum",
                         llvm::cl::desc("SGD or RMSprop momentum"),
                         llvm::cl::init(0.0f)};
  Option<bool> nesterov{*this, "nesterov",
                        llvm::cl::desc("SGD with Nesterov momentum"),
                        llvm::cl::init(false)};
  Option<bool> foldBatchNorm{
      *this, "fold-batch-norm",
      llvm::cl::desc("Fold inference batch normalization into the conv2d/"
                     "dense before it (cnn-fold-batch-norm)"),
      llvm::cl::init(true)};
  Option<float> weightDecay{
      *this, "weight-decay",
      llvm::cl::desc("Decoupled weight decay; negative: the optimizer's "
                     "default (0.004 for adamw, none otherwise)"),
      llvm::cl::init(-1.0f)};
  Option<float> beta1{*this, "beta1", llvm::cl::desc("Adam/AdamW beta_1"),
                      llvm::cl::init(0.9f)};
  Option<float> beta2{*this, "beta2", llvm::cl::desc("Adam/AdamW beta_2"),
                      llvm::cl::init(0.999f)};
  Option<float> epsilon{*this, "epsilon",
                        llvm::cl::desc("Adam/AdamW/RMSprop epsilon"),
                        llvm::cl::init(1e-7f)};
  Option<float> rho{*this, "rho", llvm::cl::desc("RMSprop rho"),
                    llvm::cl::init(0.9f)};
  Option<bool> centered{*this, "centered", llvm::cl::desc("Centered RMSprop"),
                        llvm::cl::init(false)};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architectures: sm_90, or a "
                                          "list such as sm_80,sm_90"),
                           llvm::cl::init("sm_90")};
  Option<std::string> ptxas{
      *this, "ptxas",
      llvm::cl::desc("auto (use the CUDA toolkit's when present), none, or "
                     "a path"),
      llvm::cl::init("auto")};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
  Option<int64_t> targetThreads{
      *this, "target-threads",
      llvm::cl::desc("Threads a long reduction is split to reach "
                     "(cnn-gpu-split-reductions)"),
      llvm::cl::init(65536)};
  Option<int64_t> lanes{
      *this, "lanes",
      llvm::cl::desc("Outputs per thread along one dimension, 1 for one "
                     "(cnn-gpu-coarsen-threads)"),
      llvm::cl::init(4)};
  Option<int64_t> coarsenMinThreads{
      *this, "coarsen-min-threads",
      llvm::cl::desc("Fewest threads a coarsened kernel may keep "
                     "(cnn-gpu-coarsen-threads; tests lower it to coarsen "
                     "every kernel)"),
      llvm::cl::init(16384)};
  Option<int64_t> sharedTileBytes{
      *this, "shared-tile-bytes",
      llvm::cl::desc("Largest shared-memory tile per kernel in bytes, 0 for "
                     "none (cnn-gpu-stage-shared-tiles)"),
      llvm::cl::init(8192)};
  Option<bool> emulateAllShares{
      *this, "emulate-all-shares",
      llvm::cl::desc("Host emulation, testing: every thread runs every "
                     "thread's share of each shared-memory tile copy, "
                     "divided as on the GPU"),
      llvm::cl::init(false)};
  Option<bool> report{
      *this, "report",
      llvm::cl::desc("Remark on every kernel's threads and per-thread work"),
      llvm::cl::init(false)};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("LLVM optimization of kernels"),
                            llvm::cl::init(3)};
};

/// Where the GPU pipeline stops; each stage includes the ones before it.
enum class GPUPipelineStage {
  Kernels, ///< gpu.launch_func + gpu.module in the gpu dialect
  NVVM,    ///< host in the LLVM dialect, kernels in NVVM, not yet serialized
  Binary,  ///< kernels replaced by a gpu.binary: ready for translation
  /// Testing without a GPU: the device-independent part of the pipeline
  /// (fusion, split reductions, block/thread mapping), then the mapped loops
  /// lowered for the host CPU and run sequentially, block by block and
  /// thread by thread. The result has the CPU ABI (host pointers) and runs
  /// the same arithmetic, in the same order per thread, as the kernels.
  HostEmulation,
};

/// cnn (forward) -> ... up to `stage`.
void buildGPUPipeline(mlir::OpPassManager &pm,
                      const GPUPipelineOptions &options,
                      GPUPipelineStage stage = GPUPipelineStage::Binary);

/// Registers `cnn-gpu-pipeline` (to the gpu.binary), `cnn-gpu-kernels-pipeline`
/// (stops at gpu.launch_func) and `cnn-gpu-nvvm-pipeline` (stops before
/// serialization).
void registerGPUPipelines();

} // namespace cnnc

#endif // CNNC_PIPELINES_GPUPIPELINE_H
