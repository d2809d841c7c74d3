// Non-trainable parameters (`trainable = false`, a frozen layer): laid out
// after the trainable ones, they get no gradient, the optimizer and its state
// cover only the trainable prefix, and without a layer that updates them the
// step writes back nothing but the prefix.
// RUN: cnnc-opt %s --cnn-synthesize-training | FileCheck %s
// RUN: cnnc-opt %s --cnn-synthesize-training="optimizer=sgd" | FileCheck %s --check-prefix=SGD

// Parameters: dense/kernel [0, 4), dense/bias [4, 6) are trainable (6
// floats); conv/kernel (18) and conv/bias (2), declared first, are frozen
// and follow at [6, 26). Adam keeps m and v for the 6 trainable floats.
// CHECK-LABEL: func.func @frozen_train_step_impl(
// CHECK-SAME:    %[[P:[^:]*]]: memref<26xf32>, %[[S:[^:]*]]: memref<12xf32>
// CHECK:         %[[PT:.*]] = bufferization.to_tensor %[[P]] restrict writable
// The frozen convolution reads its tensors at offsets 6 and 24.
// CHECK:         tensor.extract_slice %[[PT]][6] [18] [1]
// CHECK:         tensor.extract_slice %[[PT]][24] [2] [1]
// No gradient reaches the frozen convolution.
// CHECK-NOT:     cnn.conv2d_grad_filter
// CHECK:         %[[G:.*]] = tensor.empty() : tensor<6xf32>
// CHECK:         %[[PREFIX:.*]] = tensor.extract_slice %[[PT]][0] [6] [1]
// CHECK:         %[[NP:.*]], %{{.*}}, %{{.*}} = cnn.adam_update %[[PREFIX]],
// CHECK-SAME:      : tensor<6xf32>
// CHECK:         %[[ALL:.*]] = tensor.insert_slice %[[NP]] into %[[PT]][0] [6] [1]
// CHECK:         bufferization.materialize_in_destination %[[ALL]] in restrict writable %[[P]]

// SGD: func.func @frozen_train_step_impl(%{{[^:]*}}: memref<26xf32>, %{{[^:]*}}: memref<6xf32>
// SGD: cnn.sgd_update {{.*}} : tensor<6xf32>
module @frozen {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x2xf32> {
    %k = cnn.param "conv/kernel" trainable = false : tensor<3x3x1x2xf32>
    %b = cnn.param "conv/bias" trainable = false : tensor<2xf32>
    %c = cnn.conv2d %x, %k, %b activation = relu : tensor<?x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>
    %p = cnn.max_pool2d %c window = [2, 2] : tensor<?x2x2x2xf32>
    %f = cnn.flatten %p : tensor<?x1x1x2xf32>
    %dk = cnn.param "dense/kernel" : tensor<2x2xf32>
    %db = cnn.param "dense/bias" : tensor<2xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>
    return %y : tensor<?x2xf32>
  }
}
