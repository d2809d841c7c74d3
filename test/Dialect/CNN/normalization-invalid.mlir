// One case per verifier rule of the batch normalization and dropout ops.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @bn_rank(%x: tensor<4xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{input must have a batch and a channel dimension ([N, ..., C]), got 'tensor<4xf32>'}}
  %y = cnn.batch_norm %x, %m, %v : tensor<4xf32>
  return
}

// -----

func.func @bn_dynamic(%x: tensor<?x?x4xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x?x4xf32>'}}
  %y = cnn.batch_norm %x, %m, %v : tensor<?x?x4xf32>
  return
}

// -----

func.func @bn_too_large(%x: tensor<?x4294967296x4294967296x2xf32>) {
  %m = cnn.param "m" trainable = false : tensor<2xf32>
  %v = cnn.param "v" trainable = false : tensor<2xf32>
  // expected-error @+1 {{input has more elements per image than fit in int64: 'tensor<?x4294967296x4294967296x2xf32>'}}
  %y = cnn.batch_norm %x, %m, %v : tensor<?x4294967296x4294967296x2xf32>
  return
}

// -----

func.func @bn_mean_channels(%x: tensor<?x4xf32>) {
  %m = cnn.param "m" trainable = false : tensor<3xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op failed to verify that moving_mean has one element per channel of input}}
  %y = "cnn.batch_norm"(%x, %m, %v) <{epsilon = 1.0e-3 : f64, momentum = 0.99 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}> : (tensor<?x4xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @bn_variance_channels(%x: tensor<?x4xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<5xf32>
  // expected-error @+1 {{'cnn.batch_norm' op failed to verify that moving_variance has one element per channel of input}}
  %y = "cnn.batch_norm"(%x, %m, %v) <{epsilon = 1.0e-3 : f64, momentum = 0.99 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}> : (tensor<?x4xf32>, tensor<4xf32>, tensor<5xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @bn_gamma_channels(%x: tensor<?x4xf32>, %g: tensor<2xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op failed to verify that gamma has one element per channel of input}}
  %y = "cnn.batch_norm"(%x, %m, %v, %g) <{epsilon = 1.0e-3 : f64, momentum = 0.99 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}> : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @bn_beta_channels(%x: tensor<?x4xf32>, %b: tensor<8xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op failed to verify that beta has one element per channel of input}}
  %y = "cnn.batch_norm"(%x, %m, %v, %b) <{epsilon = 1.0e-3 : f64, momentum = 0.99 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>}> : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @bn_epsilon(%x: tensor<?x4xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op epsilon must be positive, got 0.000000e+00}}
  %y = cnn.batch_norm %x, %m, %v epsilon = 0.0 : tensor<?x4xf32>
  return
}

// -----

func.func @bn_momentum(%x: tensor<?x4xf32>) {
  %m = cnn.param "m" trainable = false : tensor<4xf32>
  %v = cnn.param "v" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op momentum must be in [0, 1], got 1.500000e+00}}
  %y = cnn.batch_norm %x, %m, %v momentum = 1.5 : tensor<?x4xf32>
  return
}

// -----

func.func @bn_trainable_state(%x: tensor<?x4xf32>) {
  %m = cnn.param "bn/moving_mean" : tensor<4xf32>
  %v = cnn.param "bn/moving_variance" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op moving_mean is model state: its cnn.param 'bn/moving_mean' must be declared `trainable = false`}}
  %y = cnn.batch_norm %x, %m, %v : tensor<?x4xf32>
  return
}

// -----

func.func @bn_state_not_param(%x: tensor<?x4xf32>, %v: tensor<4xf32>) {
  %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
  // expected-error @+1 {{'cnn.batch_norm' op moving_variance must be a `cnn.param ... trainable = false` (model state the training step updates)}}
  %y = cnn.batch_norm %x, %m, %v : tensor<?x4xf32>
  return
}

// -----

func.func @bn_train_rank(%x: tensor<?xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_train' op input must have a batch and a channel dimension ([N, ..., C]), got 'tensor<?xf32>'}}
  %y, %m, %v = "cnn.batch_norm_train"(%x) <{epsilon = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
  return
}

// -----

func.func @bn_train_epsilon(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_train' op epsilon must be positive, got -1.000000e+00}}
  %y, %m, %v = cnn.batch_norm_train %x epsilon = -1.0 : tensor<?x4xf32>
  return
}

// -----

func.func @bn_train_statistics(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_train' op failed to verify that batch_mean has one element per channel of input}}
  %y, %m, %v = "cnn.batch_norm_train"(%x) <{epsilon = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<2xf32>, tensor<4xf32>)
  return
}

// -----

func.func @bn_grad_rank(%x: tensor<?xf32>, %m: tensor<?xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_grad' op input must have a batch and a channel dimension ([N, ..., C]), got 'tensor<?xf32>'}}
  %dx, %dg, %db = "cnn.batch_norm_grad"(%x, %x, %m, %m) <{epsilon = 1.0e-3 : f64}> : (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
  return
}

// -----

func.func @bn_grad_epsilon(%dy: tensor<?x4xf32>, %x: tensor<?x4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_grad' op epsilon must be positive, got 0.000000e+00}}
  %dx, %dg, %db = cnn.batch_norm_grad %dy, %x, %m, %v epsilon = 0.0 : tensor<?x4xf32>
  return
}

// -----

func.func @moving_average_momentum(%m: tensor<4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.moving_average' op momentum must be in [0, 1], got -1.000000e-01}}
  %0 = cnn.moving_average %m, %s momentum = -0.1 : tensor<4xf32>
  return
}

// -----

func.func @fold_kernel_rank(%k: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.fold_batch_norm' op kernel must be a static tensor of rank 2 or more, got 'tensor<4xf32>'}}
  %k2, %b2 = cnn.fold_batch_norm %k, %m, %v epsilon = 1.0e-3 : tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @fold_channels(%k: tensor<3x3x2x4xf32>, %m: tensor<6xf32>, %v: tensor<6xf32>) {
  // expected-error @+1 {{'cnn.fold_batch_norm' op the 6 channels must be the last dimension of the kernel or the product of its last two, got 'tensor<3x3x2x4xf32>'}}
  %k2, %b2 = cnn.fold_batch_norm %k, %m, %v epsilon = 1.0e-3 : tensor<3x3x2x4xf32>, tensor<6xf32>
  return
}

// -----

func.func @fold_epsilon(%k: tensor<5x4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.fold_batch_norm' op epsilon must be positive, got 0.000000e+00}}
  %k2, %b2 = cnn.fold_batch_norm %k, %m, %v epsilon = 0.0 : tensor<5x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @fold_bias(%k: tensor<5x4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'cnn.fold_batch_norm' op failed to verify that bias has the type of moving_mean}}
  %k2, %b2 = "cnn.fold_batch_norm"(%k, %m, %v, %b) <{epsilon = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>}> : (tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<5xf32>) -> (tensor<5x4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @dropout_rate_negative(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.dropout' op rate must be in [0, 1], got -5.000000e-01}}
  %y = cnn.dropout %x rate = -0.5 : tensor<?x4xf32>
  return
}

// -----

func.func @dropout_rate_above_one(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.dropout' op rate must be in [0, 1], got 1.500000e+00}}
  %y = cnn.dropout %x rate = 1.5 : tensor<?x4xf32>
  return
}

// -----

func.func @dropout_rank(%x: tensor<?xf32>) {
  // expected-error @+1 {{'cnn.dropout' op input must have a batch and a channel dimension ([N, ..., C]), got 'tensor<?xf32>'}}
  %y = cnn.dropout %x rate = 0.5 : tensor<?xf32>
  return
}

// -----

func.func @dropout_dynamic(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{'cnn.dropout' op input must be static except for the batch dimension, got 'tensor<?x?xf32>'}}
  %y = cnn.dropout %x rate = 0.5 : tensor<?x?xf32>
  return
}

// -----

func.func @dropout_counter(%x: tensor<?x131072x131072x2xf32>) {
  // expected-error @+1 {{'cnn.dropout' op needs at most 2^34 elements per image, got 'tensor<?x131072x131072x2xf32>'}}
  %y = cnn.dropout %x rate = 0.5 : tensor<?x131072x131072x2xf32>
  return
}

// -----

func.func @dropout_train_stream(%x: tensor<?x4xf32>, %s: i64) {
  // expected-error @+1 {{'cnn.dropout_train' op stream must fit in 32 unsigned bits, got -1}}
  %y = cnn.dropout_train %x, %s, %s rate = 0.5 stream = -1 : tensor<?x4xf32>
  return
}

// -----

func.func @dropout_train_rate(%x: tensor<?x4xf32>, %s: i64) {
  // expected-error @+1 {{'cnn.dropout_train' op rate must be in [0, 1], got 2.000000e+00}}
  %y = cnn.dropout_train %x, %s, %s rate = 2.0 stream = 0 : tensor<?x4xf32>
  return
}
