// One case per verifier rule of cnn.rescale.
// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

func.func @rescale_infinite_scale(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.rescale' op scale must be finite}}
  %0 = cnn.rescale %x scale = 0x7F800000 : tensor<?x4xf32>
  return
}

// -----

func.func @rescale_nan_offset(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'cnn.rescale' op offset must be finite}}
  %0 = cnn.rescale %x scale = 1.0 offset = 0x7FC00000 : tensor<?x4xf32>
  return
}
