// Modules that do not describe a compilable model are rejected with a
// located error.
// RUN: cnnc-opt %s --cnn-synthesize-entry-points --split-input-file -verify-diagnostics

module @static_batch {
  // expected-error @+1 {{the batch dimension of the model input must be dynamic (`?`), got 'tensor<8x3xf32>'}}
  func.func @forward(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
    return %x : tensor<8x3xf32>
  }
}

// -----

// expected-error @+1 {{no model function: expected a public `func.func @forward` (or exactly one public function)}}
module @no_forward {
  func.func private @helper(%x: tensor<?x3xf32>) -> tensor<?x3xf32>
}

// -----

// expected-error @+1 {{model name 'my-model' is not a C identifier; name the module, e.g. `module @my_model`}}
module @"my-model" {
  func.func @forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    return %x : tensor<?x3xf32>
  }
}

// -----

module @two_inputs {
  // expected-error @+1 {{the model function must take one f32 tensor [batch, ...] with static non-batch dimensions}}
  func.func @forward(%x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<?x3xf32> {
    return %x : tensor<?x3xf32>
  }
}

// -----

module @foreign_op {
  func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    // expected-error @+1 {{'math.exp' is not supported in a model function; cnnc compiles cnn dialect layers (cnn.conv2d, cnn.max_pool2d, cnn.dense, ...)}}
    %0 = math.exp %x : tensor<?x4xf32>
    return %0 : tensor<?x4xf32>
  }
}
