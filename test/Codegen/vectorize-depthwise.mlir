// Vector kernels for depthwise convolutions and their kernel gradients.
// RUN: cnnc-opt %s --cnn-vectorize-depthwise --canonicalize --cse | FileCheck %s
// RUN: cnnc-opt %s --cnn-vectorize-depthwise="fuse-producers=false fuse-consumers=false" \
// RUN:   --canonicalize --cse | FileCheck %s --check-prefix=NOFUSE
// RUN: not cnnc-opt %s --cnn-vectorize-depthwise="vector-width=6" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=WIDTH
// RUN: cnnc-opt %s --cnn-vectorize-depthwise="vector-registers=8" --canonicalize --cse \
// RUN:   | FileCheck %s --check-prefix=REGS8

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#dk_x = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d0 + d4, d1 + d5, d2)>
#dk_dy = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5, d2)>
#dk_out = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>

// Same padding on 8x20 outputs, 16 channels: two 8-lane channel vectors;
// the padding is applied by the kernel (it reads %x, not the pad): the kh
// loop runs over the kernel rows inside the image (affine.max/min of oh) and
// the column blocks 0-6 and 14-19, which touch the left and right padding,
// skip those taps (7 * 3 - 1 and 6 * 3 - 1 FMAs per kernel row; the block
// 7-13 has all 21). The accumulators start from the bias and relu is applied
// before the stores.
// CHECK-DAG: #[[$FIRST:.*]] = affine_map<(d0) -> (-d0 + 1, 0)>
// CHECK-DAG: #[[$LAST:.*]] = affine_map<(d0) -> (-d0 + 9, 3)>
// CHECK-LABEL: func.func @hwc_same_bias_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<?x8x20x16xf32>, %[[K:.*]]: tensor<3x3x16xf32>, %[[B:.*]]: tensor<16xf32>)
// CHECK-NOT:     linalg.
// CHECK-NOT:     tensor.pad
// CHECK:         scf.forall (%[[N:.*]], %[[OH:.*]]) in (%{{.*}}, 8) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:           %[[KH0:.*]] = affine.max #[[$FIRST]](%[[OH]])
// CHECK:           %[[KH1:.*]] = affine.min #[[$LAST]](%[[OH]])
// CHECK:           %[[ROW:.*]] = tensor.extract_slice %[[OUT]][%[[N]], %[[OH]], 0, 0] [1, 1, 20, 16]
// CHECK:           scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[ROW]])
// CHECK:             %[[BIAS:.*]] = vector.transfer_read %[[B]]
// CHECK:             %[[LEFT:.*]]:7 = scf.for %{{.*}} = %[[KH0]] to %[[KH1]] step %c1 iter_args(%{{.*}} = %[[BIAS]],
// CHECK-COUNT-3:       vector.transfer_read %[[K]]
// CHECK:               vector.transfer_read %[[X]]
// CHECK-COUNT-20:      vector.fma
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
// CHECK:             arith.maximumf %[[LEFT]]#0, %{{.*}} : vector<8xf32>
// CHECK:             scf.for %{{.*}} = %[[KH0]] to %[[KH1]] step %c1
// CHECK-COUNT-21:      vector.fma
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
// CHECK:             scf.for %{{.*}} = %[[KH0]] to %[[KH1]] step %c1 {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-17:      vector.fma
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice
// CHECK-NOT:     linalg.
// CHECK:         return

// Without fusion the broadcast and the relu stay linalg ops and the
// accumulators are read from the output row.
// NOFUSE-LABEL: func.func @hwc_same_bias_relu
// NOFUSE:         %[[BIAS:.*]] = linalg.broadcast
// NOFUSE:         %[[CONV:.*]] = scf.forall {{.*}} shared_outs(%[[OUT:.*]] = %[[BIAS]])
// NOFUSE:           %[[ROW:.*]] = tensor.extract_slice %[[OUT]]
// NOFUSE:           vector.transfer_read %{{.*}}[%c0, %c0, %c0, %{{.*}}]
// NOFUSE-NOT:       arith.maximumf
// NOFUSE:         linalg.generic {{.*}} ins(%[[CONV]] : tensor<?x8x20x16xf32>)
// NOFUSE:           arith.maximumf

// WIDTH: cnn-vectorize-depthwise: vector-width must be a power of two, got 6
func.func @hwc_same_bias_relu(%x: tensor<?x8x20x16xf32>, %k: tensor<3x3x16xf32>, %b: tensor<16xf32>) -> tensor<?x8x20x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<?x8x20x16xf32> to tensor<?x10x22x16xf32>
  %n = tensor.dim %x, %c0 : tensor<?x8x20x16xf32>
  %e = tensor.empty(%n) : tensor<?x8x20x16xf32>
  %bias = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<?x8x20x16xf32>) dimensions = [0, 1, 2]
  %conv = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
            ins(%padded, %k : tensor<?x10x22x16xf32>, tensor<3x3x16xf32>) outs(%bias : tensor<?x8x20x16xf32>) -> tensor<?x8x20x16xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
            ins(%conv : tensor<?x8x20x16xf32>) outs(%conv : tensor<?x8x20x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x8x20x16xf32>
  return %relu : tensor<?x8x20x16xf32>
}

// Depth multiplier 2: the kernel computes the collapsed [N, 4, 4, 8] result
// (channel c * 2 + m) from the [3, 3, 8] view of the kernel; each 8-lane
// vector reads 4 input channels and repeats each twice. The zero fill of
// the [N, 4, 4, 4, 2] init becomes zero accumulators; stride 1 lets
// neighbouring columns share their input vectors (6 loads for 4 x 3 taps).
// CHECK-LABEL: func.func @hwcm_multiplier2
// CHECK-SAME:    (%[[X:.*]]: tensor<?x6x6x4xf32>, %[[K:.*]]: tensor<3x3x4x2xf32>)
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-DAG:     %[[FLATK:.*]] = tensor.collapse_shape %[[K]] {{\[\[}}0], [1], [2, 3]] : tensor<3x3x4x2xf32> into tensor<3x3x8xf32>
// CHECK:         %[[RESULT:.*]] = scf.forall (%[[N:.*]], %[[OH:.*]]) in (%{{.*}}, 4) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x4x4x8xf32>)
// CHECK:           scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]])
// CHECK-COUNT-3:     vector.transfer_read %[[FLATK]]
// CHECK:             %[[LANES:.*]] = vector.transfer_read %[[X]][%[[N]], %{{.*}}, %c0, %c0], %{{.*}} : tensor<?x6x6x4xf32>, vector<4xf32>
// CHECK:             %[[SPREAD:.*]] = vector.shuffle %[[LANES]], %[[LANES]] [0, 0, 1, 1, 2, 2, 3, 3] : vector<4xf32>, vector<4xf32>
// CHECK:             vector.fma %[[SPREAD]]
// CHECK-COUNT-5:     vector.shuffle
// CHECK-NOT:         vector.shuffle
// CHECK:             scf.yield
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         return %[[RESULT]]
func.func @hwcm_multiplier2(%x: tensor<?x6x6x4xf32>, %k: tensor<3x3x4x2xf32>) -> tensor<?x4x4x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x6x6x4xf32>
  %e = tensor.empty(%n) : tensor<?x4x4x8xf32>
  %split = tensor.expand_shape %e [[0], [1], [2], [3, 4]] output_shape [%n, 4, 4, 4, 2] : tensor<?x4x4x8xf32> into tensor<?x4x4x4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%split : tensor<?x4x4x4x2xf32>) -> tensor<?x4x4x4x2xf32>
  %conv = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
            ins(%x, %k : tensor<?x6x6x4xf32>, tensor<3x3x4x2xf32>) outs(%init : tensor<?x4x4x4x2xf32>) -> tensor<?x4x4x4x2xf32>
  %flat = tensor.collapse_shape %conv [[0], [1], [2], [3, 4]] : tensor<?x4x4x4x2xf32> into tensor<?x4x4x8xf32>
  return %flat : tensor<?x4x4x8xf32>
}

// The kernel gradient of a 3x3 same convolution: one iteration per channel
// vector keeps the 9 tap accumulators in registers over the batch and every
// output position; border rows and columns (0 and 7) are peeled and skip
// their padding taps, rows and columns 1-6 run in loops; the taps are
// stored once. 8 * 8 * 16 * 9 multiply-adds are too few for threads.
// CHECK-LABEL: func.func @kernel_gradient
// CHECK-SAME:    (%[[X:.*]]: tensor<?x8x8x16xf32>, %[[DY:.*]]: tensor<?x8x8x16xf32>)
// CHECK-NOT:     linalg.
// CHECK-NOT:     tensor.pad
// CHECK:         scf.forall (%[[V:.*]]) in (2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<3x3x16xf32>)
// CHECK:           %[[TAPS:.*]] = tensor.extract_slice %[[OUT]][0, 0, %{{.*}}] [3, 3, 8]
// CHECK:           %[[SUMS:.*]]:9 = scf.for %[[IMAGE:.*]] = %c0 to %{{.*}} step %c1 iter_args(
// Row 0, column 0: only the 4 taps of kernel rows and columns 1 and 2.
// CHECK:             vector.transfer_read %[[DY]][%[[IMAGE]], %c0, %c0,
// CHECK-COUNT-4:     vector.fma
// Row 0, columns 1-6: 6 taps.
// CHECK:             scf.for %{{.*}} = %c1 to %c7 step %c1
// CHECK-COUNT-6:       vector.fma
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
// Rows 1-6, columns 1-6: all 9 taps.
// CHECK:             scf.for %{{.*}} = %c1 to %c7 step %c1
// CHECK:               scf.for %{{.*}} = %c1 to %c7 step %c1
// CHECK-COUNT-9:         vector.fma
// CHECK-NOT:             vector.fma
// CHECK:                 scf.yield
// CHECK-COUNT-9:   vector.transfer_write %[[SUMS]]
// CHECK:           scf.forall.in_parallel
// CHECK:         } {cnn.sequential}
// With 8 registers the 9 taps do not fit: one kernel row (3 taps) per
// iteration, over (kernel row, channel vector); the row is not known at
// compile time, so the kernel reads the padded input and the bias gradient
// stays separate.
// REGS8-LABEL: func.func @kernel_gradient
// REGS8:         %[[PAD:.*]] = tensor.pad
// REGS8:         scf.forall (%{{.*}}, %{{.*}}) in (3, 2)
// REGS8:           scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>)
// REGS8:             vector.transfer_read %[[PAD]]
// REGS8-LABEL: func.func @kernel_and_bias_gradient
// REGS8:         scf.forall (%{{.*}}, %{{.*}}) in (3, 2)
// REGS8:         linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "reduction", "parallel"]
func.func @kernel_gradient(%x: tensor<?x8x8x16xf32>, %dy: tensor<?x8x8x16xf32>) -> tensor<3x3x16xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<?x8x8x16xf32> to tensor<?x10x10x16xf32>
  %e = tensor.empty() : tensor<3x3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x3x16xf32>) -> tensor<3x3x16xf32>
  %dk = linalg.generic {indexing_maps = [#dk_x, #dk_dy, #dk_out], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
          ins(%padded, %dy : tensor<?x10x10x16xf32>, tensor<?x8x8x16xf32>) outs(%init : tensor<3x3x16xf32>) {
  ^bb0(%in: f32, %g: f32, %out: f32):
    %p = arith.mulf %in, %g : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x3x16xf32>
  return %dk : tensor<3x3x16xf32>
}

// The bias gradient (dy summed over all but the channels) next to a kernel
// gradient is computed by its kernel: one more accumulator per channel
// vector adds every output-gradient vector the taps load anyway.
// CHECK-LABEL: func.func @kernel_and_bias_gradient
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4x4x16xf32>, %[[DY:.*]]: tensor<?x2x2x16xf32>)
// CHECK-NOT:     linalg.
// CHECK:         %[[BOTH:.*]]:2 = scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}, %[[SUMS:.*]] = %{{.*}}) -> (tensor<3x3x16xf32>, tensor<16xf32>)
// CHECK:           %[[ALL:.*]]:10 = scf.for
// CHECK:             %[[G:.*]] = vector.transfer_read %[[DY]]
// CHECK:             arith.addf %{{.*}}, %[[G]] : vector<8xf32>
// CHECK-COUNT-9:     vector.fma %{{.*}}, %[[G]]
// CHECK:           %[[SUM:.*]] = tensor.extract_slice %[[SUMS]][%{{.*}}] [8] [1]
// CHECK:           %[[WRITTEN:.*]] = vector.transfer_write %[[ALL]]#9, %[[SUM]][%c0]
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice
// CHECK:             tensor.parallel_insert_slice %[[WRITTEN]] into %[[SUMS]]
// CHECK-NOT:     linalg.
// CHECK:         return %[[BOTH]]#0, %[[BOTH]]#1
func.func @kernel_and_bias_gradient(%x: tensor<?x4x4x16xf32>, %dy: tensor<?x2x2x16xf32>) -> (tensor<3x3x16xf32>, tensor<16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x3x16xf32>) -> tensor<3x3x16xf32>
  %dk = linalg.generic {indexing_maps = [#dk_x, #dk_dy, #dk_out], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
          ins(%x, %dy : tensor<?x4x4x16xf32>, tensor<?x2x2x16xf32>) outs(%init : tensor<3x3x16xf32>) {
  ^bb0(%in: f32, %g: f32, %out: f32):
    %p = arith.mulf %in, %g : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x3x16xf32>
  %eb = tensor.empty() : tensor<16xf32>
  %initb = linalg.fill ins(%zero : f32) outs(%eb : tensor<16xf32>) -> tensor<16xf32>
  %db = linalg.generic {indexing_maps = [#id4, affine_map<(d0, d1, d2, d3) -> (d3)>], iterator_types = ["reduction", "reduction", "reduction", "parallel"]}
          ins(%dy : tensor<?x2x2x16xf32>) outs(%initb : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %dk, %db : tensor<3x3x16xf32>, tensor<16xf32>
}

// A generic reducing over the same loops that reads the input channel
// through another map (a conv2d filter gradient) is no depthwise op.
// CHECK-LABEL: func.func @not_depthwise
// CHECK:         linalg.generic
// CHECK-NOT:     vector.fma
func.func @not_depthwise(%x: tensor<?x10x10x4xf32>, %dy: tensor<?x8x8x16xf32>) -> tensor<3x3x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x3x16xf32>) -> tensor<3x3x16xf32>
  %dk = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d0 + d4, d1 + d5, d2 mod 4)>, #dk_dy, #dk_out], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
          ins(%x, %dy : tensor<?x10x10x4xf32>, tensor<?x8x8x16xf32>) outs(%init : tensor<3x3x16xf32>) {
  ^bb0(%in: f32, %g: f32, %out: f32):
    %p = arith.mulf %in, %g : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x3x16xf32>
  return %dk : tensor<3x3x16xf32>
}
