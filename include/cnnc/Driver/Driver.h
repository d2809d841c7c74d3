//===- Driver.h - the cnnc compiler driver ----------------------*- C++ -*-===//
//
// The whole of `cnnc`: command-line parsing, loading the model, running the
// pipeline, emitting the requested artifact. The tool's main only calls this.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DRIVER_DRIVER_H
#define CNNC_DRIVER_DRIVER_H

namespace cnnc {

/// Runs `cnnc` on a command line and returns the process exit code: 0 on
/// success, 1 after a diagnostic for bad input.
int runCompilerDriver(int argc, char **argv);

} // namespace cnnc

#endif // CNNC_DRIVER_DRIVER_H
