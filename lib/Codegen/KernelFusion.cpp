//===- KernelFusion.cpp - what a contraction kernel absorbs ---------------===//
//
// The producers (fill, bias broadcast), element-wise consumers and max
// poolings that cnn-vectorize-contractions computes inside a kernel.
//
//===----------------------------------------------------------------------===//

#include "ContractionKernel.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

namespace {

bool isVectorizableBodyOp(Operation &op) {
  if (op.getNumRegions() || op.getNumResults() != 1)
    return false;
  if (isa<arith::ConstantOp>(op))
    return op.getResult(0).getType().isIntOrFloat();
  return op.hasTrait<OpTrait::Elementwise>() &&
         llvm::all_of(op.getResultTypes(),
                      [](Type t) { return t.isIntOrFloat(); });
}

} // namespace

AccumulatorSource cnnc::codegen::findAccumulatorSource(linalg::LinalgOp op, bool fuse) {
  return findAccumulatorSource(op.getDpsInitOperand(0)->get(), fuse);
}

AccumulatorSource cnnc::codegen::findAccumulatorSource(Value init, bool fuse) {
  AccumulatorSource source;
  source.destination = init;
  if (!fuse)
    return source;
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    source = {AccumulatorSource::Kind::Splat, fill.getInputs()[0], fill,
              fill.getOutputs()[0]};
  } else if (auto broadcast = init.getDefiningOp<linalg::BroadcastOp>()) {
    auto inputType = cast<ShapedType>(broadcast.getInput().getType());
    int64_t rank = cast<ShapedType>(init.getType()).getRank();
    // Only a vector along the last (column) dimension: a bias.
    if (inputType.getRank() == 1 &&
        llvm::equal(broadcast.getDimensions(), llvm::seq<int64_t>(0, rank - 1)))
      source = {AccumulatorSource::Kind::Bias, broadcast.getInput(), broadcast,
                broadcast.getInit()};
  }
  return source;
}

std::optional<Epilogue> cnnc::codegen::findEpilogue(linalg::LinalgOp op) {
  return findEpilogue(op->getResult(0));
}

std::optional<Epilogue> cnnc::codegen::findEpilogue(Value result) {
  // The only user; it may also name the result as its (unread) init, as
  // activations applied in place do.
  if (result.use_empty() ||
      !llvm::all_equal(llvm::map_range(
          result.getUsers(), [](Operation *user) { return user; })))
    return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(*result.user_begin());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return std::nullopt;
  auto resultType = cast<RankedTensorType>(generic->getResult(0).getType());
  auto outputType = cast<RankedTensorType>(result.getType());
  if (resultType != outputType)
    return std::nullopt;
  OpOperand *init = generic.getDpsInitOperand(0);
  if (!generic.getMatchingIndexingMap(init).isIdentity() ||
      !generic.getMatchingBlockArgument(init).use_empty())
    return std::nullopt;
  unsigned lastLoop = generic.getNumLoops() - 1;
  std::optional<unsigned> resultInput;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || !type.getElementType().isIntOrFloat() ||
        !map.isProjectedPermutation())
      return std::nullopt;
    if (input->get() == result) {
      if (resultInput || !map.isIdentity())
        return std::nullopt;
      resultInput = input->getOperandNumber();
      continue;
    }
    // Other inputs: a vector along the columns, or one scalar per row.
    bool columnIsLast = map.getNumResults() > 0 &&
                        map.getResults().back() ==
                            getAffineDimExpr(lastLoop, result.getContext());
    if (!columnIsLast && map.isFunctionOfDim(lastLoop))
      return std::nullopt;
  }
  if (!resultInput)
    return std::nullopt;
  Block *body = generic.getBlock();
  for (Operation &bodyOp : body->without_terminator()) {
    if (!isVectorizableBodyOp(bodyOp))
      return std::nullopt;
    for (Value operand : bodyOp.getOperands())
      if (operand.getParentBlock() != body && !operand.getType().isIntOrFloat())
        return std::nullopt;
  }
  return Epilogue{generic, *resultInput};
}

std::optional<PoolFusion>
cnnc::codegen::findPoolConsumer(Value result, linalg::LinalgOp op,
                                const ContractionInfo &info) {
  if (!result.hasOneUse())
    return std::nullopt;
  auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(*result.user_begin());
  if (!pool || pool.getInputs()[0] != result || !pool.hasPureTensorSemantics())
    return std::nullopt;
  auto window = cast<ShapedType>(pool.getInputs()[1].getType());
  auto fill = pool.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !window.hasStaticShape())
    return std::nullopt;
  int64_t kh = window.getDimSize(0), kw = window.getDimSize(1);
  // The kernel unrolls the window: bounded, or compile time and code size
  // grow with it (a 64x64 window took a minute to compile).
  if (kh * kw > kMaxFusedPoolWindow)
    return std::nullopt;
  auto strides = llvm::to_vector(pool.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(pool.getDilations().getValues<int64_t>());
  if (strides != SmallVector<int64_t>{kh, kw} ||
      dilations != SmallVector<int64_t>{1, 1})
    return std::nullopt;
  // The contraction's output is [n, oh, ow = rows, c = columns] with n and
  // oh its outer loops, static oh and ow.
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (outMap.getNumResults() != 4 || info.outerLoops.size() != 2 ||
      outMap.getDimPosition(2) != info.rowLoop ||
      info.outerLoops[0] != outMap.getDimPosition(0) ||
      info.outerLoops[1] != outMap.getDimPosition(1) ||
      ShapedType::isDynamic(ranges[outMap.getDimPosition(1)]) ||
      ShapedType::isDynamic(info.rows))
    return std::nullopt;
  auto pooledType = cast<RankedTensorType>(pool.getResult(0).getType());
  if (pooledType.getDimSize(1) != ranges[outMap.getDimPosition(1)] / kh ||
      pooledType.getDimSize(2) != info.rows / kw)
    return std::nullopt;
  return PoolFusion{pool, kh, kw, fill};
}

SmallVector<Value> cnnc::codegen::applyIndexingMap(OpBuilder &b, Location loc,
                                                   AffineMap map,
                                                   ArrayRef<Value> loops) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(expr)) {
      indices.push_back(loops[d.getPosition()]);
      continue;
    }
    indices.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, expr), loops));
  }
  return indices;
}

Value cnnc::codegen::vectorizeEpilogue(OpBuilder &b, Location loc,
                                       const Epilogue &epilogue, Value acc,
                                       ArrayRef<Value> outputIndices,
                                       int64_t width) {
  linalg::GenericOp generic = epilogue.op;
  Block *body = generic.getBlock();
  IRMapping mapping;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    Value arg = generic.getMatchingBlockArgument(input);
    if (input->getOperandNumber() == epilogue.resultInput) {
      mapping.map(arg, acc);
      continue;
    }
    AffineMap map = generic.getMatchingIndexingMap(input);
    SmallVector<Value> indices = applyIndexingMap(b, loc, map, outputIndices);
    Type elementType = getElementTypeOrSelf(input->get().getType());
    unsigned lastLoop = generic.getNumLoops() - 1;
    if (map.getNumResults() && map.getResults().back() ==
                                   getAffineDimExpr(lastLoop, b.getContext())) {
      Value padding = arith::ConstantOp::create(b, loc, elementType,
                                                b.getZeroAttr(elementType));
      mapping.map(arg, vector::TransferReadOp::create(
                           b, loc, VectorType::get({width}, elementType),
                           input->get(), indices, padding,
                           ArrayRef<bool>{true}));
    } else {
      Value scalar = tensor::ExtractOp::create(b, loc, input->get(), indices);
      mapping.map(arg, vector::BroadcastOp::create(
                           b, loc, VectorType::get({width}, elementType),
                           scalar));
    }
  }
  for (Operation &bodyOp : body->without_terminator()) {
    SmallVector<Value> operands;
    for (Value operand : bodyOp.getOperands()) {
      if (Value mapped = mapping.lookupOrNull(operand)) {
        operands.push_back(mapped);
        continue;
      }
      // A scalar captured from above the generic.
      operands.push_back(vector::BroadcastOp::create(
          b, loc, VectorType::get({width}, operand.getType()), operand));
    }
    Type resultType = VectorType::get({width}, bodyOp.getResult(0).getType());
    Operation *vectorOp;
    if (auto cst = dyn_cast<arith::ConstantOp>(bodyOp)) {
      auto type = cast<VectorType>(resultType);
      vectorOp = arith::ConstantOp::create(
          b, loc, type,
          DenseElementsAttr::get(type, cast<TypedAttr>(cst.getValue())));
    } else {
      OperationState state(loc, bodyOp.getName(), operands, {resultType},
                           bodyOp.getAttrs());
      vectorOp = b.create(state);
    }
    mapping.map(bodyOp.getResult(0), vectorOp->getResult(0));
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  return mapping.lookup(yield.getValues()[0]);
}
