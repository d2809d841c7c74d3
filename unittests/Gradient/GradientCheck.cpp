//===- GradientCheck.cpp - compiled gradients vs finite differences -------===//
//
// See GradientCheck.h. Every failure message names the model, the batch
// size, the parameter tensor and the element, with both gradients.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>

namespace cnnc::gradient {

using numeric::makeParams;
using numeric::toTensor;
using numeric::viewParams;

Batch makeBatch(const ModelSpec &spec, int64_t size, uint32_t seed) {
  auto [height, width, channels] = spec.inputHWC;
  Batch batch;
  batch.size = size;
  batch.input =
      numeric::makeInput(std::max<int64_t>(size, 1) * height * width * channels,
                         spec.inputLow, spec.inputHigh, seed);
  std::mt19937 engine(seed ^ 0x9e3779b9u);
  std::uniform_int_distribution<int32_t> label(
      0, static_cast<int32_t>(spec.numClasses - 1));
  batch.labels.resize(std::max<int64_t>(size, 1));
  for (int32_t &value : batch.labels)
    value = label(engine);
  return batch;
}

::testing::AssertionResult readGradient(const cnnc_model_desc &desc,
                                        const std::vector<float> &params,
                                        const Batch &batch, StepResult &out) {
  std::vector<float> updated = params;
  std::vector<float> velocity(std::max<int64_t>(desc.opt_state_elements, 1),
                              0.0f);
  out.loss = std::nanf("");
  out.correct = -1;
  int32_t rc =
      desc.train_step(updated.data(), velocity.data(), batch.input.data(),
                      batch.labels.data(), batch.size, /*learning_rate=*/1.0f,
                      /*step=*/1, kGradientSeed, &out.loss, &out.correct);
  if (rc != CNNC_OK)
    return ::testing::AssertionFailure() << "train_step returned " << rc;
  out.params = updated;
  // Non-trainable state has no gradient; train_step updates it itself.
  out.gradient.assign(desc.param_elements, 0.0f);
  for (int64_t i = 0; i < desc.trainable_elements; ++i) {
    out.gradient[i] = -velocity[i];
    // p - g, rounded once to float: at most half an ulp of the result.
    double expected = double(params[i]) - double(out.gradient[i]);
    if (!(std::fabs(double(updated[i]) - expected) <=
          std::ldexp(std::fabs(expected), -24)))
      return ::testing::AssertionFailure()
             << "SGD (momentum 0, lr 1) set parameter " << i << " to "
             << updated[i] << " but p - g = " << params[i] << " - "
             << out.gradient[i] << " = " << expected;
  }
  return ::testing::AssertionSuccess();
}

namespace {

/// One parameter coordinate: tensor index in the descriptor and element.
struct Coordinate {
  int64_t param;
  int64_t element;
};

/// The coordinates to check: every element of small trainable tensors, a
/// seeded sample of `limit` distinct elements of larger ones. Non-trainable
/// state has no gradient (the loss may well depend on it).
std::vector<Coordinate> chooseCoordinates(const cnnc_model_desc &desc,
                                          int64_t limit, uint32_t seed) {
  std::vector<Coordinate> coordinates;
  std::mt19937 engine(seed);
  for (int64_t i = 0; i < desc.num_params; ++i) {
    if (!desc.params[i].trainable)
      continue;
    std::vector<int64_t> elements(desc.params[i].size);
    std::iota(elements.begin(), elements.end(), 0);
    if (desc.params[i].size > limit) {
      std::shuffle(elements.begin(), elements.end(), engine);
      elements.resize(limit);
      std::sort(elements.begin(), elements.end());
    }
    for (int64_t element : elements)
      coordinates.push_back({i, element});
  }
  return coordinates;
}

/// Statistics of one model, printed in the test's output.
struct Report {
  int64_t checked = 0, skipped = 0, mismatches = 0;
  double worstRatio = 0.0; // max |analytic - numeric| / tolerance
  double worstLossError = 0.0;
  /// The closest any relu pre-activation or max/min runner-up came to its
  /// kink at the test points (see Branches::margin).
  double margin = std::numeric_limits<double>::infinity();
  int64_t ties = 0;
};

/// Checks the descriptor of an SGD library of `model`.
void checkTrainingDescriptor(const cnnc_model_desc &desc,
                             const GradModel &model) {
  numeric::checkDescriptor(desc, model.spec);
  if (::testing::Test::HasFatalFailure())
    return;
  ASSERT_NE(desc.train_step, nullptr);
  ASSERT_NE(desc.evaluate, nullptr);
  ASSERT_NE(desc.optimizer, nullptr);
  ASSERT_NE(desc.loss, nullptr);
  EXPECT_STREQ(desc.optimizer, "sgd");
  EXPECT_STREQ(desc.loss, toString(model.loss));
  ASSERT_EQ(desc.opt_state_elements, desc.trainable_elements)
      << "SGD keeps one velocity per parameter";
}

/// The loss and correct count of train_step (already in `step`) and of
/// evaluate against the reference on the logits of `values`.
void checkLoss(const cnnc_model_desc &desc, const GradModel &model,
               const std::vector<float> &params, const Batch &batch,
               const StepResult &step, const Tensor &logits,
               const LossTolerance &tolerance, Report &report) {
  double reference = referenceLoss(logits, batch.labels, model.loss);
  int64_t correct = referenceCorrect(logits, batch.labels);
  float evalLoss = std::nanf("");
  int64_t evalCorrect = -1;
  std::vector<float> paramsCopy = params;
  ASSERT_EQ(desc.evaluate(paramsCopy.data(), batch.input.data(),
                          batch.labels.data(), batch.size, &evalLoss,
                          &evalCorrect),
            CNNC_OK);
  EXPECT_EQ(0, std::memcmp(paramsCopy.data(), params.data(),
                           params.size() * sizeof(float)))
      << "evaluate modified the parameters";
  double allowed = tolerance.atol + tolerance.rtol * std::fabs(reference);
  for (auto [what, loss, count] : {std::tuple<const char *, float, int64_t>{
                                       "train_step", step.loss, step.correct},
                                   std::tuple<const char *, float, int64_t>{
                                       "evaluate", evalLoss, evalCorrect}}) {
    double error = std::fabs(double(loss) - reference);
    EXPECT_LE(error, allowed)
        << what << " loss " << loss << ", reference " << reference;
    if (!(error <= report.worstLossError))
      report.worstLossError = error;
    EXPECT_EQ(count, correct) << what << " correct count";
  }
}

} // namespace

void checkGradients(const GradModel &model,
                    const GradientCheckOptions &options) {
  const cnnc_model_desc *loaded = loadLibrary(sgdLibrary(model));
  ASSERT_NE(loaded, nullptr);
  const cnnc_model_desc &desc = *loaded;
  checkTrainingDescriptor(desc, model);
  if (::testing::Test::HasFatalFailure())
    return;

  auto [height, width, channels] = model.spec.inputHWC;
  const GradTolerance tol = options.tolerance;
  Report report;
  std::ostringstream details; // the first few mismatches
  for (size_t round = 0; round < options.batches.size(); ++round) {
    int64_t batchSize = options.batches[round];
    uint32_t seed = options.seed + 101 * static_cast<uint32_t>(round);
    std::vector<float> params = makeParams(desc, seed);
    Batch batch = makeBatch(model.spec, batchSize, seed + 1);

    StepResult step;
    ASSERT_TRUE(readGradient(desc, params, batch, step))
        << "model " << model.spec.name << ", batch " << batchSize;

    ParamValues values = viewParams(desc, params);
    std::vector<float> input(batch.input.begin(),
                             batch.input.begin() +
                                 batchSize * height * width * channels);
    std::vector<Branches> baseBranches;
    std::vector<Tensor> activations =
        model.evaluate(toTensor(input, {batchSize, height, width, channels}),
                       values, &baseBranches);
    for (const Branches &branches : baseBranches) {
      report.margin = std::min(report.margin, branches.margin);
      report.ties += branches.ties;
    }
    checkLoss(desc, model, params, batch, step, activations.back(),
              options.lossTolerance, report);
    std::vector<int32_t> labels(batch.labels.begin(),
                                batch.labels.begin() + batchSize);

    for (const Coordinate &c :
         chooseCoordinates(desc, options.maxPerTensor, seed + 2)) {
      const cnnc_param_info &info = desc.params[c.param];
      double &value = values.at(info.name).data[c.element];
      const double original = value;
      const double h = 1e-6 * std::max(1.0, std::fabs(original));
      size_t first = model.firstUser(info.name);
      bool straddles = false;
      auto lossAt = [&](double x) {
        value = x;
        std::vector<Branches> branches;
        Tensor logits =
            model.evaluateFrom(activations, first, values, &branches);
        for (size_t i = 0; i < branches.size(); ++i)
          straddles |= branches[i].taken != baseBranches[first + i].taken;
        return referenceLoss(logits, labels, model.loss);
      };
      double plus = lossAt(original + h), minus = lossAt(original - h);
      value = original;
      if (straddles) {
        ++report.skipped; // a relu or a window changes branch within +-h
        continue;
      }
      double numeric = (plus - minus) / (2 * h);
      double allowed = tol.atol + tol.rtol * std::fabs(numeric);
      ++report.checked;
      double analytic = step.gradient[info.offset + c.element];
      double error = std::fabs(analytic - numeric);
      if (!(error <= report.worstRatio * allowed))
        report.worstRatio = error / allowed;
      if (error <= allowed)
        continue;
      if (++report.mismatches <= 10)
        details << "\n  batch " << batchSize << ", " << info.name << "["
                << c.element << "]: analytic " << analytic << ", numeric "
                << numeric;
    }
  }

  std::printf("[ report   ] %s: %lld coordinates, %lld skipped at kinks, "
              "worst |analytic - numeric| / tolerance %.3g, worst loss "
              "error %.3g, kink margin %.3g (%lld exact window ties)\n",
              model.spec.name.c_str(), static_cast<long long>(report.checked),
              static_cast<long long>(report.skipped), report.worstRatio,
              report.worstLossError, report.margin,
              static_cast<long long>(report.ties));
  EXPECT_EQ(report.mismatches, 0)
      << "model " << model.spec.name << ": " << report.mismatches << " of "
      << report.checked << " gradient coordinates outside |analytic - "
      << "numeric| <= " << tol.atol << " + " << tol.rtol << " * |numeric|"
      << details.str() << "\nmodule:\n"
      << model.spec.mlir;
  EXPECT_GT(report.checked, 0);
  EXPECT_LE(report.skipped * 20, report.checked + report.skipped)
      << "more than 5% of the coordinates sit at a kink: the test data "
         "should keep pre-activations and window elements apart";
}

std::string gradientTestName(const ::testing::TestParamInfo<GradModel> &info) {
  return info.param.spec.name;
}

void PrintTo(const GradModel &model, std::ostream *os) {
  *os << model.spec.name;
}

} // namespace cnnc::gradient
