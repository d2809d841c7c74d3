//===- InitAllPasses.cpp - passes and pipelines cnnc-opt offers -----------===//

#include "cnnc/InitAllPasses.h"
#include "cnnc/Codegen/Passes.h"
#include "cnnc/Conversion/Passes.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"
#include "cnnc/GPU/Passes.h"
#include "cnnc/Pipelines/GPUPipeline.h"
#include "cnnc/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

void cnnc::registerAllPasses() {
  // cnnc's own passes and pipelines.
  cnn::registerCNNPasses();
  registerCNNCConversionPasses();
  codegen::registerCNNCCodegenPasses();
  registerPipelines();
  cnnc::gpu::registerCNNCGPUPasses();
  registerGPUPipelines();

  // The upstream passes the pipelines are built from, to run stages alone.
  mlir::registerTransformsPasses();
  mlir::registerConversionPasses();
  mlir::bufferization::registerBufferizationPasses();
  mlir::bufferization::registerBufferizationPipelines();
  mlir::registerLinalgPasses();
  mlir::memref::registerMemRefPasses();
}
