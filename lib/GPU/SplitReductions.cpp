//===- SplitReductions.cpp - long sum reductions as partial-sum trees -----===//
//
// A sum reduction with few outputs (a bias gradient: 32 outputs, each a sum
// over batch x 26 x 26) would run on the GPU as a few hundred threads, each
// looping over tens of thousands of elements. Making some reduction
// dimensions parallel gives one op computing partial sums over the remaining
// dimensions (many threads, short loops) and one op adding the partials into
// the original init, itself split again while it is long.
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUSPLITREDUCTIONS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// Partial sums larger than this many elements are not worth the memory.
constexpr int64_t kMaxPartialElements = int64_t(1) << 24;

/// Whether `op` computes `init + sum(f(inputs))`: one float result whose
/// body adds the accumulator, used nowhere else, to a value.
bool isSumReduction(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0 || op->getNumResults() != 1 ||
      !isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
    return false;
  Block *body = op.getBlock();
  BlockArgument accumulator = body->getArguments().back();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  return add && accumulator.hasOneUse() &&
         (add.getLhs() == accumulator || add.getRhs() == accumulator);
}

/// The reduction dimensions of `op` to make parallel, outermost first; empty
/// when the op already has enough threads or a short enough reduction.
SmallVector<unsigned> chooseSplitDims(linalg::LinalgOp op,
                                      int64_t targetThreads,
                                      int64_t minReduction,
                                      int64_t assumedDynamicSize) {
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  for (int64_t &size : sizes)
    if (ShapedType::isDynamic(size))
      size = assumedDynamicSize;
  int64_t threads = 1, reduction = 1;
  SmallVector<unsigned> reductionDims;
  for (auto [dim, kind] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (kind == utils::IteratorType::parallel) {
      threads *= sizes[dim];
    } else {
      reduction *= sizes[dim];
      reductionDims.push_back(dim);
    }
  }
  SmallVector<unsigned> split;
  for (unsigned dim : reductionDims) {
    if (threads >= targetThreads || reduction <= minReduction ||
        threads * sizes[dim] > kMaxPartialElements)
      break;
    split.push_back(dim);
    threads *= sizes[dim];
    reduction /= sizes[dim];
  }
  // Splitting every reduction dimension would only copy the summands.
  if (split.size() == reductionDims.size())
    split.pop_back();
  return split;
}

/// Rewrites `op` (a sum reduction) as partial sums over `splitDims` and their
/// reduction into the original init. Returns the latter.
linalg::GenericOp splitReduction(RewriterBase &rewriter,
                                 linalg::GenericOp op,
                                 ArrayRef<unsigned> splitDims) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpOperand *initOperand = op.getDpsInitOperand(0);
  Value init = initOperand->get();
  auto initType = cast<RankedTensorType>(init.getType());
  Type elementType = initType.getElementType();
  AffineMap outMap = op.getMatchingIndexingMap(initOperand);
  unsigned numLoops = op.getNumLoops();
  MLIRContext *ctx = rewriter.getContext();

  // Partial sums: [split dims..., init dims...], zero-initialized.
  SmallVector<Range> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(rewriter, loc);
  SmallVector<OpFoldResult> partialSizes;
  SmallVector<AffineExpr> partialExprs;
  for (unsigned dim : splitDims) {
    partialSizes.push_back(ranges[dim].size);
    partialExprs.push_back(getAffineDimExpr(dim, ctx));
  }
  for (int64_t i = 0, e = initType.getRank(); i < e; ++i)
    partialSizes.push_back(tensor::getMixedSize(rewriter, loc, init, i));
  llvm::append_range(partialExprs, outMap.getResults());
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, partialSizes, elementType);
  Value zero = arith::ConstantOp::create(rewriter, loc,
                                         rewriter.getZeroAttr(elementType));
  Value partialInit =
      linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);

  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps.back() = AffineMap::get(numLoops, 0, partialExprs, ctx);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned dim : splitDims)
    iterators[dim] = utils::IteratorType::parallel;
  auto partial = linalg::GenericOp::create(
      rewriter, loc, partialInit.getType(), op.getDpsInputs(),
      ValueRange{partialInit}, maps, iterators);
  rewriter.inlineRegionBefore(op.getRegion(), partial.getRegion(),
                              partial.getRegion().begin());

  // init[i...] += sum over the split dims of partial[s..., i...]; the init's
  // dimensions come first and in its order, so neighbouring threads read
  // and write neighbouring elements.
  unsigned rank = initType.getRank(), numSplit = splitDims.size();
  SmallVector<AffineExpr> readExprs, writeExprs;
  for (unsigned i = 0; i < numSplit; ++i)
    readExprs.push_back(getAffineDimExpr(rank + i, ctx));
  for (unsigned i = 0; i < rank; ++i) {
    readExprs.push_back(getAffineDimExpr(i, ctx));
    writeExprs.push_back(getAffineDimExpr(i, ctx));
  }
  SmallVector<utils::IteratorType> finalIterators(
      rank, utils::IteratorType::parallel);
  finalIterators.append(numSplit, utils::IteratorType::reduction);
  auto combine = linalg::GenericOp::create(
      rewriter, loc, initType, ValueRange{partial.getResult(0)},
      ValueRange{init},
      ArrayRef<AffineMap>{AffineMap::get(rank + numSplit, 0, readExprs, ctx),
                          AffineMap::get(rank + numSplit, 0, writeExprs, ctx)},
      finalIterators, [](OpBuilder &b, Location loc, ValueRange args) {
        Value sum = arith::AddFOp::create(b, loc, args[1], args[0]);
        linalg::YieldOp::create(b, loc, sum);
      });
  rewriter.replaceOp(op, combine.getResults());
  return combine;
}

/// Rewrites `op` so that its reduction dimension `dim` (static size L)
/// becomes two reduction dimensions `dim` (`chunks`) and `dim + 1`
/// (L / chunks), by expanding every operand indexed by it; the computation
/// is unchanged. Fails when `dim` is used other than as a plain dimension or
/// the body reads loop indices.
FailureOr<linalg::GenericOp> chunkReductionDim(RewriterBase &rewriter,
                                               linalg::LinalgOp linalgOp,
                                               unsigned dim, int64_t chunks) {
  if (!linalgOp.getBlock()->getOps<linalg::IndexOp>().empty())
    return failure();
  int64_t length = linalgOp.getStaticLoopRanges()[dim];
  int64_t inner = length / chunks;
  unsigned numLoops = linalgOp.getNumLoops();
  MLIRContext *ctx = rewriter.getContext();
  auto shifted = [&](unsigned d) {
    return getAffineDimExpr(d < dim ? d : d + 1, ctx);
  };
  SmallVector<AffineExpr> replacements;
  for (unsigned d = 0; d < numLoops; ++d)
    replacements.push_back(d == dim ? getAffineDimExpr(dim, ctx) * inner +
                                          getAffineDimExpr(dim + 1, ctx)
                                    : shifted(d));

  rewriter.setInsertionPoint(linalgOp);
  FailureOr<linalg::GenericOp> generalized =
      isa<linalg::GenericOp>(linalgOp.getOperation())
          ? FailureOr<linalg::GenericOp>(
                cast<linalg::GenericOp>(linalgOp.getOperation()))
          : linalg::generalizeNamedOp(rewriter, linalgOp);
  if (failed(generalized))
    return failure();
  linalg::GenericOp op = *generalized;
  Location loc = op.getLoc();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    std::optional<unsigned> position = map.getResultPosition(
        getAffineDimExpr(dim, ctx));
    if (!position) {
      if (map.isFunctionOfDim(dim))
        return failure();
      inputs.push_back(input->get());
      maps.push_back(map.replaceDimsAndSymbols(replacements, {},
                                               numLoops + 1, 0));
      continue;
    }
    // operand[..., i, ...] with i = dim: expand i into (chunk, element).
    auto type = cast<RankedTensorType>(input->get().getType());
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, input->get());
    SmallVector<ReassociationIndices> groups;
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0, e = map.getNumResults(); i < e; ++i) {
      if (i == *position) {
        groups.push_back({i, i + 1});
        exprs.push_back(getAffineDimExpr(dim, ctx));
        exprs.push_back(getAffineDimExpr(dim + 1, ctx));
      } else {
        unsigned expanded = i > *position ? i + 1 : i;
        groups.push_back({expanded});
        AffineExpr expr = map.getResult(i);
        if (expr.isFunctionOfDim(dim))
          return failure();
        exprs.push_back(expr.replaceDimsAndSymbols(replacements, {}));
      }
    }
    sizes[*position] = rewriter.getIndexAttr(inner);
    sizes.insert(sizes.begin() + *position, rewriter.getIndexAttr(chunks));
    SmallVector<int64_t> shape(type.getShape());
    shape[*position] = inner;
    shape.insert(shape.begin() + *position, chunks);
    inputs.push_back(tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
        input->get(), groups, sizes));
    maps.push_back(AffineMap::get(numLoops + 1, 0, exprs, ctx));
  }
  OpOperand *init = op.getDpsInitOperand(0);
  maps.push_back(op.getMatchingIndexingMap(init).replaceDimsAndSymbols(
      replacements, {}, numLoops + 1, 0));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.insert(iterators.begin() + dim + 1,
                   utils::IteratorType::reduction);
  auto chunked = linalg::GenericOp::create(
      rewriter, loc, op->getResultTypes(), inputs, ValueRange{init->get()},
      maps, iterators);
  rewriter.inlineRegionBefore(op.getRegion(), chunked.getRegion(),
                              chunked.getRegion().begin());
  rewriter.replaceOp(op, chunked.getResults());
  return chunked;
}

struct SplitReductionsPass
    : cnnc::gpu::impl::CNNGPUSplitReductionsBase<SplitReductionsPass> {
  using Base::Base;

  /// For an op with one static reduction dimension that is long and too few
  /// threads: that dimension and the number of chunks to cut it into, each
  /// at least `minReduction` long (a divisor of its size); 0 chunks when
  /// none fits.
  std::pair<unsigned, int64_t> chooseChunks(linalg::LinalgOp op) {
    if (op.getNumReductionLoops() != 1)
      return {0, 0};
    SmallVector<int64_t> sizes = op.getStaticLoopRanges();
    int64_t threads = 1, length = 0;
    unsigned reductionDim = 0;
    for (auto [dim, kind] : llvm::enumerate(op.getIteratorTypesArray())) {
      int64_t size =
          ShapedType::isDynamic(sizes[dim]) ? assumedDynamicSize : sizes[dim];
      if (kind == utils::IteratorType::parallel) {
        threads *= size;
      } else {
        if (ShapedType::isDynamic(sizes[dim]))
          return {0, 0};
        length = size;
        reductionDim = dim;
      }
    }
    if (threads >= targetThreads || length < 2 * minReduction)
      return {0, 0};
    int64_t wanted = std::min(length / minReduction,
                              (targetThreads + threads - 1) / threads);
    for (int64_t chunks = wanted; chunks > 1; --chunks)
      if (length % chunks == 0 && threads * chunks <= kMaxPartialElements)
        return {reductionDim, chunks};
    return {0, 0};
  }

  void runOnOperation() override {
    if (targetThreads < 1 || minReduction < 1 || assumedDynamicSize < 1) {
      getOperation().emitError(
          "target-threads, min-reduction and assumed-dynamic-size must be "
          "positive");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> worklist;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isSumReduction(op))
        worklist.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    while (!worklist.empty()) {
      linalg::LinalgOp op = worklist.pop_back_val();
      SmallVector<unsigned> splitDims = chooseSplitDims(
          op, targetThreads, minReduction, assumedDynamicSize);
      if (splitDims.empty()) {
        // One long reduction dimension (a dense product's K): split it
        // into chunks of at least `minReduction` with upstream's
        // splitReduction.
        auto [dim, chunks] = chooseChunks(op);
        if (chunks < 2)
          continue;
        FailureOr<linalg::GenericOp> chunked =
            chunkReductionDim(rewriter, op, dim, chunks);
        if (succeeded(chunked))
          worklist.push_back(splitReduction(rewriter, *chunked, {dim}));
        continue;
      }
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      worklist.push_back(splitReduction(rewriter, generic, splitDims));
    }
  }
};

} // namespace
