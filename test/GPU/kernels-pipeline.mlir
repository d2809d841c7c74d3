// The GPU pipeline up to outlined kernels: the C wrapper is bracketed by the
// runtime's entry calls, the host code only allocates device buffers and
// launches 1-D grids of 256-thread blocks, all kernels sit in one module.
// RUN: cnnc-opt %S/Inputs/small.mlir \
// RUN:   --cnn-gpu-kernels-pipeline="model-name=small optimizer=none" \
// RUN:   | FileCheck %s
// RUN: cnnc-opt %S/Inputs/small.mlir \
// RUN:   --cnn-gpu-kernels-pipeline="model-name=small block-size=128" \
// RUN:   | FileCheck %s --check-prefix=TRAIN
// RUN: cnnc-opt %S/Inputs/small.mlir \
// RUN:   --cnn-gpu-kernels-pipeline="model-name=small optimizer=none" \
// RUN:   | FileCheck %s --check-prefix=KERNEL

// CHECK-LABEL: func.func @small_forward(
// CHECK:         %[[BEGIN:.*]] = func.call @cnnc_gpu_entry_begin() : () -> i32
// CHECK:         %[[READY:.*]] = arith.cmpi eq, %[[BEGIN]], %{{.*}} : i32
// CHECK:         scf.if %[[READY]] {
// CHECK-NEXT:      func.call @small_forward_impl(
// CHECK:         %[[END:.*]] = func.call @cnnc_gpu_entry_end(%[[BEGIN]]) : (i32) -> i32
// CHECK:         scf.yield %[[END]] : i32

// Host code touches no tensor data: no host buffers, loads, stores or loops.
// CHECK-LABEL: func.func private @small_forward_impl(
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.load
// CHECK-NOT:     scf.for
// CHECK:         %[[T:.*]] = gpu.wait async
// CHECK:         %{{.*}}, %[[DONE:.*]] = gpu.alloc async [%[[T]]] (%{{.*}}) : memref<?x2x2x4xf32>
// CHECK:         gpu.wait [%[[DONE]]]
// CHECK:         gpu.launch_func @small_kernels::@small_forward_impl_kernel blocks in (%{{.*}}, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK-NOT:     memref.load
// CHECK-NOT:     scf.for
// Three kernels in all (cnn-gpu-fuse-loops): bias + convolution + relu,
// -inf fill + max pooling, bias + dense.
// CHECK-COUNT-2: gpu.launch_func @small_kernels::
// CHECK-NOT:     gpu.launch_func
// CHECK:       gpu.module @small_kernels {
// CHECK-COUNT-3: gpu.func @small_forward_impl_kernel{{.*}} kernel
// CHECK-NOT:   gpu.func
// CHECK-NOT:   gpu.module

// Training: three entry points, each guarded, kernels of all in one module;
// the loss reduction over the batch runs as a single-thread kernel.
// TRAIN-LABEL: func.func @small_train_step(
// TRAIN:         func.call @cnnc_gpu_entry_begin()
// TRAIN:         blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1)
// TRAIN:       gpu.module @small_kernels {
// TRAIN:         gpu.func @small_train_step_impl_kernel
// TRAIN-LABEL: func.func @small_evaluate(
// TRAIN:         func.call @cnnc_gpu_entry_begin()
// TRAIN-LABEL: func.func @small_forward(
// TRAIN:         func.call @cnnc_gpu_entry_begin()
// TRAIN-NOT:   gpu.module

// The convolution kernel: its loop bounds are constants inside the kernel
// (gpu-launch-sink-index-computations), not kernel arguments (the only
// index arguments are the grid's), the sum is carried in a register from
// the bias to one store (cnn-gpu-promote-accumulators), and the filter,
// which every thread of the block reads, is copied once into a workgroup
// attribution (cnn-gpu-stage-shared-tiles, cnn-gpu-workgroup-buffers): all
// 72 elements fit, so one copy and one barrier before the window loops.
// KERNEL-LABEL: gpu.func @small_forward_impl_kernel(%arg0: index, %arg1: index,
// KERNEL-SAME:    {{(%arg[0-9]+: memref<[^%]*)+}}workgroup(%[[TILE:.*]] : memref<18x4xf32, #gpu.address_space<workgroup>>) kernel {
// KERNEL-DAG:     %[[C3:.*]] = arith.constant 3 : index
// KERNEL-DAG:     %[[C2:.*]] = arith.constant 2 : index
// KERNEL:         %[[BIAS:.*]] = memref.load
// KERNEL:         memref.store %{{.*}}, %[[TILE]]
// KERNEL:         gpu.barrier
// KERNEL-NOT:     memref.store
// KERNEL:         %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %[[C3]] step %{{.*}} iter_args(%{{.*}} = %[[BIAS]]) -> (f32)
// KERNEL:           scf.for %{{.*}} = %{{.*}} to %[[C3]] step
// KERNEL:             scf.for %{{.*}} = %{{.*}} to %[[C2]] step
// KERNEL:               memref.load %[[TILE]]
// KERNEL-NOT:           memref.store
// KERNEL-NOT:           gpu.barrier
// KERNEL:         scf.if
// KERNEL-NEXT:      memref.store %[[SUM]]
// KERNEL-NEXT:    }
// KERNEL-NEXT:    gpu.return
