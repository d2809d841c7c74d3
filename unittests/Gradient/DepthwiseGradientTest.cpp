//===- DepthwiseGradientTest.cpp - gradients through cnn.depthwise_conv2d -===//
//
// Single depthwise convolutions (depthwise_conv2d -> flatten, every output a
// logit) cover the kernel and bias gradients for depth multipliers 1 and 2,
// valid/same padding, strides 1, 2 and mixed, an even kernel (uneven same
// padding), dilation 2, a 5x7 kernel, with and without bias, fused
// activations differentiated from the output (relu, sigmoid, elu, tanh) and
// from the input (gelu, hard_swish: split off in training). Stacked models
// cover the input gradient of the second layer (strided, dilated, padded,
// M = 1 and M = 2, behind a depthwise or a conv2d layer), which the first
// layer's parameters need, and a SeparableConv2D (depthwise without bias,
// then a 1x1 conv2d with bias and activation) inside a model. The three
// losses take turns.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

constexpr std::array<int64_t, 3> kInput = {6, 7, 2};

/// One layer: a depthwise convolution (multiplier > 0) or a conv2d with
/// `filters` filters (multiplier 0).
struct Layer {
  int64_t multiplier;
  Pair kernel;
  std::optional<Pair> strides;
  std::optional<Pair> dilations;
  Padding padding;
  bool bias;
  Activation activation;
  int64_t filters = 0;
};

Loss lossFor(size_t index) {
  static const Loss losses[] = {Loss::SparseCategoricalCrossentropy,
                                Loss::MeanSquaredError,
                                Loss::CategoricalCrossentropy};
  return losses[index % 3];
}

std::string describe(const Layer &l) {
  Pair s = l.strides.value_or(Pair{1, 1}), d = l.dilations.value_or(Pair{1, 1});
  std::string kind = l.multiplier ? "dw" + std::to_string(l.multiplier)
                                  : "conv" + std::to_string(l.filters);
  return kind + "_" + toString(l.padding) + "_k" +
         numeric::pairText(l.kernel, "x") + "_s" + numeric::pairText(s, "x") +
         "_d" + numeric::pairText(d, "x") + (l.bias ? "_bias_" : "_") +
         toString(l.activation);
}

/// The layers in sequence, then flatten as the logits.
GradModel makeModel(const std::vector<Layer> &layers, Loss loss) {
  std::string name = "depthwise";
  for (const Layer &l : layers)
    name += "_" + describe(l);
  ModelBuilder builder(name, kInput);
  ModelBuilder::Value x = builder.input();
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer &l = layers[i];
    std::string layer = "layer" + std::to_string(i);
    x = l.multiplier
            ? builder.depthwiseConv2d(x, layer, l.multiplier, l.kernel,
                                      l.strides, l.dilations, l.padding, l.bias,
                                      l.activation)
            : builder.conv2d(x, layer, l.filters, l.kernel, l.strides,
                             l.dilations, l.padding, l.bias, l.activation);
  }
  return builder.finish(builder.flatten(x), loss);
}

std::vector<GradModel> depthwiseModels() {
  const Pair k3 = {3, 3}, two = {2, 2};
  const auto none = std::nullopt;
  const Padding valid = Padding::Valid, same = Padding::Same;
  std::vector<std::vector<Layer>> cases = {
      // One layer: multiplier x padding x strides x dilation x bias x
      // activation.
      {{1, k3, none, none, valid, true, Activation::Relu}},
      {{2, k3, two, none, same, true, Activation::Sigmoid}},
      {{2, {2, 3}, Pair{1, 2}, none, same, false, Activation::Elu}},
      // gelu needs its input: the training form splits it off.
      {{1, k3, none, two, same, true, Activation::Gelu}},
      // 35 taps: the kernel gradient takes one kernel row per iteration and
      // reads the padded input.
      {{1, {5, 7}, none, none, same, true, Activation::None}},
      // Two layers: the second one's input gradient.
      {{1, k3, none, none, valid, true, Activation::Relu},
       {2, k3, two, none, same, true, Activation::Tanh}},
      {{0, k3, none, none, same, false, Activation::Tanh, /*filters=*/3},
       {2, k3, none, two, same, true, Activation::HardSwish}},
      {{2, {2, 2}, two, none, valid, true, Activation::None},
       {1, {3, 2}, Pair{2, 1}, none, same, false, Activation::Sigmoid}},
      // SeparableConv2D (depthwise without bias, 1x1 conv2d with bias and
      // activation) between two depthwise layers.
      {{2, k3, two, none, same, false, Activation::None},
       {0, {1, 1}, none, none, valid, true, Activation::Relu, /*filters=*/3},
       {1, k3, none, none, same, true, Activation::None}},
  };
  std::vector<GradModel> models;
  for (size_t i = 0; i < cases.size(); ++i)
    models.push_back(makeModel(cases[i], lossFor(i)));
  return models;
}

class DepthwiseGradientTest : public GradientTest {};

TEST_P(DepthwiseGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Gradient, DepthwiseGradientTest,
                         gradientCases(depthwiseModels()), gradientTestName);

} // namespace
