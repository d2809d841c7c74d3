// AdamW, SGD with weight decay and RMSprop (plain, momentum, centered) lower
// to one element-wise linalg.generic over the flat parameters that updates
// parameters and optimizer state in place.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not='= cnn.'

// AdamW: lr * wd once per step, the decay p - p * (lr wd) before the Adam
// step of the decayed parameter.
// CHECK-LABEL: func.func @adamw
// CHECK-SAME:    %[[LR:[^:]*]]: f32
// CHECK:         math.powf
// CHECK:         %[[WD:.*]] = arith.constant 4.000000e-03 : f32
// CHECK:         %[[DECAY:.*]] = arith.mulf %[[WD]], %[[LR]] : f32
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<10xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
// CHECK-NEXT:    ^bb0(%[[G:.*]]: f32, %[[P:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[PD:.*]] = arith.mulf %[[P]], %[[DECAY]]
// CHECK-NEXT:      %[[DECAYED:.*]] = arith.subf %[[P]], %[[PD]]
// CHECK:           math.sqrt
// CHECK:           %[[NEWP:.*]] = arith.subf %[[DECAYED]], %{{.*}}
// CHECK:           linalg.yield %[[NEWP]], %{{.*}}, %{{.*}} : f32, f32, f32
func.func @adamw(%p: tensor<10xf32>, %g: tensor<10xf32>, %m: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32, %t: i64) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) {
  %0:3 = cnn.adam_update %p, %g, %m, %v, %lr, %t beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-7 weight_decay = 0.004 : tensor<10xf32>
  return %0#0, %0#1, %0#2 : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>
}

// Without weight decay no decay is computed.
// CHECK-LABEL: func.func @adam_no_decay
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[G:.*]]: f32, %[[P:.*]]: f32, %[[M:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      arith.subf %[[G]], %[[M]]
func.func @adam_no_decay(%p: tensor<10xf32>, %g: tensor<10xf32>, %m: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32, %t: i64) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) {
  %0:3 = cnn.adam_update %p, %g, %m, %v, %lr, %t beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-7 : tensor<10xf32>
  return %0#0, %0#1, %0#2 : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>
}

// CHECK-LABEL: func.func @sgd_decay
// CHECK:         arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:         linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<10xf32>, tensor<10xf32>)
// CHECK-NEXT:    ^bb0(%{{.*}}: f32, %[[P:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      arith.mulf %[[P]]
// CHECK-NEXT:      arith.subf %[[P]]
func.func @sgd_decay(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) -> (tensor<10xf32>, tensor<10xf32>) {
  %0:2 = cnn.sgd_update %p, %g, %v, %lr momentum = 0.9 weight_decay = 0.01 : tensor<10xf32>
  return %0#0, %0#1 : tensor<10xf32>, tensor<10xf32>
}

// Plain RMSprop: v = rho v + (1 - rho) g^2; p -= lr g / sqrt(v + eps).
// CHECK-LABEL: func.func @rmsprop
// CHECK-SAME:    %[[LR:[^:]*]]: f32
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<10xf32>) outs(%{{.*}}, %{{.*}} : tensor<10xf32>, tensor<10xf32>)
// CHECK-NEXT:    ^bb0(%[[G:.*]]: f32, %[[P:.*]]: f32, %[[V:.*]]: f32):
// CHECK:           %[[RHO:.*]] = arith.constant 0.899999976 : f32
// CHECK:           %[[RV:.*]] = arith.mulf %[[RHO]], %[[V]]
// CHECK:           %[[ONEMRHO:.*]] = arith.constant 0.100000024 : f32
// CHECK:           %[[G2:.*]] = arith.mulf %[[G]], %[[G]]
// CHECK:           %[[NG2:.*]] = arith.mulf %[[ONEMRHO]], %[[G2]]
// CHECK:           %[[NEWV:.*]] = arith.addf %[[RV]], %[[NG2]]
// CHECK:           %[[EPS:.*]] = arith.constant 1.000000e-07 : f32
// CHECK:           %[[DEN:.*]] = arith.addf %[[NEWV]], %[[EPS]]
// CHECK:           %[[LRG:.*]] = arith.mulf %[[LR]], %[[G]]
// CHECK:           %[[ROOT:.*]] = math.sqrt %[[DEN]]
// CHECK:           %[[INC:.*]] = arith.divf %[[LRG]], %[[ROOT]]
// CHECK:           %[[NEWP:.*]] = arith.subf %[[P]], %[[INC]]
// CHECK:           linalg.yield %[[NEWP]], %[[NEWV]] : f32, f32
func.func @rmsprop(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %lr: f32) -> (tensor<10xf32>, tensor<10xf32>) {
  %0:2 = cnn.rmsprop_update %p, %g, %v, %lr rho = 0.9 epsilon = 1.0e-7 : tensor<10xf32>
  return %0#0, %0#1 : tensor<10xf32>, tensor<10xf32>
}

// Centered with momentum: the average gradient enters the denominator,
// the momentum buffer accumulates the increment and is what p loses.
// CHECK-LABEL: func.func @rmsprop_centered_momentum
// CHECK:         linalg.generic {{.*}} outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
// CHECK-NEXT:    ^bb0(%[[G:.*]]: f32, %[[P:.*]]: f32, %[[V:.*]]: f32, %[[MB:.*]]: f32, %[[AG:.*]]: f32):
// CHECK:           %[[NEWV:.*]] = arith.addf
// CHECK:           %[[NEWAG:.*]] = arith.addf
// CHECK:           %[[AG2:.*]] = arith.mulf %[[NEWAG]], %[[NEWAG]]
// CHECK:           %[[VAR:.*]] = arith.subf %[[NEWV]], %[[AG2]]
// CHECK:           %[[DEN:.*]] = arith.addf %[[VAR]]
// CHECK:           %[[ROOT:.*]] = math.sqrt %[[DEN]]
// CHECK:           %[[INC:.*]] = arith.divf %{{.*}}, %[[ROOT]]
// CHECK:           %[[MOM:.*]] = arith.mulf %{{.*}}, %[[MB]]
// CHECK:           %[[NEWMB:.*]] = arith.addf %[[MOM]], %[[INC]]
// CHECK:           %[[NEWP:.*]] = arith.subf %[[P]], %[[NEWMB]]
// CHECK:           linalg.yield %[[NEWP]], %[[NEWV]], %[[NEWMB]], %[[NEWAG]] : f32, f32, f32, f32
func.func @rmsprop_centered_momentum(%p: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>, %mb: tensor<10xf32>, %ag: tensor<10xf32>, %lr: f32) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) {
  %0:4 = cnn.rmsprop_update %p, %g, %v, %lr momentum_buffer %mb average_gradient %ag rho = 0.9 momentum = 0.5 epsilon = 1.0e-7 : tensor<10xf32>
  return %0#0, %0#1, %0#2, %0#3 : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>
}
