//===- Pipelines.h - cnnc compilation pipelines -----------------*- C++ -*-===//
//
// The pass pipelines `cnnc` runs, also registered for `cnnc-opt` so each
// stage can be reproduced and tested alone.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_PIPELINES_PIPELINES_H
#define CNNC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace cnnc {

/// Where a pipeline stops; each stage includes the ones before it.
enum class PipelineStage {
  Linalg, ///< entry points synthesized, cnn lowered to linalg on tensors
  LLVM,   ///< everything in the LLVM dialect, ready for translation
};

struct CPUPipelineOptions : mlir::PassPipelineOptions<CPUPipelineOptions> {
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
  Option<bool> fuseActivations{
      *this, "fuse-activations",
      llvm::cl::desc("Fold standalone activations into their conv2d/dense "
                     "(cnn-fuse-activations)"),
      llvm::cl::init(true)};
  Option<bool> foldBatchNorm{
      *this, "fold-batch-norm",
      llvm::cl::desc("Fold inference batch normalization into the conv2d/"
                     "dense before it (cnn-fold-batch-norm)"),
      llvm::cl::init(true)};
  Option<bool> fuseActivationGrads{
      *this, "fuse-activation-grads",
      llvm::cl::desc("Take activation gradients on the layout of the "
                     "gradient's producer (cnn-fuse-activation-grads)"),
      llvm::cl::init(true)};
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Register-blocked vector kernels for contractions "
                     "(cnn-select-tiling, cnn-vectorize-contractions)"),
      llvm::cl::init(true)};
  Option<bool> vectorizeDepthwise{
      *this, "vectorize-depthwise",
      llvm::cl::desc("Vector kernels for depthwise convolutions and their "
                     "kernel gradients (cnn-vectorize-depthwise; needs "
                     "`vectorize`)"),
      llvm::cl::init(true)};
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse element-wise producer/consumer chains "
                     "(cnn-fuse-elementwise)"),
      llvm::cl::init(true)};
  Option<bool> fuseAccumulators{
      *this, "fuse-accumulators",
      llvm::cl::desc("Kernels start from fill/bias broadcasts in registers"),
      llvm::cl::init(true)};
  Option<bool> fuseEpilogues{
      *this, "fuse-epilogues",
      llvm::cl::desc("Kernels apply element-wise consumers (activations, "
                     "activation gradients) before storing"),
      llvm::cl::init(true)};
  Option<bool> fusePooling{
      *this, "fuse-pooling",
      llvm::cl::desc("Kernels compute a following max pooling (inference: "
                     "conv + activation + pool in one pass)"),
      llvm::cl::init(true)};
  Option<int64_t> vectorRegisters{
      *this, "vector-registers",
      llvm::cl::desc("Vector registers of the target the kernels may use "
                     "(0: the module's cnn.target, else 16 as AVX2; 32 "
                     "with AVX-512VL)"),
      llvm::cl::init(0)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the kernels' tiles on OpenMP threads"),
      llvm::cl::init(true)};
};

/// cnn (forward) -> entry points -> linalg on tensors.
void buildCNNToLinalgPipeline(mlir::OpPassManager &pm,
                              const CPUPipelineOptions &options);

/// linalg on tensors -> bufferized loops -> C wrappers -> LLVM dialect.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               const CPUPipelineOptions &options);

/// Bufferized loops, with their C wrappers -> LLVM dialect: affine, vector,
/// scf (`parallel`: scf.parallel through OpenMP), memref through
/// libcnnc_support's allocator, math through libm.
void buildLoopsToLLVMPipeline(mlir::OpPassManager &pm, bool parallel);

/// The whole CPU pipeline up to `stage`.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options,
                      PipelineStage stage = PipelineStage::LLVM);

/// Registers `cnn-cpu-pipeline` and `cnn-to-linalg-pipeline`.
void registerPipelines();

} // namespace cnnc

#endif // CNNC_PIPELINES_PIPELINES_H
