// Every cnn op round-trips through the custom and the generic form.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @params
func.func @params() -> (tensor<3x3x1x8xf32>, tensor<8xf32>, tensor<4x4xf32>) {
  // CHECK: cnn.param "conv/kernel" : tensor<3x3x1x8xf32>
  // GENERIC: "cnn.param"() <{name = "conv/kernel", trainable = true}> : () -> tensor<3x3x1x8xf32>
  %k = cnn.param "conv/kernel" : tensor<3x3x1x8xf32>
  // CHECK: cnn.param "conv/bias" init = ones : tensor<8xf32>
  // GENERIC: "cnn.param"() <{init = #cnn<init ones>, name = "conv/bias", trainable = true}>
  %b = cnn.param "conv/bias" init = ones : tensor<8xf32>
  // CHECK: cnn.param "w" init = he_normal : tensor<4x4xf32>
  %w = cnn.param "w" init = he_normal : tensor<4x4xf32>
  // Model state: printed only when not trainable (the default is elided).
  // CHECK: cnn.param "bn/moving_mean" trainable = false : tensor<8xf32>
  // GENERIC: "cnn.param"() <{name = "bn/moving_mean", trainable = false}>
  %m = cnn.param "bn/moving_mean" trainable = false : tensor<8xf32>
  // CHECK: cnn.param "bn/moving_variance" init = ones trainable = false
  %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<8xf32>
  // CHECK: cnn.param "frozen" : tensor<8xf32>
  %f = cnn.param "frozen" trainable = true : tensor<8xf32>
  return %k, %b, %w : tensor<3x3x1x8xf32>, tensor<8xf32>, tensor<4x4xf32>
}

// CHECK-LABEL: func.func @conv2d
func.func @conv2d(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>,
                  %b: tensor<8xf32>) -> (tensor<?x26x26x8xf32>, tensor<?x14x14x8xf32>, tensor<?x24x24x8xf32>) {
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  %0 = cnn.conv2d %x, %k : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}}, %{{.*}} strides = [2, 2] padding = same activation = relu : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32>
  // GENERIC: "cnn.conv2d"(%{{.*}}, %{{.*}}, %{{.*}}) <{activation = #cnn<activation relu>, padding = #cnn<padding same>, strides = array<i64: 2, 2>}>
  %1 = cnn.conv2d %x, %k, %b strides = [2, 2] padding = same activation = relu
      : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}}, %{{.*}} dilations = [2, 2] activation = tanh
  %2 = cnn.conv2d %x, %k, %b dilations = [2, 2] activation = tanh
      : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32>
  return %0, %1, %2 : tensor<?x26x26x8xf32>, tensor<?x14x14x8xf32>, tensor<?x24x24x8xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<?x7x7x4xf32>) -> (tensor<?x3x3x4xf32>, tensor<?x4x4x4xf32>, tensor<?x5x5x4xf32>) {
  // CHECK: cnn.max_pool2d %{{.*}} window = [2, 2] : tensor<?x7x7x4xf32>
  %0 = cnn.max_pool2d %x window = [2, 2] : tensor<?x7x7x4xf32>
  // CHECK: cnn.avg_pool2d %{{.*}} window = [3, 3] strides = [2, 2] padding = same : tensor<?x7x7x4xf32>
  // GENERIC: "cnn.avg_pool2d"(%{{.*}}) <{padding = #cnn<padding same>, strides = array<i64: 2, 2>, window = array<i64: 3, 3>}>
  %1 = cnn.avg_pool2d %x window = [3, 3] strides = [2, 2] padding = same : tensor<?x7x7x4xf32>
  // CHECK: cnn.min_pool2d %{{.*}} window = [3, 3] strides = [1, 1] : tensor<?x7x7x4xf32>
  %2 = cnn.min_pool2d %x window = [3, 3] strides = [1, 1] : tensor<?x7x7x4xf32>
  return %0, %1, %2 : tensor<?x3x3x4xf32>, tensor<?x4x4x4xf32>, tensor<?x5x5x4xf32>
}

// CHECK-LABEL: func.func @dense_and_flatten
func.func @dense_and_flatten(%x: tensor<?x3x3x64xf32>, %k: tensor<576x64xf32>,
                             %b: tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: cnn.flatten %{{.*}} : tensor<?x3x3x64xf32>
  %f = cnn.flatten %x : tensor<?x3x3x64xf32>
  // CHECK: cnn.dense %{{.*}}, %{{.*}}, %{{.*}} activation = sigmoid : tensor<?x576xf32>, tensor<576x64xf32>, tensor<64xf32>
  %0 = cnn.dense %f, %k, %b activation = sigmoid
      : tensor<?x576xf32>, tensor<576x64xf32>, tensor<64xf32>
  // CHECK: cnn.dense %{{.*}}, %{{.*}} : tensor<?x576xf32>, tensor<576x64xf32>
  %1 = cnn.dense %f, %k : tensor<?x576xf32>, tensor<576x64xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<?x10xf32>, %y: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // CHECK: cnn.relu %{{.*}} : tensor<?x10xf32>
  %0 = cnn.relu %x : tensor<?x10xf32>
  // CHECK: cnn.sigmoid %{{.*}} : tensor<?x10xf32>
  %1 = cnn.sigmoid %0 : tensor<?x10xf32>
  // CHECK: cnn.tanh %{{.*}} : tensor<?x10xf32>
  %2 = cnn.tanh %1 : tensor<?x10xf32>
  // CHECK: cnn.softmax %{{.*}} : tensor<?x10xf32>
  %3 = cnn.softmax %2 : tensor<?x10xf32>
  // CHECK: cnn.add %{{.*}}, %{{.*}} : tensor<?x10xf32>
  // GENERIC: "cnn.add"(%{{.*}}, %{{.*}}) : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %4 = cnn.add %3, %y : tensor<?x10xf32>
  return %4 : tensor<?x10xf32>
}
