// Conv -> BatchNormalization -> ReLU -> pooling -> Dropout -> Dense on
// Fashion-MNIST: model state and a random layer (resume-state.test).
module @bn_dropout {
  func.func @forward(%x: tensor<?x28x28x1xf32>) -> tensor<?x10xf32> {
    %k = cnn.param "conv2d/kernel" : tensor<3x3x1x8xf32>
    %c = cnn.conv2d %x, %k : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
    %g = cnn.param "batch_normalization/gamma" init = ones : tensor<8xf32>
    %b = cnn.param "batch_normalization/beta" : tensor<8xf32>
    %m = cnn.param "batch_normalization/moving_mean" trainable = false : tensor<8xf32>
    %v = cnn.param "batch_normalization/moving_variance" init = ones trainable = false : tensor<8xf32>
    %n = cnn.batch_norm %c, %m, %v gamma = %g beta = %b : tensor<?x26x26x8xf32>
    %r = cnn.relu %n : tensor<?x26x26x8xf32>
    %p = cnn.max_pool2d %r window = [2, 2] : tensor<?x26x26x8xf32>
    %d = cnn.dropout %p rate = 0.25 : tensor<?x13x13x8xf32>
    %f = cnn.flatten %d : tensor<?x13x13x8xf32>
    %dk = cnn.param "dense/kernel" : tensor<1352x10xf32>
    %db = cnn.param "dense/bias" : tensor<10xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x1352xf32>, tensor<1352x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
