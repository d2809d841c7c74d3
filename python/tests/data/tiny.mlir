// A tiny CNN for the Python tests: 8x8x1 images, 3 classes, 151 parameters
// (compiles in about a second, trains on a hundred images in milliseconds).
module @tiny {
  func.func @forward(%images: tensor<?x8x8x1xf32>) -> tensor<?x3xf32> {
    %k1 = cnn.param "conv2d/kernel" : tensor<3x3x1x4xf32>
    %b1 = cnn.param "conv2d/bias" : tensor<4xf32>
    %c1 = cnn.conv2d %images, %k1, %b1 activation = relu
        : tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32>
    %p1 = cnn.max_pool2d %c1 window = [2, 2] : tensor<?x6x6x4xf32>
    %flat = cnn.flatten %p1 : tensor<?x3x3x4xf32>
    %k2 = cnn.param "dense/kernel" : tensor<36x3xf32>
    %b2 = cnn.param "dense/bias" : tensor<3xf32>
    %logits = cnn.dense %flat, %k2, %b2
        : tensor<?x36xf32>, tensor<36x3xf32>, tensor<3xf32>
    return %logits : tensor<?x3xf32>
  }
}
