//===- DropoutToLinalg.cpp - dropout and its Philox mask to linalg --------===//
//
// cnn.dropout (inference) is the identity. cnn.dropout_train draws its mask
// with Philox4x32-10 written in arith ops, bit-identical to
// runtime/support/Philox.h: the layer's key is derived once per call from
// the run's seed, the layer's stream and its seed attribute. An image's P
// elements are 4 planes of B = ceil(P / 4) (padded): one Philox call on the
// counter (block k, image, step) gives the words that decide elements k,
// B + k, 2B + k and 3B + k (docs/training.md). A map over (image, block)
// draws and packs the 4 keep bits of each block, the block loop innermost
// so that LLVM vectorizes the rounds across blocks (a single loop over
// elements would either run Philox once per element or, with the 4 words
// innermost, not vectorize: the CPU pipeline does not unroll loops); a
// generic over (image, word, block) then applies them.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <array>
#include <cmath>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

using Words = std::array<Value, 4>;

Value i32(OpBuilder &b, Location loc, uint32_t value) {
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(b.getI32Type(), static_cast<int64_t>(value)));
}

/// The low and high 32 bits of an i64.
std::pair<Value, Value> splitI64(OpBuilder &b, Location loc, Value value) {
  Value low = arith::TruncIOp::create(b, loc, b.getI32Type(), value);
  Value shifted = arith::ShRUIOp::create(
      b, loc, value,
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32)));
  Value high = arith::TruncIOp::create(b, loc, b.getI32Type(), shifted);
  return {low, high};
}

/// Philox4x32-10 of `counter` under (key0, key1), as cnnc_philox4x32_10.
Words philox4x32_10(OpBuilder &b, Location loc, Words block, Value key0,
                    Value key1) {
  Value m0 = i32(b, loc, 0xD2511F53u), m1 = i32(b, loc, 0xCD9E8D57u);
  Value w0 = i32(b, loc, 0x9E3779B9u), w1 = i32(b, loc, 0xBB67AE85u);
  for (int round = 0; round < 10; ++round) {
    auto product0 = arith::MulUIExtendedOp::create(b, loc, m0, block[0]);
    auto product1 = arith::MulUIExtendedOp::create(b, loc, m1, block[2]);
    Value next0 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, product1.getHigh(), block[1]),
        key0);
    Value next2 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, product0.getHigh(), block[3]),
        key1);
    block = {next0, product1.getLow(), next2, product0.getLow()};
    if (round == 9)
      break;
    key0 = arith::AddIOp::create(b, loc, key0, w0);
    key1 = arith::AddIOp::create(b, loc, key1, w1);
  }
  return block;
}

struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    b.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct DropoutTrainLowering : OpConversionPattern<DropoutTrainOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(DropoutTrainOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value x = adaptor.getInput();
    double rate = op.getRate().convertToDouble();
    if (rate >= 1.0) { // Keras: nothing is kept
      b.replaceOp(op, createZeros(b, loc, type, x));
      return success();
    }
    // keep = bits >= threshold: probability 1 - threshold / 2^32.
    double scaled = std::nearbyint(rate * 4294967296.0);
    auto threshold = static_cast<uint32_t>(std::min(scaled, 4294967295.0));
    auto keepProbability = static_cast<float>(1.0 - rate);

    // The layer key, once per call.
    auto [seedLow, seedHigh] = splitI64(b, loc, adaptor.getSeed());
    std::optional<int64_t> layerSeed = op.getLayerSeed();
    auto attrSeed = static_cast<uint64_t>(layerSeed.value_or(0));
    Words key =
        philox4x32_10(b, loc,
                      {i32(b, loc, static_cast<uint32_t>(op.getStream())),
                       i32(b, loc, static_cast<uint32_t>(attrSeed)),
                       i32(b, loc, static_cast<uint32_t>(attrSeed >> 32)),
                       i32(b, loc, layerSeed ? 1 : 0)},
                      seedLow, seedHigh);
    // Named values, not structured bindings: the lambdas below capture them.
    Value stepLow, stepHigh;
    std::tie(stepLow, stepHigh) = splitI64(b, loc, adaptor.getStep());

    // [N, ...] -> [N, P] -> (padded to 4 B, B = ceil(P / 4)) [N, 4, B]:
    // element i of an image is word i / B of block i % B.
    int64_t rank = type.getRank();
    int64_t perImage = 1;
    for (int64_t d : type.getShape().drop_front())
      perImage *= d;
    int64_t numBlocks = (perImage + 3) / 4, padded = 4 * numBlocks;
    Value flat = x;
    if (rank > 2)
      flat = tensor::CollapseShapeOp::create(
          b, loc, x,
          SmallVector<ReassociationIndices>{
              {0}, llvm::to_vector(llvm::seq<int64_t>(1, rank))});
    if (padded != perImage) {
      auto paddedType = RankedTensorType::get({type.getDimSize(0), padded},
                                              type.getElementType());
      flat = tensor::PadOp::create(
          b, loc, paddedType, flat,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(0),
                                 b.getIndexAttr(padded - perImage)},
          f32(b, loc, 0));
    }
    auto planesType = RankedTensorType::get(
        {type.getDimSize(0), 4, numBlocks}, type.getElementType());
    SmallVector<ReassociationIndices> planeGroups = {{0}, {1, 2}};
    Value images = tensor::DimOp::create(b, loc, x, 0);
    Value planes = tensor::ExpandShapeOp::create(
        b, loc, planesType, flat, planeGroups,
        ArrayRef<OpFoldResult>{images, b.getIndexAttr(4),
                               b.getIndexAttr(numBlocks)});

    // The keep bits of every block, one Philox call each: bit j of
    // mask[n, k] keeps element j * B + k. The block loop is innermost, so
    // the rounds vectorize across blocks. A linalg.map, like the
    // per-channel coefficients of batch normalization: cnn-fuse-elementwise
    // fuses generic producers only, and fused into the (image, word, block)
    // loop below the rounds would run once per element instead of once per
    // block (the GPU pipeline generalizes and fuses it: one kernel there).
    MLIRContext *ctx = b.getContext();
    auto maskType =
        RankedTensorType::get({type.getDimSize(0), numBlocks}, b.getI8Type());
    auto drawBits = [&](OpBuilder &nb, Location l, ValueRange) {
      auto index32 = [&](unsigned d) {
        Value index = linalg::IndexOp::create(nb, l, d);
        return arith::IndexCastUIOp::create(nb, l, nb.getI32Type(), index)
            .getResult();
      };
      Words bits = philox4x32_10(
          nb, l, {index32(1), index32(0), stepLow, stepHigh}, key[0], key[1]);
      Value packed;
      for (int w = 0; w < 4; ++w) {
        Value keep = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge,
                                           bits[w], i32(nb, l, threshold));
        Value bit = arith::ExtUIOp::create(nb, l, nb.getI8Type(), keep);
        if (w)
          bit = arith::ShLIOp::create(
              nb, l, bit,
              arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(w)));
        packed = packed ? arith::OrIOp::create(nb, l, packed, bit) : bit;
      }
      linalg::YieldOp::create(nb, l, packed);
    };
    Value mask = linalg::MapOp::create(b, loc, ValueRange{},
                                       createEmptyLike(b, loc, maskType, x),
                                       drawBits)
                     .getResult()
                     .front();

    // y = bit ? x / (1 - rate) : 0, over (image, word, block).
    auto apply = [&](OpBuilder &nb, Location l, ValueRange args) {
      Value word = arith::IndexCastUIOp::create(
          nb, l, nb.getI8Type(), linalg::IndexOp::create(nb, l, 1));
      Value bit = arith::AndIOp::create(
          nb, l, arith::ShRUIOp::create(nb, l, args[1], word),
          arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(1)));
      Value keep = arith::TruncIOp::create(nb, l, nb.getI1Type(), bit);
      Value scaledValue =
          arith::DivFOp::create(nb, l, args[0], f32(nb, l, keepProbability));
      linalg::YieldOp::create(nb, l,
                              Value(arith::SelectOp::create(
                                  nb, l, keep, scaledValue, f32(nb, l, 0))));
    };
    AffineMap id = b.getMultiDimIdentityMap(3);
    AffineMap blockOf = AffineMap::get(3, 0, {dim(ctx, 0), dim(ctx, 2)}, ctx);
    Value masked = linalg::GenericOp::create(
                       b, loc, TypeRange{planesType}, ValueRange{planes, mask},
                       ValueRange{createEmptyLike(b, loc, planesType, planes)},
                       ArrayRef<AffineMap>{id, blockOf, id},
                       SmallVector<IteratorType>(3, kParallel), apply)
                       .getResult(0);

    // Back to [N, ...].
    Value result = tensor::CollapseShapeOp::create(b, loc, masked, planeGroups);
    if (padded != perImage) {
      auto flatType = RankedTensorType::get({type.getDimSize(0), perImage},
                                            type.getElementType());
      result = tensor::ExtractSliceOp::create(
          b, loc, flatType, result,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{images, b.getIndexAttr(perImage)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    }
    if (rank > 2) {
      SmallVector<OpFoldResult> shape = {images};
      for (int64_t d : type.getShape().drop_front())
        shape.push_back(b.getIndexAttr(d));
      result = tensor::ExpandShapeOp::create(
          b, loc, type, result,
          SmallVector<ReassociationIndices>{
              {0}, llvm::to_vector(llvm::seq<int64_t>(1, rank))},
          shape);
    }
    b.replaceOp(op, result);
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateDropoutPatterns(RewritePatternSet &patterns) {
  patterns.add<DropoutLowering, DropoutTrainLowering>(patterns.getContext());
}
