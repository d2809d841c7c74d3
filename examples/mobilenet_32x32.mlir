// A MobileNet-style CNN of depthwise-separable blocks for 32x32 RGB
// images (CIFAR-10), 10 classes, as one would write it in Keras:
//
//   Conv2D(32, 3, padding="same", use_bias=False), BatchNormalization, ReLU(6)
//   4 x [DepthwiseConv2D(3, strides, "same", use_bias=False),
//        BatchNormalization, ReLU(6),
//        Conv2D(filters, 1, use_bias=False), BatchNormalization, ReLU(6)]
//        with (filters, strides) = (64, 1), (128, 2), (128, 1), (256, 2)
//   GlobalAveragePooling2D, Dropout(0.2), Dense(10)
//
// The depthwise convolutions run on cnn-vectorize-depthwise's kernels; the
// 1x1 convolutions are contractions. The model returns logits.
//
//   cnnc examples/mobilenet_32x32.mlir -o mobilenet.so
//   cnnc-train mobilenet.so --data cifar10 --data-dir DIR --epochs 10 --batch 64
module @mobilenet {
  func.func @forward(%images: tensor<?x32x32x3xf32>) -> tensor<?x10xf32> {
    // Stem: Conv2D(32, 3) -> BN -> ReLU6
    %conv_k = cnn.param "conv2d/kernel" : tensor<3x3x3x32xf32>
    %c1 = cnn.conv2d %images, %conv_k padding = same
        : tensor<?x32x32x3xf32>, tensor<3x3x3x32xf32>
    %bn_gamma = cnn.param "batch_normalization/gamma" init = ones : tensor<32xf32>
    %bn_beta = cnn.param "batch_normalization/beta" : tensor<32xf32>
    %bn_mean = cnn.param "batch_normalization/moving_mean" trainable = false : tensor<32xf32>
    %bn_var = cnn.param "batch_normalization/moving_variance" init = ones trainable = false : tensor<32xf32>
    %n2 = cnn.batch_norm %c1, %bn_mean, %bn_var
        gamma = %bn_gamma beta = %bn_beta : tensor<?x32x32x32xf32>
    %a3 = cnn.relu6 %n2 : tensor<?x32x32x32xf32>

    // DepthwiseConv2D(3, strides=1) -> BN -> ReLU6,
    // Conv2D(64, 1) -> BN -> ReLU6
    %dw_k = cnn.param "depthwise_conv2d/kernel" : tensor<3x3x32x1xf32>
    %d4 = cnn.depthwise_conv2d %a3, %dw_k padding = same
        : tensor<?x32x32x32xf32>, tensor<3x3x32x1xf32>
    %bn_1_gamma = cnn.param "batch_normalization_1/gamma" init = ones : tensor<32xf32>
    %bn_1_beta = cnn.param "batch_normalization_1/beta" : tensor<32xf32>
    %bn_1_mean = cnn.param "batch_normalization_1/moving_mean" trainable = false : tensor<32xf32>
    %bn_1_var = cnn.param "batch_normalization_1/moving_variance" init = ones trainable = false : tensor<32xf32>
    %n5 = cnn.batch_norm %d4, %bn_1_mean, %bn_1_var
        gamma = %bn_1_gamma beta = %bn_1_beta : tensor<?x32x32x32xf32>
    %a6 = cnn.relu6 %n5 : tensor<?x32x32x32xf32>
    %conv_1_k = cnn.param "conv2d_1/kernel" : tensor<1x1x32x64xf32>
    %c7 = cnn.conv2d %a6, %conv_1_k
        : tensor<?x32x32x32xf32>, tensor<1x1x32x64xf32>
    %bn_2_gamma = cnn.param "batch_normalization_2/gamma" init = ones : tensor<64xf32>
    %bn_2_beta = cnn.param "batch_normalization_2/beta" : tensor<64xf32>
    %bn_2_mean = cnn.param "batch_normalization_2/moving_mean" trainable = false : tensor<64xf32>
    %bn_2_var = cnn.param "batch_normalization_2/moving_variance" init = ones trainable = false : tensor<64xf32>
    %n8 = cnn.batch_norm %c7, %bn_2_mean, %bn_2_var
        gamma = %bn_2_gamma beta = %bn_2_beta : tensor<?x32x32x64xf32>
    %a9 = cnn.relu6 %n8 : tensor<?x32x32x64xf32>

    // DepthwiseConv2D(3, strides=2) -> BN -> ReLU6,
    // Conv2D(128, 1) -> BN -> ReLU6
    %dw_1_k = cnn.param "depthwise_conv2d_1/kernel" : tensor<3x3x64x1xf32>
    %d10 = cnn.depthwise_conv2d %a9, %dw_1_k strides = [2, 2] padding = same
        : tensor<?x32x32x64xf32>, tensor<3x3x64x1xf32>
    %bn_3_gamma = cnn.param "batch_normalization_3/gamma" init = ones : tensor<64xf32>
    %bn_3_beta = cnn.param "batch_normalization_3/beta" : tensor<64xf32>
    %bn_3_mean = cnn.param "batch_normalization_3/moving_mean" trainable = false : tensor<64xf32>
    %bn_3_var = cnn.param "batch_normalization_3/moving_variance" init = ones trainable = false : tensor<64xf32>
    %n11 = cnn.batch_norm %d10, %bn_3_mean, %bn_3_var
        gamma = %bn_3_gamma beta = %bn_3_beta : tensor<?x16x16x64xf32>
    %a12 = cnn.relu6 %n11 : tensor<?x16x16x64xf32>
    %conv_2_k = cnn.param "conv2d_2/kernel" : tensor<1x1x64x128xf32>
    %c13 = cnn.conv2d %a12, %conv_2_k
        : tensor<?x16x16x64xf32>, tensor<1x1x64x128xf32>
    %bn_4_gamma = cnn.param "batch_normalization_4/gamma" init = ones : tensor<128xf32>
    %bn_4_beta = cnn.param "batch_normalization_4/beta" : tensor<128xf32>
    %bn_4_mean = cnn.param "batch_normalization_4/moving_mean" trainable = false : tensor<128xf32>
    %bn_4_var = cnn.param "batch_normalization_4/moving_variance" init = ones trainable = false : tensor<128xf32>
    %n14 = cnn.batch_norm %c13, %bn_4_mean, %bn_4_var
        gamma = %bn_4_gamma beta = %bn_4_beta : tensor<?x16x16x128xf32>
    %a15 = cnn.relu6 %n14 : tensor<?x16x16x128xf32>

    // DepthwiseConv2D(3, strides=1) -> BN -> ReLU6,
    // Conv2D(128, 1) -> BN -> ReLU6
    %dw_2_k = cnn.param "depthwise_conv2d_2/kernel" : tensor<3x3x128x1xf32>
    %d16 = cnn.depthwise_conv2d %a15, %dw_2_k padding = same
        : tensor<?x16x16x128xf32>, tensor<3x3x128x1xf32>
    %bn_5_gamma = cnn.param "batch_normalization_5/gamma" init = ones : tensor<128xf32>
    %bn_5_beta = cnn.param "batch_normalization_5/beta" : tensor<128xf32>
    %bn_5_mean = cnn.param "batch_normalization_5/moving_mean" trainable = false : tensor<128xf32>
    %bn_5_var = cnn.param "batch_normalization_5/moving_variance" init = ones trainable = false : tensor<128xf32>
    %n17 = cnn.batch_norm %d16, %bn_5_mean, %bn_5_var
        gamma = %bn_5_gamma beta = %bn_5_beta : tensor<?x16x16x128xf32>
    %a18 = cnn.relu6 %n17 : tensor<?x16x16x128xf32>
    %conv_3_k = cnn.param "conv2d_3/kernel" : tensor<1x1x128x128xf32>
    %c19 = cnn.conv2d %a18, %conv_3_k
        : tensor<?x16x16x128xf32>, tensor<1x1x128x128xf32>
    %bn_6_gamma = cnn.param "batch_normalization_6/gamma" init = ones : tensor<128xf32>
    %bn_6_beta = cnn.param "batch_normalization_6/beta" : tensor<128xf32>
    %bn_6_mean = cnn.param "batch_normalization_6/moving_mean" trainable = false : tensor<128xf32>
    %bn_6_var = cnn.param "batch_normalization_6/moving_variance" init = ones trainable = false : tensor<128xf32>
    %n20 = cnn.batch_norm %c19, %bn_6_mean, %bn_6_var
        gamma = %bn_6_gamma beta = %bn_6_beta : tensor<?x16x16x128xf32>
    %a21 = cnn.relu6 %n20 : tensor<?x16x16x128xf32>

    // DepthwiseConv2D(3, strides=2) -> BN -> ReLU6,
    // Conv2D(256, 1) -> BN -> ReLU6
    %dw_3_k = cnn.param "depthwise_conv2d_3/kernel" : tensor<3x3x128x1xf32>
    %d22 = cnn.depthwise_conv2d %a21, %dw_3_k strides = [2, 2] padding = same
        : tensor<?x16x16x128xf32>, tensor<3x3x128x1xf32>
    %bn_7_gamma = cnn.param "batch_normalization_7/gamma" init = ones : tensor<128xf32>
    %bn_7_beta = cnn.param "batch_normalization_7/beta" : tensor<128xf32>
    %bn_7_mean = cnn.param "batch_normalization_7/moving_mean" trainable = false : tensor<128xf32>
    %bn_7_var = cnn.param "batch_normalization_7/moving_variance" init = ones trainable = false : tensor<128xf32>
    %n23 = cnn.batch_norm %d22, %bn_7_mean, %bn_7_var
        gamma = %bn_7_gamma beta = %bn_7_beta : tensor<?x8x8x128xf32>
    %a24 = cnn.relu6 %n23 : tensor<?x8x8x128xf32>
    %conv_4_k = cnn.param "conv2d_4/kernel" : tensor<1x1x128x256xf32>
    %c25 = cnn.conv2d %a24, %conv_4_k
        : tensor<?x8x8x128xf32>, tensor<1x1x128x256xf32>
    %bn_8_gamma = cnn.param "batch_normalization_8/gamma" init = ones : tensor<256xf32>
    %bn_8_beta = cnn.param "batch_normalization_8/beta" : tensor<256xf32>
    %bn_8_mean = cnn.param "batch_normalization_8/moving_mean" trainable = false : tensor<256xf32>
    %bn_8_var = cnn.param "batch_normalization_8/moving_variance" init = ones trainable = false : tensor<256xf32>
    %n26 = cnn.batch_norm %c25, %bn_8_mean, %bn_8_var
        gamma = %bn_8_gamma beta = %bn_8_beta : tensor<?x8x8x256xf32>
    %a27 = cnn.relu6 %n26 : tensor<?x8x8x256xf32>

    // Head: GlobalAveragePooling2D, Dropout(0.2), Dense(10)
    %g28 = cnn.global_avg_pool2d %a27 : tensor<?x8x8x256xf32>
    %o29 = cnn.dropout %g28 rate = 0.2 : tensor<?x256xf32>
    %dense_k = cnn.param "dense/kernel" : tensor<256x10xf32>
    %dense_b = cnn.param "dense/bias" : tensor<10xf32>
    %logits = cnn.dense %o29, %dense_k, %dense_b
        : tensor<?x256xf32>, tensor<256x10xf32>, tensor<10xf32>
    return %logits : tensor<?x10xf32>
  }
}
