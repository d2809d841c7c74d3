// RUN: cnnc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{cpu_target vector_width must be a power of two from 1 to 64, got 6}}
module attributes {cnn.target = #cnn.cpu_target<vector_width = 6, vector_registers = 16>} {
}

// -----

// expected-error @+1 {{cpu_target vector_registers must be from 4 to 256, got 2}}
module attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 2>} {
}

// -----

// expected-error @+1 {{'cnn.target' must be a #cnn.cpu_target, got "avx2"}}
module attributes {cnn.target = "avx2"} {
}

// -----

module {
  // expected-error @+1 {{'cnn.target' belongs on a module}}
  func.func @f() attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 16>} {
    return
  }
}
