//===- BufferAliasing.cpp - may two buffers of an entry point overlap? ----===//

#include "cnnc/GPU/BufferAliasing.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
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

bool cnnc::gpu::BufferAliasOracle::mayAlias(Value a, Value b) {
  Value bufferA = viewedBuffer(a), bufferB = viewedBuffer(b);
  if (bufferA != bufferB &&
      (isNoAliasArgument(bufferA) || isNoAliasArgument(bufferB)))
    return false;
  return !analysis.alias(a, b).isNo();
}
