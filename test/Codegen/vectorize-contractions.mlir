// Register-blocked kernels for annotated contractions.
// RUN: cnnc-opt %s --cnn-vectorize-contractions --canonicalize --cse | FileCheck %s
// RUN: cnnc-opt %s --cnn-vectorize-contractions="fuse-producers=false fuse-consumers=false" \
// RUN:   --canonicalize --cse | FileCheck %s --check-prefix=NOFUSE

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// 6 output columns in tiles of 4 rows: a full block and a 2-row remainder,
// each with 2 x rows accumulators starting from the bias in registers, the
// (kh, kw, c) reduction innermost, relu applied before the store.
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<?x8x8x4xf32>, %[[W:.*]]: tensor<3x3x4x16xf32>, %[[B:.*]]: tensor<16xf32>)
// CHECK-NOT:     linalg.
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%{{.*}}) : tensor<?x6x6x16xf32>
// CHECK:         scf.forall (%[[N:.*]], %[[OH:.*]], %[[BLOCK:.*]]) in (%{{.*}}, 6, 2) shared_outs(%[[OUT:.*]] = %[[EMPTY]])
// CHECK:           %[[TILE:.*]] = tensor.extract_slice %[[OUT]][%[[N]], %[[OH]], %{{.*}}, 0] [1, 1, %{{.*}}, 16] [1, 1, 1, 1]
// CHECK:           scf.if
// CHECK:             %[[B0:.*]] = vector.transfer_read %[[B]][%c0]
// CHECK:             %[[B1:.*]] = vector.transfer_read %[[B]][%c8]
// CHECK:             %[[ACC:.*]]:8 = scf.for {{.*}} iter_args(%{{.*}} = %[[B0]], %{{.*}} = %[[B1]], %{{.*}} = %[[B0]]
// CHECK:               scf.for
// CHECK:                 scf.for {{.*}} = %c0 to %c4 step %c1
// CHECK:                   vector.transfer_read %[[W]]
// CHECK:                   vector.transfer_read %[[W]]
// CHECK:                   tensor.extract %[[X]]
// CHECK:                   vector.broadcast
// CHECK-COUNT-2:           vector.fma
// CHECK:                   tensor.extract %[[X]]
// CHECK-COUNT-2:           vector.fma
// CHECK:             arith.maximumf %[[ACC]]#0, %{{.*}} : vector<8xf32>
// CHECK:             vector.transfer_write {{.*}}, %[[TILE]][%c0, %c0, %c0, %c0]
// CHECK:           } else {
// CHECK:             scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice
// CHECK-NOT:     linalg.
// CHECK:         return

// Without fusion the broadcast and the relu stay linalg ops and the
// accumulators are read from the output tile.
// NOFUSE-LABEL: func.func @conv_bias_relu
// NOFUSE:         %[[BIAS:.*]] = linalg.broadcast
// NOFUSE:         %[[CONV:.*]] = scf.forall {{.*}} shared_outs(%[[OUT:.*]] = %[[BIAS]])
// NOFUSE:           %[[TILE:.*]] = tensor.extract_slice %[[OUT]]
// NOFUSE:           vector.transfer_read %[[TILE]][%c0, %c0, %c0, %c0]
// NOFUSE-NOT:       arith.maximumf
// NOFUSE:         linalg.generic {{.*}} ins(%[[CONV]] : tensor<?x6x6x16xf32>)
// NOFUSE:           arith.maximumf
func.func @conv_bias_relu(%x: tensor<?x8x8x4xf32>, %w: tensor<3x3x4x16xf32>, %b: tensor<16xf32>) -> tensor<?x6x6x16xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8x8x4xf32>
  %e = tensor.empty(%n) : tensor<?x6x6x16xf32>
  %bias = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<?x6x6x16xf32>) dimensions = [0, 1, 2]
  %conv = linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 4, vectors = 2, width = 8, parallel = true>,
                                    dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
            ins(%x, %w : tensor<?x8x8x4xf32>, tensor<3x3x4x16xf32>) outs(%bias : tensor<?x6x6x16xf32>) -> tensor<?x6x6x16xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
            ins(%conv : tensor<?x6x6x16xf32>) outs(%conv : tensor<?x6x6x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<?x6x6x16xf32>
  return %relu : tensor<?x6x6x16xf32>
}

// A dynamic row count (the batch): full blocks of 3 rows, then the rest one
// row at a time. The zero fill becomes a splat; an activation gradient
// that reads a second tensor loads it along the columns. Not parallel:
// marked cnn.sequential for cnn-distribute-tiles.
// CHECK-LABEL: func.func @matmul_dynamic_rows
// CHECK-SAME:    (%[[A:.*]]: tensor<?x32xf32>, %[[B:.*]]: tensor<32x16xf32>, %[[Y:.*]]: tensor<?x16xf32>)
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK:         scf.forall (%[[BLOCK:.*]]) in (%{{.*}}) shared_outs
// CHECK:           scf.if
// CHECK:             scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]])
// CHECK:           } else {
// CHECK:             scf.for %[[ROW:.*]] = %c0 to %{{.*}} step %c1
// CHECK:               scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]])
// CHECK:               vector.transfer_read %[[Y]]
// CHECK:               arith.cmpf ogt
// CHECK:               arith.select {{.*}} : vector<8xi1>, vector<8xf32>
// CHECK:         } {cnn.sequential}
func.func @matmul_dynamic_rows(%a: tensor<?x32xf32>, %b: tensor<32x16xf32>, %y: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x32xf32>
  %e = tensor.empty(%n) : tensor<?x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %mm = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 3, vectors = 2, width = 8, parallel = false>}
          ins(%a, %b : tensor<?x32xf32>, tensor<32x16xf32>) outs(%init : tensor<?x16xf32>) -> tensor<?x16xf32>
  %e2 = tensor.empty(%n) : tensor<?x16xf32>
  %grad = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                          iterator_types = ["parallel", "parallel"]}
            ins(%y, %mm : tensor<?x16xf32>, tensor<?x16xf32>) outs(%e2 : tensor<?x16xf32>) {
  ^bb0(%yv: f32, %dy: f32, %out: f32):
    %z = arith.constant 0.0 : f32
    %pos = arith.cmpf ogt, %yv, %z : f32
    %r = arith.select %pos, %dy, %z : f32
    linalg.yield %r : f32
  } -> tensor<?x16xf32>
  return %grad : tensor<?x16xf32>
}

// RUN: cnnc-opt %s --cnn-vectorize-contractions="fuse-producers=false" \
// RUN:   --canonicalize --cse | FileCheck %s --check-prefix=INIT
// The epilogue writes into its own tensor: accumulators not taken from a
// producer are read from the contraction's init at the global position,
// never from the (uninitialized) destination.
// INIT-LABEL: func.func @separate_epilogue_destination
// INIT:         %[[DEST:.*]] = tensor.empty
// INIT:         %[[FILL:.*]] = linalg.fill {{.*}} outs(%[[DEST]]
// INIT:         scf.forall {{.*}} shared_outs(%{{.*}} = %[[DEST]])
// INIT:           vector.transfer_read %[[FILL]][
// INIT:           arith.negf {{.*}} : vector<8xf32>
func.func @separate_epilogue_destination(%a: tensor<16x32xf32>, %b: tensor<32x16xf32>) -> tensor<16x16xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<16x16xf32>
  %init = linalg.fill ins(%one : f32) outs(%e : tensor<16x16xf32>) -> tensor<16x16xf32>
  %mm = linalg.matmul {cnn.tiling = #cnn.tiling<rows = 4, vectors = 2, width = 8, parallel = true>}
          ins(%a, %b : tensor<16x32xf32>, tensor<32x16xf32>) outs(%init : tensor<16x16xf32>) -> tensor<16x16xf32>
  %dest = tensor.empty() : tensor<16x16xf32>
  %neg = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
           ins(%mm : tensor<16x16xf32>) outs(%dest : tensor<16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<16x16xf32>
  return %neg : tensor<16x16xf32>
}

// RUN: cnnc-opt %s --cnn-vectorize-contractions --canonicalize --cse | FileCheck %s --check-prefix=BATCH
// Batch outside the row blocks: one forall iteration per (kh, kw) owns its
// whole 4 x 16 tile: it stores the initial accumulators, then for every
// image loads them, reduces over the image's positions and stores them.
// BATCH-LABEL: func.func @filter_gradient_batch_outside
// BATCH:         scf.forall (%{{.*}}, %{{.*}}) in (3, 3) shared_outs
// BATCH:           %[[TILE:.*]] = tensor.extract_slice {{.*}} [1, 1, 4, 16] [1, 1, 1, 1]
// BATCH:           %[[STORED:.*]] = vector.transfer_write {{.*}}, %[[TILE]]
// BATCH:           scf.for %[[N:.*]] = %c0 to %{{.*}} step %c1 iter_args(%[[T:.*]] = %{{.*}})
// BATCH:             vector.transfer_read %[[T]]
// BATCH:             scf.for {{.*}} to %c5
// BATCH:               scf.for {{.*}} to %c5
// BATCH:                 tensor.extract %{{.*}}[%[[N]],
// BATCH:                 vector.fma
// BATCH:             vector.transfer_write
// BATCH:           tensor.parallel_insert_slice
func.func @filter_gradient_batch_outside(%x: tensor<?x7x7x4xf32>, %dy: tensor<?x5x5x16xf32>) -> tensor<3x3x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x3x4x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x3x4x16xf32>) -> tensor<3x3x4x16xf32>
  %0 = linalg.generic {
         cnn.tiling = #cnn.tiling<rows = 4, vectors = 2, width = 8, parallel = true, outer_reductions = 1>,
         indexing_maps = [affine_map<(kh, kw, c, f, n, oh, ow) -> (n, oh + kh, ow + kw, c)>,
                          affine_map<(kh, kw, c, f, n, oh, ow) -> (n, oh, ow, f)>,
                          affine_map<(kh, kw, c, f, n, oh, ow) -> (kh, kw, c, f)>],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         ins(%x, %dy : tensor<?x7x7x4xf32>, tensor<?x5x5x16xf32>) outs(%init : tensor<3x3x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x3x4x16xf32>
  return %0 : tensor<3x3x4x16xf32>
}

// RUN: cnnc-opt %s --cnn-vectorize-contractions --canonicalize --cse | FileCheck %s --check-prefix=POOL
// RUN: cnnc-opt %s --cnn-vectorize-contractions=fuse-pooling=false --canonicalize --cse | FileCheck %s --check-prefix=NOPOOL
// Convolution + ReLU + 2x2 max pooling in one kernel: one iteration per
// (image, pooled row, block of 2 pooled columns); the window's two output
// rows are computed one after the other (each its own reduction nest over
// 4 output columns x 2 vectors) and only their maximum is stored (the
// pooling's -inf start folds away).
// POOL-LABEL: func.func @conv_relu_pool
// POOL:         %[[POOLED:.*]] = tensor.empty(%{{.*}}) : tensor<?x3x3x16xf32>
// POOL:         scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}}, 3, 2) shared_outs(%{{.*}} = %[[POOLED]])
// POOL:           %[[ROW0:.*]]:8 = scf.for
// POOL:           %[[A:.*]] = arith.maximumf %[[ROW0]]#0, %{{.*}} : vector<8xf32>
// POOL:           %[[B:.*]] = arith.maximumf %[[ROW0]]#2, %{{.*}} : vector<8xf32>
// POOL:           arith.maximumf %[[A]], %[[B]] : vector<8xf32>
// POOL:           %[[ROW1:.*]]:8 = scf.for
// POOL:           arith.maximumf %[[ROW1]]#0, %{{.*}} : vector<8xf32>
// POOL:           vector.transfer_write
// POOL:           tensor.parallel_insert_slice
// POOL-NOT:     linalg.pooling_nhwc_max
// POOL-NOT:     tensor<?x6x6x16xf32>
// POOL:         return
// NOPOOL-LABEL: func.func @conv_relu_pool
// NOPOOL:         linalg.pooling_nhwc_max
func.func @conv_relu_pool(%x: tensor<?x8x8x4xf32>, %w: tensor<3x3x4x16xf32>) -> tensor<?x3x3x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8x8x4xf32>
  %e = tensor.empty(%n) : tensor<?x6x6x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x6x6x16xf32>) -> tensor<?x6x6x16xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 4, vectors = 2, width = 8, parallel = true>,
                                    dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
            ins(%x, %w : tensor<?x8x8x4xf32>, tensor<3x3x4x16xf32>) outs(%init : tensor<?x6x6x16xf32>) -> tensor<?x6x6x16xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
            ins(%conv : tensor<?x6x6x16xf32>) outs(%conv : tensor<?x6x6x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<?x6x6x16xf32>
  %pe = tensor.empty(%n) : tensor<?x3x3x16xf32>
  %pinit = linalg.fill ins(%ninf : f32) outs(%pe : tensor<?x3x3x16xf32>) -> tensor<?x3x3x16xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %pooled = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
              ins(%relu, %window : tensor<?x6x6x16xf32>, tensor<2x2xf32>) outs(%pinit : tensor<?x3x3x16xf32>) -> tensor<?x3x3x16xf32>
  return %pooled : tensor<?x3x3x16xf32>
}

// A window of more than 16 elements (here a global 6x6 pooling) is not
// unrolled into the kernel: the pooling stays its own loop nest, so compile
// time and code size do not grow with the window.
// POOL-LABEL: func.func @conv_global_pool
// POOL:         scf.forall
// POOL:         linalg.pooling_nhwc_max
func.func @conv_global_pool(%x: tensor<?x8x8x4xf32>, %w: tensor<3x3x4x16xf32>) -> tensor<?x1x1x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8x8x4xf32>
  %e = tensor.empty(%n) : tensor<?x6x6x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x6x6x16xf32>) -> tensor<?x6x6x16xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = true>,
                                    dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
            ins(%x, %w : tensor<?x8x8x4xf32>, tensor<3x3x4x16xf32>) outs(%init : tensor<?x6x6x16xf32>) -> tensor<?x6x6x16xf32>
  %pe = tensor.empty(%n) : tensor<?x1x1x16xf32>
  %pinit = linalg.fill ins(%ninf : f32) outs(%pe : tensor<?x1x1x16xf32>) -> tensor<?x1x1x16xf32>
  %window = tensor.empty() : tensor<6x6xf32>
  %pooled = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<6> : tensor<2xi64>}
              ins(%conv, %window : tensor<?x6x6x16xf32>, tensor<6x6xf32>) outs(%pinit : tensor<?x1x1x16xf32>) -> tensor<?x1x1x16xf32>
  return %pooled : tensor<?x1x1x16xf32>
}
