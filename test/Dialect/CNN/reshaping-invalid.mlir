// One case per verifier and shape rule of global pooling, zero padding,
// concatenation and their gradient ops.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @global_pool_rank(%x: tensor<?x5x3xf32>) {
  // expected-error @+1 {{input must be a rank-4 NHWC tensor, got 'tensor<?x5x3xf32>'}}
  %0 = cnn.global_avg_pool2d %x : tensor<?x5x3xf32>
  return
}

// -----

func.func @global_pool_dynamic(%x: tensor<?x?x5x3xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x?x5x3xf32>'}}
  %0 = cnn.global_max_pool2d %x : tensor<?x?x5x3xf32>
  return
}

// -----

func.func @global_pool_empty(%x: tensor<?x0x5x3xf32>) {
  // expected-error @+1 {{global pooling needs a non-empty image, got 'tensor<?x0x5x3xf32>'}}
  %0 = cnn.global_avg_pool2d %x keepdims : tensor<?x0x5x3xf32>
  return
}

// -----

func.func @zero_pad_dynamic(%x: tensor<?x5x?x3xf32>) {
  // expected-error @+1 {{input must be static except for the batch dimension, got 'tensor<?x5x?x3xf32>'}}
  %0 = cnn.zero_pad2d %x padding = [1, 1, 1, 1] : tensor<?x5x?x3xf32>
  return
}

// -----

func.func @zero_pad_count(%x: tensor<?x5x5x3xf32>) {
  // expected-error @+1 {{padding must have 4 values [top, bottom, left, right], got 2}}
  %0 = cnn.zero_pad2d %x padding = [1, 1] : tensor<?x5x5x3xf32>
  return
}

// -----

func.func @zero_pad_negative(%x: tensor<?x5x5x3xf32>) {
  // expected-error @+1 {{padding must be non-negative, got [1, -1, 0, 0]}}
  %0 = cnn.zero_pad2d %x padding = [1, -1, 0, 0] : tensor<?x5x5x3xf32>
  return
}

// -----

func.func @zero_pad_overflow(%x: tensor<?x5x5x3xf32>) {
  // expected-error @+1 {{padded width overflows int64}}
  %0 = cnn.zero_pad2d %x padding = [0, 0, 9223372036854775807, 0] : tensor<?x5x5x3xf32>
  return
}

// -----

func.func @concat_one(%a: tensor<?x4x4x2xf32>) {
  // expected-error @+1 {{needs at least two inputs, got 1}}
  %0 = cnn.concat %a : tensor<?x4x4x2xf32>
  return
}

// -----

func.func @concat_rank1(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{input #0 must have a batch and a channel dimension, got 'tensor<4xf32>'}}
  %0 = cnn.concat %a, %b : tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @concat_dynamic(%a: tensor<?x4x4x2xf32>, %b: tensor<?x4x4x?xf32>) {
  // expected-error @+1 {{input #1 must be static except for the batch dimension, got 'tensor<?x4x4x?xf32>'}}
  %0 = cnn.concat %a, %b : tensor<?x4x4x2xf32>, tensor<?x4x4x?xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<?x4x4x2xf32>, %b: tensor<?x16x2xf32>) {
  // expected-error @+1 {{input #1 has rank 3 but input #0 has rank 4}}
  %0 = cnn.concat %a, %b : tensor<?x4x4x2xf32>, tensor<?x16x2xf32>
  return
}

// -----

func.func @concat_batch(%a: tensor<2x4x4x2xf32>, %b: tensor<?x4x4x2xf32>, %c: tensor<3x4x4x2xf32>) {
  // expected-error @+1 {{input #2 has batch size 3 but an earlier input has 2}}
  %0 = cnn.concat %a, %b, %c : tensor<2x4x4x2xf32>, tensor<?x4x4x2xf32>, tensor<3x4x4x2xf32>
  return
}

// -----

func.func @concat_spatial(%a: tensor<?x4x4x2xf32>, %b: tensor<?x4x5x2xf32>) {
  // expected-error @+1 {{input #1 differs from input #0 in dimension 2 (5 vs 4); only the last (channel) dimension may differ}}
  %0 = cnn.concat %a, %b : tensor<?x4x4x2xf32>, tensor<?x4x5x2xf32>
  return
}

// -----

func.func @concat_overflow(%a: tensor<?x9223372036854775807xf32>, %b: tensor<?x1xf32>) {
  // expected-error @+1 {{the concatenated channels overflow int64}}
  %0 = cnn.concat %a, %b : tensor<?x9223372036854775807xf32>, tensor<?x1xf32>
  return
}

// -----

func.func @global_avg_grad_image(%dy: tensor<?x3xf32>) {
  // expected-error @+1 {{'cnn.global_avg_pool2d_grad' op image type must be static except for the batch dimension and not empty, got 'tensor<?x0x5x3xf32>'}}
  %0 = cnn.global_avg_pool2d_grad %dy : tensor<?x3xf32> -> tensor<?x0x5x3xf32>
  return
}

// -----

func.func @global_avg_grad_rows(%dy: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.global_avg_pool2d_grad' op output gradient 'tensor<?x4xf32>' is not the [batch, channels] of 'tensor<?x7x5x3xf32>'}}
  %0 = cnn.global_avg_pool2d_grad %dy : tensor<?x4xf32> -> tensor<?x7x5x3xf32>
  return
}

// -----

func.func @global_max_grad_rows(%x: tensor<2x7x5x3xf32>, %y: tensor<3x3xf32>) {
  // expected-error @+1 {{'cnn.global_max_pool2d_grad' op output 'tensor<3x3xf32>' is not the [batch, channels] of 'tensor<2x7x5x3xf32>'}}
  %0 = cnn.global_max_pool2d_grad %x, %y, %y : tensor<2x7x5x3xf32>, tensor<3x3xf32>
  return
}

// -----

func.func @slice_rank(%x: tensor<?x8x8x3xf32>) {
  // expected-error @+1 {{'cnn.slice' op result 'tensor<?x64xf32>' must have the rank of the input 'tensor<?x8x8x3xf32>'}}
  %0 = cnn.slice %x offsets = [0, 0] : tensor<?x8x8x3xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @slice_offsets(%x: tensor<?x8x8x3xf32>) {
  // expected-error @+1 {{'cnn.slice' op needs one offset per dimension, got 3 for 'tensor<?x8x8x3xf32>'}}
  %0 = cnn.slice %x offsets = [0, 1, 1] : tensor<?x8x8x3xf32> -> tensor<?x5x5x3xf32>
  return
}

// -----

func.func @slice_batch(%x: tensor<4x8x8x3xf32>) {
  // expected-error @+1 {{'cnn.slice' op must keep the batch dimension whole, got offset 1 and 'tensor<4x8x8x3xf32>' -> 'tensor<3x8x8x3xf32>'}}
  %0 = cnn.slice %x offsets = [1, 0, 0, 0] : tensor<4x8x8x3xf32> -> tensor<3x8x8x3xf32>
  return
}

// -----

func.func @slice_outside(%x: tensor<?x8x8x3xf32>) {
  // expected-error @+1 {{'cnn.slice' op result 'tensor<?x5x5x3xf32>' at offsets [0, 4, 0, 0] is not a static box inside 'tensor<?x8x8x3xf32>'}}
  %0 = cnn.slice %x offsets = [0, 4, 0, 0] : tensor<?x8x8x3xf32> -> tensor<?x5x5x3xf32>
  return
}
