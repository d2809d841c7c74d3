//===- PoolTest.cpp - max/avg/min_pool2d against the reference ------------===//
//
// One tiny model per pooling configuration: pool followed by flatten. Each
// reduction runs with windows 2 and 3, default and explicit strides, valid
// and same padding, on odd and even inputs (same padding is uneven for a
// window of 2 on odd inputs and a window of 3, stride 2 on even inputs; for
// a window of 3, stride 2 on odd inputs it is one element on each side).
// Max pooling with same padding sees only negative inputs and min pooling
// only positive ones, so a zero-valued pad that wins the reduction shows.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

using namespace cnnc::numeric;

namespace {

using Pair = std::array<int64_t, 2>;

struct PoolCase {
  PoolKind kind;
  Pair input;
  int64_t channels;
  Pair window;
  std::optional<Pair> strides;
  Padding padding;
};

ModelSpec makePoolModel(const PoolCase &c) {
  Pair strides = c.strides.value_or(c.window);
  WindowDim rows =
      computeWindow(c.input[0], c.window[0], strides[0], 1, c.padding);
  WindowDim cols =
      computeWindow(c.input[1], c.window[1], strides[1], 1, c.padding);

  ModelSpec spec;
  spec.name = std::string(toString(c.kind)) + "_" + toString(c.padding) +
              "_in" + pairText(c.input, "x") + "c" +
              std::to_string(c.channels) + "_w" + pairText(c.window, "x") +
              (c.strides ? "_s" + pairText(*c.strides, "x") : "_sdefault");
  spec.inputHWC = {c.input[0], c.input[1], c.channels};
  spec.numClasses = rows.output * cols.output * c.channels;
  if (c.padding == Padding::Same && c.kind == PoolKind::Max) {
    spec.inputLow = -3.0;
    spec.inputHigh = -0.5;
  } else if (c.padding == Padding::Same && c.kind == PoolKind::Min) {
    spec.inputLow = 0.5;
    spec.inputHigh = 3.0;
  }

  std::string body = std::string("    %y = cnn.") + toString(c.kind) +
                     " %x window = [" + pairText(c.window, ", ") + "]";
  if (c.strides)
    body += " strides = [" + pairText(*c.strides, ", ") + "]";
  if (c.padding == Padding::Same)
    body += " padding = same";
  body += " : " + tensorType({c.input[0], c.input[1], c.channels}) + "\n";
  body += "    %f = cnn.flatten %y : " +
          tensorType({rows.output, cols.output, c.channels}) + "\n";
  spec.mlir = makeModule(spec.name, spec.inputHWC, spec.numClasses, body, "%f");

  spec.reference = [c](const Tensor &input, const ParamValues &) {
    return flatten(pool2d(c.kind, input, c.window, c.strides, c.padding));
  };
  return spec;
}

std::vector<ModelSpec> poolModels() {
  std::vector<ModelSpec> models;
  for (PoolKind kind : {PoolKind::Max, PoolKind::Avg, PoolKind::Min}) {
    std::vector<PoolCase> cases = {
        // Window 2, default stride: valid drops the last row, same pads it.
        {kind, {7, 9}, 2, {2, 2}, std::nullopt, Padding::Valid},
        {kind, {7, 9}, 2, {2, 2}, std::nullopt, Padding::Same},
        // Window 3: default stride 3; overlapping stride 1.
        {kind, {7, 9}, 2, {3, 3}, std::nullopt, Padding::Valid},
        {kind, {7, 9}, 2, {3, 3}, Pair{1, 1}, Padding::Valid},
        {kind, {7, 9}, 2, {3, 3}, std::nullopt, Padding::Same},
        // Window 3, stride 2: odd input pads 1 + 1, even input pads 0 + 1.
        {kind, {7, 9}, 2, {3, 3}, Pair{2, 2}, Padding::Same},
        {kind, {8, 6}, 2, {3, 3}, Pair{2, 2}, Padding::Same},
        // Non-square window and strides.
        {kind, {7, 9}, 3, {2, 3}, Pair{1, 2}, Padding::Same},
    };
    for (const PoolCase &c : cases)
      models.push_back(makePoolModel(c));
  }
  return models;
}

class PoolTest : public NumericTest {};

TEST_P(PoolTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, PoolTest, numericCases(poolModels()),
                         numericTestName);

} // namespace
