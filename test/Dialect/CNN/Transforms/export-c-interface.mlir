// Bare-pointer C wrappers around buffer-based entry points.
// RUN: cnnc-opt %s --cnn-export-c-interface --split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @m_forward(
// CHECK-SAME:    %[[P:.*]]: !llvm.ptr, %[[X:.*]]: !llvm.ptr, %[[N:.*]]: i64, %[[Y:.*]]: !llvm.ptr) -> i32
// A negative or impossibly large batch or a null buffer returns status 1.
// CHECK:         %[[NEG:.*]] = arith.cmpi slt, %[[N]], %{{.*}} : i64
// The largest batch entry is 6 floats (24 bytes): INT64_MAX / 24.
// CHECK:         %[[MAXB:.*]] = arith.constant 384307168202282325 : i64
// CHECK:         arith.cmpi sgt, %[[N]], %[[MAXB]] : i64
// CHECK:         %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         llvm.icmp "eq" %[[P]], %[[NULL]]
// CHECK:         llvm.icmp "eq" %[[X]], %[[NULL]]
// CHECK:         llvm.icmp "eq" %[[Y]], %[[NULL]]
// CHECK:         %[[STATUS:.*]] = scf.if %{{.*}} -> (i32) {
// CHECK:           arith.constant 1 : i32
// CHECK:         } else {
// Row-major descriptors: the batch is the leading size, strides are static.
// CHECK:           %[[PM:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
// CHECK:           llvm.insertvalue %[[N]], %{{.*}}[3, 0] : !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// CHECK:           %[[C6:.*]] = arith.constant 6 : i64
// CHECK:           llvm.insertvalue %[[C6]], %{{.*}}[4, 0] : !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// CHECK:           %[[XM:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x2x3xf32>
// CHECK:           %[[YM:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x4xf32>
// CHECK:           func.call @m_forward_impl(%[[PM]], %[[XM]], %[[YM]])
// CHECK:           arith.constant 0 : i32
// CHECK:         return %[[STATUS]] : i32
// The implementation's buffers are distinct (abi.h), and every batch size
// inside it is read from the first batch-sized buffer.
// CHECK:       func.func private @m_forward_impl(
// CHECK-SAME:    %[[IP:.*]]: memref<6xf32> {llvm.noalias}, %[[IX:.*]]: memref<?x2x3xf32> {llvm.noalias}, %[[IY:.*]]: memref<?x4xf32> {llvm.noalias})
// CHECK-SAME:    attributes {llvm.linkage = #llvm.linkage<internal>} {
// CHECK:         %[[BATCH:.*]] = memref.dim %[[IX]], %c0
// CHECK-NOT:     memref.dim
// CHECK:         memref.alloc(%[[BATCH]], %[[BATCH]])
func.func @m_forward_impl(%p: memref<6xf32>, %x: memref<?x2x3xf32>, %y: memref<?x4xf32>) attributes {cnn.entry = "forward", cnn.c_batch_position = 2 : i64} {
  %c0 = arith.constant 0 : index
  %nx = memref.dim %x, %c0 : memref<?x2x3xf32>
  %ny = memref.dim %y, %c0 : memref<?x4xf32>
  %t = memref.alloc(%nx, %ny) : memref<?x?xf32>
  memref.dealloc %t : memref<?x?xf32>
  return
}

// -----

// Scalars pass through; the batch goes where the attribute says.
// CHECK-LABEL: func.func @m_step(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: f32, %{{.*}}: !llvm.ptr) -> i32
func.func @m_step_impl(%p: memref<6xf32>, %x: memref<?x6xf32>, %lr: f32, %loss: memref<1xf32>) attributes {cnn.entry = "train_step", cnn.c_batch_position = 2 : i64} {
  return
}

// -----

// With `cnn.num_classes`, every label is read once and one outside [0, 3)
// (an unsigned comparison catches the negative ones) returns status 1
// before the entry point runs.
// CHECK-LABEL: func.func @m_evaluate(
// CHECK-SAME:    %[[P:[^:]*]]: !llvm.ptr, %[[X:[^:]*]]: !llvm.ptr, %[[L:[^:]*]]: !llvm.ptr, %[[N:[^:]*]]: i64
// CHECK:         scf.if %{{.*}} -> (i32) {
// CHECK:         } else {
// CHECK:           %[[BAD:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %false) -> (i1)  : i64 {
// CHECK:             %[[AT:.*]] = llvm.getelementptr %[[L]][%[[I]]] : (!llvm.ptr, i64) -> !llvm.ptr, i32
// CHECK:             %[[LABEL:.*]] = llvm.load %[[AT]] : !llvm.ptr -> i32
// CHECK:             %[[OUT:.*]] = arith.cmpi uge, %[[LABEL]], %c3_i32 : i32
// CHECK:             arith.ori %[[ACC]], %[[OUT]] : i1
// CHECK:           scf.if %[[BAD]] -> (i32) {
// CHECK:             arith.constant 1 : i32
// CHECK:           } else {
// CHECK:             func.call @m_evaluate_impl
// RUN: cnnc-opt %s --cnn-export-c-interface="check-labels=false" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=DEVICE
// Device pointers (the GPU pipeline): the labels are not read on the host.
// DEVICE-LABEL: func.func @m_evaluate(
// DEVICE-NOT:     llvm.load
// DEVICE:         func.call @m_evaluate_impl
func.func @m_evaluate_impl(%p: memref<6xf32>, %x: memref<?x6xf32>, %l: memref<?xi32>, %loss: memref<f32>) attributes {cnn.entry = "evaluate", cnn.c_batch_position = 3 : i64, cnn.num_classes = 3 : i64} {
  return
}

// -----

// An entry point whose buffers are all static (apply_gradients) has no
// batch in its C signature; its buffers are still checked for null.
// CHECK-LABEL: func.func @m_apply_gradients(
// CHECK-SAME:    %[[P:[^:]*]]: !llvm.ptr, %[[S:[^:]*]]: !llvm.ptr, %[[G:[^:]*]]: !llvm.ptr, %{{[^:]*}}: f32, %{{[^:]*}}: i64) -> i32
// CHECK:         llvm.icmp "eq" %[[P]]
// CHECK:         llvm.icmp "eq" %[[S]]
// CHECK:         llvm.icmp "eq" %[[G]]
// CHECK:         func.call @m_apply_gradients_impl
func.func @m_apply_gradients_impl(%p: memref<6xf32>, %s: memref<12xf32>, %g: memref<6xf32>, %lr: f32, %step: i64) attributes {cnn.entry = "apply_gradients"} {
  return
}

// -----

// expected-error @+1 {{entry point name must end in `_impl`}}
func.func @m_forward(%x: memref<?x4xf32>) attributes {cnn.entry = "forward", cnn.c_batch_position = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{entry point with a batch-sized buffer but without 'cnn.c_batch_position'}}
func.func @m_forward_impl(%x: memref<?x4xf32>) attributes {cnn.entry = "forward"} {
  return
}

// -----

// expected-error @+1 {{batch position out of range}}
func.func @m_forward_impl(%x: memref<?x4xf32>) attributes {cnn.entry = "forward", cnn.c_batch_position = 5 : i64} {
  return
}
