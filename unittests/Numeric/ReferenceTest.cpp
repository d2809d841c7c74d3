//===- ReferenceTest.cpp - the reference ops on hand-computed cases -------===//
//
// The numeric tests are only as good as the reference, so it is checked
// first on cases small enough to compute by hand: the padding split of
// `same`, a 3x3 image with a 2x2 difference filter, pooling windows that
// straddle the padding, a dense layer and a softmax.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace cnnc::numeric;

namespace {

/// A [1, 3, 3, 1] image holding 1..9 row by row, times `scale`.
Tensor ramp3x3(double scale = 1.0) {
  Tensor image({1, 3, 3, 1});
  for (int64_t i = 0; i < 9; ++i)
    image.data[i] = scale * static_cast<double>(i + 1);
  return image;
}

/// A [2, 2, 1, 1] filter computing x[i][j] - x[i+1][j+1] (undilated).
Tensor differenceFilter() {
  Tensor filter({2, 2, 1, 1});
  filter.at(0, 0, 0, 0) = 1.0;
  filter.at(1, 1, 0, 0) = -1.0;
  return filter;
}

TEST(ReferenceTest, WindowGeometry) {
  struct Row {
    int64_t input, window, stride, dilation;
    Padding padding;
    int64_t output, padBefore;
  } rows[] = {
      {7, 3, 1, 1, Padding::Valid, 5, 0},
      {7, 2, 2, 1, Padding::Valid, 3, 0},
      {9, 1, 2, 1, Padding::Valid, 5, 0},
      {5, 3, 1, 2, Padding::Valid, 1, 0}, // span 5
      {7, 3, 2, 1, Padding::Same, 4, 1},  // total 2: 1 + 1
      {8, 3, 2, 1, Padding::Same, 4, 0},  // total 1: 0 + 1
      {7, 2, 2, 1, Padding::Same, 4, 0},  // total 1: 0 + 1
      {7, 4, 1, 1, Padding::Same, 7, 1},  // total 3: 1 + 2
      {7, 3, 1, 2, Padding::Same, 7, 2},  // span 5, total 4: 2 + 2
      {5, 5, 2, 1, Padding::Same, 3, 2},  // total 4: 2 + 2
      {9, 3, 3, 1, Padding::Same, 3, 0},  // total 0
  };
  for (const Row &row : rows) {
    WindowDim dim = computeWindow(row.input, row.window, row.stride,
                                  row.dilation, row.padding);
    EXPECT_EQ(dim.output, row.output) << row.input << " " << row.window;
    EXPECT_EQ(dim.padBefore, row.padBefore) << row.input << " " << row.window;
  }
}

TEST(ReferenceTest, Conv2DValid) {
  Tensor out = conv2d(ramp3x3(), differenceFilter(), nullptr, {1, 1}, {1, 1},
                      Padding::Valid, Activation::None);
  ASSERT_EQ(out.shape, (std::vector<int64_t>{1, 2, 2, 1}));
  for (double value : out.data)
    EXPECT_DOUBLE_EQ(value, -4.0); // x[i][j] - x[i+1][j+1] = -4 everywhere
}

TEST(ReferenceTest, Conv2DSamePadsAfter) {
  // 2x2 filter, stride 1: one row/column of zeros after, none before.
  Tensor out = conv2d(ramp3x3(), differenceFilter(), nullptr, {1, 1}, {1, 1},
                      Padding::Same, Activation::None);
  ASSERT_EQ(out.shape, (std::vector<int64_t>{1, 3, 3, 1}));
  EXPECT_DOUBLE_EQ(out.at(0, 0, 0, 0), -4.0);
  EXPECT_DOUBLE_EQ(out.at(0, 0, 2, 0), 3.0); // 3 - pad
  EXPECT_DOUBLE_EQ(out.at(0, 2, 0, 0), 7.0); // 7 - pad
  EXPECT_DOUBLE_EQ(out.at(0, 2, 2, 0), 9.0);
}

TEST(ReferenceTest, Conv2DBiasActivationDilation) {
  Tensor bias({1});
  bias.data[0] = 0.5;
  Tensor relu = conv2d(ramp3x3(), differenceFilter(), &bias, {1, 1}, {1, 1},
                       Padding::Valid, Activation::Relu);
  for (double value : relu.data)
    EXPECT_DOUBLE_EQ(value, 0.0); // relu(-4 + 0.5)
  Tensor tanh = conv2d(ramp3x3(), differenceFilter(), &bias, {1, 1}, {1, 1},
                       Padding::Valid, Activation::Tanh);
  EXPECT_DOUBLE_EQ(tanh.data[0], std::tanh(-3.5));
  // Dilation 2 spreads the taps to x[0][0] and x[2][2].
  Tensor dilated = conv2d(ramp3x3(), differenceFilter(), nullptr, {1, 1},
                          {2, 2}, Padding::Valid, Activation::None);
  ASSERT_EQ(dilated.shape, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(dilated.data[0], 1.0 - 9.0);
  // Stride 2 with same padding on 3x3: outputs at rows/columns 0 and 2.
  Tensor strided = conv2d(ramp3x3(), differenceFilter(), nullptr, {2, 2},
                          {1, 1}, Padding::Same, Activation::None);
  ASSERT_EQ(strided.shape, (std::vector<int64_t>{1, 2, 2, 1}));
  EXPECT_DOUBLE_EQ(strided.at(0, 1, 1, 0), 9.0);
  EXPECT_DOUBLE_EQ(strided.at(0, 0, 1, 0), 3.0);
}

TEST(ReferenceTest, Conv2DChannels) {
  Tensor input({1, 1, 1, 2});
  input.data = {1.0, 2.0};
  Tensor filter({1, 1, 2, 3});
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t f = 0; f < 3; ++f)
      filter.at(0, 0, c, f) = static_cast<double>(c * 3 + f + 1);
  Tensor out = conv2d(input, filter, nullptr, {1, 1}, {1, 1}, Padding::Valid,
                      Activation::None);
  EXPECT_EQ(out.data, (std::vector<double>{9.0, 12.0, 15.0}));
}

TEST(ReferenceTest, PoolingIgnoresPadding) {
  // Window 2, stride 2, same on 3x3: windows {1,2,4,5} {3,6} {7,8} {9}.
  Tensor max =
      pool2d(PoolKind::Max, ramp3x3(), {2, 2}, std::nullopt, Padding::Same);
  EXPECT_EQ(max.data, (std::vector<double>{5.0, 6.0, 8.0, 9.0}));
  Tensor avg =
      pool2d(PoolKind::Avg, ramp3x3(), {2, 2}, std::nullopt, Padding::Same);
  EXPECT_EQ(avg.data, (std::vector<double>{3.0, 4.5, 7.5, 9.0}));
  Tensor min =
      pool2d(PoolKind::Min, ramp3x3(), {2, 2}, std::nullopt, Padding::Same);
  EXPECT_EQ(min.data, (std::vector<double>{1.0, 3.0, 7.0, 9.0}));
  // All-negative input: the padding (zero) must not win the max.
  Tensor negative =
      pool2d(PoolKind::Max, ramp3x3(-1.0), {2, 2}, std::nullopt, Padding::Same);
  EXPECT_EQ(negative.data, (std::vector<double>{-1.0, -3.0, -7.0, -9.0}));
  // Valid drops the incomplete windows.
  Tensor valid =
      pool2d(PoolKind::Max, ramp3x3(), {2, 2}, std::nullopt, Padding::Valid);
  EXPECT_EQ(valid.data, (std::vector<double>{5.0}));
  // Window 3, stride 1, same: the corner averages 4 elements, not 9.
  Tensor corner = pool2d(PoolKind::Avg, ramp3x3(), {3, 3},
                         std::array<int64_t, 2>{1, 1}, Padding::Same);
  EXPECT_DOUBLE_EQ(corner.at(0, 0, 0, 0), 3.0);
  EXPECT_DOUBLE_EQ(corner.at(0, 1, 1, 0), 5.0);
  EXPECT_DOUBLE_EQ(corner.at(0, 2, 1, 0), 6.5); // mean of 4,5,6,7,8,9
}

TEST(ReferenceTest, DenseFlattenSoftmaxAdd) {
  Tensor input({1, 2});
  input.data = {1.0, 2.0};
  Tensor kernel({2, 3});
  kernel.data = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
  Tensor bias({3});
  bias.data = {0.5, 0.0, -100.0};
  EXPECT_EQ(dense(input, kernel, &bias, Activation::None).data,
            (std::vector<double>{9.5, 12.0, -85.0}));
  EXPECT_EQ(dense(input, kernel, &bias, Activation::Relu).data,
            (std::vector<double>{9.5, 12.0, 0.0}));

  Tensor image = ramp3x3();
  Tensor flat = flatten(image);
  EXPECT_EQ(flat.shape, (std::vector<int64_t>{1, 9}));
  EXPECT_EQ(flat.data, image.data);

  Tensor logits({2, 2});
  logits.data = {0.0, std::log(3.0), 1000.0, 1000.0};
  Tensor probs = softmax(logits);
  EXPECT_DOUBLE_EQ(probs.at(0, 0), 0.25);
  EXPECT_DOUBLE_EQ(probs.at(0, 1), 0.75);
  EXPECT_DOUBLE_EQ(probs.at(1, 0), 0.5);
  EXPECT_DOUBLE_EQ(probs.at(1, 1), 0.5);

  EXPECT_EQ(add(input, input).data, (std::vector<double>{2.0, 4.0}));
  EXPECT_DOUBLE_EQ(activate(0.0, Activation::Sigmoid), 0.5);
  EXPECT_DOUBLE_EQ(activate(-1.0, Activation::Relu), 0.0);
  EXPECT_DOUBLE_EQ(activate(0.25, Activation::Tanh), std::tanh(0.25));
}

} // namespace
