//===- GPUPipeline.cpp - cnn to NVPTX kernels and host code ---------------===//

#include "cnnc/Pipelines/GPUPipeline.h"
#include "cnnc/Codegen/Passes.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"
#include "cnnc/GPU/Passes.h"
#include "cnnc/Pipelines/Pipelines.h"
#include "cnnc/Target/GPUBinary.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void cnnc::buildGPUPipeline(OpPassManager &pm,
                            const GPUPipelineOptions &options,
                            GPUPipelineStage stage) {
  // The front half is the CPU pipeline's: entry points, training, linalg.
  CPUPipelineOptions front;
  front.modelName = options.modelName;
  front.optimizer = options.optimizer;
  front.loss = options.loss;
  front.momentum = options.momentum;
  front.nesterov = options.nesterov;
  front.foldBatchNorm = options.foldBatchNorm;
  front.weightDecay = options.weightDecay;
  front.beta1 = options.beta1;
  front.beta2 = options.beta2;
  front.epsilon = options.epsilon;
  front.rho = options.rho;
  front.centered = options.centered;
  buildCNNToLinalgPipeline(pm, front);
  // Each thread computes its element from any index of its operands, so
  // named ops become generics and element-wise producers (weight
  // transposes and rotations, activation gradients) fuse into their
  // consumers: no kernel and no buffer for them.
  pm.addNestedPass<func::FuncOp>(createLinalgGeneralizeNamedOpsPass());
  pm.addNestedPass<func::FuncOp>(codegen::createCNNFuseElementwise());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUFusePadding());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  gpu::CNNGPUSplitReductionsOptions split;
  split.targetThreads = options.targetThreads;
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUSplitReductions(split));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Buffers. Temporaries are not freed one by one: they come from a
  // per-call device workspace (docs/gpu.md), so no deallocation pipeline.
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = false;
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUDuplicateFills());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  bool emulate = stage == GPUPipelineStage::HostEmulation;
  if (emulate)
    bufferization::buildBufferDeallocationPipeline(pm);

  // Loops -> blocks and threads -> kernels.
  pm.addNestedPass<func::FuncOp>(cnn::createCNNCopiesToLinalg());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUEliminateCopies());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUPrepareLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // The C wrappers; after the loops exist, so that all their bounds read
  // the batch size from one argument.
  // Device pointers: the runtime checks labels before it copies them over.
  cnn::CNNExportCInterfaceOptions exportOptions;
  exportOptions.checkLabels = emulate;
  pm.addPass(cnn::createCNNExportCInterface(exportOptions));
  if (!emulate)
    pm.addPass(gpu::createCNNGPUEntryGuards());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUSingleThreadKernels());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUFuseLoops());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUPromoteAccumulators());
  gpu::CNNGPUCoarsenThreadsOptions coarsen;
  coarsen.lanes = options.lanes;
  coarsen.minThreads = options.coarsenMinThreads;
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUCoarsenThreads(coarsen));
  // Shared-memory tiles need every block to run one kernel's body.
  gpu::CNNGPUFuseIndependentKernelsOptions independent;
  independent.alignment = options.sharedTileBytes > 0 ? options.blockSize : 1;
  pm.addNestedPass<func::FuncOp>(
      gpu::createCNNGPUFuseIndependentKernels(independent));
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(
      gpu::createCNNGPUMapParallelLoops({options.blockSize, options.report}));
  // Tiles every thread of a block reads go through shared memory; the
  // emulation runs a block's threads one after the other, so each stages
  // its own part and there are no barriers.
  gpu::CNNGPUStageSharedTilesOptions tiles;
  tiles.maxTileBytes = options.sharedTileBytes;
  tiles.emulate = emulate;
  tiles.emulateAllShares = options.emulateAllShares;
  tiles.report = options.report;
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUStageSharedTiles(tiles));
  if (emulate) {
    // Each kernel's blocks and threads become a sequential loop nest on the
    // host; the rest is the CPU back end's.
    buildLoopsToLLVMPipeline(pm, /*parallel=*/false);
    return;
  }
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUDeviceBuffers());
  pm.addNestedPass<func::FuncOp>(gpu::createCNNGPUWorkgroupBuffers());
  // Constants and index arithmetic move into the launch bodies, so kernels
  // see static loop bounds and strides instead of taking them as arguments.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(gpu::createCNNGPUMergeKernelModules(
      {options.modelName.getValue() + "_kernels"}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (stage == GPUPipelineStage::Kernels)
    return;

  // Kernels -> NVVM; host -> LLVM with mgpu* calls.
  pm.addNestedPass<mlir::gpu::GPUModuleOp>(gpu::createCNNGPULegalizeMath());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  GpuNVVMAttachTargetOptions target;
  // The NVVM lowering does not depend on the architecture; the target
  // names the oldest one, serialization compiles for each.
  if (std::optional<SmallVector<std::string>> chips =
          parseGPUArchList(options.chip))
    target.chip = chips->front();
  else
    target.chip = options.chip; // the attach pass reports it
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addNestedPass<mlir::gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  // Host scalars (Adam's bias correction) use libm like the CPU path.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  if (stage == GPUPipelineStage::NVVM)
    return;

  // PTX (+ cubin) inside a gpu.binary.
  gpu::CNNGPUSerializeOptions serialize;
  serialize.chip = options.chip;
  serialize.ptxas = options.ptxas;
  serialize.optLevel = options.optLevel;
  pm.addPass(gpu::createCNNGPUSerialize(serialize));
}

void cnnc::registerGPUPipelines() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "cnn-gpu-kernels-pipeline",
      "GPU pipeline up to outlined kernels (gpu.launch_func + gpu.module)",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUPipeline(pm, options, GPUPipelineStage::Kernels);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "cnn-gpu-nvvm-pipeline",
      "GPU pipeline up to NVVM kernels and LLVM-dialect host code",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUPipeline(pm, options, GPUPipelineStage::NVVM);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "cnn-gpu-host-emulation-pipeline",
      "Test pipeline: the GPU pipeline up to block/thread mapping, then the "
      "mapped loops run sequentially on the host CPU (what `cnnc "
      "--target=nvptx-emulated` compiles)",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUPipeline(pm, options, GPUPipelineStage::HostEmulation);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "cnn-gpu-pipeline",
      "The whole GPU pipeline of `cnnc --target=nvptx`: cnn to host LLVM "
      "dialect and a gpu.binary with PTX and cubin",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUPipeline(pm, options, GPUPipelineStage::Binary);
      });
}
