// cnn-gpu-serialize: every gpu.module (kernels in the LLVM/NVVM dialects)
// becomes a gpu.binary of the same name whose one object holds cnnc's GPU
// image container (include/cnnc/Runtime/gpu_binary.h): "CNNCGPU1", version
// 1, the image count, a table of (kind, arch, offset, size), then the
// images at 16-byte aligned offsets. With ptxas=none the only image is the
// PTX (kind 2), NUL terminated; with a ptxas, the cubin (kind 1) comes first.
// The blob is printed escaped: arch 80 is the byte 'P', 90 is 'Z', offset
// 48 is '0' and 64 is '@'. Kernels calling a function that is not defined
// (libdevice) and options naming no chip or no ptxas are errors.
//
// RUN: cnnc-opt %s --cnn-gpu-serialize="ptxas=none chip=sm_80" -split-input-file -verify-diagnostics \
// RUN:   | FileCheck %s --implicit-check-not=gpu.module
// RUN: cnnc-opt %s --cnn-gpu-serialize="ptxas=none opt-level=1" -split-input-file -verify-diagnostics \
// RUN:   | FileCheck %s --check-prefix=SM90 --implicit-check-not=gpu.module
//
// A stand-in ptxas (no CUDA toolkit needed) that checks it got the PTX and
// writes its arguments as the "cubin".
// RUN: echo '#!/bin/sh' > %t.ptxas
// RUN: echo 'grep -q "^.visible .entry" "$3" && echo "CUBIN $1 $2" > "$5"' >> %t.ptxas
// RUN: chmod +x %t.ptxas
// RUN: cnnc-opt %s --cnn-gpu-serialize="ptxas=%t.ptxas chip=sm_80" -split-input-file -verify-diagnostics \
// RUN:   | FileCheck %s --check-prefix=CUBIN --implicit-check-not=gpu.module
//
// A ptxas that fails: its messages are part of the error.
// RUN: echo '#!/bin/sh' > %t.bad-ptxas
// RUN: echo 'echo "ptxas fatal: no good" >&2; exit 1' >> %t.bad-ptxas
// RUN: chmod +x %t.bad-ptxas
// RUN: not cnnc-opt %s --cnn-gpu-serialize="ptxas=%t.bad-ptxas" -split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PTXAS-FAILS
// RUN: not cnnc-opt %s --cnn-gpu-serialize="ptxas=%t.missing" -split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NO-PTXAS
// RUN: not cnnc-opt %s --cnn-gpu-serialize="ptxas=none chip=sm90" -split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-CHIP
// RUN: not cnnc-opt %s --cnn-gpu-serialize="ptxas=none chip=sm_999" -split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NO-SUCH-CHIP

// PTXAS-FAILS:  error: {{.*}}bad-ptxas failed for sm_90
// PTXAS-FAILS-NEXT: ptxas fatal: no good
// NO-PTXAS:     error: --ptxas '{{.*}}.missing' is not an executable
// BAD-CHIP:     error: unknown GPU architecture 'sm90'
// NO-SUCH-CHIP: error: unknown --gpu-arch 'sm_999'

// The gpu.module is replaced in place by a gpu.binary of the same name, so
// the host's launch still resolves; the object records the NVVM target
// (chip and optimization level of the options when the module has none).
// CHECK-LABEL: llvm.func @host(
// CHECK:         gpu.launch_func @kernels::@scale blocks
// CHECK:       gpu.binary @kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">, properties = {cnnc.images = 1 : i32},
// One PTX image for sm_80 at offset 48.
// CHECK-SAME:    bin = "CNNCGPU1\01\00\00\00\01\00\00\00\02\00\00\00P\00\00\000\00\00\00\00\00\00\00
// The PTX of the kernel: NVVM's thread id, the intrinsic's instruction.
// CHECK-SAME:    .target sm_80
// CHECK-SAME:    .visible .entry scale(
// CHECK-SAME:    %tid.x
// CHECK-SAME:    sqrt.rn.f32
// CHECK-SAME:    }\0A\00">]
// CHECK-NOT:     __nv_

// SM90-LABEL: llvm.func @host(
// SM90:       gpu.binary @kernels [#gpu.object<#nvvm.target<O = 1, chip = "sm_90">, properties = {cnnc.images = 1 : i32},
// SM90-SAME:    bin = "CNNCGPU1\01\00\00\00\01\00\00\00\02\00\00\00Z\00\00\000\00
// SM90-SAME:    .target sm_90
// SM90-SAME:    .visible .entry scale(

// The cubin first (kind 1, offset 64, 22 bytes), then the PTX (kind 2) at
// the next multiple of 16, 96 ('`'), after zero padding.
// CUBIN-LABEL: llvm.func @host(
// CUBIN:       gpu.binary @kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">, properties = {cnnc.images = 2 : i32},
// CUBIN-SAME:    bin = "CNNCGPU1\01\00\00\00\02\00\00\00\01\00\00\00P\00\00\00@\00\00\00\00\00\00\00\16\00\00\00\00\00\00\00\02\00\00\00P\00\00\00`\00\00\00\00\00\00\00
// CUBIN-SAME:    CUBIN -arch=sm_80 -O3\0A\00\00\00\00\00\00\00\00\00\00//
// CUBIN-SAME:    .target sm_80
// CUBIN-SAME:    .visible .entry scale(
module attributes {gpu.container_module} {
  llvm.func @host(%p: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    gpu.launch_func @kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%p : !llvm.ptr)
    llvm.return
  }
  gpu.module @kernels {
    llvm.func @scale(%p: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
      %tid = nvvm.read.ptx.sreg.tid.x : i32
      %g = llvm.getelementptr %p[%tid] : (!llvm.ptr, i32) -> !llvm.ptr, f32
      %v = llvm.load %g : !llvm.ptr -> f32
      %r = llvm.call_intrinsic "llvm.sqrt.f32"(%v) : (f32) -> f32
      llvm.store %r, %g : f32, !llvm.ptr
      llvm.return
    }
  }
}

// -----

// Each gpu.module gets its own binary with its own kernels; a declaration
// nobody calls is no error. A target on the module is kept.
// CHECK:       gpu.binary @first [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">
// CHECK-SAME:    .visible .entry first_kernel(
// CHECK-NOT:     second_kernel
// CHECK:       gpu.binary @second [#gpu.object<#nvvm.target<O = 1, chip = "sm_80">,
// CHECK-SAME:    .visible .entry second_kernel(
// CHECK-NOT:     first_kernel
module attributes {gpu.container_module} {
  gpu.module @first {
    llvm.func @__nv_expf(f32) -> f32
    llvm.func @first_kernel() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
  gpu.module @second [#nvvm.target<O = 1, chip = "sm_80">] {
    llvm.func @second_kernel() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// cnnc links no libdevice: a call of __nv_expf cannot become PTX.
module attributes {gpu.container_module} {
  // expected-error @+1 {{GPU kernels call '__nv_expf', which is not defined (cnnc links no libdevice)}}
  gpu.module @kernels {
    llvm.func @__nv_expf(f32) -> f32
    llvm.func @k(%p: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
      %v = llvm.load %p : !llvm.ptr -> f32
      %r = llvm.call @__nv_expf(%v) : (f32) -> f32
      llvm.store %r, %p : f32, !llvm.ptr
      llvm.return
    }
  }
}

// -----

// Kernels not yet lowered to the LLVM dialect cannot be translated.
module attributes {gpu.container_module} {
  // expected-error @+1 {{cannot translate the kernels to LLVM IR}}
  gpu.module @kernels {
    // expected-error @+1 {{cannot be converted to LLVM IR}}
    func.func @k() {
      return
    }
  }
}
