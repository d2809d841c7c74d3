//===- CPUPipeline.cpp - cnn to LLVM dialect for the host CPU -------------===//

#include "cnnc/Codegen/Passes.h"
#include "cnnc/Conversion/Passes.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"
#include "cnnc/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void cnnc::buildCNNToLinalgPipeline(OpPassManager &pm,
                                    const CPUPipelineOptions &options) {
  if (options.fuseActivations)
    pm.addNestedPass<func::FuncOp>(cnn::createCNNFuseActivations());
  if (options.optimizer != "none") {
    cnn::CNNSynthesizeTrainingOptions trainingOptions;
    trainingOptions.modelName = options.modelName;
    trainingOptions.optimizer = options.optimizer;
    trainingOptions.loss = options.loss;
    trainingOptions.momentum = options.momentum;
    trainingOptions.nesterov = options.nesterov;
    trainingOptions.weightDecay = options.weightDecay;
    trainingOptions.beta1 = options.beta1;
    trainingOptions.beta2 = options.beta2;
    trainingOptions.epsilon = options.epsilon;
    trainingOptions.rho = options.rho;
    trainingOptions.centered = options.centered;
    pm.addPass(cnn::createCNNSynthesizeTraining(trainingOptions));
    if (options.fuseActivationGrads)
      pm.addNestedPass<func::FuncOp>(cnn::createCNNFuseActivationGrads());
  }
  cnn::CNNSynthesizeEntryPointsOptions entryOptions;
  entryOptions.modelName = options.modelName;
  pm.addPass(cnn::createCNNSynthesizeEntryPoints(entryOptions));
  // After the training step holds the training form: only inference batch
  // normalizations are folded, then their activations fuse.
  if (options.foldBatchNorm) {
    pm.addNestedPass<func::FuncOp>(cnn::createCNNFoldBatchNorm());
    if (options.fuseActivations)
      pm.addNestedPass<func::FuncOp>(cnn::createCNNFuseActivations());
  }
  pm.addNestedPass<func::FuncOp>(createConvertCNNToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void cnnc::buildLinalgToLLVMPipeline(OpPassManager &pm,
                                     const CPUPipelineOptions &options) {
  if (options.fuseElementwise) {
    pm.addNestedPass<func::FuncOp>(codegen::createCNNFuseElementwise());
    // Fusion reads result sizes with tensor.dim; folding those to the
    // operands' sizes leaves each contraction result to its consumer.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  if (options.vectorize) {
    codegen::CNNSelectTilingOptions tilingOptions;
    tilingOptions.vectorRegisters = options.vectorRegisters;
    tilingOptions.parallel = options.parallel;
    pm.addNestedPass<func::FuncOp>(
        codegen::createCNNSelectTiling(tilingOptions));
    codegen::CNNVectorizeContractionsOptions kernelOptions;
    kernelOptions.fuseProducers = options.fuseAccumulators;
    kernelOptions.fuseConsumers = options.fuseEpilogues;
    kernelOptions.fusePooling = options.fusePooling;
    pm.addNestedPass<func::FuncOp>(
        codegen::createCNNVectorizeContractions(kernelOptions));
    if (options.vectorizeDepthwise) {
      codegen::CNNVectorizeDepthwiseOptions depthwiseOptions;
      depthwiseOptions.vectorRegisters = options.vectorRegisters;
      depthwiseOptions.parallel = options.parallel;
      depthwiseOptions.fuseProducers = options.fuseAccumulators;
      depthwiseOptions.fuseConsumers = options.fuseEpilogues;
      pm.addNestedPass<func::FuncOp>(
          codegen::createCNNVectorizeDepthwise(depthwiseOptions));
    }
  }
  if (options.parallel)
    pm.addNestedPass<func::FuncOp>(codegen::createCNNTileParallel());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = false;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(cnn::createCNNExportCInterface());
  codegen::CNNDistributeTilesOptions distributeOptions;
  distributeOptions.parallel = options.parallel;
  pm.addNestedPass<func::FuncOp>(
      codegen::createCNNDistributeTiles(distributeOptions));
  pm.addNestedPass<func::FuncOp>(cnn::createCNNCopiesToLinalg());
  pm.addNestedPass<func::FuncOp>(cnn::createCNNInnermostChannelLoop());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  buildLoopsToLLVMPipeline(pm, options.parallel);
}

void cnnc::buildLoopsToLLVMPipeline(OpPassManager &pm, bool parallel) {
  // exp, tanh, erf, ... as f32 polynomials that stay in vector registers
  // (math-to-llvm would leave one libm call per vector lane).
  pm.addPass(codegen::createCNNApproximateMath());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // The kernels allocate nothing: canonicalization inlines the
    // memref.alloca_scope the conversion wraps each loop body in.
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Temporaries come from libcnnc_support's caching allocator
  // (runtime/support/Allocator.c).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void cnnc::buildCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options,
                            PipelineStage stage) {
  buildCNNToLinalgPipeline(pm, options);
  if (stage == PipelineStage::Linalg)
    return;
  buildLinalgToLLVMPipeline(pm, options);
}

void cnnc::registerPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "cnn-to-linalg-pipeline",
      "Synthesize the model's entry points and lower cnn to linalg on "
      "tensors (what `cnnc --emit=linalg` prints)",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options, PipelineStage::Linalg);
      });
  PassPipelineRegistration<CPUPipelineOptions>(
      "cnn-cpu-pipeline",
      "The whole CPU pipeline of `cnnc`: cnn to the LLVM dialect (what "
      "`cnnc --emit=llvm-mlir` prints)",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options, PipelineStage::LLVM);
      });
}
