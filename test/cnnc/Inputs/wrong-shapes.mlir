func.func @forward(%x: tensor<?x28x28x1xf32>) -> tensor<?x10xf32> {
  %k = cnn.param "dense/kernel" : tensor<784x10xf32>
  %0 = cnn.dense %x, %k : tensor<?x28x28x1xf32>, tensor<784x10xf32>
  return %0 : tensor<?x10xf32>
}
