// The whole CPU pipeline lowers the reference model to the LLVM dialect;
// `cnnc --emit=llvm-mlir` prints the same module (for an AVX2 target, whose
// 16 vector registers are the pipeline's default).
// RUN: cnnc-opt %examples/fashion_mnist_cnn.mlir --cnn-cpu-pipeline \
// RUN:   | FileCheck %s --implicit-check-not=cnn. --implicit-check-not=linalg. \
// RUN:       --implicit-check-not=memref. --implicit-check-not=tensor. \
// RUN:       --implicit-check-not=unrealized_conversion_cast
// RUN: cnnc %examples/fashion_mnist_cnn.mlir --mcpu=x86-64-v3 --emit=llvm-mlir -o %t.mlir
// RUN: cnnc-opt %examples/fashion_mnist_cnn.mlir --cnn-cpu-pipeline -o %t.opt.mlir
// RUN: diff %t.mlir %t.opt.mlir
// RUN: cnnc-opt %examples/fashion_mnist_cnn.mlir --cnn-to-linalg-pipeline \
// RUN:   | FileCheck %s --check-prefix=LINALG --implicit-check-not='= cnn.'

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
