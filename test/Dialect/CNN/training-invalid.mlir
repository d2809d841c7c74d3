// One case per verifier rule of the training ops.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @grad_input_shape(%dy: tensor<?x5x5x4xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'cnn.conv2d_grad_input' op output gradient 'tensor<?x5x5x4xf32>' does not match the forward output [?, 4, 4, ...] of input 'tensor<?x8x8x2xf32>'}}
  %0 = cnn.conv2d_grad_input %dy, %w strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x5x5x4xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x2xf32>
  return
}

// -----

func.func @grad_input_channels(%dy: tensor<?x4x4x4xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'cnn.conv2d_grad_input' op channels of 'tensor<?x8x8x3xf32>' and 'tensor<?x4x4x4xf32>' do not match filter 'tensor<3x3x2x4xf32>'}}
  %0 = cnn.conv2d_grad_input %dy, %w strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x4xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x3xf32>
  return
}

// -----

func.func @grad_input_strides(%dy: tensor<?x4x4x4xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'cnn.conv2d_grad_input' op 'strides' must be positive, got [0, 2]}}
  %0 = cnn.conv2d_grad_input %dy, %w strides = [0, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x4xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x2xf32>
  return
}

// -----

func.func @grad_filter_shape(%x: tensor<?x8x8x2xf32>, %dy: tensor<?x6x6x4xf32>) {
  // expected-error @+1 {{'cnn.conv2d_grad_filter' op output gradient 'tensor<?x6x6x4xf32>' does not match the forward output [?, 8, 8, ...] of input 'tensor<?x8x8x2xf32>'}}
  %0 = cnn.conv2d_grad_filter %x, %dy strides = [1, 1] dilations = [1, 1] padding = same : (tensor<?x8x8x2xf32>, tensor<?x6x6x4xf32>) -> tensor<3x3x2x4xf32>
  return
}

// -----

func.func @grad_filter_channels(%x: tensor<?x8x8x2xf32>, %dy: tensor<?x8x8x5xf32>) {
  // expected-error @+1 {{'cnn.conv2d_grad_filter' op channels of 'tensor<?x8x8x2xf32>' and 'tensor<?x8x8x5xf32>' do not match filter 'tensor<3x3x2x4xf32>'}}
  %0 = cnn.conv2d_grad_filter %x, %dy strides = [1, 1] dilations = [1, 1] padding = same : (tensor<?x8x8x2xf32>, tensor<?x8x8x5xf32>) -> tensor<3x3x2x4xf32>
  return
}

// -----

func.func @pool_grad_window_too_large(%x: tensor<?x2x2x2xf32>, %dy: tensor<?x1x1x2xf32>) {
  // expected-error @+1 {{'cnn.pool2d_grad' op window height 3 is larger than the input height 2 with padding = valid}}
  %0 = cnn.pool2d_grad max %x, %dy window = [3, 3] strides = [1, 1] padding = valid : tensor<?x2x2x2xf32>, tensor<?x1x1x2xf32>
  return
}

// -----

func.func @pool_grad_channels(%x: tensor<?x4x4x2xf32>, %dy: tensor<?x2x2x3xf32>) {
  // expected-error @+1 {{'cnn.pool2d_grad' op channels of 'tensor<?x4x4x2xf32>' and 'tensor<?x2x2x3xf32>' differ}}
  %0 = cnn.pool2d_grad avg %x, %dy window = [2, 2] strides = [2, 2] padding = valid : tensor<?x4x4x2xf32>, tensor<?x2x2x3xf32>
  return
}

// -----

func.func @pool_grad_dynamic(%x: tensor<?x?x4x2xf32>, %dy: tensor<?x2x2x2xf32>) {
  // expected-error @+1 {{'cnn.pool2d_grad' op input must be static except for the batch dimension, got 'tensor<?x?x4x2xf32>'}}
  %0 = cnn.pool2d_grad avg %x, %dy window = [2, 2] strides = [2, 2] padding = valid : tensor<?x?x4x2xf32>, tensor<?x2x2x2xf32>
  return
}

// -----

func.func @reduce_size(%x: tensor<?x4x4x2xf32>) {
  // expected-error @+1 {{'cnn.reduce_to_channels' op result must have the size of the input's last dimension, got 'tensor<3xf32>' for 'tensor<?x4x4x2xf32>'}}
  %0 = cnn.reduce_to_channels %x : tensor<?x4x4x2xf32> -> tensor<3xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<?x6xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+1 {{'cnn.matmul' op contraction sizes differ: 6 vs 5}}
  %0 = cnn.matmul %a, %b : (tensor<?x6xf32>, tensor<5x3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<?x6xf32>, %b: tensor<6x3xf32>) {
  // expected-error @+1 {{'cnn.matmul' op result 'tensor<?x4xf32>' must be ?x3}}
  %0 = cnn.matmul %a, %b : (tensor<?x6xf32>, tensor<6x3xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @reshape_batch(%a: tensor<5x6xf32>) {
  // expected-error @+1 {{'cnn.reshape' op must keep the batch dimension, got 'tensor<5x6xf32>' -> 'tensor<4x2x3xf32>'}}
  %0 = cnn.reshape %a : tensor<5x6xf32> -> tensor<4x2x3xf32>
  return
}

// -----

func.func @reshape_elements(%a: tensor<?x6xf32>) {
  // expected-error @+1 {{'cnn.reshape' op must keep the number of elements per batch entry, got 'tensor<?x6xf32>' -> 'tensor<?x2x2xf32>'}}
  %0 = cnn.reshape %a : tensor<?x6xf32> -> tensor<?x2x2xf32>
  return
}

// -----

func.func @loss_batch(%logits: tensor<4x3xf32>, %labels: tensor<5xi32>) {
  // expected-error @+1 {{'cnn.loss' op logits 'tensor<4x3xf32>' and labels 'tensor<5xi32>' have different batch sizes}}
  %0:2 = cnn.loss sparse_categorical_crossentropy %logits, %labels : (tensor<4x3xf32>, tensor<5xi32>) -> (tensor<f32>, tensor<4x3xf32>)
  return
}

// -----

func.func @loss_grad_type(%logits: tensor<4x3xf32>, %labels: tensor<4xi32>) {
  // expected-error @+1 {{'cnn.loss' op logits gradient must have the logits' type}}
  %0:2 = cnn.loss sparse_categorical_crossentropy %logits, %labels : (tensor<4x3xf32>, tensor<4xi32>) -> (tensor<f32>, tensor<4x4xf32>)
  return
}

// -----

func.func @loss_kind(%logits: tensor<4x3xf32>, %labels: tensor<4xi32>) {
  // expected-error @+1 {{unknown loss 'hinge', expected one of: sparse_categorical_crossentropy, categorical_crossentropy, mean_squared_error}}
  %0:2 = cnn.loss hinge %logits, %labels : (tensor<4x3xf32>, tensor<4xi32>) -> (tensor<f32>, tensor<4x3xf32>)
  return
}

// -----

func.func @adam_types(%p: tensor<10xf32>, %g: tensor<9xf32>, %lr: f32, %t: i64) {
  // expected-error @+1 {{'cnn.adam_update' op failed to verify that all of {param, grad, m, v, new_param, new_m, new_v} have same type}}
  %0:3 = "cnn.adam_update"(%p, %g, %p, %p, %lr, %t) <{beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32}> : (tensor<10xf32>, tensor<9xf32>, tensor<10xf32>, tensor<10xf32>, f32, i64) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
  return
}

// -----

func.func @activation_grad_types(%y: tensor<?x4xf32>, %dy: tensor<?x5xf32>) {
  // expected-error @+1 {{'cnn.activation_grad' op failed to verify that all of {value, output_grad, input_grad} have same type}}
  %0 = "cnn.activation_grad"(%y, %dy) <{activation = #cnn<activation relu>}> : (tensor<?x4xf32>, tensor<?x5xf32>) -> tensor<?x4xf32>
  return
}
