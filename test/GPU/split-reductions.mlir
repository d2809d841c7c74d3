// RUN: cnnc-opt %s --cnn-gpu-split-reductions --canonicalize --split-input-file | FileCheck %s
// RUN: cnnc-opt %s --cnn-gpu-split-reductions="target-threads=1" --split-input-file | FileCheck %s --check-prefix=NONE
// RUN: not cnnc-opt %s --cnn-gpu-split-reductions="min-reduction=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=OPTION

// OPTION: error: target-threads, min-reduction and assumed-dynamic-size must be positive

// A bias gradient, 32 sums over batch x 26 x 26, becomes a tree: partial
// sums over the width for each (batch, row, channel), then over the rows for
// each (batch, channel), then over the batch into the init. The partial
// sums keep the channel innermost.
// CHECK-LABEL: func.func @bias_gradient(
// CHECK-SAME:    %[[GRAD:.*]]: tensor<?x26x26x32xf32>, %[[INIT:.*]]: tensor<32xf32>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.0
// CHECK:         %[[ROWS:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?x26x32xf32>)
// CHECK:         %[[BY_ROW:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[GRAD]] : tensor<?x26x26x32xf32>) outs(%[[ROWS]] : tensor<?x26x32xf32>)
// CHECK:           arith.addf
// CHECK:         %[[IMAGES:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK:         %[[BY_IMAGE:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[BY_ROW]] : tensor<?x26x32xf32>) outs(%[[IMAGES]] : tensor<?x32xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[BY_IMAGE]] : tensor<?x32xf32>) outs(%[[INIT]] : tensor<32xf32>)
// CHECK:           %[[ADD:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:           linalg.yield %[[ADD]]
// CHECK:         return %[[SUM]]
// NONE-LABEL: func.func @bias_gradient(
// NONE-COUNT-1: linalg.generic
// NONE-NOT:     linalg.generic
func.func @bias_gradient(%grad: tensor<?x26x26x32xf32>, %init: tensor<32xf32>) -> tensor<32xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(c, n, h, w) -> (n, h, w, c)>,
                       affine_map<(c, n, h, w) -> (c)>],
      iterator_types = ["parallel", "reduction", "reduction", "reduction"]}
      ins(%grad : tensor<?x26x26x32xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%g: f32, %acc: f32):
    %s = arith.addf %acc, %g : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// -----

// A dense product with 2048 outputs and K = 576: K is cut into 18 chunks of
// 32 (expanding both operands), each summed by its own thread, then the 18
// partials are added into the init.
// CHECK-LABEL: func.func @long_k(
// CHECK-SAME:    %[[A:.*]]: tensor<?x576xf32>, %[[B:.*]]: tensor<576x64xf32>, %[[INIT:.*]]: tensor<?x64xf32>)
// CHECK-DAG:     %[[A3:.*]] = tensor.expand_shape %[[A]] {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 18, 32]
// CHECK-DAG:     %[[B3:.*]] = tensor.expand_shape %[[B]] {{\[}}[0, 1], [2]] output_shape [18, 32, 64]
// CHECK:         %[[PARTS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<18x?x64xf32>)
// CHECK:         %[[PARTIAL:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[A3]], %[[B3]] : tensor<?x18x32xf32>, tensor<18x32x64xf32>) outs(%[[PARTS]] : tensor<18x?x64xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[PARTIAL]] : tensor<18x?x64xf32>) outs(%[[INIT]] : tensor<?x64xf32>)
// NONE-LABEL: func.func @long_k(
// NONE:         linalg.matmul
func.func @long_k(%a: tensor<?x576xf32>, %b: tensor<576x64xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<?x576xf32>, tensor<576x64xf32>) outs(%init : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Enough threads already (131072 outputs): unchanged.
// CHECK-LABEL: func.func @wide(
// CHECK-NEXT:    linalg.matmul
// CHECK-NEXT:    return
func.func @wide(%a: tensor<512x64xf32>, %b: tensor<64x256xf32>, %init: tensor<512x256xf32>) -> tensor<512x256xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<512x64xf32>, tensor<64x256xf32>) outs(%init : tensor<512x256xf32>) -> tensor<512x256xf32>
  return %0 : tensor<512x256xf32>
}

// -----

// A short reduction (K = 10) is not worth a second kernel.
// CHECK-LABEL: func.func @short_k(
// CHECK-NEXT:    linalg.matmul
// CHECK-NEXT:    return
func.func @short_k(%a: tensor<4x10xf32>, %b: tensor<10x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x10xf32>, tensor<10x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// A maximum is not a sum: unchanged.
// CHECK-LABEL: func.func @max(
// CHECK-NEXT:    linalg.generic
// CHECK:         arith.maximumf
// CHECK-NOT:     linalg.generic
func.func @max(%x: tensor<4096x32xf32>, %init: tensor<32xf32>) -> tensor<32xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(c, n) -> (n, c)>, affine_map<(c, n) -> (c)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4096x32xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %acc, %v : f32
    linalg.yield %m : f32
  } -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// -----

// The accumulator used twice (acc * acc + x) is not a plain sum: unchanged.
// CHECK-LABEL: func.func @not_a_sum(
// CHECK-NEXT:    linalg.generic
// CHECK-NOT:     linalg.generic
func.func @not_a_sum(%x: tensor<4096x32xf32>, %init: tensor<32xf32>) -> tensor<32xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(c, n) -> (n, c)>, affine_map<(c, n) -> (c)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4096x32xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %acc, %acc : f32
    %s = arith.addf %sq, %v : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// -----

// Loop indices in the body: the chunked dimension would change their
// meaning, so a single long dimension is left alone.
// CHECK-LABEL: func.func @indexed(
// CHECK-NEXT:    linalg.generic
// CHECK:         linalg.index
// CHECK-NOT:     linalg.generic
func.func @indexed(%x: tensor<32x4096xf32>, %init: tensor<32xf32>) -> tensor<32xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(c, n) -> (c, n)>, affine_map<(c, n) -> (c)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<32x4096xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %i = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %p = arith.mulf %v, %f : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %0 : tensor<32xf32>
}
