// Bufferized forall loops become scf.parallel (OpenMP threads later) or
// sequential scf.for loops.
// RUN: cnnc-opt %s --cnn-distribute-tiles -split-input-file -verify-diagnostics | FileCheck %s
// RUN: cnnc-opt %s --cnn-distribute-tiles=parallel=false -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SEQ

// CHECK-LABEL: func.func @tiles
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %c4{{.*}}) step
// CHECK:           memref.store
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c4{{.*}} step %c1
// CHECK:           memref.store
// CHECK-NOT:     scf.forall
// SEQ-LABEL:   func.func @tiles
// SEQ-NOT:       scf.parallel
// SEQ-COUNT-3:   scf.for
// SEQ-NOT:       scf.forall
func.func @tiles(%m: memref<?x4xf32>, %n: index) {
  %one = arith.constant 1.0 : f32
  scf.forall (%i, %j) in (%n, 4) {
    memref.store %one, %m[%i, %j] : memref<?x4xf32>
  }
  scf.forall (%j) in (4) {
    memref.store %one, %m[%j, %j] : memref<?x4xf32>
  } {cnn.sequential}
  return
}

// -----

func.func @not_bufferized(%t: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{cnn-distribute-tiles runs after bufferization; this scf.forall still returns tensors}}
  %0 = scf.forall (%i) in (4) shared_outs(%o = %t) -> (tensor<4xf32>) {
    %s = tensor.extract_slice %o[%i] [1] [1] : tensor<4xf32> to tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i] [1] [1] : tensor<1xf32> into tensor<4xf32>
    }
  }
  return %0 : tensor<4xf32>
}
