// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-duplicate-fills))' | FileCheck %s

// One zero tensor (CSE'd) starts two sums: each gets its own empty + fill,
// the first user keeps the original.
// CHECK-LABEL: func.func @shared_zero(
// CHECK:         %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK:         %[[Z1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
// CHECK:         %[[A:.*]] = linalg.generic {{.*}} outs(%[[Z1]] : tensor<4xf32>)
// CHECK:         %[[E2:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    %[[Z2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<4xf32>)
// CHECK-NEXT:    %[[B:.*]] = linalg.generic {{.*}} outs(%[[Z2]] : tensor<4xf32>)
// CHECK:         return %[[A]], %[[B]]
func.func @shared_zero(%x: tensor<8x4xf32>, %y: tensor<8x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %a = linalg.generic {
      indexing_maps = [affine_map<(c, n) -> (n, c)>, affine_map<(c, n) -> (c)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x4xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %b = linalg.generic {
      indexing_maps = [affine_map<(c, n) -> (n, c)>, affine_map<(c, n) -> (c)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%y : tensor<8x4xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// A generalized fill (no inputs, the init not read) counts too.
// CHECK-LABEL: func.func @generalized_fill(
// CHECK-COUNT-2: tensor.empty() : tensor<4xf32>
func.func @generalized_fill(%x: tensor<8x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.generic {
      indexing_maps = [affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      outs(%e : tensor<4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<4xf32>
  %a = linalg.generic {
      indexing_maps = [affine_map<(c, n) -> (n, c)>, affine_map<(c, n) -> (c)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x4xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %b = arith.addf %zero, %zero : f32
  %c = linalg.generic {
      indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>],
      iterator_types = ["parallel"]}
      ins(%z : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %a, %c : tensor<4xf32>, tensor<4xf32>
}

// -----

// An op that reads its init (an accumulation) is not a fill: unchanged.
// CHECK-LABEL: func.func @reads_init(
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT:     tensor.empty
func.func @reads_init(%init: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %d = linalg.generic {
      indexing_maps = [affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      outs(%init : tensor<4xf32>) {
  ^bb0(%o: f32):
    %t = arith.addf %o, %o : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %a = linalg.copy ins(%d : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %a, %d : tensor<4xf32>, tensor<4xf32>
}
