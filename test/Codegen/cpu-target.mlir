// The kernel passes read the vector registers from the module's cnn.target
// (cnnc sets it for the CPU it compiles for); an explicit option wins.
// RUN: cnnc-opt %s --cnn-select-tiling | FileCheck %s
// RUN: cnnc-opt %s --cnn-select-tiling=vector-registers=16 | FileCheck %s --check-prefix=OPTION
// RUN: not cnnc-opt %s --cnn-select-tiling=vector-registers=2 2>&1 | FileCheck %s --check-prefix=REGISTERS

// 32 registers: 4 vectors x 6 rows; 16 (the option): 2 vectors x 6 rows.
// CHECK: module attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 32>}
// CHECK:   linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 6, vectors = 4, width = 8, parallel = true>
// OPTION:  linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = true>
// REGISTERS: error: cnn-select-tiling: vector-registers must be at least 4, got 2
module attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 32>} {
  func.func @conv(%x: tensor<?x13x13x32xf32>, %w: tensor<3x3x32x64xf32>, %init: tensor<?x11x11x64xf32>) -> tensor<?x11x11x64xf32> {
    %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
           ins(%x, %w : tensor<?x13x13x32xf32>, tensor<3x3x32x64xf32>) outs(%init : tensor<?x11x11x64xf32>) -> tensor<?x11x11x64xf32>
    return %0 : tensor<?x11x11x64xf32>
  }
}
