//===- OptimizerTest.cpp - optimizer updates against Keras formulas -------===//
//
// A small network is compiled with Adam, AdamW (weight decay 0.05), SGD
// with momentum 0.9, SGD with Nesterov momentum 0.9, RMSprop (Keras
// defaults) and centered RMSprop with momentum 0.5, rho 0.8 and weight decay
// 0.01, and with plain SGD (momentum 0) as the gradient oracle (see
// readGradient). Four consecutive train_steps (step = 1..4,
// batches of 3, 5, 1 and 0 images) run on the optimizer's library; before
// each one the oracle gives the float gradient g at the same parameters and
// batch, and the new parameters and optimizer state are compared with the
// Keras update applied in double to the library's state before the step.
// After the last step, the state and parameters are also compared with the
// closed form of the whole trajectory (m_t = (1 - b1) sum b1^(t-i) g_i, ...).
// Running the sequence twice must give bit-identical results. A last test
// does the same determinism check on the reference CNN with cnnc's default
// flags.
//
// The constants are those of the compiled code and of Keras, which both
// hold them in float32: beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f,
// momentum = 0.9f, RMSprop's rho = 0.9f or 0.8f and momentum 0.5f, weight
// decays 0.05f and 0.01f (widened to double here). The Keras formulas are
// those of keras/src/optimizers/{adam,rmsprop}.py, with weight decay
// p -= lr * wd * p first (base_optimizer.py, _apply_weight_decay).
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

enum class Optimizer {
  Adam,
  AdamW,
  Momentum,
  Nesterov,
  RMSprop,
  RMSpropCenteredMomentum
};

struct OptimizerCase {
  std::string name;
  Optimizer optimizer;
  float learningRate;
};

void PrintTo(const OptimizerCase &c, std::ostream *os) { *os << c.name; }

const double kBeta1 = 0.9f, kBeta2 = 0.999f, kEpsilon = 1e-7f;
const double kMomentum = 0.9f;
const double kAdamWDecay = 0.05f;

/// RMSprop's hyperparameters of a case (Keras defaults for the plain one).
struct RMSpropConfig {
  double rho, momentum, weightDecay;
  bool centered;
};

RMSpropConfig rmspropConfig(Optimizer optimizer) {
  if (optimizer == Optimizer::RMSpropCenteredMomentum)
    return {0.8f, 0.5f, 0.01f, true};
  return {0.9f, 0.0, 0.0, false};
}

bool isRMSprop(Optimizer optimizer) {
  return optimizer == Optimizer::RMSprop ||
         optimizer == Optimizer::RMSpropCenteredMomentum;
}

/// Blocks of optimizer state per parameter (the documented layout).
int64_t stateBlocks(Optimizer optimizer) {
  switch (optimizer) {
  case Optimizer::Adam:
  case Optimizer::AdamW:
    return 2;
  case Optimizer::RMSpropCenteredMomentum:
    return 3; // velocity, momentum buffer, average gradient
  default:
    return 1;
  }
}

/// The batch sizes of steps 1, 2, 3, 4: the last one is empty (g = 0).
const int64_t kStepBatches[] = {3, 5, 1, 0};

/// flatten -> dense(6, tanh) -> dense(4), sparse categorical cross-entropy.
GradModel optimizerModel() {
  ModelBuilder builder("optimizer_net", {2, 3, 2});
  auto h = builder.dense(builder.flatten(builder.input()), "hidden", 6, true,
                         Activation::Tanh);
  return builder.finish(builder.dense(h, "out", 4, true, Activation::None),
                        Loss::SparseCategoricalCrossentropy);
}

/// `model` compiled with `flags` (Library.h's helpers cover Adam and SGD).
Library withFlags(const GradModel &model, const std::string &variant,
                  std::vector<std::string> flags) {
  Library library;
  library.key = model.spec.name + "_" + variant;
  library.spec = model.spec;
  flags.push_back(std::string("--loss=") + toString(model.loss));
  library.spec.cnncFlags = std::move(flags);
  return library;
}

Library libraryFor(const OptimizerCase &c) {
  GradModel model = optimizerModel();
  switch (c.optimizer) {
  case Optimizer::Adam:
    return adamLibrary(model);
  case Optimizer::AdamW:
    return withFlags(model, "adamw",
                     {"--optimizer=adamw", "--weight-decay=0.05"});
  case Optimizer::Momentum:
    return sgdLibrary(model, 0.9);
  case Optimizer::Nesterov:
    return sgdLibrary(model, 0.9, /*nesterov=*/true);
  case Optimizer::RMSprop:
    return withFlags(model, "rmsprop", {"--optimizer=rmsprop"});
  case Optimizer::RMSpropCenteredMomentum:
    return withFlags(model, "rmsprop_centered_momentum",
                     {"--optimizer=rmsprop", "--centered", "--momentum=0.5",
                      "--rho=0.8", "--weight-decay=0.01"});
  }
  return adamLibrary(model);
}

std::vector<OptimizerCase> optimizerCases() {
  std::vector<OptimizerCase> cases = {
      {"adam", Optimizer::Adam, 0.01f},
      {"sgd_momentum", Optimizer::Momentum, 0.1f},
      {"sgd_nesterov", Optimizer::Nesterov, 0.1f},
      {"adamw", Optimizer::AdamW, 0.01f},
      {"rmsprop", Optimizer::RMSprop, 0.01f},
      {"rmsprop_centered_momentum", Optimizer::RMSpropCenteredMomentum, 0.01f},
  };
  for (const OptimizerCase &c : cases)
    registerCase(c.name, {libraryFor(c), sgdLibrary(optimizerModel())});
  return cases;
}

/// Collects |got - expected| <= tolerance checks of one quantity and
/// reports the first few failures and the worst ratio.
class Comparison {
public:
  explicit Comparison(std::string what) : what(std::move(what)) {}

  void check(int64_t index, double got, double expected, double tolerance) {
    double error = std::fabs(got - expected);
    if (tolerance > 0 && !(error <= worst * tolerance))
      worst = error / tolerance;
    if (error <= tolerance)
      return;
    if (++failures <= 6)
      details << "\n  [" << index << "]: got " << got << ", expected "
              << expected << " (tolerance " << tolerance << ")";
  }

  ::testing::AssertionResult result() const {
    if (failures == 0)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << what << ": " << failures << " mismatches" << details.str();
  }

  double worstRatio() const { return worst; }

private:
  std::string what;
  int64_t failures = 0;
  double worst = 0.0;
  std::ostringstream details;
};

/// One run of the step sequence: parameters, state, losses and counts.
struct Trajectory {
  std::vector<float> params, state;
  std::vector<float> losses;
  std::vector<int64_t> correct;
};

/// One RMSprop step of parameter `i` (Keras's order, rmsprop.py) from the
/// library's state before the step (`stateBefore`) against the library's
/// state and parameters after it (`out`). The state is the velocity, then
/// the momentum buffer (momentum > 0), then the average gradient
/// (centered), blocks of `p`.
///
/// Tolerances: each state update rounds a few positive terms (1e-6 of
/// their sum). The increment lr g / sqrt(d) is computed from the library's
/// own new state, checked just above; d = v - a^2 + eps of the centered
/// form cancels, so its float error is ~1e-7 (v + a^2) and the increment's
/// relative error 1e-6 (1 + (v + a^2) / d).
void checkRMSpropStep(const RMSpropConfig &rms, double lr, int64_t i, int64_t p,
                      double g, double x, const std::vector<float> &stateBefore,
                      const Trajectory &out, Comparison &state,
                      Comparison &params) {
  int64_t momentumBlock = rms.momentum > 0 ? 1 : 0;
  int64_t averageBlock = momentumBlock + 1;
  double v = stateBefore[i];
  double newV = rms.rho * v + (1 - rms.rho) * g * g;
  state.check(i, out.state[i], newV,
              1e-6 * (rms.rho * v + (1 - rms.rho) * g * g));
  double libV = out.state[i], libA = 0;
  if (rms.centered) {
    int64_t at = averageBlock * p + i;
    double a = stateBefore[at];
    state.check(at, out.state[at], rms.rho * a + (1 - rms.rho) * g,
                1e-6 * (rms.rho * std::fabs(a) + (1 - rms.rho) * std::fabs(g)));
    libA = out.state[at];
  }
  double denominator = libV - libA * libA + kEpsilon;
  double increment = lr * g / std::sqrt(denominator);
  double incrementTolerance =
      1e-6 * std::fabs(increment) * (1 + (libV + libA * libA) / denominator);
  double decayed = x - x * rms.weightDecay * lr;
  double step = increment;
  if (rms.momentum > 0) {
    int64_t at = momentumBlock * p + i;
    double buffer = stateBefore[at];
    state.check(at, out.state[at], rms.momentum * buffer + increment,
                1e-6 * rms.momentum * std::fabs(buffer) + incrementTolerance);
    step = out.state[at]; // p loses the library's new buffer
    incrementTolerance = 1e-6 * std::fabs(step);
  }
  params.check(i, out.params[i], decayed - step,
               1e-6 * (std::fabs(x) + std::fabs(step)) + incrementTolerance);
}

/// Four RMSprop steps of parameter `i` from zero state, in double, against
/// the library's state and parameters after the last one. Tolerances: the
/// per-step budgets, carried into the next steps (a rounding of v or a
/// changes every later increment by half its relative size; the momentum
/// buffer keeps every increment's error).
void checkRMSpropTrajectory(const RMSpropConfig &rms, double lr, int64_t i,
                            int64_t p, const std::vector<std::vector<float>> &g,
                            double x, const Trajectory &out, Comparison &state,
                            Comparison &params) {
  double v = 0, a = 0, buffer = 0;
  double vScale = 0, aScale = 0, xScale = std::fabs(x);
  double bufferTolerance = 0, xTolerance = 0;
  for (int t = 1; t <= 4; ++t) {
    double gi = g[t - 1][i];
    x -= x * rms.weightDecay * lr;
    v = rms.rho * v + (1 - rms.rho) * gi * gi;
    vScale = rms.rho * vScale + gi * gi;
    double denominator = v + kEpsilon;
    if (rms.centered) {
      a = rms.rho * a + (1 - rms.rho) * gi;
      aScale = rms.rho * aScale + std::fabs(gi);
      denominator -= a * a;
    }
    double increment = lr * gi / std::sqrt(denominator);
    double incrementTolerance =
        4e-6 * std::fabs(increment) * (1 + (v + a * a) / denominator);
    double step = increment;
    if (rms.momentum > 0) {
      buffer = rms.momentum * buffer + increment;
      bufferTolerance = rms.momentum * bufferTolerance + incrementTolerance +
                        1e-6 * std::fabs(buffer);
      step = buffer;
      incrementTolerance = bufferTolerance;
    }
    x -= step;
    xScale += std::fabs(x);
    xTolerance += incrementTolerance;
  }
  state.check(i, out.state[i], v, 4e-6 * vScale);
  if (rms.momentum > 0)
    state.check(p + i, out.state[p + i], buffer, bufferTolerance);
  if (rms.centered) {
    int64_t at = (rms.momentum > 0 ? 2 : 1) * p + i;
    state.check(at, out.state[at], a, 4e-6 * aScale);
  }
  params.check(i, out.params[i], x, 4e-7 * xScale + xTolerance);
}

class OptimizerTest : public ::testing::TestWithParam<OptimizerCase> {};

TEST_P(OptimizerTest, MatchesKerasFormula) {
  const OptimizerCase &c = GetParam();
  GradModel model = optimizerModel();
  const cnnc_model_desc *target = loadLibrary(libraryFor(c));
  const cnnc_model_desc *oracle = loadLibrary(sgdLibrary(model));
  ASSERT_NE(target, nullptr);
  ASSERT_NE(oracle, nullptr);
  numeric::checkDescriptor(*target, model.spec);
  ASSERT_NE(target->train_step, nullptr);
  ASSERT_NE(target->optimizer, nullptr);
  bool adam = c.optimizer == Optimizer::Adam || c.optimizer == Optimizer::AdamW;
  bool rmsprop = isRMSprop(c.optimizer);
  const double adamDecay = c.optimizer == Optimizer::AdamW ? kAdamWDecay : 0.0;
  const RMSpropConfig rms = rmspropConfig(c.optimizer);
  EXPECT_STREQ(target->optimizer, c.optimizer == Optimizer::AdamW ? "adamw"
                                  : adam                          ? "adam"
                                  : rmsprop                       ? "rmsprop"
                                                                  : "sgd");
  const int64_t p = target->param_elements;
  ASSERT_EQ(p, oracle->param_elements);
  ASSERT_EQ(target->opt_state_elements, stateBlocks(c.optimizer) * p)
      << "Adam keeps m and v, SGD one velocity per parameter, RMSprop its "
         "velocity, momentum buffer and average gradient";
  const double lr = c.learningRate;

  const std::vector<float> initialParams =
      numeric::makeParams(*target, /*seed=*/4242);
  auto run = [&](Trajectory &out, std::vector<std::vector<float>> *gradients) {
    out.params = initialParams;
    out.state.assign(target->opt_state_elements, 0.0f);
    Comparison loss("loss"), state("optimizer state"), params("parameters");
    for (int64_t t = 1; t <= 4; ++t) {
      Batch batch =
          makeBatch(model.spec, kStepBatches[t - 1], 900 + uint32_t(t));
      const std::vector<float> before = out.params, stateBefore = out.state;
      StepResult oracleStep;
      if (gradients) {
        ASSERT_TRUE(readGradient(*oracle, before, batch, oracleStep))
            << "step " << t;
        gradients->push_back(oracleStep.gradient);
      }
      float stepLoss = std::nanf("");
      int64_t stepCorrect = -1;
      ASSERT_EQ(target->train_step(out.params.data(), out.state.data(),
                                   batch.input.data(), batch.labels.data(),
                                   batch.size, c.learningRate, t,
                                   kGradientSeed, &stepLoss, &stepCorrect),
                CNNC_OK)
          << "step " << t;
      out.losses.push_back(stepLoss);
      out.correct.push_back(stepCorrect);
      if (!gradients)
        continue;
      // The same forward as the oracle's, so the same loss and count.
      loss.check(t, stepLoss, oracleStep.loss,
                 1e-6 * (1 + std::fabs(oracleStep.loss)));
      EXPECT_EQ(stepCorrect, oracleStep.correct) << "step " << t;
      const std::vector<float> &g = oracleStep.gradient;

      // Tolerances: the float code rounds each of the few operations of an
      // update; 1e-6 of the sum of the magnitudes of the terms allows ~8
      // roundings. Adam's alpha also carries float pow(beta, t): 1 - beta2^t
      // ~ 1e-3 t loses ~4 digits to cancellation, so the step is allowed a
      // relative error of 1e-4 (Keras computes it in float too).
      for (int64_t i = 0; i < p; ++i) {
        double gi = g[i], pi = before[i];
        if (rmsprop) {
          checkRMSpropStep(rms, lr, i, p, gi, pi, stateBefore, out, state,
                           params);
        } else if (adam) {
          // AdamW decays the parameter first (exact for Adam: 0).
          double decayed = pi - pi * adamDecay * lr;
          double m = stateBefore[i], v = stateBefore[p + i];
          double newM = m + (gi - m) * (1 - kBeta1);
          double newV = v + (gi * gi - v) * (1 - kBeta2);
          state.check(i, out.state[i], newM,
                      1e-6 * (std::fabs(m) + std::fabs(gi)));
          state.check(p + i, out.state[p + i], newV, 1e-6 * (v + gi * gi));
          double alpha = lr * std::sqrt(1 - std::pow(kBeta2, double(t))) /
                         (1 - std::pow(kBeta1, double(t)));
          // From the library's own m and v (checked just above).
          double step = alpha * out.state[i] /
                        (std::sqrt(double(out.state[p + i])) + kEpsilon);
          // The decay rounds once more, relative to p.
          params.check(i, out.params[i], decayed - step,
                       1.2e-7 * std::fabs(decayed - step) +
                           1e-4 * std::fabs(step) +
                           (adamDecay > 0 ? 1.2e-7 * std::fabs(pi) : 0.0));
        } else {
          double v = stateBefore[i];
          double newV = kMomentum * v - lr * gi;
          state.check(i, out.state[i], newV,
                      1e-6 * (kMomentum * std::fabs(v) + lr * std::fabs(gi)));
          double newVLib = out.state[i];
          double delta = c.optimizer == Optimizer::Nesterov
                             ? kMomentum * newVLib - lr * gi
                             : newVLib;
          params.check(
              i, out.params[i], pi + delta,
              1e-6 * (std::fabs(pi) + std::fabs(newVLib) + lr * std::fabs(gi)));
        }
      }
    }
    if (!gradients)
      return;
    EXPECT_TRUE(loss.result());
    EXPECT_TRUE(state.result());
    EXPECT_TRUE(params.result());
    std::printf("[ report   ] %s: per-step worst error / tolerance: loss "
                "%.3g, state %.3g, parameters %.3g\n",
                c.name.c_str(), loss.worstRatio(), state.worstRatio(),
                params.worstRatio());
  };

  Trajectory first, second;
  std::vector<std::vector<float>> g; // g[t - 1]: the gradient of step t
  run(first, &g);
  if (HasFatalFailure())
    return;
  ASSERT_EQ(g.size(), 4u);

  // The closed form of four steps from zero state, in double.
  Comparison state("closed-form state"), params("closed-form parameters");
  for (int64_t i = 0; i < p; ++i) {
    if (rmsprop) {
      checkRMSpropTrajectory(rms, lr, i, p, g, initialParams[i], first, state,
                             params);
      continue;
    }
    double m = 0, v = 0, x = initialParams[i];
    // Tolerances: the per-step budgets above, summed over the steps, since
    // each step's rounding carries into the next ones.
    double mScale = 0, vScale = 0, xScale = std::fabs(x), stepTolerance = 0;
    for (int t = 1; t <= 4; ++t) {
      double gi = g[t - 1][i];
      if (adam) {
        x -= x * adamDecay * lr;
        m = kBeta1 * m + (1 - kBeta1) * gi;
        v = kBeta2 * v + (1 - kBeta2) * gi * gi;
        mScale = kBeta1 * mScale + std::fabs(gi);
        vScale = kBeta2 * vScale + gi * gi;
        double alpha =
            lr * std::sqrt(1 - std::pow(kBeta2, t)) / (1 - std::pow(kBeta1, t));
        double denominator = std::sqrt(v) + kEpsilon;
        double step = alpha * m / denominator;
        x -= step;
        // The step's own 1e-4, plus what the rounding of m (4e-6 of its
        // scale, as below) does to it.
        stepTolerance +=
            1e-4 * std::fabs(step) + alpha * 4e-6 * mScale / denominator;
      } else {
        m = kMomentum * m - lr * gi; // the velocity
        mScale = kMomentum * mScale + lr * std::fabs(gi);
        double delta =
            c.optimizer == Optimizer::Nesterov ? kMomentum * m - lr * gi : m;
        x += delta;
        stepTolerance += 4e-6 * std::fabs(delta);
      }
      xScale += std::fabs(x);
    }
    state.check(i, first.state[i], m, 4e-6 * mScale);
    if (adam)
      state.check(p + i, first.state[p + i], v, 4e-6 * vScale);
    params.check(i, first.params[i], x, 4e-7 * xScale + stepTolerance);
  }
  EXPECT_TRUE(state.result());
  EXPECT_TRUE(params.result());
  std::printf("[ report   ] %s: closed form worst error / tolerance: state "
              "%.3g, parameters %.3g\n",
              c.name.c_str(), state.worstRatio(), params.worstRatio());

  // Determinism: the same sequence again gives the same bits.
  run(second, nullptr);
  if (HasFatalFailure())
    return;
  EXPECT_EQ(0, std::memcmp(first.params.data(), second.params.data(),
                           first.params.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(first.state.data(), second.state.data(),
                           first.state.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(first.losses.data(), second.losses.data(),
                           first.losses.size() * sizeof(float)));
  EXPECT_EQ(first.correct, second.correct);
}

INSTANTIATE_TEST_SUITE_P(
    Gradient, OptimizerTest, ::testing::ValuesIn(optimizerCases()),
    [](const ::testing::TestParamInfo<OptimizerCase> &info) {
      return info.param.name;
    });

//===----------------------------------------------------------------------===//
// Determinism of the reference CNN
//===----------------------------------------------------------------------===//

std::string readFile(const std::string &path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

/// The shipped model with cnnc's default flags (Adam, sparse categorical
/// cross-entropy). Only its MLIR and parameter table matter here.
GradModel fashionMnistDefault() {
  GradModel model;
  model.spec.name = "fashion_mnist_cnn";
  model.spec.mlir = readFile(CNNC_EXAMPLES_DIR "/fashion_mnist_cnn.mlir");
  model.spec.inputHWC = {28, 28, 1};
  model.spec.numClasses = 10;
  model.spec.inputLow = 0.0;
  model.spec.inputHigh = 1.0;
  return model;
}

[[maybe_unused]] const bool determinismRegistered =
    (registerCase("FashionMnistAdamIsBitIdentical",
                  {defaultLibrary(fashionMnistDefault())}),
     true);

/// Three Adam steps (step 1, 2, 3; batches 8, 8, 3) twice from the same
/// parameters: every parameter, moment, loss and count is bit-identical.
TEST(Determinism, FashionMnistAdamIsBitIdentical) {
  GradModel model = fashionMnistDefault();
  const cnnc_model_desc *desc = loadLibrary(defaultLibrary(model));
  ASSERT_NE(desc, nullptr);
  ASSERT_NE(desc->train_step, nullptr);
  EXPECT_STREQ(desc->optimizer, "adam");
  EXPECT_STREQ(desc->loss, "sparse_categorical_crossentropy");
  std::vector<float> initial(desc->param_elements);
  ASSERT_EQ(desc->init_params(initial.data(), /*seed=*/5), CNNC_OK);
  Trajectory runs[2];
  for (Trajectory &run : runs) {
    run.params = initial;
    run.state.assign(desc->opt_state_elements, 0.0f);
    const int64_t sizes[] = {8, 8, 3};
    for (int64_t t = 1; t <= 3; ++t) {
      Batch batch = makeBatch(model.spec, sizes[t - 1], 31 + uint32_t(t));
      float loss = std::nanf("");
      int64_t correct = -1;
      ASSERT_EQ(desc->train_step(run.params.data(), run.state.data(),
                                 batch.input.data(), batch.labels.data(),
                                 batch.size, 1e-3f, t, kGradientSeed, &loss,
                                 &correct),
                CNNC_OK);
      run.losses.push_back(loss);
      run.correct.push_back(correct);
    }
  }
  EXPECT_NE(0, std::memcmp(runs[0].params.data(), initial.data(),
                           initial.size() * sizeof(float)))
      << "the steps did not change the parameters";
  EXPECT_EQ(0, std::memcmp(runs[0].params.data(), runs[1].params.data(),
                           initial.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(runs[0].state.data(), runs[1].state.data(),
                           runs[0].state.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(runs[0].losses.data(), runs[1].losses.data(),
                           runs[0].losses.size() * sizeof(float)));
  EXPECT_EQ(runs[0].correct, runs[1].correct);
}

} // namespace
