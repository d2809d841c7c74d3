//===- KerasFixtureTest.cpp - imported Keras models against Keras ---------===//
//
// Each fixture of test/Keras/Inputs is a model saved by real Keras plus
// what Keras computed with it (<name>.expected.json, written by
// test/Keras/make_fixtures.py). The test compiles the model with the real
// cnnc (plus the flags in CNNC_EXTRA_FLAGS, as unittests/Numeric), which
// also writes the saved weights next to the library, loads
// the library and checks through the C ABI only:
//   - forward on the fixed batch equals Keras's model.predict (rtol 1e-4;
//     softmax(forward) for models whose final softmax cnnc moves into the
//     loss);
//   - one train_step from the saved weights (zero optimizer state, step 1)
//     gives train_on_batch's loss and updated weights (rtol 1e-3), BN
//     moving statistics included. Models with dropout have no such check:
//     Keras's masks come from TensorFlow's generator, cnnc's from its own;
//     their copies with rate 0 (cifar_style_train) check the step.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/abi.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace {

namespace json = llvm::json;

/// One fixture: the saved model's file name in test/Keras/Inputs.
struct Fixture {
  const char *name;
  const char *file;
};

void PrintTo(const Fixture &fixture, std::ostream *os) { *os << fixture.file; }

const Fixture kFixtures[] = {
    {"sequential_basic", "sequential_basic.keras"},
    {"conv_arguments", "conv_arguments.keras"},
    {"functional_residual", "functional_residual.keras"},
    {"nested", "nested.keras"},
    {"batch_norm", "batch_norm.keras"},
    {"depthwise", "depthwise.keras"},
    {"activations", "activations.keras"},
    {"dropout_rescaling", "dropout_rescaling.keras"},
    {"rescaling", "rescaling.keras"},
    {"cifar_style", "cifar_style.keras"},
    {"cifar_style_train", "cifar_style_train.keras"},
    {"mobilenet_style", "mobilenet_style.keras"},
    {"functional_blocks", "functional_blocks.keras"},
    {"frozen_batch_norm", "frozen_batch_norm.keras"},
    {"fine_tuning", "fine_tuning.keras"},
    {"fine_tuning_fashion", "fine_tuning_fashion.keras"},
    {"augmentation", "augmentation.keras"},
    {"tf_keras_training_call", "tf_keras_training_call.h5"},
    {"tf_keras_mobilenet", "tf_keras_mobilenet.h5"},
    {"tf_keras_functional", "tf_keras_functional.keras"},
    {"legacy_sequential", "legacy_sequential.h5"},
    {"legacy_nested", "legacy_nested.h5"},
};

/// What Keras computed (see make_fixtures.py for the format).
struct KerasResults {
  std::vector<int64_t> inputShape;
  std::vector<float> input;
  std::vector<int32_t> labels;
  bool softmax = false;
  std::vector<float> predict;
  bool hasTrain = false;
  double learningRate = 0.0;
  double loss = 0.0;
  std::map<std::string, std::vector<float>> params;
};

template <typename T>
bool readNumbers(const json::Array *array, std::vector<T> &out) {
  if (!array)
    return false;
  for (const json::Value &value : *array) {
    std::optional<double> number = value.getAsNumber();
    if (!number)
      return false;
    out.push_back(static_cast<T>(*number));
  }
  return true;
}

/// Reads <name>.expected.json; returns an error message, empty on success.
std::string readResults(const std::string &name, KerasResults &results) {
  std::string path = CNNC_KERAS_FIXTURES "/" + name + ".expected.json";
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return "cannot read " + path;
  llvm::Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed)
    return path + ": " + llvm::toString(parsed.takeError());
  const json::Object *root = parsed->getAsObject();
  if (!root ||
      !readNumbers(root->getArray("input_shape"), results.inputShape) ||
      !readNumbers(root->getArray("input"), results.input) ||
      !readNumbers(root->getArray("labels"), results.labels) ||
      !readNumbers(root->getArray("predict"), results.predict))
    return path + ": malformed";
  results.softmax = root->getString("forward") == "softmax";
  if (const json::Object *train = root->getObject("train")) {
    results.hasTrain = true;
    results.learningRate = train->getNumber("learning_rate").value_or(0);
    results.loss = train->getNumber("loss").value_or(0);
    const json::Object *params = train->getObject("params");
    if (!params)
      return path + ": train without params";
    for (const auto &[key, value] : *params)
      if (!readNumbers(value.getAsArray(), results.params[key.str()]))
        return path + ": malformed parameter " + key.str();
  }
  return "";
}

/// A library cnnc compiled from a fixture, with the weights it wrote.
struct Compiled {
  void *handle = nullptr;
  const cnnc_model_desc *desc = nullptr;
  std::vector<float> weights;
  std::string error;
};

/// Compiles each fixture once per process into a temporary directory,
/// removed at exit.
class Libraries {
public:
  ~Libraries() {
    for (auto &entry : compiled)
      if (entry.second.handle)
        dlclose(entry.second.handle);
    if (!directory.empty())
      llvm::sys::fs::remove_directories(directory);
  }

  const Compiled &get(const Fixture &fixture) {
    auto [it, inserted] = compiled.try_emplace(fixture.name);
    if (inserted)
      compile(fixture, it->second);
    return it->second;
  }

private:
  void compile(const Fixture &fixture, Compiled &result) {
    if (directory.empty() &&
        llvm::sys::fs::createUniqueDirectory("cnnc-keras", directory)) {
      result.error = "cannot create a temporary directory";
      return;
    }
    auto pathFor = [&](llvm::StringRef extension) {
      llvm::SmallString<128> path(directory);
      llvm::sys::path::append(path, fixture.name + extension.str());
      return std::string(path);
    };
    std::string library = pathFor(".so"), log = pathFor(".log");
    std::string cnnc = CNNC_TOOLS_DIR "/cnnc";
    std::string model = CNNC_KERAS_FIXTURES "/" + std::string(fixture.file);
    std::vector<std::string> words = {cnnc, model, "-o", library};
    // As the numeric harness: CNNC_EXTRA_FLAGS holds space-separated cnnc
    // flags (--target=nvptx-emulated runs the GPU pipeline's kernels).
    if (const char *extra = std::getenv("CNNC_EXTRA_FLAGS")) {
      llvm::SmallVector<llvm::StringRef> flags;
      llvm::StringRef(extra).split(flags, ' ', -1, /*KeepEmpty=*/false);
      for (llvm::StringRef flag : flags)
        words.push_back(flag.str());
    }
    std::vector<llvm::StringRef> args(words.begin(), words.end());
    args.push_back("--support-library=" CNNC_LIB_DIR "/libcnnc_support.a");
    std::optional<llvm::StringRef> redirects[] = {
        std::nullopt, llvm::StringRef(log), llvm::StringRef(log)};
    int rc = llvm::sys::ExecuteAndWait(cnnc, args, std::nullopt, redirects,
                                       /*SecondsToWait=*/300);
    if (rc != 0) {
      auto text = llvm::MemoryBuffer::getFile(log);
      result.error =
          "cnnc failed: " + (text ? (*text)->getBuffer().str() : std::string());
      return;
    }
    result.handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    void *entry =
        result.handle ? dlsym(result.handle, CNNC_MODEL_ENTRY_SYMBOL) : nullptr;
    if (!entry) {
      result.error = std::string("cannot load the library: ") + dlerror();
      return;
    }
    result.desc = reinterpret_cast<cnnc_model_entry_fn>(entry)();
    auto weights = llvm::MemoryBuffer::getFile(pathFor(".weights"));
    if (!weights ||
        (*weights)->getBufferSize() !=
            static_cast<size_t>(result.desc->param_elements) * sizeof(float)) {
      result.error = "cnnc wrote no weights file of the model's size";
      return;
    }
    result.weights.resize(result.desc->param_elements);
    std::memcpy(result.weights.data(), (*weights)->getBufferStart(),
                (*weights)->getBufferSize());
  }

  llvm::SmallString<128> directory;
  std::map<std::string, Compiled> compiled;
};

Libraries &getLibraries() {
  static Libraries libraries;
  return libraries;
}

/// |got - want| <= atol + rtol * |want| for every element.
::testing::AssertionResult allClose(const float *got,
                                    const std::vector<float> &want, double rtol,
                                    double atol) {
  int64_t bad = 0, worst = -1;
  double worstError = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    double error = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(error <= atol + rtol * std::fabs(want[i]))) {
      ++bad;
      if (!(error <= worstError)) {
        worstError = error;
        worst = static_cast<int64_t>(i);
      }
    }
  }
  if (bad == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << want.size() << " values differ; worst at " << worst
         << ": got " << got[worst] << ", Keras " << want[worst];
}

class KerasFixtureTest : public ::testing::TestWithParam<Fixture> {
protected:
  /// Compiles the fixture and reads Keras's results; false when the test
  /// cannot go on (after recording why).
  bool load() {
    const Fixture &fixture = GetParam();
    std::string error = readResults(fixture.name, results);
    if (!error.empty()) {
      ADD_FAILURE() << error;
      return false;
    }
    library = &getLibraries().get(fixture);
    if (!library->error.empty()) {
      ADD_FAILURE() << library->error;
      return false;
    }
    return true;
  }

  int64_t batch() const { return results.inputShape.front(); }

  KerasResults results;
  const Compiled *library = nullptr;
};

TEST_P(KerasFixtureTest, ForwardMatchesPredict) {
  if (!load())
    return;
  const cnnc_model_desc &desc = *library->desc;
  int64_t classes = desc.num_classes;
  ASSERT_EQ(results.predict.size(), static_cast<size_t>(batch() * classes));
  std::vector<float> logits(batch() * classes, NAN);
  ASSERT_EQ(desc.forward(library->weights.data(), results.input.data(), batch(),
                         logits.data()),
            CNNC_OK);
  if (results.softmax)
    for (int64_t row = 0; row < batch(); ++row) {
      float *x = logits.data() + row * classes;
      double max = *std::max_element(x, x + classes), sum = 0.0;
      for (int64_t k = 0; k < classes; ++k)
        sum += std::exp(static_cast<double>(x[k]) - max);
      for (int64_t k = 0; k < classes; ++k)
        x[k] = static_cast<float>(std::exp(x[k] - max) / sum);
    }
  EXPECT_TRUE(allClose(logits.data(), results.predict, 1e-4, 1e-5));
}

TEST_P(KerasFixtureTest, TrainStepMatchesTrainOnBatch) {
  if (!load())
    return;
  if (!results.hasTrain)
    GTEST_SKIP() << "Keras's step is random (dropout; the _train copy with "
                    "rate 0 checks the step)";
  const cnnc_model_desc &desc = *library->desc;
  ASSERT_NE(desc.train_step, nullptr);
  std::vector<float> params = library->weights;
  std::vector<float> state(desc.opt_state_elements, 0.0f);
  float loss = NAN;
  int64_t correct = -1;
  ASSERT_EQ(desc.train_step(params.data(), state.data(), results.input.data(),
                            results.labels.data(), batch(),
                            static_cast<float>(results.learningRate),
                            /*step=*/1, /*seed=*/0, &loss, &correct),
            CNNC_OK);
  EXPECT_NEAR(loss, results.loss, 1e-3 * std::fabs(results.loss))
      << "the batch loss";
  ASSERT_EQ(results.params.size(), static_cast<size_t>(desc.num_params));
  for (int64_t i = 0; i < desc.num_params; ++i) {
    const cnnc_param_info &param = desc.params[i];
    auto expected = results.params.find(param.name);
    ASSERT_NE(expected, results.params.end())
        << "Keras has no weight " << param.name;
    ASSERT_EQ(expected->second.size(), static_cast<size_t>(param.size));
    EXPECT_TRUE(
        allClose(params.data() + param.offset, expected->second, 1e-3, 1e-6))
        << param.name << " after one step";
  }
}

INSTANTIATE_TEST_SUITE_P(Keras, KerasFixtureTest,
                         ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<Fixture> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
