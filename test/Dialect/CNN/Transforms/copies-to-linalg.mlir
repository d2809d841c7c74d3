// Copies become linalg.copy, so no runtime `memrefCopy` is needed.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-copies-to-linalg))' | FileCheck %s

// CHECK-LABEL: func.func @strided_copy
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x4xf32>)
func.func @strided_copy(%src: memref<4x4xf32, strided<[8, 1]>>, %dst: memref<4x4xf32>) {
  memref.copy %src, %dst : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}

// A copy of a buffer onto itself (bufferization writes an in-place result
// back) is dropped, also when source and target are two equal views.
// CHECK-LABEL: func.func @self_copies
// CHECK-SAME:    (%[[BUF:.*]]: memref<16xf32>)
// CHECK-NOT:     memref.copy
// CHECK-NOT:     linalg.copy
// CHECK:         return
func.func @self_copies(%buf: memref<16xf32>) {
  memref.copy %buf, %buf : memref<16xf32> to memref<16xf32>
  %a = memref.subview %buf[4] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 4>>
  %b = memref.subview %buf[4] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 4>>
  memref.copy %a, %b : memref<8xf32, strided<[1], offset: 4>> to memref<8xf32, strided<[1], offset: 4>>
  return
}

// Different views of one buffer are a real copy.
// CHECK-LABEL: func.func @overlapping_views
// CHECK:         linalg.copy
func.func @overlapping_views(%buf: memref<16xf32>) {
  %a = memref.subview %buf[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %b = memref.subview %buf[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
  memref.copy %a, %b : memref<8xf32, strided<[1]>> to memref<8xf32, strided<[1], offset: 8>>
  return
}
