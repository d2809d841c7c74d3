//===- ActivationTest.cpp - every activation, fused and standalone --------===//
//
// Four models cover every Keras activation: fused into conv2d (one branch
// per kind, summed) and into dense on large pre-activations (|x| up to
// ~60), as standalone layers after a conv2d (those with the fused form's
// parameters fold into it, the others, such as LeakyReLU's default slope
// 0.3 and the tanh gelu, stay layers that the kernels run as epilogues), and
// standalone on inputs up to +-90, where a naive exp overflows. The
// reference is unittests/Numeric/Reference.cpp, written from the Keras 3
// definitions; its own values are checked against known ones first.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

#include <cmath>

using namespace cnnc::numeric;

namespace {

//===----------------------------------------------------------------------===//
// The reference itself
//===----------------------------------------------------------------------===//

// Values from the Keras docstrings and closed forms: a wrong constant or a
// Keras 2 definition (hard_sigmoid = 0.2 x + 0.5) in the reference fails here.
TEST(ActivationReference, MatchesKerasValues) {
  auto near = [](double got, double want) {
    return std::fabs(got - want) <= 1e-12 * std::max(1.0, std::fabs(want));
  };
  // keras.layers.LeakyReLU(negative_slope=0.5) on [-10, -5, 0, 5, 10].
  EXPECT_TRUE(near(leakyRelu(-10, 0.5), -5));
  EXPECT_TRUE(near(leakyRelu(0, 0.5), 0));
  EXPECT_TRUE(near(leakyRelu(10, 0.5), 10));
  EXPECT_TRUE(near(activate(-1, Activation::LeakyRelu), -0.2));
  EXPECT_TRUE(near(activate(-1, Activation::Elu), std::exp(-1.0) - 1));
  EXPECT_TRUE(near(elu(-1, 0.5), 0.5 * (std::exp(-1.0) - 1)));
  EXPECT_TRUE(near(activate(-1, Activation::Selu), -1.1113307378125625));
  EXPECT_TRUE(near(activate(2, Activation::Selu), 2.101401974710961));
  EXPECT_TRUE(near(activate(7, Activation::Relu6), 6));
  EXPECT_TRUE(near(activate(-1, Activation::Relu6), 0));
  EXPECT_TRUE(near(activate(1, Activation::Silu), 0.7310585786300049));
  EXPECT_TRUE(near(activate(1, Activation::Gelu), 0.8413447460685429));
  EXPECT_TRUE(near(gelu(1, true), 0.8411919906082768));
  EXPECT_TRUE(near(activate(0, Activation::Softplus), std::log(2.0)));
  EXPECT_TRUE(near(activate(1000, Activation::Softplus), 1000));
  EXPECT_TRUE(near(activate(-1000, Activation::Softplus), 0));
  // Keras 3: relu6(x + 3) / 6.
  EXPECT_TRUE(near(activate(-3, Activation::HardSigmoid), 0));
  EXPECT_TRUE(near(activate(1.5, Activation::HardSigmoid), 0.75));
  EXPECT_TRUE(near(activate(3, Activation::HardSigmoid), 1));
  EXPECT_TRUE(near(activate(1, Activation::HardSwish), 4.0 / 6.0));
  EXPECT_TRUE(near(activate(-4, Activation::HardSwish), 0));
  EXPECT_TRUE(near(activate(4, Activation::HardSwish), 4));
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

/// A standalone activation layer: its op text and the function it computes.
struct Variant {
  std::string mnemonic;
  /// Attributes after the operand, e.g. " alpha = 1.000000e-01".
  std::string attributes;
  std::function<double(double)> apply;
};

/// Every standalone layer with its defaults (LeakyReLU's 0.3, ELU's 1.0,
/// the exact gelu) plus non-default parameters.
std::vector<Variant> standaloneVariants() {
  std::vector<Variant> variants;
  for (Activation kind : kAllActivations) {
    if (kind == Activation::LeakyRelu)
      variants.push_back({"leaky_relu", "",
                          [](double x) { return leakyRelu(x, double(0.3f)); }});
    else
      variants.push_back(
          {toString(kind), "", [kind](double x) { return activate(x, kind); }});
  }
  // The fused form's slope (this one folds into a layer), another ELU
  // alpha, the tanh gelu.
  variants.push_back({"leaky_relu", " alpha = 2.000000e-01",
                      [](double x) { return leakyRelu(x, double(0.2f)); }});
  variants.push_back(
      {"elu", " alpha = 5.000000e-01", [](double x) { return elu(x, 0.5); }});
  variants.push_back(
      {"gelu", " approximate", [](double x) { return gelu(x, true); }});
  return variants;
}

/// Appends `%sum = a0 + a1 + ...` (cnn.add) to `body` and returns its name.
std::string sumValues(const std::vector<std::string> &values,
                      const std::string &type, std::string &body) {
  std::string sum = values.front();
  for (size_t i = 1; i < values.size(); ++i) {
    std::string next = "%sum" + std::to_string(i);
    body += "    " + next + " = cnn.add " + sum + ", " + values[i] + " : " +
            type + "\n";
    sum = next;
  }
  return sum;
}

Tensor sumTensors(const std::vector<Tensor> &tensors) {
  Tensor sum = tensors.front();
  for (size_t i = 1; i < tensors.size(); ++i)
    sum = add(sum, tensors[i]);
  return sum;
}

constexpr std::array<int64_t, 3> kImage = {5, 5, 2};
constexpr int64_t kFilters = 2;

/// `%c<i> = cnn.conv2d %x, kernel, bias padding = same [activation = ...]`
/// on kImage with parameters "<prefix><i>/kernel|bias"; returns its name.
std::string convBranch(ModelSpec &spec, const std::string &prefix, size_t i,
                       Activation activation, std::string &body) {
  std::string layer = prefix + std::to_string(i);
  std::vector<int64_t> kernel = {3, 3, kImage[2], kFilters};
  spec.params.push_back({layer + "/kernel", kernel});
  spec.params.push_back({layer + "/bias", {kFilters}});
  std::string k = "%k" + std::to_string(i), b = "%b" + std::to_string(i);
  std::string c = "%c" + std::to_string(i);
  body += "    " + k + " = cnn.param \"" + layer +
          "/kernel\" : " + staticTensorType(kernel) + "\n";
  body += "    " + b + " = cnn.param \"" + layer +
          "/bias\" : " + staticTensorType({kFilters}) + "\n";
  body += "    " + c + " = cnn.conv2d %x, " + k + ", " + b + " padding = same";
  if (activation != Activation::None)
    body += std::string(" activation = ") + toString(activation);
  body += "\n        : " + tensorType({kImage[0], kImage[1], kImage[2]}) +
          ", " + staticTensorType(kernel) + ", " +
          staticTensorType({kFilters}) + "\n";
  return c;
}

Tensor convReference(const Tensor &input, const ParamValues &params,
                     const std::string &layer, Activation activation) {
  return conv2d(input, params.at(layer + "/kernel"),
                &params.at(layer + "/bias"), {1, 1}, {1, 1}, Padding::Same,
                activation);
}

/// conv2d(activation = k) for every k, summed, flattened.
ModelSpec makeConvFusedModel() {
  ModelSpec spec;
  spec.name = "activations_conv_fused";
  spec.inputHWC = kImage;
  spec.inputLow = -4.0;
  spec.inputHigh = 4.0;
  std::vector<int64_t> out = {kImage[0], kImage[1], kFilters};
  spec.numClasses = kImage[0] * kImage[1] * kFilters;
  std::string body;
  std::vector<std::string> branches;
  for (size_t i = 0; i < std::size(kAllActivations); ++i)
    branches.push_back(convBranch(spec, "conv", i, kAllActivations[i], body));
  std::string sum = sumValues(branches, tensorType(out), body);
  body += "    %f = cnn.flatten " + sum + " : " + tensorType(out) + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");
  spec.reference = [](const Tensor &input, const ParamValues &params) {
    std::vector<Tensor> branches;
    for (size_t i = 0; i < std::size(kAllActivations); ++i)
      branches.push_back(convReference(
          input, params, "conv" + std::to_string(i), kAllActivations[i]));
    return flatten(sumTensors(branches));
  };
  return spec;
}

/// dense(activation = k) for every k on inputs in [-30, 30], summed: the
/// pre-activations reach |x| ~ 60, where exp(-x), x^3 and the like overflow
/// in float unless the lowering avoids them.
ModelSpec makeDenseFusedModel() {
  const int64_t features = 24, units = 5;
  ModelSpec spec;
  spec.name = "activations_dense_fused_large";
  spec.inputHWC = {1, 1, features};
  spec.numClasses = units;
  spec.inputLow = -30.0;
  spec.inputHigh = 30.0;
  // Logits are sums of 12 activations of values up to ~60; float dot
  // products of 24 terms of ~10 round at ~1e-5.
  spec.tolerance = {1e-4, 1e-4};
  std::string body =
      "    %f = cnn.flatten %x : " + tensorType({1, 1, features}) + "\n";
  std::vector<std::string> branches;
  for (size_t i = 0; i < std::size(kAllActivations); ++i) {
    std::string layer = "dense" + std::to_string(i), n = std::to_string(i);
    spec.params.push_back({layer + "/kernel", {features, units}});
    spec.params.push_back({layer + "/bias", {units}});
    body += "    %k" + n + " = cnn.param \"" + layer +
            "/kernel\" : " + staticTensorType({features, units}) + "\n";
    body += "    %b" + n + " = cnn.param \"" + layer +
            "/bias\" : " + staticTensorType({units}) + "\n";
    body += "    %d" + n + " = cnn.dense %f, %k" + n + ", %b" + n +
            " activation = " + toString(kAllActivations[i]) +
            "\n        : " + tensorType({features}) + ", " +
            staticTensorType({features, units}) + ", " +
            staticTensorType({units}) + "\n";
    branches.push_back("%d" + n);
  }
  std::string sum = sumValues(branches, tensorType({units}), body);
  spec.mlir = makeModule(spec.name, spec.inputHWC, units, body, sum);
  spec.reference = [](const Tensor &input, const ParamValues &params) {
    std::vector<Tensor> branches;
    for (size_t i = 0; i < std::size(kAllActivations); ++i) {
      std::string layer = "dense" + std::to_string(i);
      branches.push_back(dense(flatten(input), params.at(layer + "/kernel"),
                               &params.at(layer + "/bias"),
                               kAllActivations[i]));
    }
    return sumTensors(branches);
  };
  return spec;
}

/// conv2d -> standalone activation layer for every variant, summed. The
/// variants with the fused form's parameters fold into their conv2d
/// (cnn-fuse-activations); the others stay layers.
ModelSpec makeConvStandaloneModel() {
  ModelSpec spec;
  spec.name = "activations_conv_standalone";
  spec.inputHWC = kImage;
  spec.inputLow = -4.0;
  spec.inputHigh = 4.0;
  std::vector<int64_t> out = {kImage[0], kImage[1], kFilters};
  std::string type = tensorType(out);
  spec.numClasses = kImage[0] * kImage[1] * kFilters;
  std::vector<Variant> variants = standaloneVariants();
  std::string body;
  std::vector<std::string> branches;
  for (size_t i = 0; i < variants.size(); ++i) {
    std::string c = convBranch(spec, "layer", i, Activation::None, body);
    std::string a = "%a" + std::to_string(i);
    body += "    " + a + " = cnn." + variants[i].mnemonic + " " + c +
            variants[i].attributes + " : " + type + "\n";
    branches.push_back(a);
  }
  std::string sum = sumValues(branches, type, body);
  body += "    %f = cnn.flatten " + sum + " : " + type + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");
  spec.reference = [variants](const Tensor &input, const ParamValues &params) {
    std::vector<Tensor> branches;
    for (size_t i = 0; i < variants.size(); ++i)
      branches.push_back(
          mapElements(convReference(input, params, "layer" + std::to_string(i),
                                    Activation::None),
                      variants[i].apply));
    return flatten(sumTensors(branches));
  };
  return spec;
}

/// Every standalone variant on the raw input in [-90, 90], summed.
ModelSpec makeStandaloneLargeModel() {
  const std::array<int64_t, 3> image = {3, 3, 2};
  std::string type = tensorType({image[0], image[1], image[2]});
  ModelSpec spec;
  spec.name = "activations_standalone_large";
  spec.inputHWC = image;
  spec.numClasses = image[0] * image[1] * image[2];
  spec.inputLow = -90.0;
  spec.inputHigh = 90.0;
  std::vector<Variant> variants = standaloneVariants();
  std::string body;
  std::vector<std::string> branches;
  for (size_t i = 0; i < variants.size(); ++i) {
    std::string a = "%a" + std::to_string(i);
    body += "    " + a + " = cnn." + variants[i].mnemonic + " %x" +
            variants[i].attributes + " : " + type + "\n";
    branches.push_back(a);
  }
  std::string sum = sumValues(branches, type, body);
  body += "    %f = cnn.flatten " + sum + " : " + type + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");
  spec.reference = [variants](const Tensor &input, const ParamValues &) {
    std::vector<Tensor> branches;
    for (const Variant &variant : variants)
      branches.push_back(mapElements(input, variant.apply));
    return flatten(sumTensors(branches));
  };
  return spec;
}

std::vector<ModelSpec> activationModels() {
  return {makeConvFusedModel(), makeDenseFusedModel(),
          makeConvStandaloneModel(), makeStandaloneLargeModel()};
}

class ActivationTest : public NumericTest {};

TEST_P(ActivationTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, ActivationTest,
                         numericCases(activationModels()), numericTestName);

} // namespace
