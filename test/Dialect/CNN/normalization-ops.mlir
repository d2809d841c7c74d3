// Batch normalization and dropout ops round-trip through the custom and the
// generic form; default attributes (epsilon 1e-3, momentum 0.99) are elided.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @batch_norm
func.func @batch_norm(%x: tensor<?x5x5x4xf32>, %d: tensor<?x6xf32>) -> (tensor<?x5x5x4xf32>, tensor<?x6xf32>) {
  %g = cnn.param "bn/gamma" init = ones : tensor<4xf32>
  %b = cnn.param "bn/beta" : tensor<4xf32>
  %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
  %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} gamma = %{{.*}} beta = %{{.*}} : tensor<?x5x5x4xf32>
  // GENERIC: "cnn.batch_norm"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-03 : f64, momentum = 0.98999999999999999 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}>
  %y = cnn.batch_norm %x, %m, %v gamma = %g beta = %b : tensor<?x5x5x4xf32>
  %m2 = cnn.param "bn2/moving_mean" trainable = false : tensor<6xf32>
  %v2 = cnn.param "bn2/moving_variance" init = ones trainable = false : tensor<6xf32>
  // Neither gamma nor beta (Keras scale=False, center=False).
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} epsilon = 1.000000e-05 momentum = 5.000000e-01 : tensor<?x6xf32>
  // GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>
  %z = cnn.batch_norm %d, %m2, %v2 epsilon = 1.0e-5 momentum = 0.5 : tensor<?x6xf32>
  return %y, %z : tensor<?x5x5x4xf32>, tensor<?x6xf32>
}

// A layer kept in inference mode in training (Keras: frozen, or called
// with training=False).
// CHECK-LABEL: func.func @batch_norm_inference_mode
func.func @batch_norm_inference_mode(%x: tensor<?x5x5x4xf32>) -> tensor<?x5x5x4xf32> {
  %g = cnn.param "bn/gamma" init = ones trainable = false : tensor<4xf32>
  %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
  %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} gamma = %{{.*}} momentum = 9.000000e-01 inference_mode : tensor<?x5x5x4xf32>
  // GENERIC: "cnn.batch_norm"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-03 : f64, inference_mode, momentum = 9.000000e-01 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}>
  %y = cnn.batch_norm %x, %m, %v gamma = %g momentum = 0.9 inference_mode : tensor<?x5x5x4xf32>
  return %y : tensor<?x5x5x4xf32>
}

// CHECK-LABEL: func.func @batch_norm_beta_only
func.func @batch_norm_beta_only(%x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %b = cnn.param "bn/beta" : tensor<6xf32>
  %m = cnn.param "bn/moving_mean" trainable = false : tensor<6xf32>
  %v = cnn.param "bn/moving_variance" trainable = false : tensor<6xf32>
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} beta = %{{.*}} : tensor<?x6xf32>
  // GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>
  %y = cnn.batch_norm %x, %m, %v beta = %b : tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// CHECK-LABEL: func.func @training_forms
func.func @training_forms(%x: tensor<?x5x5x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>,
                          %mean: tensor<4xf32>, %seed: i64, %step: i64) -> tensor<?x5x5x4xf32> {
  // CHECK: %[[Y:.*]], %[[M:.*]], %[[V:.*]] = cnn.batch_norm_train %{{.*}} gamma = %{{.*}} beta = %{{.*}} epsilon = 1.000000e-03 : tensor<?x5x5x4xf32>
  // GENERIC: "cnn.batch_norm_train"(%{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-03 : f64, operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<?x5x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<?x5x5x4xf32>, tensor<4xf32>, tensor<4xf32>)
  %y, %m, %v = cnn.batch_norm_train %x gamma = %g beta = %b epsilon = 1.0e-3 : tensor<?x5x5x4xf32>
  // CHECK: cnn.batch_norm_grad %[[Y]], %{{.*}}, %[[M]], %[[V]] gamma = %{{.*}} epsilon = 1.000000e-03 : tensor<?x5x5x4xf32>
  %dx, %dg, %db = cnn.batch_norm_grad %y, %x, %m, %v gamma = %g epsilon = 1.0e-3 : tensor<?x5x5x4xf32>
  // CHECK: cnn.batch_norm_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} epsilon = 1.000000e-03 : tensor<?x5x5x4xf32>
  %dx2, %dg2, %db2 = cnn.batch_norm_grad %y, %x, %m, %v epsilon = 1.0e-3 : tensor<?x5x5x4xf32>
  // CHECK: cnn.batch_norm_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} gamma = %{{.*}} epsilon = 1.000000e-03 fixed_statistics : tensor<?x5x5x4xf32>
  // GENERIC: "cnn.batch_norm_grad"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-03 : f64, fixed_statistics}>
  %dx3, %dg3, %db3 = cnn.batch_norm_grad %y, %x, %mean, %mean gamma = %g epsilon = 1.0e-3 fixed_statistics : tensor<?x5x5x4xf32>
  // CHECK: cnn.moving_average %{{.*}}, %[[M]] momentum = 0.98999999999999999 : tensor<4xf32>
  %new = cnn.moving_average %mean, %m momentum = 0.99 : tensor<4xf32>
  // CHECK: cnn.dropout_train %{{.*}}, %{{.*}}, %{{.*}} rate = 5.000000e-01 stream = 0 : tensor<?x5x5x4xf32>
  // GENERIC: "cnn.dropout_train"(%{{.*}}, %{{.*}}, %{{.*}}) <{rate = 5.000000e-01 : f64, stream = 0 : i64}> : (tensor<?x5x5x4xf32>, i64, i64) -> tensor<?x5x5x4xf32>
  %d = cnn.dropout_train %dx, %seed, %step rate = 0.5 stream = 0 : tensor<?x5x5x4xf32>
  // CHECK: cnn.dropout_train %{{.*}}, %{{.*}}, %{{.*}} rate = 2.500000e-01 stream = 3 layer_seed = -7 : tensor<?x5x5x4xf32>
  %e = cnn.dropout_train %d, %seed, %step rate = 0.25 stream = 3 layer_seed = -7 : tensor<?x5x5x4xf32>
  return %e : tensor<?x5x5x4xf32>
}

// CHECK-LABEL: func.func @fold_batch_norm
func.func @fold_batch_norm(%k: tensor<3x3x2x4xf32>, %dw: tensor<3x3x2x3xf32>, %b: tensor<4xf32>,
                           %m: tensor<4xf32>, %v: tensor<4xf32>, %m6: tensor<6xf32>, %v6: tensor<6xf32>) {
  // CHECK: cnn.fold_batch_norm %{{.*}}, %{{.*}}, %{{.*}} bias = %{{.*}} gamma = %{{.*}} epsilon = 1.000000e-03 : tensor<3x3x2x4xf32>, tensor<4xf32>
  // GENERIC: "cnn.fold_batch_norm"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-03 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}> : (tensor<3x3x2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<3x3x2x4xf32>, tensor<4xf32>)
  %k2, %b2 = cnn.fold_batch_norm %k, %m, %v bias = %b gamma = %b epsilon = 1.0e-3 : tensor<3x3x2x4xf32>, tensor<4xf32>
  // Depthwise [KH, KW, C, M]: channels C * M.
  // CHECK: cnn.fold_batch_norm %{{.*}}, %{{.*}}, %{{.*}} epsilon = 1.000000e-03 : tensor<3x3x2x3xf32>, tensor<6xf32>
  %k3, %b3 = cnn.fold_batch_norm %dw, %m6, %v6 epsilon = 1.0e-3 : tensor<3x3x2x3xf32>, tensor<6xf32>
  return
}

// CHECK-LABEL: func.func @dropout
func.func @dropout(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK: cnn.dropout %{{.*}} rate = 5.000000e-01 : tensor<?x64xf32>
  // GENERIC: "cnn.dropout"(%{{.*}}) <{rate = 5.000000e-01 : f64}> : (tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = cnn.dropout %x rate = 0.5 : tensor<?x64xf32>
  // CHECK: cnn.dropout %{{.*}} rate = 2.500000e-01 seed = 42 : tensor<?x64xf32>
  %z = cnn.dropout %y rate = 0.25 seed = 42 : tensor<?x64xf32>
  return %z : tensor<?x64xf32>
}
