func.func @f(%x: tensor<?x8x8x1xf32>) -> tensor<?x4x4x1xf32> {
  %0 = cnn.max_pool2d %x window = [2, 2] padding = sideways : tensor<?x8x8x1xf32>
  return %0 : tensor<?x4x4x1xf32>
}
