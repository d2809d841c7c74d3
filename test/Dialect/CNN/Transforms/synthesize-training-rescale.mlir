// The training step differentiates through cnn.rescale: the gradient of
// x * s + o is s * dy, a rescale of the output gradient without offset,
// which reaches the convolution's filter gradient. A rescale of the images
// (the model's first layer) gets no gradient.
// RUN: cnnc-opt %s --cnn-synthesize-training | FileCheck %s

// CHECK-LABEL: func.func @rescaled_train_step_impl(
// CHECK:         %[[IN:.*]] = cnn.rescale %{{.*}} scale = 0.00392156886 : tensor<?x4x4x1xf32>
// CHECK:         %[[C:.*]] = cnn.conv2d %[[IN]], %{{.*}} : tensor<?x4x4x1xf32>, tensor<3x3x1x2xf32>
// CHECK:         cnn.rescale %[[C]] scale = 2.000000e+00 offset = 5.000000e-01 : tensor<?x2x2x2xf32>
// CHECK:         %[[DY:.*]] = cnn.reshape %{{.*}} : tensor<?x8xf32> -> tensor<?x2x2x2xf32>
// CHECK-NEXT:    %[[DC:.*]] = cnn.rescale %[[DY]] scale = 2.000000e+00 : tensor<?x2x2x2xf32>
// CHECK-NEXT:    cnn.conv2d_grad_filter %[[IN]], %[[DC]]
// CHECK-NOT:     cnn.rescale
// CHECK-LABEL: func.func @rescaled_compute_gradients_impl(
module @rescaled {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x2xf32> {
    %s = cnn.rescale %x scale = 0.00392156886 : tensor<?x4x4x1xf32>
    %k = cnn.param "conv/kernel" : tensor<3x3x1x2xf32>
    %c = cnn.conv2d %s, %k : tensor<?x4x4x1xf32>, tensor<3x3x1x2xf32>
    %r = cnn.rescale %c scale = 2.0 offset = 0.5 : tensor<?x2x2x2xf32>
    %f = cnn.flatten %r : tensor<?x2x2x2xf32>
    %dk = cnn.param "dense/kernel" : tensor<8x2xf32>
    %y = cnn.dense %f, %dk : tensor<?x8xf32>, tensor<8x2xf32>
    return %y : tensor<?x2xf32>
  }
}
