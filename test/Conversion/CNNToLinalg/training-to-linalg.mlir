// Gradient, loss and optimizer ops lower to linalg on tensors.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not='= cnn.'

// CHECK-DAG: #[[$FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>
// CHECK-DAG: #[[$XMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5 * 2 + d0, d6 * 2 + d1, d2)>
// CHECK-DAG: #[[$DYMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG: #[[$WINDOW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d2 floordiv 2, d3)>

// Stride 2, same padding on 8x8 with 3x3: the gradient is dilated to 7x7,
// padded by (3-1)-0 = 2 before and 8+0-6-1 = 1 after, and convolved at
// stride 1 with the flipped, transposed filter.
// CHECK-LABEL: func.func @conv_grad_input
// CHECK:         %[[ZEROS:.*]] = linalg.fill {{.*}} -> tensor<?x7x7x4xf32>
// CHECK:         %[[DIL:.*]] = tensor.insert_slice %{{.*}} into %[[ZEROS]][0, 0, 0, 0] [%{{.*}}, 4, 4, 4] [1, 2, 2, 1]
// CHECK:         %[[PAD:.*]] = tensor.pad %[[DIL]] low[0, 2, 2, 0] high[0, 1, 1, 0]
// CHECK:         } : tensor<?x7x7x4xf32> to tensor<?x10x10x4xf32>
// CHECK:         %[[FLIPPED:.*]] = linalg.generic {indexing_maps = [#[[$FLIP]], {{.*}}]{{.*}} outs(%{{.*}} : tensor<3x3x4x2xf32>)
// CHECK:         linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[PAD]], %[[FLIPPED]] : tensor<?x10x10x4xf32>, tensor<3x3x4x2xf32>) {{.*}} -> tensor<?x8x8x2xf32>
func.func @conv_grad_input(%dy: tensor<?x4x4x4xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<?x8x8x2xf32> {
  %0 = cnn.conv2d_grad_input %dy, %w strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x4x4x4xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x2xf32>
  return %0 : tensor<?x8x8x2xf32>
}

// dw[kh, kw, c, f] = sum over (n, oh, ow) of x[n, 2 oh + kh, 2 ow + kw, c] dy[n, oh, ow, f].
// CHECK-LABEL: func.func @conv_grad_filter
// CHECK:         tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK:         linalg.generic {indexing_maps = [#[[$XMAP]], #[[$DYMAP]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @conv_grad_filter(%x: tensor<?x8x8x2xf32>, %dy: tensor<?x4x4x4xf32>) -> tensor<3x3x2x4xf32> {
  %0 = cnn.conv2d_grad_filter %x, %dy strides = [2, 2] dilations = [1, 1] padding = same : (tensor<?x8x8x2xf32>, tensor<?x4x4x4xf32>) -> tensor<3x3x2x4xf32>
  return %0 : tensor<3x3x2x4xf32>
}

// Max pooling with overlapping windows: first maximum of each window (strict
// ogt), then a gather of the dilated gradient where the recorded position
// matches.
// CHECK-LABEL: func.func @max_pool_grad
// CHECK:         %[[POS:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:           arith.cmpf ogt
// CHECK:           linalg.index 4
// CHECK:           linalg.index 5
// CHECK:         } -> (tensor<?x2x2x3xf32>, tensor<?x2x2x3xi32>)
// CHECK:         tensor.insert_slice %[[POS]]#1 into %{{.*}}[0, 0, 0, 0] [%{{.*}}, 2, 2, 3] [1, 2, 2, 1]
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:           arith.cmpi eq
// CHECK:           arith.select
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 0, 0] [%{{.*}}, 5, 5, 3] [1, 1, 1, 1]
func.func @max_pool_grad(%x: tensor<?x5x5x3xf32>, %dy: tensor<?x2x2x3xf32>) -> tensor<?x5x5x3xf32> {
  %0 = cnn.pool2d_grad max %x, %dy window = [3, 3] strides = [2, 2] padding = valid : tensor<?x5x5x3xf32>, tensor<?x2x2x3xf32>
  return %0 : tensor<?x5x5x3xf32>
}

// Windows that tile the input (stride = window, valid): each input element
// reads its own window's gradient through floordiv maps; the last row and
// column, outside every window, are zeros.
// CHECK-LABEL: func.func @max_pool_grad_tiled
// CHECK:         %[[POS:.*]]:2 = linalg.generic
// CHECK:         %[[DX:.*]] = linalg.generic {indexing_maps = [#[[$WINDOW]], #[[$WINDOW]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}}, %[[POS]]#1 : tensor<?x2x2x3xf32>, tensor<?x2x2x3xi32>) outs(%{{.*}} : tensor<?x4x4x3xf32>)
// CHECK:           arith.remui
// CHECK:           arith.cmpi eq
// CHECK:           arith.select
// CHECK:         %[[ZEROS:.*]] = linalg.fill
// CHECK:         tensor.insert_slice %[[DX]] into %[[ZEROS]][0, 0, 0, 0] [%{{.*}}, 4, 4, 3] [1, 1, 1, 1]
func.func @max_pool_grad_tiled(%x: tensor<?x5x5x3xf32>, %dy: tensor<?x2x2x3xf32>) -> tensor<?x5x5x3xf32> {
  %0 = cnn.pool2d_grad max %x, %dy window = [2, 2] strides = [2, 2] padding = valid : tensor<?x5x5x3xf32>, tensor<?x2x2x3xf32>
  return %0 : tensor<?x5x5x3xf32>
}

// CHECK-LABEL: func.func @avg_pool_grad_tiled
// CHECK:         linalg.generic {indexing_maps = [#[[$WINDOW]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<?x2x2x3xf32>) outs(%{{.*}} : tensor<?x4x4x3xf32>)
// CHECK:           arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-NOT:     tensor.insert_slice
// CHECK:         return
func.func @avg_pool_grad_tiled(%x: tensor<?x4x4x3xf32>, %dy: tensor<?x2x2x3xf32>) -> tensor<?x4x4x3xf32> {
  %0 = cnn.pool2d_grad avg %x, %dy window = [2, 2] strides = [2, 2] padding = valid : tensor<?x4x4x3xf32>, tensor<?x2x2x3xf32>
  return %0 : tensor<?x4x4x3xf32>
}

// Average pooling: scale by 1/count, dilate, pad, sum-pool at stride 1.
// CHECK-LABEL: func.func @avg_pool_grad
// CHECK:         arith.mulf
// CHECK:         linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK:         tensor.extract_slice
func.func @avg_pool_grad(%x: tensor<?x5x5x3xf32>, %dy: tensor<?x3x3x3xf32>) -> tensor<?x5x5x3xf32> {
  %0 = cnn.pool2d_grad avg %x, %dy window = [3, 3] strides = [2, 2] padding = same : tensor<?x5x5x3xf32>, tensor<?x3x3x3xf32>
  return %0 : tensor<?x5x5x3xf32>
}

// CHECK-LABEL: func.func @dense_grads
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK:         linalg.generic
// CHECK:           arith.cmpf ogt
// CHECK:           arith.select
// CHECK:         tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 2, 3]
func.func @dense_grads(%g: tensor<?x3xf32>, %k: tensor<6x3xf32>, %y: tensor<?x3xf32>) -> (tensor<?x6xf32>, tensor<3xf32>, tensor<?x3xf32>, tensor<?x2x3xf32>) {
  %0 = cnn.matmul %g, %k transpose_rhs : (tensor<?x3xf32>, tensor<6x3xf32>) -> tensor<?x6xf32>
  %1 = cnn.reduce_to_channels %g : tensor<?x3xf32> -> tensor<3xf32>
  %2 = cnn.activation_grad relu %y, %g : tensor<?x3xf32>
  %3 = cnn.reshape %0 : tensor<?x6xf32> -> tensor<?x2x3xf32>
  return %0, %1, %2, %3 : tensor<?x6xf32>, tensor<3xf32>, tensor<?x3xf32>, tensor<?x2x3xf32>
}

// Cross-entropy with the log-sum-exp trick; the gradient is divided by N.
// CHECK-LABEL: func.func @loss
// CHECK:         arith.maxui
// CHECK:         arith.maximumf
// CHECK:         math.exp
// CHECK:         math.log
// CHECK:         linalg.index 1
// CHECK:         arith.divf
// CHECK:         arith.cmpf ogt
func.func @loss(%logits: tensor<?x10xf32>, %labels: tensor<?xi32>) -> (tensor<f32>, tensor<?x10xf32>, tensor<i64>) {
  %loss, %grad = cnn.loss sparse_categorical_crossentropy %logits, %labels : (tensor<?x10xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<?x10xf32>)
  %c = cnn.count_correct %logits, %labels : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<i64>
  return %loss, %grad, %c : tensor<f32>, tensor<?x10xf32>, tensor<i64>
}

// Adam: bias correction once per step, one element-wise pass updating
// parameters and both moments in place.
// CHECK-LABEL: func.func @adam
// CHECK:         math.powf
// CHECK:         math.sqrt
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<10xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
// CHECK:           math.sqrt
// CHECK:           linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
func.func @adam(%p: tensor<10xf32>, %g: tensor<10xf32>, %m: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32, %t: i64) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) {
  %0:3 = cnn.adam_update %p, %g, %m, %v, %lr, %t beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-7 : tensor<10xf32>
  return %0#0, %0#1, %0#2 : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>
}

// CHECK-LABEL: func.func @sgd
// CHECK:         linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<10xf32>, tensor<10xf32>)
// CHECK:           arith.mulf
// CHECK:           linalg.yield %{{.*}}, %{{.*}} : f32, f32
func.func @sgd(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) -> (tensor<10xf32>, tensor<10xf32>) {
  %0:2 = cnn.sgd_update %p, %g, %v, %lr momentum = 0.9 nesterov : tensor<10xf32>
  return %0#0, %0#1 : tensor<10xf32>, tensor<10xf32>
}
