// Activations in the training step (cnn-synthesize-training): a layer whose
// fused activation is differentiated from its output (relu, elu, ...) stays
// fused; silu, gelu and hard_swish need the pre-activation, so their layer's
// training form is the layer without activation followed by the standalone
// op, differentiated from its input. Inference (evaluate) keeps the fused
// form. Standalone layers pass their alpha/approximate to activation_grad.
// RUN: cnnc-opt %s --cnn-synthesize-training | FileCheck %s

// CHECK-LABEL: func.func @acts_train_step_impl(
// CHECK:         %[[C:.*]] = cnn.conv2d %{{.*}}, %{{.*}}, %{{.*}} padding = same : tensor<?x4x4x1xf32>
// CHECK-NEXT:    %[[G:.*]] = cnn.gelu %[[C]] : tensor<?x4x4x2xf32>
// CHECK-NEXT:    %[[L:.*]] = cnn.leaky_relu %[[G]] alpha = 1.000000e-01 : tensor<?x4x4x2xf32>
// CHECK:         %[[F:.*]] = cnn.flatten %[[L]]
// CHECK:         %[[D:.*]] = cnn.dense %[[F]], %{{.*}} activation = elu :
// CHECK:         %[[H:.*]] = cnn.dense %[[D]], %{{.*}} :
// CHECK-NEXT:    %[[HS:.*]] = cnn.hard_swish %[[H]] : tensor<?x3xf32>
// CHECK:         %{{.*}}, %[[DY:.*]] = cnn.loss sparse_categorical_crossentropy %[[HS]]
// hard_swish from its input, elu from the layer's output.
// CHECK:         %[[DH:.*]] = cnn.activation_grad hard_swish %[[H]], %[[DY]] : tensor<?x3xf32>
// CHECK:         %[[DD:.*]] = cnn.activation_grad elu %[[D]], %{{.*}} : tensor<?x5xf32>
// The standalone leaky_relu from its output with its own slope, gelu from
// the convolution's result.
// CHECK:         %[[DL:.*]] = cnn.activation_grad leaky_relu %{{.*}}, %{{.*}} alpha = 1.000000e-01
// CHECK:         %[[DG:.*]] = cnn.activation_grad gelu %[[C]], %[[DL]] : tensor<?x4x4x2xf32>
// CHECK:         cnn.conv2d_grad_filter %{{.*}}, %[[DG]]

// CHECK-LABEL: func.func @acts_evaluate_impl(
// CHECK:         cnn.conv2d %{{.*}} padding = same activation = gelu
// CHECK:         cnn.dense %{{.*}} activation = elu
// CHECK:         cnn.dense %{{.*}} activation = hard_swish
module @acts {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x3xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x2xf32>
    %b = cnn.param "conv/bias" : tensor<2xf32>
    %c = cnn.conv2d %x, %k, %b padding = same activation = gelu
        : tensor<?x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>
    %l = cnn.leaky_relu %c alpha = 1.000000e-01 : tensor<?x4x4x2xf32>
    %f = cnn.flatten %l : tensor<?x4x4x2xf32>
    %k1 = cnn.param "hidden/kernel" : tensor<32x5xf32>
    %d = cnn.dense %f, %k1 activation = elu : tensor<?x32xf32>, tensor<32x5xf32>
    %k2 = cnn.param "out/kernel" : tensor<5x3xf32>
    %y = cnn.dense %d, %k2 activation = hard_swish : tensor<?x5xf32>, tensor<5x3xf32>
    return %y : tensor<?x3xf32>
  }
}
