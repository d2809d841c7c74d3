// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-fuse-padding,canonicalize))' | FileCheck %s

// An input-gradient convolution of a zero-padded tensor: the pad is gone,
// the body reads the unpadded tensor at the shifted index, clamped, and
// selects the padding value outside (rows and columns only: the batch and
// channel dimensions are not padded).
// CHECK-LABEL: func.func @padded_convolution(
// CHECK-SAME:    %[[DY:.*]]: tensor<?x3x3x4xf32>, %[[W:.*]]: tensor<3x3x4x2xf32>
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[W]] : tensor<3x3x4x2xf32>)
// CHECK:           %[[N:.*]] = linalg.index 0
// CHECK:           %[[H:.*]] = linalg.index 1
// CHECK:           %[[KH:.*]] = linalg.index 4
// CHECK:           %[[F:.*]] = linalg.index 6
// CHECK:           %[[ROW:.*]] = affine.apply #{{.*}}()[%[[H]], %[[KH]]]
// CHECK:           %[[SHIFTED:.*]] = arith.subi %[[ROW]], %c2
// CHECK:           %[[GE:.*]] = arith.cmpi sge, %[[SHIFTED]], %c0
// CHECK:           %[[LT:.*]] = arith.cmpi slt, %[[SHIFTED]], %c3
// CHECK:           %[[INSIDE:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK:           %[[SAFE:.*]] = arith.select %[[INSIDE]], %[[SHIFTED]], %c0
// CHECK:           %[[ALL:.*]] = arith.andi %[[INSIDE]],
// CHECK:           %[[V:.*]] = tensor.extract %[[DY]][%[[N]], %[[SAFE]], %{{.*}}, %[[F]]]
// CHECK:           %[[E:.*]] = arith.select %[[ALL]], %[[V]], %cst
// CHECK:           arith.mulf %[[E]],
func.func @padded_convolution(%dy: tensor<?x3x3x4xf32>, %w: tensor<3x3x4x2xf32>, %init: tensor<?x5x5x2xf32>) -> tensor<?x5x5x2xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %dy low[0, 2, 2, 0] high[0, 2, 2, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x3x3x4xf32> to tensor<?x7x7x4xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(n, h, w, c, kh, kw, f) -> (n, h + kh, w + kw, f)>,
                       affine_map<(n, h, w, c, kh, kw, f) -> (kh, kw, f, c)>,
                       affine_map<(n, h, w, c, kh, kw, f) -> (n, h, w, c)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%padded, %w : tensor<?x7x7x4xf32>, tensor<3x3x4x2xf32>) outs(%init : tensor<?x5x5x2xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %p = arith.mulf %x, %k : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x5x5x2xf32>
  return %0 : tensor<?x5x5x2xf32>
}

// -----

// The padded operand is the only one that gives the row loop its range:
// unchanged.
// CHECK-LABEL: func.func @only_range_source(
// CHECK:         tensor.pad
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<7xf32>)
func.func @only_range_source(%x: tensor<3xf32>, %init: tensor<f32>) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[2] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f32
  } : tensor<3xf32> to tensor<7xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
      iterator_types = ["reduction"]}
      ins(%padded : tensor<7xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Dynamic padding amounts: unchanged.
// CHECK-LABEL: func.func @dynamic_padding(
// CHECK:         tensor.pad
func.func @dynamic_padding(%x: tensor<3xf32>, %n: index, %init: tensor<?xf32>) -> tensor<?xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[%n] high[0] {
  ^bb0(%i: index):
    tensor.yield %zero : f32
  } : tensor<3xf32> to tensor<?xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%padded : tensor<?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// A pooling gradient of 2x2 rows and columns placed into a zero-filled 3x3
// (an odd-sized input): the consumer reads it through a bounds check too.
// CHECK-LABEL: func.func @inserted_into_fill(
// CHECK-SAME:    %[[G:[a-z0-9]+]]: tensor<?x2x2x4xf32>, %[[Y:[a-z0-9]+]]: tensor<?x3x3x4xf32>
// CHECK-NOT:     tensor.insert_slice
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[Y]] : tensor<?x3x3x4xf32>)
// CHECK:           %[[ROW:.*]] = linalg.index 1
// CHECK:           arith.cmpi slt, %[[ROW]], %c2
// CHECK-NOT:       arith.cmpi slt, %{{.*}}, %c4
// CHECK:           %[[V:.*]] = tensor.extract %[[G]]
// CHECK:           arith.select %{{.*}}, %[[V]], %cst
func.func @inserted_into_fill(%g: tensor<?x2x2x4xf32>, %y: tensor<?x3x3x4xf32>, %init: tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %g, %c0 : tensor<?x2x2x4xf32>
  %e = tensor.empty(%n) : tensor<?x3x3x4xf32>
  %filled = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
  %placed = tensor.insert_slice %g into %filled[0, 0, 0, 0] [%n, 2, 2, 4] [1, 1, 1, 1] : tensor<?x2x2x4xf32> into tensor<?x3x3x4xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>,
                       affine_map<(n, h, w, c) -> (n, h, w, c)>,
                       affine_map<(n, h, w, c) -> (n, h, w, c)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%placed, %y : tensor<?x3x3x4xf32>, tensor<?x3x3x4xf32>) outs(%init : tensor<?x3x3x4xf32>) {
  ^bb0(%d: f32, %v: f32, %o: f32):
    %p = arith.mulf %d, %v : f32
    linalg.yield %p : f32
  } -> tensor<?x3x3x4xf32>
  return %0 : tensor<?x3x3x4xf32>
}

// -----

// An insert_slice into a tensor that is not a fill: unchanged.
// CHECK-LABEL: func.func @inserted_into_data(
// CHECK:         tensor.insert_slice
func.func @inserted_into_data(%g: tensor<2xf32>, %d: tensor<3xf32>, %init: tensor<3xf32>) -> tensor<3xf32> {
  %placed = tensor.insert_slice %g into %d[0] [2] [1] : tensor<2xf32> into tensor<3xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%placed : tensor<3xf32>) outs(%init : tensor<3xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
