// The classic Keras CNN on Fashion-MNIST (28x28 grayscale, 10 classes):
//
//   Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) ->
//   MaxPooling2D(2) -> Conv2D(64, 3x3, relu) -> Flatten -> Dense(64, relu) ->
//   Dense(10)                                  (93,322 trainable parameters)
//
// Weights use Keras's defaults: glorot_uniform kernels, zero biases. The model
// returns logits; training adds softmax cross-entropy.
module @fashion_mnist_cnn {
  func.func @forward(%images: tensor<?x28x28x1xf32>) -> tensor<?x10xf32> {
    %k1 = cnn.param "conv2d/kernel" : tensor<3x3x1x32xf32>
    %b1 = cnn.param "conv2d/bias" : tensor<32xf32>
    %c1 = cnn.conv2d %images, %k1, %b1 activation = relu
        : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
    %p1 = cnn.max_pool2d %c1 window = [2, 2] : tensor<?x26x26x32xf32>

    %k2 = cnn.param "conv2d_1/kernel" : tensor<3x3x32x64xf32>
    %b2 = cnn.param "conv2d_1/bias" : tensor<64xf32>
    %c2 = cnn.conv2d %p1, %k2, %b2 activation = relu
        : tensor<?x13x13x32xf32>, tensor<3x3x32x64xf32>, tensor<64xf32>
    %p2 = cnn.max_pool2d %c2 window = [2, 2] : tensor<?x11x11x64xf32>

    %k3 = cnn.param "conv2d_2/kernel" : tensor<3x3x64x64xf32>
    %b3 = cnn.param "conv2d_2/bias" : tensor<64xf32>
    %c3 = cnn.conv2d %p2, %k3, %b3 activation = relu
        : tensor<?x5x5x64xf32>, tensor<3x3x64x64xf32>, tensor<64xf32>

    %flat = cnn.flatten %c3 : tensor<?x3x3x64xf32>
    %k4 = cnn.param "dense/kernel" : tensor<576x64xf32>
    %b4 = cnn.param "dense/bias" : tensor<64xf32>
    %d1 = cnn.dense %flat, %k4, %b4 activation = relu
        : tensor<?x576xf32>, tensor<576x64xf32>, tensor<64xf32>
    %k5 = cnn.param "dense_1/kernel" : tensor<64x10xf32>
    %b5 = cnn.param "dense_1/bias" : tensor<10xf32>
    %logits = cnn.dense %d1, %k5, %b5
        : tensor<?x64xf32>, tensor<64x10xf32>, tensor<10xf32>
    return %logits : tensor<?x10xf32>
  }
}
