//===- DepthwiseTest.cpp - cnn.depthwise_conv2d against the reference -----===//
//
// One tiny model per configuration: depthwise_conv2d followed by flatten, so
// every output element (NHWC, row-major, channel c * M + m) is a logit. The
// cases cover depth multipliers 1 and 2, strides 1, 2 and mixed, dilation 2,
// valid and same padding (even extents and even kernels make it uneven: the
// odd element goes after), with and without bias, fused activations (relu,
// tanh, sigmoid, gelu; one written as a standalone cnn.relu that
// cnn-fuse-activations folds in),
// and channel counts that give the CPU kernel 8-, 4-, 2- and 1-lane vectors.
// A SeparableConv2D model (depthwise without bias, then a 1x1 conv2d with
// bias and activation) checks the composition Keras uses.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseReference.h"
#include "Harness.h"

using namespace cnnc::numeric;

namespace {

using Pair = std::array<int64_t, 2>;

/// One depthwise configuration. Unset strides/dilations are left out of the
/// MLIR text, so the op's defaults are exercised too.
struct DepthwiseCase {
  Pair input;
  int64_t channels;
  Pair kernel;
  int64_t multiplier;
  std::optional<Pair> strides;
  std::optional<Pair> dilations;
  Padding padding;
  bool bias;
  Activation activation;
  /// Writes the activation as a standalone op after the layer.
  bool standalone = false;
};

std::string describe(const DepthwiseCase &c) {
  Pair strides = c.strides.value_or(Pair{1, 1});
  Pair dilations = c.dilations.value_or(Pair{1, 1});
  return std::string(toString(c.padding)) + "_in" + pairText(c.input, "x") +
         "c" + std::to_string(c.channels) + "_k" + pairText(c.kernel, "x") +
         "m" + std::to_string(c.multiplier) + "_s" + pairText(strides, "x") +
         "_d" + pairText(dilations, "x") + (c.bias ? "_bias_" : "_") +
         toString(c.activation) + (c.standalone ? "_standalone" : "");
}

/// The attribute text after the operands: strides, dilations, padding.
std::string windowAttributes(const DepthwiseCase &c) {
  std::string text;
  if (c.strides)
    text += " strides = [" + pairText(*c.strides, ", ") + "]";
  if (c.dilations)
    text += " dilations = [" + pairText(*c.dilations, ", ") + "]";
  return text + " padding = " + toString(c.padding);
}

ModelSpec makeDepthwiseModel(const DepthwiseCase &c) {
  Pair strides = c.strides.value_or(Pair{1, 1});
  Pair dilations = c.dilations.value_or(Pair{1, 1});
  WindowDim rows = computeWindow(c.input[0], c.kernel[0], strides[0],
                                 dilations[0], c.padding);
  WindowDim cols = computeWindow(c.input[1], c.kernel[1], strides[1],
                                 dilations[1], c.padding);
  int64_t outChannels = c.channels * c.multiplier;
  std::vector<int64_t> outputDims = {rows.output, cols.output, outChannels};
  std::vector<int64_t> kernelDims = {c.kernel[0], c.kernel[1], c.channels,
                                     c.multiplier};

  ModelSpec spec;
  spec.name = "depthwise_" + describe(c);
  spec.inputHWC = {c.input[0], c.input[1], c.channels};
  spec.numClasses = rows.output * cols.output * outChannels;
  spec.params = {{"depthwise/kernel", kernelDims}};
  if (c.bias)
    spec.params.push_back({"depthwise/bias", {outChannels}});

  std::string body = "    %k = cnn.param \"depthwise/kernel\" : " +
                     staticTensorType(kernelDims) + "\n";
  if (c.bias)
    body += "    %b = cnn.param \"depthwise/bias\" : " +
            staticTensorType({outChannels}) + "\n";
  body += std::string("    %y = cnn.depthwise_conv2d %x, %k") +
          (c.bias ? ", %b" : "") + windowAttributes(c);
  if (c.activation != Activation::None && !c.standalone)
    body += std::string(" activation = ") + toString(c.activation);
  body += "\n        : " + tensorType({c.input[0], c.input[1], c.channels}) +
          ", " + staticTensorType(kernelDims);
  if (c.bias)
    body += ", " + staticTensorType({outChannels});
  std::string result = "%y";
  if (c.standalone) {
    body += std::string("\n    %a = cnn.") + toString(c.activation) +
            " %y : " + tensorType(outputDims);
    result = "%a";
  }
  body += "\n    %f = cnn.flatten " + result + " : " + tensorType(outputDims) +
          "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");

  spec.reference = [c, strides, dilations](const Tensor &input,
                                           const ParamValues &params) {
    const Tensor *bias = c.bias ? &params.at("depthwise/bias") : nullptr;
    return flatten(depthwiseConv2d(input, params.at("depthwise/kernel"), bias,
                                   strides, dilations, c.padding,
                                   c.activation));
  };
  return spec;
}

/// Keras SeparableConv2D(filters, kernel, strides, padding, activation):
/// cnn.depthwise_conv2d without bias, then a 1x1 cnn.conv2d carrying the
/// bias and the activation. Parameter names follow Keras's weights.
ModelSpec makeSeparableModel(const DepthwiseCase &c, int64_t filters) {
  Pair strides = c.strides.value_or(Pair{1, 1});
  Pair dilations = c.dilations.value_or(Pair{1, 1});
  WindowDim rows = computeWindow(c.input[0], c.kernel[0], strides[0],
                                 dilations[0], c.padding);
  WindowDim cols = computeWindow(c.input[1], c.kernel[1], strides[1],
                                 dilations[1], c.padding);
  int64_t mid = c.channels * c.multiplier;
  std::vector<int64_t> depthwiseDims = {c.kernel[0], c.kernel[1], c.channels,
                                        c.multiplier};
  std::vector<int64_t> pointwiseDims = {1, 1, mid, filters};

  ModelSpec spec;
  spec.name = "separable_" + describe(c) + "_f" + std::to_string(filters);
  spec.inputHWC = {c.input[0], c.input[1], c.channels};
  spec.numClasses = rows.output * cols.output * filters;
  spec.params = {{"separable/depthwise_kernel", depthwiseDims},
                 {"separable/pointwise_kernel", pointwiseDims},
                 {"separable/bias", {filters}}};
  std::string body =
      "    %dk = cnn.param \"separable/depthwise_kernel\" : " +
      staticTensorType(depthwiseDims) + "\n" +
      "    %pk = cnn.param \"separable/pointwise_kernel\" : " +
      staticTensorType(pointwiseDims) + "\n" +
      "    %pb = cnn.param \"separable/bias\" : " +
      staticTensorType({filters}) + "\n" +
      "    %d = cnn.depthwise_conv2d %x, %dk" + windowAttributes(c) +
      "\n        : " + tensorType({c.input[0], c.input[1], c.channels}) + ", " +
      staticTensorType(depthwiseDims) + "\n" +
      "    %y = cnn.conv2d %d, %pk, %pb activation = " +
      toString(c.activation) +
      "\n        : " + tensorType({rows.output, cols.output, mid}) + ", " +
      staticTensorType(pointwiseDims) + ", " + staticTensorType({filters}) +
      "\n    %f = cnn.flatten %y : " +
      tensorType({rows.output, cols.output, filters}) + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");
  spec.reference = [c, strides, dilations](const Tensor &input,
                                           const ParamValues &params) {
    return flatten(separableConv2d(
        input, params.at("separable/depthwise_kernel"),
        params.at("separable/pointwise_kernel"), &params.at("separable/bias"),
        strides, dilations, c.padding, c.activation));
  };
  return spec;
}

std::vector<ModelSpec> depthwiseModels() {
  const auto none = std::nullopt;
  const Pair k3 = {3, 3}, two = {2, 2};
  std::vector<DepthwiseCase> cases = {
      // M = 1, default strides and padding, 1-lane vectors (3 channels).
      {{7, 9}, 3, k3, 1, none, none, Padding::Valid, true, Activation::None},
      // Stride 2 on even extents: same padding 0 before, 1 after; 8 lanes.
      {{8, 6}, 8, k3, 1, two, none, Padding::Same, true, Activation::Relu},
      // M = 2, non-square kernel, mixed strides, standalone relu folded in.
      {{7, 9},
       2,
       {3, 2},
       2,
       Pair{1, 2},
       none,
       Padding::Same,
       true,
       Activation::Relu,
       /*standalone=*/true},
      // M = 2 on 3 channels (6 outputs, 2-lane vectors), dilation 2.
      {{7, 9}, 3, k3, 2, none, two, Padding::Same, false, Activation::Tanh},
      // Even kernel, same padding 0 before, 1 after; M = 2 on 4 channels.
      {{5, 6},
       4,
       {2, 2},
       2,
       Pair{1, 1},
       none,
       Padding::Same,
       true,
       Activation::Sigmoid},
      // Dilation 2, valid, 16 channels (two 8-lane vectors per position),
      // gelu (erf) applied to the vectors in the kernel.
      {{7, 9}, 16, k3, 1, none, two, Padding::Valid, true, Activation::Gelu},
      // Mixed strides [2, 1], valid, no bias, M = 4 (4 lanes, one channel
      // per vector).
      {{7, 8},
       2,
       {3, 3},
       4,
       Pair{2, 1},
       none,
       Padding::Valid,
       false,
       Activation::None},
  };
  std::vector<ModelSpec> models;
  for (const DepthwiseCase &c : cases)
    models.push_back(makeDepthwiseModel(c));
  // SeparableConv2D(4, 3, strides = 2, padding = "same", relu) with
  // depth_multiplier 2 on 3 channels.
  models.push_back(makeSeparableModel(
      {{6, 7}, 3, k3, 2, two, none, Padding::Same, true, Activation::Relu},
      /*filters=*/4));
  return models;
}

class DepthwiseTest : public NumericTest {};

TEST_P(DepthwiseTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, DepthwiseTest,
                         numericCases(depthwiseModels()), numericTestName);

} // namespace
