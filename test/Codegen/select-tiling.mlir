// The tiling strategy: R x J accumulators + J column vectors + 1 broadcast
// fit the vector registers, FMAs per load R*J/(R+J) is maximal, and R is
// lowered while the number of row blocks stays the same.
// RUN: cnnc-opt %s --cnn-select-tiling | FileCheck %s
// RUN: cnnc-opt %s --cnn-select-tiling=vector-registers=32 | FileCheck %s --check-prefix=AVX512
// RUN: cnnc-opt %s --cnn-select-tiling=parallel=false | FileCheck %s --check-prefix=SEQ
// RUN: not cnnc-opt %s --cnn-select-tiling=vector-width=6 2>&1 | FileCheck %s --check-prefix=WIDTH

// WIDTH: error: cnn-select-tiling: vector-width must be a power of two, got 6

// 64 columns = 8 vectors. 16 registers: 2 vectors x 6 rows (12 FMAs per 8
// loads); 32 registers: 4 vectors x 6 rows (24 per 10).
// CHECK-LABEL: func.func @conv
// CHECK:         linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = true>
// AVX512-LABEL:  func.func @conv
// AVX512:        linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 6, vectors = 4, width = 8, parallel = true>
// SEQ-LABEL:     func.func @conv
// SEQ:           #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = false>
func.func @conv(%x: tensor<?x13x13x32xf32>, %w: tensor<3x3x32x64xf32>, %init: tensor<?x11x11x64xf32>) -> tensor<?x11x11x64xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<?x13x13x32xf32>, tensor<3x3x32x64xf32>) outs(%init : tensor<?x11x11x64xf32>) -> tensor<?x11x11x64xf32>
  return %0 : tensor<?x11x11x64xf32>
}

// 13 rows at most 6 per tile: 3 blocks either way, so 5 rows (5, 5, 3).
// CHECK-LABEL: func.func @balanced_rows
// CHECK:         #cnn.tiling<rows = 5, vectors = 2, width = 8, parallel = true>
func.func @balanced_rows(%a: tensor<13x576xf32>, %b: tensor<576x64xf32>, %init: tensor<13x64xf32>) -> tensor<13x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x576xf32>, tensor<576x64xf32>) outs(%init : tensor<13x64xf32>) -> tensor<13x64xf32>
  return %0 : tensor<13x64xf32>
}

// A dynamic row extent keeps the largest tile.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK:         #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = true>
func.func @dynamic_rows(%a: tensor<?x576xf32>, %b: tensor<576x64xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<?x576xf32>, tensor<576x64xf32>) outs(%init : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// Too little work for a fork/join: sequential.
// CHECK-LABEL: func.func @small
// CHECK:         #cnn.tiling<rows = 4, vectors = 1, width = 8, parallel = false>
func.func @small(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// Not annotated: 10 columns are not whole vectors; an element-wise op is no
// contraction; a transposed operand is not contiguous along the columns.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     cnn.tiling
// CHECK:         return
func.func @left_alone(%a: tensor<?x64xf32>, %b: tensor<64x10xf32>, %init: tensor<?x10xf32>,
                      %bt: tensor<16x64xf32>, %init16: tensor<?x16xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x16xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x10xf32>) outs(%init : tensor<?x10xf32>) -> tensor<?x10xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<?x10xf32>) outs(%init : tensor<?x10xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<?x10xf32>
  %2 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
         ins(%a, %bt : tensor<?x64xf32>, tensor<16x64xf32>) outs(%init16 : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %0, %1, %2 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x16xf32>
}

// A tiling already in the IR wins.
// CHECK-LABEL: func.func @annotated
// CHECK:         #cnn.tiling<rows = 2, vectors = 1, width = 8, parallel = false>
func.func @annotated(%a: tensor<?x576xf32>, %b: tensor<576x64xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 2, vectors = 1, width = 8, parallel = false>}
         ins(%a, %b : tensor<?x576xf32>, tensor<576x64xf32>) outs(%init : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// A filter gradient reduces over the (dynamic) batch, then 11 x 11
// positions of one image: the batch loop goes outside the row blocks.
// CHECK-LABEL: func.func @filter_gradient
// CHECK:         #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = true, outer_reductions = 1>
func.func @filter_gradient(%x: tensor<?x13x13x32xf32>, %dy: tensor<?x11x11x64xf32>, %init: tensor<3x3x32x64xf32>) -> tensor<3x3x32x64xf32> {
  %0 = linalg.generic {
         indexing_maps = [affine_map<(kh, kw, c, f, n, oh, ow) -> (n, oh + kh, ow + kw, c)>,
                          affine_map<(kh, kw, c, f, n, oh, ow) -> (n, oh, ow, f)>,
                          affine_map<(kh, kw, c, f, n, oh, ow) -> (kh, kw, c, f)>],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         ins(%x, %dy : tensor<?x13x13x32xf32>, tensor<?x11x11x64xf32>) outs(%init : tensor<3x3x32x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x3x32x64xf32>
  return %0 : tensor<3x3x32x64xf32>
}
