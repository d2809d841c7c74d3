// cnn.rescale round-trips through the custom and the generic form; the
// offset is printed only when it is not 0.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @rescale
func.func @rescale(%x: tensor<?x28x28x1xf32>, %d: tensor<4x10xf32>) -> (tensor<?x28x28x1xf32>, tensor<4x10xf32>) {
  // CHECK: %[[Y:.*]] = cnn.rescale %{{.*}} scale = 0.00392156886 offset = -5.000000e-01 : tensor<?x28x28x1xf32>
  // GENERIC: "cnn.rescale"(%{{.*}}) <{offset = -5.000000e-01 : f32, scale = 0.00392156886 : f32}> : (tensor<?x28x28x1xf32>) -> tensor<?x28x28x1xf32>
  %y = cnn.rescale %x scale = 0.00392156886 offset = -0.5 : tensor<?x28x28x1xf32>
  // CHECK: cnn.rescale %[[Y]] scale = 2.000000e+00 : tensor<?x28x28x1xf32>
  %z = cnn.rescale %y scale = 2.0 offset = 0.0 : tensor<?x28x28x1xf32>
  // Any rank, static batches too.
  // CHECK: cnn.rescale %{{.*}} scale = -1.000000e+00 : tensor<4x10xf32>
  %e = cnn.rescale %d scale = -1.0 : tensor<4x10xf32>
  return %z, %e : tensor<?x28x28x1xf32>, tensor<4x10xf32>
}
