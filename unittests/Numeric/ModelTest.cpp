//===- ModelTest.cpp - the reference CNN and forward's argument checks ----===//
//
// Compiles examples/fashion_mnist_cnn.mlir exactly as a user would (default
// flags, training entry points included) and compares its logits with the
// same network assembled from the reference ops. Then checks forward's
// argument contract from abi.h: batch 0 succeeds without writing, a negative
// batch and null buffers are rejected with CNNC_ERR_ARGUMENT.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>

using namespace cnnc::numeric;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

ModelSpec fashionMnistModel() {
  ModelSpec spec;
  spec.name = "fashion_mnist_cnn";
  spec.mlir = readFile(CNNC_EXAMPLES_DIR "/fashion_mnist_cnn.mlir");
  spec.inputHWC = {28, 28, 1};
  spec.numClasses = 10;
  spec.params = {{"conv2d/kernel", {3, 3, 1, 32}},    {"conv2d/bias", {32}},
                 {"conv2d_1/kernel", {3, 3, 32, 64}}, {"conv2d_1/bias", {64}},
                 {"conv2d_2/kernel", {3, 3, 64, 64}}, {"conv2d_2/bias", {64}},
                 {"dense/kernel", {576, 64}},         {"dense/bias", {64}},
                 {"dense_1/kernel", {64, 10}},        {"dense_1/bias", {10}}};
  spec.inputLow = 0.0; // pixel intensities
  spec.inputHigh = 1.0;
  spec.cnncFlags = {}; // what `cnnc model.mlir -o model.so` builds
  spec.reference = [](const Tensor &images, const ParamValues &p) {
    const std::array<int64_t, 2> one = {1, 1}, two = {2, 2};
    auto conv = [&](const Tensor &x, const std::string &layer) {
      return conv2d(x, p.at(layer + "/kernel"), &p.at(layer + "/bias"), one,
                    one, Padding::Valid, Activation::Relu);
    };
    Tensor x = conv(images, "conv2d");
    x = pool2d(PoolKind::Max, x, two, std::nullopt, Padding::Valid);
    x = conv(x, "conv2d_1");
    x = pool2d(PoolKind::Max, x, two, std::nullopt, Padding::Valid);
    x = conv(x, "conv2d_2");
    x = dense(flatten(x), p.at("dense/kernel"), &p.at("dense/bias"),
              Activation::Relu);
    return dense(x, p.at("dense_1/kernel"), &p.at("dense_1/bias"),
                 Activation::None);
  };
  return spec;
}

class FashionMnistTest : public NumericTest {};

TEST_P(FashionMnistTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, FashionMnistTest,
                         numericCases({fashionMnistModel()}), numericTestName);

/// forward's argument checks, on the reference model.
class ForwardArgumentsTest : public ::testing::Test {
protected:
  void SetUp() override {
    spec = fashionMnistModel();
    const LoadedModel *model = loadModel(spec);
    ASSERT_NE(model, nullptr);
    desc = model->desc;
    params = makeParams(*desc, /*seed=*/7);
    input = makeInput(2 * 28 * 28, 0.0, 1.0, /*seed=*/8);
    logits.assign(2 * spec.numClasses, kSentinel);
  }

  /// Whether no logit was written.
  bool untouched() const {
    return std::all_of(logits.begin(), logits.end(),
                       [](float value) { return value == kSentinel; });
  }

  static constexpr float kSentinel = -12345.75f;
  ModelSpec spec;
  const cnnc_model_desc *desc = nullptr;
  std::vector<float> params, input, logits;
};

TEST_F(ForwardArgumentsTest, BatchZeroSucceedsWithoutWriting) {
  EXPECT_EQ(desc->forward(params.data(), input.data(), 0, logits.data()),
            CNNC_OK);
  EXPECT_TRUE(untouched());
}

TEST_F(ForwardArgumentsTest, NegativeBatchIsRejected) {
  for (int64_t batch : {int64_t(-1), int64_t(-17), INT64_MIN}) {
    EXPECT_EQ(desc->forward(params.data(), input.data(), batch, logits.data()),
              CNNC_ERR_ARGUMENT)
        << "batch " << batch;
    EXPECT_TRUE(untouched()) << "batch " << batch;
  }
}

TEST_F(ForwardArgumentsTest, NullBuffersAreRejected) {
  for (int64_t batch : {int64_t(1), int64_t(2)}) {
    EXPECT_EQ(desc->forward(nullptr, input.data(), batch, logits.data()),
              CNNC_ERR_ARGUMENT)
        << "null params, batch " << batch;
    EXPECT_EQ(desc->forward(params.data(), nullptr, batch, logits.data()),
              CNNC_ERR_ARGUMENT)
        << "null input, batch " << batch;
    EXPECT_TRUE(untouched());
    EXPECT_EQ(desc->forward(params.data(), input.data(), batch, nullptr),
              CNNC_ERR_ARGUMENT)
        << "null logits, batch " << batch;
  }
}

/// The argument checks leave valid calls alone: after all the rejected calls
/// a normal one still produces finite logits for both images.
TEST_F(ForwardArgumentsTest, ValidCallAfterRejectedOnes) {
  EXPECT_EQ(desc->forward(params.data(), input.data(), -1, logits.data()),
            CNNC_ERR_ARGUMENT);
  ASSERT_EQ(desc->forward(params.data(), input.data(), 2, logits.data()),
            CNNC_OK);
  for (float value : logits) {
    EXPECT_NE(value, kSentinel);
    EXPECT_TRUE(std::isfinite(value));
  }
}

/// train_step and evaluate reject labels outside [0, classes) with
/// CNNC_ERR_ARGUMENT before touching any buffer: no update, no results
/// (a bad row used to add 0 to the loss while the step went on).
TEST_F(ForwardArgumentsTest, LabelsOutOfRangeAreRejected) {
  ASSERT_NE(desc->train_step, nullptr);
  std::vector<float> state(desc->opt_state_elements, 0.0f);
  const std::vector<float> before = params;
  for (int32_t bad : {10, -1, 1000000, INT32_MIN}) {
    int32_t labels[2] = {3, bad};
    float loss = kSentinel;
    int64_t correct = -7;
    EXPECT_EQ(desc->train_step(params.data(), state.data(), input.data(),
                               labels, 2, 0.1f, 1, 1, &loss, &correct),
              CNNC_ERR_ARGUMENT)
        << "label " << bad;
    EXPECT_EQ(desc->evaluate(params.data(), input.data(), labels, 2, &loss,
                             &correct),
              CNNC_ERR_ARGUMENT)
        << "label " << bad;
    EXPECT_EQ(loss, kSentinel);
    EXPECT_EQ(correct, -7);
  }
  EXPECT_EQ(params, before) << "a rejected step changed the parameters";
  EXPECT_TRUE(std::all_of(state.begin(), state.end(),
                          [](float v) { return v == 0.0f; }));
  // The classes' own range is accepted.
  int32_t labels[2] = {0, 9};
  float loss = kSentinel;
  int64_t correct = -7;
  EXPECT_EQ(desc->evaluate(params.data(), input.data(), labels, 2, &loss,
                           &correct),
            CNNC_OK);
  EXPECT_TRUE(std::isfinite(loss));
}

} // namespace
