//===- ReshapingGradientTest.cpp - gradients through pooling, pad, concat -===//
//
// Finite-difference checks of the gradients of global pooling, zero padding
// and concatenation, always through convolution parameters upstream (the
// layers themselves have none):
//   - conv -> global average and max pooling, each with and without
//     keepdims, concatenated -> dense: dy / (H * W) everywhere, and the
//     whole dy at the maximum (the convolution's outputs are continuous
//     random values, so no two positions tie);
//   - an Inception-like block: a 1x1 convolution, a convolution behind
//     symmetric zero padding and one behind asymmetric padding, all three
//     concatenated -> flatten -> dense: the interior slice of each padding
//     and the channel slice of each concatenated input.
// A last test builds an exact tie of a global maximum (two positions with
// different inputs and equal outputs) and checks that the two positions
// share the gradient equally, TensorFlow's reduce_max rule, instead of the
// first taking it all.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <cmath>
#include <cstring>

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

GradModel globalPoolModel() {
  ModelBuilder builder("global_pools", {5, 4, 2});
  ModelBuilder::Value c =
      builder.conv2d(builder.input(), "conv", 3, {3, 3}, std::nullopt,
                     std::nullopt, Padding::Same, true, Activation::None);
  ModelBuilder::Value avg = builder.globalPool2d(PoolKind::Avg, c, false);
  ModelBuilder::Value avgKept =
      builder.flatten(builder.globalPool2d(PoolKind::Avg, c, true));
  ModelBuilder::Value max = builder.globalPool2d(PoolKind::Max, c, false);
  ModelBuilder::Value maxKept =
      builder.flatten(builder.globalPool2d(PoolKind::Max, c, true));
  ModelBuilder::Value joined = builder.concat({avg, avgKept, max, maxKept});
  return builder.finish(
      builder.dense(joined, "head", 3, true, Activation::None),
      Loss::SparseCategoricalCrossentropy);
}

GradModel paddedBranchesModel() {
  ModelBuilder builder("padded_branches", {4, 3, 2});
  ModelBuilder::Value x = builder.input();
  ModelBuilder::Value one =
      builder.conv2d(x, "one", 2, {1, 1}, std::nullopt, std::nullopt,
                     Padding::Valid, true, Activation::Tanh);
  // [1, 1, 1, 1] around 4x3 is 6x5; a 3x3 valid convolution brings it back.
  ModelBuilder::Value symmetric = builder.conv2d(
      builder.zeroPad2d(one, {1, 1, 1, 1}), "symmetric", 2, {3, 3},
      std::nullopt, std::nullopt, Padding::Valid, true, Activation::None);
  // [2, 0, 1, 3] is 6x7; a 3x5 valid convolution brings it back.
  ModelBuilder::Value asymmetric = builder.conv2d(
      builder.zeroPad2d(x, {2, 0, 1, 3}), "asymmetric", 3, {3, 5}, std::nullopt,
      std::nullopt, Padding::Valid, false, Activation::None);
  ModelBuilder::Value joined = builder.concat({one, symmetric, asymmetric});
  return builder.finish(
      builder.dense(builder.flatten(joined), "head", 3, true, Activation::None),
      Loss::MeanSquaredError);
}

class ReshapingGradientTest : public GradientTest {};

TEST_P(ReshapingGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Gradient, ReshapingGradientTest,
                         gradientCases({globalPoolModel(),
                                        paddedBranchesModel()}),
                         gradientTestName);

//===----------------------------------------------------------------------===//
// Ties of a global maximum
//===----------------------------------------------------------------------===//

/// A 1x2 image with two channels -> 1x1 convolution to one channel (no
/// bias) -> global max -> dense to two logits.
GradModel tieModel() {
  ModelBuilder builder("global_max_tie", {1, 2, 2});
  ModelBuilder::Value c =
      builder.conv2d(builder.input(), "conv", 1, {1, 1}, std::nullopt,
                     std::nullopt, Padding::Valid, false, Activation::None);
  return builder.finish(
      builder.dense(builder.globalPool2d(PoolKind::Max, c, false), "head", 2,
                    false, Activation::None),
      Loss::SparseCategoricalCrossentropy);
}

[[maybe_unused]] const bool tieRegistered =
    (registerCase("TiesShareTheGradient", {sgdLibrary(tieModel())}), true);

/// The offset of parameter `name` in the buffer of `desc`, -1 if absent.
int64_t offsetOf(const cnnc_model_desc &desc, const char *name) {
  for (int64_t i = 0; i < desc.num_params; ++i)
    if (std::strcmp(desc.params[i].name, name) == 0)
      return desc.params[i].offset;
  return -1;
}

/// Pixels (1, 0) and (0, 1) under the kernel (0.5, 0.5) both give 0.5, an
/// exact tie with different inputs. With the pooled value's gradient d,
/// sharing gives the kernel gradient d * (0.5 (1, 0) + 0.5 (0, 1)) =
/// (d / 2, d / 2); the first maximum alone would give (d, 0). d is read
/// from the head's kernel gradient, 0.5 * dlogits.
TEST(GlobalMaxPool2D, TiesShareTheGradient) {
  GradModel model = tieModel();
  const cnnc_model_desc *desc = loadLibrary(sgdLibrary(model));
  ASSERT_NE(desc, nullptr);
  int64_t conv = offsetOf(*desc, "conv/kernel");
  int64_t head = offsetOf(*desc, "head/kernel");
  ASSERT_GE(conv, 0);
  ASSERT_GE(head, 0);
  std::vector<float> params(desc->param_elements, 0.0f);
  params[conv] = params[conv + 1] = 0.5f;
  params[head] = 0.75f;
  params[head + 1] = -1.25f;
  Batch batch;
  batch.size = 1;
  batch.input = {1.0f, 0.0f, 0.0f, 1.0f};
  batch.labels = {0};
  StepResult step;
  ASSERT_TRUE(readGradient(*desc, params, batch, step));
  // dhead[j] = pooled * dlogit[j] with pooled = 0.5.
  double dLogit0 = step.gradient[head] / 0.5;
  double dLogit1 = step.gradient[head + 1] / 0.5;
  double dPooled = 0.75 * dLogit0 - 1.25 * dLogit1;
  ASSERT_GT(std::fabs(dPooled), 0.1) << "the test needs a visible gradient";
  EXPECT_NEAR(step.gradient[conv], dPooled / 2, 1e-6);
  EXPECT_NEAR(step.gradient[conv + 1], dPooled / 2, 1e-6);
}

} // namespace
