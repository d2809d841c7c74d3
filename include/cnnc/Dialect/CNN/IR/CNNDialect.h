//===- CNNDialect.h - cnn dialect declaration -------------------*- C++ -*-===//
//
// Declares the `cnn` dialect, its enums (padding, activation, initializer)
// and the attributes that wrap them.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNDIALECT_H
#define CNNC_DIALECT_CNN_IR_CNNDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/Dialect.h"

#include "cnnc/Dialect/CNN/IR/CNNDialect.h.inc"
#include "cnnc/Dialect/CNN/IR/CNNEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "cnnc/Dialect/CNN/IR/CNNAttrs.h.inc"

#endif // CNNC_DIALECT_CNN_IR_CNNDIALECT_H
