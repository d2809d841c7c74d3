// One case per verifier rule of cnn.rmsprop_update.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @rmsprop_negative_momentum(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) {
  // expected-error @+1 {{'cnn.rmsprop_update' op momentum must be non-negative, got -5.000000e-01}}
  %0:2 = cnn.rmsprop_update %p, %g, %v, %lr rho = 0.9 momentum = -0.5 epsilon = 1.0e-7 : tensor<10xf32>
  return
}

// -----

func.func @rmsprop_missing_buffer(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) {
  // expected-error @+1 {{'cnn.rmsprop_update' op takes a momentum buffer exactly when momentum > 0, got momentum 5.000000e-01 without a buffer}}
  %0:2 = cnn.rmsprop_update %p, %g, %v, %lr rho = 0.9 momentum = 0.5 epsilon = 1.0e-7 : tensor<10xf32>
  return
}

// -----

func.func @rmsprop_extra_buffer(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) {
  // expected-error @+1 {{'cnn.rmsprop_update' op takes a momentum buffer exactly when momentum > 0, got momentum 0.000000e+00 with a buffer}}
  %0:3 = cnn.rmsprop_update %p, %g, %v, %lr momentum_buffer %v rho = 0.9 epsilon = 1.0e-7 : tensor<10xf32>
  return
}

// -----

func.func @rmsprop_buffer_type(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %a: tensor<9xf32>, %lr: f32) {
  // expected-error @+1 {{'cnn.rmsprop_update' op failed to verify that average gradient type matches the parameters}}
  %0:3 = "cnn.rmsprop_update"(%p, %g, %v, %a, %lr) <{epsilon = 1.0e-07 : f32, momentum = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 1>, rho = 0.9 : f32}> : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<9xf32>, f32) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
  return
}

// -----

func.func @rmsprop_results(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) {
  // One result per buffer: a third result without a buffer is an error.
  // expected-error @+2 {{'cnn.rmsprop_update' op inferred type(s) 'tensor<10xf32>', 'tensor<10xf32>' are incompatible with return type(s) of operation 'tensor<10xf32>', 'tensor<10xf32>', 'tensor<10xf32>'}}
  // expected-error @+1 {{'cnn.rmsprop_update' op failed to infer returned types}}
  %0:3 = "cnn.rmsprop_update"(%p, %g, %v, %lr) <{epsilon = 1.0e-07 : f32, momentum = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>, rho = 0.9 : f32}> : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, f32) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
  return
}
