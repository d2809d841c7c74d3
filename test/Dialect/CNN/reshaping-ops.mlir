// Global pooling, zero padding, concatenation and the training ops of their
// gradients round-trip through the custom and the generic form, with their
// result types inferred.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @global_pooling
func.func @global_pooling(%x: tensor<?x7x5x3xf32>) -> (tensor<?x3xf32>, tensor<?x1x1x3xf32>, tensor<4x3xf32>) {
  // CHECK: %{{.*}} = cnn.global_avg_pool2d %{{.*}} : tensor<?x7x5x3xf32>
  // GENERIC: "cnn.global_avg_pool2d"(%{{.*}}) : (tensor<?x7x5x3xf32>) -> tensor<?x3xf32>
  %a = cnn.global_avg_pool2d %x : tensor<?x7x5x3xf32>
  // CHECK: %{{.*}} = cnn.global_max_pool2d %{{.*}} keepdims : tensor<?x7x5x3xf32>
  // GENERIC: "cnn.global_max_pool2d"(%{{.*}}) <{keepdims}> : (tensor<?x7x5x3xf32>) -> tensor<?x1x1x3xf32>
  %m = cnn.global_max_pool2d %x keepdims : tensor<?x7x5x3xf32>
  // A static batch is kept.
  %s = tensor.empty() : tensor<4x2x2x3xf32>
  // CHECK: cnn.global_avg_pool2d %{{.*}} : tensor<4x2x2x3xf32>
  %b = cnn.global_avg_pool2d %s : tensor<4x2x2x3xf32>
  return %a, %m, %b : tensor<?x3xf32>, tensor<?x1x1x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @zero_pad2d
func.func @zero_pad2d(%x: tensor<?x5x5x3xf32>) -> (tensor<?x8x8x3xf32>, tensor<?x5x5x3xf32>) {
  // CHECK: cnn.zero_pad2d %{{.*}} padding = [1, 2, 0, 3] : tensor<?x5x5x3xf32>
  // GENERIC: "cnn.zero_pad2d"(%{{.*}}) <{padding = array<i64: 1, 2, 0, 3>}> : (tensor<?x5x5x3xf32>) -> tensor<?x8x8x3xf32>
  %y = cnn.zero_pad2d %x padding = [1, 2, 0, 3] : tensor<?x5x5x3xf32>
  // CHECK: cnn.zero_pad2d %{{.*}} padding = [0, 0, 0, 0]
  %z = cnn.zero_pad2d %x padding = [0, 0, 0, 0] : tensor<?x5x5x3xf32>
  return %y, %z : tensor<?x8x8x3xf32>, tensor<?x5x5x3xf32>
}

// CHECK-LABEL: func.func @concat
func.func @concat(%a: tensor<?x4x4x2xf32>, %b: tensor<?x4x4x3xf32>, %c: tensor<?x4x4x1xf32>,
                  %d: tensor<?x6xf32>, %e: tensor<2x5xf32>) -> (tensor<?x4x4x5xf32>, tensor<?x4x4x6xf32>, tensor<2x11xf32>) {
  // CHECK: cnn.concat %{{.*}}, %{{.*}} : tensor<?x4x4x2xf32>, tensor<?x4x4x3xf32>
  // GENERIC: "cnn.concat"(%{{.*}}, %{{.*}}) : (tensor<?x4x4x2xf32>, tensor<?x4x4x3xf32>) -> tensor<?x4x4x5xf32>
  %0 = cnn.concat %a, %b : tensor<?x4x4x2xf32>, tensor<?x4x4x3xf32>
  // CHECK: cnn.concat %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4x4x2xf32>, tensor<?x4x4x3xf32>, tensor<?x4x4x1xf32>
  %1 = cnn.concat %a, %b, %c : tensor<?x4x4x2xf32>, tensor<?x4x4x3xf32>, tensor<?x4x4x1xf32>
  // Features [N, F]; a static batch wins over a dynamic one.
  // GENERIC: "cnn.concat"(%{{.*}}, %{{.*}}) : (tensor<?x6xf32>, tensor<2x5xf32>) -> tensor<2x11xf32>
  %2 = cnn.concat %d, %e : tensor<?x6xf32>, tensor<2x5xf32>
  return %0, %1, %2 : tensor<?x4x4x5xf32>, tensor<?x4x4x6xf32>, tensor<2x11xf32>
}

// CHECK-LABEL: func.func @gradients
func.func @gradients(%x: tensor<?x7x5x3xf32>, %y: tensor<?x3xf32>, %dy: tensor<?x3xf32>,
                     %dp: tensor<?x8x8x3xf32>) {
  // CHECK: cnn.global_avg_pool2d_grad %{{.*}} : tensor<?x3xf32> -> tensor<?x7x5x3xf32>
  %0 = cnn.global_avg_pool2d_grad %dy : tensor<?x3xf32> -> tensor<?x7x5x3xf32>
  // CHECK: cnn.global_max_pool2d_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x7x5x3xf32>, tensor<?x3xf32>
  // GENERIC: "cnn.global_max_pool2d_grad"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x7x5x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x7x5x3xf32>
  %1 = cnn.global_max_pool2d_grad %x, %y, %dy : tensor<?x7x5x3xf32>, tensor<?x3xf32>
  // CHECK: cnn.slice %{{.*}} offsets = [0, 1, 0, 0] : tensor<?x8x8x3xf32> -> tensor<?x5x5x3xf32>
  // GENERIC: "cnn.slice"(%{{.*}}) <{offsets = array<i64: 0, 1, 0, 0>}> : (tensor<?x8x8x3xf32>) -> tensor<?x5x5x3xf32>
  %2 = cnn.slice %dp offsets = [0, 1, 0, 0] : tensor<?x8x8x3xf32> -> tensor<?x5x5x3xf32>
  // CHECK: cnn.slice %{{.*}} offsets = [0, 0, 0, 1] : tensor<?x8x8x3xf32> -> tensor<?x8x8x2xf32>
  %3 = cnn.slice %dp offsets = [0, 0, 0, 1] : tensor<?x8x8x3xf32> -> tensor<?x8x8x2xf32>
  return
}
