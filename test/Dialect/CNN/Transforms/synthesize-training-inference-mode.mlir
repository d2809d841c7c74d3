// batch_norm with `inference_mode` (Keras: a frozen layer, or one called
// with training=False) keeps its inference form in the training step: it
// normalizes with the moving statistics, updates none of them, and its
// gradient treats them as constants (batch_norm_grad fixed_statistics).
// Its gamma and beta still train when they are trainable; a frozen layer
// (gamma and beta `trainable = false`) passes only dx on.
// RUN: cnnc-opt %s --cnn-synthesize-training | FileCheck %s

// Parameters: conv/kernel [0, 36), bn2/gamma [36, 40), bn2/beta [40, 44),
// dense/kernel [44, 300) trainable (300); then the frozen bn1's gamma,
// beta and moving statistics and bn2's moving statistics.
// CHECK-LABEL: func.func @inference_mode_train_step_impl(
// CHECK-SAME:    %[[P:[^:]*]]: memref<324xf32>, %{{[^:]*}}: memref<600xf32>
// CHECK-NOT:     cnn.batch_norm_train
// CHECK-NOT:     cnn.moving_average
// CHECK:         %[[C:.*]] = cnn.conv2d
// CHECK:         %[[Y1:.*]] = cnn.batch_norm %[[C]], %[[M1:[^,]*]], %[[V1:[^ ]*]] gamma = %[[G1:[^ ]*]] beta = %{{[^ ]*}} inference_mode
// CHECK:         %[[Y2:.*]] = cnn.batch_norm %{{.*}}, %[[M2:[^,]*]], %[[V2:[^ ]*]] gamma = %[[G2:[^ ]*]] beta = %{{[^ ]*}} epsilon = 1.000000e-02 inference_mode
// CHECK:         cnn.loss
// CHECK-NOT:     cnn.batch_norm_train
// CHECK:         %[[DX2:.*]], %[[DG2:.*]], %[[DB2:.*]] = cnn.batch_norm_grad %{{.*}}, %{{.*}}, %[[M2]], %[[V2]] gamma = %[[G2]] epsilon = 1.000000e-02 fixed_statistics
// CHECK:         %[[DX1:.*]], %{{.*}}, %{{.*}} = cnn.batch_norm_grad %{{.*}}, %[[C]], %[[M1]], %[[V1]] gamma = %[[G1]] epsilon = 1.000000e-03 fixed_statistics
// CHECK:         cnn.conv2d_grad_filter %{{.*}}, %[[DX1]]
// CHECK:         tensor.insert_slice %[[DG2]] into %{{.*}}[36] [4] [1] : tensor<4xf32> into tensor<300xf32>
// CHECK:         tensor.insert_slice %[[DB2]] into %{{.*}}[40] [4] [1] : tensor<4xf32> into tensor<300xf32>
// CHECK-NOT:     cnn.moving_average
// CHECK:         cnn.adam_update {{.*}} : tensor<300xf32>
// Only the trainable prefix is written back: no state changed.
// CHECK:         %[[ALL:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0] [300] [1] : tensor<300xf32> into tensor<324xf32>
// CHECK-NEXT:    bufferization.materialize_in_destination %[[ALL]]
module @inference_mode {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x4xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x4xf32>
    %c = cnn.conv2d %x, %k padding = same : tensor<?x4x4x1xf32>, tensor<3x3x1x4xf32>
    %g1 = cnn.param "bn1/gamma" init = ones trainable = false : tensor<4xf32>
    %b1 = cnn.param "bn1/beta" trainable = false : tensor<4xf32>
    %m1 = cnn.param "bn1/moving_mean" trainable = false : tensor<4xf32>
    %v1 = cnn.param "bn1/moving_variance" init = ones trainable = false : tensor<4xf32>
    %y1 = cnn.batch_norm %c, %m1, %v1 gamma = %g1 beta = %b1 inference_mode : tensor<?x4x4x4xf32>
    %r = cnn.relu %y1 : tensor<?x4x4x4xf32>
    %g2 = cnn.param "bn2/gamma" init = ones : tensor<4xf32>
    %b2 = cnn.param "bn2/beta" : tensor<4xf32>
    %m2 = cnn.param "bn2/moving_mean" trainable = false : tensor<4xf32>
    %v2 = cnn.param "bn2/moving_variance" init = ones trainable = false : tensor<4xf32>
    %y2 = cnn.batch_norm %r, %m2, %v2 gamma = %g2 beta = %b2 epsilon = 1.0e-2 inference_mode : tensor<?x4x4x4xf32>
    %f = cnn.flatten %y2 : tensor<?x4x4x4xf32>
    %dk = cnn.param "dense/kernel" : tensor<64x4xf32>
    %o = cnn.dense %f, %dk : tensor<?x64xf32>, tensor<64x4xf32>
    return %o : tensor<?x4xf32>
  }
}
