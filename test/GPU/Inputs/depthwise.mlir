// A small MobileNet-style model for the depthwise GPU tests: depthwise
// convolutions with depth multipliers 1 and 2, stride 2 with same padding,
// dilation 2, and a SeparableConv2D (depthwise + 1x1 conv2d).
module @depthwise {
  func.func @forward(%x: tensor<?x16x16x3xf32>) -> tensor<?x10xf32> {
    %k0 = cnn.param "conv2d/kernel" : tensor<3x3x3x8xf32>
    %b0 = cnn.param "conv2d/bias" : tensor<8xf32>
    %k1 = cnn.param "depthwise_conv2d/kernel" : tensor<3x3x8x1xf32>
    %b1 = cnn.param "depthwise_conv2d/bias" : tensor<8xf32>
    %k2 = cnn.param "depthwise_conv2d_1/kernel" : tensor<3x3x8x2xf32>
    %b2 = cnn.param "depthwise_conv2d_1/bias" : tensor<16xf32>
    %sd = cnn.param "separable_conv2d/depthwise_kernel" : tensor<3x3x16x1xf32>
    %sp = cnn.param "separable_conv2d/pointwise_kernel" : tensor<1x1x16x16xf32>
    %sb = cnn.param "separable_conv2d/bias" : tensor<16xf32>
    %dk = cnn.param "dense/kernel" : tensor<256x10xf32>
    %db = cnn.param "dense/bias" : tensor<10xf32>
    %c0 = cnn.conv2d %x, %k0, %b0 padding = same activation = relu
        : tensor<?x16x16x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>
    %d1 = cnn.depthwise_conv2d %c0, %k1, %b1 strides = [2, 2] padding = same activation = relu
        : tensor<?x16x16x8xf32>, tensor<3x3x8x1xf32>, tensor<8xf32>
    %d2 = cnn.depthwise_conv2d %d1, %k2, %b2 dilations = [2, 2] padding = same activation = tanh
        : tensor<?x8x8x8xf32>, tensor<3x3x8x2xf32>, tensor<16xf32>
    %s1 = cnn.depthwise_conv2d %d2, %sd strides = [2, 2] padding = same
        : tensor<?x8x8x16xf32>, tensor<3x3x16x1xf32>
    %s2 = cnn.conv2d %s1, %sp, %sb activation = relu
        : tensor<?x4x4x16xf32>, tensor<1x1x16x16xf32>, tensor<16xf32>
    %f = cnn.flatten %s2 : tensor<?x4x4x16xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x256xf32>, tensor<256x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
