//===- DenseTest.cpp - dense, flatten and element-wise ops ----------------===//
//
// Tiny models around cnn.dense (bias on/off x every activation, a long
// reduction, a two-layer head), the standalone activations on rank-4 and
// rank-2 tensors, softmax (including inputs so large that an unstabilized
// exp overflows) and cnn.add on flat and rank-4 tensors. Every model starts
// from an NHWC input, so flatten's row-major order is checked along the way.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

using namespace cnnc::numeric;

namespace {

/// The input of every model here: [?, 2, 3, 2], 12 features once flat.
constexpr std::array<int64_t, 3> kInput = {2, 3, 2};
constexpr int64_t kFeatures = 12;

/// `%f = cnn.flatten %x` for kInput.
std::string flattenInput() {
  return "    %f = cnn.flatten %x : " +
         tensorType({kInput[0], kInput[1], kInput[2]}) + "\n";
}

ModelSpec makeDenseModel(bool bias, Activation activation) {
  const int64_t units = 5;
  ModelSpec spec;
  spec.name =
      std::string("dense") + (bias ? "_bias_" : "_") + toString(activation);
  spec.inputHWC = kInput;
  spec.numClasses = units;
  spec.params = {{"dense/kernel", {kFeatures, units}}};
  if (bias)
    spec.params.push_back({"dense/bias", {units}});

  std::string body = flattenInput();
  body += "    %k = cnn.param \"dense/kernel\" : " +
          staticTensorType({kFeatures, units}) + "\n";
  if (bias)
    body += "    %b = cnn.param \"dense/bias\" : " + staticTensorType({units}) +
            "\n";
  body += std::string("    %y = cnn.dense %f, %k") + (bias ? ", %b" : "");
  if (activation != Activation::None)
    body += std::string(" activation = ") + toString(activation);
  body += "\n        : " + tensorType({kFeatures}) + ", " +
          staticTensorType({kFeatures, units});
  if (bias)
    body += ", " + staticTensorType({units});
  body += "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, units, body, "%y");
  spec.reference = [bias, activation](const Tensor &input,
                                      const ParamValues &params) {
    const Tensor *b = bias ? &params.at("dense/bias") : nullptr;
    return dense(flatten(input), params.at("dense/kernel"), b, activation);
  };
  return spec;
}

/// A classifier head: dense(relu) -> dense -> softmax.
ModelSpec makeHeadModel() {
  ModelSpec spec;
  spec.name = "dense_head_softmax";
  spec.inputHWC = kInput;
  spec.numClasses = 4;
  spec.params = {{"hidden/kernel", {kFeatures, 7}},
                 {"hidden/bias", {7}},
                 {"out/kernel", {7, 4}},
                 {"out/bias", {4}}};
  std::string body = flattenInput();
  body += "    %k1 = cnn.param \"hidden/kernel\" : tensor<12x7xf32>\n"
          "    %b1 = cnn.param \"hidden/bias\" : tensor<7xf32>\n"
          "    %h = cnn.dense %f, %k1, %b1 activation = relu\n"
          "        : tensor<?x12xf32>, tensor<12x7xf32>, tensor<7xf32>\n"
          "    %k2 = cnn.param \"out/kernel\" : tensor<7x4xf32>\n"
          "    %b2 = cnn.param \"out/bias\" : tensor<4xf32>\n"
          "    %l = cnn.dense %h, %k2, %b2\n"
          "        : tensor<?x7xf32>, tensor<7x4xf32>, tensor<4xf32>\n"
          "    %p = cnn.softmax %l : tensor<?x4xf32>\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, 4, body, "%p");
  spec.reference = [](const Tensor &input, const ParamValues &params) {
    Tensor hidden = dense(flatten(input), params.at("hidden/kernel"),
                          &params.at("hidden/bias"), Activation::Relu);
    return softmax(dense(hidden, params.at("out/kernel"),
                         &params.at("out/bias"), Activation::None));
  };
  return spec;
}

/// `cnn.<activation> %x` on the rank-4 input, then flatten.
ModelSpec makeActivationModel(Activation activation) {
  std::string type = tensorType({kInput[0], kInput[1], kInput[2]});
  ModelSpec spec;
  spec.name = std::string("standalone_") + toString(activation);
  spec.inputHWC = kInput;
  spec.numClasses = kFeatures;
  spec.inputLow = -4.0; // reach into the saturating range of sigmoid/tanh
  spec.inputHigh = 4.0;
  std::string body = std::string("    %a = cnn.") + toString(activation) +
                     " %x : " + type + "\n    %f = cnn.flatten %a : " + type +
                     "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, kFeatures, body, "%f");
  spec.reference = [activation](const Tensor &input, const ParamValues &) {
    return flatten(applyActivation(input, activation));
  };
  return spec;
}

/// flatten -> relu -> sigmoid: element-wise ops on a rank-2 tensor.
ModelSpec makeFlatActivationsModel() {
  std::string flat = tensorType({kFeatures});
  ModelSpec spec;
  spec.name = "flat_relu_sigmoid";
  spec.inputHWC = kInput;
  spec.numClasses = kFeatures;
  std::string body = flattenInput() + "    %r = cnn.relu %f : " + flat +
                     "\n    %s = cnn.sigmoid %r : " + flat + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, kFeatures, body, "%s");
  spec.reference = [](const Tensor &input, const ParamValues &) {
    return sigmoid(relu(flatten(input)));
  };
  return spec;
}

/// flatten -> softmax on inputs drawn from [low, high].
ModelSpec makeSoftmaxModel(const std::string &name, double low, double high) {
  ModelSpec spec;
  spec.name = name;
  spec.inputHWC = kInput;
  spec.numClasses = kFeatures;
  spec.inputLow = low;
  spec.inputHigh = high;
  std::string body = flattenInput() +
                     "    %p = cnn.softmax %f : " + tensorType({kFeatures}) +
                     "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, kFeatures, body, "%p");
  spec.reference = [](const Tensor &input, const ParamValues &) {
    return softmax(flatten(input));
  };
  return spec;
}

/// add(x, relu(x)) after flatten.
ModelSpec makeFlatAddModel() {
  std::string flat = tensorType({kFeatures});
  ModelSpec spec;
  spec.name = "add_flat_relu";
  spec.inputHWC = kInput;
  spec.numClasses = kFeatures;
  std::string body = flattenInput() + "    %r = cnn.relu %f : " + flat +
                     "\n    %s = cnn.add %f, %r : " + flat + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, kFeatures, body, "%s");
  spec.reference = [](const Tensor &input, const ParamValues &) {
    Tensor flatInput = flatten(input);
    return add(flatInput, relu(flatInput));
  };
  return spec;
}

/// A residual add on rank 4: add(tanh(x), x), then flatten.
ModelSpec makeResidualAddModel() {
  std::string type = tensorType({kInput[0], kInput[1], kInput[2]});
  ModelSpec spec;
  spec.name = "add_nhwc_tanh";
  spec.inputHWC = kInput;
  spec.numClasses = kFeatures;
  std::string body = "    %t = cnn.tanh %x : " + type +
                     "\n    %s = cnn.add %t, %x : " + type +
                     "\n    %f = cnn.flatten %s : " + type + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, kFeatures, body, "%f");
  spec.reference = [](const Tensor &input, const ParamValues &) {
    return flatten(add(tanh(input), input));
  };
  return spec;
}

/// A long reduction: [?, 1, 1, 96] -> 10 units.
ModelSpec makeWideDenseModel() {
  ModelSpec spec;
  spec.name = "dense_wide_bias_none";
  spec.inputHWC = {1, 1, 96};
  spec.numClasses = 10;
  spec.params = {{"wide/kernel", {96, 10}}, {"wide/bias", {10}}};
  std::string body = "    %f = cnn.flatten %x : tensor<?x1x1x96xf32>\n"
                     "    %k = cnn.param \"wide/kernel\" : tensor<96x10xf32>\n"
                     "    %b = cnn.param \"wide/bias\" : tensor<10xf32>\n"
                     "    %y = cnn.dense %f, %k, %b\n"
                     "        : tensor<?x96xf32>, tensor<96x10xf32>, "
                     "tensor<10xf32>\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, 10, body, "%y");
  spec.reference = [](const Tensor &input, const ParamValues &params) {
    return dense(flatten(input), params.at("wide/kernel"),
                 &params.at("wide/bias"), Activation::None);
  };
  return spec;
}

std::vector<ModelSpec> denseModels() {
  std::vector<ModelSpec> models;
  for (bool bias : {false, true})
    for (Activation activation : {Activation::None, Activation::Relu,
                                  Activation::Sigmoid, Activation::Tanh})
      models.push_back(makeDenseModel(bias, activation));
  models.push_back(makeWideDenseModel());
  models.push_back(makeHeadModel());
  return models;
}

std::vector<ModelSpec> elementwiseModels() {
  std::vector<ModelSpec> models;
  for (Activation activation :
       {Activation::Relu, Activation::Sigmoid, Activation::Tanh})
    models.push_back(makeActivationModel(activation));
  models.push_back(makeFlatActivationsModel());
  models.push_back(makeSoftmaxModel("softmax", -3.0, 3.0));
  // exp(80) overflows float: only the max-subtracted form survives.
  models.push_back(makeSoftmaxModel("softmax_large", 80.0, 100.0));
  models.push_back(makeFlatAddModel());
  models.push_back(makeResidualAddModel());
  return models;
}

class DenseTest : public NumericTest {};
class ElementwiseTest : public NumericTest {};

TEST_P(DenseTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

TEST_P(ElementwiseTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, DenseTest, numericCases(denseModels()),
                         numericTestName);

INSTANTIATE_TEST_SUITE_P(Numeric, ElementwiseTest,
                         numericCases(elementwiseModels()), numericTestName);

} // namespace
