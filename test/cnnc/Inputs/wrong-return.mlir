func.func @forward(%x: tensor<?x28x28x1xf32>) -> tensor<?x10xf32> {
  %0 = cnn.relu %x : tensor<?x28x28x1xf32>
  return %0 : tensor<?x28x28x1xf32>
}
