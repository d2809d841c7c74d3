// Every activation, fused into conv2d/dense and as standalone layers (with
// and without the fused form's parameters): the summary in
// activations-summary.test and the PTX in test/GPU/activations-ptxas.test.
module @activations {
  func.func @forward(%x: tensor<?x8x8x3xf32>) -> tensor<?x10xf32> {
    %k0 = cnn.param "c0/kernel" : tensor<3x3x3x4xf32>
    %b0 = cnn.param "c0/bias" : tensor<4xf32>
    %c0 = cnn.conv2d %x, %k0, %b0 padding = same activation = leaky_relu
        : tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32>
    %k1 = cnn.param "c1/kernel" : tensor<3x3x4x4xf32>
    %c1 = cnn.conv2d %c0, %k1 padding = same activation = elu
        : tensor<?x8x8x4xf32>, tensor<3x3x4x4xf32>
    %k2 = cnn.param "c2/kernel" : tensor<3x3x4x4xf32>
    %c2 = cnn.conv2d %c1, %k2 padding = same activation = selu
        : tensor<?x8x8x4xf32>, tensor<3x3x4x4xf32>
    %k3 = cnn.param "c3/kernel" : tensor<3x3x4x4xf32>
    %c3 = cnn.conv2d %c2, %k3 padding = same activation = relu6
        : tensor<?x8x8x4xf32>, tensor<3x3x4x4xf32>
    %k4 = cnn.param "c4/kernel" : tensor<3x3x4x4xf32>
    %c4 = cnn.conv2d %c3, %k4 padding = same activation = silu
        : tensor<?x8x8x4xf32>, tensor<3x3x4x4xf32>
    %k5 = cnn.param "c5/kernel" : tensor<3x3x4x4xf32>
    %c5 = cnn.conv2d %c4, %k5 padding = same activation = gelu
        : tensor<?x8x8x4xf32>, tensor<3x3x4x4xf32>
    %s0 = cnn.leaky_relu %c5 : tensor<?x8x8x4xf32>
    %s1 = cnn.elu %s0 alpha = 5.000000e-01 : tensor<?x8x8x4xf32>
    %s2 = cnn.gelu %s1 approximate : tensor<?x8x8x4xf32>
    %s3 = cnn.softplus %s2 : tensor<?x8x8x4xf32>
    %p = cnn.max_pool2d %s3 window = [2, 2] : tensor<?x8x8x4xf32>
    %f = cnn.flatten %p : tensor<?x4x4x4xf32>
    %k6 = cnn.param "d0/kernel" : tensor<64x16xf32>
    %b6 = cnn.param "d0/bias" : tensor<16xf32>
    %d0 = cnn.dense %f, %k6, %b6 activation = softplus
        : tensor<?x64xf32>, tensor<64x16xf32>, tensor<16xf32>
    %k7 = cnn.param "d1/kernel" : tensor<16x16xf32>
    %d1 = cnn.dense %d0, %k7 activation = hard_sigmoid
        : tensor<?x16xf32>, tensor<16x16xf32>
    %k8 = cnn.param "d2/kernel" : tensor<16x16xf32>
    %d2 = cnn.dense %d1, %k8 activation = hard_swish
        : tensor<?x16xf32>, tensor<16x16xf32>
    %t0 = cnn.selu %d2 : tensor<?x16xf32>
    %t1 = cnn.relu6 %t0 : tensor<?x16xf32>
    %t2 = cnn.silu %t1 : tensor<?x16xf32>
    %t3 = cnn.hard_sigmoid %t2 : tensor<?x16xf32>
    %t4 = cnn.hard_swish %t3 : tensor<?x16xf32>
    %t5 = cnn.sigmoid %t4 : tensor<?x16xf32>
    %t6 = cnn.tanh %t5 : tensor<?x16xf32>
    %k9 = cnn.param "d3/kernel" : tensor<16x10xf32>
    %b9 = cnn.param "d3/bias" : tensor<10xf32>
    %y = cnn.dense %t6, %k9, %b9
        : tensor<?x16xf32>, tensor<16x10xf32>, tensor<10xf32>
    return %y : tensor<?x10xf32>
  }
}
