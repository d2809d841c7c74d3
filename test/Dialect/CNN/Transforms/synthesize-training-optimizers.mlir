// cnn-synthesize-training's optimizer options: which update it builds, the
// weight decay it passes (AdamW's Keras default 0.004), and the optimizer
// state layout (blocks of T = 10 trainable floats; the non-trainable
// parameter is neither updated nor given state).
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=adamw" | FileCheck %s --check-prefix=ADAMW
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=adamw weight-decay=0.1 beta1=0.8 beta2=0.99 epsilon=1e-5" \
// RUN:   | FileCheck %s --check-prefix=ADAMW-OPTS
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=adam" | FileCheck %s --check-prefix=ADAM
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=sgd weight-decay=0.01" | FileCheck %s --check-prefix=SGD
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=rmsprop" | FileCheck %s --check-prefix=RMSPROP
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=rmsprop rho=0.8 momentum=0.5 epsilon=1e-6" \
// RUN:   | FileCheck %s --check-prefix=MOMENTUM
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=rmsprop centered=true" | FileCheck %s --check-prefix=CENTERED
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=rmsprop momentum=0.5 centered=true" \
// RUN:   | FileCheck %s --check-prefix=BOTH

// AdamW: m then v (2T), weight decay 0.004 by default, over the trainable
// prefix [0, 10) of the 12 parameters.
// ADAMW-LABEL: func.func @tiny_train_step_impl(
// ADAMW-SAME:    %[[P:[^:]*]]: memref<12xf32>, %[[S:[^:]*]]: memref<20xf32>
// ADAMW:         %[[PT:.*]] = bufferization.to_tensor %[[P]]
// ADAMW:         %[[ST:.*]] = bufferization.to_tensor %[[S]]
// ADAMW:         %[[TRAINABLE:.*]] = tensor.extract_slice %[[PT]][0] [10] [1]
// ADAMW:         %[[M:.*]] = tensor.extract_slice %[[ST]][0] [10] [1]
// ADAMW:         %[[V:.*]] = tensor.extract_slice %[[ST]][10] [10] [1]
// ADAMW:         %[[NP:.*]], %[[NM:.*]], %[[NV:.*]] = cnn.adam_update %[[TRAINABLE]], %{{.*}}, %[[M]], %[[V]], {{.*}} beta1 = 0.899999976 beta2 = 9.990000e-01 epsilon = 1.000000e-07 weight_decay = 4.000000e-03
// ADAMW:         %[[S0:.*]] = tensor.insert_slice %[[NM]] into %[[ST]][0] [10] [1]
// ADAMW:         tensor.insert_slice %[[NV]] into %[[S0]][10] [10] [1]
// ADAMW:         tensor.insert_slice %[[NP]] into %[[PT]][0] [10] [1]

// ADAMW-OPTS: cnn.adam_update {{.*}} beta1 = 8.000000e-01 beta2 = 9.900000e-01 epsilon = 9.99999974E-6 weight_decay = 1.000000e-01

// Adam has no weight decay by default.
// ADAM:     cnn.adam_update
// ADAM-NOT: weight_decay
// ADAM-SAME: : tensor<10xf32>

// SGD keeps one velocity block and decays the weights when asked.
// SGD:  func.func @tiny_train_step_impl(%{{.*}}: memref<12xf32>, %{{.*}}: memref<10xf32>
// SGD:  cnn.sgd_update {{.*}} momentum = 0.000000e+00 weight_decay = 0.00999999977 : tensor<10xf32>

// Plain RMSprop: the velocity is the whole state (T) and no weight decay.
// RMSPROP-LABEL: func.func @tiny_train_step_impl(
// RMSPROP-SAME:    %{{[^:]*}}: memref<12xf32>, %[[S:[^:]*]]: memref<10xf32>
// RMSPROP:         %[[ST:.*]] = bufferization.to_tensor %[[S]]
// RMSPROP:         %[[NP:.*]], %[[NV:.*]] = cnn.rmsprop_update %{{.*}}, %{{.*}}, %[[ST]], %{{.*}} rho = 0.899999976 epsilon = 1.000000e-07 : tensor<10xf32>
// RMSPROP:         bufferization.materialize_in_destination %[[NV]] in restrict writable %[[S]]

// Momentum: velocity then the momentum buffer (2T).
// MOMENTUM:      memref<12xf32>, %[[S:[^:]*]]: memref<20xf32>
// MOMENTUM:      %[[ST:.*]] = bufferization.to_tensor %[[S]]
// MOMENTUM:      %[[V:.*]] = tensor.extract_slice %[[ST]][0] [10] [1]
// MOMENTUM:      %[[MB:.*]] = tensor.extract_slice %[[ST]][10] [10] [1]
// MOMENTUM:      cnn.rmsprop_update %{{.*}}, %{{.*}}, %[[V]], %{{.*}} momentum_buffer %[[MB]] rho = 8.000000e-01 momentum = 5.000000e-01 epsilon = 9.99999997E-7
// MOMENTUM-NOT:  average_gradient

// Centered without momentum: velocity then the average gradient (2T).
// CENTERED:      memref<12xf32>, %[[S:[^:]*]]: memref<20xf32>
// CENTERED:      %[[ST:.*]] = bufferization.to_tensor %[[S]]
// CENTERED:      %[[V:.*]] = tensor.extract_slice %[[ST]][0] [10] [1]
// CENTERED:      %[[AG:.*]] = tensor.extract_slice %[[ST]][10] [10] [1]
// CENTERED:      cnn.rmsprop_update %{{.*}}, %{{.*}}, %[[V]], %{{.*}} average_gradient %[[AG]] rho

// Both: velocity, momentum buffer, average gradient (3T), written back in
// that order.
// BOTH:      memref<12xf32>, %[[S:[^:]*]]: memref<30xf32>
// BOTH:      %[[ST:.*]] = bufferization.to_tensor %[[S]]
// BOTH:      %[[V:.*]] = tensor.extract_slice %[[ST]][0] [10] [1]
// BOTH:      %[[MB:.*]] = tensor.extract_slice %[[ST]][10] [10] [1]
// BOTH:      %[[AG:.*]] = tensor.extract_slice %[[ST]][20] [10] [1]
// BOTH:      %{{.*}}, %[[NV:.*]], %[[NB:.*]]:2 = cnn.rmsprop_update %{{.*}}, %{{.*}}, %[[V]], %{{.*}} momentum_buffer %[[MB]] average_gradient %[[AG]]
// BOTH:      %[[S0:.*]] = tensor.insert_slice %[[NV]] into %[[ST]][0] [10] [1]
// BOTH:      %[[S1:.*]] = tensor.insert_slice %[[NB]]#0 into %[[S0]][10] [10] [1]
// BOTH:      %[[S2:.*]] = tensor.insert_slice %[[NB]]#1 into %[[S1]][20] [10] [1]
// BOTH:      bufferization.materialize_in_destination %[[S2]] in restrict writable %[[S]]
module @tiny {
  func.func @forward(%x: tensor<?x2x2x1xf32>) -> tensor<?x2xf32> {
    %f = cnn.flatten %x : tensor<?x2x2x1xf32>
    %dk = cnn.param "dense/kernel" : tensor<4x2xf32>
    %db = cnn.param "dense/bias" : tensor<2xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32>
    %s = cnn.param "frozen/scale" trainable = false : tensor<2xf32>
    return %y : tensor<?x2xf32>
  }
}
