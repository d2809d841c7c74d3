//===- NormalizationGradientTest.cpp - batch norm and dropout training ----===//
//
// Gradients of the training forms against central differences of the
// double reference in training mode: batch normalization normalizes with
// the batch's own moments, so the reference loss depends on the whole batch
// and every input coordinate of it (the convolution or dense parameters
// before it) as well as gamma and beta; dropout applies train_step's mask
// for the test seed at step 1, regenerated with runtime/support/Philox.h
// (fixed under perturbation). evaluate runs in inference mode, so unlike
// checkGradients the loop here compares train_step's loss only. After the
// step, every moving statistic must be Keras's moving average of the batch
// moments; a layer in inference mode (Keras: frozen) normalizes with its
// moving statistics, and they must not change. Two more tests: train_step is a
// pure function of (parameters, data, seed, step), and the optimizers (Adam,
// SGD with momentum) never change non-trainable tensors, which only the layers'
// own updates write.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <cmath>
#include <cstring>
#include <sstream>

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

/// A batch normalization whose state the test checks: the reference value
/// that is its input and its momentum.
struct BatchNormState {
  std::string layer;
  int input;
  double momentum;
};

struct NormGradModel {
  GradModel model;
  /// Layers in training mode, whose statistics the step updates.
  std::vector<BatchNormState> batchNorms;
  /// Layers in inference mode, whose statistics the step leaves alone.
  std::vector<std::string> fixedStatistics;
};

void PrintTo(const NormGradModel &m, std::ostream *os) {
  *os << m.model.spec.name;
}

/// The mask key of readGradient's train_step for the layer's stream.
numeric::DropoutKey gradientKey(uint32_t stream,
                                std::optional<int64_t> layerSeed = {}) {
  return {kGradientSeed, /*step=*/1, stream, layerSeed};
}

/// conv2d(bias, same) -> batch_norm(gamma, beta) -> tanh -> dense.
NormGradModel convBatchNormModel() {
  ModelBuilder b("bn_conv_tanh", {4, 4, 2});
  auto conv = b.conv2d(b.input(), "conv", 3, {3, 3}, std::nullopt, std::nullopt,
                       Padding::Same, true, Activation::None);
  auto normed = b.batchNorm(conv, "bn", true, true);
  auto t = b.activation(Activation::Tanh, normed);
  auto logits = b.dense(b.flatten(t), "dense", 3, true, Activation::None);
  return {b.finish(logits, Loss::SparseCategoricalCrossentropy),
          {{"bn", conv.id, 0.99}},
          {}};
}

/// dense(no bias) -> batch_norm(beta, epsilon 0.01) -> sigmoid -> dense ->
/// batch_norm(gamma) on the logits, mean squared error.
NormGradModel denseBatchNormModel() {
  ModelBuilder b("bn_dense_sigmoid", {2, 3, 2});
  auto h = b.dense(b.flatten(b.input()), "hidden", 5, false, Activation::None);
  auto n1 = b.batchNorm(h, "bn1", false, true, 1e-2, 0.9);
  auto s = b.activation(Activation::Sigmoid, n1);
  auto o = b.dense(s, "out", 3, true, Activation::None);
  auto n2 = b.batchNorm(o, "bn2", true, false, 1e-3, 0.5);
  return {b.finish(n2, Loss::MeanSquaredError),
          {{"bn1", h.id, 0.9}, {"bn2", o.id, 0.5}},
          {}};
}

/// Batch normalization in inference mode while training (Keras: a frozen
/// layer or a call with training=False): conv2d -> batch_norm(gamma, beta,
/// inference_mode) -> relu -> dense -> batch_norm(beta, inference_mode) ->
/// dense. The gradient reaches the convolution through the moving
/// statistics, and gamma and beta train; no statistic changes.
NormGradModel inferenceModeBatchNormModel() {
  ModelBuilder b("bn_inference_mode", {4, 4, 2});
  auto conv = b.conv2d(b.input(), "conv", 3, {3, 3}, std::nullopt, std::nullopt,
                       Padding::Same, true, Activation::None);
  auto n1 = b.batchNorm(conv, "bn1", true, true, 1e-3, 0.99,
                        /*inferenceMode=*/true);
  auto r = b.activation(Activation::Relu, n1);
  auto h = b.dense(b.flatten(r), "hidden", 5, false, Activation::None);
  auto n2 = b.batchNorm(h, "bn2", false, true, 1e-2, 0.9,
                        /*inferenceMode=*/true);
  auto logits = b.dense(n2, "out", 3, true, Activation::None);
  return {b.finish(logits, Loss::SparseCategoricalCrossentropy),
          {},
          {"bn1", "bn2"}};
}

/// conv2d(tanh) -> dropout 0.3 on a [3, 3, 3] image (27 elements: the mask
/// pads its last block) -> dense(tanh) -> dropout 0.5 with a layer seed ->
/// dense.
NormGradModel dropoutModel() {
  ModelBuilder b("dropout_conv_dense", {4, 4, 2});
  auto conv = b.conv2d(b.input(), "conv", 3, {2, 2}, std::nullopt, std::nullopt,
                       Padding::Valid, true, Activation::Tanh);
  auto d1 = b.dropout(conv, 0.3, gradientKey(0));
  auto h = b.dense(b.flatten(d1), "hidden", 4, true, Activation::Tanh);
  auto d2 = b.dropout(h, 0.5, gradientKey(1, 11));
  auto logits = b.dense(d2, "out", 3, true, Activation::None);
  return {b.finish(logits, Loss::SparseCategoricalCrossentropy), {}, {}};
}

std::vector<NormGradModel> normGradModels() {
  std::vector<NormGradModel> models = {
      convBatchNormModel(), denseBatchNormModel(),
      inferenceModeBatchNormModel(), dropoutModel()};
  for (const NormGradModel &m : models)
    registerCase(m.model.spec.name, {sgdLibrary(m.model)});
  return models;
}

/// The offset of parameter `name` in the parameter buffer.
int64_t offsetOf(const cnnc_model_desc &desc, const std::string &name) {
  for (int64_t i = 0; i < desc.num_params; ++i)
    if (name == desc.params[i].name)
      return desc.params[i].offset;
  ADD_FAILURE() << "no parameter " << name;
  return 0;
}

class NormalizationGradientTest
    : public ::testing::TestWithParam<NormGradModel> {};

TEST_P(NormalizationGradientTest, TrainingModeMatchesFiniteDifferences) {
  const GradModel &model = GetParam().model;
  const cnnc_model_desc *loaded = loadLibrary(sgdLibrary(model));
  ASSERT_NE(loaded, nullptr);
  const cnnc_model_desc &desc = *loaded;
  numeric::checkDescriptor(desc, model.spec);
  ASSERT_NE(desc.train_step, nullptr);

  auto [height, width, channels] = model.spec.inputHWC;
  const GradTolerance tol;
  int64_t checked = 0, mismatches = 0;
  double worstRatio = 0;
  std::ostringstream details;
  for (int64_t batchSize : {3, 5}) {
    uint32_t seed = 20241205 + static_cast<uint32_t>(batchSize);
    std::vector<float> params = numeric::makeParams(desc, seed);
    Batch batch = makeBatch(model.spec, batchSize, seed + 1);
    StepResult step;
    ASSERT_TRUE(readGradient(desc, params, batch, step));

    ParamValues values = numeric::viewParams(desc, params);
    std::vector<float> input(batch.input.begin(),
                             batch.input.begin() +
                                 batchSize * height * width * channels);
    std::vector<Tensor> activations = model.evaluate(
        numeric::toTensor(input, {batchSize, height, width, channels}), values);
    std::vector<int32_t> labels(batch.labels.begin(),
                                batch.labels.begin() + batchSize);
    double loss = referenceLoss(activations.back(), labels, model.loss);
    EXPECT_NEAR(step.loss, loss, 1e-5 + 1e-5 * std::fabs(loss))
        << "training-mode loss at batch " << batchSize;

    for (int64_t p = 0; p < desc.num_params; ++p) {
      const cnnc_param_info &info = desc.params[p];
      if (!info.trainable)
        continue;
      size_t first = model.firstUser(info.name);
      for (int64_t e = 0; e < info.size; ++e) {
        double &value = values.at(info.name).data[e];
        const double original = value;
        const double h = 1e-6 * std::max(1.0, std::fabs(original));
        auto lossAt = [&](double x) {
          value = x;
          return referenceLoss(model.evaluateFrom(activations, first, values),
                               labels, model.loss);
        };
        double numeric =
            (lossAt(original + h) - lossAt(original - h)) / (2 * h);
        value = original;
        double analytic = step.gradient[info.offset + e];
        double allowed = tol.atol + tol.rtol * std::fabs(numeric);
        double error = std::fabs(analytic - numeric);
        ++checked;
        worstRatio = std::max(worstRatio, error / allowed);
        if (error <= allowed)
          continue;
        if (++mismatches <= 10)
          details << "\n  batch " << batchSize << ", " << info.name << "[" << e
                  << "]: analytic " << analytic << ", numeric " << numeric;
      }
    }

    // Inference mode: the moving statistics are constants of the step.
    for (const std::string &layer : GetParam().fixedStatistics)
      for (const char *name : {"moving_mean", "moving_variance"}) {
        int64_t offset = offsetOf(desc, layer + "/" + name);
        EXPECT_EQ(0, std::memcmp(step.params.data() + offset,
                                 params.data() + offset,
                                 values.at(layer + "/" + name).data.size() *
                                     sizeof(float)))
            << layer << "/" << name << " changed in inference mode";
      }

    // The state after the step: Keras's moving average of the moments.
    for (const BatchNormState &bn : GetParam().batchNorms) {
      numeric::Moments moments = numeric::batchMoments(activations[bn.input]);
      for (auto [name, statistic] : {std::pair<const char *, const Tensor *>{
                                         "moving_mean", &moments.mean},
                                     {"moving_variance", &moments.variance}}) {
        std::string param = bn.layer + "/" + name;
        Tensor expected =
            numeric::movingAverage(values.at(param), *statistic, bn.momentum);
        EXPECT_TRUE(
            numeric::allClose(step.params.data() + offsetOf(desc, param),
                              expected, numeric::Tolerance{1e-6, 1e-5}))
            << param << " after one step at batch " << batchSize;
      }
    }
  }
  std::printf("[ report   ] %s: %lld coordinates, worst |analytic - numeric| "
              "/ tolerance %.3g\n",
              model.spec.name.c_str(), static_cast<long long>(checked),
              worstRatio);
  EXPECT_EQ(mismatches, 0) << mismatches << " of " << checked
                           << " coordinates differ" << details.str()
                           << "\nmodule:\n"
                           << model.spec.mlir;
}

INSTANTIATE_TEST_SUITE_P(
    Gradient, NormalizationGradientTest, ::testing::ValuesIn(normGradModels()),
    [](const ::testing::TestParamInfo<NormGradModel> &info) {
      return info.param.model.spec.name;
    });

//===----------------------------------------------------------------------===//
// Determinism and the optimizers' view of state
//===----------------------------------------------------------------------===//

/// One train_step on copies of `params` and a zero optimizer state.
struct StepOutcome {
  std::vector<float> params, state;
  float loss = 0;
};

StepOutcome runStep(const cnnc_model_desc &desc,
                    const std::vector<float> &params, const Batch &batch,
                    float learningRate, int64_t step, uint64_t seed,
                    std::vector<float> state = {}) {
  StepOutcome out{params, state, NAN};
  if (out.state.empty())
    out.state.assign(std::max<int64_t>(desc.opt_state_elements, 1), 0.0f);
  int64_t correct = -1;
  EXPECT_EQ(desc.train_step(out.params.data(), out.state.data(),
                            batch.input.data(), batch.labels.data(), batch.size,
                            learningRate, step, seed, &out.loss, &correct),
            CNNC_OK);
  return out;
}

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

[[maybe_unused]] const bool kDeterminismRegistered =
    (registerCase("DropoutMasksFollowSeedAndStep",
                  {sgdLibrary(dropoutModel().model)}),
     true);

TEST(NormalizationDeterminism, DropoutMasksFollowSeedAndStep) {
  GradModel model = dropoutModel().model;
  const cnnc_model_desc *desc = loadLibrary(sgdLibrary(model));
  ASSERT_NE(desc, nullptr);
  std::vector<float> params = numeric::makeParams(*desc, 31);
  Batch batch = makeBatch(model.spec, 4, 32);
  StepOutcome a = runStep(*desc, params, batch, 0.1f, 7, 99);
  StepOutcome b = runStep(*desc, params, batch, 0.1f, 7, 99);
  EXPECT_TRUE(sameBits(a.params, b.params) && sameBits(a.state, b.state) &&
              a.loss == b.loss)
      << "the same seed and step must give bit-identical steps";
  // Another step or another seed: other masks, so other gradients.
  StepOutcome nextStep = runStep(*desc, params, batch, 0.1f, 8, 99);
  StepOutcome nextSeed = runStep(*desc, params, batch, 0.1f, 7, 100);
  EXPECT_FALSE(sameBits(a.state, nextStep.state))
      << "step 8 reused step 7's masks";
  EXPECT_FALSE(sameBits(a.state, nextSeed.state))
      << "seed 100 reused seed 99's masks";
  EXPECT_NE(a.loss, nextStep.loss);
}

/// A frozen dense kernel (trainable = false) before a batch normalization.
GradModel frozenModel() {
  GradModel model;
  numeric::ModelSpec &spec = model.spec;
  spec.name = "bn_frozen_dense";
  spec.inputHWC = {2, 2, 2};
  spec.numClasses = 3;
  spec.params = {{"frozen/kernel", {8, 4}, false},
                 {"bn/gamma", {4}},
                 {"bn/moving_mean", {4}, false},
                 {"bn/moving_variance", {4}, false},
                 {"out/kernel", {4, 3}}};
  spec.mlir = numeric::makeModule(
      spec.name, spec.inputHWC, 3,
      "    %f = cnn.flatten %x : tensor<?x2x2x2xf32>\n"
      "    %k = cnn.param \"frozen/kernel\" trainable = false"
      " : tensor<8x4xf32>\n"
      "    %h = cnn.dense %f, %k : tensor<?x8xf32>, tensor<8x4xf32>\n"
      "    %g = cnn.param \"bn/gamma\" init = ones : tensor<4xf32>\n"
      "    %m = cnn.param \"bn/moving_mean\" trainable = false"
      " : tensor<4xf32>\n"
      "    %v = cnn.param \"bn/moving_variance\" init = ones trainable = false"
      " : tensor<4xf32>\n"
      "    %n = cnn.batch_norm %h, %m, %v gamma = %g momentum = 0.8"
      " : tensor<?x4xf32>\n"
      "    %o = cnn.param \"out/kernel\" : tensor<4x3xf32>\n"
      "    %y = cnn.dense %n, %o : tensor<?x4xf32>, tensor<4x3xf32>\n",
      "%y");
  return model;
}

[[maybe_unused]] const bool kStateRegistered =
    (registerCase("OptimizersLeaveStateToTheLayer",
                  {adamLibrary(frozenModel()), sgdLibrary(frozenModel(), 0.9)}),
     true);

TEST(NormalizationState, OptimizersLeaveStateToTheLayer) {
  GradModel model = frozenModel();
  for (const Library &library : {adamLibrary(model), sgdLibrary(model, 0.9)}) {
    const cnnc_model_desc *desc = loadLibrary(library);
    ASSERT_NE(desc, nullptr);
    numeric::checkDescriptor(*desc, model.spec);
    EXPECT_EQ(desc->opt_state_elements,
              (library.key.find("adam") != std::string::npos ? 2 : 1) *
                  desc->trainable_elements)
        << "optimizer state covers exactly the trainable prefix";
    std::vector<float> params = numeric::makeParams(*desc, 41);
    std::vector<float> state;
    for (int64_t step = 1; step <= 2; ++step) {
      Batch batch = makeBatch(model.spec, 3 + step, 50 + step);
      StepOutcome out = runStep(*desc, params, batch, 0.1f, step, 5, state);
      ParamValues before = numeric::viewParams(*desc, params);
      ParamValues after = numeric::viewParams(*desc, out.params);
      EXPECT_EQ(after.at("frozen/kernel").data, before.at("frozen/kernel").data)
          << library.key << ": the optimizer changed a frozen kernel";
      EXPECT_NE(after.at("bn/gamma").data, before.at("bn/gamma").data)
          << library.key << ": gamma was not trained";
      Tensor hidden = numeric::dense(numeric::flatten(numeric::toTensor(
                                         batch.input, {batch.size, 2, 2, 2})),
                                     before.at("frozen/kernel"), nullptr,
                                     numeric::Activation::None);
      numeric::Moments moments = numeric::batchMoments(hidden);
      EXPECT_TRUE(numeric::allClose(
          out.params.data() + offsetOf(*desc, "bn/moving_mean"),
          numeric::movingAverage(before.at("bn/moving_mean"), moments.mean,
                                 0.8),
          numeric::Tolerance{1e-6, 1e-5}))
          << library.key << ", step " << step;
      EXPECT_TRUE(numeric::allClose(
          out.params.data() + offsetOf(*desc, "bn/moving_variance"),
          numeric::movingAverage(before.at("bn/moving_variance"),
                                 moments.variance, 0.8),
          numeric::Tolerance{1e-6, 1e-5}))
          << library.key << ", step " << step;
      params = out.params;
      state = out.state;
    }
  }
}

} // namespace
