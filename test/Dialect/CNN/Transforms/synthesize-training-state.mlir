// Training synthesis with model state and random layers: batch_norm runs in
// its training form (batch statistics) and its moving statistics are
// updated with Keras's moving average; dropout draws its mask from the
// step's seed and step, one random stream per layer (rate 0 takes none).
// The optimizer updates only the trainable prefix of the parameter buffer;
// the state after it is written last. evaluate and forward stay in
// inference mode.
// RUN: cnnc-opt %s --cnn-synthesize-training | FileCheck %s
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=sgd" | FileCheck %s --check-prefix=SGD

// Parameters: conv/kernel 36, bn/gamma 4, bn/beta 4, dense/kernel 256
// (trainable: 300), then bn/moving_mean 4, bn/moving_variance 4 (308).
// CHECK-LABEL: func.func @state_train_step_impl(
// CHECK-SAME:    %[[P:.*]]: memref<308xf32>, %[[S:.*]]: memref<600xf32>, %{{.*}}: memref<?x4x4x1xf32>, %{{.*}}: memref<?xi32>,
// CHECK-SAME:    %[[LR:.*]]: f32, %[[STEP:[^:]*]]: i64, %[[SEED:[^:]*]]: i64, %{{.*}}: memref<f32>, %{{.*}}: memref<i64>)
// CHECK:         %[[PT:.*]] = bufferization.to_tensor %[[P]]
// CHECK:         %[[MEANVIEW:.*]] = tensor.extract_slice %[[PT]][300] [4] [1]
// CHECK:         %[[VARVIEW:.*]] = tensor.extract_slice %[[PT]][304] [4] [1]
// CHECK:         %[[C:.*]] = cnn.conv2d
// CHECK:         %[[Y:.*]], %[[BM:.*]], %[[BV:.*]] = cnn.batch_norm_train %[[C]] gamma = %{{.*}} beta = %{{.*}} epsilon = 1.000000e-03
// CHECK:         %[[NEWMEAN:.*]] = cnn.moving_average %[[MEANVIEW]], %[[BM]] momentum = 0.98999999999999999
// CHECK:         %[[NEWVAR:.*]] = cnn.moving_average %[[VARVIEW]], %[[BV]] momentum = 0.98999999999999999
// CHECK:         %[[R:.*]] = cnn.relu %[[Y]]
// CHECK:         %[[D1:.*]] = cnn.dropout_train %[[R]], %[[SEED]], %[[STEP]] rate = 5.000000e-01 stream = 0 :
// CHECK-NOT:     cnn.dropout_train {{.*}}rate = 0.0
// CHECK:         %[[F:.*]] = cnn.flatten
// CHECK:         %[[D2:.*]] = cnn.dropout_train %{{.*}}, %[[SEED]], %[[STEP]] rate = 2.500000e-01 stream = 1 layer_seed = 9 :
// CHECK:         cnn.loss sparse_categorical_crossentropy
// The backward pass re-applies each mask (the same op, key and stream on
// the gradient) and differentiates batch_norm_train into x, gamma and beta.
// CHECK:         cnn.dropout_train %{{.*}}, %[[SEED]], %[[STEP]] rate = 2.500000e-01 stream = 1 layer_seed = 9 :
// CHECK:         cnn.dropout_train %{{.*}}, %[[SEED]], %[[STEP]] rate = 5.000000e-01 stream = 0 :
// CHECK:         cnn.activation_grad relu %[[R]]
// CHECK:         %[[DX:.*]], %[[DG:.*]], %[[DB:.*]] = cnn.batch_norm_grad %{{.*}}, %[[C]], %[[BM]], %[[BV]] gamma = %{{.*}} epsilon = 1.000000e-03
// CHECK:         cnn.conv2d_grad_filter %{{.*}}, %[[DX]]
// CHECK:         tensor.insert_slice %[[DG]] into %{{.*}}[36] [4] [1] : tensor<4xf32> into tensor<300xf32>
// CHECK:         tensor.insert_slice %[[DB]] into %{{.*}}[40] [4] [1] : tensor<4xf32> into tensor<300xf32>
// The new state goes behind the trainable prefix of the parameters (the
// step's state updates, as compute_gradients writes them); the optimizer
// sees the 300 trainable values only (Adam state: 2 x 300).
// CHECK:         %[[WITHM:.*]] = tensor.insert_slice %[[NEWMEAN]] into %[[PT]][300] [4] [1]
// CHECK:         %[[WITHV:.*]] = tensor.insert_slice %[[NEWVAR]] into %[[WITHM]][304] [4] [1]
// CHECK:         %[[NP:.*]], %{{.*}}, %{{.*}} = cnn.adam_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[LR]], %[[STEP]] {{.*}} : tensor<300xf32>
// CHECK:         %[[WITHP:.*]] = tensor.insert_slice %[[NP]] into %[[WITHV]][0] [300] [1] : tensor<300xf32> into tensor<308xf32>
// CHECK:         bufferization.materialize_in_destination %[[WITHP]] in restrict writable %[[P]]

// CHECK-LABEL: func.func @state_evaluate_impl(
// CHECK-NOT:     cnn.batch_norm_train
// CHECK-NOT:     cnn.dropout_train
// CHECK:         cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} gamma = %{{.*}} beta = %{{.*}} :
// CHECK:         cnn.dropout %{{.*}} rate = 5.000000e-01
// CHECK:         cnn.loss

// With SGD, one velocity per trainable value; the state is still written
// after the update.
// SGD-LABEL: func.func @state_train_step_impl(
// SGD-SAME:    memref<308xf32>, %{{.*}}: memref<300xf32>
// SGD:         cnn.sgd_update {{.*}} : tensor<300xf32>
// SGD:         tensor.insert_slice %{{.*}} into %{{.*}}[300] [4] [1] : tensor<4xf32> into tensor<308xf32>
// SGD:         tensor.insert_slice %{{.*}} into %{{.*}}[304] [4] [1] : tensor<4xf32> into tensor<308xf32>
module @state {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x4xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x4xf32>
    %c = cnn.conv2d %x, %k padding = same : tensor<?x4x4x1xf32>, tensor<3x3x1x4xf32>
    %g = cnn.param "bn/gamma" init = ones : tensor<4xf32>
    %b = cnn.param "bn/beta" : tensor<4xf32>
    %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
    %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
    %y = cnn.batch_norm %c, %m, %v gamma = %g beta = %b : tensor<?x4x4x4xf32>
    %r = cnn.relu %y : tensor<?x4x4x4xf32>
    %d1 = cnn.dropout %r rate = 0.5 : tensor<?x4x4x4xf32>
    %d0 = cnn.dropout %d1 rate = 0.0 : tensor<?x4x4x4xf32>
    %f = cnn.flatten %d0 : tensor<?x4x4x4xf32>
    %d2 = cnn.dropout %f rate = 0.25 seed = 9 : tensor<?x64xf32>
    %dk = cnn.param "dense/kernel" : tensor<64x4xf32>
    %o = cnn.dense %d2, %dk : tensor<?x64xf32>, tensor<64x4xf32>
    return %o : tensor<?x4xf32>
  }
}
