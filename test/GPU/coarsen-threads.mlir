// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-coarsen-threads{lanes=4 min-threads=1}))' \
// RUN:   | FileCheck %s
// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-coarsen-threads))' \
// RUN:   | FileCheck %s --check-prefix=DEFAULT

// A 1-D convolution over 8 columns and 16 filters: coarsened along the
// column (the filter dimension is innermost and stays one per thread). The
// window loop is cloned once with four sums; the filter value, the same for
// the four columns, is loaded once; 8 = 2 x 4, so nothing is guarded.
// CHECK-LABEL: func.func @columns(
// CHECK-SAME:    %[[IN:[^:]*]]: memref<10xf32>, %[[W:[^:]*]]: memref<3x16xf32>, %[[OUT:[^:]*]]: memref<8x16xf32>
// CHECK:         scf.parallel (%[[X:.*]], %[[F:.*]]) = (%c0, %c0) to (%c2, %c16) step (%c1, %c1) {
// CHECK:           %[[X0:.*]] = arith.muli %[[X]], %c4
// CHECK-COUNT-4:   memref.load %[[OUT]]
// CHECK:           %[[SUMS:.*]]:4 = scf.for %[[K:.*]] = %c0 to %c3 step %c1 iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}, %[[A2:.*]] = %{{.*}}, %[[A3:.*]] = %{{.*}}) -> (f32, f32, f32, f32) {
// CHECK:             %[[WK:.*]] = memref.load %[[W]][%[[K]], %[[F]]]
// CHECK-NOT:         memref.load %[[W]]
// CHECK-COUNT-4:     arith.mulf %{{.*}}, %[[WK]]
// CHECK:             scf.yield
// CHECK-NOT:       scf.if
// CHECK-COUNT-4:   memref.store
// CHECK-NOT:       memref.store
// DEFAULT-LABEL: func.func @columns(
// DEFAULT:         scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c8, %c16)
func.func @columns(%in: memref<10xf32>, %w: memref<3x16xf32>, %out: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%x, %f) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %init = memref.load %out[%x, %f] : memref<8x16xf32>
    %sum = scf.for %k = %c0 to %c3 step %c1 iter_args(%acc = %init) -> (f32) {
      %i = arith.addi %x, %k : index
      %a = memref.load %in[%i] : memref<10xf32>
      %b = memref.load %w[%k, %f] : memref<3x16xf32>
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      scf.yield %s : f32
    }
    memref.store %sum, %out[%x, %f] : memref<8x16xf32>
    scf.reduce
  }
  return
}

// -----

// 6 columns in groups of 4: the second group's last two lanes compute with
// the last column's index and do not store.
// CHECK-LABEL: func.func @ragged(
// CHECK:         scf.parallel (%[[X:.*]], %{{.*}}) = (%c0, %c0) to (%c2, %c16)
// CHECK:           %[[X0:.*]] = arith.muli %[[X]], %c4
// CHECK:           %[[X3:.*]] = arith.addi %[[X0]], %c3
// CHECK:           %[[VALID3:.*]] = arith.cmpi ult, %[[X3]], %c6
// CHECK:           %[[CLAMPED3:.*]] = arith.minui %[[X3]], %c5
// CHECK:           scf.for
// CHECK-COUNT-3:   scf.if
// CHECK:           scf.if %[[VALID3]] {
// CHECK-NEXT:        memref.store %{{.*}}, %{{.*}}[%[[CLAMPED3]], %{{.*}}]
func.func @ragged(%in: memref<8xf32>, %w: memref<3x16xf32>, %out: memref<6x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c6 = arith.constant 6 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%x, %f) = (%c0, %c0) to (%c6, %c16) step (%c1, %c1) {
    %init = memref.load %out[%x, %f] : memref<6x16xf32>
    %sum = scf.for %k = %c0 to %c3 step %c1 iter_args(%acc = %init) -> (f32) {
      %i = arith.addi %x, %k : index
      %a = memref.load %in[%i] : memref<8xf32>
      %b = memref.load %w[%k, %f] : memref<3x16xf32>
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      scf.yield %s : f32
    }
    memref.store %sum, %out[%x, %f] : memref<6x16xf32>
    scf.reduce
  }
  return
}

// -----

// An element-wise kernel shares no load between lanes, and a 1-D kernel
// has no dimension but its innermost: both unchanged.
// CHECK-LABEL: func.func @elementwise(
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c8, %c16)
// CHECK-LABEL: func.func @one_dimension(
// CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%c8)
func.func @elementwise(%x: memref<8x16xf32>, %y: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<8x16xf32>
    %r = arith.addf %v, %v : f32
    memref.store %r, %y[%i, %j] : memref<8x16xf32>
    scf.reduce
  }
  return
}
func.func @one_dimension(%w: memref<3xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %init = memref.load %y[%i] : memref<8xf32>
    %sum = scf.for %k = %c0 to %c3 step %c1 iter_args(%acc = %init) -> (f32) {
      %b = memref.load %w[%k] : memref<3xf32>
      %s = arith.addf %acc, %b : f32
      scf.yield %s : f32
    }
    memref.store %sum, %y[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// The loop writes memory (an accumulation left in memory): the loads in it
// are issued once per lane, and so are the stores.
// CHECK-LABEL: func.func @writing_loop(
// CHECK:         scf.for
// CHECK-COUNT-4:   memref.load %arg1
// CHECK-COUNT-4:   memref.store
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.reduce
func.func @writing_loop(%x: memref<8x16xf32>, %w: memref<3x16xf32>, %y: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c3 step %c1 {
      %b = memref.load %w[%k, %j] : memref<3x16xf32>
      %acc = memref.load %y[%i, %j] : memref<8x16xf32>
      %s = arith.addf %acc, %b : f32
      memref.store %s, %y[%i, %j] : memref<8x16xf32>
    }
    scf.reduce
  }
  return
}

// -----

// RUN: not cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-coarsen-threads{lanes=0}))' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD
// BAD: error: lanes and min-threads must be at least 1
func.func @bad_options() {
  return
}
