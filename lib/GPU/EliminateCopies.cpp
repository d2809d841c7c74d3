//===- EliminateCopies.cpp - temporaries computed in their destination ----===//
//
// `A = alloc; ...write A...; copy(collapse(A) -> G[o, o + n))` becomes
// `A = expand(subview G[o, o + n)); ...write A...` when nothing else touches
// that slice of G meanwhile.
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUELIMINATECOPIES
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// A static, contiguous slice [offset, offset + size) of a 1-D buffer.
struct Slice {
  Value buffer;
  int64_t offset = 0, size = 0;

  bool overlaps(const Slice &other) const {
    return offset < other.offset + other.size &&
           other.offset < offset + size;
  }
  bool operator==(const Slice &other) const {
    return buffer == other.buffer && offset == other.offset &&
           size == other.size;
  }
};

/// The slice `view` covers: a static 1-D buffer, a unit-stride static
/// subview of one, or a reshape of such a slice; nullopt otherwise.
std::optional<Slice> sliceOf(Value view) {
  if (auto expand = view.getDefiningOp<memref::ExpandShapeOp>())
    return sliceOf(expand.getSrc());
  if (auto collapse = view.getDefiningOp<memref::CollapseShapeOp>())
    return sliceOf(collapse.getSrc());
  auto type = dyn_cast<MemRefType>(view.getType());
  if (!type || type.getRank() != 1 || !type.hasStaticShape())
    return std::nullopt;
  if (auto subview = view.getDefiningOp<memref::SubViewOp>()) {
    std::optional<Slice> source = sliceOf(subview.getSource());
    ArrayRef<int64_t> offsets = subview.getStaticOffsets(),
                      strides = subview.getStaticStrides();
    if (!source || ShapedType::isDynamic(offsets[0]) || strides[0] != 1)
      return std::nullopt;
    return Slice{source->buffer, source->offset + offsets[0],
                 type.getDimSize(0)};
  }
  if (!type.getLayout().isIdentity() ||
      !(isa<BlockArgument>(view) || view.getDefiningOp<memref::AllocOp>()))
    return std::nullopt;
  return Slice{view, 0, type.getDimSize(0)};
}

/// Calls `fn(op, view)` for every non-view op using `buffer` through any
/// chain of views.
void forEachAccess(Value buffer, function_ref<void(Operation *, Value)> fn) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    auto view = dyn_cast<ViewLikeOpInterface>(user);
    if (view && view.getViewSource() == buffer)
      forEachAccess(user->getResult(0), fn);
    else
      fn(user, buffer);
  }
}

/// Whether `op` is `linalg.copy` of exactly `slice` into `into`.
bool copiesSliceInto(Operation *op, const Slice &slice, Value into) {
  auto copy = dyn_cast<linalg::CopyOp>(op);
  if (!copy || copy.getOutputs()[0] != into)
    return false;
  std::optional<Slice> source = sliceOf(copy.getInputs()[0]);
  return source && *source == slice;
}

/// Rewrites `copy` as described in the file header, adding the copies it
/// erases to `erased`; false when not safe.
bool eliminate(RewriterBase &rewriter, linalg::CopyOp copy,
               llvm::SmallPtrSetImpl<Operation *> &erased) {
  Block *block = copy->getBlock();
  Value source = copy.getInputs()[0];
  auto collapse = source.getDefiningOp<memref::CollapseShapeOp>();
  Value temporary = collapse ? collapse.getSrc() : source;
  auto alloc = temporary.getDefiningOp<memref::AllocOp>();
  std::optional<Slice> target = sliceOf(copy.getOutputs()[0]);
  if (!alloc || alloc->getBlock() != block || !target ||
      !alloc.getType().hasStaticShape() ||
      !alloc.getType().getLayout().isIdentity() ||
      (collapse && !collapse->hasOneUse()) ||
      (!collapse && alloc.getType().getRank() != 1))
    return false;
  if (auto bufferAlloc = target->buffer.getDefiningOp<memref::AllocOp>();
      bufferAlloc && (bufferAlloc->getBlock() != block ||
                      bufferAlloc->getNumOperands() != 0))
    return false;
  if (auto arg = dyn_cast<BlockArgument>(target->buffer);
      arg && arg.getOwner() != block)
    return false;

  // Users of the temporary: linalg ops before the copy, and deallocations.
  Operation *first = nullptr;
  SmallVector<Operation *> deallocations;
  for (Operation *user : temporary.getUsers()) {
    if (user == collapse.getOperation() || (!collapse && user == copy))
      continue;
    if (isa<memref::DeallocOp>(user)) {
      deallocations.push_back(user);
      continue;
    }
    Operation *inBlock = block->findAncestorOpInBlock(*user);
    if (!isa<linalg::LinalgOp>(user) || !inBlock ||
        !inBlock->isBeforeInBlock(copy))
      return false;
    if (!first || inBlock->isBeforeInBlock(first))
      first = inBlock;
  }
  if (!first)
    return false;

  // Nothing else reads or writes the target slice while the temporary is
  // live, but a copy of exactly that slice into the temporary.
  SmallVector<Operation *> selfCopies;
  bool safe = true;
  forEachAccess(target->buffer, [&](Operation *user, Value view) {
    Operation *inBlock = block->findAncestorOpInBlock(*user);
    if (!inBlock) {
      safe = false;
      return;
    }
    if (inBlock == copy || inBlock->isBeforeInBlock(first) ||
        copy->isBeforeInBlock(inBlock))
      return;
    if (copiesSliceInto(user, *target, temporary)) {
      selfCopies.push_back(user);
      return;
    }
    std::optional<Slice> accessed = sliceOf(view);
    if (!accessed || accessed->overlaps(*target))
      safe = false;
  });
  if (!safe)
    return false;

  // The temporary becomes a view of the target slice.
  if (Operation *bufferAlloc = target->buffer.getDefiningOp();
      bufferAlloc && first->isBeforeInBlock(bufferAlloc))
    bufferAlloc->moveBefore(&block->front());
  rewriter.setInsertionPoint(first);
  Location loc = alloc.getLoc();
  Value replacement = memref::SubViewOp::create(
      rewriter, loc, target->buffer,
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(target->offset)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(target->size)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
  if (collapse) {
    FailureOr<MemRefType> expandedType =
        memref::ExpandShapeOp::computeExpandedType(
            cast<MemRefType>(replacement.getType()),
            alloc.getType().getShape(), collapse.getReassociationIndices());
    if (failed(expandedType))
      return false;
    replacement = memref::ExpandShapeOp::create(
        rewriter, loc, *expandedType, replacement,
        collapse.getReassociationIndices());
  }
  erased.insert(selfCopies.begin(), selfCopies.end());
  erased.insert(copy);
  for (Operation *op : llvm::concat<Operation *>(selfCopies, deallocations))
    rewriter.eraseOp(op);
  rewriter.eraseOp(copy);
  if (collapse)
    rewriter.eraseOp(collapse);
  rewriter.replaceAllUsesWith(alloc.getResult(), replacement);
  rewriter.eraseOp(alloc);
  return true;
}

struct EliminateCopiesPass
    : cnnc::gpu::impl::CNNGPUEliminateCopiesBase<EliminateCopiesPass> {
  void runOnOperation() override {
    SmallVector<linalg::CopyOp> copies;
    getOperation().walk([&](linalg::CopyOp copy) { copies.push_back(copy); });
    IRRewriter rewriter(&getContext());
    llvm::SmallPtrSet<Operation *, 8> erased;
    for (linalg::CopyOp copy : copies)
      if (!erased.contains(copy))
        (void)eliminate(rewriter, copy, erased);
  }
};

} // namespace
