// Result types are inferred from the operands and attributes with Keras
// semantics; the batch dimension stays dynamic (or static) as given.
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s

// same padding, stride 2, odd input: ceil(7 / 2) = 4 (pad 1 before, 1 after).
// CHECK-LABEL: sym_name = "same_stride2_odd"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x4x4x8xf32>
func.func @same_stride2_odd(%x: tensor<?x7x7x3xf32>, %k: tensor<3x3x3x8xf32>) {
  %0 = cnn.conv2d %x, %k strides = [2, 2] padding = same : tensor<?x7x7x3xf32>, tensor<3x3x3x8xf32>
  return
}

// Even input, stride 2: ceil(8 / 2) = 4 (total pad 1, all after); odd
// height 9 with stride 2: ceil(9 / 2) = 5.
// CHECK-LABEL: sym_name = "same_stride2_even_and_odd"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x5x4x8xf32>
func.func @same_stride2_even_and_odd(%x: tensor<?x9x8x3xf32>, %k: tensor<3x3x3x8xf32>) {
  %0 = cnn.conv2d %x, %k strides = [2, 2] padding = same : tensor<?x9x8x3xf32>, tensor<3x3x3x8xf32>
  return
}

// Mixed strides and a non-square 5x2 filter, valid: (11-5)/3+1 = 3, (6-2)/1+1 = 5.
// CHECK-LABEL: sym_name = "valid_mixed_strides"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x3x5x4xf32>
func.func @valid_mixed_strides(%x: tensor<?x11x6x1xf32>, %k: tensor<5x2x1x4xf32>) {
  %0 = cnn.conv2d %x, %k strides = [3, 1] : tensor<?x11x6x1xf32>, tensor<5x2x1x4xf32>
  return
}

// Dilation 2 turns a 3x3 window into 5x5: 28 - 5 + 1 = 24.
// CHECK-LABEL: sym_name = "dilated"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x24x24x8xf32>
func.func @dilated(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  %0 = cnn.conv2d %x, %k dilations = [2, 2] : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// same padding with dilation keeps the size at stride 1.
// CHECK-LABEL: sym_name = "dilated_same"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x13x13x8xf32>
func.func @dilated_same(%x: tensor<?x13x13x1xf32>, %k: tensor<3x3x1x8xf32>) {
  %0 = cnn.conv2d %x, %k dilations = [3, 3] padding = same : tensor<?x13x13x1xf32>, tensor<3x3x1x8xf32>
  return
}

// A static batch flows through unchanged.
// CHECK-LABEL: sym_name = "static_batch"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<17x26x26x8xf32>
// CHECK: "cnn.max_pool2d"{{.*}} -> tensor<17x13x13x8xf32>
// CHECK: "cnn.flatten"{{.*}} -> tensor<17x1352xf32>
// CHECK: "cnn.dense"{{.*}} -> tensor<17x10xf32>
func.func @static_batch(%x: tensor<17x28x28x1xf32>, %k: tensor<3x3x1x8xf32>, %w: tensor<1352x10xf32>) {
  %0 = cnn.conv2d %x, %k : tensor<17x28x28x1xf32>, tensor<3x3x1x8xf32>
  %1 = cnn.max_pool2d %0 window = [2, 2] : tensor<17x26x26x8xf32>
  %2 = cnn.flatten %1 : tensor<17x13x13x8xf32>
  %3 = cnn.dense %2, %w : tensor<17x1352xf32>, tensor<1352x10xf32>
  return
}

// Pooling: strides default to the window (Keras); valid floors, same ceils.
// CHECK-LABEL: sym_name = "pool_shapes"
// CHECK: "cnn.max_pool2d"{{.*}} -> tensor<?x3x3x4xf32>
// CHECK: "cnn.max_pool2d"{{.*}} -> tensor<?x4x4x4xf32>
// CHECK: "cnn.avg_pool2d"{{.*}} -> tensor<?x3x3x4xf32>
// CHECK: "cnn.min_pool2d"{{.*}} -> tensor<?x5x5x4xf32>
// CHECK: "cnn.avg_pool2d"{{.*}} -> tensor<?x3x2x4xf32>
func.func @pool_shapes(%x: tensor<?x7x7x4xf32>) {
  %0 = cnn.max_pool2d %x window = [2, 2] : tensor<?x7x7x4xf32>
  %1 = cnn.max_pool2d %x window = [2, 2] padding = same : tensor<?x7x7x4xf32>
  %2 = cnn.avg_pool2d %x window = [3, 3] strides = [2, 2] : tensor<?x7x7x4xf32>
  %3 = cnn.min_pool2d %x window = [3, 3] strides = [1, 1] : tensor<?x7x7x4xf32>
  %4 = cnn.avg_pool2d %x window = [3, 3] strides = [3, 4] padding = same : tensor<?x7x7x4xf32>
  return
}

// The reference model's chain at 28x28x1.
// CHECK-LABEL: sym_name = "reference_chain"
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x26x26x32xf32>
// CHECK: "cnn.max_pool2d"{{.*}} -> tensor<?x13x13x32xf32>
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x11x11x64xf32>
// CHECK: "cnn.max_pool2d"{{.*}} -> tensor<?x5x5x64xf32>
// CHECK: "cnn.conv2d"{{.*}} -> tensor<?x3x3x64xf32>
// CHECK: "cnn.flatten"{{.*}} -> tensor<?x576xf32>
func.func @reference_chain(%x: tensor<?x28x28x1xf32>, %k1: tensor<3x3x1x32xf32>,
                           %k2: tensor<3x3x32x64xf32>, %k3: tensor<3x3x64x64xf32>) {
  %0 = cnn.conv2d %x, %k1 : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
  %1 = cnn.max_pool2d %0 window = [2, 2] : tensor<?x26x26x32xf32>
  %2 = cnn.conv2d %1, %k2 : tensor<?x13x13x32xf32>, tensor<3x3x32x64xf32>
  %3 = cnn.max_pool2d %2 window = [2, 2] : tensor<?x11x11x64xf32>
  %4 = cnn.conv2d %3, %k3 : tensor<?x5x5x64xf32>, tensor<3x3x64x64xf32>
  %5 = cnn.flatten %4 : tensor<?x3x3x64xf32>
  return
}
