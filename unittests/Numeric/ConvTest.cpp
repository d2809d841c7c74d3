//===- ConvTest.cpp - cnn.conv2d against the reference --------------------===//
//
// One tiny model per convolution configuration: conv2d followed by flatten,
// so every output element (NHWC, row-major) is a logit. The configurations
// cover valid/same padding with strides 1, 2 and mixed, odd input sizes,
// bias on/off with every activation, dilation, non-square and even-sized
// filters (asymmetric same padding) and single-channel input.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

using namespace cnnc::numeric;

namespace {

using Pair = std::array<int64_t, 2>;

/// One conv2d configuration. Unset strides/dilations are left out of the
/// MLIR text, so the op's defaults are exercised too.
struct ConvCase {
  Pair input;
  int64_t channels;
  Pair kernel;
  int64_t filters;
  std::optional<Pair> strides;
  std::optional<Pair> dilations;
  Padding padding;
  bool bias;
  Activation activation;
};

ConvCase convCase(Pair input, int64_t channels, Pair kernel, int64_t filters,
                  std::optional<Pair> strides, std::optional<Pair> dilations,
                  Padding padding, bool bias, Activation activation) {
  return {input,     channels, kernel, filters,   strides,
          dilations, padding,  bias,   activation};
}

ModelSpec makeConvModel(const ConvCase &c) {
  Pair strides = c.strides.value_or(Pair{1, 1});
  Pair dilations = c.dilations.value_or(Pair{1, 1});
  WindowDim rows = computeWindow(c.input[0], c.kernel[0], strides[0],
                                 dilations[0], c.padding);
  WindowDim cols = computeWindow(c.input[1], c.kernel[1], strides[1],
                                 dilations[1], c.padding);
  std::vector<int64_t> outputDims = {rows.output, cols.output, c.filters};
  std::vector<int64_t> kernelDims = {c.kernel[0], c.kernel[1], c.channels,
                                     c.filters};

  ModelSpec spec;
  spec.name = std::string("conv_") + toString(c.padding) + "_in" +
              pairText(c.input, "x") + "c" + std::to_string(c.channels) + "_k" +
              pairText(c.kernel, "x") + "f" + std::to_string(c.filters) + "_s" +
              pairText(strides, "x") + "_d" + pairText(dilations, "x") +
              (c.bias ? "_bias_" : "_") + toString(c.activation);
  spec.inputHWC = {c.input[0], c.input[1], c.channels};
  spec.numClasses = rows.output * cols.output * c.filters;
  spec.params = {{"conv/kernel", kernelDims}};
  if (c.bias)
    spec.params.push_back({"conv/bias", {c.filters}});

  std::string inputType = tensorType({c.input[0], c.input[1], c.channels});
  std::string body =
      "    %k = cnn.param \"conv/kernel\" : " + staticTensorType(kernelDims) +
      "\n";
  if (c.bias)
    body +=
        "    %b = cnn.param \"conv/bias\" : " + staticTensorType({c.filters}) +
        "\n";
  body += std::string("    %y = cnn.conv2d %x, %k") + (c.bias ? ", %b" : "");
  if (c.strides)
    body += " strides = [" + pairText(*c.strides, ", ") + "]";
  if (c.dilations)
    body += " dilations = [" + pairText(*c.dilations, ", ") + "]";
  body += std::string(" padding = ") + toString(c.padding);
  if (c.activation != Activation::None)
    body += std::string(" activation = ") + toString(c.activation);
  body += "\n        : " + inputType + ", " + staticTensorType(kernelDims);
  if (c.bias)
    body += ", " + staticTensorType({c.filters});
  body += "\n    %f = cnn.flatten %y : " + tensorType(outputDims) + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");

  spec.reference = [c, strides, dilations](const Tensor &input,
                                           const ParamValues &params) {
    const Tensor *bias = c.bias ? &params.at("conv/bias") : nullptr;
    return flatten(conv2d(input, params.at("conv/kernel"), bias, strides,
                          dilations, c.padding, c.activation));
  };
  return spec;
}

std::vector<ModelSpec> convModels() {
  std::vector<ConvCase> cases;
  // Padding x strides x odd input sizes; 3x3 filters, bias, no activation.
  // The stride [1, 1] is spelled out on 7x9 and left to the default on 5x5.
  for (Padding padding : {Padding::Valid, Padding::Same})
    for (Pair strides : {Pair{1, 1}, Pair{2, 2}, Pair{2, 1}})
      for (Pair input : {Pair{7, 9}, Pair{5, 5}}) {
        std::optional<Pair> explicitStrides = strides;
        if (strides == Pair{1, 1} && input == Pair{5, 5})
          explicitStrides = std::nullopt;
        cases.push_back(convCase(input, 3, {3, 3}, 4, explicitStrides,
                                 std::nullopt, padding, true,
                                 Activation::None));
      }
  // Bias on/off x every activation, same padding, mixed strides [1, 2].
  for (bool bias : {false, true})
    for (Activation activation : {Activation::None, Activation::Relu,
                                  Activation::Sigmoid, Activation::Tanh})
      cases.push_back(convCase({7, 9}, 2, {3, 3}, 3, Pair{1, 2}, std::nullopt,
                               Padding::Same, bias, activation));
  // Dilation: span 5 for a 3x3 filter, valid and same; mixed dilations.
  cases.push_back(convCase({7, 9}, 2, {3, 3}, 3, std::nullopt, Pair{2, 2},
                           Padding::Valid, true, Activation::Relu));
  cases.push_back(convCase({7, 9}, 2, {3, 3}, 3, std::nullopt, Pair{2, 2},
                           Padding::Same, true, Activation::None));
  cases.push_back(convCase({7, 9}, 2, {2, 3}, 3, Pair{1, 1}, Pair{3, 2},
                           Padding::Same, false, Activation::Tanh));
  // Non-square and even filters; even extents make same padding uneven
  // (the odd element goes after).
  cases.push_back(convCase({7, 9}, 3, {2, 3}, 4, std::nullopt, std::nullopt,
                           Padding::Valid, true, Activation::None));
  cases.push_back(convCase({7, 9}, 3, {3, 1}, 4, Pair{2, 2}, std::nullopt,
                           Padding::Same, true, Activation::Relu));
  cases.push_back(convCase({7, 9}, 2, {1, 4}, 3, std::nullopt, std::nullopt,
                           Padding::Same, true, Activation::None));
  cases.push_back(convCase({7, 9}, 2, {4, 2}, 3, Pair{2, 1}, std::nullopt,
                           Padding::Same, false, Activation::None));
  cases.push_back(convCase({5, 5}, 3, {1, 1}, 5, Pair{2, 2}, std::nullopt,
                           Padding::Valid, true, Activation::Sigmoid));
  // Single-channel input, filter as large as the image.
  cases.push_back(convCase({5, 5}, 1, {5, 5}, 4, std::nullopt, std::nullopt,
                           Padding::Valid, true, Activation::None));
  cases.push_back(convCase({5, 5}, 1, {5, 5}, 4, Pair{2, 2}, std::nullopt,
                           Padding::Same, true, Activation::None));

  std::vector<ModelSpec> models;
  for (const ConvCase &c : cases)
    models.push_back(makeConvModel(c));
  return models;
}

class ConvTest : public NumericTest {};

TEST_P(ConvTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, ConvTest, numericCases(convModels()),
                         numericTestName);

} // namespace
