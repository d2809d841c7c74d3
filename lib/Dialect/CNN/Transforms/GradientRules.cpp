//===- GradientRules.cpp - backward rules of cnn ops ----------------------===//
//
// One rule per forward op. A fused activation is differentiated from the
// layer's output (relu: y > 0, sigmoid: y (1 - y), tanh: 1 - y^2), so no
// pre-activation value has to be kept alive for the backward pass.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Transforms/GradientRules.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cnnc::cnn;

namespace {

/// The gradient before a fused activation.
Value throughActivation(OpBuilder &b, Location loc, Activation activation,
                        Value output, Value outputGrad) {
  if (activation == Activation::None)
    return outputGrad;
  return ActivationGradOp::create(b, loc, output, outputGrad,
                                  ActivationAttr::get(b.getContext(), activation));
}

Value biasGradient(OpBuilder &b, Location loc, Value grad, Value bias) {
  return ReduceToChannelsOp::create(b, loc, bias.getType(), grad);
}

SmallVector<Value> conv2DGradients(OpBuilder &b, Conv2DOp op, Value dy,
                                   ArrayRef<bool> wanted) {
  Location loc = op.getLoc();
  Value g = throughActivation(b, loc, op.getActivation(), op.getResult(), dy);
  auto strides = b.getDenseI64ArrayAttr(op.getEffectiveStrides());
  auto dilations = b.getDenseI64ArrayAttr(op.getEffectiveDilations());
  auto padding = PaddingAttr::get(b.getContext(), op.getPadding());
  SmallVector<Value> grads(op->getNumOperands());
  if (wanted[0])
    grads[0] = Conv2DGradInputOp::create(b, loc, op.getInput().getType(), g,
                                         op.getFilter(), strides, dilations,
                                         padding);
  if (wanted[1])
    grads[1] = Conv2DGradFilterOp::create(b, loc, op.getFilter().getType(),
                                          op.getInput(), g, strides, dilations,
                                          padding);
  if (op.getBias() && wanted[2])
    grads[2] = biasGradient(b, loc, g, op.getBias());
  return grads;
}

SmallVector<Value> denseGradients(OpBuilder &b, DenseOp op, Value dy,
                                  ArrayRef<bool> wanted) {
  Location loc = op.getLoc();
  Value g = throughActivation(b, loc, op.getActivation(), op.getResult(), dy);
  SmallVector<Value> grads(op->getNumOperands());
  // x [N, F], kernel [F, U], g [N, U]: dx = g kernel^T, dkernel = x^T g.
  if (wanted[0])
    grads[0] = MatmulOp::create(b, loc, op.getInput().getType(), g,
                                op.getKernel(), /*transposeLhs=*/false,
                                /*transposeRhs=*/true);
  if (wanted[1])
    grads[1] = MatmulOp::create(b, loc, op.getKernel().getType(),
                                op.getInput(), g, /*transposeLhs=*/true,
                                /*transposeRhs=*/false);
  if (op.getBias() && wanted[2])
    grads[2] = biasGradient(b, loc, g, op.getBias());
  return grads;
}

template <typename PoolOp>
SmallVector<Value> poolGradients(OpBuilder &b, PoolOp op, PoolKind kind,
                                 Value dy) {
  return {Pool2DGradOp::create(b, op.getLoc(), kind, op.getInput(), dy,
                               op.getWindow(), op.getEffectiveStrides(),
                               op.getPadding())};
}

} // namespace

FailureOr<SmallVector<Value>>
cnnc::cnn::buildOperandGradients(OpBuilder &b, Operation *op, Value dy,
                                 ArrayRef<bool> wanted) {
  Location loc = op->getLoc();
  auto unary = [&](Activation activation) -> SmallVector<Value> {
    return {throughActivation(b, loc, activation, op->getResult(0), dy)};
  };
  return llvm::TypeSwitch<Operation *, FailureOr<SmallVector<Value>>>(op)
      .Case([&](Conv2DOp conv) { return conv2DGradients(b, conv, dy, wanted); })
      .Case([&](DenseOp dense) { return denseGradients(b, dense, dy, wanted); })
      .Case([&](MaxPool2DOp pool) {
        return poolGradients(b, pool, PoolKind::Max, dy);
      })
      .Case([&](AvgPool2DOp pool) {
        return poolGradients(b, pool, PoolKind::Avg, dy);
      })
      .Case([&](MinPool2DOp pool) {
        return poolGradients(b, pool, PoolKind::Min, dy);
      })
      .Case([&](FlattenOp flatten) -> SmallVector<Value> {
        return {ReshapeOp::create(b, loc, flatten.getInput().getType(), dy)};
      })
      .Case([&](ReluOp) { return unary(Activation::Relu); })
      .Case([&](SigmoidOp) { return unary(Activation::Sigmoid); })
      .Case([&](TanhOp) { return unary(Activation::Tanh); })
      .Case([&](SoftmaxOp softmax) -> SmallVector<Value> {
        return {SoftmaxGradOp::create(b, loc, softmax.getResult(), dy)};
      })
      .Case([&](AddOp) -> SmallVector<Value> { return {dy, dy}; })
      .Default([&](Operation *other) -> FailureOr<SmallVector<Value>> {
        return other->emitError("no gradient rule for '")
               << other->getName() << "'";
      });
}
