// Batch normalization and dropout lower to linalg on tensors.
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg))' \
// RUN:   | FileCheck %s --implicit-check-not='{{= cnn\.[^p]}}'
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(convert-cnn-to-linalg,canonicalize))' \
// RUN:   | FileCheck %s --check-prefix=DEAD

// CHECK-DAG: #[[$ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$C4:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-DAG: #[[$NC4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$C2:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$DW:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>

// Inference: per-channel inv = gamma / sqrt(var + eps) and shift = beta -
// mean * inv, each a [C] linalg.map (computed once per channel: element-wise
// fusion takes generic producers only), then x * inv + shift per element.
// CHECK-LABEL: func.func @batch_norm
// CHECK:         %[[INV:.*]] = linalg.map ins(
// CHECK:           math.sqrt
// CHECK:           arith.divf
// CHECK:         %[[SHIFT:.*]] = linalg.map ins(
// CHECK:           arith.negf
// CHECK:         linalg.generic {indexing_maps = [#[[$ID4]], #[[$C4]], #[[$C4]], #[[$ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}}, %[[INV]], %[[SHIFT]]
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @batch_norm(%x: tensor<?x5x5x4xf32>) -> tensor<?x5x5x4xf32> {
  %g = cnn.param "bn/gamma" init = ones : tensor<4xf32>
  %b = cnn.param "bn/beta" : tensor<4xf32>
  %m = cnn.param "bn/moving_mean" trainable = false : tensor<4xf32>
  %v = cnn.param "bn/moving_variance" init = ones trainable = false : tensor<4xf32>
  %y = cnn.batch_norm %x, %m, %v gamma = %g beta = %b : tensor<?x5x5x4xf32>
  return %y : tensor<?x5x5x4xf32>
}

// Training, NHWC: per-image partial sums (batch loop parallel and outermost,
// channel loop innermost), summed over the images, divided by N * H * W;
// the variance sums squares around that mean (two passes).
// CHECK-LABEL: func.func @batch_norm_train
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x5x5x4xf32>
// CHECK:         %[[NHW:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK:         %[[M:.*]] = arith.uitofp %{{.*}} : i64 to f32
// CHECK:         %[[S1:.*]] = linalg.generic {indexing_maps = [#[[$ID4]], #[[$NC4]]], iterator_types = ["parallel", "reduction", "reduction", "parallel"]}
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$C2]]], iterator_types = ["reduction", "parallel"]} ins(%[[S1]]
// CHECK:         %[[MEAN:.*]] = linalg.map ins(%[[SUM]]
// CHECK:           arith.divf %{{.*}}, %[[M]]
// CHECK:         %[[S2:.*]] = linalg.generic {indexing_maps = [#[[$ID4]], #[[$C4]], #[[$NC4]]], iterator_types = ["parallel", "reduction", "reduction", "parallel"]} ins(%{{.*}}, %[[MEAN]]
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}} ins(%[[S2]]
// CHECK:         %[[VAR:.*]] = linalg.map ins(%[[SQ]]
// CHECK:         %[[INV:.*]] = linalg.map ins(%[[MEAN]], %[[VAR]], %{{.*}}, %{{.*}} :
// CHECK:         %[[SHIFT:.*]] = linalg.map ins(%[[MEAN]], %[[VAR]], %{{.*}}, %{{.*}} :
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[INV]], %[[SHIFT]]
// CHECK:         return %[[Y]], %[[MEAN]], %[[VAR]]
func.func @batch_norm_train(%x: tensor<?x5x5x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>)
    -> (tensor<?x5x5x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %y, %m, %v = cnn.batch_norm_train %x gamma = %g beta = %b epsilon = 1.0e-3 : tensor<?x5x5x4xf32>
  return %y, %m, %v : tensor<?x5x5x4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Training, [N, C]: the statistics reduce over the batch directly.
// CHECK-LABEL: func.func @batch_norm_train_2d
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$C2]]], iterator_types = ["reduction", "parallel"]}
// CHECK-NOT:     iterator_types = ["parallel", "reduction"
// CHECK:         return
func.func @batch_norm_train_2d(%x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y, %m, %v = cnn.batch_norm_train %x epsilon = 1.0e-3 : tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// Gradient: two per-channel sums (dy, dy * (x - mean)), per-channel
// coefficients (gamma_grad, a, d, e), then dx = a dy + d (x - mean) + e.
// CHECK-LABEL: func.func @batch_norm_grad
// CHECK:         %[[DB:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$C2]]], iterator_types = ["reduction", "parallel"]} ins(%{{.*}} :
// CHECK:         %[[S:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]], #[[$C2]], #[[$C2]]], iterator_types = ["reduction", "parallel"]}
// CHECK:         %[[DG:.*]] = linalg.map ins(%{{.*}}, %[[DB]], %[[S]], %{{.*}} :
// CHECK:         %[[A:.*]] = linalg.map ins(%{{.*}}, %[[DB]], %[[S]], %{{.*}} :
// CHECK:         %[[D:.*]] = linalg.map ins(%{{.*}}, %[[DB]], %[[S]], %{{.*}} :
// CHECK:         %[[E:.*]] = linalg.map ins(%{{.*}}, %[[DB]], %[[S]], %{{.*}} :
// CHECK:         %[[DX:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]], #[[$C2]], #[[$C2]], #[[$C2]], #[[$C2]], #[[$ID2]]]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[A]], %[[D]], %[[E]] :
// CHECK:         return %[[DX]], %[[DG]], %[[DB]]
func.func @batch_norm_grad(%dy: tensor<?x6xf32>, %x: tensor<?x6xf32>, %m: tensor<6xf32>,
                           %v: tensor<6xf32>, %g: tensor<6xf32>) -> (tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %dx, %dg, %db = cnn.batch_norm_grad %dy, %x, %m, %v gamma = %g epsilon = 1.0e-3 : tensor<?x6xf32>
  return %dx, %dg, %db : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>
}

// Fixed statistics (inference_mode): dx = gamma r dy, one coefficient per
// channel and one element-wise product; gamma_grad and beta_grad are the
// same sums as above, each in its own generic so a step that needs only dx
// drops them.
// CHECK-LABEL: func.func @batch_norm_grad_fixed_statistics
// CHECK:         %[[DB:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$C2]]], iterator_types = ["reduction", "parallel"]} ins(%{{.*}} :
// CHECK:         %[[S:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]], #[[$C2]], #[[$C2]]], iterator_types = ["reduction", "parallel"]}
// CHECK:         %[[DG:.*]] = linalg.map ins(%{{.*}}, %[[S]] :
// CHECK:         %[[A:.*]] = linalg.map ins(%{{.*}}, %{{.*}} :
// CHECK:         %[[DX:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$C2]], #[[$ID2]]]
// CHECK-SAME:      ins(%{{.*}}, %[[A]] :
// CHECK:           arith.mulf
// CHECK-NEXT:      linalg.yield
// CHECK:         return %[[DX]], %[[DG]], %[[DB]]
func.func @batch_norm_grad_fixed_statistics(%dy: tensor<?x6xf32>, %x: tensor<?x6xf32>, %m: tensor<6xf32>,
                           %v: tensor<6xf32>, %g: tensor<6xf32>) -> (tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %dx, %dg, %db = cnn.batch_norm_grad %dy, %x, %m, %v gamma = %g epsilon = 1.0e-3 fixed_statistics : tensor<?x6xf32>
  return %dx, %dg, %db : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>
}

// Only dx used: the sums are dead after canonicalization; what is left is
// the per-channel scale and the product.
// DEAD-LABEL: func.func @batch_norm_grad_fixed_input_only
// DEAD-NOT:     "reduction"
// DEAD:         linalg.map
// DEAD-NOT:     "reduction"
// DEAD:         %[[DX:.*]] = linalg.generic
// DEAD-NOT:     "reduction"
// DEAD:         return %[[DX]]
// DEAD-LABEL: func.func @moving_average
func.func @batch_norm_grad_fixed_input_only(%dy: tensor<?x6xf32>, %x: tensor<?x6xf32>, %m: tensor<6xf32>,
                           %v: tensor<6xf32>) -> tensor<?x6xf32> {
  %dx, %dg, %db = cnn.batch_norm_grad %dy, %x, %m, %v epsilon = 1.0e-3 fixed_statistics : tensor<?x6xf32>
  return %dx : tensor<?x6xf32>
}

// Keras: moving * momentum + statistic * (1 - momentum), both f32 factors.
// CHECK-LABEL: func.func @moving_average
// CHECK:         linalg.map
// CHECK:           %[[MOM:.*]] = arith.constant 0.899999976 : f32
// CHECK:           arith.mulf %{{.*}}, %[[MOM]]
// CHECK:           %[[REST:.*]] = arith.constant 1.000000e-01 : f32
// CHECK:           arith.mulf %{{.*}}, %[[REST]]
// CHECK:           arith.addf
func.func @moving_average(%m: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<4xf32> {
  %0 = cnn.moving_average %m, %s momentum = 0.9 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Depthwise [KH, KW, C, M]: the scale of channel c * M + m, read through
// [C, M].
// CHECK-LABEL: func.func @fold_depthwise
// CHECK:         %[[SCALE:.*]] = linalg.map
// CHECK:         %[[BIAS:.*]] = linalg.map
// CHECK:         %[[S:.*]] = tensor.expand_shape %[[SCALE]] {{\[}}[0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
// CHECK:         %[[K:.*]] = linalg.generic {indexing_maps = [#[[$ID4]], #[[$DW]], #[[$ID4]]]{{.*}} ins(%{{.*}}, %[[S]] :
// CHECK:         return %[[K]], %[[BIAS]]
func.func @fold_depthwise(%k: tensor<3x3x2x3xf32>, %m: tensor<6xf32>, %v: tensor<6xf32>)
    -> (tensor<3x3x2x3xf32>, tensor<6xf32>) {
  %k2, %b2 = cnn.fold_batch_norm %k, %m, %v epsilon = 1.0e-3 : tensor<3x3x2x3xf32>, tensor<6xf32>
  return %k2, %b2 : tensor<3x3x2x3xf32>, tensor<6xf32>
}

// The HWCF kernel is scaled along its last dimension; the bias becomes
// (bias - mean) * scale + beta.
// CHECK-LABEL: func.func @fold_conv
// CHECK:         %[[SCALE:.*]] = linalg.map
// CHECK:         %[[BIAS:.*]] = linalg.map
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[$ID4]], #[[$C4]], #[[$ID4]]]{{.*}} ins(%{{.*}}, %[[SCALE]] :
func.func @fold_conv(%k: tensor<3x3x2x4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                     %g: tensor<4xf32>, %beta: tensor<4xf32>) -> (tensor<3x3x2x4xf32>, tensor<4xf32>) {
  %k2, %b2 = cnn.fold_batch_norm %k, %m, %v bias = %b gamma = %g beta = %beta epsilon = 1.0e-3 : tensor<3x3x2x4xf32>, tensor<4xf32>
  return %k2, %b2 : tensor<3x3x2x4xf32>, tensor<4xf32>
}

// Inference dropout is the identity.
// CHECK-LABEL: func.func @dropout
// CHECK-NEXT:    return %{{.*}} : tensor<?x6xf32>
func.func @dropout(%x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = cnn.dropout %x rate = 0.5 : tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// Training dropout: the layer key is one Philox4x32-10 (10 rounds, 2
// multiplies each) of (stream, layer seed, has seed) under the run's seed.
// 27 values per image are padded to 4 planes of B = 7 (element i is word
// i / 7 of block i % 7); a linalg.map over (image, block) draws one Philox
// of (block, image, step) per block and packs its 4 keep bits
// (bits >= round(0.25 * 2^32) = 1073741824); a generic over (image, word,
// block) applies bit `word`, scaling kept values by 1 / 0.75.
// CHECK-LABEL: func.func @dropout_train
// CHECK-SAME:    (%[[X:.*]]: tensor<?x3x3x3xf32>, %[[SEED:.*]]: i64, %[[STEP:.*]]: i64)
// CHECK:         %[[SEEDLO:.*]] = arith.trunci %[[SEED]] : i64 to i32
// CHECK:         %[[STREAM:.*]] = arith.constant 2 : i32
// CHECK-NEXT:    arith.constant 7 : i32
// CHECK:         arith.mului_extended %{{.*}}, %[[STREAM]] : i32
// CHECK-COUNT-19: arith.mului_extended
// CHECK:         %[[STEPLO:.*]] = arith.trunci %[[STEP]] : i64 to i32
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2, 3]] : tensor<?x3x3x3xf32> into tensor<?x27xf32>
// CHECK:         %[[PAD:.*]] = tensor.pad %[[FLAT]] low[0, 0] high[0, 1]
// CHECK:         %[[PLANES:.*]] = tensor.expand_shape %[[PAD]] {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 4, 7] : tensor<?x28xf32> into tensor<?x4x7xf32>
// CHECK:         %[[MASK:.*]] = linalg.map outs(%{{.*}} : tensor<?x7xi8>)
// CHECK:           %[[BLOCK:.*]] = linalg.index 1 : index
// CHECK:           %[[IMAGE:.*]] = linalg.index 0 : index
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[T:.*]] = arith.constant 1073741824 : i32
// CHECK:           arith.cmpi uge, %{{.*}}, %[[T]] : i32
// CHECK-COUNT-3:   arith.shli
// CHECK:           linalg.yield %{{.*}} : i8
// CHECK:         %[[MASKED:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[PLANES]], %[[MASK]] : tensor<?x4x7xf32>, tensor<?x7xi8>)
// CHECK:           %[[WORD:.*]] = linalg.index 1 : index
// CHECK:           %[[SHIFT:.*]] = arith.index_castui %[[WORD]] : index to i8
// CHECK:           arith.shrui %{{.*}}, %[[SHIFT]] : i8
// CHECK:           %[[KEPT:.*]] = arith.trunci %{{.*}} : i8 to i1
// CHECK:           %[[KEEP:.*]] = arith.constant 7.500000e-01 : f32
// CHECK:           %[[SCALED:.*]] = arith.divf %{{.*}}, %[[KEEP]] : f32
// CHECK:           arith.select %[[KEPT]], %[[SCALED]], %{{.*}} : f32
// CHECK:         tensor.collapse_shape %[[MASKED]]
// CHECK:         tensor.extract_slice %{{.*}}[0, 0] [%{{.*}}, 27] [1, 1]
// CHECK:         tensor.expand_shape %{{.*}} output_shape [%{{.*}}, 3, 3, 3]
func.func @dropout_train(%x: tensor<?x3x3x3xf32>, %seed: i64, %step: i64) -> tensor<?x3x3x3xf32> {
  %y = cnn.dropout_train %x, %seed, %step rate = 0.25 stream = 2 layer_seed = 7 : tensor<?x3x3x3xf32>
  return %y : tensor<?x3x3x3xf32>
}

// Rate 1 keeps nothing (Keras): zeros, no generator.
// CHECK-LABEL: func.func @dropout_train_all
// CHECK-NOT:     arith.mului_extended
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         return %[[Z]]
func.func @dropout_train_all(%x: tensor<?x8xf32>, %seed: i64, %step: i64) -> tensor<?x8xf32> {
  %y = cnn.dropout_train %x, %seed, %step rate = 1.0 stream = 0 : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
