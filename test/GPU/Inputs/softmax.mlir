// A classifier that ends in softmax (probabilities out): the inference
// entry points compute the row maximum, exp and the normalization on the
// GPU; training differentiates through cnn.softmax.
module @softmax_head {
  func.func @forward(%x: tensor<?x6x6x2xf32>) -> tensor<?x5xf32> {
    %k = cnn.param "conv2d/kernel" : tensor<3x3x2x4xf32>
    %b = cnn.param "conv2d/bias" : tensor<4xf32>
    %c = cnn.conv2d %x, %k, %b activation = relu
        : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>, tensor<4xf32>
    %f = cnn.flatten %c : tensor<?x4x4x4xf32>
    %w = cnn.param "dense/kernel" : tensor<64x5xf32>
    %v = cnn.param "dense/bias" : tensor<5xf32>
    %l = cnn.dense %f, %w, %v : tensor<?x64xf32>, tensor<64x5xf32>, tensor<5xf32>
    %p = cnn.softmax %l : tensor<?x5xf32>
    return %p : tensor<?x5xf32>
  }
}
