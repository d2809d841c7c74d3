//===- DepthwiseAnalysis.cpp - depthwise ops the vector kernels handle ----===//
//
// Recognizes the named depthwise convolutions (their strides and dilations
// are attributes) and the kernel-gradient generic of cnn-to-linalg, whose
// strides, dilations and depth multiplier are read back from its indexing
// maps: the maps are rebuilt from what was read and must match exactly.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseKernel.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

namespace {

/// Whether every operand is an f32 tensor of rank 3 or more, static except
/// for the leading (batch) dimension.
bool hasSupportedTypes(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1)
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || type.getRank() < 3 || !type.getElementType().isF32() ||
        llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
      return false;
  }
  return true;
}

std::array<int64_t, 2> pairOf(DenseIntElementsAttr attr) {
  auto values = llvm::to_vector(attr.getValues<int64_t>());
  return {values[0], values[1]};
}

FailureOr<DepthwiseInfo> analyzeNamed(linalg::LinalgOp op) {
  auto input = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto kernel = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto output = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!kernel.hasStaticShape())
    return failure();
  DepthwiseInfo info;
  info.kind = DepthwiseInfo::Kind::Convolution;
  info.op = op;
  info.input = op.getDpsInputs()[0];
  info.operand = op.getDpsInputs()[1];
  info.kernelH = kernel.getDimSize(0);
  info.kernelW = kernel.getDimSize(1);
  info.channels = input.getDimSize(3);
  info.outputH = output.getDimSize(1);
  info.outputW = output.getDimSize(2);
  if (auto hwc =
          dyn_cast<linalg::DepthwiseConv2DNhwcHwcOp>(op.getOperation())) {
    info.strides = pairOf(hwc.getStrides());
    info.dilations = pairOf(hwc.getDilations());
    return info;
  }
  auto hwcm = cast<linalg::DepthwiseConv2DNhwcHwcmOp>(op.getOperation());
  info.strides = pairOf(hwcm.getStrides());
  info.dilations = pairOf(hwcm.getDilations());
  info.multiplier = kernel.getDimSize(3);
  info.hwcm = true;
  Value result = op->getResult(0);
  if (result.hasOneUse())
    if (auto collapse =
            dyn_cast<tensor::CollapseShapeOp>(*result.user_begin())) {
      SmallVector<ReassociationIndices> expected = {{0}, {1}, {2}, {3, 4}};
      if (collapse.getReassociationIndices() == expected)
        info.collapse = collapse;
    }
  return info;
}

/// Adds `scale` times the linear form of `expr` to `coefficients` (one per
/// loop) and `constant`; fails on anything but sums of constant multiples
/// of loops.
bool addLinearTerms(AffineExpr expr, int64_t scale,
                    SmallVectorImpl<int64_t> &coefficients, int64_t &constant) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
    coefficients[dim.getPosition()] += scale;
    return true;
  }
  if (auto value = dyn_cast<AffineConstantExpr>(expr)) {
    constant += scale * value.getValue();
    return true;
  }
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return false;
  if (binary.getKind() == AffineExprKind::Add)
    return addLinearTerms(binary.getLHS(), scale, coefficients, constant) &&
           addLinearTerms(binary.getRHS(), scale, coefficients, constant);
  if (binary.getKind() == AffineExprKind::Mul)
    if (auto factor = dyn_cast<AffineConstantExpr>(binary.getRHS()))
      return addLinearTerms(binary.getLHS(), scale * factor.getValue(),
                            coefficients, constant);
  return false;
}

/// The stride (coefficient of `outputLoop`) and dilation (of `tapLoop`) of
/// an input index `outputLoop * s + tapLoop * d`.
std::optional<std::pair<int64_t, int64_t>> stridedTap(AffineExpr expr,
                                                      unsigned numLoops,
                                                      unsigned outputLoop,
                                                      unsigned tapLoop) {
  SmallVector<int64_t> coefficients(numLoops, 0);
  int64_t constant = 0;
  if (!addLinearTerms(expr, 1, coefficients, constant) || constant != 0)
    return std::nullopt;
  std::pair<int64_t, int64_t> result = {coefficients[outputLoop],
                                        coefficients[tapLoop]};
  coefficients[outputLoop] = coefficients[tapLoop] = 0;
  if (result.first < 1 || result.second < 1 ||
      llvm::any_of(coefficients, [](int64_t c) { return c != 0; }))
    return std::nullopt;
  return result;
}

/// The kernel gradient: loops (kh, kw, j | n, oh, ow), inputs x and dy.
FailureOr<DepthwiseInfo> analyzeKernelGradient(linalg::GenericOp op) {
  using IT = utils::IteratorType;
  SmallVector<IT> expected = {IT::parallel,  IT::parallel,  IT::parallel,
                              IT::reduction, IT::reduction, IT::reduction};
  if (op.getNumDpsInputs() != 2 || op.getIteratorTypesArray() != expected ||
      !isMultiplyAccumulate(*op.getBlock()))
    return failure();
  auto input = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto grad = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto output = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (input.getRank() != 4 || grad.getRank() != 4 || output.getRank() != 3 ||
      output.getDimSize(2) % input.getDimSize(3) != 0)
    return failure();
  AffineMap inputMap = op.getIndexingMapsArray()[0];
  std::optional<std::pair<int64_t, int64_t>> rows =
      stridedTap(inputMap.getResult(1), 6, 4, 0);
  std::optional<std::pair<int64_t, int64_t>> columns =
      stridedTap(inputMap.getResult(2), 6, 5, 1);
  if (!rows || !columns)
    return failure();

  DepthwiseInfo info;
  info.kind = DepthwiseInfo::Kind::KernelGradient;
  info.op = op;
  info.input = op.getDpsInputs()[0];
  info.operand = op.getDpsInputs()[1];
  info.kernelH = output.getDimSize(0);
  info.kernelW = output.getDimSize(1);
  info.channels = input.getDimSize(3);
  info.multiplier = output.getDimSize(2) / info.channels;
  info.outputH = grad.getDimSize(1);
  info.outputW = grad.getDimSize(2);
  info.strides = {rows->first, columns->first};
  info.dilations = {rows->second, columns->second};

  // The maps of cnn-to-linalg's kernel gradient with what was read.
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap expectedMaps[] = {
      AffineMap::get(6, 0,
                     {d(3), d(4) * info.strides[0] + d(0) * info.dilations[0],
                      d(5) * info.strides[1] + d(1) * info.dilations[1],
                      d(2).floorDiv(info.multiplier)},
                     ctx),
      AffineMap::get(6, 0, {d(3), d(4), d(5), d(2)}, ctx),
      AffineMap::get(6, 0, {d(0), d(1), d(2)}, ctx)};
  if (op.getIndexingMapsArray() != ArrayRef<AffineMap>(expectedMaps))
    return failure();
  return info;
}

} // namespace

FailureOr<DepthwiseInfo> cnnc::codegen::analyzeDepthwise(linalg::LinalgOp op) {
  if (!hasSupportedTypes(op))
    return failure();
  FailureOr<DepthwiseInfo> info = failure();
  if (isa<linalg::DepthwiseConv2DNhwcHwcOp, linalg::DepthwiseConv2DNhwcHwcmOp>(
          op.getOperation()))
    info = analyzeNamed(op);
  else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
    info = analyzeKernelGradient(generic);
  if (failed(info))
    return failure();
  auto input = cast<RankedTensorType>(info->input.getType());
  info->inputH = input.getDimSize(1);
  info->inputW = input.getDimSize(2);
  return info;
}

void cnnc::codegen::absorbPadding(DepthwiseInfo &info) {
  auto pad = info.input.getDefiningOp<tensor::PadOp>();
  if (!pad)
    return;
  Value padValue = pad.getConstantPaddingValue();
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  auto source = cast<RankedTensorType>(pad.getSource().getType());
  if (!padValue || !matchPattern(padValue, m_AnyZeroFloat()) ||
      !pad.getLow().empty() || !pad.getHigh().empty() || low[0] || low[3] ||
      high[0] || high[3] || ShapedType::isDynamic(source.getDimSize(1)) ||
      ShapedType::isDynamic(source.getDimSize(2)))
    return;
  info.input = pad.getSource();
  info.padTop = low[1];
  info.padLeft = low[2];
  info.inputH = source.getDimSize(1);
  info.inputW = source.getDimSize(2);
}

Interior cnnc::codegen::computeInterior(int64_t outputs, int64_t stride,
                                        int64_t dilation, int64_t taps,
                                        int64_t padBefore, int64_t input) {
  // Position p reads p * stride + t * dilation - padBefore for t < taps.
  auto inside = [&](int64_t p) {
    return p * stride - padBefore >= 0 &&
           p * stride + (taps - 1) * dilation - padBefore < input;
  };
  Interior interior;
  while (interior.begin < outputs && !inside(interior.begin))
    ++interior.begin;
  interior.end = interior.begin;
  while (interior.end < outputs && inside(interior.end))
    ++interior.end;
  return interior;
}

std::optional<ChannelSum>
cnnc::codegen::findChannelSum(const DepthwiseInfo &info,
                              const DepthwiseTiling &tiling) {
  // The sum is per channel vector: one iteration must own all kernel rows.
  if (info.kind != DepthwiseInfo::Kind::KernelGradient ||
      tiling.block != info.kernelH)
    return std::nullopt;
  Operation *op = linalg::LinalgOp(info.op).getOperation();
  MLIRContext *ctx = op->getContext();
  using IT = utils::IteratorType;
  SmallVector<IT> iterators = {IT::reduction, IT::reduction, IT::reduction,
                               IT::parallel};
  AffineMap maps[] = {AffineMap::getMultiDimIdentityMap(4, ctx),
                      AffineMap::get(4, 0, {getAffineDimExpr(3, ctx)}, ctx)};
  DominanceInfo dominance(op);
  for (Operation *user : info.operand.getUsers()) {
    auto sum = dyn_cast<linalg::GenericOp>(user);
    if (!sum || sum == op || sum.getNumDpsInputs() != 1 ||
        sum.getNumDpsInits() != 1 || sum->getNumResults() != 1 ||
        !sum.hasPureTensorSemantics() ||
        sum.getIteratorTypesArray() != iterators ||
        sum.getIndexingMapsArray() != ArrayRef<AffineMap>(maps))
      continue;
    // yield(in + out) in either order.
    Block &body = *sum.getBlock();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    auto add = yield.getValues().front().getDefiningOp<arith::AddFOp>();
    Value in = body.getArgument(0), out = body.getArgument(1);
    if (body.getOperations().size() != 2 || !add ||
        !((add.getLhs() == in && add.getRhs() == out) ||
          (add.getLhs() == out && add.getRhs() == in)))
      continue;
    auto fill = sum.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    if (!fill)
      continue;
    // The kernel runs where `op` is: the start value must be available
    // there and every use of the sum come after it.
    Value start = fill.getInputs()[0];
    if (!dominance.properlyDominates(start, op) ||
        !llvm::all_of(sum->getUsers(), [&](Operation *sumUser) {
          return dominance.properlyDominates(op, sumUser);
        }))
      continue;
    return ChannelSum{sum, start};
  }
  return std::nullopt;
}
