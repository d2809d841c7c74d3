//===- GradientCheck.h - gradients vs finite differences --------*- C++ -*-===//
//
// The analytic gradient of a compiled model is read from one train_step of
// its SGD library (momentum 0, learning rate 1): the new velocity is
// 0 * 0 - 1 * g = -g, exactly the float gradient the library computed, and
// the new parameters must be p - g rounded once. The numerical gradient is a
// central difference, in double, of the reference forward (ModelBuilder's
// graph) followed by the reference loss, at the same float-valued
// parameters and inputs.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_GRADIENT_GRADIENTCHECK_H
#define CNNC_UNITTESTS_GRADIENT_GRADIENTCHECK_H

#include "Library.h"

#include <cstdint>
#include <vector>

namespace cnnc::gradient {

/// Acceptance rule of a gradient coordinate:
///   |analytic - numeric| <= atol + rtol * |numeric|.
///
/// The numerical side is accurate to ~1e-9: central differences with
/// h = 1e-6 * max(1, |p|) have a truncation error h^2 |L'''| / 6 (~1e-12
/// for O(1) derivatives, ~1e-8 for the logits of ~100 of one loss test) and
/// a cancellation error ~ 1e-16 |L| / h ~ 1e-10. The analytic side is
/// float32: each gradient is a sum over the batch and the spatial positions
/// (up to ~2,000 products in the reference CNN) of float products whose own
/// inputs carry float rounding, and exp/tanh are approximated, so its error
/// is ~1e-7 relative to the sum of the magnitudes of the terms, which can be
/// larger than the (cancelling) result. Measured on every model here
/// (gradients of O(0.001) to O(30)), the worst error is 1.6e-7 where
/// |numeric| < 0.01 and below 1e-6 relative where it is larger: at most
/// ~1/30 of this tolerance (each test prints its worst ratio). A real error in
/// a backward rule (a dropped tap, a misplaced pad, a transposed kernel, a
/// missing 1/N) changes gradients by 1% or more of their size.
struct GradTolerance {
  double atol = 5e-6;
  double rtol = 5e-5;
};

/// Acceptance rule of the loss value: float32 forward and log-sum-exp
/// against the double reference, |loss - ref| <= atol + rtol * |ref|.
struct LossTolerance {
  double atol = 1e-5;
  double rtol = 1e-5;
};

/// One batch of inputs and labels.
struct Batch {
  int64_t size = 0;
  std::vector<float> input;
  std::vector<int32_t> labels;
};

/// `size` images uniform in the model's input range and labels uniform in
/// [0, num_classes), from `seed`. Never empty, so batch 0 still gets
/// non-null buffers.
Batch makeBatch(const ModelSpec &spec, int64_t size, uint32_t seed);

/// The random seed readGradient passes to train_step (dropout masks).
inline constexpr uint64_t kGradientSeed = 20241204;

/// What one SGD step reveals.
struct StepResult {
  /// The gradient of the mean loss, laid out like the parameters (0 for
  /// non-trainable state).
  std::vector<float> gradient;
  /// The parameters after the step: p - g for the trainable ones, the
  /// layers' updated state for the others.
  std::vector<float> params;
  float loss = 0.0f;
  int64_t correct = 0;
};

/// Runs train_step of `desc` (an SGD library compiled with momentum 0) with
/// learning rate 1, zero velocity and seed kGradientSeed on a copy of
/// `params` and returns the gradient (-velocity) of the trainable
/// parameters, the parameters after the step, loss and correct count.
/// Fails when train_step does not return CNNC_OK or the update of a
/// trainable parameter is not p - g.
::testing::AssertionResult readGradient(const cnnc_model_desc &desc,
                                        const std::vector<float> &params,
                                        const Batch &batch, StepResult &out);

/// Options of checkGradients.
struct GradientCheckOptions {
  /// One train_step per batch size, each on fresh parameters and data.
  std::vector<int64_t> batches = {3, 5, 1};
  /// Parameter coordinates checked per tensor; all when the tensor is
  /// smaller (a seeded random subset otherwise).
  int64_t maxPerTensor = 1 << 30;
  GradTolerance tolerance;
  LossTolerance lossTolerance;
  uint32_t seed = 20240611;
};

/// The whole check of one model: loads its SGD library, checks the
/// descriptor and, per batch size, the loss and correct count of train_step
/// and evaluate against the reference, then every selected gradient
/// coordinate against central differences. A coordinate whose difference
/// straddles a kink (some relu pre-activation changes sign, or some max/min
/// window changes winner, between p and p +- h; see Branches) is skipped and
/// counted; at most 5% may be skipped.
void checkGradients(const GradModel &model,
                    const GradientCheckOptions &options = {});

/// A suite of gradient checks, one test per model.
class GradientTest : public ::testing::TestWithParam<GradModel> {};

/// The parameters of a gradient suite; registers each model's SGD library
/// under the model's name (the test name's last component), so the selected
/// ones are compiled in parallel before the tests run.
inline auto gradientCases(const std::vector<GradModel> &models) {
  for (const GradModel &model : models)
    registerCase(model.spec.name, {sgdLibrary(model)});
  return ::testing::ValuesIn(models);
}

/// The model's name.
std::string gradientTestName(const ::testing::TestParamInfo<GradModel> &info);

/// Prints a model as its name (gtest would otherwise dump its bytes).
void PrintTo(const GradModel &model, std::ostream *os);

} // namespace cnnc::gradient

#endif // CNNC_UNITTESTS_GRADIENT_GRADIENTCHECK_H
