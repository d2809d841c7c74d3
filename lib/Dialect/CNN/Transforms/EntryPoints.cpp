//===- EntryPoints.cpp - shared pieces of entry-point synthesis -----------===//

#include "cnnc/Dialect/CNN/Transforms/EntryPoints.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/ScopeExit.h"

using namespace mlir;
using namespace cnnc::cnn;

LogicalResult cnnc::cnn::verifyOnlyLayers(func::FuncOp forward) {
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

MemRefType cnnc::cnn::toMemRef(RankedTensorType type) {
  return MemRefType::get(type.getShape(), type.getElementType());
}

/// The value of one parameter: its slice of the flat parameter tensor,
/// reshaped to the declared shape.
static Value createParamView(OpBuilder &b, Location loc, Value flatParams,
                             const ParamInfo &param) {
  auto sliceType = RankedTensorType::get({param.size}, b.getF32Type());
  Value slice = tensor::ExtractSliceOp::create(
      b, loc, sliceType, flatParams,
      ArrayRef<OpFoldResult>{b.getIndexAttr(param.offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(param.size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  if (param.shape.size() == 1)
    return slice;
  auto shapedType = RankedTensorType::get(param.shape, b.getF32Type());
  SmallVector<ReassociationIndices> allInOne = {
      llvm::to_vector(llvm::seq<int64_t>(0, param.shape.size()))};
  return tensor::ExpandShapeOp::create(b, loc, shapedType, slice, allInOne);
}

/// Maps the images and every parameter to their values in the entry point.
static void mapInputs(OpBuilder &b, const ModelInfo &model, Value params,
                      Value images, IRMapping &mapping) {
  func::FuncOp forward = model.forward;
  mapping.map(forward.getArgument(0), images);
  for (const ParamInfo &param : model.params) {
    ParamOp op = param.op;
    mapping.map(op.getResult(), createParamView(b, op.getLoc(), params, param));
  }
}

Value cnnc::cnn::inlineForward(OpBuilder &b, const ModelInfo &model,
                               Value params, Value images,
                               IRMapping &mapping) {
  mapInputs(b, model, params, images, mapping);
  func::FuncOp forward = model.forward;
  Value logits;
  for (Operation &op : forward.getBody().front()) {
    if (isa<ParamOp>(op))
      continue;
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      logits = mapping.lookup(ret.getOperand(0));
      continue;
    }
    b.clone(op, mapping);
  }
  return logits;
}

namespace {
/// Records the operations a builder inserts.
struct RecordInsertions : OpBuilder::Listener {
  explicit RecordInsertions(SmallVectorImpl<Operation *> &ops) : ops(ops) {}
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint) override {
    ops.push_back(op);
  }
  SmallVectorImpl<Operation *> &ops;
};
} // namespace

FailureOr<Value> cnnc::cnn::inlineTrainingForward(
    OpBuilder &b, const ModelInfo &model, Value params, Value images,
    IRMapping &mapping, TrainingContext &context,
    SmallVectorImpl<Operation *> &ops) {
  mapInputs(b, model, params, images, mapping);
  RecordInsertions recorder(ops);
  OpBuilder::Listener *previous = b.getListener();
  b.setListener(&recorder);
  llvm::scope_exit restore([&] { b.setListener(previous); });
  func::FuncOp forward = model.forward;
  Value logits;
  for (Operation &op : forward.getBody().front()) {
    if (isa<ParamOp>(op))
      continue;
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      logits = mapping.lookup(ret.getOperand(0));
      continue;
    }
    auto layer = dyn_cast<LayerOpInterface>(op);
    if (!layer || !layer.hasTrainingBehavior()) {
      b.clone(op, mapping);
      continue;
    }
    SmallVector<Value> operands = llvm::map_to_vector(
        op.getOperands(), [&](Value v) { return mapping.lookup(v); });
    FailureOr<SmallVector<Value>> results =
        layer.buildTrainingForm(b, operands, context);
    if (failed(results))
      return failure();
    mapping.map(op.getResults(), *results);
  }
  return logits;
}

func::FuncOp cnnc::cnn::createEntryPoint(OpBuilder &b, Operation *anchor,
                                         StringRef name, StringRef kind,
                                         TypeRange argTypes,
                                         std::optional<int64_t> batchPosition) {
  b.setInsertionPoint(anchor);
  auto entry = func::FuncOp::create(
      b, anchor->getLoc(), name,
      FunctionType::get(b.getContext(), argTypes, {}));
  entry->setAttr(kEntryAttrName, b.getStringAttr(kind));
  if (batchPosition)
    entry->setAttr(kBatchPositionAttrName,
                   b.getI64IntegerAttr(*batchPosition));
  b.setInsertionPointToStart(entry.addEntryBlock());
  return entry;
}
