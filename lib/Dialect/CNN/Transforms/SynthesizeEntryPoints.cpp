//===- SynthesizeEntryPoints.cpp - buffer-based model entry points --------===//
//
// Rewrites the model's forward function (one image tensor in, logits out,
// weights from cnn.param) into a function over the caller's buffers:
//
//   func.func @m_forward_impl(%params: memref<Pxf32>,
//                             %images: memref<?xHxWxCxf32>,
//                             %logits: memref<?xKxf32>) attributes {cnn.entry = "forward"}
//
// The body still computes on tensors: the buffers enter through
// bufferization.to_tensor (restrict) and the result leaves through
// bufferization.materialize_in_destination, so one-shot bufferization later
// writes the logits straight into the caller's buffer. Training entry points,
// when requested, were added before by cnn-synthesize-training.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/Dialect/CNN/Transforms/EntryPoints.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNSYNTHESIZEENTRYPOINTS
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

struct SynthesizeEntryPointsPass
    : cnnc::cnn::impl::CNNSynthesizeEntryPointsBase<SynthesizeEntryPointsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ModelInfo> model = ModelInfo::analyze(module, modelName);
    if (failed(model))
      return signalPassFailure();
    if (!model->inputType.isDynamicDim(0)) {
      model->forward.emitError("the batch dimension of the model input must "
                               "be dynamic (`?`), got ")
          << model->inputType;
      return signalPassFailure();
    }
    func::FuncOp forward = model->forward;
    if (failed(verifyOnlyLayers(forward)))
      return signalPassFailure();

    OpBuilder b(&getContext());
    Location loc = forward.getLoc();
    auto paramsType =
        RankedTensorType::get({model->paramElements}, b.getF32Type());
    // C signature: forward(params, images, batch, logits).
    func::FuncOp entry = createEntryPoint(
        b, forward, model->name + "_forward_impl", "forward",
        {toMemRef(paramsType), toMemRef(model->inputType),
         toMemRef(model->outputType)},
        /*batchPosition=*/2);
    Block *body = &entry.front();
    Value params = bufferization::ToTensorOp::create(
        b, loc, paramsType, body->getArgument(0), /*restrict=*/true);
    Value images = bufferization::ToTensorOp::create(
        b, loc, model->inputType, body->getArgument(1), /*restrict=*/true);
    IRMapping mapping;
    Value logits = inlineForward(b, *model, params, images, mapping);
    bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, logits, body->getArgument(2), /*restrict=*/true,
        /*writable=*/true);
    func::ReturnOp::create(b, loc);
    forward.erase();
  }
};

} // namespace
