// A tiling that does not fit the op is an error, not a miscompile.
// RUN: cnnc-opt %s --cnn-vectorize-contractions -split-input-file -verify-diagnostics

func.func @columns_not_vectors(%a: tensor<?x64xf32>, %b: tensor<64x10xf32>, %init: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // expected-error @+1 {{cnn.tiling does not fit this op: it must be a multiply-accumulate contraction whose column extent is a multiple of vectors x width}}
  %0 = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 4, vectors = 1, width = 8, parallel = true>}
         ins(%a, %b : tensor<?x64xf32>, tensor<64x10xf32>) outs(%init : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

func.func @not_a_contraction(%a: tensor<?x16xf32>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{cnn.tiling does not fit this op}}
  %0 = linalg.generic {cnn.tiling = #cnn.tiling<rows = 4, vectors = 1, width = 8, parallel = true>,
                       indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]} ins(%a : tensor<?x16xf32>) outs(%init : tensor<?x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}

// -----

func.func @vectors_do_not_divide(%a: tensor<?x64xf32>, %b: tensor<64x24xf32>, %init: tensor<?x24xf32>) -> tensor<?x24xf32> {
  // expected-error @+1 {{cnn.tiling does not fit this op}}
  %0 = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 4, vectors = 2, width = 8, parallel = true>}
         ins(%a, %b : tensor<?x64xf32>, tensor<64x24xf32>) outs(%init : tensor<?x24xf32>) -> tensor<?x24xf32>
  return %0 : tensor<?x24xf32>
}
