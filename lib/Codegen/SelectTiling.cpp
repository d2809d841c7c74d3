//===- SelectTiling.cpp - register tiles for contractions -----------------===//
//
// The tiling strategy: for every contraction the CPU kernels handle, pick
// how many output rows and column vectors one kernel iteration keeps in
// registers, and record it as a `cnn.tiling` attribute.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Codegen/ContractionAnalysis.h"
#include "cnnc/Codegen/Passes.h"
#include "cnnc/Codegen/VectorTarget.h"
#include "cnnc/Dialect/CNN/IR/CNNDialect.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNSELECTTILING
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

namespace {

struct Tile {
  int64_t rows = 0;
  int64_t vectors = 0;
};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Picks the register tile of a contraction with `rows` (possibly dynamic)
/// output rows and `vectorsPerRow` vectors per row, given `registers`
/// vector registers. Returns a tile with 0 rows when none fits.
Tile chooseTile(int64_t rows, int64_t vectorsPerRow, int64_t registers) {
  Tile best;
  double bestScore = 0;
  for (int64_t vectors = 1; vectors <= std::min<int64_t>(vectorsPerRow, 8);
       ++vectors) {
    if (vectorsPerRow % vectors)
      continue;
    // Accumulators, the column vectors of one step and one broadcast.
    int64_t maxRows = (registers - vectors - 1) / vectors;
    if (maxRows < 1)
      continue;
    int64_t tileRows = maxRows;
    if (!ShapedType::isDynamic(rows)) {
      tileRows = std::min(tileRows, rows);
      // Fewer rows per tile while the number of row blocks stays the same:
      // the remainder block grows and the blocks balance.
      while (tileRows > 1 &&
             ceilDiv(rows, tileRows - 1) == ceilDiv(rows, tileRows))
        --tileRows;
    }
    double score = double(tileRows * vectors) / double(tileRows + vectors);
    if (score > bestScore + 1e-9 ||
        (score > bestScore - 1e-9 && vectors > best.vectors)) {
      best = {tileRows, vectors};
      bestScore = score;
    }
  }
  return best;
}

/// Multiply-adds below which a fork/join costs more than it saves (about
/// a microsecond of work on one core); a dynamic batch counts as 1.
constexpr int64_t kMinParallelWork = 1 << 15;

bool worthThreads(linalg::LinalgOp op) {
  int64_t work = 1;
  for (int64_t extent : op.getStaticLoopRanges())
    if (!ShapedType::isDynamic(extent))
      work = std::min<int64_t>(work * extent, kMinParallelWork);
  return work >= kMinParallelWork;
}

/// Whether the first reduction loop should run outside the row blocks: a
/// filter gradient reduces over the batch (dynamic) and then over the
/// positions of one image; running the batch outside keeps one image of
/// both operands in the cache for every row block. Needs a static row
/// extent and enough work per image to amortize storing the accumulators.
bool batchOutside(linalg::LinalgOp op, const ContractionInfo &info) {
  if (info.reductionLoops.size() < 2 || ShapedType::isDynamic(info.rows))
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!ShapedType::isDynamic(ranges[info.reductionLoops.front()]))
    return false;
  int64_t perImage = 1;
  for (unsigned loop : ArrayRef<unsigned>(info.reductionLoops).drop_front()) {
    if (ShapedType::isDynamic(ranges[loop]))
      return false;
    perImage *= ranges[loop];
  }
  return perImage >= 16;
}

struct SelectTilingPass
    : codegen::impl::CNNSelectTilingBase<SelectTilingPass> {
  using CNNSelectTilingBase::CNNSelectTilingBase;

  void runOnOperation() override {
    FailureOr<VectorTarget> target = resolveVectorTarget(
        getOperation(), vectorWidth, vectorRegisters, getArgument());
    if (failed(target))
      return signalPassFailure();
    int64_t width = target->width;
    MLIRContext *ctx = &getContext();
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->hasAttr("cnn.tiling"))
        return;
      FailureOr<ContractionInfo> info = analyzeContraction(op);
      if (failed(info) || info->columns % width)
        return;
      Tile tile =
          chooseTile(info->rows, info->columns / width, target->registers);
      if (tile.rows == 0)
        return;
      op->setAttr("cnn.tiling",
                  cnn::TilingAttr::get(ctx, tile.rows, tile.vectors, width,
                                       parallel && worthThreads(op),
                                       batchOutside(op, *info) ? 1 : 0));
    });
  }
};

} // namespace
