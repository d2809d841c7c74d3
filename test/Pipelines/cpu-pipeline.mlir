// The whole CPU pipeline lowers the reference model to the LLVM dialect.
// `cnnc --emit=cnn` records the CPU's vector registers in the module
// (cnn.target); cnnc-opt's pipeline on that module prints exactly what
// `cnnc --emit=llvm-mlir` does, for AVX2 (16 registers, also the default
// without the attribute) and AVX-512 (32 registers: other register tiles).
// RUN: cnnc-opt %examples/fashion_mnist_cnn.mlir --cnn-cpu-pipeline \
// RUN:   | FileCheck %s --implicit-check-not=cnn. --implicit-check-not=linalg. \
// RUN:       --implicit-check-not=memref. --implicit-check-not=tensor. \
// RUN:       --implicit-check-not=unrealized_conversion_cast
// RUN: cnnc %examples/fashion_mnist_cnn.mlir --mcpu=x86-64-v3 --emit=llvm-mlir -o %t.avx2.mlir
// RUN: cnnc %examples/fashion_mnist_cnn.mlir --mcpu=x86-64-v3 --emit=cnn -o %t.avx2.cnn.mlir
// RUN: FileCheck %s --check-prefix=AVX2 < %t.avx2.cnn.mlir
// RUN: cnnc-opt %t.avx2.cnn.mlir --cnn-cpu-pipeline -o %t.avx2.opt.mlir
// RUN: diff %t.avx2.mlir %t.avx2.opt.mlir
// RUN: cnnc %examples/fashion_mnist_cnn.mlir --mcpu=skylake-avx512 --emit=llvm-mlir -o %t.avx512.mlir
// RUN: cnnc %examples/fashion_mnist_cnn.mlir --mcpu=skylake-avx512 --emit=cnn -o %t.avx512.cnn.mlir
// RUN: FileCheck %s --check-prefix=AVX512 < %t.avx512.cnn.mlir
// RUN: cnnc-opt %t.avx512.cnn.mlir --cnn-cpu-pipeline -o %t.avx512.opt.mlir
// RUN: diff %t.avx512.mlir %t.avx512.opt.mlir
// RUN: not diff -q %t.avx2.mlir %t.avx512.mlir
// RUN: cnnc-opt %examples/fashion_mnist_cnn.mlir --cnn-cpu-pipeline -o %t.default.mlir
// RUN: FileCheck %s --check-prefix=DEFAULT < %t.default.mlir
// RUN: cnnc-opt %examples/fashion_mnist_cnn.mlir --cnn-to-linalg-pipeline \
// RUN:   | FileCheck %s --check-prefix=LINALG --implicit-check-not='= cnn.'

// AVX2: module @fashion_mnist_cnn attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 16>}
// AVX512: module @fashion_mnist_cnn attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 32>}
// DEFAULT-NOT: cnn.target

// CHECK: module @fashion_mnist_cnn
// CHECK: llvm.func @fashion_mnist_cnn_forward(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: !llvm.ptr) -> i32
// CHECK: llvm.call @fashion_mnist_cnn_forward_impl
// CHECK: llvm.func internal @fashion_mnist_cnn_forward_impl
// Temporaries come from the support library's caching allocator.
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.call @_mlir_memref_to_llvm_free

// LINALG: func.func @fashion_mnist_cnn_forward_impl(%{{.*}}: memref<93322xf32>, %{{.*}}: memref<?x28x28x1xf32>, %{{.*}}: memref<?x10xf32>)
// LINALG-COUNT-3: linalg.conv_2d_nhwc_hwcf
// LINALG-COUNT-2: linalg.matmul
// LINALG: bufferization.materialize_in_destination
