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
// writes the logits straight into the caller's buffer.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNSYNTHESIZEENTRYPOINTS
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

MemRefType toMemRef(RankedTensorType type) {
  return MemRefType::get(type.getShape(), type.getElementType());
}

/// The value of one parameter: its slice of the flat parameter tensor,
/// reshaped to the declared shape.
Value createParamView(OpBuilder &b, Location loc, Value flatParams,
                      const ParamInfo &param) {
  auto sliceType = RankedTensorType::get({param.size}, b.getF32Type());
  Value slice = tensor::ExtractSliceOp::create(
      b, loc, sliceType, flatParams, ArrayRef<OpFoldResult>{b.getIndexAttr(param.offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(param.size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  if (param.shape.size() == 1)
    return slice;
  auto shapedType = RankedTensorType::get(param.shape, b.getF32Type());
  SmallVector<ReassociationIndices> allInOne = {
      llvm::to_vector(llvm::seq<int64_t>(0, param.shape.size()))};
  return tensor::ExpandShapeOp::create(b, loc, shapedType, slice, allInOne);
}

/// The model function may hold cnn ops and its return only: anything else
/// has no lowering and would fail later with a less helpful message.
LogicalResult verifyOnlyLayers(func::FuncOp forward) {
  if (!forward.getBody().hasOneBlock())
    return forward.emitError("the model function must have a single block");
  for (Operation &op : forward.getBody().front()) {
    if (isa<CNNDialect>(op.getDialect()) || isa<func::ReturnOp>(op))
      continue;
    return op.emitError("'")
           << op.getName()
           << "' is not supported in a model function; cnnc compiles cnn "
              "dialect layers (cnn.conv2d, cnn.max_pool2d, cnn.dense, ...)";
  }
  return success();
}

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
    Location loc = forward.getLoc();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    b.setInsertionPoint(forward);

    auto paramsType =
        RankedTensorType::get({model->paramElements}, b.getF32Type());
    auto entryType = FunctionType::get(
        ctx,
        {toMemRef(paramsType), toMemRef(model->inputType),
         toMemRef(model->outputType)},
        {});
    auto entry = func::FuncOp::create(b, loc, model->name + "_forward_impl",
                                      entryType);
    entry->setAttr(kEntryAttrName, b.getStringAttr("forward"));
    // C signature: forward(params, images, batch, logits).
    entry->setAttr(kBatchPositionAttrName, b.getI64IntegerAttr(2));
    Block *body = entry.addEntryBlock();
    b.setInsertionPointToStart(body);

    Value params = bufferization::ToTensorOp::create(
        b, loc, paramsType, body->getArgument(0), /*restrict=*/true);
    Value images = bufferization::ToTensorOp::create(
        b, loc, model->inputType, body->getArgument(1), /*restrict=*/true);

    IRMapping mapping;
    mapping.map(forward.getArgument(0), images);
    for (const ParamInfo &param : model->params) {
      ParamOp op = param.op;
      mapping.map(op.getResult(),
                  createParamView(b, op.getLoc(), params, param));
    }
    for (Operation &op : forward.getBody().front()) {
      if (isa<ParamOp>(op))
        continue;
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        Value logits = mapping.lookup(ret.getOperand(0));
        auto store = bufferization::MaterializeInDestinationOp::create(
            b, ret.getLoc(), TypeRange{}, logits, body->getArgument(2),
            /*restrict=*/true, /*writable=*/true);
        (void)store;
        func::ReturnOp::create(b, ret.getLoc());
        continue;
      }
      b.clone(op, mapping);
    }
    forward.erase();
  }
};

} // namespace
