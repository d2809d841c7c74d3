// cnn.depthwise_conv2d and its gradients lower to linalg/tensor ops on
// tensors.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not=cnn.

// CHECK-DAG: #[[$FLIP:.*]] = affine_map<(d0, d1, d2) -> (-d0 + 1, -d1 + 2, d2)>
// CHECK-DAG: #[[$SUM_M_IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[$SUM_M_OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$DK_X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4 * 2 + d0, d5 * 2 + d1, d2 floordiv 2)>
// CHECK-DAG: #[[$DK_DY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5, d2)>
// CHECK-DAG: #[[$DK_OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>

// M = 1: the named HWC op on the padded input (8 rows, stride 2: pad 0 + 1;
// 7 columns: 1 + 1) with the [3, 3, 3, 1] kernel seen as [3, 3, 3],
// accumulating into the bias, then the activation.
// CHECK-LABEL: func.func @multiplier1_same_bias_relu
// CHECK:         %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 1, 1, 0]
// CHECK:         %[[BIAS:.*]] = linalg.broadcast ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<?x4x4x3xf32>) dimensions = [0, 1, 2]
// CHECK:         %[[K:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<3x3x3x1xf32> into tensor<3x3x3xf32>
// CHECK:         %[[CONV:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[K]] : tensor<?x9x9x3xf32>, tensor<3x3x3xf32>) outs(%[[BIAS]] : tensor<?x4x4x3xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[CONV]] : tensor<?x4x4x3xf32>)
// CHECK:           arith.maximumf
func.func @multiplier1_same_bias_relu(%x: tensor<?x8x7x3xf32>, %k: tensor<3x3x3x1xf32>, %b: tensor<3xf32>) -> tensor<?x4x4x3xf32> {
  %0 = cnn.depthwise_conv2d %x, %k, %b strides = [2, 2] padding = same activation = relu : tensor<?x8x7x3xf32>, tensor<3x3x3x1xf32>, tensor<3xf32>
  return %0 : tensor<?x4x4x3xf32>
}

// M = 2: the HWCM op writes [N, OH, OW, C, M], collapsed to C * M channels
// ordered c * M + m; valid padding needs no pad, no bias a zero fill.
// CHECK-LABEL: func.func @multiplier2_valid_dilated
// CHECK-NOT:     tensor.pad
// CHECK:         %[[ZERO:.*]] = linalg.fill
// CHECK:         %[[SPLIT:.*]] = tensor.expand_shape %[[ZERO]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [%{{.*}}, 6, 3, 3, 2] : tensor<?x6x3x6xf32> into tensor<?x6x3x3x2xf32>
// CHECK:         %[[CONV:.*]] = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<?x8x7x3xf32>, tensor<3x3x3x2xf32>) outs(%[[SPLIT]] : tensor<?x6x3x3x2xf32>)
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %[[CONV]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<?x6x3x3x2xf32> into tensor<?x6x3x6xf32>
// CHECK:         return %[[FLAT]]
func.func @multiplier2_valid_dilated(%x: tensor<?x8x7x3xf32>, %k: tensor<3x3x3x2xf32>) -> tensor<?x6x3x6xf32> {
  %0 = cnn.depthwise_conv2d %x, %k dilations = [1, 2] : tensor<?x8x7x3xf32>, tensor<3x3x3x2xf32>
  return %0 : tensor<?x6x3x6xf32>
}

// The input gradient: dy spread by the strides, padded by (k - 1) * d -
// before and in + before - (out - 1) * s - 1, a stride-1 HWC convolution
// with the flipped [2, 3, 6] kernel over the 6 = C * M channels, then the
// M = 2 channels of every input channel summed.
// CHECK-LABEL: func.func @grad_input_multiplier2
// CHECK:         %[[SPREAD:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [%{{.*}}, 4, 4, 6] [1, 2, 2, 1] : tensor<?x4x4x6xf32> into tensor<?x7x7x6xf32>
// CHECK:         %[[PAD:.*]] = tensor.pad %[[SPREAD]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK:         %[[K:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<2x3x3x2xf32> into tensor<2x3x6xf32>
// CHECK:         %[[FLIPPED:.*]] = linalg.generic {indexing_maps = [#[[$FLIP]], {{.*}}]{{.*}} ins(%[[K]] : tensor<2x3x6xf32>)
// CHECK:         %[[PER:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[PAD]], %[[FLIPPED]] : tensor<?x9x9x6xf32>, tensor<2x3x6xf32>) outs(%{{.*}} : tensor<?x8x7x6xf32>)
// CHECK:         %[[SPLIT:.*]] = tensor.expand_shape %[[PER]] {{\[\[}}0], [1], [2], [3, 4]]
// CHECK:         linalg.generic {indexing_maps = [#[[$SUM_M_IN]], #[[$SUM_M_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[SPLIT]] : tensor<?x8x7x3x2xf32>) outs(%{{.*}} : tensor<?x8x7x3xf32>)
// CHECK:           arith.addf
func.func @grad_input_multiplier2(%dy: tensor<?x4x4x6xf32>, %k: tensor<2x3x3x2xf32>) -> tensor<?x8x7x3xf32> {
  %0 = cnn.depthwise_conv2d_grad_input %dy, %k strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x6xf32>, tensor<2x3x3x2xf32>) -> tensor<?x8x7x3xf32>
  return %0 : tensor<?x8x7x3xf32>
}

// With M = 1 the per-channel convolution is already the input gradient.
// CHECK-LABEL: func.func @grad_input_multiplier1
// CHECK:         %[[DX:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<?x11x11x4xf32>, tensor<3x3x4xf32>) outs(%{{.*}} : tensor<?x7x7x4xf32>)
// CHECK-NEXT:    return %[[DX]]
func.func @grad_input_multiplier1(%dy: tensor<?x7x7x4xf32>, %k: tensor<3x3x4x1xf32>) -> tensor<?x7x7x4xf32> {
  %0 = cnn.depthwise_conv2d_grad_input %dy, %k strides = [1, 1] dilations = [2, 2] padding = same : (tensor<?x7x7x4xf32>, tensor<3x3x4x1xf32>) -> tensor<?x7x7x4xf32>
  return %0 : tensor<?x7x7x4xf32>
}

// The kernel gradient: one generic over (kh, kw, j | n, oh, ow) on the
// padded input, reading input channel j floordiv M for output channel j,
// into a zero [KH, KW, C * M] tensor expanded to [KH, KW, C, M].
// CHECK-LABEL: func.func @grad_filter_multiplier2
// CHECK:         %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 1, 0]
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x3x6xf32>)
// CHECK:         %[[DK:.*]] = linalg.generic {indexing_maps = [#[[$DK_X]], #[[$DK_DY]], #[[$DK_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[PAD]], %{{.*}} : tensor<?x8x9x3xf32>, tensor<?x4x4x6xf32>) outs(%[[ZERO]] : tensor<2x3x6xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         tensor.expand_shape %[[DK]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 3, 2] : tensor<2x3x6xf32> into tensor<2x3x3x2xf32>
func.func @grad_filter_multiplier2(%x: tensor<?x8x7x3xf32>, %dy: tensor<?x4x4x6xf32>) -> tensor<2x3x3x2xf32> {
  %0 = cnn.depthwise_conv2d_grad_filter %x, %dy strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x8x7x3xf32>, tensor<?x4x4x6xf32>) -> tensor<2x3x3x2xf32>
  return %0 : tensor<2x3x3x2xf32>
}
