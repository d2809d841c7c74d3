// Standalone activations fold into the conv2d/dense they follow.
// RUN: cnnc-opt %s --cnn-fuse-activations | FileCheck %s

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
