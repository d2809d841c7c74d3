// Every cnn layer op lowers to linalg/tensor ops on tensors.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not=cnn.

// CHECK-DAG: #[[$ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// CHECK-LABEL: func.func @conv_valid_bias_relu
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x5x5x2xf32>
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[N]]) : tensor<?x3x3x4xf32>
// CHECK:         %[[BIAS:.*]] = linalg.broadcast ins(%{{.*}} : tensor<4xf32>) outs(%[[EMPTY]] : tensor<?x3x3x4xf32>) dimensions = [0, 1, 2]
// CHECK:         %[[CONV:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<?x5x5x2xf32>, tensor<3x3x2x4xf32>) outs(%[[BIAS]] : tensor<?x3x3x4xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[CONV]] : tensor<?x3x3x4xf32>)
// CHECK:           arith.maximumf
func.func @conv_valid_bias_relu(%x: tensor<?x5x5x2xf32>, %k: tensor<3x3x2x4xf32>, %b: tensor<4xf32>) -> tensor<?x3x3x4xf32> {
  %0 = cnn.conv2d %x, %k, %b activation = relu : tensor<?x5x5x2xf32>, tensor<3x3x2x4xf32>, tensor<4xf32>
  return %0 : tensor<?x3x3x4xf32>
}

// 8 rows, stride 2: 4 outputs, total pad 1, all after; 7 columns: pad 1 + 1.
// CHECK-LABEL: func.func @conv_same_stride2
// CHECK:         %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 1, 1, 0]
// CHECK:           tensor.yield %{{.*}} : f32
// CHECK:         } : tensor<?x8x7x1xf32> to tensor<?x9x9x1xf32>
// CHECK:         linalg.fill
// CHECK:         linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %{{.*}} : tensor<?x9x9x1xf32>, tensor<3x3x1x4xf32>)
// CHECK-NOT:     linalg.generic
func.func @conv_same_stride2(%x: tensor<?x8x7x1xf32>, %k: tensor<3x3x1x4xf32>) -> tensor<?x4x4x4xf32> {
  %0 = cnn.conv2d %x, %k strides = [2, 2] dilations = [1, 1] padding = same : tensor<?x8x7x1xf32>, tensor<3x3x1x4xf32>
  return %0 : tensor<?x4x4x4xf32>
}

// Padding with -inf never wins the maximum.
// CHECK-LABEL: func.func @max_pool_same
// CHECK:         %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      tensor.yield %[[NEGINF]] : f32
// CHECK:         linalg.fill ins(%{{.*}} : f32)
// CHECK:         %[[WINDOW:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK:         linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %[[WINDOW]] : tensor<?x6x6x3xf32>, tensor<2x2xf32>)
func.func @max_pool_same(%x: tensor<?x5x5x3xf32>) -> tensor<?x3x3x3xf32> {
  %0 = cnn.max_pool2d %x window = [2, 2] padding = same : tensor<?x5x5x3xf32>
  return %0 : tensor<?x3x3x3xf32>
}

// Keras divides by the number of window elements inside the input (4 at
// the corners, 6 on the edges, 9 in the middle here): each output position
// computes min(oh * 2 + 3, 1 + 5) - max(oh * 2, 1) rows times the same for
// columns from its indices, so no table the size of the output is built at
// compile time (a 4096 x 4096 image once exhausted memory).
// CHECK-LABEL: func.func @avg_pool_same
// CHECK:         tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK:         %[[SUM:.*]] = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK:         linalg.generic {{.*}} outs(%[[SUM]] : tensor<?x3x3x3xf32>)
// CHECK:           %[[OH:.*]] = linalg.index 1
// CHECK:           %[[START:.*]] = arith.muli %[[OH]], %{{.*}}
// CHECK:           arith.maxsi %[[START]], %{{.*}}
// CHECK:           arith.minsi
// CHECK:           linalg.index 2
// CHECK:           %[[COUNT:.*]] = arith.muli
// CHECK:           arith.divf
// CHECK:           arith.mulf
// CHECK-NOT:     arith.constant dense
func.func @avg_pool_same(%x: tensor<?x5x5x3xf32>) -> tensor<?x3x3x3xf32> {
  %0 = cnn.avg_pool2d %x window = [3, 3] strides = [2, 2] padding = same : tensor<?x5x5x3xf32>
  return %0 : tensor<?x3x3x3xf32>
}

// Without padding every window is whole: one constant factor, 1/4.
// CHECK-LABEL: func.func @avg_pool_valid
// CHECK:         linalg.generic
// CHECK-NOT:       linalg.index
// CHECK:           arith.mulf %{{.*}}, %{{.*}} : f32
func.func @avg_pool_valid(%x: tensor<?x4x4x3xf32>) -> tensor<?x2x2x3xf32> {
  %0 = cnn.avg_pool2d %x window = [2, 2] : tensor<?x4x4x3xf32>
  return %0 : tensor<?x2x2x3xf32>
}

// CHECK-LABEL: func.func @min_pool_valid
// CHECK-NOT:     tensor.pad
// CHECK:         arith.constant 0x7F800000 : f32
// CHECK:         linalg.pooling_nhwc_min {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<?x4x4x3xf32>, tensor<2x2xf32>)
func.func @min_pool_valid(%x: tensor<?x4x4x3xf32>) -> tensor<?x2x2x3xf32> {
  %0 = cnn.min_pool2d %x window = [2, 2] : tensor<?x4x4x3xf32>
  return %0 : tensor<?x2x2x3xf32>
}

// CHECK-LABEL: func.func @dense_sigmoid
// CHECK:         %[[BIAS:.*]] = linalg.broadcast ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<?x3xf32>) dimensions = [0]
// CHECK:         %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x6xf32>, tensor<6x3xf32>) outs(%[[BIAS]] : tensor<?x3xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[MM]] : tensor<?x3xf32>)
// CHECK:           arith.negf
// CHECK:           math.exp
// CHECK:           arith.divf
func.func @dense_sigmoid(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %0 = cnn.dense %x, %k, %b activation = sigmoid : tensor<?x6xf32>, tensor<6x3xf32>, tensor<3xf32>
  return %0 : tensor<?x3xf32>
}

// CHECK-LABEL: func.func @dense_no_bias
// CHECK:         %[[ZERO:.*]] = linalg.fill
// CHECK:         linalg.matmul {{.*}} outs(%[[ZERO]] : tensor<?x3xf32>)
// CHECK-NOT:     linalg.generic
func.func @dense_no_bias(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>) -> tensor<?x3xf32> {
  %0 = cnn.dense %x, %k : tensor<?x6xf32>, tensor<6x3xf32>
  return %0 : tensor<?x3xf32>
}

// CHECK-LABEL: func.func @flatten
// CHECK:         tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<?x3x3x64xf32> into tensor<?x576xf32>
func.func @flatten(%x: tensor<?x3x3x64xf32>) -> tensor<?x576xf32> {
  %0 = cnn.flatten %x : tensor<?x3x3x64xf32>
  return %0 : tensor<?x576xf32>
}

// CHECK-LABEL: func.func @elementwise
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK:         linalg.generic
// CHECK:           math.tanh
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<?x10xf32>)
// CHECK:           arith.addf
func.func @elementwise(%x: tensor<?x10xf32>, %y: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = cnn.relu %x : tensor<?x10xf32>
  %1 = cnn.tanh %0 : tensor<?x10xf32>
  %2 = cnn.add %1, %y : tensor<?x10xf32>
  return %2 : tensor<?x10xf32>
}

// linalg.softmax's decomposition: max, exp(x - max), sum, divide.
// CHECK-LABEL: func.func @softmax
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maxnumf
// CHECK:         linalg.generic
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.divf
func.func @softmax(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = cnn.softmax %x : tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}
