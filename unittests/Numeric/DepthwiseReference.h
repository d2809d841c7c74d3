//===- DepthwiseReference.h - reference of depthwise conv -------*- C++ -*-===//
//
// Keras DepthwiseConv2D and SeparableConv2D in double precision on NHWC
// images, written from their definitions (keras/src/layers/convolutional/
// base_depthwise_conv.py and base_separable_conv.py, tf.nn.depthwise_conv2d
// for the channel order), not from cnnc's lowering.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_NUMERIC_DEPTHWISEREFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_DEPTHWISEREFERENCE_H

#include "Reference.h"

namespace cnnc::numeric {

/// Keras DepthwiseConv2D: input [N, H, W, C], depthwise kernel
/// [KH, KW, C, M], optional bias [C * M] (nullptr for none). Output channel
/// c * M + m is input channel c cross-correlated with kernel[:, :, c, m],
/// zero padding as conv2d, then bias and activation.
Tensor depthwiseConv2d(const Tensor &input, const Tensor &kernel,
                       const Tensor *bias, std::array<int64_t, 2> strides,
                       std::array<int64_t, 2> dilations, Padding padding,
                       Activation activation);

/// Keras SeparableConv2D: the depthwise step (no bias) with `strides`,
/// `dilations` and `padding`, then the pointwise kernel [1, 1, C * M, F]
/// mixing channels at every position, the optional bias [F] and the
/// activation.
Tensor separableConv2d(const Tensor &input, const Tensor &depthwiseKernel,
                       const Tensor &pointwiseKernel, const Tensor *bias,
                       std::array<int64_t, 2> strides,
                       std::array<int64_t, 2> dilations, Padding padding,
                       Activation activation);

} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_DEPTHWISEREFERENCE_H
