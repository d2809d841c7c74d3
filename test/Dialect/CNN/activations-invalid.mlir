// One case per verifier rule of the activation layers and activation_grad.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

// Keras's LeakyReLU rejects negative slopes.
func.func @leaky_relu_negative_alpha(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.leaky_relu' op alpha must be finite and non-negative, got -1.000000e-01}}
  %0 = cnn.leaky_relu %x alpha = -1.000000e-01 : tensor<?x4xf32>
  return
}

// -----

func.func @leaky_relu_nan_alpha(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.leaky_relu' op alpha must be finite and non-negative, got nan}}
  %0 = "cnn.leaky_relu"(%x) <{alpha = 0x7FC00000 : f32}> : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

// ELU is differentiated from its output, which needs alpha >= 0.
func.func @elu_negative_alpha(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.elu' op alpha must be finite and non-negative, got -5.000000e-01}}
  %0 = cnn.elu %x alpha = -5.000000e-01 : tensor<?x4xf32>
  return
}

// -----

func.func @elu_infinite_alpha(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.elu' op alpha must be finite and non-negative, got INF}}
  %0 = "cnn.elu"(%x) <{alpha = 0x7F800000 : f32}> : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @grad_alpha_on_relu(%y: tensor<?x4xf32>, %dy: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.activation_grad' op 'alpha' is only meaningful for leaky_relu and elu, not relu}}
  %0 = cnn.activation_grad relu %y, %dy alpha = 2.000000e-01 : tensor<?x4xf32>
  return
}

// -----

func.func @grad_negative_alpha(%y: tensor<?x4xf32>, %dy: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.activation_grad' op alpha must be finite and non-negative, got -2.000000e-01}}
  %0 = cnn.activation_grad leaky_relu %y, %dy alpha = -2.000000e-01 : tensor<?x4xf32>
  return
}

// -----

func.func @grad_approximate_on_silu(%x: tensor<?x4xf32>, %dy: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.activation_grad' op 'approximate' is only meaningful for gelu, not silu}}
  %0 = cnn.activation_grad silu %x, %dy approximate : tensor<?x4xf32>
  return
}
