//===- ContractionAnalysis.cpp - contractions the CPU kernels handle ------===//

#include "cnnc/Codegen/ContractionAnalysis.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace cnnc::codegen;

bool cnnc::codegen::isMultiplyAccumulate(Block &body) {
  if (body.getNumArguments() != 3 || body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues().front().getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body.getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() == out) == (add.getRhs() == out))
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value a = mul.getLhs(), b = mul.getRhs();
  return (a == body.getArgument(0) && b == body.getArgument(1)) ||
         (a == body.getArgument(1) && b == body.getArgument(0));
}

FailureOr<ContractionInfo>
cnnc::codegen::analyzeContraction(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op->getNumRegions() != 1 ||
      !isMultiplyAccumulate(*op.getBlock()))
    return failure();
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return failure();
  }

  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() < 2 || !outMap.isProjectedPermutation())
    return failure();
  ContractionInfo info;
  info.columnLoop = outMap.getDimPosition(outMap.getNumResults() - 1);
  info.rowLoop = outMap.getDimPosition(outMap.getNumResults() - 2);
  // Every parallel loop must index the output, so tiles never overlap.
  for (auto [loop, iterator] : llvm::enumerate(iterators)) {
    bool inOutput = outMap.isFunctionOfDim(loop);
    if (iterator == utils::IteratorType::parallel) {
      if (!inOutput)
        return failure();
      if (loop != info.columnLoop && loop != info.rowLoop)
        info.outerLoops.push_back(loop);
    } else {
      if (inOutput)
        return failure();
      info.reductionLoops.push_back(loop);
    }
  }

  // The rhs has the column loop as its last dimension and nowhere else and
  // does not depend on the row loop; the lhs depends on the row loop but not
  // on the column loop.
  AffineMap maps[2] = {op.getMatchingIndexingMap(op.getDpsInputOperand(0)),
                       op.getMatchingIndexingMap(op.getDpsInputOperand(1))};
  auto isVectorOperand = [&](AffineMap map) {
    if (map.getNumResults() == 0)
      return false;
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!last || last.getPosition() != info.columnLoop ||
        map.isFunctionOfDim(info.rowLoop))
      return false;
    return llvm::none_of(map.getResults().drop_back(), [&](AffineExpr e) {
      return e.isFunctionOfDim(info.columnLoop);
    });
  };
  auto isScalarOperand = [&](AffineMap map) {
    return !map.isFunctionOfDim(info.columnLoop) &&
           map.isFunctionOfDim(info.rowLoop);
  };
  if (isVectorOperand(maps[1]) && isScalarOperand(maps[0])) {
    info.lhsOperand = 0;
    info.rhsOperand = 1;
  } else if (isVectorOperand(maps[0]) && isScalarOperand(maps[1])) {
    info.lhsOperand = 1;
    info.rhsOperand = 0;
  } else {
    return failure();
  }

  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  info.columns = ranges[info.columnLoop];
  info.rows = ranges[info.rowLoop];
  if (ShapedType::isDynamic(info.columns) || info.columns == 0)
    return failure();
  return info;
}
