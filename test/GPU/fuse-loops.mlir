// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-fuse-loops))' | FileCheck %s

// A bias broadcast and the product accumulating onto it: the allocation
// between the loops moves up, the second loop's bound (the batch read
// through a collapse_shape) becomes the first's, and the loops fuse.
// CHECK-LABEL: func.func @broadcast_then_accumulate(
// CHECK-SAME:    %[[X:.*]]: memref<?x2x8xf32>
// CHECK:         %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK-COUNT-2: memref.alloc(%[[N]])
// CHECK-NEXT:    scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%[[N]], %c4)
// CHECK:           memref.store %{{.*}}, %[[ACC:.*]][%[[I]], %[[J]]]
// CHECK:           scf.for
// CHECK:             memref.load %[[ACC]][%[[I]], %[[J]]]
// CHECK:           arith.maximumf
// CHECK:           memref.store %{{.*}}, %[[RELU:.*]][%[[I]], %[[J]]]
// CHECK-NOT:     scf.parallel
// CHECK:         return %[[RELU]]
func.func @broadcast_then_accumulate(%x: memref<?x2x8xf32>, %w: memref<16x4xf32>, %b: memref<4xf32>) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %flat = memref.collapse_shape %x [[0], [1, 2]] : memref<?x2x8xf32> into memref<?x16xf32>
  %n = memref.dim %x, %c0 : memref<?x2x8xf32>
  %acc = memref.alloc(%n) : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    %v = memref.load %b[%j] : memref<4xf32>
    memref.store %v, %acc[%i, %j] : memref<?x4xf32>
    scf.reduce
  }
  %m = memref.dim %flat, %c0 : memref<?x16xf32>
  %relu = memref.alloc(%m) : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %c4) step (%c1, %c1) {
    scf.for %k = %c0 to %c16 step %c1 {
      %a = memref.load %flat[%i, %k] : memref<?x16xf32>
      %c = memref.load %w[%k, %j] : memref<16x4xf32>
      %o = memref.load %acc[%i, %j] : memref<?x4xf32>
      %p = arith.mulf %a, %c : f32
      %s = arith.addf %o, %p : f32
      memref.store %s, %acc[%i, %j] : memref<?x4xf32>
    }
    %r = memref.load %acc[%i, %j] : memref<?x4xf32>
    %zero = arith.constant 0.0 : f32
    %y = arith.maximumf %r, %zero : f32
    memref.store %y, %relu[%i, %j] : memref<?x4xf32>
    scf.reduce
  }
  return %relu : memref<?x4xf32>
}

// -----

// Pooling reads the producer at other indices than the thread's own: the
// loops stay apart.
// CHECK-LABEL: func.func @pooling_reads_neighbours(
// CHECK-COUNT-2: scf.parallel
func.func @pooling_reads_neighbours(%x: memref<8xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %cst = arith.constant 1.0 : f32
  %t = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    %a = arith.addf %v, %cst : f32
    memref.store %a, %t[%i] : memref<4xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %i2 = arith.muli %i, %c4 : index
    %j = arith.remui %i2, %c4 : index
    %v = memref.load %t[%j] : memref<4xf32>
    memref.store %v, %y[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

// The first loop writes one argument, the second reads another: they fuse
// only when the arguments are known distinct (`llvm.noalias`, which
// cnn-export-c-interface puts on an entry point's buffers).
// CHECK-LABEL: func.func @distinct_arguments(
// CHECK-COUNT-1: scf.parallel
// CHECK-NOT:     scf.parallel
func.func @distinct_arguments(%out: memref<4xf32> {llvm.noalias}, %in: memref<8xf32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %cst, %out[%i] : memref<4xf32>
    scf.reduce
  }
  %view = memref.subview %in[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %view[%i] : memref<4xf32, strided<[1], offset: 4>>
    %o = memref.load %out[%i] : memref<4xf32>
    %s = arith.addf %v, %o : f32
    memref.store %s, %out[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// CHECK-LABEL: func.func @maybe_aliasing_arguments(
// CHECK-COUNT-2: scf.parallel
func.func @maybe_aliasing_arguments(%out: memref<4xf32>, %in: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %cst, %out[%i] : memref<4xf32>
    scf.reduce
  }
  %view = memref.subview %in[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %view[%i] : memref<4xf32, strided<[1], offset: 4>>
    %o = memref.load %out[%i] : memref<4xf32>
    %s = arith.addf %v, %o : f32
    memref.store %s, %out[%i] : memref<4xf32>
    scf.reduce
  }
  return
}
