//===- VectorizeDepthwise.cpp - vector kernels for depthwise convolution --===//
//
// Chooses the blocking of every depthwise convolution and kernel gradient
// (DepthwiseAnalysis.cpp) and replaces it, with the fill/bias producer and
// the element-wise consumer it absorbs, by the kernel of DepthwiseKernel.cpp.
// An HWCM convolution is computed on its flat [N, OH, OW, C * M] view: the
// kernel writes the collapsed result its only user reads.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseKernel.h"
#include "cnnc/Codegen/Passes.h"
#include "cnnc/Codegen/VectorTarget.h"

#include "mlir/IR/PatternMatch.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNVECTORIZEDEPTHWISE
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

namespace {

/// Multiply-adds below which a fork/join costs more than it saves (as
/// cnn-select-tiling); a dynamic batch counts as 1.
constexpr int64_t kMinParallelWork = 1 << 15;

/// The largest power of two up to `target` that divides the output channels
/// and either divides the depth multiplier (each vector reads one input
/// channel) or is a multiple of it (each reads width / M input channels).
int64_t chooseWidth(const DepthwiseInfo &info, int64_t target) {
  int64_t width = target, m = info.multiplier;
  while (width > 1 &&
         (info.outputChannels() % width || (width % m != 0 && m % width != 0)))
    width /= 2;
  return width;
}

/// The blocking of `info` on `registers` vector registers.
DepthwiseTiling chooseTiling(const DepthwiseInfo &info, int64_t width,
                             int64_t registers, bool parallel) {
  DepthwiseTiling tiling;
  tiling.width = width;
  int64_t work = info.outputH * info.outputW * info.outputChannels() *
                 info.kernelH * info.kernelW;
  tiling.parallel = parallel && work >= kMinParallelWork;
  if (info.kind == DepthwiseInfo::Kind::KernelGradient) {
    // The taps of a block of kernel rows, one output-gradient vector and
    // one input vector in registers; the block divides the kernel rows.
    int64_t fit = std::max<int64_t>((registers - 2) / info.kernelW, 1);
    tiling.block = 1;
    for (int64_t rows = std::min(fit, info.kernelH); rows >= 1; --rows)
      if (info.kernelH % rows == 0) {
        tiling.block = rows;
        break;
      }
    return tiling;
  }
  // Column accumulators, the kW kernel vectors of a kernel row and the
  // input vectors a column shares with its neighbours (stride 1); at
  // least 4 columns so that the FMA latency is hidden, at most 12.
  int64_t fit = std::clamp<int64_t>(registers - 2 * info.kernelW - 1, 4, 12);
  int64_t columns = std::min(fit, info.outputW);
  // As few columns per block as keep the number of blocks: the remainder
  // block grows and the blocks balance.
  int64_t blocks = (info.outputW + columns - 1) / columns;
  tiling.block = (info.outputW + blocks - 1) / blocks;
  return tiling;
}

/// Whether the kernel should apply the zero padding of its input itself.
/// A convolution skips the padded kernel rows with its loop bounds and peels
/// its border column blocks; a kernel gradient peels every border output
/// row and column, which needs all kernel rows in one iteration (their
/// validity known at compile time) and few border positions (code size).
bool shouldAbsorbPadding(const DepthwiseInfo &info,
                         const DepthwiseTiling &tiling) {
  if (info.kind == DepthwiseInfo::Kind::Convolution)
    return true;
  if (tiling.block != info.kernelH)
    return false;
  DepthwiseInfo absorbed = info;
  absorbPadding(absorbed);
  Interior rows =
      computeInterior(info.outputH, info.strides[0], info.dilations[0],
                      info.kernelH, absorbed.padTop, absorbed.inputH);
  Interior columns =
      computeInterior(info.outputW, info.strides[1], info.dilations[1],
                      info.kernelW, absorbed.padLeft, absorbed.inputW);
  constexpr int64_t kMaxBorder = 4;
  return info.outputH - (rows.end - rows.begin) <= kMaxBorder &&
         info.outputW - (columns.end - columns.begin) <= kMaxBorder;
}

struct VectorizeDepthwisePass
    : codegen::impl::CNNVectorizeDepthwiseBase<VectorizeDepthwisePass> {
  using CNNVectorizeDepthwiseBase::CNNVectorizeDepthwiseBase;

  /// The vector registers the kernels are blocked for (runOnOperation).
  VectorTarget target;

  void runOnOperation() override {
    FailureOr<VectorTarget> resolved = resolveVectorTarget(
        getOperation(), vectorWidth, vectorRegisters, getArgument());
    if (failed(resolved))
      return signalPassFailure();
    target = *resolved;
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ForallOp>() &&
          succeeded(analyzeDepthwise(op)))
        candidates.push_back(op);
    });
    // Each op is analyzed again when its turn comes: rewriting an earlier
    // one replaces values a later one reads.
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates)
      if (FailureOr<DepthwiseInfo> info = analyzeDepthwise(op); succeeded(info))
        rewrite(rewriter, *info);
  }

  void rewrite(IRRewriter &rewriter, const DepthwiseInfo &info) {
    linalg::LinalgOp op = info.op;
    tensor::CollapseShapeOp collapse = info.collapse;
    Location loc = op.getLoc();
    // The flat init and result: an HWCM convolution's are the [C, M]
    // channels collapsed.
    Value init = op.getDpsInitOperand(0)->get();
    Value flatResult = op->getResult(0);
    rewriter.setInsertionPoint(op);
    AccumulatorSource accumulator = findAccumulatorSource(init, fuseProducers);
    if (info.hwcm) {
      SmallVector<ReassociationIndices> groups = {{0}, {1}, {2}, {3, 4}};
      auto flatten = [&](Value value) -> Value {
        auto expand = value.getDefiningOp<tensor::ExpandShapeOp>();
        if (expand && expand.getReassociationIndices() == groups)
          return expand.getSrc();
        return tensor::CollapseShapeOp::create(rewriter, loc, value, groups);
      };
      if (accumulator.kind == AccumulatorSource::Kind::Splat) {
        // A fill of the [N, OH, OW, C, M] tensor.
        accumulator.destination = flatten(accumulator.destination);
        init = accumulator.destination;
      } else {
        init = flatten(init);
        accumulator = findAccumulatorSource(init, fuseProducers);
      }
      flatResult = collapse ? collapse.getResult() : Value();
    }
    std::optional<Epilogue> epilogue;
    if (fuseConsumers && flatResult &&
        info.kind == DepthwiseInfo::Kind::Convolution)
      epilogue = findEpilogue(flatResult);

    DepthwiseTiling tiling = chooseTiling(info, chooseWidth(info, target.width),
                                          target.registers, parallel);
    DepthwiseInfo kernelInfo = info;
    if (shouldAbsorbPadding(info, tiling))
      absorbPadding(kernelInfo);
    DepthwiseKernelBuilder builder(kernelInfo, tiling, init, accumulator,
                                   epilogue);
    std::optional<ChannelSum> channelSum;
    if (fuseConsumers)
      channelSum = findChannelSum(info, tiling);
    if (channelSum)
      builder.setChannelSum(*channelSum);
    Operation *replaced = epilogue                ? epilogue->op.getOperation()
                          : info.hwcm && collapse ? collapse.getOperation()
                                                  : op.getOperation();
    rewriter.setInsertionPoint(replaced);
    ValueRange results = builder.build(rewriter);
    Value result = results.front();
    if (channelSum)
      rewriter.replaceOp(channelSum->op, results[1]);
    if (replaced == op.getOperation() && info.hwcm) {
      // The [N, OH, OW, C, M] result has users besides a collapse.
      SmallVector<ReassociationIndices> groups = {{0}, {1}, {2}, {3, 4}};
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, op->getResult(0).getType(), result, groups);
    }
    rewriter.replaceOp(replaced, result);
    if (collapse && replaced != collapse.getOperation())
      rewriter.eraseOp(collapse);
    if (replaced != op.getOperation())
      rewriter.eraseOp(op);
    if (accumulator.producer && accumulator.producer->use_empty())
      rewriter.eraseOp(accumulator.producer);
  }
};

} // namespace
