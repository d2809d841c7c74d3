// cnn-gpu-entry-guards: in every public C wrapper (`@m_forward`, returning
// the i32 status, calling `@m_forward_impl` in the branch that yields 0),
// the implementation runs only when cnnc_gpu_entry_begin() returned 0, and
// cnnc_gpu_entry_end(begin's status) becomes the wrapper's status. Other
// functions are not touched; a wrapper of another shape is an error.
// RUN: cnnc-opt %s --cnn-gpu-entry-guards -split-input-file -verify-diagnostics | FileCheck %s

// The runtime functions are declared once, privately, with their C types.
// CHECK-DAG:   func.func private @cnnc_gpu_entry_begin() -> i32
// CHECK-DAG:   func.func private @cnnc_gpu_entry_end(i32) -> i32
// The argument check (status 1) still runs before, and outside, the guard.
// CHECK-LABEL: func.func @m_forward(
// CHECK-SAME:    %[[X:.*]]: memref<?x4xf32>, %[[BAD:.*]]: i1) -> i32
// CHECK:         %[[STATUS:.*]] = scf.if %[[BAD]] -> (i32) {
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NEXT:      scf.yield %[[ONE]] : i32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[BEGIN:.*]] = func.call @cnnc_gpu_entry_begin() : () -> i32
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:      %[[READY:.*]] = arith.cmpi eq, %[[BEGIN]], %[[ZERO]] : i32
// CHECK-NEXT:      scf.if %[[READY]] {
// CHECK-NEXT:        func.call @m_forward_impl(%[[X]]) : (memref<?x4xf32>) -> ()
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[END:.*]] = func.call @cnnc_gpu_entry_end(%[[BEGIN]]) : (i32) -> i32
// CHECK-NEXT:      arith.constant 0 : i32
// CHECK-NEXT:      scf.yield %[[END]] : i32
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[STATUS]] : i32
// The implementation itself has no guard.
// CHECK-LABEL: func.func private @m_forward_impl(
// CHECK-NOT:     call
// CHECK:         return
func.func @m_forward(%x: memref<?x4xf32>, %bad: i1) -> i32 {
  %status = scf.if %bad -> (i32) {
    %one = arith.constant 1 : i32
    scf.yield %one : i32
  } else {
    func.call @m_forward_impl(%x) : (memref<?x4xf32>) -> ()
    %zero = arith.constant 0 : i32
    scf.yield %zero : i32
  }
  return %status : i32
}
func.func private @m_forward_impl(%x: memref<?x4xf32>) {
  return
}

// -----

// Existing declarations of the runtime functions are reused where they are,
// not declared again, and every wrapper of the module is guarded.
// CHECK:       module {
// CHECK-NEXT:    func.func private @cnnc_gpu_entry_begin() -> i32
// CHECK-NEXT:    func.func @m_forward(
// CHECK:           %[[B1:.*]] = func.call @cnnc_gpu_entry_begin()
// CHECK:           scf.if
// CHECK-NEXT:        func.call @m_forward_impl()
// CHECK:           func.call @cnnc_gpu_entry_end(%[[B1]])
// CHECK:         func.func @m_train_step(
// CHECK:           %[[B2:.*]] = func.call @cnnc_gpu_entry_begin()
// CHECK:           scf.if
// CHECK-NEXT:        func.call @m_train_step_impl()
// CHECK:           func.call @cnnc_gpu_entry_end(%[[B2]])
// CHECK:         func.func private @m_train_step_impl()
// CHECK-NEXT:    func.func private @cnnc_gpu_entry_end(i32) -> i32
// CHECK-NEXT:  }
func.func private @cnnc_gpu_entry_begin() -> i32
func.func @m_forward(%bad: i1) -> i32 {
  %status = scf.if %bad -> (i32) {
    %one = arith.constant 1 : i32
    scf.yield %one : i32
  } else {
    func.call @m_forward_impl() : () -> ()
    %zero = arith.constant 0 : i32
    scf.yield %zero : i32
  }
  return %status : i32
}
func.func @m_train_step(%bad: i1) -> i32 {
  %status = scf.if %bad -> (i32) {
    %one = arith.constant 1 : i32
    scf.yield %one : i32
  } else {
    func.call @m_train_step_impl() : () -> ()
    %zero = arith.constant 0 : i32
    scf.yield %zero : i32
  }
  return %status : i32
}
func.func private @m_forward_impl()
func.func private @m_train_step_impl()
func.func private @cnnc_gpu_entry_end(i32) -> i32

// -----

// Not C wrappers: private, not returning exactly one i32, or calling no
// `_impl` function. None gets a guard.
// CHECK-LABEL: func.func private @private_wrapper(
// CHECK-NOT:     cnnc_gpu_entry
// CHECK-LABEL: func.func @returns_nothing(
// CHECK-NOT:     cnnc_gpu_entry
// CHECK-LABEL: func.func @returns_i64(
// CHECK-NOT:     cnnc_gpu_entry
// CHECK-LABEL: func.func @calls_no_impl(
// CHECK-NOT:     cnnc_gpu_entry
// CHECK-LABEL: func.func private @m_impl(
// CHECK-NOT:     cnnc_gpu_entry
func.func private @private_wrapper(%bad: i1) -> i32 {
  %status = scf.if %bad -> (i32) {
    %one = arith.constant 1 : i32
    scf.yield %one : i32
  } else {
    func.call @m_impl() : () -> ()
    %zero = arith.constant 0 : i32
    scf.yield %zero : i32
  }
  return %status : i32
}
func.func @returns_nothing() {
  func.call @m_impl() : () -> ()
  return
}
func.func @returns_i64(%bad: i1) -> i64 {
  %status = scf.if %bad -> (i64) {
    %one = arith.constant 1 : i64
    scf.yield %one : i64
  } else {
    func.call @m_impl() : () -> ()
    %zero = arith.constant 0 : i64
    scf.yield %zero : i64
  }
  return %status : i64
}
func.func @calls_no_impl(%bad: i1) -> i32 {
  %status = scf.if %bad -> (i32) {
    %one = arith.constant 1 : i32
    scf.yield %one : i32
  } else {
    func.call @helper() : () -> ()
    %zero = arith.constant 0 : i32
    scf.yield %zero : i32
  }
  return %status : i32
}
func.func private @helper()
func.func private @m_impl() {
  return
}

// -----

// The implementation called straight from the function body: there is no
// scf.yield whose status could become the runtime's.
// expected-error @+1 {{unexpected C wrapper shape for the GPU entry guards}}
func.func @m_forward() -> i32 {
  func.call @m_forward_impl() : () -> ()
  %zero = arith.constant 0 : i32
  return %zero : i32
}
func.func private @m_forward_impl()
