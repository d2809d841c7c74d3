// Copies become linalg.copy, so no runtime `memrefCopy` is needed.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-copies-to-linalg))' | FileCheck %s

// CHECK-LABEL: func.func @strided_copy
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x4xf32>)
func.func @strided_copy(%src: memref<4x4xf32, strided<[8, 1]>>, %dst: memref<4x4xf32>) {
  memref.copy %src, %dst : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}
