// A modern small CNN for 32x32 RGB images (CIFAR-10), 10 classes,
// as one would write it in Keras:
//
//   Conv2D(32, 3, padding="same", use_bias=False), BatchNormalization, ReLU,
//   MaxPooling2D(2), Dropout(0.25),
//   Conv2D(64, 3, "same", use_bias=False), BatchNormalization, ReLU,
//   Conv2D(64, 3, "same", use_bias=False), BatchNormalization, ReLU,
//   MaxPooling2D(2), Dropout(0.25),
//   Conv2D(128, 3, "same", use_bias=False), BatchNormalization, ReLU,
//   GlobalAveragePooling2D, Dropout(0.3), Dense(10)
//
// train_step runs BatchNormalization on batch statistics and updates the
// moving statistics (non-trainable state, `trainable = false`); forward and
// evaluate use the moving statistics, which cnn-fold-batch-norm folds into
// the convolutions. Dropout is active in train_step only. The model returns
// logits; training adds softmax cross-entropy.
//
//   cnnc examples/modern_cnn_32x32.mlir -o modern.so
//   cnnc-train modern.so --data cifar10 --data-dir DIR --epochs 10 --batch 64
module @modern_cnn {
  func.func @forward(%images: tensor<?x32x32x3xf32>) -> tensor<?x10xf32> {
    // Block 1: Conv2D(32) -> BN -> ReLU, MaxPooling2D(2), Dropout(0.25)
    %conv_k = cnn.param "conv2d/kernel" : tensor<3x3x3x32xf32>
    %c1 = cnn.conv2d %images, %conv_k padding = same
        : tensor<?x32x32x3xf32>, tensor<3x3x3x32xf32>
    %bn_gamma = cnn.param "batch_normalization/gamma" init = ones : tensor<32xf32>
    %bn_beta = cnn.param "batch_normalization/beta" : tensor<32xf32>
    %bn_mean = cnn.param "batch_normalization/moving_mean" trainable = false : tensor<32xf32>
    %bn_var = cnn.param "batch_normalization/moving_variance" init = ones trainable = false : tensor<32xf32>
    %n2 = cnn.batch_norm %c1, %bn_mean, %bn_var
        gamma = %bn_gamma beta = %bn_beta : tensor<?x32x32x32xf32>
    %a3 = cnn.relu %n2 : tensor<?x32x32x32xf32>
    %p4 = cnn.max_pool2d %a3 window = [2, 2] : tensor<?x32x32x32xf32>
    %o5 = cnn.dropout %p4 rate = 0.25 : tensor<?x16x16x32xf32>

    // Block 2: two Conv2D(64) -> BN -> ReLU, MaxPooling2D(2), Dropout(0.25)
    %conv_1_k = cnn.param "conv2d_1/kernel" : tensor<3x3x32x64xf32>
    %c6 = cnn.conv2d %o5, %conv_1_k padding = same
        : tensor<?x16x16x32xf32>, tensor<3x3x32x64xf32>
    %bn_1_gamma = cnn.param "batch_normalization_1/gamma" init = ones : tensor<64xf32>
    %bn_1_beta = cnn.param "batch_normalization_1/beta" : tensor<64xf32>
    %bn_1_mean = cnn.param "batch_normalization_1/moving_mean" trainable = false : tensor<64xf32>
    %bn_1_var = cnn.param "batch_normalization_1/moving_variance" init = ones trainable = false : tensor<64xf32>
    %n7 = cnn.batch_norm %c6, %bn_1_mean, %bn_1_var
        gamma = %bn_1_gamma beta = %bn_1_beta : tensor<?x16x16x64xf32>
    %a8 = cnn.relu %n7 : tensor<?x16x16x64xf32>
    %conv_2_k = cnn.param "conv2d_2/kernel" : tensor<3x3x64x64xf32>
    %c9 = cnn.conv2d %a8, %conv_2_k padding = same
        : tensor<?x16x16x64xf32>, tensor<3x3x64x64xf32>
    %bn_2_gamma = cnn.param "batch_normalization_2/gamma" init = ones : tensor<64xf32>
    %bn_2_beta = cnn.param "batch_normalization_2/beta" : tensor<64xf32>
    %bn_2_mean = cnn.param "batch_normalization_2/moving_mean" trainable = false : tensor<64xf32>
    %bn_2_var = cnn.param "batch_normalization_2/moving_variance" init = ones trainable = false : tensor<64xf32>
    %n10 = cnn.batch_norm %c9, %bn_2_mean, %bn_2_var
        gamma = %bn_2_gamma beta = %bn_2_beta : tensor<?x16x16x64xf32>
    %a11 = cnn.relu %n10 : tensor<?x16x16x64xf32>
    %p12 = cnn.max_pool2d %a11 window = [2, 2] : tensor<?x16x16x64xf32>
    %o13 = cnn.dropout %p12 rate = 0.25 : tensor<?x8x8x64xf32>

    // Block 3: Conv2D(128) -> BN -> ReLU; GlobalAveragePooling2D,
    // Dropout(0.3), Dense(10)
    %conv_3_k = cnn.param "conv2d_3/kernel" : tensor<3x3x64x128xf32>
    %c14 = cnn.conv2d %o13, %conv_3_k padding = same
        : tensor<?x8x8x64xf32>, tensor<3x3x64x128xf32>
    %bn_3_gamma = cnn.param "batch_normalization_3/gamma" init = ones : tensor<128xf32>
    %bn_3_beta = cnn.param "batch_normalization_3/beta" : tensor<128xf32>
    %bn_3_mean = cnn.param "batch_normalization_3/moving_mean" trainable = false : tensor<128xf32>
    %bn_3_var = cnn.param "batch_normalization_3/moving_variance" init = ones trainable = false : tensor<128xf32>
    %n15 = cnn.batch_norm %c14, %bn_3_mean, %bn_3_var
        gamma = %bn_3_gamma beta = %bn_3_beta : tensor<?x8x8x128xf32>
    %a16 = cnn.relu %n15 : tensor<?x8x8x128xf32>
    %g17 = cnn.global_avg_pool2d %a16 : tensor<?x8x8x128xf32>
    %o18 = cnn.dropout %g17 rate = 0.3 : tensor<?x128xf32>
    %dense_k = cnn.param "dense/kernel" : tensor<128x10xf32>
    %dense_b = cnn.param "dense/bias" : tensor<10xf32>
    %logits = cnn.dense %o18, %dense_k, %dense_b
        : tensor<?x128xf32>, tensor<128x10xf32>, tensor<10xf32>
    return %logits : tensor<?x10xf32>
  }
}
