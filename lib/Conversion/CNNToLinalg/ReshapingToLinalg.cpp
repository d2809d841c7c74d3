//===- ReshapingToLinalg.cpp - global pooling, padding, concat ------------===//
//
// Global pooling is one `linalg.reduce` over H and W (parallel over N and C,
// C innermost and contiguous, so the loops vectorize along the channels and
// no window is unrolled whatever the image size), followed for the average
// by a division by H * W. Its gradients are element-wise generics over the
// input's shape. Zero padding is `tensor.pad`, concatenation a chain of
// `tensor.insert_slice` into one result, and `cnn.slice` (their gradient)
// `tensor.extract_slice`.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

/// H * W of an NHWC type, as an f32 constant.
Value imageSize(OpBuilder &b, Location loc, RankedTensorType images) {
  return f32(b, loc, double(images.getDimSize(1) * images.getDimSize(2)));
}

/// The indexing maps of a generic over the [N, H, W, C] iteration space
/// reading [N, C] rows: the identity and (n, h, w, c) -> (n, c).
std::pair<AffineMap, AffineMap> imageAndRowMaps(MLIRContext *ctx) {
  return {AffineMap::getMultiDimIdentityMap(4, ctx),
          AffineMap::get(4, 0, {dim(ctx, 0), dim(ctx, 3)}, ctx)};
}

/// `cnn.global_avg_pool2d` / `cnn.global_max_pool2d`.
template <typename PoolOp, bool kMax>
struct GlobalPoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern<PoolOp>::OpConversionPattern;
  using OpAdaptor = typename PoolOp::Adaptor;

  LogicalResult matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto images = cast<RankedTensorType>(input.getType());
    auto rowsType = RankedTensorType::get(
        {images.getDimSize(0), images.getDimSize(3)}, images.getElementType());
    double identity = kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    Value init = createFilled(b, loc, rowsType, input, f32(b, loc, identity));
    Value rows =
        linalg::ReduceOp::create(
            b, loc, ValueRange{input}, ValueRange{init},
            ArrayRef<int64_t>{1, 2},
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value combined =
                  kMax ? Value(
                             arith::MaximumFOp::create(nb, l, args[0], args[1]))
                       : Value(arith::AddFOp::create(nb, l, args[0], args[1]));
              linalg::YieldOp::create(nb, l, combined);
            })
            .getResult(0);
    if (!kMax) {
      // TensorFlow's reduce_mean: the sum divided by the element count.
      Value count = imageSize(b, loc, images);
      rows =
          createElementwise(b, loc, ValueRange{rows}, rows,
                            [&](OpBuilder &nb, Location l, ValueRange a) {
                              return arith::DivFOp::create(nb, l, a[0], count);
                            });
    }
    if (op.getKeepdims())
      rows = tensor::ExpandShapeOp::create(
          b, loc, op.getType(), rows,
          ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    b.replaceOp(op, rows);
    return success();
  }
};

/// dx[n, h, w, c] = dy[n, c] / (H * W).
struct GlobalAvgPoolGradLowering : OpConversionPattern<GlobalAvgPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GlobalAvgPool2DGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto images = cast<RankedTensorType>(op.getType());
    Value dy = adaptor.getOutputGrad();
    Value init = createEmptyLike(b, loc, images, dy);
    auto [image, row] = imageAndRowMaps(b.getContext());
    Value count = imageSize(b, loc, images);
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{images}, ValueRange{dy},
                        ValueRange{init}, ArrayRef<AffineMap>{row, image},
                        SmallVector<IteratorType>(4, kParallel),
                        [&](OpBuilder &nb, Location l, ValueRange a) {
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::DivFOp::create(nb, l, a[0], count)));
                        })
                        .getResult(0));
    return success();
  }
};

/// TensorFlow's _MinOrMaxGrad: the positions equal to the maximum share the
/// gradient, `dx = (x == y) * dy / count(x == y)`. One reduction counts the
/// maxima per (n, c), one element-wise pass writes dx.
struct GlobalMaxPoolGradLowering : OpConversionPattern<GlobalMaxPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GlobalMaxPool2DGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), y = adaptor.getOutput();
    auto images = cast<RankedTensorType>(x.getType());
    auto rowsType = cast<RankedTensorType>(y.getType());
    auto [image, row] = imageAndRowMaps(b.getContext());
    auto isMax = [](OpBuilder &nb, Location l, Value xv, Value yv) {
      return arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, xv, yv);
    };
    Value zeros = createFilled(b, loc, rowsType, x, f32(b, loc, 0));
    Value counts =
        linalg::GenericOp::create(
            b, loc, TypeRange{rowsType}, ValueRange{x, y}, ValueRange{zeros},
            ArrayRef<AffineMap>{image, row, row},
            {kParallel, kReduction, kReduction, kParallel},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value hit = arith::UIToFPOp::create(nb, l, nb.getF32Type(),
                                                  isMax(nb, l, a[0], a[1]));
              linalg::YieldOp::create(
                  nb, l, Value(arith::AddFOp::create(nb, l, a[2], hit)));
            })
            .getResult(0);
    Value init = createEmptyLike(b, loc, images, x);
    b.replaceOp(
        op,
        linalg::GenericOp::create(
            b, loc, TypeRange{images},
            ValueRange{x, y, adaptor.getOutputGrad(), counts}, ValueRange{init},
            ArrayRef<AffineMap>{image, row, row, row, image},
            SmallVector<IteratorType>(4, kParallel),
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value share = arith::DivFOp::create(nb, l, a[2], a[3]);
              linalg::YieldOp::create(
                  nb, l,
                  Value(arith::SelectOp::create(nb, l, isMax(nb, l, a[0], a[1]),
                                                share, f32(nb, l, 0))));
            })
            .getResult(0));
    return success();
  }
};

struct ZeroPad2DLowering : OpConversionPattern<ZeroPad2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ZeroPad2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    ArrayRef<int64_t> padding = op.getPadding();
    b.replaceOp(op, padHW(b, op.getLoc(), adaptor.getInput(), padding[0],
                          padding[1], padding[2], padding[3],
                          f32(b, op.getLoc(), 0)));
    return success();
  }
};

/// Each input is inserted at its channel offset into one result tensor;
/// one-shot bufferization turns the inserts into copies into subviews of
/// the result buffer.
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    // The result's dynamic batch, if any, is read from the first input.
    Value result = createEmptyLike(b, loc, type, adaptor.getInputs().front());
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
      offsets.back() = b.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
      SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(b, loc, input, result, offsets,
                                             sizes, strides);
      offset += cast<RankedTensorType>(input.getType()).getShape().back();
    }
    b.replaceOp(op, result);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value input = adaptor.getInput();
    SmallVector<OpFoldResult> offsets =
        llvm::map_to_vector(op.getOffsets(), [&](int64_t o) -> OpFoldResult {
          return b.getIndexAttr(o);
        });
    // The whole batch, then the result's static extents.
    SmallVector<OpFoldResult> sizes = {
        type.isDynamicDim(0) ? tensor::getMixedSize(b, loc, input, 0)
                             : b.getIndexAttr(type.getDimSize(0))};
    for (int64_t extent : type.getShape().drop_front())
      sizes.push_back(b.getIndexAttr(extent));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, input, offsets, sizes, strides);
    // A static batch of the input read into a dynamic one of the result.
    if (slice.getType() != type)
      slice = tensor::CastOp::create(b, loc, type, slice);
    b.replaceOp(op, slice);
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateReshapingPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GlobalPoolLowering<GlobalAvgPool2DOp, false>,
               GlobalPoolLowering<GlobalMaxPool2DOp, true>,
               GlobalAvgPoolGradLowering, GlobalMaxPoolGradLowering,
               ZeroPad2DLowering, ConcatLowering, SliceLowering>(
      patterns.getContext());
}
