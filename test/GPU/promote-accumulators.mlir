// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-promote-accumulators))' | FileCheck %s

// A convolution's window loops: the sum stays in a register through the
// whole nest, the bias store before it becomes the initial value, and the
// element is stored once after the nest.
// CHECK-LABEL: func.func @window_nest(
// CHECK-SAME:    %[[IN:[^:]*]]: memref<4x4xf32> {llvm.noalias}, %[[W:[^:]*]]: memref<3x3xf32> {llvm.noalias}, %[[OUT:[^:]*]]: memref<2x2xf32> {llvm.noalias}
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK-NEXT:      %[[BIAS:.*]] = memref.load %[[W]][%c0, %c0]
// CHECK-NOT:       memref.store
// CHECK:           %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(%[[ACC:.*]] = %[[BIAS]]) -> (f32) {
// CHECK:             %[[INNER:.*]] = scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(%[[ACC2:.*]] = %[[ACC]]) -> (f32) {
// CHECK-NOT:           memref.store
// CHECK:               %[[NEXT:.*]] = arith.addf %[[ACC2]], %{{.*}} : f32
// CHECK-NEXT:          scf.yield %[[NEXT]] : f32
// CHECK:             scf.yield %[[INNER]] : f32
// CHECK:           memref.store %[[SUM]], %[[OUT]][%[[I]], %[[J]]]
// CHECK-NOT:       memref.store
func.func @window_nest(%in: memref<4x4xf32> {llvm.noalias}, %w: memref<3x3xf32> {llvm.noalias}, %out: memref<2x2xf32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c2) step (%c1, %c1) {
    %bias = memref.load %w[%c0, %c0] : memref<3x3xf32>
    memref.store %bias, %out[%i, %j] : memref<2x2xf32>
    scf.for %kh = %c0 to %c3 step %c1 {
      scf.for %kw = %c0 to %c3 step %c1 {
        %y = arith.addi %i, %kh : index
        %x = arith.addi %j, %kw : index
        %a = memref.load %in[%y, %x] : memref<4x4xf32>
        %b = memref.load %w[%kh, %kw] : memref<3x3xf32>
        %acc = memref.load %out[%i, %j] : memref<2x2xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        memref.store %s, %out[%i, %j] : memref<2x2xf32>
      }
    }
    scf.reduce
  }
  return
}

// -----

// The loop also reads another element of the accumulated buffer: no change.
// CHECK-LABEL: func.func @reads_other_element(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           memref.store
func.func @reads_other_element(%out: memref<8xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %other = memref.load %out[%k] : memref<8xf32>
    %acc = memref.load %out[%i] : memref<8xf32>
    %s = arith.addf %acc, %other : f32
    memref.store %s, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// The operand read in the loop is a view of the accumulated buffer (an
// in-place update): no change.
// CHECK-LABEL: func.func @reads_a_view_of_it(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           memref.store
func.func @reads_a_view_of_it(%n: index, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %buffer = memref.alloc() : memref<16xf32>
  %view = memref.subview %buffer[4] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 4>>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %view[%k] : memref<8xf32, strided<[1], offset: 4>>
    %acc = memref.load %buffer[%i] : memref<16xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %buffer[%i] : memref<16xf32>
  }
  return
}

// -----

// Two arguments that may overlap (no llvm.noalias): no change; with
// llvm.noalias on one of them: promoted.
// CHECK-LABEL: func.func @may_overlap(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           memref.store
// CHECK-LABEL: func.func @distinct(
// CHECK:         %[[INIT:.*]] = memref.load %arg1[%arg2]
// CHECK:         %[[SUM:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// CHECK:         memref.store %[[SUM]], %arg1[%arg2]
func.func @may_overlap(%x: memref<8xf32>, %out: memref<8xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %v = memref.load %x[%k] : memref<8xf32>
    %acc = memref.load %out[%i] : memref<8xf32>
    %s = arith.addf %acc, %v : f32
    memref.store %s, %out[%i] : memref<8xf32>
  }
  return
}
func.func @distinct(%x: memref<8xf32>, %out: memref<8xf32> {llvm.noalias}, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %v = memref.load %x[%k] : memref<8xf32>
    %acc = memref.load %out[%i] : memref<8xf32>
    %s = arith.addf %acc, %v : f32
    memref.store %s, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// The element depends on the loop (a scan), or the loop calls a function
// that may touch memory: no change.
// CHECK-LABEL: func.func @index_varies(
// CHECK:         scf.for %{{.*}} = %c1 to %c4 step %c1 {
// CHECK:           memref.store
// CHECK-LABEL: func.func @opaque_call(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           memref.store
func.func @index_varies(%out: memref<8xf32> {llvm.noalias}) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c1 to %c4 step %c1 {
    %acc = memref.load %out[%k] : memref<8xf32>
    %s = arith.addf %acc, %acc : f32
    memref.store %s, %out[%k] : memref<8xf32>
  }
  return
}
func.func private @touch()
func.func @opaque_call(%out: memref<8xf32> {llvm.noalias}, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %acc = memref.load %out[%i] : memref<8xf32>
    func.call @touch() : () -> ()
    %s = arith.addf %acc, %acc : f32
    memref.store %s, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// A store to the element between the load and the loop's end is the
// accumulator's own; a second store to the same element: no change.
// CHECK-LABEL: func.func @two_stores(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK-COUNT-2:   memref.store
func.func @two_stores(%out: memref<8xf32> {llvm.noalias}, %i: index, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %acc = memref.load %out[%i] : memref<8xf32>
    %s = arith.addf %acc, %v : f32
    memref.store %s, %out[%i] : memref<8xf32>
    memref.store %v, %out[%i] : memref<8xf32>
  }
  return
}
