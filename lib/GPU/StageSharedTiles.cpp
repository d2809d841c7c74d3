//===- StageSharedTiles.cpp - block-shared operand tiles in shared memory -===//
//
// A block's 256 threads compute consecutive output elements. When the
// output's innermost dimension `j` has an extent J that divides the block
// (or that the block divides), the block covers whole rows of j, and an
// operand indexed only by j, the reduction loops and block-uniform values
// (a convolution's filter, a product's weights) is read in the same tile by
// every thread of the block. This pass copies that tile into workgroup
// memory once per staging step, each thread a share of it, and has the
// reduction read it from there (Passes.td has the full contract).
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/BufferAliasing.h"
#include "cnnc/GPU/MappedKernels.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUSTAGESHAREDTILES
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;
using cnnc::gpu::MappedKernel;

namespace {

/// Static shared memory a kernel may use (CUDA's limit without opting in).
constexpr int64_t kStaticSharedBytes = 48 * 1024;

/// Static lower bound, step and trip count of a loop.
struct StaticLoop {
  int64_t step = 0, trips = 0;
};
StaticLoop staticLoop(scf::ForOp loop) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0 || *upper <= *lower)
    return {};
  return {*step, (*upper - *lower + *step - 1) / *step};
}

/// A load the block's threads share, and where to stage its tile.
struct TileCandidate {
  memref::LoadOp load;
  /// The reduction loops from the nest's root (index 0) to the load's loop.
  SmallVector<scf::ForOp> path;
  /// Which path loops the load's indices depend on.
  SmallVector<bool> onLoop;
  /// Step and trip count of each path loop (trips 0: not static).
  SmallVector<StaticLoop> loops;
  bool onJ = false;
  /// Whether the operand's innermost index follows a loop rather than `j`.
  bool transposed = false;
  /// The path loop the tile's innermost copy order follows when transposed.
  unsigned fastestLoop = 0;
  /// Stage inside path[level - 1]'s body (0: before the nest); set by
  /// chooseLevel.
  unsigned level = 0;
  /// Split path.back() into chunks of this many iterations first (0: no).
  int64_t stripMine = 0;
  int64_t sharing = 0;
};

/// Classifies the values `index` is computed from: `j`, the path loops'
/// induction variables, values common to the block. False if the index
/// depends on anything else the thread computes (its other output
/// coordinates, iter_args).
bool classify(Value index, const MappedKernel &kernel, Value j,
              ArrayRef<scf::ForOp> path, SmallVectorImpl<bool> &onLoop,
              bool &onJ) {
  SmallVector<Value> worklist{index};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (!seen.insert(value).second)
      continue;
    if (value == j) {
      onJ = true;
      continue;
    }
    Operation *scope = value.getParentRegion()->getParentOp();
    if (!kernel.threads->isAncestor(scope))
      continue; // common to the block
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      auto it = llvm::find_if(
          path, [&](scf::ForOp loop) { return loop.getInductionVar() == arg; });
      if (it == path.end())
        return false;
      onLoop[it - path.begin()] = true;
      continue;
    }
    Operation *def = value.getDefiningOp();
    if (def->hasTrait<OpTrait::ConstantLike>())
      continue;
    if (!isPure(def) || def->getNumRegions() != 0)
      return false;
    llvm::append_range(worklist, def->getOperands());
  }
  return true;
}

bool isBlockUniform(Value value, const MappedKernel &kernel) {
  if (matchPattern(value, m_Constant()))
    return true;
  return !kernel.threads->isAncestor(value.getParentRegion()->getParentOp());
}

/// The tile's extents: rows (product of the staged loops' trip counts) and
/// columns (the tile's share of `j`, padded by one when transposed).
struct TileShape {
  int64_t rows = 1, width = 1, columns = 1;
};

class SharedTileStager {
public:
  SharedTileStager(MappedKernel kernel, Value j, int64_t extentJ,
                   int64_t maxTileBytes, bool emulate, bool emulateAllShares)
      : kernel(std::move(kernel)), j(j), extentJ(extentJ),
        maxTileBytes(maxTileBytes), emulate(emulate),
        emulateAllShares(emulateAllShares) {}

  /// The most shared stageable load of the nest rooted at `root`; loads of
  /// buffers `kernelAccesses` (the kernel's, before any staging) may write
  /// are not.
  std::optional<TileCandidate>
  findCandidate(scf::ForOp root,
                const cnnc::gpu::BufferAccesses &kernelAccesses);
  /// Stages `candidate`'s tile; `root` is the nest's outermost loop.
  /// Returns the tile's bytes.
  int64_t stage(TileCandidate candidate, scf::ForOp root);

private:
  TileShape shapeAt(const TileCandidate &candidate, unsigned level) const;
  bool chooseLevel(TileCandidate &candidate) const;
  /// Emits the copy of the tile into `tile` at the builder's position.
  void emitCopy(OpBuilder &builder, TileCandidate &candidate,
                const TileShape &shape, Value tile);
  /// `value` recomputed with the mapping's replacements (j and the staged
  /// loops' induction variables).
  Value materialize(OpBuilder &builder, Value value, IRMapping &mapping);

  MappedKernel kernel;
  Value j;
  int64_t extentJ;
  int64_t maxTileBytes;
  bool emulate, emulateAllShares;

  int64_t tileWidthJ() const { return std::min(extentJ, kernel.blockSize); }
  int64_t elementBytes(const TileCandidate &candidate) const {
    memref::LoadOp load = candidate.load;
    return load.getType().getIntOrFloatBitWidth() / 8;
  }
};

TileShape SharedTileStager::shapeAt(const TileCandidate &candidate,
                                    unsigned level) const {
  TileShape shape;
  for (unsigned k = level; k < candidate.path.size(); ++k)
    if (candidate.onLoop[k])
      shape.rows *= candidate.loops[k].trips;
  shape.width = candidate.onJ ? tileWidthJ() : 1;
  shape.columns = shape.width + (candidate.transposed && shape.width > 1);
  return shape;
}

bool SharedTileStager::chooseLevel(TileCandidate &candidate) const {
  unsigned depth = candidate.path.size();
  int64_t bytes = elementBytes(candidate);
  for (unsigned level = 0; level <= depth; ++level) {
    // The loops around the staging point run alike in every thread.
    if (level > 0) {
      scf::ForOp loop = candidate.path[level - 1];
      if (!isBlockUniform(loop.getLowerBound(), kernel) ||
          !isBlockUniform(loop.getUpperBound(), kernel) ||
          !isBlockUniform(loop.getStep(), kernel))
        return false;
    }
    // The staged loops have static bounds (the tile has a static shape).
    bool staticInner = true;
    for (unsigned k = level; k < depth; ++k)
      staticInner &= !candidate.onLoop[k] || candidate.loops[k].trips > 0;
    if (!staticInner)
      continue;
    TileShape shape = shapeAt(candidate, level);
    if (level < depth && shape.rows * shape.columns * bytes <= maxTileBytes) {
      candidate.level = level;
      return true;
    }
  }
  // Only single rows fit: strip-mine the innermost loop into chunks.
  scf::ForOp innermost = candidate.path.back();
  int64_t trips = candidate.loops.back().trips;
  if (!candidate.onLoop.back() || trips == 0 ||
      !isBlockUniform(innermost.getLowerBound(), kernel))
    return false;
  TileShape row = shapeAt(candidate, depth);
  for (int64_t chunk = trips / 2; chunk >= 2; --chunk)
    if (trips % chunk == 0 && chunk * row.columns * bytes <= maxTileBytes) {
      candidate.stripMine = chunk;
      candidate.level = depth; // inside the chunk loop
      return true;
    }
  return false;
}

std::optional<TileCandidate> SharedTileStager::findCandidate(
    scf::ForOp root, const cnnc::gpu::BufferAccesses &kernelAccesses) {
  cnnc::gpu::BufferAliasOracle aliasing;
  std::optional<TileCandidate> best;
  root->walk([&](memref::LoadOp load) {
    if (!isBlockUniform(load.getMemRef(), kernel) ||
        !load.getType().isIntOrFloat())
      return;
    TileCandidate candidate;
    candidate.load = load;
    for (Operation *op = load->getParentOp();; op = op->getParentOp()) {
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop)
        return; // a conditional between the load and the root
      candidate.path.insert(candidate.path.begin(), loop);
      if (loop == root)
        break;
    }
    candidate.onLoop.assign(candidate.path.size(), false);
    candidate.loops = llvm::map_to_vector(candidate.path, staticLoop);
    for (Value index : load.getIndices())
      if (!classify(index, kernel, j, candidate.path, candidate.onLoop,
                    candidate.onJ))
        return;
    if (load.getIndices().empty() ||
        !llvm::is_contained(candidate.onLoop, true))
      return;
    // Read-only in the kernel.
    if (kernelAccesses.unknown ||
        llvm::any_of(kernelAccesses.writes, [&](Value written) {
          return aliasing.mayAlias(written, load.getMemRef());
        }))
      return;
    // The innermost index: does it follow j (coalesced as is) or a loop?
    SmallVector<bool> lastOnLoop(candidate.path.size(), false);
    bool lastOnJ = false;
    classify(load.getIndices().back(), kernel, j, candidate.path, lastOnLoop,
             lastOnJ);
    if (candidate.onJ && !lastOnJ) {
      for (unsigned k = candidate.path.size(); k-- > 0;)
        if (lastOnLoop[k]) {
          candidate.transposed = true;
          candidate.fastestLoop = k;
          break;
        }
    }
    candidate.sharing =
        candidate.onJ ? kernel.blockSize / tileWidthJ() : kernel.blockSize;
    if (candidate.sharing < 2 && !candidate.transposed)
      return;
    if (!chooseLevel(candidate))
      return;
    if (!best || candidate.sharing > best->sharing)
      best = candidate;
  });
  return best;
}

Value SharedTileStager::materialize(OpBuilder &builder, Value value,
                                    IRMapping &mapping) {
  if (Value mapped = mapping.lookupOrNull(value))
    return mapped;
  Operation *def = value.getDefiningOp();
  if (!def || !kernel.threads->isAncestor(def))
    return value; // common to the block, or an enclosing loop's iv
  for (Value operand : def->getOperands())
    materialize(builder, operand, mapping);
  Operation *clone = builder.clone(*def, mapping);
  return clone->getResult(cast<OpResult>(value).getResultNumber());
}

void SharedTileStager::emitCopy(OpBuilder &builder, TileCandidate &candidate,
                                const TileShape &shape, Value tile) {
  Location loc = candidate.load.getLoc();
  // The staged loops, outermost first, and the tile's copy order: j last
  // (fastest), or the transposed loop last.
  SmallVector<unsigned> staged;
  for (unsigned k = candidate.level; k < candidate.path.size(); ++k)
    if (candidate.onLoop[k])
      staged.push_back(k);
  auto trips = [&](unsigned k) { return candidate.loops[k].trips; };
  auto index = [&](OpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value zero = index(builder, 0);

  // The element this thread copies: its coordinates per staged loop and j.
  auto copyElement = [&](OpBuilder &b, ArrayRef<Value> coordinates,
                         Value column) {
    IRMapping mapping;
    SmallVector<OpFoldResult> rowIndex, rowBasis;
    for (auto [k, coordinate] : llvm::zip(staged, coordinates)) {
      scf::ForOp loop = candidate.path[k];
      // Block-uniform (a chunk's start: the chunk loop's iv, in scope).
      Value start = loop.getLowerBound();
      if (Attribute constant; matchPattern(start, m_Constant(&constant)))
        start = arith::ConstantOp::create(b, loc, cast<TypedAttr>(constant));
      Value scaled = arith::MulIOp::create(b, loc, coordinate,
                                           index(b, candidate.loops[k].step));
      mapping.map(loop.getInductionVar(),
                  arith::AddIOp::create(b, loc, start, scaled).getResult());
      rowIndex.push_back(coordinate);
      rowBasis.push_back(b.getIndexAttr(trips(k)));
    }
    if (candidate.onJ) {
      // The block's first j: (block - start) % J, a multiple of the
      // tile's width (start: where a merged kernel's part begins).
      Value offset = kernel.blockIv;
      if (kernel.start)
        offset = arith::SubIOp::create(b, loc, offset, kernel.start);
      Value first = arith::RemUIOp::create(b, loc, offset, index(b, extentJ));
      mapping.map(j, arith::AddIOp::create(b, loc, first, column).getResult());
    }
    SmallVector<Value> indices;
    for (Value operand : candidate.load.getIndices())
      indices.push_back(materialize(b, operand, mapping));
    Value element =
        memref::LoadOp::create(b, loc, candidate.load.getMemRef(), indices);
    Value row = getValueOrCreateConstantIndexOp(
        b, loc, affine::linearizeIndex(b, loc, rowIndex, rowBasis));
    memref::StoreOp::create(b, loc, element, tile, ValueRange{row, column});
  };

  // Copy order: coordinates outermost first; j or the transposed loop last.
  SmallVector<int64_t> basis;
  SmallVector<int> order; // position in `staged`, or -1 for j
  for (auto [position, k] : llvm::enumerate(staged))
    if (!candidate.transposed || k != candidate.fastestLoop)
      order.push_back(position), basis.push_back(trips(k));
  if (emulate && !emulateAllShares) {
    // Only this thread's own column: it reads nothing else.
    Value ownColumn = zero;
    if (candidate.onJ)
      ownColumn =
          arith::RemUIOp::create(builder, loc, j, index(builder, shape.width));
    int64_t rows = shape.rows;
    auto loop = scf::ForOp::create(builder, loc, zero, index(builder, rows),
                                   index(builder, 1));
    OpBuilder body = OpBuilder::atBlockBegin(loop.getBody());
    SmallVector<int64_t> rowBasis;
    for (unsigned k : staged)
      rowBasis.push_back(trips(k));
    SmallVector<Value> coordinates = *affine::delinearizeIndex(
        body, loc, loop.getInductionVar(),
        llvm::map_to_vector(rowBasis, [&](int64_t v) -> OpFoldResult {
          return body.getIndexAttr(v);
        }));
    copyElement(body, coordinates, ownColumn);
    return;
  }
  if (candidate.onJ)
    order.push_back(-1), basis.push_back(shape.width);
  if (candidate.transposed)
    for (auto [position, k] : llvm::enumerate(staged))
      if (k == candidate.fastestLoop)
        order.push_back(position), basis.push_back(trips(k));
  // The block's threads copy the tile together, `rounds` elements each.
  // The emulation (all shares) runs every thread's share in each thread.
  Value thread = kernel.threadIv;
  if (emulate) {
    auto threads =
        scf::ForOp::create(builder, loc, zero, index(builder, kernel.blockSize),
                           index(builder, 1));
    builder.setInsertionPointToStart(threads.getBody());
    thread = threads.getInductionVar();
  }
  int64_t elements = shape.rows * shape.width;
  int64_t rounds = llvm::divideCeil(elements, kernel.blockSize);
  auto loop = scf::ForOp::create(builder, loc, zero, index(builder, rounds),
                                 index(builder, 1));
  OpBuilder body = OpBuilder::atBlockBegin(loop.getBody());
  Value element = arith::AddIOp::create(
      body, loc,
      arith::MulIOp::create(body, loc, loop.getInductionVar(),
                            index(body, kernel.blockSize)),
      thread);
  if (elements % kernel.blockSize != 0) {
    Value inside = arith::CmpIOp::create(body, loc, arith::CmpIPredicate::ult,
                                         element, index(body, elements));
    auto guard = scf::IfOp::create(body, loc, inside, /*withElse=*/false);
    body = OpBuilder::atBlockBegin(guard.thenBlock());
  }
  SmallVector<Value> parts = *affine::delinearizeIndex(
      body, loc, element,
      llvm::map_to_vector(basis, [&](int64_t v) -> OpFoldResult {
        return body.getIndexAttr(v);
      }));
  SmallVector<Value> coordinates(staged.size());
  Value column = zero;
  for (auto [slot, part] : llvm::zip(order, parts)) {
    if (slot < 0)
      column = part;
    else
      coordinates[slot] = part;
  }
  copyElement(body, coordinates, column);
}

/// Splits `loop` into chunks of `chunk` iterations: an outer loop over the
/// chunks around the original loop, which then runs over one chunk;
/// iter_args are threaded through.
scf::ForOp stripMine(scf::ForOp loop, int64_t chunk) {
  OpBuilder builder(loop);
  Location loc = loop.getLoc();
  Value span = arith::MulIOp::create(
      builder, loc, loop.getStep(),
      arith::ConstantIndexOp::create(builder, loc, chunk));
  auto outer =
      scf::ForOp::create(builder, loc, loop.getLowerBound(),
                         loop.getUpperBound(), span, loop.getInitArgs());
  loop->replaceAllUsesWith(outer.getResults());
  loop->moveBefore(outer.getBody(), outer.getBody()->end());
  builder.setInsertionPoint(loop);
  Value end =
      arith::AddIOp::create(builder, loc, outer.getInductionVar(), span);
  loop.getLowerBoundMutable().assign(outer.getInductionVar());
  loop.getUpperBoundMutable().assign(end);
  loop.getInitArgsMutable().assign(outer.getRegionIterArgs());
  builder.setInsertionPointAfter(loop);
  scf::YieldOp::create(builder, loc, loop.getResults());
  return outer;
}

int64_t SharedTileStager::stage(TileCandidate candidate, scf::ForOp root) {
  MLIRContext *ctx = root.getContext();
  Location loc = candidate.load.getLoc();
  // 1. Every thread runs the nest (barriers need the whole block): the
  //    guard keeps only what follows the nest, and threads past the end
  //    compute with the last element's index.
  OpBuilder builder(kernel.guard);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value last = arith::SubIOp::create(builder, loc, kernel.size, one);
  Value clamped =
      arith::MinUIOp::create(builder, loc, kernel.linear.front(), last);
  for (Value linear : kernel.linear)
    linear.replaceUsesWithIf(clamped, [&](OpOperand &use) {
      return kernel.guard->isAncestor(use.getOwner());
    });
  Block *guarded = kernel.guard.thenBlock();
  while (&guarded->front() != root.getOperation())
    guarded->front().moveBefore(kernel.guard);
  root->moveBefore(kernel.guard);

  // 2. Chunks of a loop too long for one tile.
  if (candidate.stripMine) {
    unsigned innermost = candidate.path.size() - 1;
    StaticLoop chunk{candidate.loops[innermost].step, candidate.stripMine};
    scf::ForOp outer = stripMine(candidate.path.back(), candidate.stripMine);
    candidate.path.insert(candidate.path.begin() + innermost, outer);
    candidate.onLoop.insert(candidate.onLoop.begin() + innermost, false);
    candidate.loops[innermost] = chunk;
    candidate.loops.insert(candidate.loops.begin() + innermost, StaticLoop{});
    if (candidate.transposed && candidate.fastestLoop == innermost)
      candidate.fastestLoop += 1;
    root = candidate.path.front();
  }

  // 3. The tile, allocated where convert-parallel-loops-to-gpu keeps it.
  TileShape shape = shapeAt(candidate, candidate.level);
  Attribute space =
      emulate ? Attribute()
              : mlir::gpu::AddressSpaceAttr::get(
                    ctx, mlir::gpu::GPUDialect::getWorkgroupAddressSpace());
  auto tileType =
      MemRefType::get({shape.rows, shape.columns}, candidate.load.getType(),
                      MemRefLayoutAttrInterface(), space);
  // The emulation's threads run one after the other and each copies what
  // it reads right before reading it, so one tile outside the kernel serves
  // all of them (an alloca per thread would grow the host stack).
  if (emulate)
    builder.setInsertionPoint(kernel.blocks);
  else
    builder.setInsertionPointToStart(kernel.threads.getBody());
  Value tile = memref::AllocaOp::create(builder, loc, tileType);

  // 4. Copy, barrier, compute, barrier.
  if (candidate.level == 0)
    builder.setInsertionPoint(root);
  else
    builder.setInsertionPointToStart(
        candidate.path[candidate.level - 1].getBody());
  emitCopy(builder, candidate, shape, tile);
  if (!emulate) {
    mlir::gpu::BarrierOp::create(builder, loc);
    if (candidate.level > 0) {
      Block *body = candidate.path[candidate.level - 1].getBody();
      builder.setInsertionPoint(body->getTerminator());
      mlir::gpu::BarrierOp::create(builder, loc);
    }
  }

  // 5. The load reads the tile.
  builder.setInsertionPoint(candidate.load);
  SmallVector<OpFoldResult> rowIndex, rowBasis;
  for (unsigned k = candidate.level; k < candidate.path.size(); ++k) {
    if (!candidate.onLoop[k])
      continue;
    scf::ForOp loop = candidate.path[k];
    AffineExpr iv = builder.getAffineDimExpr(0);
    AffineExpr startExpr = builder.getAffineDimExpr(1);
    Value normalized = affine::AffineApplyOp::create(
        builder, loc,
        AffineMap::get(2, 0,
                       (iv - startExpr).floorDiv(candidate.loops[k].step)),
        ValueRange{loop.getInductionVar(), loop.getLowerBound()});
    rowIndex.push_back(normalized);
    rowBasis.push_back(builder.getIndexAttr(candidate.loops[k].trips));
  }
  Value row = getValueOrCreateConstantIndexOp(
      builder, loc, affine::linearizeIndex(builder, loc, rowIndex, rowBasis));
  Value column =
      candidate.onJ
          ? arith::RemUIOp::create(
                builder, loc, j,
                arith::ConstantIndexOp::create(builder, loc, shape.width))
                .getResult()
          : arith::ConstantIndexOp::create(builder, loc, 0).getResult();
  Value staged =
      memref::LoadOp::create(builder, loc, tile, ValueRange{row, column});
  int64_t bytes = shape.rows * shape.columns * elementBytes(candidate);
  candidate.load.replaceAllUsesWith(staged);
  candidate.load.erase();
  return bytes;
}

struct StageSharedTilesPass
    : cnnc::gpu::impl::CNNGPUStageSharedTilesBase<StageSharedTilesPass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxTileBytes < 0) {
      getOperation().emitError("max-tile-bytes must not be negative");
      return signalPassFailure();
    }
    if (maxTileBytes == 0)
      return;
    SmallVector<scf::ParallelOp> kernels;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        kernels.push_back(loop);
    });
    for (scf::ParallelOp blocks : kernels)
      stageKernel(blocks);
  }

  void stageKernel(scf::ParallelOp blocks) {
    std::optional<MappedKernel> kernel = cnnc::gpu::matchMappedKernel(blocks);
    if (!kernel)
      return;
    // A merged kernel's parts each get their tile, within the static
    // shared memory of a block.
    SmallVector<MappedKernel> parts = cnnc::gpu::alignedParts(*kernel);
    if (parts.empty())
      parts.push_back(*kernel);
    // What the kernel writes, before barriers (unknown effects) and tiles.
    cnnc::gpu::BufferAccesses accesses;
    accesses.add(blocks);
    int64_t left = kStaticSharedBytes;
    for (const MappedKernel &part : parts)
      left -= stagePart(part, std::min<int64_t>(maxTileBytes, left), accesses);
  }

  /// Stages the most shared tile of `kernel` within `budget` bytes; returns
  /// the tile's bytes (0: none).
  int64_t stagePart(MappedKernel kernel, int64_t budget,
                    const cnnc::gpu::BufferAccesses &accesses) {
    // j: the innermost output index, `linear % J`.
    Value j;
    int64_t extentJ = 0;
    scf::ForOp root;
    for (Operation &op : kernel.guard.thenBlock()->without_terminator()) {
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        root = loop;
        break;
      }
      if (cnnc::gpu::mayWriteMemory(&op))
        return 0;
      if (!j && isa<arith::RemSIOp, arith::RemUIOp>(op) &&
          llvm::is_contained(kernel.linear, op.getOperand(0)))
        if (std::optional<int64_t> extent =
                getConstantIntValue(op.getOperand(1)))
          j = op.getResult(0), extentJ = *extent;
    }
    if (!root || !j || extentJ <= 0 || cnnc::gpu::mayWriteMemory(root) ||
        (kernel.blockSize % extentJ != 0 && extentJ % kernel.blockSize != 0))
      return 0;
    SharedTileStager stager(kernel, j, extentJ, budget, emulate,
                            emulateAllShares);
    std::optional<TileCandidate> candidate =
        stager.findCandidate(root, accesses);
    if (!candidate)
      return 0;
    if (report)
      candidate->load.emitRemark()
          << "shared tile: staged at loop depth " << candidate->level
          << (candidate->stripMine
                  ? " (chunks of " + std::to_string(candidate->stripMine) + ")"
                  : std::string())
          << ", shared by " << candidate->sharing << " threads"
          << (candidate->transposed ? ", transposed" : "");
    return stager.stage(*candidate, root);
  }
};

} // namespace
