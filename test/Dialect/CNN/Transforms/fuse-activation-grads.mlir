// Reshapes move below activation gradients, so the gradient is taken on the
// layout of the matrix product that produced it.
// RUN: cnnc-opt %s --cnn-fuse-activation-grads | FileCheck %s

// CHECK-LABEL: func.func @dense_to_conv
// CHECK-SAME:    (%[[Y:.*]]: tensor<?x3x3x4xf32>, %[[G:.*]]: tensor<?x36xf32>)
// CHECK:         %[[YFLAT:.*]] = cnn.reshape %[[Y]] : tensor<?x3x3x4xf32> -> tensor<?x36xf32>
// CHECK:         %[[DX:.*]] = cnn.activation_grad relu %[[YFLAT]], %[[G]] : tensor<?x36xf32>
// CHECK:         %[[R:.*]] = cnn.reshape %[[DX]] : tensor<?x36xf32> -> tensor<?x3x3x4xf32>
// CHECK:         return %[[R]]
func.func @dense_to_conv(%y: tensor<?x3x3x4xf32>, %g: tensor<?x36xf32>) -> tensor<?x3x3x4xf32> {
  %0 = cnn.reshape %g : tensor<?x36xf32> -> tensor<?x3x3x4xf32>
  %1 = cnn.activation_grad relu %y, %0 : tensor<?x3x3x4xf32>
  return %1 : tensor<?x3x3x4xf32>
}

// CHECK-LABEL: func.func @no_reshape
// CHECK-NOT:     cnn.reshape
// CHECK:         cnn.activation_grad tanh
func.func @no_reshape(%y: tensor<?x4xf32>, %g: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = cnn.activation_grad tanh %y, %g : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
