module @huge_tensor {
  func.func @forward(%x: tensor<?x1048576x1048576x2xf32>) -> tensor<?x2199023255552xf32> {
    %f = cnn.flatten %x : tensor<?x1048576x1048576x2xf32>
    return %f : tensor<?x2199023255552xf32>
  }
}
