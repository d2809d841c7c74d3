// Kernels in NVVM, host code in the LLVM dialect, then the serialized
// gpu.binary. Math needs no libdevice: no __nv_* function anywhere.
// RUN: cnnc-opt %S/Inputs/small.mlir \
// RUN:   --cnn-gpu-nvvm-pipeline="model-name=small chip=sm_80" \
// RUN:   | FileCheck %s --implicit-check-not=__nv_
// RUN: cnnc-opt %S/Inputs/small.mlir \
// RUN:   --cnn-gpu-pipeline="model-name=small ptxas=none" \
// RUN:   | FileCheck %s --check-prefix=BINARY --implicit-check-not=gpu.module

// CHECK-LABEL: llvm.func @small_train_step(
// CHECK:         llvm.call @cnnc_gpu_entry_begin() : () -> i32
// CHECK:         llvm.call @cnnc_gpu_entry_end(
// CHECK-LABEL: llvm.func internal @small_train_step_impl(
// CHECK:         llvm.call @mgpuStreamCreate()
// CHECK:         llvm.call @mgpuMemAlloc(
// CHECK:         gpu.launch_func @small_kernels::@small_train_step_impl_kernel
// CHECK:       gpu.module @small_kernels [#nvvm.target<O = 3, chip = "sm_80">]
// CHECK:         llvm.func @small_train_step_impl_kernel(
// CHECK-SAME:      gpu.kernel
// CHECK-SAME:      nvvm.kernel
// CHECK:           nvvm.read.ptx.sreg.ctaid.x
// CHECK:           nvvm.read.ptx.sreg.tid.x
// The softmax cross-entropy's exp/log are polynomials, Adam's sqrt is the
// correctly rounded instruction.
// CHECK:         llvm.call_intrinsic "llvm.sqrt.f32"

// BINARY:     gpu.binary @small_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90">, properties = {cnnc.images = 1 : i32}, bin = "CNNCGPU1
// BINARY-NOT: func.func
// BINARY:     llvm.func @small_forward(
