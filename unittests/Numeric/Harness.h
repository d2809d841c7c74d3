//===- Harness.h - compile, load and check cnn models ----------*- C++ -*-===//
//
// The numeric tests describe a tiny model (MLIR text, expected parameter
// table, reference function), and this harness does the rest: it writes the
// module to a private temporary directory, runs the real `cnnc` on it, dlopens
// the shared library, validates the descriptor of abi.h, fills parameters and
// inputs from a seeded generator, runs `forward` and compares every logit with
// the double-precision reference. Libraries are compiled once per process and
// the temporary directory is removed at exit.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_NUMERIC_HARNESS_H
#define CNNC_UNITTESTS_NUMERIC_HARNESS_H

#include "Reference.h"

#include "cnnc/Runtime/abi.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace cnnc::numeric {

/// Acceptance rule of every comparison: |got - ref| <= atol + rtol * |ref|.
/// The defaults allow float32 rounding of dot products of up to ~600 O(1)
/// terms and of approximated exp/tanh (the worst error seen is below 1e-6,
/// in the reference CNN); they are far below any real error such as a
/// dropped tap, a misplaced pad or a wrong divisor, which are O(0.1).
struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-4;
};

/// Parameter tensors by name, as the reference sees them.
using ParamValues = std::map<std::string, Tensor>;

/// One parameter the test expects in the library's parameter table.
struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
  bool trainable = true; ///< false: model state (`trainable = false`)
};

/// Writes `mlir` to `directory`/`stem`.mlir, runs cnnc with `flags` and the
/// real support library, dlopens the result and returns its descriptor in
/// `desc`. Returns an error message, empty on success.
std::string compileLibrary(const std::string &mlir,
                           const std::vector<std::string> &flags,
                           llvm::StringRef directory, llvm::StringRef stem,
                           void *&handle, const cnnc_model_desc *&desc);

/// Everything needed to compile one model and check it numerically.
struct ModelSpec {
  /// The module's symbol name; also the cache key and the library's prefix.
  std::string name;
  /// The complete `module @name { func.func @forward ... }` text.
  std::string mlir;
  /// Input image extents H, W, C (the batch is dynamic).
  std::array<int64_t, 3> inputHWC = {1, 1, 1};
  /// Logits per image: the width of forward's rank-2 result.
  int64_t numClasses = 0;
  /// The parameter table the library must export (any order).
  std::vector<ParamSpec> params;
  /// Input values are drawn uniformly from [inputLow, inputHigh].
  double inputLow = -2.0;
  double inputHigh = 2.0;
  /// Extra cnnc flags; by default libraries are inference-only.
  std::vector<std::string> cnncFlags = {"--optimizer=none"};
  Tolerance tolerance;
  /// The expected logits [batch, numClasses] for an input [batch, H, W, C].
  std::function<Tensor(const Tensor &input, const ParamValues &params)>
      reference;
};

/// A generated library loaded into this process.
struct LoadedModel {
  void *handle = nullptr;
  const cnnc_model_desc *desc = nullptr;
};

/// Compiles `spec` with cnnc and dlopens the result, once per process and
/// model name. Records a test failure (with cnnc's diagnostics) and returns
/// nullptr when cnnc, dlopen or the entry symbol fails; the failure is
/// cached, so the other batch size reports it again without recompiling.
const LoadedModel *loadModel(const ModelSpec &spec);

/// Checks the descriptor against the spec: ABI version and size, name,
/// target, input shape, number of classes and the parameter table (names,
/// shapes, sizes, trainable flags, disjoint in-range offsets, trainable
/// tensors before trainable_elements and the others after it).
void checkDescriptor(const cnnc_model_desc &desc, const ModelSpec &spec);

/// A parameter buffer for `desc`: every tensor uniform in +-sqrt(6 / (fan_in
/// + fan_out)) (Glorot limit, computed from the shape) for kernels and in
/// +-0.5 for rank-1 tensors, so biases are non-zero and activations stay O(1);
/// tensors named "...moving_variance" uniform in [0.5, 1.5] (variances).
/// Never empty, so a model without parameters still gets a non-null buffer.
std::vector<float> makeParams(const cnnc_model_desc &desc, uint32_t seed);

/// `count` values uniform in [low, high].
std::vector<float> makeInput(int64_t count, double low, double high,
                             uint32_t seed);

/// The tensors of `params` by name, widened to double, shaped per `desc`.
ParamValues viewParams(const cnnc_model_desc &desc,
                       const std::vector<float> &params);

/// Widens a float NHWC batch to a double tensor.
Tensor toTensor(const std::vector<float> &values, std::vector<int64_t> shape);

/// Compares `got` (row-major, ref.numElements() floats) with `ref` element by
/// element; on failure reports the number of mismatches, the worst error and
/// the first few mismatching indices with both values.
::testing::AssertionResult allClose(const float *got, const Tensor &ref,
                                    Tolerance tolerance);

/// The whole numeric check of one model at one batch size: load, check the
/// descriptor, run forward on random data, verify that only the logits were
/// written (guard elements, unchanged inputs) and compare with the reference.
void checkModel(const ModelSpec &spec, int64_t batch);

/// `tensor<?xD1x...xf32>` for a dynamic batch and the given extents.
std::string tensorType(const std::vector<int64_t> &dims);

/// `tensor<D1x...xf32>` (a static shape, for parameters).
std::string staticTensorType(const std::vector<int64_t> &dims);

/// The two extents of a window, stride or image joined by `separator`:
/// "2, 1" for MLIR attributes, "2x1" for names.
std::string pairText(const std::array<int64_t, 2> &pair, const char *separator);

/// The test name suffix of a batch size, e.g. "batch17".
std::string batchName(int64_t batch);

/// `module @name { func.func @forward(%x: tensor<?xHxWxCxf32>) ->
/// tensor<?xKxf32> { <body> return <result> } }`. `body` is a sequence of
/// indented op lines that reads `%x` and defines `result`.
std::string makeModule(const std::string &name,
                       const std::array<int64_t, 3> &inputHWC,
                       int64_t numClasses, const std::string &body,
                       const std::string &result);

/// The batch sizes every numeric test runs at.
inline constexpr int64_t kTestBatches[] = {1, 17};

/// The parameter of every numeric test: a model and a batch size.
using NumericParam = std::tuple<ModelSpec, int64_t>;

/// Base fixture; each test file derives its own suite and instantiates it
/// with numericCases(<its models>).
class NumericTest : public ::testing::TestWithParam<NumericParam> {};

/// Makes `models` known to the harness: before the first test runs, the ones
/// the run selects (after --gtest_filter and sharding) are compiled in
/// parallel, one cnnc process per hardware thread.
void registerModels(const std::vector<ModelSpec> &models);

/// The parameters of a numeric suite: every model at every batch size,
/// batch by batch. Registers the models (see registerModels).
///
/// The order matters for speed only: gtest shards round-robin, so with N
/// models per suite the two tests of a model are N apart and land in the
/// same lit shard (one compilation instead of two) whenever the shard count
/// divides N; suites therefore keep an even number of models.
inline auto numericCases(const std::vector<ModelSpec> &models) {
  registerModels(models);
  std::vector<NumericParam> cases;
  for (int64_t batch : kTestBatches)
    for (const ModelSpec &model : models)
      cases.emplace_back(model, batch);
  return ::testing::ValuesIn(cases);
}

/// `<model name>_batch<N>`.
std::string numericTestName(const ::testing::TestParamInfo<NumericParam> &info);

/// Prints a model as its name (gtest would otherwise dump its bytes).
void PrintTo(const ModelSpec &spec, std::ostream *os);

} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_HARNESS_H
