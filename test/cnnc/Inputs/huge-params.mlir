module @huge_params {
  func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %w = cnn.param "big" : tensor<2147483648x2147483648xf32>
    %k = cnn.param "dense/kernel" : tensor<4x4xf32>
    %y = cnn.dense %x, %k : tensor<?x4xf32>, tensor<4x4xf32>
    return %y : tensor<?x4xf32>
  }
}
