//===- ModelGradientTest.cpp - the reference CNN and the three losses -----===//
//
// examples/fashion_mnist_cnn.mlir exactly as shipped (its reference graph is
// rebuilt layer by layer with ModelBuilder, whose own MLIR is discarded):
// 20 random coordinates of each of its 10 parameter tensors (200 in all)
// against central differences, on pixel-range inputs. Then one small model
// compiled with each of the three losses, and with logits of magnitude ~100
// (where a log-sum-exp without the max shift overflows float).
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <cstring>
#include <fstream>
#include <sstream>

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

/// The reference CNN, as cnnc's default flags would train it.
GradModel fashionMnistModel() {
  ModelBuilder builder("fashion_mnist_cnn", {28, 28, 1});
  builder.setInputRange(0.0, 1.0); // pixel intensities
  auto conv = [&](const ModelBuilder::Value &x, const std::string &layer,
                  int64_t filters) {
    return builder.conv2d(x, layer, filters, {3, 3}, std::nullopt, std::nullopt,
                          Padding::Valid, true, Activation::Relu);
  };
  auto pool = [&](const ModelBuilder::Value &x) {
    return builder.pool2d(PoolKind::Max, x, {2, 2}, std::nullopt,
                          Padding::Valid);
  };
  auto x = pool(conv(builder.input(), "conv2d", 32));
  x = pool(conv(x, "conv2d_1", 64));
  x = builder.flatten(conv(x, "conv2d_2", 64));
  x = builder.dense(x, "dense", 64, true, Activation::Relu);
  x = builder.dense(x, "dense_1", 10, true, Activation::None);
  return builder.finish(x, Loss::SparseCategoricalCrossentropy,
                        readFile(CNNC_EXAMPLES_DIR "/fashion_mnist_cnn.mlir"));
}

/// flatten -> dense(6, tanh) -> dense(4): the same network under each loss.
GradModel makeLossModel(Loss loss, const std::string &suffix = "",
                        double inputRange = 2.0) {
  ModelBuilder builder(std::string("loss_") + toString(loss) + suffix,
                       {2, 3, 2});
  builder.setInputRange(-inputRange, inputRange);
  auto f = builder.flatten(builder.input());
  auto h = suffix.empty()
               ? builder.dense(f, "hidden", 6, true, Activation::Tanh)
               : f;
  return builder.finish(builder.dense(h, "out", 4, true, Activation::None),
                        loss);
}

/// conv2d (frozen: its kernel and bias are `trainable = false`) -> flatten
/// -> dense: fine-tuning a head on a frozen feature extractor.
GradModel makeFrozenModel() {
  ModelBuilder builder("frozen_conv", {5, 5, 1});
  auto c = builder.conv2d(builder.input(), "frozen", 2, {3, 3}, std::nullopt,
                          std::nullopt, Padding::Valid, true, Activation::Tanh);
  GradModel model = builder.finish(
      builder.dense(builder.flatten(c), "head", 3, true, Activation::None),
      Loss::SparseCategoricalCrossentropy);
  for (const char *name : {"\"frozen/kernel\"", "\"frozen/bias\""}) {
    size_t at = model.spec.mlir.find(name);
    EXPECT_NE(at, std::string::npos) << name;
    model.spec.mlir.insert(at + std::strlen(name), " trainable = false");
  }
  for (numeric::ParamSpec &param : model.spec.params)
    param.trainable = param.name.rfind("frozen/", 0) != 0;
  return model;
}

class FashionMnistGradientTest : public GradientTest {};
class LossGradientTest : public GradientTest {};
class FrozenGradientTest : public GradientTest {};

TEST_P(FashionMnistGradientTest, MatchesFiniteDifferences) {
  GradientCheckOptions options;
  options.batches = {3};
  options.maxPerTensor = 20;
  checkGradients(GetParam(), options);
}

TEST_P(LossGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

// The head's gradients are exact; the frozen layer gets none.
TEST_P(FrozenGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

// Adam steps move the head and leave the frozen layer's weights (laid out
// after the trainable prefix, outside the optimizer state) bit-identical.
TEST_P(FrozenGradientTest, AdamLeavesFrozenWeightsUnchanged) {
  const GradModel &model = GetParam();
  const cnnc_model_desc *desc = loadLibrary(adamLibrary(model));
  ASSERT_NE(desc, nullptr);
  numeric::checkDescriptor(*desc, model.spec);
  ASSERT_EQ(desc->trainable_elements, 3 * 3 * 2 * 3 + 3);
  ASSERT_EQ(desc->opt_state_elements, 2 * desc->trainable_elements);
  std::vector<float> params = numeric::makeParams(*desc, 77);
  const std::vector<float> initial = params;
  std::vector<float> state(desc->opt_state_elements, 0.0f);
  for (int64_t step = 1; step <= 3; ++step) {
    Batch batch = makeBatch(model.spec, 4, 50 + uint32_t(step));
    float loss;
    int64_t correct;
    ASSERT_EQ(desc->train_step(params.data(), state.data(), batch.input.data(),
                               batch.labels.data(), batch.size, 0.1f, step,
                               kGradientSeed, &loss, &correct),
              CNNC_OK);
  }
  int64_t moved = 0;
  for (int64_t i = 0; i < desc->param_elements; ++i) {
    if (i >= desc->trainable_elements)
      EXPECT_EQ(params[i], initial[i]) << "frozen element " << i;
    else
      moved += params[i] != initial[i];
  }
  EXPECT_EQ(moved, desc->trainable_elements);
}

INSTANTIATE_TEST_SUITE_P(Gradient, FrozenGradientTest,
                         [] {
                           GradModel model = makeFrozenModel();
                           auto cases = gradientCases({model});
                           registerCase(model.spec.name, {sgdLibrary(model),
                                                          adamLibrary(model)});
                           return cases;
                         }(),
                         gradientTestName);

INSTANTIATE_TEST_SUITE_P(Gradient, FashionMnistGradientTest,
                         gradientCases({fashionMnistModel()}),
                         gradientTestName);

// The large-logit model has no hidden layer: a single dense layer on inputs
// in [-60, 60] gives logits of magnitude ~100.
INSTANTIATE_TEST_SUITE_P(
    Gradient, LossGradientTest,
    gradientCases({makeLossModel(Loss::SparseCategoricalCrossentropy),
                   makeLossModel(Loss::CategoricalCrossentropy),
                   makeLossModel(Loss::MeanSquaredError),
                   makeLossModel(Loss::SparseCategoricalCrossentropy,
                                 "_large_logits", 60.0)}),
    gradientTestName);

} // namespace
