//===- Harness.cpp - compile, load and check cnn models -------------------===//
//
// Runs the real cnnc binary (CNNC_TOOLS_DIR) with the real support library
// (CNNC_LIB_DIR) on each test model, loads the result with dlopen and checks
// it through the C ABI of abi.h only. One temporary directory per process
// holds the .mlir/.so/.log files and is removed when the process exits.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <random>
#include <sstream>
#include <thread>

#ifndef CNNC_TOOLS_DIR
#error "CNNC_TOOLS_DIR must name the directory holding cnnc"
#endif
#ifndef CNNC_LIB_DIR
#error "CNNC_LIB_DIR must name the directory holding libcnnc_support.a"
#endif

namespace cnnc::numeric {

/// Writes `mlir` to `directory`/`stem`.mlir, runs cnnc with `flags` and the
/// real support library, dlopens the result and returns its descriptor in
/// `desc`. Returns an error message, empty on success.
std::string compileLibrary(const std::string &mlir,
                           const std::vector<std::string> &flags,
                           llvm::StringRef directory, llvm::StringRef stem,
                           void *&handle, const cnnc_model_desc *&desc) {
  auto pathFor = [&](llvm::StringRef extension) {
    llvm::SmallString<128> path(directory);
    llvm::sys::path::append(path, stem + extension);
    return std::string(path);
  };
  std::string mlirPath = pathFor(".mlir"), libraryPath = pathFor(".so");
  std::string logPath = pathFor(".log");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(mlirPath, ec);
    if (ec)
      return "cannot write " + mlirPath + ": " + ec.message();
    os << mlir;
  }

  std::string cnnc = CNNC_TOOLS_DIR "/cnnc";
  std::vector<std::string> args = {cnnc, mlirPath, "-o", libraryPath};
  args.insert(args.end(), flags.begin(), flags.end());
  // test/e2e/optimizations-off.test reruns the suites with optimizations
  // switched off: CNNC_EXTRA_FLAGS holds space-separated cnnc flags.
  if (const char *extra = std::getenv("CNNC_EXTRA_FLAGS")) {
    llvm::SmallVector<llvm::StringRef> words;
    llvm::StringRef(extra).split(words, ' ', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef word : words)
      args.push_back(word.str());
  }
  args.push_back("--support-library=" CNNC_LIB_DIR "/libcnnc_support.a");
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {
      std::nullopt, llvm::StringRef(logPath), llvm::StringRef(logPath)};
  std::string executeError;
  int rc = llvm::sys::ExecuteAndWait(cnnc, argRefs, /*Env=*/std::nullopt,
                                     redirects, /*SecondsToWait=*/300,
                                     /*MemoryLimit=*/0, &executeError);
  if (rc != 0) {
    std::string message = "cnnc failed (exit " + std::to_string(rc) + ")";
    if (!executeError.empty())
      message += ": " + executeError;
    message += "\ncommand:";
    for (const std::string &arg : args)
      message += " " + arg;
    if (auto log = llvm::MemoryBuffer::getFile(logPath))
      message += "\n" + (*log)->getBuffer().str();
    return message;
  }

  handle = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return std::string("dlopen failed: ") + dlerror();
  void *entry = dlsym(handle, CNNC_MODEL_ENTRY_SYMBOL);
  if (!entry)
    return "the library does not export " CNNC_MODEL_ENTRY_SYMBOL;
  desc = reinterpret_cast<cnnc_model_entry_fn>(entry)();
  if (!desc)
    return CNNC_MODEL_ENTRY_SYMBOL " returned null";
  return "";
}

namespace {

/// A compiled model, or why it could not be compiled or loaded.
struct CacheEntry {
  std::string mlir;
  LoadedModel model;
  std::string error;
};

/// The per-process store of compiled libraries. Its destructor (at exit)
/// unloads them and removes the temporary directory.
class ModelCache {
public:
  ~ModelCache() {
    for (auto &entry : entries)
      if (entry.second.model.handle)
        dlclose(entry.second.model.handle);
    if (!directory.empty())
      llvm::sys::fs::remove_directories(directory);
  }

  /// The temporary directory, created on first use; empty on failure.
  llvm::StringRef getDirectory(std::string &error) {
    if (directory.empty()) {
      if (std::error_code ec =
              llvm::sys::fs::createUniqueDirectory("cnnc-numeric", directory)) {
        error = "cannot create a temporary directory: " + ec.message();
        directory.clear();
      }
    }
    return directory;
  }

  std::map<std::string, CacheEntry> entries;

private:
  llvm::SmallString<128> directory;
};

ModelCache &getCache() {
  static ModelCache cache;
  return cache;
}

/// Models of the instantiated suites, by name.
std::map<std::string, ModelSpec> &getRegistry() {
  static std::map<std::string, ModelSpec> registry;
  return registry;
}

/// Writes the module, runs cnnc and loads the library into `model`. Returns
/// an error message, empty on success.
std::string compileAndLoad(const ModelSpec &spec, LoadedModel &model) {
  std::string error;
  llvm::StringRef directory = getCache().getDirectory(error);
  if (directory.empty())
    return error;

  return compileLibrary(spec.mlir, spec.cnncFlags, directory, spec.name,
                        model.handle, model.desc);
}

/// Keras fans of a kernel shape: the receptive field times the input
/// (second-to-last) and output (last) extents.
double glorotLimit(const cnnc_param_info &param) {
  if (param.rank < 2)
    return 0.5;
  double receptive = 1.0;
  for (int32_t i = 0; i + 2 < param.rank; ++i)
    receptive *= static_cast<double>(param.shape[i]);
  double fanIn = receptive * static_cast<double>(param.shape[param.rank - 2]);
  double fanOut = receptive * static_cast<double>(param.shape[param.rank - 1]);
  return std::sqrt(6.0 / (fanIn + fanOut));
}

/// The model a parameterized numeric test runs: its name is
/// "<test>/<model>_batch<N>" (see numericTestName).
const ModelSpec *findSelectedModel(const ::testing::TestInfo &info) {
  std::string name = info.name();
  size_t slash = name.find('/');
  size_t suffix = name.rfind("_batch");
  if (slash == std::string::npos || suffix == std::string::npos ||
      suffix < slash)
    return nullptr;
  auto it = getRegistry().find(name.substr(slash + 1, suffix - slash - 1));
  return it == getRegistry().end() ? nullptr : &it->second;
}

/// Compiles every registered model that a selected test needs, in parallel.
/// Runs after gtest has applied the filter and the sharding protocol, so
/// each lit shard compiles only what it runs.
class PrecompileEnvironment : public ::testing::Environment {
public:
  void SetUp() override {
    ModelCache &cache = getCache();
    std::vector<std::pair<const ModelSpec *, CacheEntry *>> work;
    const ::testing::UnitTest &unit = *::testing::UnitTest::GetInstance();
    for (int i = 0; i < unit.total_test_suite_count(); ++i) {
      const ::testing::TestSuite &suite = *unit.GetTestSuite(i);
      for (int j = 0; j < suite.total_test_count(); ++j) {
        const ::testing::TestInfo &info = *suite.GetTestInfo(j);
        const ModelSpec *spec =
            info.should_run() ? findSelectedModel(info) : nullptr;
        if (!spec || cache.entries.count(spec->name))
          continue;
        CacheEntry &entry = cache.entries[spec->name];
        entry.mlir = spec->mlir;
        work.push_back({spec, &entry});
      }
    }
    if (work.empty())
      return;
    std::string error;
    if (cache.getDirectory(error).empty()) {
      for (auto &[spec, entry] : work)
        entry->error = error; // loadModel reports it
      return;
    }
    std::atomic<size_t> next{0};
    auto compileSome = [&] {
      for (size_t i = next++; i < work.size(); i = next++)
        work[i].second->error =
            compileAndLoad(*work[i].first, work[i].second->model);
    };
    size_t threadCount = std::min<size_t>(
        std::max(1u, std::thread::hardware_concurrency()), work.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < threadCount; ++i)
      threads.emplace_back(compileSome);
    for (std::thread &thread : threads)
      thread.join();
  }
};

// Registered at static initialization, as gtest allows with gtest_main.
[[maybe_unused]] ::testing::Environment *const precompileEnvironment =
    ::testing::AddGlobalTestEnvironment(new PrecompileEnvironment);

} // namespace

void registerModels(const std::vector<ModelSpec> &models) {
  for (const ModelSpec &model : models)
    getRegistry().emplace(model.name, model);
}

//===----------------------------------------------------------------------===//
// Loading and descriptor checks
//===----------------------------------------------------------------------===//

const LoadedModel *loadModel(const ModelSpec &spec) {
  auto &entries = getCache().entries;
  auto it = entries.find(spec.name);
  if (it == entries.end()) {
    CacheEntry entry;
    entry.mlir = spec.mlir;
    entry.error = compileAndLoad(spec, entry.model);
    it = entries.emplace(spec.name, std::move(entry)).first;
  } else if (it->second.mlir != spec.mlir) {
    ADD_FAILURE() << "two different test models are named " << spec.name;
    return nullptr;
  }
  if (!it->second.error.empty()) {
    ADD_FAILURE() << "model " << spec.name << ": " << it->second.error
                  << "\nmodule:\n"
                  << spec.mlir;
    return nullptr;
  }
  return &it->second.model;
}

void checkDescriptor(const cnnc_model_desc &desc, const ModelSpec &spec) {
  ASSERT_EQ(desc.abi_version, CNNC_ABI_VERSION);
  ASSERT_EQ(desc.desc_size, sizeof(cnnc_model_desc));
  ASSERT_NE(desc.name, nullptr);
  EXPECT_STREQ(desc.name, spec.name.c_str());
  ASSERT_NE(desc.target, nullptr);
  EXPECT_STREQ(desc.target, "cpu");
  EXPECT_EQ(desc.input_shape[0], -1);
  EXPECT_EQ(desc.input_shape[1], spec.inputHWC[0]);
  EXPECT_EQ(desc.input_shape[2], spec.inputHWC[1]);
  EXPECT_EQ(desc.input_shape[3], spec.inputHWC[2]);
  EXPECT_EQ(desc.num_classes, spec.numClasses);
  ASSERT_NE(desc.forward, nullptr);
  ASSERT_EQ(desc.num_params, static_cast<int64_t>(spec.params.size()));
  ASSERT_TRUE(desc.params != nullptr || desc.num_params == 0);

  std::vector<std::pair<int64_t, int64_t>> ranges; // [offset, end)
  for (const ParamSpec &expected : spec.params) {
    const cnnc_param_info *begin = desc.params;
    const cnnc_param_info *end = desc.params + desc.num_params;
    const cnnc_param_info *found =
        std::find_if(begin, end, [&](const cnnc_param_info &param) {
          return param.name && expected.name == param.name;
        });
    ASSERT_NE(found, end) << "no parameter named " << expected.name;
    ASSERT_EQ(found->rank, static_cast<int32_t>(expected.shape.size()))
        << expected.name;
    int64_t size = 1;
    for (size_t i = 0; i < expected.shape.size(); ++i) {
      EXPECT_EQ(found->shape[i], expected.shape[i])
          << expected.name << " dim " << i;
      size *= expected.shape[i];
    }
    ASSERT_EQ(found->size, size) << expected.name;
    ASSERT_GE(found->offset, 0) << expected.name;
    ASSERT_LE(found->offset + found->size, desc.param_elements)
        << expected.name;
    EXPECT_EQ(found->trainable, expected.trainable ? 1 : 0) << expected.name;
    if (expected.trainable)
      EXPECT_LE(found->offset + found->size, desc.trainable_elements)
          << expected.name;
    else
      EXPECT_GE(found->offset, desc.trainable_elements) << expected.name;
    ranges.push_back({found->offset, found->offset + found->size});
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    EXPECT_LE(ranges[i - 1].second, ranges[i].first)
        << "overlapping parameter tensors";
}

//===----------------------------------------------------------------------===//
// Data
//===----------------------------------------------------------------------===//

std::vector<float> makeParams(const cnnc_model_desc &desc, uint32_t seed) {
  // At least one element, so that a model without parameters still gets a
  // non-null buffer (abi.h rejects null buffers).
  std::vector<float> params(std::max<int64_t>(desc.param_elements, 1), 0.0f);
  std::mt19937 engine(seed);
  for (int64_t i = 0; i < desc.num_params; ++i) {
    const cnnc_param_info &param = desc.params[i];
    double limit = glorotLimit(param);
    std::uniform_real_distribution<double> uniform(-limit, limit);
    // A variance (BatchNormalization's moving_variance) must be positive.
    if (llvm::StringRef(param.name).ends_with("moving_variance"))
      uniform = std::uniform_real_distribution<double>(0.5, 1.5);
    for (int64_t j = 0; j < param.size; ++j)
      params[param.offset + j] = static_cast<float>(uniform(engine));
  }
  return params;
}

std::vector<float> makeInput(int64_t count, double low, double high,
                             uint32_t seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  std::vector<float> values(count);
  for (float &value : values)
    value = static_cast<float>(uniform(engine));
  return values;
}

ParamValues viewParams(const cnnc_model_desc &desc,
                       const std::vector<float> &params) {
  ParamValues values;
  for (int64_t i = 0; i < desc.num_params; ++i) {
    const cnnc_param_info &param = desc.params[i];
    Tensor tensor(std::vector<int64_t>(param.shape, param.shape + param.rank));
    for (int64_t j = 0; j < param.size; ++j)
      tensor.data[j] = params[param.offset + j];
    values[param.name] = std::move(tensor);
  }
  return values;
}

Tensor toTensor(const std::vector<float> &values, std::vector<int64_t> shape) {
  Tensor tensor(std::move(shape));
  for (size_t i = 0; i < tensor.data.size(); ++i)
    tensor.data[i] = values.at(i);
  return tensor;
}

//===----------------------------------------------------------------------===//
// Comparison and the end-to-end check
//===----------------------------------------------------------------------===//

::testing::AssertionResult allClose(const float *got, const Tensor &ref,
                                    Tolerance tolerance) {
  int64_t count = ref.numElements();
  int64_t row = ref.rank() == 2 ? ref.dim(1) : count;
  int64_t mismatches = 0;
  double worst = 0.0;
  std::ostringstream details;
  for (int64_t i = 0; i < count; ++i) {
    double expected = ref.data[i];
    double error = std::fabs(static_cast<double>(got[i]) - expected);
    // Written so that a NaN in either value counts as a mismatch.
    if (error <= tolerance.atol + tolerance.rtol * std::fabs(expected))
      continue;
    if (++mismatches <= 8)
      details << "\n  [" << i / row << "][" << i % row << "]: got " << got[i]
              << ", expected " << expected;
    if (!(error <= worst))
      worst = error;
  }
  if (mismatches == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " of " << count
         << " values outside |got - ref| <= " << tolerance.atol << " + "
         << tolerance.rtol << " * |ref| (worst error " << worst << ")"
         << details.str();
}

void checkModel(const ModelSpec &spec, int64_t batch) {
  const LoadedModel *model = loadModel(spec);
  ASSERT_NE(model, nullptr);
  const cnnc_model_desc &desc = *model->desc;
  checkDescriptor(desc, spec);
  if (::testing::Test::HasFatalFailure())
    return;

  auto [height, width, channels] = spec.inputHWC;
  std::vector<float> params = makeParams(desc, /*seed=*/20240601);
  std::vector<float> input =
      makeInput(batch * height * width * channels, spec.inputLow,
                spec.inputHigh, /*seed=*/1000 + static_cast<uint32_t>(batch));
  const std::vector<float> paramsBefore = params, inputBefore = input;

  // Guard elements after the logits catch writes past batch * num_classes.
  const int64_t guard = 64;
  const float sentinel = -12345.75f;
  int64_t logitCount = batch * spec.numClasses;
  std::vector<float> logits(logitCount + guard, sentinel);
  ASSERT_EQ(desc.forward(params.data(), input.data(), batch, logits.data()),
            CNNC_OK);
  EXPECT_EQ(0, std::memcmp(params.data(), paramsBefore.data(),
                           params.size() * sizeof(float)))
      << "forward modified the parameter buffer";
  EXPECT_EQ(0, std::memcmp(input.data(), inputBefore.data(),
                           input.size() * sizeof(float)))
      << "forward modified the input buffer";
  EXPECT_TRUE(std::all_of(logits.begin() + logitCount, logits.end(),
                          [&](float value) { return value == sentinel; }))
      << "forward wrote past batch * num_classes logits";

  Tensor reference =
      spec.reference(toTensor(input, {batch, height, width, channels}),
                     viewParams(desc, params));
  ASSERT_EQ(reference.shape, (std::vector<int64_t>{batch, spec.numClasses}))
      << "the test's reference has the wrong shape";
  EXPECT_TRUE(allClose(logits.data(), reference, spec.tolerance))
      << "model " << spec.name << " at batch " << batch << ":\n"
      << spec.mlir;
}

//===----------------------------------------------------------------------===//
// MLIR text helpers
//===----------------------------------------------------------------------===//

std::string staticTensorType(const std::vector<int64_t> &dims) {
  std::string type = "tensor<";
  for (int64_t dim : dims)
    type += std::to_string(dim) + "x";
  return type + "f32>";
}

std::string tensorType(const std::vector<int64_t> &dims) {
  return "tensor<?x" + staticTensorType(dims).substr(7);
}

std::string pairText(const std::array<int64_t, 2> &pair,
                     const char *separator) {
  return std::to_string(pair[0]) + separator + std::to_string(pair[1]);
}

std::string batchName(int64_t batch) { return "batch" + std::to_string(batch); }

std::string makeModule(const std::string &name,
                       const std::array<int64_t, 3> &inputHWC,
                       int64_t numClasses, const std::string &body,
                       const std::string &result) {
  std::string resultType = tensorType({numClasses});
  return "module @" + name + " {\n  func.func @forward(%x: " +
         tensorType({inputHWC[0], inputHWC[1], inputHWC[2]}) + ") -> " +
         resultType + " {\n" + body + "    return " + result + " : " +
         resultType + "\n  }\n}\n";
}

std::string
numericTestName(const ::testing::TestParamInfo<NumericParam> &info) {
  return std::get<0>(info.param).name + "_" +
         batchName(std::get<1>(info.param));
}

void PrintTo(const ModelSpec &spec, std::ostream *os) { *os << spec.name; }

} // namespace cnnc::numeric
