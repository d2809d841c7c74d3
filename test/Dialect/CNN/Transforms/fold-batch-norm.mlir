// Inference batch normalization folds into the conv2d/dense before it.
// RUN: cnnc-opt %s --split-input-file --cnn-fold-batch-norm --cnn-fuse-activations | FileCheck %s
// Whole pipeline front: train_step keeps its training form untouched.
// RUN: cnnc-opt %s --split-input-file --cnn-synthesize-training --cnn-synthesize-entry-points \
// RUN:   --cnn-fold-batch-norm --cnn-fuse-activations | FileCheck %s --check-prefix=PIPE

// conv2d with bias -> batch_norm -> relu: one conv2d with the folded kernel
// and bias, the relu fused into it.
// CHECK-LABEL: func.func @forward
// CHECK:         %[[K:.*]] = cnn.param "conv/kernel"
// CHECK:         %[[B:.*]] = cnn.param "conv/bias"
// CHECK:         %[[G:.*]] = cnn.param "bn/gamma"
// CHECK:         %[[BETA:.*]] = cnn.param "bn/beta"
// CHECK:         %[[M:.*]] = cnn.param "bn/moving_mean"
// CHECK:         %[[V:.*]] = cnn.param "bn/moving_variance"
// CHECK:         %[[FK:.*]], %[[FB:.*]] = cnn.fold_batch_norm %[[K]], %[[M]], %[[V]] bias = %[[B]] gamma = %[[G]] beta = %[[BETA]] epsilon = 1.000000e-03 : tensor<3x3x1x4xf32>, tensor<4xf32>
// CHECK:         %[[Y:.*]] = cnn.conv2d %{{.*}}, %[[FK]], %[[FB]] padding = same activation = relu
// CHECK-NOT:     cnn.batch_norm
// CHECK-NOT:     cnn.relu
// CHECK:         %[[F:.*]] = cnn.flatten %[[Y]]
// PIPE-LABEL:  func.func @bnconv_train_step_impl
// PIPE:          %[[C:.*]] = cnn.conv2d %{{.*}}, %{{.*}} padding = same :
// PIPE-NOT:      cnn.fold_batch_norm
// PIPE:          cnn.batch_norm_train %[[C]]
// PIPE:          cnn.relu
// PIPE-LABEL:  func.func @bnconv_evaluate_impl
// PIPE:          cnn.fold_batch_norm
// PIPE:          cnn.conv2d {{.*}} activation = relu
// PIPE-NOT:      {{cnn.batch_norm }}
// PIPE-LABEL:  func.func @bnconv_forward_impl
// PIPE:          cnn.fold_batch_norm
// PIPE:          cnn.conv2d {{.*}} activation = relu
// PIPE-NOT:      {{cnn.batch_norm }}
// PIPE-LABEL:  func.func @bndense_train_step_impl
module @bnconv {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x64xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x4xf32>
    %b = cnn.param "conv/bias" : tensor<4xf32>
    %c = cnn.conv2d %x, %k, %b padding = same : tensor<?x4x4x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32>
    %g = cnn.param "bn/gamma" init = ones : tensor<4xf32>
    %beta = cnn.param "bn/beta" : tensor<4xf32>
    %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
    %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
    %y = cnn.batch_norm %c, %m, %v gamma = %g beta = %beta : tensor<?x4x4x4xf32>
    %r = cnn.relu %y : tensor<?x4x4x4xf32>
    %f = cnn.flatten %r : tensor<?x4x4x4xf32>
    return %f : tensor<?x64xf32>
  }
}

// -----

// dense without bias: the folded bias is new; epsilon is carried over.
// CHECK-LABEL: func.func @forward
// CHECK:         %[[FK:.*]], %[[FB:.*]] = cnn.fold_batch_norm %{{.*}}, %{{.*}}, %{{.*}} gamma = %{{.*}} epsilon = 1.000000e-05 : tensor<8x3xf32>, tensor<3xf32>
// CHECK:         cnn.dense %{{.*}}, %[[FK]], %[[FB]] : tensor<?x8xf32>, tensor<8x3xf32>, tensor<3xf32>
// CHECK-NOT:     cnn.batch_norm
module @bndense {
  func.func @forward(%x: tensor<?x2x2x2xf32>) -> tensor<?x3xf32> {
    %f = cnn.flatten %x : tensor<?x2x2x2xf32>
    %k = cnn.param "dense/kernel" : tensor<8x3xf32>
    %d = cnn.dense %f, %k : tensor<?x8xf32>, tensor<8x3xf32>
    %g = cnn.param "bn/gamma" init = ones : tensor<3xf32>
    %m = cnn.param "bn/moving_mean" trainable = false : tensor<3xf32>
    %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<3xf32>
    %y = cnn.batch_norm %d, %m, %v gamma = %g epsilon = 1.0e-5 : tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Not folded: a layer with an activation (the normalization sees relu's
// output), a layer whose result has another use, and a normalization after
// pooling.
// CHECK-LABEL: func.func @forward
// CHECK-NOT:     cnn.fold_batch_norm
// CHECK:         %[[C1:.*]] = cnn.conv2d {{.*}} activation = relu
// CHECK:         cnn.batch_norm %[[C1]]
// CHECK:         %[[C2:.*]] = cnn.conv2d
// CHECK:         %[[N2:.*]] = cnn.batch_norm %[[C2]]
// CHECK:         cnn.add %[[N2]], %[[C2]]
// CHECK:         %[[P:.*]] = cnn.max_pool2d
// CHECK:         cnn.batch_norm %[[P]]
module @nofold {
  func.func @forward(%x: tensor<?x4x4x4xf32>) -> tensor<?x16xf32> {
    %k = cnn.param "conv/kernel" : tensor<1x1x4x4xf32>
    %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
    %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
    %c1 = cnn.conv2d %x, %k activation = relu : tensor<?x4x4x4xf32>, tensor<1x1x4x4xf32>
    %n1 = cnn.batch_norm %c1, %m, %v : tensor<?x4x4x4xf32>
    %c2 = cnn.conv2d %n1, %k : tensor<?x4x4x4xf32>, tensor<1x1x4x4xf32>
    %n2 = cnn.batch_norm %c2, %m, %v : tensor<?x4x4x4xf32>
    %s = cnn.add %n2, %c2 : tensor<?x4x4x4xf32>
    %p = cnn.max_pool2d %s window = [2, 2] : tensor<?x4x4x4xf32>
    %n3 = cnn.batch_norm %p, %m, %v : tensor<?x2x2x4xf32>
    %f = cnn.flatten %n3 : tensor<?x2x2x4xf32>
    return %f : tensor<?x16xf32>
  }
}

// -----

// A conv with an activation feeding one without: only the second folds.
// CHECK-LABEL: func.func @forward
// CHECK:         %[[C1:.*]] = cnn.conv2d %{{.*}}, %{{.*}} activation = tanh
// CHECK:         %[[FK:.*]], %[[FB:.*]] = cnn.fold_batch_norm
// CHECK:         cnn.conv2d %[[C1]], %[[FK]], %[[FB]] :
// CHECK-NOT:     cnn.batch_norm
module @chain {
  func.func @forward(%x: tensor<?x4x4x4xf32>) -> tensor<?x64xf32> {
    %k = cnn.param "conv/kernel" : tensor<1x1x4x4xf32>
    %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
    %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
    %c1 = cnn.conv2d %x, %k activation = tanh : tensor<?x4x4x4xf32>, tensor<1x1x4x4xf32>
    %c2 = cnn.conv2d %c1, %k : tensor<?x4x4x4xf32>, tensor<1x1x4x4xf32>
    %n2 = cnn.batch_norm %c2, %m, %v : tensor<?x4x4x4xf32>
    %f = cnn.flatten %n2 : tensor<?x4x4x4xf32>
    return %f : tensor<?x64xf32>
  }
}
