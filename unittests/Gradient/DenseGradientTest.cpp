//===- DenseGradientTest.cpp - dense, flatten and element-wise gradients --===//
//
// Every model starts from an NHWC input [?, 2, 3, 2], so flatten's gradient
// (a reshape back to NHWC) is on every path. Covered: cnn.dense with and
// without bias and each fused activation (followed by a dense head, so the
// head's input gradient is checked too); standalone relu/sigmoid/tanh on
// rank 4 and rank 2; softmax inside the model (before a dense layer, and as
// the output under mean squared error); cnn.add with one value feeding both
// operands, with two parameterized branches and on rank 4. A last test
// checks `correct` on logits with exact ties (relu outputs of 0).
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include <cstring>

using namespace cnnc::gradient;
namespace numeric = cnnc::numeric;

namespace {

constexpr std::array<int64_t, 3> kInput = {2, 3, 2};

/// flatten -> dense(6 units, `bias`, `activation`) -> dense head (4).
GradModel makeDenseModel(bool bias, Activation activation, Loss loss) {
  ModelBuilder builder(std::string("dense") + (bias ? "_bias_" : "_") +
                           toString(activation) + "_" + toString(loss),
                       kInput);
  auto h = builder.dense(builder.flatten(builder.input()), "dense", 6, bias,
                         activation);
  return builder.finish(builder.dense(h, "head", 4, true, Activation::None),
                        loss);
}

/// flatten -> dense(6) -> standalone `activation` -> dense head (4).
GradModel makeFlatActivationModel(Activation activation, Loss loss) {
  ModelBuilder builder(std::string("standalone_flat_") + toString(activation),
                       kInput);
  auto h = builder.dense(builder.flatten(builder.input()), "dense", 6, true,
                         Activation::None);
  h = builder.activation(activation, h);
  return builder.finish(builder.dense(h, "head", 4, true, Activation::None),
                        loss);
}

/// conv2d (same) -> standalone `activation` on rank 4 -> flatten.
GradModel makeNhwcActivationModel(Activation activation, Loss loss) {
  ModelBuilder builder(std::string("standalone_nhwc_") + toString(activation),
                       kInput);
  auto c = builder.conv2d(builder.input(), "conv", 2, {2, 2}, std::nullopt,
                          std::nullopt, Padding::Same, true, Activation::None);
  c = builder.activation(activation, c);
  return builder.finish(builder.flatten(c), loss);
}

/// flatten -> dense(6) -> softmax -> dense head (4): the loss sees logits
/// computed from probabilities, so softmax's own Jacobian is on the path.
GradModel makeSoftmaxModel() {
  ModelBuilder builder("softmax_then_dense", kInput);
  auto h = builder.dense(builder.flatten(builder.input()), "dense", 6, true,
                         Activation::None);
  h = builder.softmax(h);
  return builder.finish(builder.dense(h, "head", 4, true, Activation::None),
                        Loss::SparseCategoricalCrossentropy);
}

/// flatten -> dense(5) -> softmax as the output, under mean squared error.
GradModel makeSoftmaxOutputModel() {
  ModelBuilder builder("softmax_output_mse", kInput);
  auto h = builder.dense(builder.flatten(builder.input()), "dense", 5, true,
                         Activation::None);
  return builder.finish(builder.softmax(h), Loss::MeanSquaredError);
}

/// add(d, relu(d)) with d = dense(flatten(x)): one value feeds both operands
/// and relu, so its gradient is the sum of two paths.
GradModel makeAddSharedModel() {
  ModelBuilder builder("add_dense_relu_dense", kInput);
  auto d = builder.dense(builder.flatten(builder.input()), "dense", 5, true,
                         Activation::None);
  return builder.finish(builder.add(d, builder.activation(Activation::Relu, d)),
                        Loss::CategoricalCrossentropy);
}

/// tanh(add(dense_a(f), dense_b(f))) -> dense head: two parameterized
/// operands.
GradModel makeAddBranchesModel() {
  ModelBuilder builder("add_two_branches", kInput);
  auto f = builder.flatten(builder.input());
  auto a = builder.dense(f, "branch_a", 5, true, Activation::Sigmoid);
  auto b = builder.dense(f, "branch_b", 5, false, Activation::None);
  auto h = builder.activation(Activation::Tanh, builder.add(a, b));
  return builder.finish(builder.dense(h, "head", 3, true, Activation::None),
                        Loss::MeanSquaredError);
}

/// flatten(add(c, tanh(c))) with c = conv2d(x): a residual add on rank 4.
GradModel makeAddNhwcModel() {
  ModelBuilder builder("add_nhwc_residual", kInput);
  auto c = builder.conv2d(builder.input(), "conv", 3, {3, 3}, std::nullopt,
                          std::nullopt, Padding::Same, true, Activation::None);
  auto s = builder.add(c, builder.activation(Activation::Tanh, c));
  return builder.finish(builder.flatten(s),
                        Loss::SparseCategoricalCrossentropy);
}

/// flatten -> dense(3, relu) as the logits: rows whose units are all
/// negative give logits (0, 0, 0), an exact three-way tie.
GradModel makeReluLogitsModel() {
  ModelBuilder builder("dense_relu_logits", kInput);
  auto d = builder.dense(builder.flatten(builder.input()), "dense", 3, true,
                         Activation::Relu);
  return builder.finish(d, Loss::SparseCategoricalCrossentropy);
}

std::vector<GradModel> denseModels() {
  return {
      makeDenseModel(true, Activation::None,
                     Loss::SparseCategoricalCrossentropy),
      makeDenseModel(true, Activation::Relu, Loss::MeanSquaredError),
      makeDenseModel(true, Activation::Sigmoid, Loss::CategoricalCrossentropy),
      makeDenseModel(true, Activation::Tanh,
                     Loss::SparseCategoricalCrossentropy),
      makeDenseModel(false, Activation::None, Loss::MeanSquaredError),
      makeDenseModel(false, Activation::Tanh, Loss::CategoricalCrossentropy),
      makeReluLogitsModel(),
  };
}

std::vector<GradModel> elementwiseModels() {
  return {
      makeFlatActivationModel(Activation::Relu,
                              Loss::SparseCategoricalCrossentropy),
      makeFlatActivationModel(Activation::Sigmoid, Loss::MeanSquaredError),
      makeFlatActivationModel(Activation::Tanh, Loss::CategoricalCrossentropy),
      makeNhwcActivationModel(Activation::Relu, Loss::MeanSquaredError),
      makeNhwcActivationModel(Activation::Sigmoid,
                              Loss::SparseCategoricalCrossentropy),
      makeNhwcActivationModel(Activation::Tanh,
                              Loss::SparseCategoricalCrossentropy),
      makeSoftmaxModel(),
      makeSoftmaxOutputModel(),
      makeAddSharedModel(),
      makeAddBranchesModel(),
      makeAddNhwcModel(),
  };
}

class DenseGradientTest : public GradientTest {};
class ElementwiseGradientTest : public GradientTest {};

TEST_P(DenseGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

TEST_P(ElementwiseGradientTest, MatchesFiniteDifferences) {
  checkGradients(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Gradient, DenseGradientTest,
                         gradientCases(denseModels()), gradientTestName);

INSTANTIATE_TEST_SUITE_P(Gradient, ElementwiseGradientTest,
                         gradientCases(elementwiseModels()), gradientTestName);

// Compiled with the selected tests, like the suites above.
[[maybe_unused]] const bool correctCountRegistered =
    (registerCase("FirstMaximumWins", {sgdLibrary(makeReluLogitsModel())}),
     true);

/// `correct` counts a row when the *first* maximal logit is the label.
/// With negative biases many rows of the relu logits are (0, 0, 0); those
/// rows get label 0 (correct) or 1 (wrong) in turn, so a last-max or
/// any-max rule, or a count of ties as hits, changes the count.
TEST(CorrectCount, FirstMaximumWins) {
  GradModel model = makeReluLogitsModel();
  const cnnc_model_desc *desc = loadLibrary(sgdLibrary(model));
  ASSERT_NE(desc, nullptr);
  std::vector<float> params = numeric::makeParams(*desc, /*seed=*/77);
  for (int64_t i = 0; i < desc->num_params; ++i)
    if (std::strcmp(desc->params[i].name, "dense/bias") == 0)
      for (int64_t j = 0; j < desc->params[i].size; ++j)
        params[desc->params[i].offset + j] = -1.0f;
  const int64_t batchSize = 32;
  Batch batch = makeBatch(model.spec, batchSize, /*seed=*/78);
  Tensor logits =
      model
          .evaluate(numeric::toTensor(batch.input, {batchSize, 2, 3, 2}),
                    numeric::viewParams(*desc, params))
          .back();
  int64_t allZeroRows = 0, partialTies = 0;
  for (int64_t n = 0; n < batchSize; ++n) {
    int zeros = 0;
    for (int64_t k = 0; k < 3; ++k)
      zeros += logits.at(n, k) == 0.0;
    if (zeros == 3)
      batch.labels[n] = static_cast<int32_t>(allZeroRows++ % 2);
    else if (zeros == 2)
      ++partialTies;
  }
  ASSERT_GE(allZeroRows, 4) << "the test data has too few tied rows";
  int64_t expected = referenceCorrect(logits, batch.labels);

  float loss = 0.0f;
  int64_t correct = -1;
  ASSERT_EQ(desc->evaluate(params.data(), batch.input.data(),
                           batch.labels.data(), batchSize, &loss, &correct),
            CNNC_OK);
  EXPECT_EQ(correct, expected) << allZeroRows << " rows of (0, 0, 0), "
                               << partialTies << " rows with one positive";
  StepResult step;
  ASSERT_TRUE(readGradient(*desc, params, batch, step));
  EXPECT_EQ(step.correct, expected);
}

} // namespace
