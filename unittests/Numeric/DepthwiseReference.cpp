//===- DepthwiseReference.cpp - double reference of depthwise conv --------===//
//
// Straight loops over every output element, as Reference.cpp: which input
// positions a tap covers, which of them lie inside the image, and which
// input channel and kernel slice an output channel reads.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseReference.h"

#include <cstdio>
#include <cstdlib>

namespace cnnc::numeric {

namespace {

/// Aborts on a malformed call: a bug in the test, not in the compiler.
void require(bool condition, const char *message) {
  if (condition)
    return;
  std::fprintf(stderr, "depthwise reference: %s\n", message);
  std::abort();
}

} // namespace

Tensor depthwiseConv2d(const Tensor &input, const Tensor &kernel,
                       const Tensor *bias, std::array<int64_t, 2> strides,
                       std::array<int64_t, 2> dilations, Padding padding,
                       Activation activation) {
  require(input.rank() == 4 && kernel.rank() == 4, "depthwise needs rank 4");
  require(input.dim(3) == kernel.dim(2), "depthwise channel mismatch");
  int64_t batch = input.dim(0), height = input.dim(1), width = input.dim(2);
  int64_t channels = input.dim(3), multiplier = kernel.dim(3);
  int64_t kernelH = kernel.dim(0), kernelW = kernel.dim(1);
  require(!bias || (bias->rank() == 1 && bias->dim(0) == channels * multiplier),
          "depthwise bias shape");
  WindowDim rows =
      computeWindow(height, kernelH, strides[0], dilations[0], padding);
  WindowDim cols =
      computeWindow(width, kernelW, strides[1], dilations[1], padding);

  Tensor output({batch, rows.output, cols.output, channels * multiplier});
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oh = 0; oh < rows.output; ++oh)
      for (int64_t ow = 0; ow < cols.output; ++ow)
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t m = 0; m < multiplier; ++m) {
            double sum = 0.0;
            for (int64_t kh = 0; kh < kernelH; ++kh) {
              int64_t ih = oh * strides[0] - rows.padBefore + kh * dilations[0];
              if (ih < 0 || ih >= height)
                continue; // zero padding contributes nothing
              for (int64_t kw = 0; kw < kernelW; ++kw) {
                int64_t iw =
                    ow * strides[1] - cols.padBefore + kw * dilations[1];
                if (iw < 0 || iw >= width)
                  continue;
                sum += input.at(n, ih, iw, c) * kernel.at(kh, kw, c, m);
              }
            }
            int64_t channel = c * multiplier + m; // tf.nn.depthwise_conv2d
            if (bias)
              sum += bias->data[channel];
            output.at(n, oh, ow, channel) = activate(sum, activation);
          }
  return output;
}

Tensor separableConv2d(const Tensor &input, const Tensor &depthwiseKernel,
                       const Tensor &pointwiseKernel, const Tensor *bias,
                       std::array<int64_t, 2> strides,
                       std::array<int64_t, 2> dilations, Padding padding,
                       Activation activation) {
  require(pointwiseKernel.rank() == 4 && pointwiseKernel.dim(0) == 1 &&
              pointwiseKernel.dim(1) == 1,
          "pointwise kernel must be [1, 1, C * M, F]");
  Tensor depthwise = depthwiseConv2d(input, depthwiseKernel, nullptr, strides,
                                     dilations, padding, Activation::None);
  int64_t channels = depthwise.dim(3), filters = pointwiseKernel.dim(3);
  require(pointwiseKernel.dim(2) == channels, "pointwise channel mismatch");
  require(!bias || (bias->rank() == 1 && bias->dim(0) == filters),
          "separable bias shape");
  Tensor output(
      {depthwise.dim(0), depthwise.dim(1), depthwise.dim(2), filters});
  for (int64_t n = 0; n < depthwise.dim(0); ++n)
    for (int64_t h = 0; h < depthwise.dim(1); ++h)
      for (int64_t w = 0; w < depthwise.dim(2); ++w)
        for (int64_t f = 0; f < filters; ++f) {
          double sum = bias ? bias->data[f] : 0.0;
          for (int64_t j = 0; j < channels; ++j)
            sum += depthwise.at(n, h, w, j) * pointwiseKernel.at(0, 0, j, f);
          output.at(n, h, w, f) = activate(sum, activation);
        }
  return output;
}

} // namespace cnnc::numeric
