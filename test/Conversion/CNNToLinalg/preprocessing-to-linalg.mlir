// cnn.rescale lowers to one element-wise generic: x * scale (+ offset when
// it is not 0), in f32.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not='= cnn.'

// CHECK-LABEL: func.func @rescale_offset
// CHECK:         %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<?x8x8x3xf32>
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<?x8x8x3xf32>) outs(%[[INIT]] : tensor<?x8x8x3xf32>)
// CHECK:           %[[S:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:           %[[X:.*]] = arith.mulf %{{.*}}, %[[S]] : f32
// CHECK:           %[[O:.*]] = arith.constant -1.000000e+00 : f32
// CHECK:           %[[Y:.*]] = arith.addf %[[X]], %[[O]] : f32
// CHECK:           linalg.yield %[[Y]] : f32
func.func @rescale_offset(%x: tensor<?x8x8x3xf32>) -> tensor<?x8x8x3xf32> {
  %0 = cnn.rescale %x scale = 0.5 offset = -1.0 : tensor<?x8x8x3xf32>
  return %0 : tensor<?x8x8x3xf32>
}

// Without an offset there is no addition.
// CHECK-LABEL: func.func @rescale_scale_only
// CHECK:         linalg.generic
// CHECK:           %[[M:.*]] = arith.mulf
// CHECK-NOT:       arith.addf
// CHECK:           linalg.yield %[[M]] : f32
func.func @rescale_scale_only(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = cnn.rescale %x scale = 3.0 : tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}
