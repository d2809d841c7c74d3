// Every activation round-trips through the custom and the generic form:
// as a fused `activation =` of conv2d/dense, as a standalone layer (with
// alpha/approximate where it has them; default values are elided) and as
// the kind of cnn.activation_grad.
// RUN: cnnc-opt %s | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | cnnc-opt | FileCheck %s
// RUN: cnnc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @fused
func.func @fused(%x: tensor<?x6x6x2xf32>, %k: tensor<3x3x2x4xf32>,
                 %f: tensor<?x8xf32>, %w: tensor<8x3xf32>) {
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} activation = leaky_relu :
  // GENERIC: "cnn.conv2d"(%{{.*}}, %{{.*}}) <{activation = #cnn<activation leaky_relu>
  %0 = cnn.conv2d %x, %k activation = leaky_relu : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} activation = elu :
  %1 = cnn.conv2d %x, %k activation = elu : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} activation = selu :
  %2 = cnn.conv2d %x, %k activation = selu : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} activation = relu6 :
  %3 = cnn.conv2d %x, %k activation = relu6 : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} activation = silu :
  %4 = cnn.conv2d %x, %k activation = silu : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} activation = gelu :
  %5 = cnn.conv2d %x, %k activation = gelu : tensor<?x6x6x2xf32>, tensor<3x3x2x4xf32>
  // CHECK: cnn.dense %{{.*}}, %{{.*}} activation = softplus :
  // GENERIC: "cnn.dense"(%{{.*}}, %{{.*}}) <{activation = #cnn<activation softplus>
  %6 = cnn.dense %f, %w activation = softplus : tensor<?x8xf32>, tensor<8x3xf32>
  // CHECK: cnn.dense %{{.*}}, %{{.*}} activation = hard_sigmoid :
  %7 = cnn.dense %f, %w activation = hard_sigmoid : tensor<?x8xf32>, tensor<8x3xf32>
  // CHECK: cnn.dense %{{.*}}, %{{.*}} activation = hard_swish :
  %8 = cnn.dense %f, %w activation = hard_swish : tensor<?x8xf32>, tensor<8x3xf32>
  return
}

// CHECK-LABEL: func.func @standalone
func.func @standalone(%x: tensor<?x4x4x3xf32>, %f: tensor<?x12xf32>) {
  // The LeakyReLU layer's default slope 0.3 is elided; others are printed.
  // CHECK: cnn.leaky_relu %{{.*}} : tensor<?x4x4x3xf32>
  // GENERIC: "cnn.leaky_relu"(%{{.*}}) <{alpha = 3.000000e-01 : f32}>
  %0 = cnn.leaky_relu %x : tensor<?x4x4x3xf32>
  // CHECK: cnn.leaky_relu %{{.*}} alpha = 2.000000e-01 : tensor<?x4x4x3xf32>
  %1 = cnn.leaky_relu %x alpha = 2.000000e-01 : tensor<?x4x4x3xf32>
  // CHECK: cnn.elu %{{.*}} : tensor<?x12xf32>
  // GENERIC: "cnn.elu"(%{{.*}}) <{alpha = 1.000000e+00 : f32}>
  %2 = cnn.elu %f : tensor<?x12xf32>
  // CHECK: cnn.elu %{{.*}} alpha = 5.000000e-01 : tensor<?x12xf32>
  %3 = cnn.elu %f alpha = 5.000000e-01 : tensor<?x12xf32>
  // CHECK: cnn.selu %{{.*}} : tensor<?x12xf32>
  // GENERIC: "cnn.selu"(%{{.*}}) : (tensor<?x12xf32>) -> tensor<?x12xf32>
  %4 = cnn.selu %f : tensor<?x12xf32>
  // CHECK: cnn.relu6 %{{.*}} : tensor<?x12xf32>
  %5 = cnn.relu6 %f : tensor<?x12xf32>
  // CHECK: cnn.silu %{{.*}} : tensor<?x12xf32>
  %6 = cnn.silu %f : tensor<?x12xf32>
  // CHECK: cnn.gelu %{{.*}} : tensor<?x12xf32>
  // GENERIC: "cnn.gelu"(%{{.*}}) : (tensor<?x12xf32>) -> tensor<?x12xf32>
  %7 = cnn.gelu %f : tensor<?x12xf32>
  // CHECK: cnn.gelu %{{.*}} approximate : tensor<?x12xf32>
  // GENERIC: "cnn.gelu"(%{{.*}}) <{approximate}>
  %8 = cnn.gelu %f approximate : tensor<?x12xf32>
  // CHECK: cnn.softplus %{{.*}} : tensor<?x12xf32>
  %9 = cnn.softplus %f : tensor<?x12xf32>
  // CHECK: cnn.hard_sigmoid %{{.*}} : tensor<?x12xf32>
  %10 = cnn.hard_sigmoid %f : tensor<?x12xf32>
  // CHECK: cnn.hard_swish %{{.*}} : tensor<?x4x4x3xf32>
  %11 = cnn.hard_swish %x : tensor<?x4x4x3xf32>
  return
}

// CHECK-LABEL: func.func @activation_grads
func.func @activation_grads(%v: tensor<?x12xf32>, %dy: tensor<?x12xf32>) {
  // CHECK: cnn.activation_grad leaky_relu %{{.*}}, %{{.*}} : tensor<?x12xf32>
  %0 = cnn.activation_grad leaky_relu %v, %dy : tensor<?x12xf32>
  // CHECK: cnn.activation_grad leaky_relu %{{.*}}, %{{.*}} alpha = 3.000000e-01 : tensor<?x12xf32>
  // GENERIC: "cnn.activation_grad"(%{{.*}}, %{{.*}}) <{activation = #cnn<activation leaky_relu>, alpha = 3.000000e-01 : f32}>
  %1 = cnn.activation_grad leaky_relu %v, %dy alpha = 3.000000e-01 : tensor<?x12xf32>
  // CHECK: cnn.activation_grad elu %{{.*}}, %{{.*}} alpha = 5.000000e-01 : tensor<?x12xf32>
  %2 = cnn.activation_grad elu %v, %dy alpha = 5.000000e-01 : tensor<?x12xf32>
  // CHECK: cnn.activation_grad gelu %{{.*}}, %{{.*}} approximate : tensor<?x12xf32>
  // GENERIC: "cnn.activation_grad"(%{{.*}}, %{{.*}}) <{activation = #cnn<activation gelu>, approximate}>
  %3 = cnn.activation_grad gelu %v, %dy approximate : tensor<?x12xf32>
  // CHECK: cnn.activation_grad selu
  %4 = cnn.activation_grad selu %v, %dy : tensor<?x12xf32>
  // CHECK: cnn.activation_grad relu6
  %5 = cnn.activation_grad relu6 %v, %dy : tensor<?x12xf32>
  // CHECK: cnn.activation_grad silu
  %6 = cnn.activation_grad silu %v, %dy : tensor<?x12xf32>
  // CHECK: cnn.activation_grad softplus
  %7 = cnn.activation_grad softplus %v, %dy : tensor<?x12xf32>
  // CHECK: cnn.activation_grad hard_sigmoid
  %8 = cnn.activation_grad hard_sigmoid %v, %dy : tensor<?x12xf32>
  // CHECK: cnn.activation_grad hard_swish
  %9 = cnn.activation_grad hard_swish %v, %dy : tensor<?x12xf32>
  return
}
