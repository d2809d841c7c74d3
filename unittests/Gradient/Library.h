//===- Library.h - compiled training libraries for the tests ----*- C++ -*-===//
//
// The gradient tests compile one model with several flag sets (SGD to read
// gradients, Adam, SGD with momentum, the three losses). A Library is one
// such compilation. Like the numeric harness, libraries are compiled by the
// real cnnc into a per-process temporary directory, loaded with dlopen and
// cached; before the first test runs, every library that a selected test
// registered is compiled in parallel (so each lit shard compiles only what
// it runs).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_GRADIENT_LIBRARY_H
#define CNNC_UNITTESTS_GRADIENT_LIBRARY_H

#include "ModelBuilder.h"

#include <string>
#include <vector>

namespace cnnc::gradient {

/// One compilation of a model.
struct Library {
  /// Unique per process: the cache key and the file stem.
  std::string key;
  /// The model; `spec.cnncFlags` are the flags of this compilation.
  ModelSpec spec;
};

/// `model` compiled with `--optimizer=sgd --momentum=<momentum>` (and
/// `--nesterov`) and the model's loss.
Library sgdLibrary(const GradModel &model, double momentum = 0.0,
                   bool nesterov = false);

/// `model` compiled with `--optimizer=adam` and the model's loss.
Library adamLibrary(const GradModel &model);

/// `model` compiled with cnnc's default flags (Adam, sparse categorical
/// cross-entropy), as `cnnc model.mlir -o model.so` builds it.
Library defaultLibrary(const GradModel &model);

/// Declares the libraries that the test whose parameter is named `caseName`
/// needs (the part of the gtest name after the last '/'); they are compiled
/// in parallel before the selected tests run.
void registerCase(const std::string &caseName,
                  const std::vector<Library> &libraries);

/// The loaded library, compiling it now if it is not cached. Records a test
/// failure (with cnnc's diagnostics) and returns nullptr on failure.
const cnnc_model_desc *loadLibrary(const Library &library);

} // namespace cnnc::gradient

#endif // CNNC_UNITTESTS_GRADIENT_LIBRARY_H
