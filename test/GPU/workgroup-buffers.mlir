// RUN: cnnc-opt %s --split-input-file --verify-diagnostics --cnn-gpu-workgroup-buffers | FileCheck %s

// A workgroup alloca in a launch body becomes a workgroup attribution of the
// launch; other allocas stay.
// CHECK-LABEL: func.func @attribution(
// CHECK:         gpu.launch blocks(%{{.*}}) in (%{{.*}} = %{{.*}}) threads(%{{.*}}) in (%{{.*}} = %{{.*}}) workgroup(%[[TILE:.*]] : memref<4x65xf32, #gpu.address_space<workgroup>>) {
// CHECK-NOT:       memref.alloca() : memref<4x65xf32, #gpu.address_space<workgroup>>
// CHECK:           %[[PRIVATE:.*]] = memref.alloca() : memref<2xf32>
// CHECK:           memref.store %{{.*}}, %[[TILE]][%{{.*}}, %{{.*}}]
// CHECK:           gpu.barrier
// CHECK:           memref.load %[[TILE]][%{{.*}}, %{{.*}}]
func.func @attribution(%out: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %tile = memref.alloca() : memref<4x65xf32, #gpu.address_space<workgroup>>
    %private = memref.alloca() : memref<2xf32>
    %v = memref.load %out[%tx] : memref<256xf32>
    memref.store %v, %tile[%zero, %zero] : memref<4x65xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %tile[%zero, %zero] : memref<4x65xf32, #gpu.address_space<workgroup>>
    memref.store %w, %private[%zero] : memref<2xf32>
    memref.store %w, %out[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}

// -----

// Inside a loop of the launch body: not a buffer of the whole block.
func.func @in_loop() {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    scf.for %i = %zero to %c4 step %c1 {
      // expected-error @+1 {{workgroup memory must be allocated at the top level of a gpu.launch body}}
      %tile = memref.alloca() : memref<4xf32, #gpu.address_space<workgroup>>
    }
    gpu.terminator
  }
  return
}

// -----

// Shared memory is sized when the kernel is compiled.
func.func @dynamic(%n: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{workgroup memory needs a static shape}}
    %tile = memref.alloca(%n) : memref<?xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
