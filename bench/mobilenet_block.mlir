// The depthwise benchmark of bench/depthwise.sh: a MobileNet block on a
// 32x32x32 input (DepthwiseConv2D 3x3 same + bias + relu, 1x1 Conv2D 64 +
// bias + relu), global average pooling and Dense(10).
module @mobilenet_block {
  func.func @forward(%x: tensor<?x32x32x32xf32>) -> tensor<?x10xf32> {
    %dk = cnn.param "depthwise_conv2d/kernel" : tensor<3x3x32x1xf32>
    %db = cnn.param "depthwise_conv2d/bias" : tensor<32xf32>
    %pk = cnn.param "conv2d/kernel" : tensor<1x1x32x64xf32>
    %pb = cnn.param "conv2d/bias" : tensor<64xf32>
    %hk = cnn.param "dense/kernel" : tensor<64x10xf32>
    %hb = cnn.param "dense/bias" : tensor<10xf32>
    %d = cnn.depthwise_conv2d %x, %dk, %db padding = same activation = relu
        : tensor<?x32x32x32xf32>, tensor<3x3x32x1xf32>, tensor<32xf32>
    %p = cnn.conv2d %d, %pk, %pb activation = relu
        : tensor<?x32x32x32xf32>, tensor<1x1x32x64xf32>, tensor<64xf32>
    %g = cnn.avg_pool2d %p window = [32, 32] : tensor<?x32x32x64xf32>
    %f = cnn.flatten %g : tensor<?x1x1x64xf32>
    %y = cnn.dense %f, %hk, %hb : tensor<?x64xf32>, tensor<64x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
