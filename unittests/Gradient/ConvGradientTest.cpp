//===- ConvGradientTest.cpp - gradients through cnn.conv2d ----------------===//
//
// Single convolutions (conv2d -> flatten, every output a logit) cover the
// filter and bias gradients for valid/same padding, strides 1 and 2, mixed
// strides with an even kernel (uneven same padding), dilation 2, with and
// without bias and every fused activation. Two stacked convolutions cover
// the input gradient of the second one (strided, dilated, padded), which the
// first one's parameters need. The three losses take turns.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

constexpr std::array<int64_t, 3> kInput = {6, 7, 2};

/// One convolution layer's configuration.
struct Conv {
  Pair kernel;
  std::optional<Pair> strides;
  std::optional<Pair> dilations;
  Padding padding;
  bool bias;
  Activation activation;
  int64_t filters = 3;
};

/// The losses in turn, so that each op meets all three.
Loss lossFor(size_t index) {
  static const Loss losses[] = {Loss::SparseCategoricalCrossentropy,
                                Loss::MeanSquaredError,
                                Loss::CategoricalCrossentropy};
  return losses[index % 3];
}

std::string describe(const Conv &c) {
  Pair s = c.strides.value_or(Pair{1, 1}), d = c.dilations.value_or(Pair{1, 1});
  return std::string(toString(c.padding)) + "_k" +
         numeric::pairText(c.kernel, "x") + "_s" + numeric::pairText(s, "x") +
         "_d" + numeric::pairText(d, "x") + (c.bias ? "_bias_" : "_") +
         toString(c.activation);
}

/// conv2d layers in sequence, then flatten as the logits.
GradModel makeConvModel(const std::vector<Conv> &layers, Loss loss) {
  std::string name = "conv";
  for (const Conv &c : layers)
    name += "_" + describe(c);
  ModelBuilder builder(name, kInput);
  ModelBuilder::Value x = builder.input();
  for (size_t i = 0; i < layers.size(); ++i) {
    const Conv &c = layers[i];
    x = builder.conv2d(x, "conv" + std::to_string(i), c.filters, c.kernel,
                       c.strides, c.dilations, c.padding, c.bias, c.activation);
  }
  return builder.finish(builder.flatten(x), loss);
}

std::vector<GradModel> convModels() {
  const Pair k3 = {3, 3}, one = {1, 1}, two = {2, 2};
  const auto none = std::nullopt;
  std::vector<std::vector<Conv>> cases = {
      // One layer: padding x strides x dilation x bias x activation.
      {{k3, none, none, Padding::Valid, true, Activation::Relu}},
      {{k3, one, none, Padding::Same, true, Activation::Sigmoid}},
      {{k3, two, none, Padding::Valid, false, Activation::Tanh}},
      {{k3, two, none, Padding::Same, true, Activation::None}},
      {{k3, none, two, Padding::Valid, true, Activation::Relu}},
      {{k3, none, two, Padding::Same, false, Activation::Tanh}},
      {{{2, 3}, Pair{1, 2}, none, Padding::Same, true, Activation::Sigmoid}},
      {{{2, 2}, none, none, Padding::Valid, false, Activation::None}},
      // Two layers: the second one's input gradient.
      {{k3, none, none, Padding::Valid, true, Activation::Relu},
       {k3, two, none, Padding::Same, true, Activation::Tanh}},
      {{k3, none, none, Padding::Same, false, Activation::Tanh},
       {k3, none, two, Padding::Valid, true, Activation::Relu}},
      {{k3, two, none, Padding::Same, true, Activation::Sigmoid},
       {k3, none, two, Padding::Same, false, Activation::None}},
      {{{2, 2}, two, none, Padding::Valid, true, Activation::None},
       {{2, 3}, Pair{2, 1}, none, Padding::Same, true, Activation::Relu}},
  };
  std::vector<GradModel> models;
  for (size_t i = 0; i < cases.size(); ++i)
    models.push_back(makeConvModel(cases[i], lossFor(i)));
  return models;
}

class ConvGradientTest : public GradientTest {};

TEST_P(ConvGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Gradient, ConvGradientTest,
                         gradientCases(convModels()), gradientTestName);

} // namespace
