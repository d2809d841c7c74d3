//===- LossAndOptimizerToLinalg.cpp - losses and optimizer updates --------===//
//
// Losses work on logits [N, K] and int32 labels [N]. The cross-entropies use
// the log-sum-exp trick (subtract the row maximum before exp); gradients
// are already divided by the batch size, so the loss is the batch mean.
// Optimizer updates (Adam/AdamW, SGD, RMSprop, each with Keras's optional
// decoupled weight decay) are one element-wise pass over the flat
// parameters.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

/// Maps of the (row, class) iteration space.
struct RowMaps {
  AffineMap full, row, scalar;
  explicit RowMaps(MLIRContext *ctx)
      : full(AffineMap::getMultiDimIdentityMap(2, ctx)),
        row(AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx)),
        scalar(AffineMap::get(2, 0, {}, ctx)) {}
};

/// Whether the class index of the innermost loop equals the row's label.
Value isLabel(OpBuilder &b, Location loc, Value label) {
  Value j = linalg::IndexOp::create(b, loc, 1);
  Value j32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), j);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, j32, label);
}

/// A row-wise reduction of logits into [N] starting from `initValue`.
Value reduceRows(OpBuilder &b, Location loc, Value logits, ValueRange extra,
                 ArrayRef<AffineMap> extraMaps, double initValue,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  MLIRContext *ctx = b.getContext();
  RowMaps maps(ctx);
  auto logitsType = cast<RankedTensorType>(logits.getType());
  auto rowType = RankedTensorType::get({logitsType.getDimSize(0)},
                                       b.getF32Type());
  Value init = createFilled(b, loc, rowType, logits, f32(b, loc, initValue));
  SmallVector<Value> inputs = {logits};
  llvm::append_range(inputs, extra);
  SmallVector<AffineMap> indexing = {maps.full};
  llvm::append_range(indexing, extraMaps);
  indexing.push_back(maps.row);
  return linalg::GenericOp::create(
             b, loc, TypeRange{rowType}, inputs, ValueRange{init}, indexing,
             {kParallel, kReduction},
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, fn(nb, l, args));
             })
      .getResult(0);
}

struct LossLowering : OpConversionPattern<LossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RowMaps maps(ctx);
    Value logits = adaptor.getLogits(), labels = adaptor.getLabels();
    auto logitsType = cast<RankedTensorType>(logits.getType());
    int64_t classes = logitsType.getDimSize(1);

    // 1 / max(N, 1): the batch mean (a batch of 0 gives loss 0, no NaN).
    Value n = tensor::DimOp::create(b, loc, logits, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value nAtLeast1 = arith::MaxUIOp::create(b, loc, n, one);
    Value nFloat = arith::UIToFPOp::create(
        b, loc, b.getF32Type(),
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), nAtLeast1));
    Value invN = arith::DivFOp::create(b, loc, f32(b, loc, 1), nFloat);

    bool crossEntropy = op.getKind() != LossKind::MeanSquaredError;
    Value rowMax, rowSum;
    if (crossEntropy) {
      rowMax = reduceRows(b, loc, logits, {}, {},
                          -std::numeric_limits<double>::infinity(),
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            return Value(arith::MaximumFOp::create(nb, l, a[0], a[1]));
                          });
      rowSum = reduceRows(b, loc, logits, {rowMax}, {maps.row}, 0.0,
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            Value shifted = arith::SubFOp::create(nb, l, a[0], a[1]);
                            Value e = math::ExpOp::create(nb, l, shifted);
                            return Value(arith::AddFOp::create(nb, l, a[2], e));
                          });
    }

    // Loss: sum over (row, class) of the per-element term, times 1/N.
    auto scalarType = RankedTensorType::get({}, b.getF32Type());
    Value lossInit =
        linalg::FillOp::create(b, loc, ValueRange{f32(b, loc, 0)},
                               ValueRange{tensor::EmptyOp::create(
                                   b, loc, ArrayRef<int64_t>{},
                                   b.getF32Type())})
            .getResult(0);
    SmallVector<Value> lossInputs = {logits, labels};
    SmallVector<AffineMap> lossMaps = {maps.full, maps.row};
    if (crossEntropy) {
      lossInputs.append({rowMax, rowSum});
      lossMaps.append({maps.row, maps.row});
    }
    lossMaps.push_back(maps.scalar);
    double invClasses = 1.0 / double(classes);
    Value totalLoss =
        linalg::GenericOp::create(
            b, loc, TypeRange{scalarType}, lossInputs, ValueRange{lossInit},
            lossMaps, {kReduction, kReduction},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value hit = isLabel(nb, l, a[1]);
              Value term;
              if (crossEntropy) {
                // log-sum-exp - logit of the label, counted once per row.
                Value lse = arith::AddFOp::create(
                    nb, l, a[2], math::LogOp::create(nb, l, a[3]));
                Value nll = arith::SubFOp::create(nb, l, lse, a[0]);
                term = arith::SelectOp::create(nb, l, hit, nll, f32(nb, l, 0));
              } else {
                Value target =
                    arith::SelectOp::create(nb, l, hit, f32(nb, l, 1), f32(nb, l, 0));
                Value diff = arith::SubFOp::create(nb, l, a[0], target);
                term = arith::MulFOp::create(
                    nb, l, arith::MulFOp::create(nb, l, diff, diff),
                    f32(nb, l, invClasses));
              }
              Value acc = a.back();
              linalg::YieldOp::create(
                  nb, l, Value(arith::AddFOp::create(nb, l, acc, term)));
            })
            .getResult(0);
    Value meanLoss =
        linalg::GenericOp::create(
            b, loc, TypeRange{scalarType}, ValueRange{}, ValueRange{totalLoss},
            ArrayRef<AffineMap>{AffineMap::get(0, 0, {}, ctx)},
            ArrayRef<IteratorType>{},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  nb, l, Value(arith::MulFOp::create(nb, l, a[0], invN)));
            })
            .getResult(0);

    // Gradient w.r.t. the logits, already divided by N.
    Value gradInit = createEmptyLike(b, loc, logitsType, logits);
    SmallVector<Value> gradInputs = {logits, labels};
    SmallVector<AffineMap> gradMaps = {maps.full, maps.row};
    if (crossEntropy) {
      gradInputs.append({rowMax, rowSum});
      gradMaps.append({maps.row, maps.row});
    }
    gradMaps.push_back(maps.full);
    Value grad =
        linalg::GenericOp::create(
            b, loc, TypeRange{logitsType}, gradInputs, ValueRange{gradInit},
            gradMaps, {kParallel, kParallel},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value hit = isLabel(nb, l, a[1]);
              Value target =
                  arith::SelectOp::create(nb, l, hit, f32(nb, l, 1), f32(nb, l, 0));
              Value g;
              if (crossEntropy) {
                Value e = math::ExpOp::create(
                    nb, l, arith::SubFOp::create(nb, l, a[0], a[2]));
                Value softmax = arith::DivFOp::create(nb, l, e, a[3]);
                g = arith::SubFOp::create(nb, l, softmax, target);
              } else {
                Value diff = arith::SubFOp::create(nb, l, a[0], target);
                g = arith::MulFOp::create(nb, l, diff,
                                          f32(nb, l, 2.0 * invClasses));
              }
              linalg::YieldOp::create(
                  nb, l, Value(arith::MulFOp::create(nb, l, g, invN)));
            })
            .getResult(0);
    b.replaceOp(op, ValueRange{meanLoss, grad});
    return success();
  }
};

struct CountCorrectLowering : OpConversionPattern<CountCorrectOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CountCorrectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RowMaps maps(ctx);
    Value logits = adaptor.getLogits();
    auto logitsType = cast<RankedTensorType>(logits.getType());
    int64_t rows = logitsType.getDimSize(0);
    auto rowF32 = RankedTensorType::get({rows}, b.getF32Type());
    auto rowI32 = RankedTensorType::get({rows}, b.getI32Type());
    Value bestInit = createFilled(b, loc, rowF32, logits,
                            f32(b, loc, -std::numeric_limits<double>::infinity()));
    Value indexInit = createFilled(
        b, loc, rowI32, logits,
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1)));
    // First maximum of each row (strictly greater keeps the first).
    auto argmax = linalg::GenericOp::create(
        b, loc, TypeRange{rowF32, rowI32}, ValueRange{logits},
        ValueRange{bestInit, indexInit},
        ArrayRef<AffineMap>{maps.full, maps.row, maps.row},
        {kParallel, kReduction}, [](OpBuilder &nb, Location l, ValueRange a) {
          Value better = arith::CmpFOp::create(
              nb, l, arith::CmpFPredicate::OGT, a[0], a[1]);
          Value j = arith::IndexCastOp::create(
              nb, l, nb.getI32Type(), linalg::IndexOp::create(nb, l, 1));
          linalg::YieldOp::create(
              nb, l,
              ValueRange{arith::SelectOp::create(nb, l, better, a[0], a[1]),
                         arith::SelectOp::create(nb, l, better, j, a[2])});
        });
    auto countType = RankedTensorType::get({}, b.getI64Type());
    Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
    Value countInit =
        linalg::FillOp::create(
            b, loc, ValueRange{zero},
            ValueRange{tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{},
                                               b.getI64Type())})
            .getResult(0);
    AffineMap rowId = AffineMap::getMultiDimIdentityMap(1, ctx);
    AffineMap toScalar = AffineMap::get(1, 0, {}, ctx);
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{countType},
                        ValueRange{argmax.getResult(1), adaptor.getLabels()},
                        ValueRange{countInit},
                        ArrayRef<AffineMap>{rowId, rowId, toScalar},
                        {kReduction},
                        [](OpBuilder &nb, Location l, ValueRange a) {
                          Value hit = arith::CmpIOp::create(
                              nb, l, arith::CmpIPredicate::eq, a[0], a[1]);
                          Value inc = arith::ExtUIOp::create(
                              nb, l, nb.getI64Type(), hit);
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::AddIOp::create(nb, l, a[2], inc)));
                        })
                        .getResult(0));
    return success();
  }
};

/// An element-wise generic over 1-D tensors: `inputs` are read-only, `outs`
/// are updated in place; the body returns one value per output.
SmallVector<Value> updateInPlace(
    OpBuilder &b, Location loc, ValueRange inputs, ValueRange outs,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(inputs.size() + outs.size(),
                              AffineMap::getMultiDimIdentityMap(1, ctx));
  return linalg::GenericOp::create(
             b, loc, outs.getTypes(), inputs, outs, maps, {kParallel},
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, fn(nb, l, args));
             })
      .getResults();
}

/// Keras's decoupled weight decay, `p - p * wd * lr`
/// (BaseOptimizer._apply_weight_decay), applied to the scalar `p` before the
/// optimizer's own update; `decay` is the scalar `wd * lr`, null without
/// weight decay.
Value decayed(OpBuilder &b, Location loc, Value p, Value decay) {
  if (!decay)
    return p;
  return arith::SubFOp::create(b, loc, p,
                               arith::MulFOp::create(b, loc, p, decay));
}

/// `wd * lr`, computed once outside the element-wise pass; null without
/// weight decay.
Value decayFactor(OpBuilder &b, Location loc, std::optional<APFloat> decay,
                  Value learningRate) {
  if (!decay)
    return Value();
  return arith::MulFOp::create(b, loc, f32(b, loc, decay->convertToFloat()),
                               learningRate);
}

struct AdamUpdateLowering : OpConversionPattern<AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    double beta1 = op.getBeta1().convertToFloat();
    double beta2 = op.getBeta2().convertToFloat();
    double epsilon = op.getEpsilon().convertToFloat();
    // alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t), computed once.
    Value t = arith::SIToFPOp::create(b, loc, b.getF32Type(), adaptor.getStep());
    Value one = f32(b, loc, 1);
    auto correction = [&](double beta) {
      Value power = math::PowFOp::create(b, loc, f32(b, loc, beta), t);
      return arith::SubFOp::create(b, loc, one, power);
    };
    Value alpha = arith::DivFOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, adaptor.getLearningRate(),
                              math::SqrtOp::create(b, loc, correction(beta2))),
        correction(beta1));
    Value decay =
        decayFactor(b, loc, op.getWeightDecay(), adaptor.getLearningRate());
    SmallVector<Value> results = updateInPlace(
        b, loc, ValueRange{adaptor.getGrad()},
        ValueRange{adaptor.getParam(), adaptor.getM(), adaptor.getV()},
        [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
          Value g = a[0], m = a[2], v = a[3];
          Value p = decayed(nb, l, a[1], decay);
          // m += (g - m) (1 - beta1); v += (g^2 - v) (1 - beta2)
          Value newM = arith::AddFOp::create(
              nb, l, m,
              arith::MulFOp::create(nb, l, arith::SubFOp::create(nb, l, g, m),
                                    f32(nb, l, 1.0 - beta1)));
          Value g2 = arith::MulFOp::create(nb, l, g, g);
          Value newV = arith::AddFOp::create(
              nb, l, v,
              arith::MulFOp::create(nb, l, arith::SubFOp::create(nb, l, g2, v),
                                    f32(nb, l, 1.0 - beta2)));
          Value denominator = arith::AddFOp::create(
              nb, l, math::SqrtOp::create(nb, l, newV), f32(nb, l, epsilon));
          Value step = arith::DivFOp::create(
              nb, l, arith::MulFOp::create(nb, l, newM, alpha), denominator);
          return {arith::SubFOp::create(nb, l, p, step), newM, newV};
        });
    b.replaceOp(op, results);
    return success();
  }
};

struct SGDUpdateLowering : OpConversionPattern<SGDUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SGDUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    double momentum = op.getMomentum().convertToFloat();
    bool nesterov = op.getNesterov();
    Value lr = adaptor.getLearningRate();
    Value decay = decayFactor(b, loc, op.getWeightDecay(), lr);
    SmallVector<Value> results = updateInPlace(
        b, loc, ValueRange{adaptor.getGrad()},
        ValueRange{adaptor.getParam(), adaptor.getVelocity()},
        [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
          Value g = a[0], v = a[2];
          Value p = decayed(nb, l, a[1], decay);
          Value step = arith::MulFOp::create(nb, l, lr, g);
          // v = momentum v - lr g
          Value newV = arith::SubFOp::create(
              nb, l, arith::MulFOp::create(nb, l, f32(nb, l, momentum), v),
              step);
          Value delta = newV;
          if (nesterov)
            delta = arith::SubFOp::create(
                nb, l,
                arith::MulFOp::create(nb, l, f32(nb, l, momentum), newV),
                step);
          return {arith::AddFOp::create(nb, l, p, delta), newV};
        });
    b.replaceOp(op, results);
    return success();
  }
};

/// Keras RMSprop in its order (keras/src/optimizers/rmsprop.py); the
/// optional momentum buffer and average gradient are updated in the same
/// pass.
struct RMSpropUpdateLowering : OpConversionPattern<RMSpropUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RMSpropUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    double rho = op.getRho().convertToFloat();
    double momentum = op.getMomentum().convertToFloat();
    double epsilon = op.getEpsilon().convertToFloat();
    bool hasMomentum = bool(adaptor.getMomentumBuffer());
    bool centered = bool(adaptor.getAverageGradient());
    Value lr = adaptor.getLearningRate();
    Value decay = decayFactor(b, loc, op.getWeightDecay(), lr);
    SmallVector<Value> outs = {adaptor.getParam(), adaptor.getVelocity()};
    if (hasMomentum)
      outs.push_back(adaptor.getMomentumBuffer());
    if (centered)
      outs.push_back(adaptor.getAverageGradient());
    SmallVector<Value> results = updateInPlace(
        b, loc, ValueRange{adaptor.getGrad()}, outs,
        [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
          Value g = a[0], v = a[2];
          Value p = decayed(nb, l, a[1], decay);
          auto mul = [&](Value x, Value y) -> Value {
            return arith::MulFOp::create(nb, l, x, y);
          };
          auto add = [&](Value x, Value y) -> Value {
            return arith::AddFOp::create(nb, l, x, y);
          };
          // velocity = rho v + (1 - rho) g^2
          Value newV = add(mul(f32(nb, l, rho), v),
                           mul(f32(nb, l, 1.0 - rho), mul(g, g)));
          SmallVector<Value> updated = {Value(), newV};
          Value denominator;
          Value newAverage;
          if (centered) {
            // average = rho average + (1 - rho) g;
            // denominator = velocity - average^2 + epsilon
            Value average = a[hasMomentum ? 4 : 3];
            newAverage = add(mul(f32(nb, l, rho), average),
                             mul(f32(nb, l, 1.0 - rho), g));
            denominator = add(
                arith::SubFOp::create(nb, l, newV, mul(newAverage, newAverage)),
                f32(nb, l, epsilon));
          } else {
            denominator = add(newV, f32(nb, l, epsilon));
          }
          Value increment = arith::DivFOp::create(
              nb, l, mul(lr, g), math::SqrtOp::create(nb, l, denominator));
          Value step = increment;
          if (hasMomentum) {
            // momentum_buffer = momentum * momentum_buffer + increment
            step = add(mul(f32(nb, l, momentum), a[3]), increment);
            updated.push_back(step);
          }
          if (centered)
            updated.push_back(newAverage);
          updated[0] = arith::SubFOp::create(nb, l, p, step);
          return updated;
        });
    b.replaceOp(op, results);
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateLossAndOptimizerPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LossLowering, CountCorrectLowering, AdamUpdateLowering,
               SGDUpdateLowering, RMSpropUpdateLowering>(patterns.getContext());
}
