// One case per verifier rule of cnn.depthwise_conv2d and its gradient ops.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<?x8x8xf32>, %k: tensor<3x3x8x1xf32>) {
  // expected-error @+1 {{input must be a rank-4 NHWC tensor, got 'tensor<?x8x8xf32>'}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x8x8xf32>, tensor<3x3x8x1xf32>
  return
}

// -----

func.func @kernel_rank(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4xf32>) {
  // expected-error @+1 {{depthwise kernel must be a rank-4 [KH, KW, C, M] tensor, got 'tensor<3x3x4xf32>'}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x8x8x4xf32>, tensor<3x3x4xf32>
  return
}

// -----

func.func @dynamic_spatial(%x: tensor<?x8x?x4xf32>, %k: tensor<3x3x4x1xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x8x?x4xf32>'}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x8x?x4xf32>, tensor<3x3x4x1xf32>
  return
}

// -----

func.func @dynamic_kernel(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x?xf32>) {
  // expected-error @+1 {{depthwise kernel must have a static, positive shape, got 'tensor<3x3x4x?xf32>'}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x8x8x4xf32>, tensor<3x3x4x?xf32>
  return
}

// -----

func.func @empty_kernel(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x0xf32>) {
  // expected-error @+1 {{depthwise kernel must have a static, positive shape, got 'tensor<3x3x4x0xf32>'}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x8x8x4xf32>, tensor<3x3x4x0xf32>
  return
}

// -----

func.func @channel_mismatch(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x8x1xf32>) {
  // expected-error @+1 {{depthwise kernel expects 8 input channels (dimension 2 of [KH, KW, C, M]) but the input has 4}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x8x8x4xf32>, tensor<3x3x8x1xf32>
  return
}

// -----

func.func @channel_overflow(%x: tensor<?x1x1x4294967296xf32>, %k: tensor<1x1x4294967296x4294967296xf32>) {
  // expected-error @+1 {{output channels 4294967296 x 4294967296 overflow int64}}
  %0 = cnn.depthwise_conv2d %x, %k : tensor<?x1x1x4294967296xf32>, tensor<1x1x4294967296x4294967296xf32>
  return
}

// -----

func.func @bias_rank(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x2xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{bias must be a rank-1 [C * M] tensor, got 'tensor<4x2xf32>'}}
  %0 = cnn.depthwise_conv2d %x, %k, %b : tensor<?x8x8x4xf32>, tensor<3x3x4x2xf32>, tensor<4x2xf32>
  return
}

// -----

// Keras's bias has depth_multiplier * input_channel elements, not C.
func.func @bias_size(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x2xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias has 4 elements but the layer has 4 x 2 = 8 output channels}}
  %0 = cnn.depthwise_conv2d %x, %k, %b : tensor<?x8x8x4xf32>, tensor<3x3x4x2xf32>, tensor<4xf32>
  return
}

// -----

func.func @strides_count(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x1xf32>) {
  // expected-error @+1 {{'strides' must have 2 elements (height, width), got 1}}
  %0 = cnn.depthwise_conv2d %x, %k strides = [2] : tensor<?x8x8x4xf32>, tensor<3x3x4x1xf32>
  return
}

// -----

func.func @strides_positive(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x1xf32>) {
  // expected-error @+1 {{'strides' must be positive, got [1, 0]}}
  %0 = cnn.depthwise_conv2d %x, %k strides = [1, 0] : tensor<?x8x8x4xf32>, tensor<3x3x4x1xf32>
  return
}

// -----

func.func @dilations_positive(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x1xf32>) {
  // expected-error @+1 {{'dilations' must be positive, got [-1, 1]}}
  %0 = cnn.depthwise_conv2d %x, %k dilations = [-1, 1] : tensor<?x8x8x4xf32>, tensor<3x3x4x1xf32>
  return
}

// -----

func.func @strides_and_dilations(%x: tensor<?x8x8x4xf32>, %k: tensor<3x3x4x1xf32>) {
  // expected-error @+1 {{strides > 1 are not supported together with dilations > 1 (Keras DepthwiseConv2D), got strides [1, 2] and dilations [2, 1]}}
  %0 = cnn.depthwise_conv2d %x, %k strides = [1, 2] dilations = [2, 1] : tensor<?x8x8x4xf32>, tensor<3x3x4x1xf32>
  return
}

// -----

func.func @window_too_large(%x: tensor<?x8x4x4xf32>, %k: tensor<3x3x4x1xf32>) {
  // expected-error @+1 {{window width 5 (dilated) is larger than the input width 4 with padding = valid}}
  %0 = cnn.depthwise_conv2d %x, %k dilations = [2, 2] : tensor<?x8x4x4xf32>, tensor<3x3x4x1xf32>
  return
}

// -----

func.func @grad_input_channels(%dy: tensor<?x4x4x6xf32>, %k: tensor<3x3x3x2xf32>) {
  // expected-error @+1 {{'cnn.depthwise_conv2d_grad_input' op channels of 'tensor<?x8x8x2xf32>' and 'tensor<?x4x4x6xf32>' do not match depthwise kernel 'tensor<3x3x3x2xf32>' (C = 3 input and C * M = 6 output channels)}}
  %0 = cnn.depthwise_conv2d_grad_input %dy, %k strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x6xf32>, tensor<3x3x3x2xf32>) -> tensor<?x8x8x2xf32>
  return
}

// -----

func.func @grad_input_shape(%dy: tensor<?x5x4x6xf32>, %k: tensor<3x3x3x2xf32>) {
  // expected-error @+1 {{'cnn.depthwise_conv2d_grad_input' op output gradient 'tensor<?x5x4x6xf32>' does not match the forward output [?, 4, 4, ...] of input 'tensor<?x8x8x3xf32>'}}
  %0 = cnn.depthwise_conv2d_grad_input %dy, %k strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x5x4x6xf32>, tensor<3x3x3x2xf32>) -> tensor<?x8x8x3xf32>
  return
}

// -----

func.func @grad_input_dynamic_kernel(%dy: tensor<?x4x4x6xf32>, %k: tensor<3x3x3x?xf32>) {
  // expected-error @+1 {{'cnn.depthwise_conv2d_grad_input' op depthwise kernel must have a static shape, got 'tensor<3x3x3x?xf32>'}}
  %0 = cnn.depthwise_conv2d_grad_input %dy, %k strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x6xf32>, tensor<3x3x3x?xf32>) -> tensor<?x8x8x3xf32>
  return
}

// -----

func.func @grad_filter_channels(%x: tensor<?x8x8x3xf32>, %dy: tensor<?x4x4x3xf32>) {
  // expected-error @+1 {{'cnn.depthwise_conv2d_grad_filter' op channels of 'tensor<?x8x8x3xf32>' and 'tensor<?x4x4x3xf32>' do not match depthwise kernel 'tensor<3x3x3x2xf32>' (C = 3 input and C * M = 6 output channels)}}
  %0 = cnn.depthwise_conv2d_grad_filter %x, %dy strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x8x8x3xf32>, tensor<?x4x4x3xf32>) -> tensor<3x3x3x2xf32>
  return
}

// -----

func.func @grad_filter_shape(%x: tensor<?x8x8x3xf32>, %dy: tensor<?x8x8x6xf32>) {
  // expected-error @+1 {{'cnn.depthwise_conv2d_grad_filter' op output gradient 'tensor<?x8x8x6xf32>' does not match the forward output [?, 6, 6, ...] of input 'tensor<?x8x8x3xf32>'}}
  %0 = cnn.depthwise_conv2d_grad_filter %x, %dy strides = [1, 1] dilations = [1, 1] padding = valid : (tensor<?x8x8x3xf32>, tensor<?x8x8x6xf32>) -> tensor<3x3x3x2xf32>
  return
}

// -----

func.func @grad_filter_dilations(%x: tensor<?x8x8x3xf32>, %dy: tensor<?x6x6x6xf32>) {
  // expected-error @+1 {{'cnn.depthwise_conv2d_grad_filter' op 'dilations' must be positive, got [0, 1]}}
  %0 = cnn.depthwise_conv2d_grad_filter %x, %dy strides = [1, 1] dilations = [0, 1] padding = valid : (tensor<?x8x8x3xf32>, tensor<?x6x6x6xf32>) -> tensor<3x3x3x2xf32>
  return
}
