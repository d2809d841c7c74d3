//===- FlopCount.cpp - arithmetic cost of a model -------------------------===//

#include "cnnc/Dialect/CNN/Analysis/FlopCount.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;

FailureOr<int64_t> cnnc::cnn::countFlopsPerImage(func::FuncOp func) {
  int64_t total = 0;
  WalkResult walk = func.walk([&](LayerOpInterface layer) {
    std::optional<int64_t> flops = layer.getFlopsPerImage();
    if (!flops) {
      layer->emitError("the FLOP count of this layer per image does not fit "
                       "in int64");
      return WalkResult::interrupt();
    }
    std::optional<int64_t> sum = llvm::checkedAdd(total, *flops);
    if (!sum) {
      func.emitError("the model's FLOP count per image does not fit in int64");
      return WalkResult::interrupt();
    }
    total = *sum;
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return total;
}
