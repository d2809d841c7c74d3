//===- SplitStepTest.cpp - compute_gradients + apply_gradients ------------===//
//
// Data-parallel training calls the two halves of a step with a gradient
// allreduce in between. With nothing in between they must compute exactly
// what train_step computes: same parameters, optimizer state, loss and
// count after every step, bit for bit, for each optimizer; and the gradient
// compute_gradients writes is the one train_step applies (read back through
// an SGD library with learning rate 1, as the gradient checks do). A model
// with batch normalization and dropout checks the state compute_gradients
// updates (moving statistics) and the masks both draw for a step.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <cstring>

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

/// conv2d(relu) -> max_pool -> flatten -> dense(tanh) -> dense.
GradModel splitModel() {
  ModelBuilder builder("split_step", {6, 6, 2});
  auto c = builder.conv2d(builder.input(), "conv", 4, {3, 3}, std::nullopt,
                          std::nullopt, Padding::Valid, true, Activation::Relu);
  auto p = builder.pool2d(PoolKind::Max, c, {2, 2}, std::nullopt,
                          Padding::Valid);
  auto h = builder.dense(builder.flatten(p), "hidden", 5, true,
                         Activation::Tanh);
  return builder.finish(builder.dense(h, "out", 3, true, Activation::None),
                        Loss::SparseCategoricalCrossentropy);
}

/// conv2d -> batch_norm -> relu -> dropout -> flatten -> dense: moving
/// statistics after every step and a dropout mask per (seed, step).
GradModel splitStateModel() {
  ModelBuilder builder("split_step_state", {5, 5, 2});
  auto c = builder.conv2d(builder.input(), "conv", 3, {3, 3}, std::nullopt,
                          std::nullopt, Padding::Same, false, Activation::None);
  auto n = builder.batchNorm(c, "bn", /*scale=*/true, /*center=*/true);
  auto r = builder.activation(Activation::Relu, n);
  numeric::DropoutKey key;
  key.seed = kGradientSeed;
  auto d = builder.dropout(r, 0.4, key);
  return builder.finish(
      builder.dense(builder.flatten(d), "out", 3, true, Activation::None),
      Loss::SparseCategoricalCrossentropy);
}

/// Parameters, state and results of a run of steps.
struct Run {
  std::vector<float> params, state;
  std::vector<float> losses;
  std::vector<int64_t> correct;
};

void expectBitIdentical(const std::vector<float> &a,
                        const std::vector<float> &b, const char *what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
      << what << " differ";
}

/// Three steps (batches 4, 4, 2) fused and split from the same start.
void checkSplitEqualsFused(const cnnc_model_desc &desc, const GradModel &model) {
  ASSERT_NE(desc.compute_gradients, nullptr);
  ASSERT_NE(desc.apply_gradients, nullptr);
  std::vector<float> initial = numeric::makeParams(desc, 11);
  Run fused, split;
  for (Run *run : {&fused, &split}) {
    run->params = initial;
    run->state.assign(std::max<int64_t>(desc.opt_state_elements, 1), 0.0f);
  }
  std::vector<float> gradient(std::max<int64_t>(desc.trainable_elements, 1));
  const int64_t sizes[] = {4, 4, 2};
  for (int64_t t = 1; t <= 3; ++t) {
    Batch batch = makeBatch(model.spec, sizes[t - 1], 70 + uint32_t(t));
    float loss[2];
    int64_t correct[2];
    ASSERT_EQ(desc.train_step(fused.params.data(), fused.state.data(),
                              batch.input.data(), batch.labels.data(),
                              batch.size, 0.05f, t, kGradientSeed, &loss[0],
                              &correct[0]),
              CNNC_OK);
    ASSERT_EQ(desc.compute_gradients(split.params.data(), batch.input.data(),
                                     batch.labels.data(), batch.size, t,
                                     kGradientSeed, gradient.data(), &loss[1],
                                     &correct[1]),
              CNNC_OK);
    ASSERT_EQ(desc.apply_gradients(split.params.data(), split.state.data(),
                                   gradient.data(), 0.05f, t),
              CNNC_OK);
    EXPECT_EQ(std::memcmp(&loss[0], &loss[1], sizeof(float)), 0)
        << "loss at step " << t;
    EXPECT_EQ(correct[0], correct[1]) << "step " << t;
    expectBitIdentical(fused.params, split.params, "parameters");
    expectBitIdentical(fused.state, split.state, "optimizer state");
  }
}

class SplitStepTest : public ::testing::TestWithParam<GradModel> {};

TEST_P(SplitStepTest, AdamSplitEqualsFused) {
  const cnnc_model_desc *desc = loadLibrary(adamLibrary(GetParam()));
  ASSERT_NE(desc, nullptr);
  checkSplitEqualsFused(*desc, GetParam());
}

TEST_P(SplitStepTest, SgdMomentumSplitEqualsFused) {
  const cnnc_model_desc *desc =
      loadLibrary(sgdLibrary(GetParam(), /*momentum=*/0.9, /*nesterov=*/true));
  ASSERT_NE(desc, nullptr);
  checkSplitEqualsFused(*desc, GetParam());
}

// compute_gradients writes the gradient train_step applies: SGD with
// learning rate 1 from zero velocity leaves -g in the velocity.
TEST_P(SplitStepTest, GradientIsTheOneTrainStepApplies) {
  const cnnc_model_desc *desc = loadLibrary(sgdLibrary(GetParam()));
  ASSERT_NE(desc, nullptr);
  std::vector<float> params = numeric::makeParams(*desc, 12);
  Batch batch = makeBatch(GetParam().spec, 5, 81);
  StepResult step;
  ASSERT_TRUE(readGradient(*desc, params, batch, step));
  std::vector<float> gradient(desc->trainable_elements, -1.0f);
  float loss;
  int64_t correct;
  ASSERT_EQ(desc->compute_gradients(params.data(), batch.input.data(),
                                    batch.labels.data(), batch.size, 1,
                                    kGradientSeed, gradient.data(), &loss,
                                    &correct),
            CNNC_OK);
  step.gradient.resize(desc->trainable_elements);
  // A zero gradient read back through the velocity, -(0 * 0 - 1 * 0), may
  // be -0 (a channel the ReLU zeroes everywhere has an exactly zero kernel
  // gradient): compare zeros by value, everything else bit for bit.
  for (std::vector<float> *values : {&gradient, &step.gradient})
    for (float &value : *values)
      value += 0.0f;
  expectBitIdentical(gradient, step.gradient, "gradients");
  EXPECT_EQ(loss, step.loss);
  EXPECT_EQ(correct, step.correct);
}

INSTANTIATE_TEST_SUITE_P(
    Gradient, SplitStepTest,
    [] {
      // (No braced list: the commas would split the macro's arguments.)
      std::vector<GradModel> models;
      models.push_back(splitModel());
      models.push_back(splitStateModel());
      for (const GradModel &model : models)
        registerCase(model.spec.name,
                     {adamLibrary(model), sgdLibrary(model, 0.9, true),
                      sgdLibrary(model)});
      return ::testing::ValuesIn(models);
    }(),
    gradientTestName);

} // namespace
