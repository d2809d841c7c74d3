//===- BufferAliasing.cpp - may two buffers of an entry point overlap? ----===//

#include "cnnc/GPU/BufferAliasing.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

Value cnnc::gpu::viewedBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

bool cnnc::gpu::isNoAliasArgument(Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg)
    return false;
  auto function = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  return function && arg.getOwner()->isEntryBlock() &&
         function.getArgAttr(arg.getArgNumber(),
                             LLVM::LLVMDialect::getNoAliasAttrName());
}

/// The elements [first, last) a static view can reach, counted from the
/// start of its buffer (a strided memref's offset is relative to it).
static std::optional<std::pair<int64_t, int64_t>> staticExtent(Value view) {
  auto type = dyn_cast<MemRefType>(view.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset))
    return std::nullopt;
  int64_t last = offset;
  for (auto [size, stride] : llvm::zip(type.getShape(), strides)) {
    if (size == 0)
      return std::make_pair(offset, offset);
    if (ShapedType::isDynamic(stride) || stride < 0)
      return std::nullopt;
    last += (size - 1) * stride;
  }
  return std::make_pair(offset, last + 1);
}

bool cnnc::gpu::BufferAliasOracle::mayAlias(Value a, Value b) {
  Value bufferA = viewedBuffer(a), bufferB = viewedBuffer(b);
  if (bufferA != bufferB &&
      (isNoAliasArgument(bufferA) || isNoAliasArgument(bufferB)))
    return false;
  // Static views of one buffer whose element ranges do not meet (the slices
  // of a flat gradient).
  if (bufferA == bufferB) {
    std::optional<std::pair<int64_t, int64_t>> extentA = staticExtent(a),
                                               extentB = staticExtent(b);
    if (extentA && extentB &&
        (extentA->second <= extentB->first ||
         extentB->second <= extentA->first))
      return false;
  }
  return !analysis.alias(a, b).isNo();
}

void cnnc::gpu::BufferAccesses::add(Operation *op) {
  op->walk([&](Operation *nested) {
    auto memory = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!memory) {
      if (!nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        unknown = true;
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> effects;
    memory.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects) {
      bool read = isa<MemoryEffects::Read>(effect.getEffect());
      bool write = isa<MemoryEffects::Write>(effect.getEffect());
      if (!read && !write)
        continue;
      if (!effect.getValue())
        unknown = true;
      else
        (read ? reads : writes).push_back(effect.getValue());
    }
  });
}

bool cnnc::gpu::BufferAccesses::conflictsWith(
    const BufferAccesses &other, BufferAliasOracle &aliasing) const {
  if (unknown || other.unknown)
    return true;
  auto anyAlias = [&](ArrayRef<Value> xs, ArrayRef<Value> ys) {
    return llvm::any_of(xs, [&](Value x) {
      return llvm::any_of(ys, [&](Value y) { return aliasing.mayAlias(x, y); });
    });
  };
  return anyAlias(writes, other.writes) || anyAlias(writes, other.reads) ||
         anyAlias(reads, other.writes);
}

bool cnnc::gpu::mayWriteMemory(Operation *op) {
  BufferAccesses accesses;
  accesses.add(op);
  return accesses.mayWrite();
}
