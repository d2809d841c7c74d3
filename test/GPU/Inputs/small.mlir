// A small model with every layer kind the GPU path must map: convolution
// with bias and relu, max pooling, flatten, dense.
module @small {
  func.func @forward(%images: tensor<?x6x6x2xf32>) -> tensor<?x3xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x2x4xf32>
    %b = cnn.param "conv/bias" : tensor<4xf32>
    %c = cnn.conv2d %images, %k, %b activation = relu
        : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>, tensor<4xf32>
    %p = cnn.max_pool2d %c window = [2, 2] : tensor<?x4x4x4xf32>
    %f = cnn.flatten %p : tensor<?x2x2x4xf32>
    %w = cnn.param "dense/kernel" : tensor<16x3xf32>
    %d = cnn.param "dense/bias" : tensor<3xf32>
    %y = cnn.dense %f, %w, %d : tensor<?x16xf32>, tensor<16x3xf32>, tensor<3xf32>
    return %y : tensor<?x3xf32>
  }
}
