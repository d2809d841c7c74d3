// DepthwiseConv2D(3, depth_multiplier = 2, padding = "same", relu), then
// SeparableConv2D(16, 3, strides = 2, padding = "same", relu) written as a
// depthwise convolution without bias and a 1x1 conv2d, then Dense(10).
module @depthwise_summary {
  func.func @forward(%x: tensor<?x8x8x4xf32>) -> tensor<?x10xf32> {
    %k = cnn.param "depthwise_conv2d/kernel" : tensor<3x3x4x2xf32>
    %b = cnn.param "depthwise_conv2d/bias" : tensor<8xf32>
    %sd = cnn.param "separable_conv2d/depthwise_kernel" : tensor<3x3x8x1xf32>
    %sp = cnn.param "separable_conv2d/pointwise_kernel" : tensor<1x1x8x16xf32>
    %sb = cnn.param "separable_conv2d/bias" : tensor<16xf32>
    %dk = cnn.param "dense/kernel" : tensor<256x10xf32>
    %db = cnn.param "dense/bias" : tensor<10xf32>
    %d = cnn.depthwise_conv2d %x, %k, %b padding = same activation = relu
        : tensor<?x8x8x4xf32>, tensor<3x3x4x2xf32>, tensor<8xf32>
    %s1 = cnn.depthwise_conv2d %d, %sd strides = [2, 2] padding = same
        : tensor<?x8x8x8xf32>, tensor<3x3x8x1xf32>
    %s2 = cnn.conv2d %s1, %sp, %sb activation = relu
        : tensor<?x4x4x8xf32>, tensor<1x1x8x16xf32>, tensor<16xf32>
    %f = cnn.flatten %s2 : tensor<?x4x4x16xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x256xf32>, tensor<256x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
