// The forward function becomes a buffer-based entry point; parameters become
// slices of one flat buffer in declaration order.
// RUN: cnnc-opt %s --cnn-synthesize-entry-points --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @tiny_forward_impl
// CHECK-SAME:    (%[[PARAMS:.*]]: memref<38xf32>, %[[IMAGES:.*]]: memref<?x4x4x1xf32>, %[[LOGITS:.*]]: memref<?x2xf32>)
// CHECK-SAME:    attributes {cnn.c_batch_position = 2 : i64, cnn.entry = "forward"}
// CHECK:         %[[P:.*]] = bufferization.to_tensor %[[PARAMS]] restrict : memref<38xf32> to tensor<38xf32>
// CHECK:         %[[X:.*]] = bufferization.to_tensor %[[IMAGES]] restrict : memref<?x4x4x1xf32> to tensor<?x4x4x1xf32>
// CHECK:         %[[KS:.*]] = tensor.extract_slice %[[P]][0] [18] [1] : tensor<38xf32> to tensor<18xf32>
// CHECK:         %[[K:.*]] = tensor.expand_shape %[[KS]] {{\[\[}}0, 1, 2, 3]] output_shape [3, 3, 1, 2] : tensor<18xf32> into tensor<3x3x1x2xf32>
// CHECK:         %[[B:.*]] = tensor.extract_slice %[[P]][18] [2] [1] : tensor<38xf32> to tensor<2xf32>
// CHECK:         %[[DS:.*]] = tensor.extract_slice %[[P]][20] [16] [1] : tensor<38xf32> to tensor<16xf32>
// CHECK:         %[[D:.*]] = tensor.expand_shape %[[DS]] {{\[\[}}0, 1]] output_shape [8, 2] : tensor<16xf32> into tensor<8x2xf32>
// CHECK:         %[[DB:.*]] = tensor.extract_slice %[[P]][36] [2] [1] : tensor<38xf32> to tensor<2xf32>
// CHECK:         %[[C:.*]] = cnn.conv2d %[[X]], %[[K]], %[[B]] activation = relu
// CHECK:         %[[F:.*]] = cnn.flatten %[[C]]
// CHECK:         %[[Y:.*]] = cnn.dense %[[F]], %[[D]], %[[DB]]
// CHECK:         bufferization.materialize_in_destination %[[Y]] in restrict writable %[[LOGITS]]
// CHECK:         return
// CHECK-NOT:   func.func @forward
// CHECK-NOT:   cnn.param
module @tiny {
  func.func @forward(%x: tensor<?x4x4x1xf32>) -> tensor<?x2xf32> {
    %k = cnn.param "conv/kernel" : tensor<3x3x1x2xf32>
    %b = cnn.param "conv/bias" : tensor<2xf32>
    %c = cnn.conv2d %x, %k, %b activation = relu : tensor<?x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>
    %f = cnn.flatten %c : tensor<?x2x2x2xf32>
    %dk = cnn.param "dense/kernel" : tensor<8x2xf32>
    %db = cnn.param "dense/bias" : tensor<2xf32>
    %y = cnn.dense %f, %dk, %db : tensor<?x8xf32>, tensor<8x2xf32>, tensor<2xf32>
    return %y : tensor<?x2xf32>
  }
}

// -----

// Without a module name the model-name option names the entry point; a
// model without parameters gets an empty parameter buffer.
// CHECK-LABEL: func.func @model_forward_impl
// CHECK-SAME:    memref<0xf32>, %{{.*}}: memref<?x3xf32>, %{{.*}}: memref<?x3xf32>
// CHECK:         cnn.softmax
module {
  func.func @forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    %y = cnn.softmax %x : tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}
