// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-eliminate-copies))' | FileCheck %s

// A gradient computed into its own buffer and copied, flattened, into its
// slice of the flat gradient: it is computed in the slice instead. The
// flat buffer's allocation moves up to be available.
// CHECK-LABEL: func.func @gradient_into_flat(
// CHECK-NEXT:    %[[FLAT:.*]] = memref.alloc() : memref<16xf32>
// CHECK:         %[[SLICE:.*]] = memref.subview %[[FLAT]][4] [6] [1]
// CHECK-NEXT:    %[[GRAD:.*]] = memref.expand_shape %[[SLICE]] {{\[}}[0, 1]] output_shape [2, 3]
// CHECK-SAME:      into memref<2x3xf32, strided<[3, 1], offset: 4>>
// CHECK-NEXT:    linalg.fill ins(%{{.*}} : f32) outs(%[[GRAD]] : memref<2x3xf32, strided<[3, 1], offset: 4>>)
// CHECK-NEXT:    linalg.generic
// CHECK-SAME:      outs(%[[GRAD]] : memref<2x3xf32, strided<[3, 1], offset: 4>>)
// CHECK-NOT:     linalg.copy
// CHECK-NOT:     memref.dealloc
// CHECK:         return %[[FLAT]]
func.func @gradient_into_flat(%x: memref<2x3xf32>) -> memref<16xf32> {
  %zero = arith.constant 0.0 : f32
  %grad = memref.alloc() : memref<2x3xf32>
  linalg.fill ins(%zero : f32) outs(%grad : memref<2x3xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<2x3xf32>) outs(%grad : memref<2x3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  %flat = memref.alloc() : memref<16xf32>
  %collapsed = memref.collapse_shape %grad [[0, 1]] : memref<2x3xf32> into memref<6xf32>
  %slice = memref.subview %flat[4] [6] [1] : memref<16xf32> to memref<6xf32, strided<[1], offset: 4>>
  linalg.copy ins(%collapsed : memref<6xf32>) outs(%slice : memref<6xf32, strided<[1], offset: 4>>)
  memref.dealloc %grad : memref<2x3xf32>
  return %flat : memref<16xf32>
}

// -----

// State copied out of an argument, updated, and copied back: updated in
// place, both copies gone. Another slice of the argument is written in
// between: it does not overlap.
// CHECK-LABEL: func.func @update_in_place(
// CHECK-SAME:    %[[STATE:.*]]: memref<8xf32>
// CHECK:         memref.subview %[[STATE]][4] [4] [1]
// CHECK-NOT:     linalg.copy
// CHECK:         %[[V:.*]] = memref.subview %[[STATE]][4] [4] [1]
// CHECK-NEXT:    linalg.generic
// CHECK-SAME:      outs(%[[V]], %{{.*}} : memref<4xf32, strided<[1], offset: 4>>, memref<4xf32, strided<[1]>>)
// CHECK-NOT:     linalg.copy
// CHECK:         return
func.func @update_in_place(%state: memref<8xf32>, %g: memref<4xf32>) {
  %m = memref.subview %state[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  %v = memref.subview %state[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  %tmp = memref.alloc() : memref<4xf32>
  linalg.copy ins(%v : memref<4xf32, strided<[1], offset: 4>>) outs(%tmp : memref<4xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%g : memref<4xf32>) outs(%tmp, %m : memref<4xf32>, memref<4xf32, strided<[1]>>) {
  ^bb0(%gi: f32, %vi: f32, %mi: f32):
    %sq = arith.mulf %gi, %gi : f32
    %nv = arith.addf %vi, %sq : f32
    %nm = arith.addf %mi, %gi : f32
    linalg.yield %nv, %nm : f32, f32
  }
  %back = memref.subview %state[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.copy ins(%tmp : memref<4xf32>) outs(%back : memref<4xf32, strided<[1], offset: 4>>)
  return
}

// -----

// The target slice is read while the temporary is live: unchanged.
// CHECK-LABEL: func.func @target_read_meanwhile(
// CHECK:         %[[TMP:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         linalg.copy ins(%[[TMP]]
func.func @target_read_meanwhile(%buf: memref<8xf32>, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %tmp = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%tmp : memref<4xf32>)
  %overlap = memref.subview %buf[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  linalg.copy ins(%overlap : memref<4xf32, strided<[1], offset: 2>>) outs(%out : memref<4xf32>)
  %slice = memref.subview %buf[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.copy ins(%tmp : memref<4xf32>) outs(%slice : memref<4xf32, strided<[1], offset: 4>>)
  return
}

// -----

// The temporary is read after the copy: unchanged.
// CHECK-LABEL: func.func @used_after_copy(
// CHECK:         %[[TMP:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         linalg.copy ins(%[[TMP]]
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[TMP]] : memref<4xf32>)
func.func @used_after_copy(%buf: memref<8xf32>, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %tmp = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%tmp : memref<4xf32>)
  %slice = memref.subview %buf[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.copy ins(%tmp : memref<4xf32>) outs(%slice : memref<4xf32, strided<[1], offset: 4>>)
  linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%tmp : memref<4xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%t: f32, %o: f32):
    %d = arith.addf %t, %t : f32
    linalg.yield %d : f32
  }
  return
}

// A temporary copied to two places: computed in the last one, which the
// first copy then reads.
// CHECK-LABEL: func.func @copied_twice(
// CHECK-SAME:    %[[BUF:.*]]: memref<8xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK:         %[[VIEW:.*]] = memref.subview %[[OUT]][0] [4] [1]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[VIEW]] :
// CHECK:         linalg.copy ins(%[[VIEW]] : {{.*}}) outs(%{{.*}} : memref<4xf32, strided<[1], offset: 4>>)
// CHECK-NOT:     linalg.copy
func.func @copied_twice(%buf: memref<8xf32>, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %tmp = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%tmp : memref<4xf32>)
  %slice = memref.subview %buf[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.copy ins(%tmp : memref<4xf32>) outs(%slice : memref<4xf32, strided<[1], offset: 4>>)
  linalg.copy ins(%tmp : memref<4xf32>) outs(%out : memref<4xf32>)
  return
}

// -----

// A target that is not a static slice of a 1-D buffer: unchanged.
// CHECK-LABEL: func.func @two_dimensional_target(
// CHECK:         linalg.copy
func.func @two_dimensional_target(%buf: memref<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %tmp = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%tmp : memref<4xf32>)
  %row = memref.subview %buf[1, 0] [1, 4] [1, 1] : memref<4x4xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.copy ins(%tmp : memref<4xf32>) outs(%row : memref<4xf32, strided<[1], offset: 4>>)
  return
}
