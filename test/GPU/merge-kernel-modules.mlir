// cnn-gpu-merge-kernel-modules: the one-kernel gpu.modules of
// gpu-kernel-outlining become one gpu.module (`module-name`, default
// cnn_kernels) at the place of the first, kernels and helpers that share a
// name are renamed (with the calls in their own module), a declaration
// repeated in several modules is kept once, and every gpu.launch_func is
// redirected to its kernel's new symbol. A name
// that is taken, or a launch of a kernel outside the gpu.modules, is an
// error.
// RUN: cnnc-opt %s --cnn-gpu-merge-kernel-modules -split-input-file -verify-diagnostics | FileCheck %s
// RUN: cnnc-opt %s --cnn-gpu-merge-kernel-modules="module-name=m_kernels" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NAMED

// Three kernels, two of them named @kernel: the launches keep pointing at
// the kernel they launched before (told apart by the constant they store).
// CHECK-LABEL: func.func @host(
// CHECK:         gpu.launch_func @cnn_kernels::@first blocks
// CHECK:         gpu.launch_func @cnn_kernels::@[[KB:kernel[_0-9]*]] blocks
// CHECK:         gpu.launch_func @cnn_kernels::@[[KC:kernel[_0-9]*]] blocks
// CHECK:         return
// The merged module carries the first module's targets.
// CHECK:       gpu.module @cnn_kernels [#nvvm.target<chip = "sm_80">] {
// CHECK:         gpu.func @first(
// CHECK:           arith.constant 0.000000e+00
// CHECK:         func.func private @decl(f32) -> f32
// CHECK-NEXT:    gpu.func @[[KB]](
// CHECK:           arith.constant 1.000000e+00
// CHECK-NOT:     func.func private @decl
// CHECK:         gpu.func @[[KC]](
// CHECK:           arith.constant 2.000000e+00
// CHECK-NOT:     gpu.module
// NAMED-LABEL: func.func @host(
// NAMED:         gpu.launch_func @m_kernels::@first blocks
// NAMED:       gpu.module @m_kernels
// NAMED-NEXT:    gpu.func @first(
// NAMED-NOT:   gpu.module
// NAMED-LABEL: func.func @merged_host(
module attributes {gpu.container_module} {
  func.func @host(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @first::@first blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @b_kernels::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @c_kernels::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @first [#nvvm.target<chip = "sm_80">] {
    gpu.func @first(%m: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = arith.constant 0.0 : f32
      memref.store %v, %m[%c0] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @b_kernels {
    func.func private @decl(f32) -> f32
    gpu.func @kernel(%m: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = arith.constant 1.0 : f32
      memref.store %v, %m[%c0] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @c_kernels {
    func.func private @decl(f32) -> f32
    gpu.func @kernel(%m: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = arith.constant 2.0 : f32
      memref.store %v, %m[%c0] : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// Already merged (the pass runs again): the module and launch stay as they
// are.
// CHECK-LABEL: func.func @merged_host(
// CHECK:         gpu.launch_func @cnn_kernels::@k blocks
// CHECK:       gpu.module @cnn_kernels {
// CHECK-NEXT:    gpu.func @k(
// CHECK-NOT:     gpu.module
module attributes {gpu.container_module} {
  func.func @merged_host() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @cnn_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.module @cnn_kernels {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

// No kernels: no empty module appears.
// CHECK-LABEL: func.func @no_kernels(
// CHECK-NOT:     gpu.module
func.func @no_kernels() {
  return
}

// -----

// The merged module's name is taken by another symbol (each RUN line's
// name is).
// expected-error-re @+1 {{symbol '{{(cnn|m)_kernels}}' already exists}}
module {
  func.func private @cnn_kernels()
  func.func private @m_kernels()
  gpu.module @a {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

// A kernel launched from a gpu.binary is not among the merged kernels.
module attributes {gpu.container_module} {
  gpu.binary @prebuilt [#gpu.object<#nvvm.target, "">]
  gpu.module @a {
    gpu.func @k() kernel {
      gpu.return
    }
  }
  func.func @host() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @a::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    // expected-error @+1 {{launch of a kernel outside the gpu.modules}}
    gpu.launch_func @prebuilt::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// Two modules each with a device helper named @helper: the second one is
// renamed, and so is the call in its own kernel, which keeps calling its
// own helper (told apart by the constant it returns).
// CHECK-LABEL: func.func @helpers(
// CHECK:         gpu.launch_func @cnn_kernels::@[[KA:[a-z_0-9]+]] blocks
// CHECK:         gpu.launch_func @cnn_kernels::@[[KB:[a-z_0-9]+]] blocks
// CHECK:       gpu.module @cnn_kernels
// CHECK:         func.func @helper() -> f32
// CHECK-NEXT:      arith.constant 1.0
// CHECK:         gpu.func @[[KA]](
// CHECK:           func.call @helper()
// CHECK:         func.func @[[HB:helper_[0-9]+]]() -> f32
// CHECK-NEXT:      arith.constant 2.0
// CHECK:         gpu.func @[[KB]](
// CHECK:           func.call @[[HB]]()
module attributes {gpu.container_module} {
func.func @helpers(%buf: memref<1xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch_func @ma::@use_one blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<1xf32>)
  gpu.launch_func @mb::@use_two blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<1xf32>)
  return
}
gpu.module @ma {
  func.func @helper() -> f32 {
    %one = arith.constant 1.0 : f32
    return %one : f32
  }
  gpu.func @use_one(%buf: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %v = func.call @helper() : () -> f32
    memref.store %v, %buf[%c0] : memref<1xf32>
    gpu.return
  }
}
gpu.module @mb {
  func.func @helper() -> f32 {
    %two = arith.constant 2.0 : f32
    return %two : f32
  }
  gpu.func @use_two(%buf: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %v = func.call @helper() : () -> f32
    memref.store %v, %buf[%c0] : memref<1xf32>
    gpu.return
  }
}
}
