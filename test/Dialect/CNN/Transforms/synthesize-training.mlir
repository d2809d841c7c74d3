// Training-step synthesis on a small model: forward, loss, reverse-order
// gradient rules (no gradient for the images), one flat gradient, one
// optimizer update over all parameters, results in the caller's buffers.
// RUN: cnnc-opt %s --cnn-synthesize-training | FileCheck %s
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=sgd momentum=0.9 nesterov=true loss=mean_squared_error" \
// RUN:   | FileCheck %s --check-prefix=SGD
// RUN: not cnnc-opt %s --cnn-synthesize-training="optimizer=adagrad" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not cnnc-opt %s --cnn-synthesize-training="loss=hinge" 2>&1 | FileCheck %s --check-prefix=BADLOSS

// CHECK-LABEL: func.func @tiny_train_step_impl(
// CHECK-SAME:    %[[P:.*]]: memref<26xf32>, %[[S:.*]]: memref<52xf32>, %[[X:.*]]: memref<?x4x4x1xf32>, %[[L:.*]]: memref<?xi32>,
// CHECK-SAME:    %[[LR:.*]]: f32, %[[STEP:[^:]*]]: i64, %[[SEED:[^:]*]]: i64, %[[LOSS:.*]]: memref<f32>, %[[CORRECT:.*]]: memref<i64>)
// CHECK-SAME:    attributes {cnn.c_batch_position = 4 : i64, cnn.entry = "train_step", cnn.num_classes = 2 : i64}
// CHECK:         %[[PT:.*]] = bufferization.to_tensor %[[P]] restrict writable
// CHECK:         %[[ST:.*]] = bufferization.to_tensor %[[S]] restrict writable
// CHECK:         %[[C:.*]] = cnn.conv2d
// CHECK:         %[[POOL:.*]] = cnn.max_pool2d %[[C]]
// CHECK:         %[[F:.*]] = cnn.flatten %[[POOL]]
// CHECK:         %[[Y:.*]] = cnn.dense %[[F]], %[[DK:[^,]*]], %{{.*}}
// CHECK:         %[[LOSSV:.*]], %[[DY:.*]] = cnn.loss sparse_categorical_crossentropy %[[Y]]
// CHECK:         %[[NC:.*]] = cnn.count_correct %[[Y]]
// CHECK:         cnn.matmul %[[DY]], %[[DK]] transpose_rhs
// CHECK:         cnn.matmul %[[F]], %[[DY]] transpose_lhs
// CHECK:         cnn.reduce_to_channels %[[DY]]
// CHECK:         %[[DPOOL:.*]] = cnn.reshape
// CHECK:         %[[DC:.*]] = cnn.pool2d_grad max %[[C]], %[[DPOOL]] window = [2, 2] strides = [2, 2] padding = valid
// CHECK:         %[[DA:.*]] = cnn.activation_grad relu %[[C]], %[[DC]]
// CHECK-NOT:     cnn.conv2d_grad_input
// CHECK:         cnn.conv2d_grad_filter %{{.*}}, %[[DA]] strides = [1, 1] dilations = [1, 1] padding = valid
// CHECK:         cnn.reduce_to_channels %[[DA]]
// CHECK-COUNT-4: tensor.insert_slice
// CHECK:         %[[NP:.*]], %[[NM:.*]], %[[NV:.*]] = cnn.adam_update %[[PT]], %{{.*}}, %{{.*}}, %{{.*}}, %[[LR]], %[[STEP]] beta1 = 0.899999976 beta2 = 9.990000e-01 epsilon = 1.000000e-07
// CHECK:         bufferization.materialize_in_destination %[[NP]] in restrict writable %[[P]]
// CHECK:         bufferization.materialize_in_destination %{{.*}} in restrict writable %[[S]]
// CHECK:         bufferization.materialize_in_destination %[[LOSSV]] in restrict writable %[[LOSS]]
// CHECK:         bufferization.materialize_in_destination %[[NC]] in restrict writable %[[CORRECT]]

// The split step: the same gradient, stored instead of applied (with the
// batch-mean loss and count), and the same update from a given gradient.
// CHECK-LABEL: func.func @tiny_compute_gradients_impl(
// CHECK-SAME:    %[[CP:[^:]*]]: memref<26xf32>, %{{[^:]*}}: memref<?x4x4x1xf32>, %{{[^:]*}}: memref<?xi32>, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %[[CG:[^:]*]]: memref<26xf32>, %[[CL:[^:]*]]: memref<f32>, %[[CC:[^:]*]]: memref<i64>)
// CHECK-SAME:    attributes {cnn.c_batch_position = 3 : i64, cnn.entry = "compute_gradients", cnn.num_classes = 2 : i64}
// CHECK:         cnn.loss sparse_categorical_crossentropy
// CHECK:         cnn.conv2d_grad_filter
// CHECK-NOT:     cnn.adam_update
// CHECK:         bufferization.materialize_in_destination %{{.*}} in restrict writable %[[CG]]
// CHECK-LABEL: func.func @tiny_apply_gradients_impl(
// CHECK-SAME:    %{{[^:]*}}: memref<26xf32>, %{{[^:]*}}: memref<52xf32>, %[[AG:[^:]*]]: memref<26xf32>, %{{[^:]*}}: f32, %{{[^:]*}}: i64)
// CHECK-SAME:    attributes {cnn.entry = "apply_gradients"}
// CHECK:         %[[G:.*]] = bufferization.to_tensor %[[AG]] restrict
// CHECK-NOT:     cnn.loss
// CHECK:         cnn.adam_update %{{.*}}, %[[G]],

// CHECK-LABEL: func.func @tiny_evaluate_impl(
// CHECK-SAME:    memref<26xf32>, %{{.*}}: memref<?x4x4x1xf32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<f32>, %{{.*}}: memref<i64>)
// CHECK-SAME:    attributes {cnn.c_batch_position = 3 : i64, cnn.entry = "evaluate", cnn.num_classes = 2 : i64}
// CHECK:         cnn.loss sparse_categorical_crossentropy
// CHECK:         cnn.count_correct
// CHECK-NOT:     cnn.adam_update
// The forward function is left for cnn-synthesize-entry-points.
// CHECK:       func.func @forward

// SGD keeps one velocity per parameter.
// SGD: func.func @tiny_train_step_impl(%{{.*}}: memref<26xf32>, %{{.*}}: memref<26xf32>
// SGD: cnn.loss mean_squared_error
// SGD: cnn.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} momentum = 0.899999976 nesterov

// BADOPT: error: unknown optimizer 'adagrad' (expected adam, adamw, sgd or rmsprop)
// BADLOSS: error: unknown loss 'hinge'
module @tiny {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x2xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x2xf32>
    %b = cnn.param "conv/bias" : tensor<2xf32>
    %c = cnn.conv2d %x, %k, %b activation = relu : tensor<?x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>
    %p = cnn.max_pool2d %c window = [2, 2] : tensor<?x2x2x2xf32>
    %f = cnn.flatten %p : tensor<?x1x1x2xf32>
    %dk = cnn.param "dense/kernel" : tensor<2x2xf32>
    %db = cnn.param "dense/bias" : tensor<2xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>
    return %y : tensor<?x2xf32>
  }
}
