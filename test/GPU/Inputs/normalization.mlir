// A model with batch normalization on NHWC and [N, F] batches and dropout
// on both: test/GPU/normalization-ptxas.test.
module @norm {
  func.func @forward(%x: tensor<?x8x8x1xf32>) -> tensor<?x10xf32> {
    %k = cnn.param "conv2d/kernel" : tensor<3x3x1x16xf32>
    %c = cnn.conv2d %x, %k : tensor<?x8x8x1xf32>, tensor<3x3x1x16xf32>
    %g = cnn.param "batch_normalization/gamma" init = ones : tensor<16xf32>
    %b = cnn.param "batch_normalization/beta" : tensor<16xf32>
    %m = cnn.param "batch_normalization/moving_mean" trainable = false : tensor<16xf32>
    %v = cnn.param "batch_normalization/moving_variance" init = ones trainable = false : tensor<16xf32>
    %n = cnn.batch_norm %c, %m, %v gamma = %g beta = %b : tensor<?x6x6x16xf32>
    %r = cnn.relu %n : tensor<?x6x6x16xf32>
    %p = cnn.max_pool2d %r window = [2, 2] : tensor<?x6x6x16xf32>
    %d = cnn.dropout %p rate = 0.25 : tensor<?x3x3x16xf32>
    %f = cnn.flatten %d : tensor<?x3x3x16xf32>
    %dk = cnn.param "dense/kernel" : tensor<144x32xf32>
    %h = cnn.dense %f, %dk : tensor<?x144xf32>, tensor<144x32xf32>
    %g2 = cnn.param "batch_normalization_1/gamma" init = ones : tensor<32xf32>
    %b2 = cnn.param "batch_normalization_1/beta" : tensor<32xf32>
    %m2 = cnn.param "batch_normalization_1/moving_mean" trainable = false : tensor<32xf32>
    %v2 = cnn.param "batch_normalization_1/moving_variance" init = ones trainable = false : tensor<32xf32>
    %n2 = cnn.batch_norm %h, %m2, %v2 gamma = %g2 beta = %b2 : tensor<?x32xf32>
    %r2 = cnn.relu %n2 : tensor<?x32xf32>
    %d2 = cnn.dropout %r2 rate = 0.5 seed = 3 : tensor<?x32xf32>
    %ok = cnn.param "dense_1/kernel" : tensor<32x10xf32>
    %ob = cnn.param "dense_1/bias" : tensor<10xf32>
    %y = cnn.dense %d2, %ok, %ob : tensor<?x32xf32>, tensor<32x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
