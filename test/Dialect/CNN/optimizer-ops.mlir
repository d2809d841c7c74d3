// The optimizer updates round-trip through the custom and the generic form:
// Adam/AdamW and SGD with optional weight decay, RMSprop with and without
// its momentum buffer and average gradient.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @adam
func.func @adam(%p: tensor<10xf32>, %g: tensor<10xf32>, %m: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32, %t: i64) {
  // CHECK: cnn.adam_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} beta1 = {{.*}} beta2 = {{.*}} epsilon = {{.*}} : tensor<10xf32>
  %0:3 = cnn.adam_update %p, %g, %m, %v, %lr, %t beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-7 : tensor<10xf32>
  // CHECK: cnn.adam_update {{.*}} epsilon = 1.000000e-07 weight_decay = 4.000000e-03 : tensor<10xf32>
  %1:3 = cnn.adam_update %p, %g, %m, %v, %lr, %t beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-7 weight_decay = 0.004 : tensor<10xf32>
  // CHECK: cnn.sgd_update {{.*}} momentum = 0.000000e+00 weight_decay = 0.00999999977 : tensor<10xf32>
  %2:2 = cnn.sgd_update %p, %g, %v, %lr momentum = 0.0 weight_decay = 0.01 : tensor<10xf32>
  return
}

// CHECK-LABEL: func.func @rmsprop
func.func @rmsprop(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %mb: tensor<10xf32>,
                   %ag: tensor<10xf32>, %lr: f32) {
  // The default momentum 0 is elided.
  // CHECK: %{{.*}}, %{{.*}} = cnn.rmsprop_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} rho = 0.899999976 epsilon = 1.000000e-07 : tensor<10xf32>
  // GENERIC: "cnn.rmsprop_update"({{.*}}) <{epsilon = 1.000000e-07 : f32, momentum = 0.000000e+00 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>, rho = 0.899999976 : f32}> : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, f32) -> (tensor<10xf32>, tensor<10xf32>)
  %0:2 = cnn.rmsprop_update %p, %g, %v, %lr rho = 0.9 epsilon = 1.0e-7 : tensor<10xf32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = cnn.rmsprop_update {{.*}} momentum_buffer %{{.*}} rho = {{.*}} momentum = 5.000000e-01 epsilon
  %1:3 = cnn.rmsprop_update %p, %g, %v, %lr momentum_buffer %mb rho = 0.9 momentum = 0.5 epsilon = 1.0e-7 : tensor<10xf32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = cnn.rmsprop_update {{.*}} average_gradient %{{.*}} rho
  %2:3 = cnn.rmsprop_update %p, %g, %v, %lr average_gradient %ag rho = 0.9 epsilon = 1.0e-7 : tensor<10xf32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}}:2 = cnn.rmsprop_update {{.*}} momentum_buffer %{{.*}} average_gradient %{{.*}} rho = {{.*}} momentum = 5.000000e-01 epsilon = 1.000000e-07 weight_decay = 0.00999999977
  // GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>
  %3:4 = cnn.rmsprop_update %p, %g, %v, %lr momentum_buffer %mb average_gradient %ag rho = 0.9 momentum = 0.5 epsilon = 1.0e-7 weight_decay = 0.01 : tensor<10xf32>
  return
}
