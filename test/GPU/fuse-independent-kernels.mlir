// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-fuse-independent-kernels))' | FileCheck %s
// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-fuse-independent-kernels{max-threads=16}))' \
// RUN:   | FileCheck %s --check-prefix=SMALL
// RUN: cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-fuse-independent-kernels{alignment=256}))' \
// RUN:   | FileCheck %s --check-prefix=ALIGNED
// RUN: not cnnc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(cnn-gpu-fuse-independent-kernels{alignment=0}))' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD
// BAD: error: alignment must be at least 1

// Two independent kernels (a 2-D one over 4 x 8 and a 1-D one over n)
// become one over 32 + n threads; the first 32 delinearize into the 2-D
// space (innermost fastest), the rest run the second body at index - 32.
// CHECK-LABEL: func.func @independent(
// CHECK-SAME:    %[[X:[^:]*]]: memref<4x8xf32> {llvm.noalias}, %[[Y:[^:]*]]: memref<?xf32> {llvm.noalias}
// CHECK:         %[[N:.*]] = memref.dim %[[Y]]
// CHECK:         %[[END:.*]] = arith.addi %[[C32:.*]], %[[N]]
// CHECK:         scf.parallel (%[[I:.*]]) = (%c0{{.*}}) to (%[[END]]) step (%c1{{.*}}) {
// CHECK-NEXT:      %[[MINE:.*]] = arith.cmpi ult, %[[I]], %[[C32]]
// CHECK-NEXT:      scf.if %[[MINE]] {
// CHECK-NEXT:        %[[COL:.*]] = arith.remui %[[I]], %c8
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %[[I]], %c8
// CHECK-NEXT:        memref.store %{{.*}}, %[[X]][%[[ROW]], %[[COL]]]
// CHECK-NEXT:      } else {
// CHECK-NEXT:        %[[L2:.*]] = arith.subi %[[I]], %[[C32]]
// CHECK-NEXT:        memref.store %{{.*}}, %[[Y]][%[[L2]]]
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.reduce
// CHECK-NOT:     scf.parallel
// With alignment=256 each kernel's range is padded to whole blocks of 256
// (32 -> 256, n -> ceil(n / 256) * 256) and each body guarded by its own
// size, the guard marked for cnn-gpu-stage-shared-tiles.
// ALIGNED-LABEL: func.func @independent(
// ALIGNED:         %[[N:.*]] = memref.dim
// ALIGNED:         %[[C32:.*]] = arith.constant 32 : index
// ALIGNED:         %[[BLOCKS:.*]] = arith.ceildivui %[[N]], %[[ALIGN:.*]] : index
// ALIGNED-NEXT:    %[[PADDED:.*]] = arith.muli %[[BLOCKS]], %[[ALIGN]]
// ALIGNED-NEXT:    %[[END:.*]] = arith.addi %[[FIRST:.*]], %[[PADDED]]
// ALIGNED-NEXT:    scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[END]])
// ALIGNED-NEXT:      %[[MINE:.*]] = arith.cmpi ult, %[[I]], %[[FIRST]]
// ALIGNED-NEXT:      scf.if %[[MINE]] {
// ALIGNED-NEXT:        %[[IN1:.*]] = arith.cmpi ult, %[[I]], %[[C32]]
// ALIGNED-NEXT:        scf.if %[[IN1]] {
// ALIGNED:             } {cnnc.aligned_segment = 256 : i64}
// ALIGNED-NEXT:      } else {
// ALIGNED-NEXT:        %[[L2:.*]] = arith.subi %[[I]], %[[FIRST]]
// ALIGNED-NEXT:        %[[IN2:.*]] = arith.cmpi ult, %[[L2]], %[[N]]
// ALIGNED-NEXT:        scf.if %[[IN2]] {
// ALIGNED-NEXT:          memref.store %{{.*}}, %{{.*}}[%[[L2]]]
// ALIGNED-NEXT:        } {cnnc.aligned_segment = 256 : i64}
// With max-threads=16 the 32-thread kernel is left alone.
// SMALL-LABEL: func.func @independent(
// SMALL-COUNT-2: scf.parallel
func.func @independent(%x: memref<4x8xf32> {llvm.noalias}, %y: memref<?xf32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    memref.store %one, %x[%i, %j] : memref<4x8xf32>
    scf.reduce
  }
  %n = memref.dim %y, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %one, %y[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// The second kernel reads what the first writes: two kernels stay.
// CHECK-LABEL: func.func @dependent(
// CHECK-COUNT-2: scf.parallel
func.func @dependent(%x: memref<8xf32> {llvm.noalias}, %y: memref<8xf32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %x[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// Disjoint static slices of one flat buffer (gradients) do not alias: the
// kernels writing them merge. Overlapping slices do alias: they stay apart.
// CHECK-LABEL: func.func @slices(
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c12) step
// CHECK-NOT:     scf.parallel
// CHECK-LABEL: func.func @overlapping_slices(
// CHECK-COUNT-2: scf.parallel
func.func @slices(%flat: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  %a = memref.subview %flat[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %b = memref.subview %flat[8] [4] [1] : memref<16xf32> to memref<4xf32, strided<[1], offset: 8>>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %a[%i] : memref<8xf32, strided<[1]>>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %b[%i] : memref<4xf32, strided<[1], offset: 8>>
    scf.reduce
  }
  return
}
func.func @overlapping_slices(%flat: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  %a = memref.subview %flat[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %b = memref.subview %flat[7] [4] [1] : memref<16xf32> to memref<4xf32, strided<[1], offset: 7>>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %a[%i] : memref<8xf32, strided<[1]>>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %b[%i] : memref<4xf32, strided<[1], offset: 7>>
    scf.reduce
  }
  return
}

// -----

// Host code that touches memory between the kernels keeps them apart.
// CHECK-LABEL: func.func @host_access_between(
// CHECK-COUNT-2: scf.parallel
func.func @host_access_between(%x: memref<8xf32> {llvm.noalias}, %y: memref<8xf32> {llvm.noalias}, %z: memref<f32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %x[%i] : memref<8xf32>
    scf.reduce
  }
  memref.store %one, %z[] : memref<f32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %y[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// Scheduling by level: the third kernel depends on neither of the first two,
// so it joins the first (level 0) while the second, which reads what the
// first writes, follows (level 1).
// CHECK-LABEL: func.func @levels(
// CHECK-SAME:    %[[A:[^:]*]]: memref<8xf32> {llvm.noalias}, %[[B:[^:]*]]: memref<8xf32> {llvm.noalias}, %[[C:[^:]*]]: memref<4xf32> {llvm.noalias}
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c12) step
// CHECK:           memref.store %{{.*}}, %[[A]]
// CHECK:           memref.store %{{.*}}, %[[C]]
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c8{{.*}}) step
// CHECK-NEXT:      memref.load %[[A]]
// CHECK-NEXT:      memref.store %{{.*}}, %[[B]]
// CHECK-NOT:     scf.parallel
func.func @levels(%a: memref<8xf32> {llvm.noalias}, %b: memref<8xf32> {llvm.noalias}, %c: memref<4xf32> {llvm.noalias}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %a[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %b[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %c[%i] : memref<4xf32>
    scf.reduce
  }
  return
}
