//===- LoweringUtils.cpp - helpers shared by the cnn lowerings -----------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace cnnc::cnn;

namespace cnnc::cnn::lowering {

/// An empty tensor of `type` whose dynamic dimensions (only the batch can be
/// dynamic) are read from the same dimensions of `like`.
Value createEmptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                      Value like) {
  SmallVector<Value> dynamicSizes;
  for (auto [i, size] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(size))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, like, i));
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType(), dynamicSizes);
}

Value createF32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

/// An element-wise `linalg.generic` over tensors of one shape. The body gets
/// the scalar of every input, in order, and returns the result scalar.
Value createElementwise(
    OpBuilder &b, Location loc, ValueRange inputs, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> scalarFn) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = scalarFn(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

ActivationOptions fusedActivationOptions(Activation activation) {
  ActivationOptions options;
  if (activation == Activation::LeakyRelu)
    options.alpha = LeakyReluOp::kFusedAlpha;
  else if (activation == Activation::Elu)
    options.alpha = EluOp::kFusedAlpha;
  return options;
}

Value createSigmoid(OpBuilder &b, Location loc, Value x) {
  Value negated = arith::NegFOp::create(b, loc, x);
  Value exp = math::ExpOp::create(b, loc, negated);
  Value one = createF32Constant(b, loc, 1);
  Value denominator = arith::AddFOp::create(b, loc, one, exp);
  return arith::DivFOp::create(b, loc, one, denominator);
}

Value createNormalCdf(OpBuilder &b, Location loc, Value x) {
  Value scaled = arith::MulFOp::create(b, loc, x, f32(b, loc, M_SQRT1_2));
  Value erf = math::ErfOp::create(b, loc, scaled);
  Value sum = arith::AddFOp::create(b, loc, erf, f32(b, loc, 1.0));
  return arith::MulFOp::create(b, loc, sum, f32(b, loc, 0.5));
}

namespace {
/// Scalar arithmetic on f32 values with short names, for the formulas.
struct Arith {
  OpBuilder &b;
  Location loc;
  Value c(double v) const { return f32(b, loc, v); }
  Value add(Value x, Value y) const {
    return arith::AddFOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) const {
    return arith::MulFOp::create(b, loc, x, y);
  }
  Value max(Value x, Value y) const {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) const {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  Value gt(Value x, Value y) const {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
  }
  Value ge(Value x, Value y) const {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, y);
  }
  Value select(Value c, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  /// min(max(x, 0), 6)
  Value relu6(Value x) const { return min(max(x, c(0)), c(6)); }
  /// x > 0 ? x : alpha * expm1(x), without an infinite expm1 on the
  /// unselected side.
  Value elu(Value x, double alpha) const {
    Value negative = min(x, c(0));
    Value expm1 = math::ExpM1Op::create(b, loc, negative);
    Value tail = mul(c(alpha), expm1);
    return select(gt(x, c(0)), x, tail);
  }
};
} // namespace

Value applyActivation(OpBuilder &b, Location loc, Activation activation,
                      Value x, const ActivationOptions &options) {
  Arith a{b, loc};
  switch (activation) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return a.max(x, a.c(0));
  case Activation::Sigmoid:
    return createSigmoid(b, loc, x);
  case Activation::Tanh:
    return math::TanhOp::create(b, loc, x);
  case Activation::LeakyRelu:
    // The backends' select on the sign (a max would flip for alpha > 1).
    return a.select(a.ge(x, a.c(0)), x, a.mul(a.c(options.alpha), x));
  case Activation::Elu:
    return a.elu(x, options.alpha);
  case Activation::Selu: {
    Value elu = a.elu(x, kSeluAlpha);
    return a.mul(a.c(kSeluScale), elu);
  }
  case Activation::Relu6:
    return a.relu6(x);
  case Activation::Silu:
    // x / (1 + exp(-x)): -0 rather than NaN where exp(-x) overflows.
    return a.mul(x, createSigmoid(b, loc, x));
  case Activation::Gelu: {
    if (!options.approximate)
      return a.mul(x, createNormalCdf(b, loc, x));
    // x (1 + tanh(u)) / 2 = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3):
    // no cancellation of 1 + tanh(u) for negative x.
    Value cube = a.mul(a.mul(x, x), x);
    Value inner = a.add(x, a.mul(a.c(0.044715), cube));
    Value twiceU = a.mul(a.c(2 * std::sqrt(2 / M_PI)), inner);
    return a.mul(x, createSigmoid(b, loc, twiceU));
  }
  case Activation::Softplus: {
    // max(x, 0) + log1p(exp(-|x|)): exp never overflows, and log1p keeps
    // the small values of negative x.
    Value abs = math::AbsFOp::create(b, loc, x);
    Value exp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, abs));
    return a.add(a.max(x, a.c(0)), math::Log1pOp::create(b, loc, exp));
  }
  case Activation::HardSigmoid:
    return a.mul(a.relu6(a.add(x, a.c(3))), a.c(1.0 / 6.0));
  case Activation::HardSwish:
    return a.mul(x, a.mul(a.relu6(a.add(x, a.c(3))), a.c(1.0 / 6.0)));
  }
  llvm_unreachable("unknown activation");
}

Value applyActivation(OpBuilder &b, Location loc, Activation activation,
                      Value x) {
  return applyActivation(b, loc, activation, x,
                         fusedActivationOptions(activation));
}

/// Applies `activation` in place on `tensor` (no-op for `none`).
Value createActivation(OpBuilder &b, Location loc, Activation activation,
                       Value tensor) {
  if (activation == Activation::None)
    return tensor;
  return createElementwise(b, loc, ValueRange{tensor}, tensor,
                           [&](OpBuilder &nb, Location l, ValueRange args) {
                             return applyActivation(nb, l, activation,
                                                    args[0]);
                           });
}

/// The accumulator of a layer: its bias broadcast along every dimension but
/// the last, or zeros without bias.
Value createAccumulator(OpBuilder &b, Location loc, RankedTensorType type,
                        Value bias, Value batchSource) {
  Value empty = createEmptyLike(b, loc, type, batchSource);
  if (!bias) {
    Value zero = createF32Constant(b, loc, 0);
    return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
        .getResult(0);
  }
  SmallVector<int64_t> broadcastDims =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank() - 1));
  return linalg::BroadcastOp::create(b, loc, bias, empty, broadcastDims)
      .getResult()[0];
}

/// Height and width geometry of a windowed op. The verifier has accepted the
/// op, so this cannot fail.
std::pair<WindowDim, WindowDim>
computeGeometry(RankedTensorType input, ArrayRef<int64_t> window,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                Padding padding) {
  auto noError = [] { return InFlightDiagnostic(); };
  FailureOr<WindowDim> height =
      computeWindowDim(input.getDimSize(1), window[0], strides[0],
                       dilations[0], padding, "height", noError);
  FailureOr<WindowDim> width =
      computeWindowDim(input.getDimSize(2), window[1], strides[1],
                       dilations[1], padding, "width", noError);
  assert(succeeded(height) && succeeded(width) && "verified op");
  return {*height, *width};
}

/// Pads the H and W dimensions of an NHWC tensor with `padValue`; returns
/// `input` unchanged when no padding is needed.
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 const WindowDim &height, const WindowDim &width,
                 double padValue) {
  if (height.padBefore == 0 && height.padAfter == 0 && width.padBefore == 0 &&
      width.padAfter == 0)
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] += height.padBefore + height.padAfter;
  shape[2] += width.padBefore + width.padAfter;
  auto paddedType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0),
                                   b.getIndexAttr(height.padBefore),
                                   b.getIndexAttr(width.padBefore),
                                   b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0),
                                    b.getIndexAttr(height.padAfter),
                                    b.getIndexAttr(width.padAfter),
                                    b.getIndexAttr(0)};
  return tensor::PadOp::create(b, loc, paddedType, input, low, high,
                               createF32Constant(b, loc, padValue));
}

DenseIntElementsAttr getPairAttr(OpBuilder &b, int64_t first, int64_t second) {
  return DenseIntElementsAttr::get(
      RankedTensorType::get({2}, b.getI64Type()), ArrayRef<int64_t>{first, second});
}


/// The number of elements of the window at output position `out` (an index
/// value) that lie inside the input along one dimension:
/// min(start + window, padBefore + input) - max(start, padBefore) with
/// start = out * stride.
static Value countInside(OpBuilder &b, Location loc, Value out,
                         const WindowDim &dim) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value start = arith::MulIOp::create(b, loc, out, index(dim.stride));
  Value first = arith::MaxSIOp::create(b, loc, start, index(dim.padBefore));
  Value last = arith::MinSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, start, index(dim.window)),
      index(dim.padBefore + dim.input));
  return arith::SubIOp::create(b, loc, last, first);
}

Value scaleByWindowReciprocals(OpBuilder &b, Location loc, Value values,
                               const WindowDim &height,
                               const WindowDim &width) {
  bool padded = height.padBefore || height.padAfter || width.padBefore ||
                width.padAfter;
  auto type = cast<RankedTensorType>(values.getType());
  AffineMap identity = b.getMultiDimIdentityMap(4);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  // Without padding every window is whole: one constant factor. With it,
  // the count of each output position is computed where it is used, so
  // nothing the size of the image is built at compile time.
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{}, ValueRange{values},
             ArrayRef<AffineMap>{identity}, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value scale;
               if (!padded) {
                 scale = createF32Constant(
                     nb, l, 1.0 / double(height.window * width.window));
               } else {
                 Value count = arith::MulIOp::create(
                     nb, l,
                     countInside(nb, l, linalg::IndexOp::create(nb, l, 1),
                                 height),
                     countInside(nb, l, linalg::IndexOp::create(nb, l, 2),
                                 width));
                 Value countF = arith::SIToFPOp::create(
                     nb, l, nb.getF32Type(),
                     arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                                count));
                 scale = arith::DivFOp::create(
                     nb, l, createF32Constant(nb, l, 1.0), countF);
               }
               linalg::YieldOp::create(
                   nb, l, Value(arith::MulFOp::create(nb, l, args[0], scale)));
             })
      .getResult(0);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   Value like, Value fill) {
  Value empty = createEmptyLike(b, loc, type, like);
  return linalg::FillOp::create(b, loc, ValueRange{fill}, ValueRange{empty})
      .getResult(0);
}

Value createZeros(OpBuilder &b, Location loc, RankedTensorType type,
                  Value like) {
  Attribute zero = b.getZeroAttr(type.getElementType());
  return createFilled(b, loc, type, like,
                      arith::ConstantOp::create(b, loc, cast<TypedAttr>(zero)));
}

/// Spreads an NHWC tensor out by the strides (stride - 1 `fill` values
/// between neighbours): position i moves to i * stride.
Value dilateSpatial(OpBuilder &b, Location loc, Value value, int64_t strideH,
                    int64_t strideW, Value fill) {
  if (strideH == 1 && strideW == 1)
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = (shape[1] - 1) * strideH + 1;
  shape[2] = (shape[2] - 1) * strideW + 1;
  auto dilatedType = RankedTensorType::get(shape, type.getElementType());
  Value dilated = createFilled(b, loc, dilatedType, value, fill);
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1),
                                       b.getIndexAttr(strideH),
                                       b.getIndexAttr(strideW),
                                       b.getIndexAttr(1)};
  return tensor::InsertSliceOp::create(b, loc, value, dilated, offsets, sizes,
                                       strides);
}

/// Pads H and W with explicit amounts.
Value padHW(OpBuilder &b, Location loc, Value value, int64_t lowH,
            int64_t highH, int64_t lowW, int64_t highW, Value fill) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] += lowH + highH;
  shape[2] += lowW + highW;
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(lowH),
                                   b.getIndexAttr(lowW), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(highH),
                                    b.getIndexAttr(highW), b.getIndexAttr(0)};
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value, low,
      high, fill);
}

/// The [N, IH, IW, C] window of a padded [N, IH + pads, ...] tensor.
Value unpadHW(OpBuilder &b, Location loc, Value padded, RankedTensorType type,
              const WindowDim &height, const WindowDim &width) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                       b.getIndexAttr(height.padBefore),
                                       b.getIndexAttr(width.padBefore),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, padded);
  sizes[1] = b.getIndexAttr(type.getDimSize(1));
  sizes[2] = b.getIndexAttr(type.getDimSize(2));
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, padded, offsets, sizes,
                                        strides);
}

} // namespace cnnc::cnn::lowering
