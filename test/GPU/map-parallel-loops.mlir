// RUN: cnnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-map-parallel-loops{block-size=128 report}))' | FileCheck %s
// RUN: not cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-map-parallel-loops{block-size=2048}))' 2>&1 | FileCheck %s --check-prefix=SIZE

// SIZE: error: block-size must be in [1, 1024]

// A 2-D loop nest is collapsed to one dimension (512 iterations), tiled by
// the block size: the tile loop is mapped to block_x, the loop inside a tile
// to thread_x, and the tail is guarded. The per-thread loop stays a loop.
// CHECK-LABEL: func.func @two_dimensional(
// CHECK:         %[[ROWS:.*]] = arith.muli %{{.*}}, %c16{{(_[0-9]+)?}} : index
// CHECK:         %[[TOTAL:.*]] = arith.muli %[[ROWS]], %c32{{(_[0-9]+)?}} : index
// CHECK:         %[[STEP:.*]] = arith.muli %{{.*}}, %c128 : index
// CHECK:         scf.parallel (%[[BLOCK:.*]]) = (%{{.*}}) to (%[[TOTAL]]) step (%[[STEP]]) {
// CHECK-NEXT:      scf.parallel (%[[THREAD:.*]]) = (%{{.*}}) to (%[[STEP]]) step (%{{.*}}) {
// CHECK:             %[[INDEX:.*]] = arith.addi %[[THREAD]], %[[BLOCK]]
// CHECK:             %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %[[TOTAL]]
// CHECK:             %[[GUARD:.*]] = arith.andi %{{.*}}, %[[IN]]
// CHECK:             scf.if %[[GUARD]] {
// CHECK:               %[[J:.*]] = arith.remsi %[[INDEX]], %c32{{(_[0-9]+)?}} : index
// CHECK:               %[[I:.*]] = arith.divsi %[[INDEX]], %c32{{(_[0-9]+)?}} : index
// CHECK:               scf.for
// CHECK:                 memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
func.func @two_dimensional(%x: memref<16x32x8xf32>, %y: memref<16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  // expected-remark @below {{kernel: 512 threads, 8 iterations per thread}}
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j, %k] : memref<16x32x8xf32>
      memref.store %v, %y[%i, %j] : memref<16x32xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A nested scf.parallel runs sequentially inside its thread; a dynamic
// bound counts as a batch of 32 in the report.
// CHECK-LABEL: func.func @nested(
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = sequential, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @nested(%x: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  // expected-remark @below {{kernel: 32 threads, 4 iterations per thread}}
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      %v = memref.load %x[%i, %j] : memref<?x4xf32>
      memref.store %v, %x[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

func.func @reduction(%x: memref<16xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{GPU mapping of scf.parallel with reductions is not supported}}
  %sum = scf.parallel (%i) = (%c0) to (%c16) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i] : memref<16xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
