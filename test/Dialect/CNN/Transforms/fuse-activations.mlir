// Standalone activations fold into the conv2d/dense they follow.
// RUN: cnnc-opt %s --cnn-fuse-activations --allow-unregistered-dialect | FileCheck %s

// CHECK-LABEL: func.func @conv_relu
// CHECK:         %[[C:.*]] = cnn.conv2d %{{.*}}, %{{.*}}, %{{.*}} activation = relu
// CHECK-NOT:     cnn.relu
// CHECK:         return %[[C]]
func.func @conv_relu(%x: tensor<?x8x8x3xf32>, %k: tensor<3x3x3x4xf32>, %b: tensor<4xf32>) -> tensor<?x6x6x4xf32> {
  %0 = cnn.conv2d %x, %k, %b : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32>
  %1 = cnn.relu %0 : tensor<?x6x6x4xf32>
  return %1 : tensor<?x6x6x4xf32>
}

// CHECK-LABEL: func.func @dense_tanh_then_sigmoid
// CHECK:         %[[D:.*]] = cnn.dense %{{.*}}, %{{.*}} activation = tanh
// CHECK:         %[[S:.*]] = cnn.sigmoid %[[D]]
// CHECK:         return %[[S]]
func.func @dense_tanh_then_sigmoid(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>) -> tensor<?x3xf32> {
  %0 = cnn.dense %x, %k : tensor<?x6xf32>, tensor<6x3xf32>
  %1 = cnn.tanh %0 : tensor<?x3xf32>
  // The layer has an activation now: the second one stays.
  %2 = cnn.sigmoid %1 : tensor<?x3xf32>
  return %2 : tensor<?x3xf32>
}

// The pre-activation value has another use: nothing to fold.
// CHECK-LABEL: func.func @two_uses
// CHECK:         %[[D:.*]] = cnn.dense %{{.*}}, %{{.*}} :
// CHECK:         cnn.relu %[[D]]
func.func @two_uses(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %0 = cnn.dense %x, %k : tensor<?x6xf32>, tensor<6x3xf32>
  %1 = cnn.relu %0 : tensor<?x3xf32>
  return %0, %1 : tensor<?x3xf32>, tensor<?x3xf32>
}

// Every standalone layer whose parameters are the Keras function's defaults
// folds: leaky_relu with alpha 0.2, elu with its default alpha 1, the exact
// gelu, and the layers without parameters.
// CHECK-LABEL: func.func @defaults_fold
// CHECK-DAG:     cnn.conv2d %{{.*}}, %{{.*}} activation = leaky_relu :
// CHECK-DAG:     cnn.conv2d %{{.*}}, %{{.*}} activation = elu :
// CHECK-DAG:     cnn.conv2d %{{.*}}, %{{.*}} activation = gelu :
// CHECK-DAG:     cnn.conv2d %{{.*}}, %{{.*}} activation = hard_swish :
// CHECK-DAG:     cnn.dense %{{.*}}, %{{.*}} activation = selu :
// CHECK-DAG:     cnn.dense %{{.*}}, %{{.*}} activation = relu6 :
// CHECK-DAG:     cnn.dense %{{.*}}, %{{.*}} activation = silu :
// CHECK-DAG:     cnn.dense %{{.*}}, %{{.*}} activation = softplus :
// CHECK-DAG:     cnn.dense %{{.*}}, %{{.*}} activation = hard_sigmoid :
// CHECK-NOT:     cnn.{{leaky_relu|elu|gelu|hard_swish|selu|relu6|silu|softplus|hard_sigmoid}} %
// CHECK:         return
func.func @defaults_fold(%x: tensor<?x8x8x3xf32>, %k: tensor<3x3x3x4xf32>,
                         %f: tensor<?x6xf32>, %w: tensor<6x3xf32>) {
  %c0 = cnn.conv2d %x, %k : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>
  %a0 = cnn.leaky_relu %c0 alpha = 2.000000e-01 : tensor<?x6x6x4xf32>
  %c1 = cnn.conv2d %x, %k : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>
  %a1 = cnn.elu %c1 : tensor<?x6x6x4xf32>
  %c2 = cnn.conv2d %x, %k : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>
  %a2 = cnn.gelu %c2 : tensor<?x6x6x4xf32>
  %c3 = cnn.conv2d %x, %k : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>
  %a3 = cnn.hard_swish %c3 : tensor<?x6x6x4xf32>
  %d0 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b0 = cnn.selu %d0 : tensor<?x3xf32>
  %d1 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b1 = cnn.relu6 %d1 : tensor<?x3xf32>
  %d2 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b2 = cnn.silu %d2 : tensor<?x3xf32>
  %d3 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b3 = cnn.softplus %d3 : tensor<?x3xf32>
  %d4 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b4 = cnn.hard_sigmoid %d4 : tensor<?x3xf32>
  "test.use"(%a0, %a1, %a2, %a3, %b0, %b1, %b2, %b3, %b4) : (tensor<?x6x6x4xf32>, tensor<?x6x6x4xf32>, tensor<?x6x6x4xf32>, tensor<?x6x6x4xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) -> ()
  return
}

// Parameters other than the fused form's keep the layer standalone: the
// LeakyReLU layer's default slope 0.3 (the function's is 0.2), another ELU
// alpha, the tanh approximation of gelu.
// CHECK-LABEL: func.func @non_defaults_stay
// CHECK:         %[[C0:.*]] = cnn.conv2d %{{.*}}, %{{.*}} :
// CHECK:         cnn.leaky_relu %[[C0]] :
// CHECK:         %[[C1:.*]] = cnn.conv2d %{{.*}}, %{{.*}} :
// CHECK:         cnn.leaky_relu %[[C1]] alpha = 1.000000e-01 :
// CHECK:         %[[D0:.*]] = cnn.dense %{{.*}}, %{{.*}} :
// CHECK:         cnn.elu %[[D0]] alpha = 5.000000e-01 :
// CHECK:         %[[D1:.*]] = cnn.dense %{{.*}}, %{{.*}} :
// CHECK:         cnn.gelu %[[D1]] approximate :
func.func @non_defaults_stay(%x: tensor<?x8x8x3xf32>, %k: tensor<3x3x3x4xf32>,
                             %f: tensor<?x6xf32>, %w: tensor<6x3xf32>) {
  %c0 = cnn.conv2d %x, %k : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>
  %a0 = cnn.leaky_relu %c0 : tensor<?x6x6x4xf32>
  %c1 = cnn.conv2d %x, %k : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>
  %a1 = cnn.leaky_relu %c1 alpha = 1.000000e-01 : tensor<?x6x6x4xf32>
  %d0 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b0 = cnn.elu %d0 alpha = 5.000000e-01 : tensor<?x3xf32>
  %d1 = cnn.dense %f, %w : tensor<?x6xf32>, tensor<6x3xf32>
  %b1 = cnn.gelu %d1 approximate : tensor<?x3xf32>
  "test.use"(%a0, %a1, %b0, %b1) : (tensor<?x6x6x4xf32>, tensor<?x6x6x4xf32>, tensor<?x3xf32>, tensor<?x3xf32>) -> ()
  return
}
