// RUN: cnnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-single-thread-kernels))' | FileCheck %s

// A loss: the store of the scalar's initial value, the sum over the batch
// and its scaling are host code between kernels. The kernel after the
// initial store neither reads nor writes the scalar, so all three become
// one kernel of one thread, after the last kernel they depend on.
// CHECK-LABEL: func.func @loss(
// CHECK-SAME:    %[[PER:[^:]*]]: memref<?xf32> {llvm.noalias}, %[[LOSS:[^:]*]]: memref<f32> {llvm.noalias}, %[[OTHER:[^:]*]]: memref<?xf32> {llvm.noalias}
// CHECK:         %[[SCALE:.*]] = arith.divf
// CHECK-NEXT:    scf.parallel (%{{.*}}) = (%c0) to (%[[N:.*]]) step (%c1) {
// CHECK:           memref.store %{{.*}}, %[[PER]]
// CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%[[N]]) step (%c1) {
// CHECK:           memref.store %{{.*}}, %[[OTHER]]
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step (%c1{{.*}}) {
// CHECK-NEXT:      memref.store %{{.*}}, %[[LOSS]][]
// CHECK-NEXT:      %[[INIT:.*]] = memref.load %[[LOSS]][]
// CHECK-NEXT:      %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK:           memref.store %[[SUM]], %[[LOSS]][]
// CHECK-NEXT:      %[[L:.*]] = memref.load %[[LOSS]][]
// CHECK-NEXT:      %[[M:.*]] = arith.mulf %[[L]], %[[SCALE]]
// CHECK-NEXT:      memref.store %[[M]], %[[LOSS]][]
// CHECK-NEXT:      scf.reduce
// CHECK-NEXT:    }
// CHECK-NEXT:    return
func.func @loss(%per: memref<?xf32> {llvm.noalias}, %loss: memref<f32> {llvm.noalias}, %other: memref<?xf32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = memref.dim %per, %c0 : memref<?xf32>
  %i = arith.index_cast %n : index to i64
  %f = arith.uitofp %i : i64 to f32
  %scale = arith.divf %one, %f : f32
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    memref.store %one, %per[%b] : memref<?xf32>
    scf.reduce
  }
  memref.store %zero, %loss[] : memref<f32>
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    memref.store %one, %other[%b] : memref<?xf32>
    scf.reduce
  }
  %init = memref.load %loss[] : memref<f32>
  %sum = scf.for %b = %c0 to %n step %c1 iter_args(%acc = %init) -> (f32) {
    %v = memref.load %per[%b] : memref<?xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  memref.store %sum, %loss[] : memref<f32>
  %l = memref.load %loss[] : memref<f32>
  %m = arith.mulf %l, %scale : f32
  memref.store %m, %loss[] : memref<f32>
  return
}

// -----

// The kernel between reads what the first store writes: the store becomes
// a kernel of its own before it.
// CHECK-LABEL: func.func @conflict(
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step (%c1{{.*}}) {
// CHECK-NEXT:      memref.store %{{.*}}, %arg1[]
// CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%{{.*}}) step (%c1) {
// CHECK:           memref.load %arg1[]
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step (%c1{{.*}}) {
// CHECK-NEXT:      memref.store %{{.*}}, %arg1[]
func.func @conflict(%per: memref<?xf32> {llvm.noalias}, %loss: memref<f32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %per, %c0 : memref<?xf32>
  memref.store %zero, %loss[] : memref<f32>
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    %v = memref.load %loss[] : memref<f32>
    memref.store %v, %per[%b] : memref<?xf32>
    scf.reduce
  }
  memref.store %zero, %loss[] : memref<f32>
  return
}

// -----

// Functions without kernels (the C wrappers) are host code proper.
// CHECK-LABEL: func.func @wrapper(
// CHECK-NOT:     scf.parallel
func.func @wrapper(%loss: memref<f32>) {
  %zero = arith.constant 0.0 : f32
  memref.store %zero, %loss[] : memref<f32>
  return
}

// -----

// A value read from a buffer that host code needs (here a kernel's bound)
// cannot be computed on the device.
func.func @read_by_host(%sizes: memref<i64>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %size = memref.load %sizes[] : memref<i64>
  // expected-error @below {{a value computed from a buffer is used by host code: it cannot run on the GPU}}
  %n = arith.index_cast %size : i64 to index
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    memref.store %one, %out[%b] : memref<?xf32>
    scf.reduce
  }
  return
}
