//===- InitAllDialects.h - dialects used by cnnc's tools --------*- C++ -*-===//
//
// Registers the `cnn` dialect and the upstream dialects (and their external
// interface models) that cnnc's pipelines produce or consume.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_INITALLDIALECTS_H
#define CNNC_INITALLDIALECTS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace cnnc {
/// Adds every dialect and interface model cnnc's tools need to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);
} // namespace cnnc

#endif // CNNC_INITALLDIALECTS_H
