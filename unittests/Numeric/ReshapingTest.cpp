//===- ReshapingTest.cpp - global pooling, padding, concat vs reference ---===//
//
// Four tiny models, each compared with the double reference of
// ReshapingReference.h at every batch size:
//   - global average and max pooling, each with and without keepdims (the
//     keepdims forms flattened), joined by a concatenation of four [N, C]
//     tensors;
//   - zero padding, symmetric [1, 1, 1, 1] and asymmetric [0, 2, 3, 1],
//     flattened so that every padded zero and every moved element is a
//     logit;
//   - a concatenation of two and one of three NHWC tensors, one of them a
//     convolution of the input;
//   - an Inception-like block: a 1x1 convolution branch, a zero-padded 3x3
//     convolution branch and a 3x3 max-pooling branch concatenated, then
//     global average pooling and a dense layer.
// Max pooling sees inputs in [-2, 2], so a wrong identity (0 instead of
// -inf) would show on all-negative channels.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"
#include "ReshapingReference.h"

using namespace cnnc::numeric;

namespace {

ModelSpec globalPoolModel() {
  ModelSpec spec;
  spec.name = "global_pools_in5x6c3";
  spec.inputHWC = {5, 6, 3};
  spec.numClasses = 12;
  std::string x = tensorType({5, 6, 3}), kept = tensorType({1, 1, 3}),
              rows = tensorType({3});
  spec.mlir =
      makeModule(spec.name, spec.inputHWC, spec.numClasses,
                 "    %a = cnn.global_avg_pool2d %x : " + x + "\n" +
                     "    %ak = cnn.global_avg_pool2d %x keepdims : " + x +
                     "\n" + "    %af = cnn.flatten %ak : " + kept + "\n" +
                     "    %m = cnn.global_max_pool2d %x : " + x + "\n" +
                     "    %mk = cnn.global_max_pool2d %x keepdims : " + x +
                     "\n" + "    %mf = cnn.flatten %mk : " + kept + "\n" +
                     "    %y = cnn.concat %a, %af, %m, %mf : " + rows + ", " +
                     rows + ", " + rows + ", " + rows + "\n",
                 "%y");
  spec.reference = [](const Tensor &input, const ParamValues &) {
    Tensor a = globalPool2d(PoolKind::Avg, input, false);
    Tensor ak = flatten(globalPool2d(PoolKind::Avg, input, true));
    Tensor m = globalPool2d(PoolKind::Max, input, false);
    Tensor mk = flatten(globalPool2d(PoolKind::Max, input, true));
    return concat({&a, &ak, &m, &mk});
  };
  return spec;
}

ModelSpec zeroPadModel() {
  ModelSpec spec;
  spec.name = "zero_pad_in4x3c2";
  spec.inputHWC = {4, 3, 2};
  // [1, 1, 1, 1]: 6 x 5 x 2 = 60; [0, 2, 3, 1]: 6 x 7 x 2 = 84.
  spec.numClasses = 60 + 84;
  std::string x = tensorType({4, 3, 2});
  spec.mlir = makeModule(
      spec.name, spec.inputHWC, spec.numClasses,
      "    %s = cnn.zero_pad2d %x padding = [1, 1, 1, 1] : " + x + "\n" +
          "    %sf = cnn.flatten %s : " + tensorType({6, 5, 2}) + "\n" +
          "    %a = cnn.zero_pad2d %x padding = [0, 2, 3, 1] : " + x + "\n" +
          "    %af = cnn.flatten %a : " + tensorType({6, 7, 2}) + "\n" +
          "    %y = cnn.concat %sf, %af : " + tensorType({60}) + ", " +
          tensorType({84}) + "\n",
      "%y");
  spec.reference = [](const Tensor &input, const ParamValues &) {
    Tensor s = flatten(zeroPad2d(input, {1, 1, 1, 1}));
    Tensor a = flatten(zeroPad2d(input, {0, 2, 3, 1}));
    return concat({&s, &a});
  };
  return spec;
}

ModelSpec concatModel() {
  ModelSpec spec;
  spec.name = "concat_in3x4c2";
  spec.inputHWC = {3, 4, 2};
  spec.params = {{"conv/kernel", {1, 1, 2, 3}}, {"conv/bias", {3}}};
  // [x, conv(x)]: 5 channels; [conv(x), x, x]: 7 channels.
  spec.numClasses = 3 * 4 * (5 + 7);
  std::string x = tensorType({3, 4, 2}), c = tensorType({3, 4, 3});
  spec.mlir = makeModule(
      spec.name, spec.inputHWC, spec.numClasses,
      "    %k = cnn.param \"conv/kernel\" : tensor<1x1x2x3xf32>\n"
      "    %b = cnn.param \"conv/bias\" : tensor<3xf32>\n"
      "    %c = cnn.conv2d %x, %k, %b : " +
          x + ", tensor<1x1x2x3xf32>, tensor<3xf32>\n" +
          "    %two = cnn.concat %x, %c : " + x + ", " + c + "\n" +
          "    %three = cnn.concat %c, %x, %x : " + c + ", " + x + ", " + x +
          "\n" + "    %f2 = cnn.flatten %two : " + tensorType({3, 4, 5}) +
          "\n" + "    %f3 = cnn.flatten %three : " + tensorType({3, 4, 7}) +
          "\n" + "    %y = cnn.concat %f2, %f3 : " + tensorType({60}) + ", " +
          tensorType({84}) + "\n",
      "%y");
  spec.reference = [](const Tensor &input, const ParamValues &p) {
    Tensor c = conv2d(input, p.at("conv/kernel"), &p.at("conv/bias"), {1, 1},
                      {1, 1}, Padding::Valid, Activation::None);
    Tensor two = flatten(concat({&input, &c}));
    Tensor three = flatten(concat({&c, &input, &input}));
    return concat({&two, &three});
  };
  return spec;
}

/// 1x1 conv (3 filters, relu) | zero_pad 1 -> 3x3 conv (2 filters, relu) |
/// 3x3 max pooling, stride 1, same; concatenated to 7 channels, global
/// average pooling, dense to 4 logits.
ModelSpec inceptionModel() {
  ModelSpec spec;
  spec.name = "inception_block_in6x5c2";
  spec.inputHWC = {6, 5, 2};
  spec.numClasses = 4;
  spec.params = {{"branch1/kernel", {1, 1, 2, 3}}, {"branch1/bias", {3}},
                 {"branch3/kernel", {3, 3, 2, 2}}, {"branch3/bias", {2}},
                 {"head/kernel", {7, 4}},          {"head/bias", {4}}};
  std::string x = tensorType({6, 5, 2});
  spec.mlir = makeModule(
      spec.name, spec.inputHWC, spec.numClasses,
      "    %k1 = cnn.param \"branch1/kernel\" : tensor<1x1x2x3xf32>\n"
      "    %b1 = cnn.param \"branch1/bias\" : tensor<3xf32>\n"
      "    %k3 = cnn.param \"branch3/kernel\" : tensor<3x3x2x2xf32>\n"
      "    %b3 = cnn.param \"branch3/bias\" : tensor<2xf32>\n"
      "    %kh = cnn.param \"head/kernel\" : tensor<7x4xf32>\n"
      "    %bh = cnn.param \"head/bias\" : tensor<4xf32>\n"
      "    %c1 = cnn.conv2d %x, %k1, %b1 activation = relu : " +
          x + ", tensor<1x1x2x3xf32>, tensor<3xf32>\n" +
          "    %p = cnn.zero_pad2d %x padding = [1, 1, 1, 1] : " + x + "\n" +
          "    %c3 = cnn.conv2d %p, %k3, %b3 activation = relu : " +
          tensorType({8, 7, 2}) + ", tensor<3x3x2x2xf32>, tensor<2xf32>\n" +
          "    %mp = cnn.max_pool2d %x window = [3, 3] strides = [1, 1] "
          "padding = same : " +
          x + "\n" +
          "    %cat = cnn.concat %c1, %c3, %mp : " + tensorType({6, 5, 3}) +
          ", " + tensorType({6, 5, 2}) + ", " + x + "\n" +
          "    %g = cnn.global_avg_pool2d %cat : " + tensorType({6, 5, 7}) +
          "\n" + "    %y = cnn.dense %g, %kh, %bh : " + tensorType({7}) +
          ", tensor<7x4xf32>, tensor<4xf32>\n",
      "%y");
  spec.reference = [](const Tensor &input, const ParamValues &p) {
    Tensor c1 = conv2d(input, p.at("branch1/kernel"), &p.at("branch1/bias"),
                       {1, 1}, {1, 1}, Padding::Valid, Activation::Relu);
    Tensor c3 = conv2d(zeroPad2d(input, {1, 1, 1, 1}), p.at("branch3/kernel"),
                       &p.at("branch3/bias"), {1, 1}, {1, 1}, Padding::Valid,
                       Activation::Relu);
    Tensor mp = pool2d(PoolKind::Max, input, {3, 3},
                       std::array<int64_t, 2>{1, 1}, Padding::Same);
    Tensor pooled = globalPool2d(PoolKind::Avg, concat({&c1, &c3, &mp}), false);
    return dense(pooled, p.at("head/kernel"), &p.at("head/bias"),
                 Activation::None);
  };
  return spec;
}

class ReshapingTest : public NumericTest {};

TEST_P(ReshapingTest, MatchesReference) {
  checkModel(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Numeric, ReshapingTest,
                         numericCases({globalPoolModel(), zeroPadModel(),
                                       concatModel(), inceptionModel()}),
                         numericTestName);

} // namespace
