//===- CNNDialect.cpp - cnn dialect registration --------------------------===//
//
// Registers the operations and attributes of the `cnn` dialect.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/CNNDialect.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cnnc::cnn;

#include "cnnc/Dialect/CNN/IR/CNNDialect.cpp.inc"
#include "cnnc/Dialect/CNN/IR/CNNEnums.cpp.inc"
#include "cnnc/Dialect/CNN/IR/CNNInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "cnnc/Dialect/CNN/IR/CNNAttrs.cpp.inc"

void CNNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cnnc/Dialect/CNN/IR/CNNOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "cnnc/Dialect/CNN/IR/CNNAttrs.cpp.inc"
      >();
}

LogicalResult
TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t rows,
                   int64_t vectors, int64_t width, bool parallel,
                   int64_t outerReductions) {
  if (rows < 1 || vectors < 1)
    return emitError() << "tiling needs at least one row and one vector, got "
                       << rows << " x " << vectors;
  if (width < 1 || !llvm::isPowerOf2_64(width))
    return emitError() << "tiling vector width must be a power of two, got "
                       << width;
  if (outerReductions < 0 || outerReductions > 1)
    return emitError() << "tiling outer_reductions must be 0 or 1, got "
                       << outerReductions;
  return success();
}
