// cnn.depthwise_conv2d and its gradient ops round-trip in custom and generic
// form; result types are inferred (Keras DepthwiseConv2D shapes).
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s

// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<?x8x7x3xf32>, %k1: tensor<3x3x3x1xf32>,
                  %k2: tensor<2x3x3x2xf32>, %b6: tensor<6xf32>)
    -> (tensor<?x6x5x3xf32>, tensor<?x4x4x6xf32>, tensor<?x8x7x6xf32>) {
  // Defaults: valid, strides and dilations 1, no bias, no activation.
  // CHECK: cnn.depthwise_conv2d %{{.*}}, %{{.*}} : tensor<?x8x7x3xf32>, tensor<3x3x3x1xf32>
  %0 = cnn.depthwise_conv2d %x, %k1 : tensor<?x8x7x3xf32>, tensor<3x3x3x1xf32>
  // Depth multiplier 2 gives C * M = 6 channels; same with stride 2 gives
  // ceil(8 / 2) x ceil(7 / 2).
  // CHECK: cnn.depthwise_conv2d %{{.*}}, %{{.*}}, %{{.*}} strides = [2, 2] padding = same activation = relu : tensor<?x8x7x3xf32>, tensor<2x3x3x2xf32>, tensor<6xf32>
  %1 = cnn.depthwise_conv2d %x, %k2, %b6 strides = [2, 2] padding = same activation = relu
      : tensor<?x8x7x3xf32>, tensor<2x3x3x2xf32>, tensor<6xf32>
  // CHECK: cnn.depthwise_conv2d %{{.*}}, %{{.*}} dilations = [2, 1] padding = same : tensor<?x8x7x3xf32>, tensor<2x3x3x2xf32>
  %2 = cnn.depthwise_conv2d %x, %k2 dilations = [2, 1] padding = same
      : tensor<?x8x7x3xf32>, tensor<2x3x3x2xf32>
  return %0, %1, %2 : tensor<?x6x5x3xf32>, tensor<?x4x4x6xf32>, tensor<?x8x7x6xf32>
}

// CHECK-LABEL: func.func @gradients
func.func @gradients(%x: tensor<?x8x7x3xf32>, %k: tensor<2x3x3x2xf32>,
                     %dy: tensor<?x4x4x6xf32>) {
  // CHECK: cnn.depthwise_conv2d_grad_input %{{.*}}, %{{.*}} strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x6xf32>, tensor<2x3x3x2xf32>) -> tensor<?x8x7x3xf32>
  %0 = cnn.depthwise_conv2d_grad_input %dy, %k strides = [2, 2] dilations = [1, 1] padding = same
      : (tensor<?x4x4x6xf32>, tensor<2x3x3x2xf32>) -> tensor<?x8x7x3xf32>
  // CHECK: cnn.depthwise_conv2d_grad_filter %{{.*}}, %{{.*}} strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x8x7x3xf32>, tensor<?x4x4x6xf32>) -> tensor<2x3x3x2xf32>
  %1 = cnn.depthwise_conv2d_grad_filter %x, %dy strides = [2, 2] dilations = [1, 1] padding = same
      : (tensor<?x8x7x3xf32>, tensor<?x4x4x6xf32>) -> tensor<2x3x3x2xf32>
  return
}
