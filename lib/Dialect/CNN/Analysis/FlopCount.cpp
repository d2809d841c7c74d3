//===- FlopCount.cpp - arithmetic cost of cnn ops -------------------------===//

#include "cnnc/Dialect/CNN/Analysis/FlopCount.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cnnc::cnn;

/// Elements of one image of a [batch, ...] tensor.
static int64_t perImageElements(Type type) {
  auto shaped = cast<RankedTensorType>(type);
  int64_t count = 1;
  for (int64_t d : shaped.getShape().drop_front())
    count *= d;
  return count;
}

/// FLOPs of the fused bias and activation on `outputs` values.
static int64_t epilogueFlops(int64_t outputs, bool hasBias,
                             Activation activation) {
  int64_t flops = hasBias ? outputs : 0;
  if (activation != Activation::None)
    flops += outputs;
  return flops;
}

int64_t cnnc::cnn::countFlopsPerImage(Operation *op) {
  return llvm::TypeSwitch<Operation *, int64_t>(op)
      .Case([](Conv2DOp conv) {
        auto filter = cast<RankedTensorType>(conv.getFilter().getType());
        int64_t outputs = perImageElements(conv.getType());
        int64_t macsPerOutput = filter.getDimSize(0) * filter.getDimSize(1) *
                                filter.getDimSize(2);
        return 2 * outputs * macsPerOutput +
               epilogueFlops(outputs, bool(conv.getBias()),
                             conv.getActivation());
      })
      .Case([](DenseOp dense) {
        auto kernel = cast<RankedTensorType>(dense.getKernel().getType());
        int64_t outputs = kernel.getDimSize(1);
        return 2 * outputs * kernel.getDimSize(0) +
               epilogueFlops(outputs, bool(dense.getBias()),
                             dense.getActivation());
      })
      .Case<MaxPool2DOp, AvgPool2DOp, MinPool2DOp>([](auto pool) {
        ArrayRef<int64_t> window = pool.getWindow();
        return perImageElements(pool.getType()) * window[0] * window[1];
      })
      .Case<ReluOp, SigmoidOp, TanhOp, AddOp>(
          [](auto unary) { return perImageElements(unary.getType()); })
      .Case([](SoftmaxOp softmax) {
        // max, subtract + exp, sum, divide
        return 4 * perImageElements(softmax.getType());
      })
      .Default([](Operation *) { return int64_t(0); });
}

int64_t cnnc::cnn::countFlopsPerImage(func::FuncOp func) {
  int64_t total = 0;
  func.walk([&](Operation *op) { total += countFlopsPerImage(op); });
  return total;
}
