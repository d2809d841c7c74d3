//===- ActivationGradientTest.cpp - gradients of every activation ---------===//
//
// Finite-difference checks of every Keras activation's gradient, in four
// models whose branches (one per kind) are summed:
// - fused into conv2d and into dense: differentiated from the layer's
//   output, except silu, gelu and hard_swish, which the layer's training
//   form splits off and differentiates from the pre-activation;
// - standalone after a conv2d: the layers with the fused form's parameters
//   fold into it (and split again in training), the others (LeakyReLU's
//   slope 0.3, elu alpha 0.5, the tanh gelu) stay layers with `alpha` or
//   `approximate` on their activation_grad;
// - standalone after a flatten of a dense output, so nothing folds and each
//   layer's own gradient rule runs.
// Inputs in [-4, 4] put the pre-activations on both sides of every kink
// (0, +-3, 6); differences that straddle one are skipped (Branches). The
// logits are sums of 12-15 branches, so their float rounding is larger than
// in single-layer models: the worst errors measured are 0.1-0.3 of the
// tolerance (each kind alone: 0.02-0.05), on the CPU and emulated GPU.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

using namespace cnnc::gradient;
using cnnc::numeric::kAllActivations;

namespace {

/// Appends the sum of `values` (cnn.add) and returns it.
ModelBuilder::Value sum(ModelBuilder &builder,
                        const std::vector<ModelBuilder::Value> &values) {
  ModelBuilder::Value total = values.front();
  for (size_t i = 1; i < values.size(); ++i)
    total = builder.add(total, values[i]);
  return total;
}

/// Every standalone layer applied to `x`: each kind with its defaults, then
/// the fused form's leaky_relu slope, elu alpha 0.5 and the tanh gelu.
std::vector<ModelBuilder::Value>
standaloneBranches(ModelBuilder &builder,
                   const std::function<ModelBuilder::Value(size_t)> &input) {
  std::vector<ModelBuilder::Value> branches;
  size_t i = 0;
  for (Activation kind : kAllActivations)
    branches.push_back(builder.activation(kind, input(i++)));
  branches.push_back(builder.leakyRelu(input(i++), 0.2f));
  branches.push_back(builder.elu(input(i++), 0.5f));
  branches.push_back(builder.gelu(input(i++), /*approximate=*/true));
  return branches;
}

constexpr std::array<int64_t, 3> kImage = {4, 4, 2};

/// conv2d(activation = k) per kind, summed.
GradModel makeConvFusedModel() {
  ModelBuilder builder("activation_grads_conv_fused", kImage);
  builder.setInputRange(-4, 4);
  std::vector<ModelBuilder::Value> branches;
  for (size_t i = 0; i < std::size(kAllActivations); ++i)
    branches.push_back(builder.conv2d(
        builder.input(), "conv" + std::to_string(i), 2, {3, 3}, std::nullopt,
        std::nullopt, Padding::Same, true, kAllActivations[i]));
  return builder.finish(builder.flatten(sum(builder, branches)),
                        Loss::SparseCategoricalCrossentropy);
}

/// dense(activation = k) per kind on the flat input, summed.
GradModel makeDenseFusedModel() {
  ModelBuilder builder("activation_grads_dense_fused", kImage);
  builder.setInputRange(-4, 4);
  ModelBuilder::Value flat = builder.flatten(builder.input());
  std::vector<ModelBuilder::Value> branches;
  for (size_t i = 0; i < std::size(kAllActivations); ++i)
    branches.push_back(builder.dense(flat, "dense" + std::to_string(i), 3, true,
                                     kAllActivations[i]));
  return builder.finish(sum(builder, branches), Loss::MeanSquaredError);
}

/// conv2d -> standalone layer, per variant, summed: the defaults fold.
GradModel makeConvStandaloneModel() {
  ModelBuilder builder("activation_grads_conv_standalone", kImage);
  builder.setInputRange(-4, 4);
  auto conv = [&](size_t i) {
    return builder.conv2d(builder.input(), "conv" + std::to_string(i), 2,
                          {3, 3}, std::nullopt, std::nullopt, Padding::Same,
                          true, Activation::None);
  };
  return builder.finish(
      builder.flatten(sum(builder, standaloneBranches(builder, conv))),
      Loss::CategoricalCrossentropy);
}

/// Per variant: dense -> flatten (an identity on rank 2, which is no layer
/// with a fused activation, so nothing folds and each layer's own gradient
/// rule runs) -> standalone layer; summed as the logits.
GradModel makeDenseStandaloneModel() {
  ModelBuilder builder("activation_grads_dense_standalone", kImage);
  builder.setInputRange(-4, 4);
  ModelBuilder::Value flat = builder.flatten(builder.input());
  auto dense = [&](size_t i) {
    return builder.flatten(builder.dense(flat, "dense" + std::to_string(i), 3,
                                         true, Activation::None));
  };
  return builder.finish(sum(builder, standaloneBranches(builder, dense)),
                        Loss::SparseCategoricalCrossentropy);
}

std::vector<GradModel> activationModels() {
  return {makeConvFusedModel(), makeDenseFusedModel(),
          makeConvStandaloneModel(), makeDenseStandaloneModel()};
}

class ActivationGradientTest : public GradientTest {};

TEST_P(ActivationGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Gradient, ActivationGradientTest,
                         gradientCases(activationModels()), gradientTestName);

} // namespace
