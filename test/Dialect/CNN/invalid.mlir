// One case per verifier and shape rule of the cnn dialect.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @param_empty_name() {
  // expected-error @+1 {{'cnn.param' op needs a non-empty name}}
  %0 = cnn.param "" : tensor<4xf32>
  return
}

// -----

func.func @param_dynamic() {
  // expected-error @+1 {{'cnn.param' op 'w' must have a static shape, got 'tensor<?x4xf32>'}}
  %0 = cnn.param "w" : tensor<?x4xf32>
  return
}

// -----

func.func @param_zero_dim() {
  // expected-error @+1 {{'cnn.param' op 'w' must have positive dimensions, got 'tensor<0x4xf32>'}}
  %0 = cnn.param "w" : tensor<0x4xf32>
  return
}

// -----

func.func @param_too_many_elements() {
  // expected-error @+1 {{'cnn.param' op 'w' has more elements than fit in int64}}
  %0 = cnn.param "w" : tensor<4294967296x4294967296xf32>
  return
}

// -----

func.func @param_duplicate() {
  // expected-note @+1 {{first declared here}}
  %0 = cnn.param "w" : tensor<4xf32>
  // expected-error @+1 {{'cnn.param' op name 'w' is already used by another parameter}}
  %1 = cnn.param "w" : tensor<4xf32>
  return
}

// -----

func.func @param_bad_initializer() {
  // expected-error @+1 {{unknown initializer 'uniformish', expected one of: zeros, ones, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform}}
  %0 = cnn.param "w" init = uniformish : tensor<4xf32>
  return
}

// -----

func.func @param_not_f32() {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit float values}}
  %0 = "cnn.param"() <{name = "w"}> : () -> tensor<4xi32>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<?x28x28xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{input must be a rank-4 NHWC tensor, got 'tensor<?x28x28xf32>'}}
  %0 = cnn.conv2d %x, %k : tensor<?x28x28xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_filter_rank(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x8xf32>) {
  // expected-error @+1 {{filter must be a rank-4 HWCF tensor, got 'tensor<3x3x8xf32>'}}
  %0 = cnn.conv2d %x, %k : tensor<?x28x28x1xf32>, tensor<3x3x8xf32>
  return
}

// -----

func.func @conv_dynamic_spatial(%x: tensor<?x?x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x?x28x1xf32>'}}
  %0 = cnn.conv2d %x, %k : tensor<?x?x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_dynamic_filter(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x?xf32>) {
  // expected-error @+1 {{filter must have a static shape, got 'tensor<3x3x1x?xf32>'}}
  %0 = cnn.conv2d %x, %k : tensor<?x28x28x1xf32>, tensor<3x3x1x?xf32>
  return
}

// -----

func.func @conv_channel_mismatch(%x: tensor<?x28x28x3xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{filter expects 1 input channels (dimension 2 of HWCF) but the input has 3}}
  %0 = cnn.conv2d %x, %k : tensor<?x28x28x3xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_bias_rank(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{bias must be a rank-1 [channels] tensor, got 'tensor<1x8xf32>'}}
  %0 = cnn.conv2d %x, %k, %b : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @conv_bias_size(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias has 4 elements but the filter has 8 output channels}}
  %0 = cnn.conv2d %x, %k, %b : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @conv_strides_count(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{'strides' must have 2 elements (height, width), got 3}}
  %0 = cnn.conv2d %x, %k strides = [1, 1, 1] : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_strides_positive(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{'strides' must be positive, got [0, 1]}}
  %0 = cnn.conv2d %x, %k strides = [0, 1] : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_dilations_positive(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{'dilations' must be positive, got [1, -2]}}
  %0 = cnn.conv2d %x, %k dilations = [1, -2] : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_window_too_large(%x: tensor<?x2x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{window height 3 is larger than the input height 2 with padding = valid}}
  %0 = cnn.conv2d %x, %k : tensor<?x2x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_dilated_window_too_large(%x: tensor<?x28x4x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{window width 5 (dilated) is larger than the input width 4 with padding = valid}}
  %0 = cnn.conv2d %x, %k dilations = [2, 2] : tensor<?x28x4x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_bad_padding(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{unknown padding 'full', expected one of: valid, same}}
  %0 = cnn.conv2d %x, %k padding = full : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_bad_activation(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{unknown activation 'mish', expected one of: none, relu, sigmoid, tanh, leaky_relu, elu, selu, relu6, silu, gelu, softplus, hard_sigmoid, hard_swish}}
  %0 = cnn.conv2d %x, %k activation = mish : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}

// -----

func.func @conv_not_f32(%x: tensor<?x28x28x1xf16>, %k: tensor<3x3x1x8xf16>) {
  // expected-error @+1 {{operand #0 must be 4D tensor of 32-bit float values}}
  %0 = "cnn.conv2d"(%x, %k) : (tensor<?x28x28x1xf16>, tensor<3x3x1x8xf16>) -> tensor<?x26x26x8xf16>
  return
}

// -----

func.func @conv_wrong_result_type(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+2 {{'cnn.conv2d' op inferred type(s) 'tensor<?x26x26x8xf32>' are incompatible with return type(s) of operation 'tensor<?x28x28x8xf32>'}}
  // expected-error @+1 {{'cnn.conv2d' op failed to infer returned types}}
  %0 = "cnn.conv2d"(%x, %k) : (tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>) -> tensor<?x28x28x8xf32>
  return
}

// -----

func.func @pool_input_rank(%x: tensor<?x28xf32>) {
  // expected-error @+1 {{input must be a rank-4 NHWC tensor, got 'tensor<?x28xf32>'}}
  %0 = cnn.max_pool2d %x window = [2, 2] : tensor<?x28xf32>
  return
}

// -----

func.func @pool_dynamic_spatial(%x: tensor<?x28x?x4xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x28x?x4xf32>'}}
  %0 = cnn.avg_pool2d %x window = [2, 2] : tensor<?x28x?x4xf32>
  return
}

// -----

func.func @pool_window_count(%x: tensor<?x28x28x4xf32>) {
  // expected-error @+1 {{'window' must have 2 elements (height, width), got 1}}
  %0 = cnn.max_pool2d %x window = [2] : tensor<?x28x28x4xf32>
  return
}

// -----

func.func @pool_window_positive(%x: tensor<?x28x28x4xf32>) {
  // expected-error @+1 {{'window' must be positive, got [2, 0]}}
  %0 = cnn.min_pool2d %x window = [2, 0] : tensor<?x28x28x4xf32>
  return
}

// -----

func.func @pool_strides_positive(%x: tensor<?x28x28x4xf32>) {
  // expected-error @+1 {{'strides' must be positive, got [-1, 2]}}
  %0 = cnn.max_pool2d %x window = [2, 2] strides = [-1, 2] : tensor<?x28x28x4xf32>
  return
}

// -----

func.func @pool_window_too_large(%x: tensor<?x3x3x4xf32>) {
  // expected-error @+1 {{window width 4 is larger than the input width 3 with padding = valid}}
  %0 = cnn.avg_pool2d %x window = [2, 4] : tensor<?x3x3x4xf32>
  return
}

// -----

func.func @dense_input_rank(%x: tensor<?x3x3xf32>, %k: tensor<9x4xf32>) {
  // expected-error @+1 {{input must be a rank-2 [batch, features] tensor, got 'tensor<?x3x3xf32>'}}
  %0 = cnn.dense %x, %k : tensor<?x3x3xf32>, tensor<9x4xf32>
  return
}

// -----

func.func @dense_kernel_rank(%x: tensor<?x9xf32>, %k: tensor<9xf32>) {
  // expected-error @+1 {{kernel must be a rank-2 [features, units] tensor, got 'tensor<9xf32>'}}
  %0 = cnn.dense %x, %k : tensor<?x9xf32>, tensor<9xf32>
  return
}

// -----

func.func @dense_dynamic_features(%x: tensor<?x?xf32>, %k: tensor<9x4xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x?xf32>'}}
  %0 = cnn.dense %x, %k : tensor<?x?xf32>, tensor<9x4xf32>
  return
}

// -----

func.func @dense_dynamic_kernel(%x: tensor<?x9xf32>, %k: tensor<9x?xf32>) {
  // expected-error @+1 {{kernel must have a static shape, got 'tensor<9x?xf32>'}}
  %0 = cnn.dense %x, %k : tensor<?x9xf32>, tensor<9x?xf32>
  return
}

// -----

func.func @dense_feature_mismatch(%x: tensor<?x576xf32>, %k: tensor<574x64xf32>) {
  // expected-error @+1 {{input has 576 features but the kernel expects 574 (dimension 0)}}
  %0 = cnn.dense %x, %k : tensor<?x576xf32>, tensor<574x64xf32>
  return
}

// -----

func.func @dense_bias_size(%x: tensor<?x9xf32>, %k: tensor<9x4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{bias has 5 elements but the kernel has 4 output channels}}
  %0 = cnn.dense %x, %k, %b : tensor<?x9xf32>, tensor<9x4xf32>, tensor<5xf32>
  return
}

// -----

func.func @flatten_rank(%x: tensor<?xf32>) {
  // expected-error @+1 {{input must have a batch dimension and at least one feature dimension, got 'tensor<?xf32>'}}
  %0 = cnn.flatten %x : tensor<?xf32>
  return
}

// -----

func.func @flatten_dynamic(%x: tensor<?x3x?xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x3x?xf32>'}}
  %0 = cnn.flatten %x : tensor<?x3x?xf32>
  return
}

// -----

func.func @flatten_overflow(%x: tensor<?x4294967296x4294967296xf32>) {
  // expected-error @+1 {{flattened size of 'tensor<?x4294967296x4294967296xf32>' overflows int64}}
  %0 = cnn.flatten %x : tensor<?x4294967296x4294967296xf32>
  return
}

// -----

func.func @softmax_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'cnn.softmax' op needs at least one dimension to normalize over}}
  %0 = cnn.softmax %x : tensor<f32>
  return
}

// -----

func.func @add_mismatch(%x: tensor<?x4xf32>, %y: tensor<?x5xf32>) {
  // expected-error @+1 {{'cnn.add' op requires the same type for all operands and results}}
  %0 = "cnn.add"(%x, %y) : (tensor<?x4xf32>, tensor<?x5xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @relu_type_change(%x: tensor<?x4xf32>) {
  // expected-error @+2 {{'cnn.relu' op inferred type(s) 'tensor<?x4xf32>' are incompatible with return type(s) of operation 'tensor<4x4xf32>'}}
  // expected-error @+1 {{'cnn.relu' op failed to infer returned types}}
  %0 = "cnn.relu"(%x) : (tensor<?x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @tiling_no_rows(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{tiling needs at least one row and one vector, got 0 x 1}}
  %0 = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 0, vectors = 1, width = 8, parallel = true>}
         ins(%a, %b : tensor<4x8xf32>, tensor<8x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @tiling_width(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{tiling vector width must be a power of two, got 6}}
  %0 = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 2, vectors = 1, width = 6, parallel = true>}
         ins(%a, %b : tensor<4x8xf32>, tensor<8x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @tiling_outer_reductions(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{tiling outer_reductions must be 0 or 1, got 2}}
  %0 = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 2, vectors = 1, width = 8, parallel = true, outer_reductions = 2>}
         ins(%a, %b : tensor<4x8xf32>, tensor<8x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @padded_input_too_large(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32>) {
  // expected-error @+1 {{the input, padded to 4294967322 x 4294967322 x 1 for a 4294967295 x 4294967295 window, would have more than 2^40 elements per image, more than cnnc supports}}
  %0 = cnn.conv2d %x, %k dilations = [2147483647, 2147483647] padding = same : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  return
}
