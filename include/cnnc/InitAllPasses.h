//===- InitAllPasses.h - passes and pipelines of cnnc -----------*- C++ -*-===//
//
// Registers cnnc's passes and named pipelines and the upstream passes that
// `cnnc-opt` exposes for pass development.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_INITALLPASSES_H
#define CNNC_INITALLPASSES_H

namespace cnnc {
/// Registers cnnc's passes, its named pipelines and the upstream passes the
/// pipelines are made of.
void registerAllPasses();
} // namespace cnnc

#endif // CNNC_INITALLPASSES_H
