module @huge_dilation {
  func.func @forward(%x: tensor<?x28x28x1xf32>) -> tensor<?x8xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x8xf32>
    %c = cnn.conv2d %x, %k dilations = [2147483647, 2147483647] padding = same : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
    %p = cnn.max_pool2d %c window = [28, 28] : tensor<?x28x28x8xf32>
    %f = cnn.flatten %p : tensor<?x1x1x8xf32>
    return %f : tensor<?x8xf32>
  }
}
