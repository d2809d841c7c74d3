//===- VectorTarget.cpp - the vector registers CPU kernels use ------------===//
//
// Resolves the vector width and register count of the CPU kernel passes
// from their options, the module's #cnn.cpu_target, or the AVX2 default.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Codegen/VectorTarget.h"
#include "cnnc/Dialect/CNN/IR/CNNDialect.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace cnnc;

FailureOr<codegen::VectorTarget>
codegen::resolveVectorTarget(Operation *op, int64_t widthOption,
                             int64_t registersOption, StringRef passName) {
  VectorTarget target;
  if (auto attr = cnn::CPUTargetAttr::lookup(op)) {
    target.width = attr.getVectorWidth();
    target.registers = attr.getVectorRegisters();
  }
  if (widthOption) {
    if (widthOption < 0 || !llvm::isPowerOf2_64(widthOption))
      return op->emitError()
             << passName << ": vector-width must be a power of two, got "
             << widthOption;
    target.width = widthOption;
  }
  if (registersOption) {
    if (registersOption < 4)
      return op->emitError()
             << passName << ": vector-registers must be at least 4, got "
             << registersOption;
    target.registers = registersOption;
  }
  return target;
}
