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
