module @gp {
  func.func @net(%x: tensor<?x64x64x1xf32>) -> tensor<?x8xf32> {
    %k = cnn.param "conv/kernel" : tensor<1x1x1x8xf32>
    %b = cnn.param "conv/bias" : tensor<8xf32>
    %c = cnn.conv2d %x, %k, %b activation = relu : tensor<?x64x64x1xf32>, tensor<1x1x1x8xf32>, tensor<8xf32>
    %p = cnn.max_pool2d %c window = [64, 64] : tensor<?x64x64x8xf32>
    %f = cnn.flatten %p : tensor<?x1x1x8xf32>
    return %f : tensor<?x8xf32>
  }
}
