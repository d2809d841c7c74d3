//===- NormalizationToLinalg.cpp - batch normalization to linalg ----------===//
//
// Lowers batch normalization (inference form, training form, gradient,
// moving average, folding into a layer) to linalg generics on tensors, and
// registers the dropout patterns of DropoutToLinalg.cpp.
//
// The per-channel sums of the training form and its gradient run over every
// axis but the channel. For an NHWC batch they are split in two generics:
// per-image partial sums `[N, C]` (loops n | h, w | c: the batch loop is
// parallel and outermost, so cnn-tile-parallel gives each thread images;
// the channel loop is innermost and contiguous, so LLVM vectorizes it),
// then a small reduction over the images. Everything per element is one
// element-wise generic with per-channel coefficients computed once, which
// cnn-fuse-elementwise fuses with a following activation.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

using ScalarFn =
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange)>;

/// `(d0, ..., d{rank-1}) -> (d{rank-1})`: the channel of a batch element.
AffineMap channelMap(MLIRContext *ctx, int64_t rank) {
  return AffineMap::get(rank, 0, {dim(ctx, rank - 1)}, ctx);
}

RankedTensorType channelType(Value batch) {
  auto type = cast<RankedTensorType>(batch.getType());
  return RankedTensorType::get({type.getShape().back()}, type.getElementType());
}

/// A generic over the shape of `batchInputs[0]` (`[N, ..., C]`) writing a
/// tensor of that shape: the body gets the scalars of `batchInputs` and of
/// the per-channel `channelInputs` (both in order) and returns the result.
Value mapBatch(OpBuilder &b, Location loc, ValueRange batchInputs,
               ValueRange channelInputs, ScalarFn fn) {
  Value like = batchInputs[0];
  auto type = cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> inputs(batchInputs);
  llvm::append_range(inputs, channelInputs);
  SmallVector<AffineMap> maps(batchInputs.size(),
                              b.getMultiDimIdentityMap(rank));
  maps.append(channelInputs.size(), channelMap(b.getContext(), rank));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  size_t numBatch = batchInputs.size();
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs,
             ValueRange{createEmptyLike(b, loc, type, like)}, maps,
             SmallVector<IteratorType>(rank, kParallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l,
                   fn(nb, l, args.take_front(numBatch),
                      args.slice(numBatch, channelInputs.size())));
             })
      .getResult(0);
}

/// Per-channel tensors from per-channel inputs: `fn` computes the
/// `numResults` scalars of a channel from its inputs. Each result is its own
/// `linalg.map` (dead parts of `fn` fold away): cnn-fuse-elementwise fuses
/// generic producers only, so a per-channel coefficient is computed once per
/// channel rather than again for every element of the batch that reads it
/// (the GPU pipeline generalizes named ops first and fuses them, which saves
/// a launch there).
SmallVector<Value> mapChannels(
    OpBuilder &b, Location loc, ValueRange inputs, int64_t numResults,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> fn) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  SmallVector<Value> results;
  for (int64_t i = 0; i < numResults; ++i) {
    Value init =
        tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    auto map = linalg::MapOp::create(
        b, loc, inputs, init, [&](OpBuilder &nb, Location l, ValueRange args) {
          linalg::YieldOp::create(nb, l, fn(nb, l, args)[i]);
        });
    results.push_back(map.getResult().front());
  }
  return results;
}

/// Sums `term` over every axis but the last of `[N, ..., C]` batches: the
/// body gets the scalars of `batchInputs` and `channelInputs`. Rank > 2
/// sums each image first (a parallel batch loop), then the images.
Value sumPerChannel(OpBuilder &b, Location loc, ValueRange batchInputs,
                    ValueRange channelInputs, ScalarFn term) {
  MLIRContext *ctx = b.getContext();
  Value like = batchInputs[0];
  auto type = cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  RankedTensorType channels = channelType(like);
  auto accumulate = [&](OpBuilder &nb, Location l, ValueRange args) {
    size_t numBatch = batchInputs.size();
    Value value = term(nb, l, args.take_front(numBatch),
                       args.slice(numBatch, channelInputs.size()));
    linalg::YieldOp::create(
        nb, l, Value(arith::AddFOp::create(nb, l, args.back(), value)));
  };
  auto addUp = [](OpBuilder &nb, Location l, ValueRange args) {
    linalg::YieldOp::create(
        nb, l, Value(arith::AddFOp::create(nb, l, args[1], args[0])));
  };
  SmallVector<Value> inputs(batchInputs);
  llvm::append_range(inputs, channelInputs);
  SmallVector<AffineMap> maps(batchInputs.size(),
                              b.getMultiDimIdentityMap(rank));
  maps.append(channelInputs.size(), channelMap(ctx, rank));
  AffineMap toChannel = channelMap(ctx, rank);
  if (rank == 2) {
    maps.push_back(toChannel);
    return linalg::GenericOp::create(
               b, loc, TypeRange{channels}, inputs,
               ValueRange{createZeros(b, loc, channels, like)}, maps,
               {kReduction, kParallel}, accumulate)
        .getResult(0);
  }
  // Per image: [N, C] partial sums, loops (n | spatial... | c).
  auto partialType = RankedTensorType::get(
      {type.getDimSize(0), channels.getDimSize(0)}, type.getElementType());
  maps.push_back(
      AffineMap::get(rank, 0, {dim(ctx, 0), dim(ctx, rank - 1)}, ctx));
  SmallVector<IteratorType> iterators(rank, kReduction);
  iterators.front() = iterators.back() = kParallel;
  Value partial = linalg::GenericOp::create(
                      b, loc, TypeRange{partialType}, inputs,
                      ValueRange{createZeros(b, loc, partialType, like)}, maps,
                      iterators, accumulate)
                      .getResult(0);
  return linalg::GenericOp::create(
             b, loc, TypeRange{channels}, ValueRange{partial},
             ValueRange{createZeros(b, loc, channels, like)},
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(2),
                                 channelMap(ctx, 2)},
             {kReduction, kParallel}, addUp)
      .getResult(0);
}

/// The number of values per channel of a `[N, ..., C]` batch as an f32,
/// at least 1 (an empty batch has mean and variance 0).
Value countPerChannel(OpBuilder &b, Location loc, Value batch) {
  auto type = cast<RankedTensorType>(batch.getType());
  int64_t perImage = 1;
  for (int64_t d : type.getShape().drop_front().drop_back())
    perImage *= d;
  Value images = tensor::DimOp::create(b, loc, batch, 0);
  Value count = arith::MulIOp::create(
      b, loc, images, arith::ConstantIndexOp::create(b, loc, perImage));
  count = arith::MaxUIOp::create(b, loc, count,
                                 arith::ConstantIndexOp::create(b, loc, 1));
  count = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count);
  return arith::UIToFPOp::create(b, loc, b.getF32Type(), count);
}

/// `1 / sqrt(variance + epsilon)`, the scalar of every normalization.
Value inverseStd(OpBuilder &b, Location loc, Value variance, double epsilon) {
  Value shifted = arith::AddFOp::create(b, loc, variance, f32(b, loc, epsilon));
  return arith::DivFOp::create(b, loc, f32(b, loc, 1),
                               math::SqrtOp::create(b, loc, shifted));
}

/// Per channel `inv = gamma / sqrt(variance + epsilon)` and
/// `shift = beta - mean * inv` (Keras ops.batch_normalization), so that the
/// normalization is `x * inv + shift`. `gamma` and `beta` may be null.
std::pair<Value, Value> normalizationCoefficients(OpBuilder &b, Location loc,
                                                  Value mean, Value variance,
                                                  Value gamma, Value beta,
                                                  double epsilon) {
  SmallVector<Value> inputs = {mean, variance};
  if (gamma)
    inputs.push_back(gamma);
  if (beta)
    inputs.push_back(beta);
  SmallVector<Value> results = mapChannels(
      b, loc, inputs, 2, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value inv = inverseStd(nb, l, args[1], epsilon);
        unsigned next = 2;
        if (gamma)
          inv = arith::MulFOp::create(nb, l, inv, args[next++]);
        Value shift = arith::NegFOp::create(
            nb, l, arith::MulFOp::create(nb, l, args[0], inv));
        if (beta)
          shift = arith::AddFOp::create(nb, l, shift, args[next]);
        return SmallVector<Value>{inv, shift};
      });
  return {results[0], results[1]};
}

/// `x * inv + shift` per element.
Value normalize(OpBuilder &b, Location loc, Value x, Value inv, Value shift) {
  return mapBatch(b, loc, ValueRange{x}, ValueRange{inv, shift},
                  [](OpBuilder &nb, Location l, ValueRange xs, ValueRange cs) {
                    Value scaled = arith::MulFOp::create(nb, l, xs[0], cs[0]);
                    return Value(arith::AddFOp::create(nb, l, scaled, cs[1]));
                  });
}

/// `value / count` per channel.
Value dividePerChannel(OpBuilder &b, Location loc, Value value, Value count) {
  return mapChannels(b, loc, ValueRange{value}, 1,
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       return SmallVector<Value>{
                           arith::DivFOp::create(nb, l, args[0], count)};
                     })
      .front();
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto [inv, shift] = normalizationCoefficients(
        b, loc, adaptor.getMovingMean(), adaptor.getMovingVariance(),
        adaptor.getGamma(), adaptor.getBeta(),
        op.getEpsilon().convertToDouble());
    b.replaceOp(op, normalize(b, loc, adaptor.getInput(), inv, shift));
    return success();
  }
};

struct BatchNormTrainLowering : OpConversionPattern<BatchNormTrainOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormTrainOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Value count = countPerChannel(b, loc, x);
    auto identity = [](OpBuilder &, Location, ValueRange xs, ValueRange) {
      return xs[0];
    };
    Value mean = dividePerChannel(
        b, loc, sumPerChannel(b, loc, ValueRange{x}, {}, identity), count);
    // Two passes: the variance sums squares around the mean.
    Value squares = sumPerChannel(
        b, loc, ValueRange{x}, ValueRange{mean},
        [](OpBuilder &nb, Location l, ValueRange xs, ValueRange cs) {
          Value centered = arith::SubFOp::create(nb, l, xs[0], cs[0]);
          return Value(arith::MulFOp::create(nb, l, centered, centered));
        });
    Value variance = dividePerChannel(b, loc, squares, count);
    auto [inv, shift] = normalizationCoefficients(
        b, loc, mean, variance, adaptor.getGamma(), adaptor.getBeta(),
        op.getEpsilon().convertToDouble());
    b.replaceOp(op, {normalize(b, loc, x, inv, shift), mean, variance});
    return success();
  }
};

struct BatchNormGradLowering : OpConversionPattern<BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getOutputGrad(), x = adaptor.getInput();
    Value mean = adaptor.getBatchMean(), gamma = adaptor.getGamma();
    double epsilon = op.getEpsilon().convertToDouble();
    // beta_grad = sum(dy); s = sum(dy * (x - mean)), gamma_grad = s * r.
    Value betaGrad = sumPerChannel(
        b, loc, ValueRange{dy}, {},
        [](OpBuilder &, Location, ValueRange xs, ValueRange) { return xs[0]; });
    Value centeredSum = sumPerChannel(
        b, loc, ValueRange{dy, x}, ValueRange{mean},
        [](OpBuilder &nb, Location l, ValueRange xs, ValueRange cs) {
          Value centered = arith::SubFOp::create(nb, l, xs[1], cs[0]);
          return Value(arith::MulFOp::create(nb, l, xs[0], centered));
        });
    if (op.getFixedStatistics()) {
      // Constant statistics: dx = a dy with a = gamma r. Separate generics,
      // so that a step which needs only dx drops the sums.
      Value variance = adaptor.getBatchVariance();
      Value gammaGrad =
          mapChannels(b, loc, ValueRange{variance, centeredSum}, 1,
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        Value r = inverseStd(nb, l, args[0], epsilon);
                        return SmallVector<Value>{
                            arith::MulFOp::create(nb, l, args[1], r)};
                      })
              .front();
      SmallVector<Value> scaleInputs = {variance};
      if (gamma)
        scaleInputs.push_back(gamma);
      Value scale =
          mapChannels(
              b, loc, scaleInputs, 1,
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value r = inverseStd(nb, l, args[0], epsilon);
                return SmallVector<Value>{
                    gamma ? Value(arith::MulFOp::create(nb, l, args[1], r))
                          : r};
              })
              .front();
      Value inputGrad =
          mapBatch(b, loc, ValueRange{dy}, ValueRange{scale},
                   [](OpBuilder &nb, Location l, ValueRange xs, ValueRange cs) {
                     return Value(arith::MulFOp::create(nb, l, cs[0], xs[0]));
                   });
      b.replaceOp(op, {inputGrad, gammaGrad, betaGrad});
      return success();
    }
    Value count = countPerChannel(b, loc, x);
    // dx = a dy + d (x - mean) + e with a = gamma r, d = -a r^2 s / M and
    // e = -a beta_grad / M: the expanded form of
    // gamma r / M (M dy - beta_grad - xhat gamma_grad).
    SmallVector<Value> inputs = {adaptor.getBatchVariance(), betaGrad,
                                 centeredSum};
    if (gamma)
      inputs.push_back(gamma);
    SmallVector<Value> coefficients = mapChannels(
        b, loc, inputs, 4, [&](OpBuilder &nb, Location l, ValueRange args) {
          Value r = inverseStd(nb, l, args[0], epsilon);
          Value gammaGrad = arith::MulFOp::create(nb, l, args[2], r);
          Value a = gamma ? Value(arith::MulFOp::create(nb, l, args[3], r)) : r;
          Value aOverM = arith::DivFOp::create(nb, l, a, count);
          Value d = arith::NegFOp::create(
              nb, l,
              arith::MulFOp::create(
                  nb, l, aOverM, arith::MulFOp::create(nb, l, gammaGrad, r)));
          Value e = arith::NegFOp::create(
              nb, l, arith::MulFOp::create(nb, l, aOverM, args[1]));
          return SmallVector<Value>{gammaGrad, a, d, e};
        });
    Value inputGrad = mapBatch(
        b, loc, ValueRange{dy, x},
        ValueRange{mean, coefficients[1], coefficients[2], coefficients[3]},
        [](OpBuilder &nb, Location l, ValueRange xs, ValueRange cs) {
          Value centered = arith::SubFOp::create(nb, l, xs[1], cs[0]);
          Value sum = arith::AddFOp::create(
              nb, l, arith::MulFOp::create(nb, l, cs[1], xs[0]),
              arith::MulFOp::create(nb, l, cs[2], centered));
          return Value(arith::AddFOp::create(nb, l, sum, cs[3]));
        });
    b.replaceOp(op, {inputGrad, coefficients[0], betaGrad});
    return success();
  }
};

struct MovingAverageLowering : OpConversionPattern<MovingAverageOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MovingAverageOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    double momentum = op.getMomentum().convertToDouble();
    // Keras: moving * momentum + statistic * (1.0 - momentum), both factors
    // Python floats (doubles) rounded to f32.
    b.replaceOp(
        op, mapChannels(
                b, op.getLoc(),
                ValueRange{adaptor.getMoving(), adaptor.getBatchStatistic()}, 1,
                [&](OpBuilder &nb, Location l, ValueRange args) {
                  Value kept = arith::MulFOp::create(nb, l, args[0],
                                                     f32(nb, l, momentum));
                  Value added = arith::MulFOp::create(
                      nb, l, args[1], f32(nb, l, 1.0 - momentum));
                  return SmallVector<Value>{
                      arith::AddFOp::create(nb, l, kept, added)};
                }));
    return success();
  }
};

struct FoldBatchNormLowering : OpConversionPattern<FoldBatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(FoldBatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    double epsilon = op.getEpsilon().convertToDouble();
    Value bias = adaptor.getBias(), gamma = adaptor.getGamma(),
          beta = adaptor.getBeta();
    SmallVector<Value> inputs = {adaptor.getMovingMean(),
                                 adaptor.getMovingVariance()};
    for (Value optional : {bias, gamma, beta})
      if (optional)
        inputs.push_back(optional);
    // scale = gamma / sqrt(var + eps); bias' = (bias - mean) scale + beta.
    SmallVector<Value> perChannel = mapChannels(
        b, loc, inputs, 2, [&](OpBuilder &nb, Location l, ValueRange args) {
          unsigned next = 2;
          Value b0 = bias ? args[next++] : f32(nb, l, 0);
          Value scale = inverseStd(nb, l, args[1], epsilon);
          if (gamma)
            scale = arith::MulFOp::create(nb, l, scale, args[next++]);
          Value folded = arith::MulFOp::create(
              nb, l, arith::SubFOp::create(nb, l, b0, args[0]), scale);
          if (beta)
            folded = arith::AddFOp::create(nb, l, folded, args[next]);
          return SmallVector<Value>{scale, folded};
        });
    Value scale = perChannel[0];
    RankedTensorType kernelType = op.getKernel().getType();
    int64_t rank = kernelType.getRank();
    SmallVector<AffineExpr> channelDims = {dim(ctx, rank - 1)};
    if (*op.getChannelDims() == 2) {
      // Depthwise [KH, KW, C, M]: channel c * M + m.
      auto scaleType = RankedTensorType::get(kernelType.getShape().take_back(2),
                                             kernelType.getElementType());
      scale = tensor::ExpandShapeOp::create(
          b, loc, scaleType, scale, SmallVector<ReassociationIndices>{{0, 1}});
      channelDims.insert(channelDims.begin(), dim(ctx, rank - 2));
    }
    AffineMap id = b.getMultiDimIdentityMap(rank);
    Value kernel =
        linalg::GenericOp::create(
            b, loc, TypeRange{kernelType},
            ValueRange{adaptor.getKernel(), scale},
            ValueRange{tensor::EmptyOp::create(b, loc, kernelType.getShape(),
                                               kernelType.getElementType())},
            ArrayRef<AffineMap>{id, AffineMap::get(rank, 0, channelDims, ctx),
                                id},
            SmallVector<IteratorType>(rank, kParallel),
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l, Value(arith::MulFOp::create(nb, l, args[0], args[1])));
            })
            .getResult(0);
    b.replaceOp(op, {kernel, perChannel[1]});
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateNormalizationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, BatchNormTrainLowering, BatchNormGradLowering,
               MovingAverageLowering, FoldBatchNormLowering>(
      patterns.getContext());
  populateDropoutPatterns(patterns);
}
