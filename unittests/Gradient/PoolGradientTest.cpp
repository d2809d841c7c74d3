//===- PoolGradientTest.cpp - gradients through max/avg/min_pool2d --------===//
//
// conv2d (same padding, the parameters) -> pool -> flatten as the logits:
// the convolution's gradient is exactly the pool's gradient routed back, so
// every pooling configuration is checked through it. Each reduction runs
// with windows 2 and 3, default and explicit stride 2, valid and same
// padding (same padding on 7x8 pads unevenly for a window of 2 and 3 with
// stride 2, and windows of 3 with stride 2 overlap). The convolution's
// outputs are continuous random values, so no two elements of a window tie
// and max/min are differentiable at the test point.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

struct PoolCase {
  Pair window;
  std::optional<Pair> strides;
  Padding padding;
};

GradModel makePoolModel(PoolKind kind, const PoolCase &c, Loss loss) {
  std::string name =
      std::string(toString(kind)) + "_" + toString(c.padding) + "_w" +
      numeric::pairText(c.window, "x") +
      (c.strides ? "_s" + numeric::pairText(*c.strides, "x") : "_sdefault");
  ModelBuilder builder(name, {7, 8, 1});
  // Max/min pooling sees the linear convolution output (no saturation, so
  // window elements stay apart); average pooling sees tanh.
  Activation activation =
      kind == PoolKind::Avg ? Activation::Tanh : Activation::None;
  ModelBuilder::Value y =
      builder.conv2d(builder.input(), "conv", 2, {3, 3}, std::nullopt,
                     std::nullopt, Padding::Same, true, activation);
  y = builder.pool2d(kind, y, c.window, c.strides, c.padding);
  return builder.finish(builder.flatten(y), loss);
}

std::vector<GradModel> poolModels() {
  const Pair two = {2, 2}, three = {3, 3};
  const std::vector<PoolCase> cases = {
      {two, std::nullopt, Padding::Valid},
      {two, two, Padding::Same},
      {three, std::nullopt, Padding::Valid},
      {three, std::nullopt, Padding::Same},
      {three, two, Padding::Valid},
      {three, two, Padding::Same},
  };
  const Loss losses[] = {Loss::SparseCategoricalCrossentropy,
                         Loss::MeanSquaredError, Loss::CategoricalCrossentropy};
  std::vector<GradModel> models;
  size_t index = 0;
  for (PoolKind kind : {PoolKind::Max, PoolKind::Avg, PoolKind::Min})
    for (const PoolCase &c : cases)
      models.push_back(makePoolModel(kind, c, losses[index++ % 3]));
  return models;
}

class PoolGradientTest : public GradientTest {};

TEST_P(PoolGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Gradient, PoolGradientTest,
                         gradientCases(poolModels()), gradientTestName);

} // namespace
