// The loop over the output's last dimension becomes the innermost loop.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-innermost-channel-loop))' | FileCheck %s

// conv (n, oh, ow, f | kh, kw, c) -> (n, oh, ow, kh, kw, c, f): the filter
// and the output are read along f, which LLVM vectorizes.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK-DAG: #[[$FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d5, d6)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d6)>
// CHECK-DAG: #[[$MM_A:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$MM_B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$MM_C:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @conv
// CHECK:         linalg.generic {indexing_maps = [#[[$IN]], #[[$FILTER]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
func.func @conv(%x: memref<2x6x6x3xf32>, %w: memref<3x3x3x8xf32>, %y: memref<2x4x4x8xf32>) {
  linalg.conv_2d_nhwc_hwcf ins(%x, %w : memref<2x6x6x3xf32>, memref<3x3x3x8xf32>) outs(%y : memref<2x4x4x8xf32>)
  return
}

// matmul (i, j | k) -> (i, k, j).
// CHECK-LABEL: func.func @matmul
// CHECK:         linalg.generic {indexing_maps = [#[[$MM_A]], #[[$MM_B]], #[[$MM_C]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @matmul(%a: memref<4x5xf32>, %b: memref<5x6xf32>, %c: memref<4x6xf32>) {
  linalg.matmul ins(%a, %b : memref<4x5xf32>, memref<5x6xf32>) outs(%c : memref<4x6xf32>)
  return
}

// Already innermost, or a rank-1 output: left alone.
// CHECK-LABEL: func.func @untouched
// CHECK:         linalg.fill
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
func.func @untouched(%a: memref<4x6xf32>, %r: memref<4xf32>, %f: f32) {
  linalg.fill ins(%f : f32) outs(%a : memref<4x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x6xf32>) outs(%r : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  return
}
