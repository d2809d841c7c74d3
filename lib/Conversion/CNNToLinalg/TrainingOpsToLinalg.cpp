//===- TrainingOpsToLinalg.cpp - element-wise gradients, matmul, reshape --===//
//
// The remaining gradient ops: activation and softmax gradients, the bias
// gradient (a reduction to channels), matrix products with transposed
// operands and the reshape that undoes flatten.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Element-wise gradients, reductions, matmul, reshape
//===----------------------------------------------------------------------===//

/// `dy * f'` for `activation`, from `v`: the activation's output for the
/// kinds differentiated from it, its input for silu, gelu and hard_swish
/// (cnn.activation_grad's table).
Value activationInputGrad(OpBuilder &b, Location loc, Activation activation,
                          const ActivationOptions &options, Value v, Value dy) {
  auto c = [&](double value) { return f32(b, loc, value); };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y);
  };
  auto sub = [&](Value x, Value y) -> Value {
    return arith::SubFOp::create(b, loc, x, y);
  };
  auto cmp = [&](arith::CmpFPredicate predicate, Value x, double y) -> Value {
    return arith::CmpFOp::create(b, loc, predicate, x, c(y));
  };
  auto select = [&](Value condition, Value x, Value y) -> Value {
    return arith::SelectOp::create(b, loc, condition, x, y);
  };
  auto between = [&](Value x, double low, double high) -> Value {
    return arith::AndIOp::create(b, loc, cmp(arith::CmpFPredicate::OGT, x, low),
                                 cmp(arith::CmpFPredicate::OLT, x, high));
  };
  using P = arith::CmpFPredicate;
  switch (activation) {
  case Activation::None:
    return dy;
  case Activation::Relu:
    return select(cmp(P::OGT, v, 0), dy, c(0));
  case Activation::Sigmoid:
    return mul(dy, mul(v, sub(c(1), v)));
  case Activation::Tanh:
    return mul(dy, sub(c(1), mul(v, v)));
  case Activation::LeakyRelu:
    return select(cmp(P::OGT, v, 0), dy, mul(c(options.alpha), dy));
  case Activation::Elu:
    return select(cmp(P::OGT, v, 0), dy, mul(add(v, c(options.alpha)), dy));
  case Activation::Selu:
    return select(cmp(P::OGT, v, 0), mul(c(kSeluScale), dy),
                  mul(add(v, c(kSeluScale * kSeluAlpha)), dy));
  case Activation::Relu6:
    return select(between(v, 0, 6), dy, c(0));
  case Activation::Softplus: {
    // sigmoid(x) = 1 - exp(-y) = -expm1(-y): exact for small y too.
    Value negated = arith::NegFOp::create(b, loc, v);
    Value slope =
        arith::NegFOp::create(b, loc, math::ExpM1Op::create(b, loc, negated));
    return mul(dy, slope);
  }
  case Activation::HardSigmoid:
    return select(between(v, 0, 1), mul(dy, c(1.0 / 6.0)), c(0));
  case Activation::Silu: {
    // s (1 + x (1 - s)), s = sigmoid(x)
    Value s = createSigmoid(b, loc, v);
    return mul(dy, mul(s, add(c(1), mul(v, sub(c(1), s)))));
  }
  case Activation::Gelu: {
    if (!options.approximate) {
      // Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
      Value density = mul(c(1 / std::sqrt(2 * M_PI)),
                          math::ExpOp::create(b, loc, mul(c(-0.5), mul(v, v))));
      return mul(dy, add(createNormalCdf(b, loc, v), mul(v, density)));
    }
    // d/dx [x s(2u)] = s (1 + 2 x (1 - s) u'), s = sigmoid(2u),
    // u = k (x + 0.044715 x^3), u' = k (1 + 3 * 0.044715 x^2).
    double k = std::sqrt(2 / M_PI);
    Value square = mul(v, v);
    Value inner = add(v, mul(c(0.044715), mul(square, v)));
    Value s = createSigmoid(b, loc, mul(c(2 * k), inner));
    Value twiceDu = mul(c(2 * k), add(c(1), mul(c(3 * 0.044715), square)));
    Value slope = mul(s, add(c(1), mul(mul(v, sub(c(1), s)), twiceDu)));
    return mul(dy, slope);
  }
  case Activation::HardSwish: {
    // x <= -3: 0; x >= 3: 1; else (2x + 3) / 6
    Value middle = mul(dy, mul(add(mul(c(2), v), c(3)), c(1.0 / 6.0)));
    Value upper = select(cmp(P::OGE, v, 3), dy, middle);
    return select(cmp(P::OLE, v, -3), c(0), upper);
  }
  }
  llvm_unreachable("unknown activation");
}

struct ActivationGradLowering : OpConversionPattern<ActivationGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ActivationGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Activation activation = op.getActivation();
    ActivationOptions options{op.getEffectiveAlpha(), op.getApproximate()};
    Value init = createEmptyLike(b, loc, op.getType(), adaptor.getValue());
    b.replaceOp(op, createElementwise(
                        b, loc,
                        ValueRange{adaptor.getValue(), adaptor.getOutputGrad()},
                        init, [&](OpBuilder &nb, Location l, ValueRange args) {
                          return activationInputGrad(nb, l, activation, options,
                                                     args[0], args[1]);
                        }));
    return success();
  }
};

/// Map of a rank-`rank` iteration space onto its leading `rank - 1` dims.
AffineMap dropLastDim(MLIRContext *ctx, int64_t rank) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i + 1 < rank; ++i)
    exprs.push_back(dim(ctx, i));
  return AffineMap::get(rank, 0, exprs, ctx);
}

struct SoftmaxGradLowering : OpConversionPattern<SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    Value y = adaptor.getOutput(), dy = adaptor.getOutputGrad();
    // dot = sum_j dy_j y_j ; dx = y (dy - dot)
    auto rowType = RankedTensorType::get(type.getShape().drop_back(),
                                         b.getF32Type());
    Value rowInit = createZeros(b, loc, rowType, y);
    AffineMap id = b.getMultiDimIdentityMap(rank);
    AffineMap row = dropLastDim(ctx, rank);
    SmallVector<IteratorType> reduceLast(rank, kParallel);
    reduceLast.back() = kReduction;
    Value dot = linalg::GenericOp::create(
                    b, loc, TypeRange{rowType}, ValueRange{y, dy},
                    ValueRange{rowInit}, ArrayRef<AffineMap>{id, id, row},
                    reduceLast,
                    [](OpBuilder &nb, Location l, ValueRange args) {
                      Value p = arith::MulFOp::create(nb, l, args[0], args[1]);
                      linalg::YieldOp::create(
                          nb, l,
                          Value(arith::AddFOp::create(nb, l, args[2], p)));
                    })
                    .getResult(0);
    Value init = createEmptyLike(b, loc, type, y);
    b.replaceOp(op,
                linalg::GenericOp::create(
                    b, loc, TypeRange{type}, ValueRange{y, dy, dot},
                    ValueRange{init}, ArrayRef<AffineMap>{id, id, row, id},
                    SmallVector<IteratorType>(rank, kParallel),
                    [](OpBuilder &nb, Location l, ValueRange args) {
                      Value diff = arith::SubFOp::create(nb, l, args[1], args[2]);
                      linalg::YieldOp::create(
                          nb, l,
                          Value(arith::MulFOp::create(nb, l, args[0], diff)));
                    })
                    .getResult(0));
    return success();
  }
};

struct ReduceToChannelsLowering : OpConversionPattern<ReduceToChannelsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReduceToChannelsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = inputType.getRank();
    SmallVector<IteratorType> iterators(rank, kReduction);
    iterators.back() = kParallel;
    Value init = createZeros(b, loc, op.getType(), adaptor.getInput());
    AffineMap last = AffineMap::get(rank, 0, {dim(ctx, rank - 1)}, ctx);
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{op.getType()},
                        ValueRange{adaptor.getInput()}, ValueRange{init},
                        ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank),
                                            last},
                        iterators,
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::AddFOp::create(nb, l, args[1],
                                                          args[0])));
                        })
                        .getResult(0));
    return success();
  }
};

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    // Dynamic result sizes come from the operand dimension they mirror.
    SmallVector<Value> dynamicSizes;
    if (type.isDynamicDim(0))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, lhs, op.getTransposeLhs() ? 1 : 0));
    if (type.isDynamicDim(1))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, rhs, op.getTransposeRhs() ? 0 : 1));
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                          b.getF32Type(), dynamicSizes);
    Value init =
        linalg::FillOp::create(b, loc, ValueRange{f32(b, loc, 0)},
                               ValueRange{empty})
            .getResult(0);
    // loops: (i, j | k)
    AffineExpr i = dim(ctx, 0), j = dim(ctx, 1), k = dim(ctx, 2);
    auto map = [&](AffineExpr a, AffineExpr c) {
      return AffineMap::get(3, 0, {a, c}, ctx);
    };
    // A transposed rhs is materialized first: it is a parameter-sized
    // matrix, and the product then reads rows of it contiguously along j,
    // which is what the vector kernels (and LLVM's vectorizer) need.
    if (op.getTransposeRhs()) {
      auto rhsType = cast<RankedTensorType>(rhs.getType());
      auto transposedType = RankedTensorType::get(
          {rhsType.getDimSize(1), rhsType.getDimSize(0)},
          rhsType.getElementType());
      SmallVector<Value> sizes;
      for (int64_t d : {1, 0})
        if (rhsType.isDynamicDim(d))
          sizes.push_back(tensor::DimOp::create(b, loc, rhs, d));
      Value transposedInit = tensor::EmptyOp::create(
          b, loc, transposedType.getShape(), b.getF32Type(), sizes);
      rhs = linalg::TransposeOp::create(b, loc, rhs, transposedInit,
                                        ArrayRef<int64_t>{1, 0})
                .getResult()[0];
    }
    AffineMap lhsMap = op.getTransposeLhs() ? map(k, i) : map(i, k);
    AffineMap rhsMap = map(k, j);
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{type}, ValueRange{lhs, rhs},
                        ValueRange{init},
                        ArrayRef<AffineMap>{lhsMap, rhsMap, map(i, j)},
                        {kParallel, kParallel, kReduction},
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          Value p = arith::MulFOp::create(nb, l, args[0],
                                                          args[1]);
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::AddFOp::create(nb, l, args[2], p)));
                        })
                        .getResult(0));
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value value = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(value.getType());
    RankedTensorType resultType = op.getType();
    // Through [batch, features]: collapse, then expand.
    if (inputType.getRank() > 2) {
      SmallVector<ReassociationIndices> groups = {
          {0}, llvm::to_vector(llvm::seq<int64_t>(1, inputType.getRank()))};
      value = tensor::CollapseShapeOp::create(b, loc, value, groups);
    }
    if (resultType.getRank() > 2) {
      SmallVector<ReassociationIndices> groups = {
          {0}, llvm::to_vector(llvm::seq<int64_t>(1, resultType.getRank()))};
      SmallVector<OpFoldResult> shape = {
          tensor::getMixedSize(b, loc, value, 0)};
      for (int64_t d : resultType.getShape().drop_front())
        shape.push_back(b.getIndexAttr(d));
      value = tensor::ExpandShapeOp::create(b, loc, resultType, value, groups,
                                            shape);
    }
    b.replaceOp(op, value);
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateTrainingOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ActivationGradLowering, SoftmaxGradLowering,
               ReduceToChannelsLowering, MatmulLowering, ReshapeLowering>(
      patterns.getContext());
  populateWindowGradientPatterns(patterns);
  populateLossAndOptimizerPatterns(patterns);
}
