// An Inception-like model with every reshaping layer: zero padding, a
// three-way concatenation of convolution and pooling branches, global
// average and max pooling (one with keepdims) joined by a second
// concatenation, and a dense head.
module @reshaping {
  func.func @forward(%x: tensor<?x12x12x3xf32>) -> tensor<?x10xf32> {
    %k1 = cnn.param "branch1/kernel" : tensor<1x1x3x8xf32>
    %b1 = cnn.param "branch1/bias" : tensor<8xf32>
    %k3 = cnn.param "branch3/kernel" : tensor<3x3x3x8xf32>
    %b3 = cnn.param "branch3/bias" : tensor<8xf32>
    %kh = cnn.param "head/kernel" : tensor<38x10xf32>
    %bh = cnn.param "head/bias" : tensor<10xf32>
    %c1 = cnn.conv2d %x, %k1, %b1 activation = relu : tensor<?x12x12x3xf32>, tensor<1x1x3x8xf32>, tensor<8xf32>
    %p = cnn.zero_pad2d %x padding = [1, 1, 1, 1] : tensor<?x12x12x3xf32>
    %c3 = cnn.conv2d %p, %k3, %b3 activation = relu : tensor<?x14x14x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>
    %mp = cnn.max_pool2d %x window = [3, 3] strides = [1, 1] padding = same : tensor<?x12x12x3xf32>
    %cat = cnn.concat %c1, %c3, %mp : tensor<?x12x12x8xf32>, tensor<?x12x12x8xf32>, tensor<?x12x12x3xf32>
    %avg = cnn.global_avg_pool2d %cat : tensor<?x12x12x19xf32>
    %max = cnn.global_max_pool2d %cat keepdims : tensor<?x12x12x19xf32>
    %maxf = cnn.flatten %max : tensor<?x1x1x19xf32>
    %j = cnn.concat %avg, %maxf : tensor<?x19xf32>, tensor<?x19xf32>
    %y = cnn.dense %j, %kh, %bh : tensor<?x38xf32>, tensor<38x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
