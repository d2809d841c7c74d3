module @m {
  func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %0 = math.exp %x : tensor<?x4xf32>
    return %0 : tensor<?x4xf32>
  }
}
