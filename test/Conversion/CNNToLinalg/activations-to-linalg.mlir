// The activations lower to one element-wise linalg.generic each (fused ones
// on the layer's accumulator), with formulas that neither overflow nor lose
// small values; activation_grad lowers to the derivative of its kind.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not=cnn.

// A fused gelu is the exact one, x * (1 + erf(x / sqrt(2))) / 2, on the
// convolution's result, in place.
// CHECK-LABEL: func.func @conv_gelu
// CHECK:         %[[CONV:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK:         linalg.generic {{.*}} ins(%[[CONV]] : tensor<?x3x3x2xf32>) outs(%[[CONV]] : tensor<?x3x3x2xf32>)
// CHECK:           ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[HALF_SQRT2:.*]] = arith.constant 0.707106769 : f32
// CHECK:           %[[U:.*]] = arith.mulf %[[X]], %[[HALF_SQRT2]] : f32
// CHECK:           %[[ERF:.*]] = math.erf %[[U]] : f32
// CHECK:           %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:           %[[SUM:.*]] = arith.addf %[[ERF]], %[[ONE]] : f32
// CHECK:           %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:           %[[CDF:.*]] = arith.mulf %[[SUM]], %[[HALF]] : f32
// CHECK:           arith.mulf %[[X]], %[[CDF]] : f32
func.func @conv_gelu(%x: tensor<?x5x5x2xf32>, %k: tensor<3x3x2x2xf32>) -> tensor<?x3x3x2xf32> {
  %0 = cnn.conv2d %x, %k activation = gelu : tensor<?x5x5x2xf32>, tensor<3x3x2x2xf32>
  return %0 : tensor<?x3x3x2xf32>
}

// A fused leaky_relu has the function's slope 0.2 and selects on the sign.
// CHECK-LABEL: func.func @dense_leaky_relu
// CHECK:         %[[MM:.*]] = linalg.matmul
// CHECK:         linalg.generic {{.*}} outs(%[[MM]] : tensor<?x3xf32>)
// CHECK:           %[[NONNEG:.*]] = arith.cmpf oge, %[[X:.*]], %{{.*}} : f32
// CHECK:           %[[SLOPE:.*]] = arith.constant 2.000000e-01 : f32
// CHECK:           %[[NEG:.*]] = arith.mulf %[[SLOPE]], %[[X]] : f32
// CHECK:           arith.select %[[NONNEG]], %[[X]], %[[NEG]] : f32
func.func @dense_leaky_relu(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>) -> tensor<?x3xf32> {
  %0 = cnn.dense %x, %k activation = leaky_relu : tensor<?x6xf32>, tensor<6x3xf32>
  return %0 : tensor<?x3xf32>
}

// SELU: scale * (x > 0 ? x : alpha * expm1(min(x, 0))) with Keras's
// constants; the exponential never sees a positive argument.
// CHECK-LABEL: func.func @selu
// CHECK:         linalg.generic
// CHECK:           %[[NEG:.*]] = arith.minimumf %[[X:.*]], %{{.*}} : f32
// CHECK:           %[[EXPM1:.*]] = math.expm1 %[[NEG]] : f32
// CHECK:           %[[ALPHA:.*]] = arith.constant 1.67326319 : f32
// CHECK:           %[[TAIL:.*]] = arith.mulf %[[ALPHA]], %[[EXPM1]] : f32
// CHECK:           %[[POS:.*]] = arith.cmpf ogt, %[[X]]
// CHECK:           %[[ELU:.*]] = arith.select %[[POS]], %[[X]], %[[TAIL]] : f32
// CHECK:           %[[SCALE:.*]] = arith.constant 1.05070102 : f32
// CHECK:           arith.mulf %[[SCALE]], %[[ELU]] : f32
func.func @selu(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = cnn.selu %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// Standalone layers use their own parameters: LeakyReLU's 0.3, alpha 0.5
// for elu, the tanh gelu as x * sigmoid(2u) (no 1 + tanh cancellation).
// CHECK-LABEL: func.func @parameters
// CHECK:         linalg.generic
// CHECK:           arith.constant 3.000000e-01 : f32
// CHECK:         linalg.generic
// CHECK:           math.expm1
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:         linalg.generic
// CHECK:           arith.constant 4.471500e-02 : f32
// CHECK:           arith.constant 1.59576917 : f32
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK-NOT:       math.tanh
func.func @parameters(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = cnn.leaky_relu %x : tensor<?x4xf32>
  %1 = cnn.elu %x alpha = 5.000000e-01 : tensor<?x4xf32>
  %2 = cnn.gelu %x approximate : tensor<?x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// softplus = max(x, 0) + log1p(exp(-|x|)); hard_sigmoid = min(max(x + 3,
// 0), 6) / 6; hard_swish multiplies by x; relu6 clamps; silu = x sigmoid(x).
// CHECK-LABEL: func.func @others
// CHECK:         linalg.generic
// CHECK:           %[[ABS:.*]] = math.absf
// CHECK:           %[[NABS:.*]] = arith.negf %[[ABS]]
// CHECK:           %[[E:.*]] = math.exp %[[NABS]]
// CHECK:           %[[POS:.*]] = arith.maximumf
// CHECK:           %[[L:.*]] = math.log1p %[[E]]
// CHECK:           arith.addf %[[POS]], %[[L]]
// CHECK:         linalg.generic
// CHECK:           arith.constant 3.000000e+00 : f32
// CHECK:           arith.maximumf
// CHECK:           arith.constant 6.000000e+00 : f32
// CHECK:           arith.minimumf
// CHECK:           arith.constant 0.166666672 : f32
// CHECK:         linalg.generic
// CHECK:           arith.minimumf
// CHECK:           %[[HS:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           arith.mulf %[[X:.*]], %[[HS]] : f32
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK:           arith.minimumf
// CHECK-NOT:       arith.mulf
// CHECK:         linalg.generic
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.mulf
func.func @others(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = cnn.softplus %x : tensor<?x4xf32>
  %1 = cnn.hard_sigmoid %x : tensor<?x4xf32>
  %2 = cnn.hard_swish %x : tensor<?x4xf32>
  %3 = cnn.relu6 %x : tensor<?x4xf32>
  %4 = cnn.silu %x : tensor<?x4xf32>
  return %0, %1, %2, %3, %4 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// Gradients from the output: elu's slope below 0 is y + alpha, softplus's
// is -expm1(-y), relu6's is 1 strictly inside (0, 6).
// CHECK-LABEL: func.func @grads_from_output
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[Y:.*]]: f32, %[[DY:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[POS:.*]] = arith.cmpf ogt, %[[Y]]
// CHECK:           %[[A:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:           %[[SLOPE:.*]] = arith.addf %[[Y]], %[[A]]
// CHECK:           %[[G:.*]] = arith.mulf %[[SLOPE]], %[[DY]]
// CHECK:           arith.select %[[POS]], %[[DY]], %[[G]]
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[Y2:.*]]: f32, %[[DY2:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[NY:.*]] = arith.negf %[[Y2]]
// CHECK:           %[[M:.*]] = math.expm1 %[[NY]]
// CHECK:           %[[S:.*]] = arith.negf %[[M]]
// CHECK:           arith.mulf %[[DY2]], %[[S]]
// CHECK:         linalg.generic
// CHECK:           arith.cmpf ogt
// CHECK:           arith.cmpf olt
// CHECK:           arith.andi
// CHECK:           arith.select
func.func @grads_from_output(%y: tensor<?x4xf32>, %dy: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = cnn.activation_grad elu %y, %dy alpha = 5.000000e-01 : tensor<?x4xf32>
  %1 = cnn.activation_grad softplus %y, %dy : tensor<?x4xf32>
  %2 = cnn.activation_grad relu6 %y, %dy : tensor<?x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// Gradients from the input: gelu's Phi(x) + x phi(x), silu's
// s (1 + x (1 - s)), hard_swish's three pieces.
// CHECK-LABEL: func.func @grads_from_input
// CHECK:         linalg.generic
// CHECK:           arith.constant 0.398942292 : f32
// CHECK:           math.exp
// CHECK:           math.erf
// CHECK:         linalg.generic
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.subf
// CHECK:         linalg.generic
// CHECK:           arith.cmpf oge, %{{.*}}, %{{.*}} : f32
// CHECK:           arith.cmpf ole, %{{.*}}, %{{.*}} : f32
func.func @grads_from_input(%x: tensor<?x4xf32>, %dy: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = cnn.activation_grad gelu %x, %dy : tensor<?x4xf32>
  %1 = cnn.activation_grad silu %x, %dy : tensor<?x4xf32>
  %2 = cnn.activation_grad hard_swish %x, %dy : tensor<?x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}
