// cnn-gpu-device-buffers: every memref.alloc of host code becomes the async
// gpu.alloc that gpu-to-llvm lowers to mgpuMemAlloc (its own stream, the
// allocation on it, a wait), memref.dealloc disappears (the runtime frees the
// per-call workspace when the entry point returns), code inside gpu.launch
// is left alone, and a host stack buffer, a host load, store or copy, or an
// allocation with symbol operands is an error.
// RUN: cnnc-opt %s --cnn-gpu-device-buffers -split-input-file -verify-diagnostics | FileCheck %s

// A static and a dynamic temporary, both freed at the end: each alloc keeps
// its type and dynamic size, and no memref.alloc/dealloc is left on the host.
// CHECK-LABEL: func.func @host_temporaries(
// CHECK-SAME:    %[[N:[^:]*]]: index
// CHECK:         %[[S0:.*]] = gpu.wait async
// CHECK-NEXT:    %[[A:.*]], %[[T0:.*]] = gpu.alloc async [%[[S0]]] () : memref<4x8xf32>
// CHECK-NEXT:    gpu.wait [%[[T0]]]
// CHECK-NEXT:    %[[S1:.*]] = gpu.wait async
// CHECK-NEXT:    %[[B:.*]], %[[T1:.*]] = gpu.alloc async [%[[S1]]] (%[[N]]) : memref<?x8xf32>
// CHECK-NEXT:    gpu.wait [%[[T1]]]
// The buffers' users now see the device allocations.
// CHECK-NEXT:    call @use(%[[A]], %[[B]])
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.dealloc
// CHECK:         return
func.func private @use(memref<4x8xf32>, memref<?x8xf32>)
func.func @host_temporaries(%n: index) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
  %b = memref.alloc(%n) : memref<?x8xf32>
  call @use(%a, %b) : (memref<4x8xf32>, memref<?x8xf32>) -> ()
  memref.dealloc %b : memref<?x8xf32>
  memref.dealloc %a : memref<4x8xf32>
  return
}

// -----

// Host code nested in control flow is rewritten too; allocations, stack
// buffers and deallocations inside a kernel (gpu.launch body) are the
// kernel's own and stay.
// CHECK-LABEL: func.func @nested(
// CHECK:         scf.for
// CHECK-NEXT:      %[[S:.*]] = gpu.wait async
// CHECK-NEXT:      %{{.*}}, %[[T:.*]] = gpu.alloc async [%[[S]]] () : memref<3xi32>
// CHECK-NEXT:      gpu.wait [%[[T]]]
// CHECK-NEXT:    }
// CHECK:         gpu.launch
// CHECK-NEXT:      %[[K:.*]] = memref.alloc() : memref<2xf32>
// CHECK-NEXT:      memref.alloca() : memref<2xf32>
// CHECK-NEXT:      memref.dealloc %[[K]] : memref<2xf32>
// CHECK-NEXT:      gpu.terminator
// CHECK-NOT:     gpu.alloc
// CHECK:         return
func.func @nested(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %l = memref.alloc() : memref<3xi32>
    memref.dealloc %l : memref<3xi32>
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %t = memref.alloc() : memref<2xf32>
    %u = memref.alloca() : memref<2xf32>
    memref.dealloc %t : memref<2xf32>
    gpu.terminator
  }
  return
}

// -----

// Nothing to do: no gpu.wait appears.
// CHECK-LABEL: func.func @no_buffers(
// CHECK-NOT:     gpu.
// CHECK:         return
func.func @no_buffers(%x: memref<4xf32>) {
  return
}

// -----

// The host must not hold tensor data on its stack.
func.func @host_alloca() {
  // expected-error @+1 {{host code of a GPU entry point cannot hold a stack buffer}}
  %a = memref.alloca() : memref<16xf32>
  return
}

// -----

// gpu.alloc has no symbol operands (layout offsets).
func.func @symbol_operands(%n: index, %off: index) {
  // expected-error @+1 {{cannot move an allocation with symbol operands to the device}}
  %a = memref.alloc(%n)[%off] : memref<?xf32, affine_map<(d0)[s0] -> (d0 + s0)>>
  return
}

// -----

// Buffers are device memory: the host must not load, store or copy them.
func.func @host_load(%x: memref<4xf32>, %i: index) -> f32 {
  // expected-error @+1 {{host code of a GPU entry point reads or writes a buffer, which is device memory}}
  %v = memref.load %x[%i] : memref<4xf32>
  return %v : f32
}

// -----

func.func @host_store(%x: memref<f32>, %v: f32) {
  // expected-error @+1 {{host code of a GPU entry point reads or writes a buffer, which is device memory}}
  memref.store %v, %x[] : memref<f32>
  return
}

// -----

func.func @host_copy(%x: memref<4xf32>, %y: memref<4xf32>) {
  // expected-error @+1 {{host code of a GPU entry point reads or writes a buffer, which is device memory}}
  memref.copy %x, %y : memref<4xf32> to memref<4xf32>
  return
}
