// Global pooling, zero padding, concatenation and their gradients lower to
// linalg and tensor ops on tensors.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not='= cnn.'

// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[$IMAGE:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// Average: one reduction over H and W into zeros (no window op), then a
// division by H * W = 35.
// CHECK-LABEL: func.func @global_avg
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK:         %[[SUM:.*]] = linalg.reduce ins(%{{.*}} : tensor<?x7x5x3xf32>) outs(%[[ZERO]] : tensor<?x3xf32>) dimensions = [1, 2]
// CHECK:           arith.addf
// CHECK:         %[[N:.*]] = arith.constant 3.500000e+01 : f32
// CHECK:         linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x3xf32>)
// CHECK:           arith.divf %{{.*}}, %[[N]]
func.func @global_avg(%x: tensor<?x7x5x3xf32>) -> tensor<?x3xf32> {
  %0 = cnn.global_avg_pool2d %x : tensor<?x7x5x3xf32>
  return %0 : tensor<?x3xf32>
}

// Max from -inf with maximumf; keepdims expands [N, C] to [N, 1, 1, C]. A
// 64x64 image is one reduction like any other.
// CHECK-LABEL: func.func @global_max_keepdims
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK:         %[[MAX:.*]] = linalg.reduce ins(%{{.*}} : tensor<?x64x64x3xf32>) {{.*}} dimensions = [1, 2]
// CHECK:           arith.maximumf
// CHECK:         tensor.expand_shape %[[MAX]] {{\[}}[0], [1, 2, 3]] {{.*}} : tensor<?x3xf32> into tensor<?x1x1x3xf32>
func.func @global_max_keepdims(%x: tensor<?x64x64x3xf32>) -> tensor<?x1x1x3xf32> {
  %0 = cnn.global_max_pool2d %x keepdims : tensor<?x64x64x3xf32>
  return %0 : tensor<?x1x1x3xf32>
}

// dx = dy / (H * W), broadcast over H and W.
// CHECK-LABEL: func.func @global_avg_grad
// CHECK:         linalg.generic {indexing_maps = [#[[$ROW]], #[[$IMAGE]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<?x3xf32>) outs(%{{.*}} : tensor<?x7x5x3xf32>)
// CHECK:           arith.divf
func.func @global_avg_grad(%dy: tensor<?x3xf32>) -> tensor<?x7x5x3xf32> {
  %0 = cnn.global_avg_pool2d_grad %dy : tensor<?x3xf32> -> tensor<?x7x5x3xf32>
  return %0 : tensor<?x7x5x3xf32>
}

// Ties share: count the maxima per (n, c), then dy / count where x == y.
// CHECK-LABEL: func.func @global_max_grad
// CHECK:         %[[COUNT:.*]] = linalg.generic {indexing_maps = [#[[$IMAGE]], #[[$ROW]], #[[$ROW]]], iterator_types = ["parallel", "reduction", "reduction", "parallel"]}
// CHECK:           arith.cmpf oeq
// CHECK:           arith.uitofp
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[COUNT]] : {{.*}}) outs(%{{.*}} : tensor<?x7x5x3xf32>)
// CHECK:           %[[SHARE:.*]] = arith.divf
// CHECK:           %[[HIT:.*]] = arith.cmpf oeq
// CHECK:           arith.select %[[HIT]], %[[SHARE]]
func.func @global_max_grad(%x: tensor<?x7x5x3xf32>, %y: tensor<?x3xf32>, %dy: tensor<?x3xf32>) -> tensor<?x7x5x3xf32> {
  %0 = cnn.global_max_pool2d_grad %x, %y, %dy : tensor<?x7x5x3xf32>, tensor<?x3xf32>
  return %0 : tensor<?x7x5x3xf32>
}

// CHECK-LABEL: func.func @zero_pad
// CHECK:         %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         tensor.pad %{{.*}} low[0, 1, 3, 0] high[0, 2, 4, 0]
// CHECK:           tensor.yield %[[Z]]
// CHECK:         } : tensor<?x7x5x3xf32> to tensor<?x10x12x3xf32>
func.func @zero_pad(%x: tensor<?x7x5x3xf32>) -> tensor<?x10x12x3xf32> {
  %0 = cnn.zero_pad2d %x padding = [1, 2, 3, 4] : tensor<?x7x5x3xf32>
  return %0 : tensor<?x10x12x3xf32>
}

// Each input at its channel offset 0, 2, 5 of one result.
// CHECK-LABEL: func.func @concat
// CHECK:         %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x7x5x6xf32>
// CHECK:         %[[I0:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0, 0, 0] [%{{.*}}, 7, 5, 2] [1, 1, 1, 1]
// CHECK:         %[[I1:.*]] = tensor.insert_slice %{{.*}} into %[[I0]][0, 0, 0, 2] [%{{.*}}, 7, 5, 3] [1, 1, 1, 1]
// CHECK:         %[[I2:.*]] = tensor.insert_slice %{{.*}} into %[[I1]][0, 0, 0, 5] [%{{.*}}, 7, 5, 1] [1, 1, 1, 1]
// CHECK:         return %[[I2]]
func.func @concat(%a: tensor<?x7x5x2xf32>, %b: tensor<?x7x5x3xf32>, %c: tensor<?x7x5x1xf32>) -> tensor<?x7x5x6xf32> {
  %0 = cnn.concat %a, %b, %c : tensor<?x7x5x2xf32>, tensor<?x7x5x3xf32>, tensor<?x7x5x1xf32>
  return %0 : tensor<?x7x5x6xf32>
}

// The whole batch, the static box at the offsets.
// CHECK-LABEL: func.func @slice
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x8x8x3xf32>
// CHECK:         tensor.extract_slice %{{.*}}[0, 1, 2, 0] [%[[N]], 5, 5, 3] [1, 1, 1, 1] : tensor<?x8x8x3xf32> to tensor<?x5x5x3xf32>
func.func @slice(%dy: tensor<?x8x8x3xf32>) -> tensor<?x5x5x3xf32> {
  %0 = cnn.slice %dy offsets = [0, 1, 2, 0] : tensor<?x8x8x3xf32> -> tensor<?x5x5x3xf32>
  return %0 : tensor<?x5x5x3xf32>
}

// A static batch read into a dynamic result: the slice is static, then cast.
// CHECK-LABEL: func.func @slice_static_batch
// CHECK:         %[[S:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 1] [4, 8, 8, 2] [1, 1, 1, 1] : tensor<4x8x8x3xf32> to tensor<4x8x8x2xf32>
// CHECK:         tensor.cast %[[S]] : tensor<4x8x8x2xf32> to tensor<?x8x8x2xf32>
func.func @slice_static_batch(%dy: tensor<4x8x8x3xf32>) -> tensor<?x8x8x2xf32> {
  %0 = cnn.slice %dy offsets = [0, 0, 0, 1] : tensor<4x8x8x3xf32> -> tensor<?x8x8x2xf32>
  return %0 : tensor<?x8x8x2xf32>
}
