//===- NormalizationTest.cpp - batch norm and dropout, both modes ---------===//
//
// Two tiny models cover cnn.batch_norm on rank-4 and rank-2 batches with
// and without gamma/beta, after a layer it folds into (conv2d with bias,
// dense) and after ones it does not (max pooling, flatten), default and
// explicit epsilon/momentum, and cnn.dropout with rate 0.5, 0.25 with a
// layer seed, and 0. Inference mode runs through `forward` against the
// moving-statistics reference (the harness; dropout is the identity).
// Training mode runs through `train_step` at learning rate 0: its loss must
// be the reference's with batch statistics and the regenerated dropout
// masks, the trainable parameters must stay as they were and every moving
// statistic must be Keras's moving average of the batch moments. `evaluate`
// gives the inference-mode loss.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"
#include "NormalizationReference.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace cnnc::numeric;

namespace {

/// The values a model's training-mode reference produces besides logits.
struct TrainingTrace {
  /// The input of every batch normalization, by layer name ("bn1").
  std::map<std::string, Tensor> bnInputs;
};

/// A model checked in both modes.
struct NormModel {
  ModelSpec spec;
  /// Training-mode logits for train_step's seed and step; fills `trace`.
  std::function<Tensor(const Tensor &, const ParamValues &, uint64_t seed,
                       uint64_t step, TrainingTrace &trace)>
      training;
  /// Momentum of each batch normalization layer, by name.
  std::map<std::string, double> momentum;
};

/// BatchNormalization in either mode; records the training-mode input.
Tensor bn(bool training, const std::string &layer, const Tensor &x,
          const ParamValues &p, bool scale, bool center, double epsilon,
          TrainingTrace *trace) {
  const Tensor *gamma = scale ? &p.at(layer + "/gamma") : nullptr;
  const Tensor *beta = center ? &p.at(layer + "/beta") : nullptr;
  if (!training)
    return batchNormInference(x, p.at(layer + "/moving_mean"),
                              p.at(layer + "/moving_variance"), gamma, beta,
                              epsilon);
  trace->bnInputs[layer] = x;
  return batchNormTraining(x, gamma, beta, epsilon);
}

/// The cnn.param lines of a batch normalization layer `%<layer>{g,b,m,v}`,
/// appending them to the expected parameter table.
std::string bnParams(const std::string &layer, int64_t channels, bool scale,
                     bool center, std::vector<ParamSpec> &params) {
  std::string type = staticTensorType({channels}), text;
  if (scale) {
    text += "    %" + layer + "g = cnn.param \"" + layer +
            "/gamma\" init = ones : " + type + "\n";
    params.push_back({layer + "/gamma", {channels}});
  }
  if (center) {
    text += "    %" + layer + "b = cnn.param \"" + layer + "/beta\" : " + type +
            "\n";
    params.push_back({layer + "/beta", {channels}});
  }
  text += "    %" + layer + "m = cnn.param \"" + layer +
          "/moving_mean\" trainable = false : " + type + "\n";
  text += "    %" + layer + "v = cnn.param \"" + layer +
          "/moving_variance\" init = ones trainable = false : " + type + "\n";
  params.push_back({layer + "/moving_mean", {channels}, false});
  params.push_back({layer + "/moving_variance", {channels}, false});
  return text;
}

/// conv2d(bias) -> bn (gamma, beta) -> relu -> max_pool -> bn (gamma,
/// epsilon 0.01, momentum 0.9) -> flatten -> dropout 0.5 -> dense -> bn
/// (beta only) on rank 2.
NormModel makeConvModel() {
  NormModel model;
  ModelSpec &spec = model.spec;
  spec.name = "bn_conv_pool_dense";
  spec.inputHWC = {5, 5, 2};
  spec.numClasses = 3;
  spec.cnncFlags = {"--optimizer=sgd"};
  spec.params = {{"conv/kernel", {3, 3, 2, 4}}, {"conv/bias", {4}}};
  std::string body =
      "    %k = cnn.param \"conv/kernel\" : tensor<3x3x2x4xf32>\n"
      "    %b = cnn.param \"conv/bias\" : tensor<4xf32>\n"
      "    %c = cnn.conv2d %x, %k, %b\n"
      "        : tensor<?x5x5x2xf32>, tensor<3x3x2x4xf32>, tensor<4xf32>\n";
  body += bnParams("bn1", 4, true, true, spec.params);
  body += "    %n1 = cnn.batch_norm %c, %bn1m, %bn1v gamma = %bn1g beta = "
          "%bn1b : tensor<?x3x3x4xf32>\n"
          "    %r = cnn.relu %n1 : tensor<?x3x3x4xf32>\n"
          "    %p = cnn.max_pool2d %r window = [2, 2] strides = [1, 1]"
          " : tensor<?x3x3x4xf32>\n";
  body += bnParams("bn2", 4, true, false, spec.params);
  body += "    %n2 = cnn.batch_norm %p, %bn2m, %bn2v gamma = %bn2g"
          " epsilon = 1.0e-02 momentum = 0.9 : tensor<?x2x2x4xf32>\n"
          "    %f = cnn.flatten %n2 : tensor<?x2x2x4xf32>\n"
          "    %d = cnn.dropout %f rate = 0.5 : tensor<?x16xf32>\n"
          "    %dk = cnn.param \"dense/kernel\" : tensor<16x3xf32>\n"
          "    %o = cnn.dense %d, %dk : tensor<?x16xf32>, tensor<16x3xf32>\n";
  spec.params.push_back({"dense/kernel", {16, 3}});
  body += bnParams("bn3", 3, false, true, spec.params);
  body += "    %y = cnn.batch_norm %o, %bn3m, %bn3v beta = %bn3b"
          " : tensor<?x3xf32>\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, 3, body, "%y");
  model.momentum = {{"bn1", 0.99}, {"bn2", 0.9}, {"bn3", 0.99}};

  auto run = [](bool training, const Tensor &input, const ParamValues &p,
                uint64_t seed, uint64_t step, TrainingTrace *trace) {
    Tensor c = conv2d(input, p.at("conv/kernel"), &p.at("conv/bias"), {1, 1},
                      {1, 1}, Padding::Valid, Activation::None);
    Tensor r = relu(bn(training, "bn1", c, p, true, true, 1e-3, trace));
    Tensor pooled = pool2d(PoolKind::Max, r, {2, 2},
                           std::array<int64_t, 2>{1, 1}, Padding::Valid);
    Tensor f =
        flatten(bn(training, "bn2", pooled, p, true, false, 1e-2, trace));
    if (training)
      f = dropoutTraining(f, 0.5, {seed, step, /*stream=*/0, std::nullopt});
    Tensor o = dense(f, p.at("dense/kernel"), nullptr, Activation::None);
    return bn(training, "bn3", o, p, false, true, 1e-3, trace);
  };
  spec.reference = [run](const Tensor &input, const ParamValues &p) {
    return run(false, input, p, 0, 0, nullptr);
  };
  model.training = [run](const Tensor &input, const ParamValues &p,
                         uint64_t seed, uint64_t step, TrainingTrace &trace) {
    return run(true, input, p, seed, step, &trace);
  };
  return model;
}

/// flatten -> bn (no gamma/beta, epsilon 1e-5) -> dense(bias) -> bn (gamma,
/// beta, momentum 0.5) -> dropout 0.25 seed 5 -> dropout 0 -> tanh -> dense.
NormModel makeDenseModel() {
  NormModel model;
  ModelSpec &spec = model.spec;
  spec.name = "bn_dense_dropout";
  spec.inputHWC = {3, 3, 2};
  spec.numClasses = 3;
  spec.cnncFlags = {"--optimizer=sgd"};
  std::string body = "    %f = cnn.flatten %x : tensor<?x3x3x2xf32>\n";
  body += bnParams("bn1", 18, false, false, spec.params);
  body += "    %n1 = cnn.batch_norm %f, %bn1m, %bn1v epsilon = 1.0e-05"
          " : tensor<?x18xf32>\n"
          "    %k1 = cnn.param \"hidden/kernel\" : tensor<18x6xf32>\n"
          "    %b1 = cnn.param \"hidden/bias\" : tensor<6xf32>\n"
          "    %h = cnn.dense %n1, %k1, %b1\n"
          "        : tensor<?x18xf32>, tensor<18x6xf32>, tensor<6xf32>\n";
  spec.params.push_back({"hidden/kernel", {18, 6}});
  spec.params.push_back({"hidden/bias", {6}});
  body += bnParams("bn2", 6, true, true, spec.params);
  body += "    %n2 = cnn.batch_norm %h, %bn2m, %bn2v gamma = %bn2g beta = "
          "%bn2b momentum = 0.5 : tensor<?x6xf32>\n"
          "    %d1 = cnn.dropout %n2 rate = 0.25 seed = 5 : tensor<?x6xf32>\n"
          "    %d2 = cnn.dropout %d1 rate = 0.0 : tensor<?x6xf32>\n"
          "    %t = cnn.tanh %d2 : tensor<?x6xf32>\n"
          "    %k2 = cnn.param \"out/kernel\" : tensor<6x3xf32>\n"
          "    %b2 = cnn.param \"out/bias\" : tensor<3xf32>\n"
          "    %y = cnn.dense %t, %k2, %b2\n"
          "        : tensor<?x6xf32>, tensor<6x3xf32>, tensor<3xf32>\n";
  spec.params.push_back({"out/kernel", {6, 3}});
  spec.params.push_back({"out/bias", {3}});
  spec.mlir = makeModule(spec.name, spec.inputHWC, 3, body, "%y");
  model.momentum = {{"bn1", 0.99}, {"bn2", 0.5}};

  auto run = [](bool training, const Tensor &input, const ParamValues &p,
                uint64_t seed, uint64_t step, TrainingTrace *trace) {
    Tensor n1 =
        bn(training, "bn1", flatten(input), p, false, false, 1e-5, trace);
    Tensor h = dense(n1, p.at("hidden/kernel"), &p.at("hidden/bias"),
                     Activation::None);
    Tensor n2 = bn(training, "bn2", h, p, true, true, 1e-3, trace);
    if (training) // the rate-0 dropout takes no stream
      n2 = dropoutTraining(n2, 0.25, {seed, step, /*stream=*/0, 5});
    return dense(tanh(n2), p.at("out/kernel"), &p.at("out/bias"),
                 Activation::None);
  };
  spec.reference = [run](const Tensor &input, const ParamValues &p) {
    return run(false, input, p, 0, 0, nullptr);
  };
  model.training = [run](const Tensor &input, const ParamValues &p,
                         uint64_t seed, uint64_t step, TrainingTrace &trace) {
    return run(true, input, p, seed, step, &trace);
  };
  return model;
}

std::vector<NormModel> normModels() {
  return {makeConvModel(), makeDenseModel()};
}

std::vector<ModelSpec> specsOf(const std::vector<NormModel> &models) {
  std::vector<ModelSpec> specs;
  for (const NormModel &model : models)
    specs.push_back(model.spec);
  return specs;
}

/// Mean sparse categorical cross-entropy of `logits` [N, K].
double crossEntropy(const Tensor &logits, const std::vector<int32_t> &labels) {
  int64_t n = logits.dim(0), k = logits.dim(1);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    double max = logits.at(i, 0);
    for (int64_t j = 1; j < k; ++j)
      max = std::max(max, logits.at(i, j));
    double sum = 0;
    for (int64_t j = 0; j < k; ++j)
      sum += std::exp(logits.at(i, j) - max);
    total += max + std::log(sum) - logits.at(i, labels[i]);
  }
  return n ? total / n : 0.0;
}

/// The offset of parameter `name` in the parameter buffer.
int64_t offsetOf(const cnnc_model_desc &desc, const std::string &name) {
  for (int64_t i = 0; i < desc.num_params; ++i)
    if (name == desc.params[i].name)
      return desc.params[i].offset;
  ADD_FAILURE() << "no parameter " << name;
  return 0;
}

void PrintTo(const NormModel &model, std::ostream *os) {
  *os << model.spec.name;
}

class NormalizationTest : public NumericTest {};

TEST_P(NormalizationTest, InferenceMatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, NormalizationTest,
                         numericCases(specsOf(normModels())), numericTestName);

class NormalizationTrainingTest : public ::testing::TestWithParam<NormModel> {};

TEST_P(NormalizationTrainingTest, TrainStepUsesBatchStatisticsAndMasks) {
  const NormModel &model = GetParam();
  const LoadedModel *loaded = loadModel(model.spec);
  ASSERT_NE(loaded, nullptr);
  const cnnc_model_desc &desc = *loaded->desc;
  checkDescriptor(desc, model.spec);
  ASSERT_NE(desc.train_step, nullptr);
  ASSERT_NE(desc.evaluate, nullptr);

  const int64_t batch = 7;
  const uint64_t seed = 0x123456789abcdefull, step = 3;
  auto [height, width, channels] = model.spec.inputHWC;
  std::vector<float> params = makeParams(desc, /*seed=*/4242);
  std::vector<float> input =
      makeInput(batch * height * width * channels, -2.0, 2.0, /*seed=*/77);
  std::mt19937 engine(5);
  std::vector<int32_t> labels(batch);
  for (int32_t &label : labels)
    label = std::uniform_int_distribution<int32_t>(0, 2)(engine);

  std::vector<float> updated = params;
  std::vector<float> velocity(desc.opt_state_elements, 0.0f);
  float loss = NAN;
  int64_t correct = -1;
  ASSERT_EQ(desc.train_step(updated.data(), velocity.data(), input.data(),
                            labels.data(), batch, /*learning_rate=*/0.0f, step,
                            seed, &loss, &correct),
            CNNC_OK);

  ParamValues values = viewParams(desc, params);
  Tensor images = toTensor(input, {batch, height, width, channels});
  TrainingTrace trace;
  Tensor logits = model.training(images, values, seed, step, trace);
  double reference = crossEntropy(logits, labels);
  EXPECT_NEAR(loss, reference, 1e-5 + 1e-5 * std::fabs(reference))
      << "training-mode loss of " << model.spec.name;

  // Learning rate 0: the trainable prefix is unchanged; the state is the
  // moving average of the batch moments.
  EXPECT_EQ(0, std::memcmp(updated.data(), params.data(),
                           desc.trainable_elements * sizeof(float)));
  ASSERT_EQ(trace.bnInputs.size(), model.momentum.size());
  for (const auto &[layer, x] : trace.bnInputs) {
    Moments moments = batchMoments(x);
    double momentum = model.momentum.at(layer);
    for (auto [name, statistic] :
         {std::pair<std::string, const Tensor *>{"moving_mean", &moments.mean},
          {"moving_variance", &moments.variance}}) {
      std::string param = layer + "/" + name;
      Tensor expected = movingAverage(values.at(param), *statistic, momentum);
      EXPECT_TRUE(allClose(updated.data() + offsetOf(desc, param), expected,
                           Tolerance{1e-6, 1e-5}))
          << param << " after one step of " << model.spec.name;
    }
  }

  // evaluate: inference mode on the parameters before the step.
  float evalLoss = NAN;
  int64_t evalCorrect = -1;
  ASSERT_EQ(desc.evaluate(params.data(), input.data(), labels.data(), batch,
                          &evalLoss, &evalCorrect),
            CNNC_OK);
  double inference = crossEntropy(model.spec.reference(images, values), labels);
  EXPECT_NEAR(evalLoss, inference, 1e-5 + 1e-5 * std::fabs(inference));
}

INSTANTIATE_TEST_SUITE_P(Numeric, NormalizationTrainingTest,
                         ::testing::ValuesIn(normModels()),
                         [](const ::testing::TestParamInfo<NormModel> &info) {
                           return info.param.spec.name;
                         });

} // namespace
