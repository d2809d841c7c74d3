// RUN: cnnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-prepare-linalg))' | FileCheck %s

// Parallel dimensions come first, in the order of the output's dimensions
// (the innermost becomes consecutive threads, which then write consecutive
// elements); the reductions follow in their order.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d0, d3, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @reduction_first(
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]],
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction", "reduction"]
func.func @reduction_first(%x: memref<8x4x16x32xf32>, %out: memref<4x32xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(n, c, h, w) -> (n, h, w, c)>,
                       affine_map<(n, c, h, w) -> (h, c)>],
      iterator_types = ["reduction", "parallel", "parallel", "reduction"]}
      ins(%x : memref<8x4x16x32xf32>) outs(%out : memref<4x32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Already in order: unchanged.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @in_order(
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ID]]],
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
func.func @in_order(%x: memref<4x8xf32>, %out: memref<4x8xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%out : memref<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  return
}

// -----

// An op without parallel dimensions (a full reduction) is left as it is
// (cnn-gpu-single-thread-kernels puts it in a kernel after loop lowering).
// CHECK-LABEL: func.func @full_reduction(
// CHECK-NOT:     scf.parallel
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
func.func @full_reduction(%x: memref<16xf32>, %out: memref<f32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
      iterator_types = ["reduction"]}
      ins(%x : memref<16xf32>) outs(%out : memref<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Index ops follow the interchange: the old dimension 0 is the new 1.
// CHECK-DAG: #[[SECOND:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @indices(
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:           %[[I0:.*]] = linalg.index 0 : index
// CHECK:           %[[I1:.*]] = linalg.index 1 : index
// CHECK:           %[[R:.*]] = affine.apply #[[SECOND]](%[[I0]], %[[I1]])
// CHECK:           arith.index_cast %[[R]]
func.func @indices(%x: memref<16x4xf32>, %out: memref<4xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(r, p) -> (r, p)>, affine_map<(r, p) -> (p)>],
      iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<16x4xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = linalg.index 0 : index
    %ri = arith.index_cast %r : index to i32
    %rf = arith.sitofp %ri : i32 to f32
    %p = arith.mulf %v, %rf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

func.func @tensors(%x: tensor<4xf32>, %out: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{GPU lowering expects bufferized linalg ops}}
  %0 = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%out : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
