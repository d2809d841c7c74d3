// The ops training-step synthesis creates round-trip in custom and generic form.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s

// CHECK-LABEL: func.func @gradients
func.func @gradients(%x: tensor<?x8x8x2xf32>, %w: tensor<3x3x2x4xf32>, %dy: tensor<?x4x4x4xf32>,
                     %p: tensor<?x8x8x2xf32>, %dp: tensor<?x4x4x2xf32>) {
  // CHECK: cnn.conv2d_grad_input %{{.*}}, %{{.*}} strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x4xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x2xf32>
  %0 = cnn.conv2d_grad_input %dy, %w strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x4xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x2xf32>
  // CHECK: cnn.conv2d_grad_filter %{{.*}}, %{{.*}} strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x8x8x2xf32>, tensor<?x4x4x4xf32>) -> tensor<3x3x2x4xf32>
  %1 = cnn.conv2d_grad_filter %x, %dy strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x8x8x2xf32>, tensor<?x4x4x4xf32>) -> tensor<3x3x2x4xf32>
  // CHECK: cnn.pool2d_grad max %{{.*}}, %{{.*}} window = [2, 2] strides = [2, 2] padding = valid : tensor<?x8x8x2xf32>, tensor<?x4x4x2xf32>
  %2 = cnn.pool2d_grad max %p, %dp window = [2, 2] strides = [2, 2] padding = valid : tensor<?x8x8x2xf32>, tensor<?x4x4x2xf32>
  // CHECK: cnn.pool2d_grad avg
  %3 = cnn.pool2d_grad avg %p, %dp window = [2, 2] strides = [2, 2] padding = valid : tensor<?x8x8x2xf32>, tensor<?x4x4x2xf32>
  // CHECK: cnn.reduce_to_channels %{{.*}} : tensor<?x4x4x4xf32> -> tensor<4xf32>
  %4 = cnn.reduce_to_channels %dy : tensor<?x4x4x4xf32> -> tensor<4xf32>
  // CHECK: cnn.activation_grad relu %{{.*}}, %{{.*}} : tensor<?x4x4x4xf32>
  %5 = cnn.activation_grad relu %dy, %dy : tensor<?x4x4x4xf32>
  return
}

// CHECK-LABEL: func.func @dense_and_loss
func.func @dense_and_loss(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>, %g: tensor<?x3xf32>,
                          %labels: tensor<?xi32>, %f: tensor<?x2x3xf32>) {
  // CHECK: cnn.matmul %{{.*}}, %{{.*}} transpose_rhs : (tensor<?x3xf32>, tensor<6x3xf32>) -> tensor<?x6xf32>
  %0 = cnn.matmul %g, %k transpose_rhs : (tensor<?x3xf32>, tensor<6x3xf32>) -> tensor<?x6xf32>
  // CHECK: cnn.matmul %{{.*}}, %{{.*}} transpose_lhs : (tensor<?x6xf32>, tensor<?x3xf32>) -> tensor<6x3xf32>
  %1 = cnn.matmul %x, %g transpose_lhs : (tensor<?x6xf32>, tensor<?x3xf32>) -> tensor<6x3xf32>
  // CHECK: cnn.reshape %{{.*}} : tensor<?x6xf32> -> tensor<?x2x3xf32>
  %2 = cnn.reshape %x : tensor<?x6xf32> -> tensor<?x2x3xf32>
  // CHECK: cnn.softmax_grad %{{.*}}, %{{.*}} : tensor<?x3xf32>
  %3 = cnn.softmax_grad %g, %g : tensor<?x3xf32>
  // CHECK: %{{.*}}, %{{.*}} = cnn.loss sparse_categorical_crossentropy %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<?x3xf32>)
  %loss, %dlogits = cnn.loss sparse_categorical_crossentropy %g, %labels : (tensor<?x3xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<?x3xf32>)
  // CHECK: cnn.loss mean_squared_error
  %mse, %dmse = cnn.loss mean_squared_error %g, %labels : (tensor<?x3xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<?x3xf32>)
  // CHECK: cnn.count_correct %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<?xi32>) -> tensor<i64>
  %c = cnn.count_correct %g, %labels : (tensor<?x3xf32>, tensor<?xi32>) -> tensor<i64>
  return
}

// CHECK-LABEL: func.func @optimizers
func.func @optimizers(%p: tensor<10xf32>, %g: tensor<10xf32>, %m: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32, %t: i64) {
  // CHECK: cnn.adam_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} beta1 = 0.899999976 beta2 = 9.990000e-01 epsilon = 1.000000e-07 : tensor<10xf32>
  %0:3 = cnn.adam_update %p, %g, %m, %v, %lr, %t beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-7 : tensor<10xf32>
  // CHECK: cnn.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} momentum = 0.899999976 nesterov : tensor<10xf32>
  %1:2 = cnn.sgd_update %p, %g, %m, %lr momentum = 0.9 nesterov : tensor<10xf32>
  // CHECK: cnn.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} momentum = 0.000000e+00 : tensor<10xf32>
  %2:2 = cnn.sgd_update %p, %g, %m, %lr momentum = 0.0 : tensor<10xf32>
  return
}
