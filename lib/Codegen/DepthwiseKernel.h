//===- DepthwiseKernel.h - vector kernels for depthwise conv ----*- C++ -*-===//
//
// Internal to lib/Codegen: the depthwise convolutions and kernel gradients
// cnn-vectorize-depthwise recognizes (DepthwiseAnalysis.cpp) and the builder
// of their vector kernels (DepthwiseKernel.cpp). Both kinds are written over
// flat output channels j = c * M + m, which read input channel j floordiv M:
//
//   convolution:     out[n, oh, ow, j] += x[n, oh*s0 + kh*d0, ow*s1 + kw*d1,
//                                          j / M] * k[kh, kw, j]
//   kernel gradient: dk[kh, kw, j] += x[n, oh*s0 + kh*d0, ow*s1 + kw*d1, j / M]
//                                     * dy[n, oh, ow, j]
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_CODEGEN_DEPTHWISEKERNEL_H
#define CNNC_LIB_CODEGEN_DEPTHWISEKERNEL_H

#include "ContractionKernel.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <array>

namespace cnnc::codegen {

/// A depthwise op the kernels compute, with its geometry.
struct DepthwiseInfo {
  enum class Kind {
    /// linalg.depthwise_conv_2d_nhwc_hwc or _hwcm (forward, input gradient).
    Convolution,
    /// The kernel gradient generic of cnn-to-linalg.
    KernelGradient,
  };
  Kind kind = Kind::Convolution;
  mlir::linalg::LinalgOp op;
  /// The (padded) input [N, H, W, C].
  Value input;
  /// Convolution: the kernel ([KH, KW, C] or [KH, KW, C, M]);
  /// kernel gradient: the output gradient [N, OH, OW, C * M].
  Value operand;
  int64_t kernelH = 0, kernelW = 0;
  int64_t channels = 0, multiplier = 1;
  int64_t outputH = 0, outputW = 0;
  std::array<int64_t, 2> strides = {1, 1}, dilations = {1, 1};
  /// Zero padding the kernel applies itself: when the input is a
  /// tensor.pad of zeros along H and W only, `input` is its source and the
  /// kernel skips the taps that fall into the padding. Input row
  /// oh * s0 + kh * d0 - padTop of `inputH` rows (likewise for columns).
  int64_t padTop = 0, padLeft = 0;
  int64_t inputH = 0, inputW = 0;
  /// An HWCM convolution's only user, the tensor.collapse_shape of its
  /// [N, OH, OW, C, M] result to [N, OH, OW, C * M] (null when it has
  /// another use).
  mlir::tensor::CollapseShapeOp collapse;

  /// A linalg.depthwise_conv_2d_nhwc_hwcm ([N, OH, OW, C, M] output).
  bool hwcm = false;

  int64_t outputChannels() const { return channels * multiplier; }
};

/// Recognizes `op`: f32 tensors, static extents except the batch.
llvm::FailureOr<DepthwiseInfo> analyzeDepthwise(mlir::linalg::LinalgOp op);

/// Makes the kernel read the source of a zero tensor.pad of `info.input`
/// (H and W only) and apply the padding itself.
void absorbPadding(DepthwiseInfo &info);

/// An output coordinate of a kernel loop: known at compile time at the
/// borders, where some taps fall into the padding, or the induction
/// variable of the interior, where none does.
struct Position {
  Value value;
  std::optional<int64_t> known;
};

/// The interior of one spatial dimension: the output positions [begin, end)
/// whose taps all read inside the input.
struct Interior {
  int64_t begin = 0, end = 0;
};

/// The interior of `outputs` positions with the given geometry.
Interior computeInterior(int64_t outputs, int64_t stride, int64_t dilation,
                         int64_t taps, int64_t padBefore, int64_t input);

/// How a kernel is blocked.
struct DepthwiseTiling {
  /// Lanes of a channel vector.
  int64_t width = 1;
  /// Convolution: output columns per register block. Kernel gradient:
  /// kernel rows per iteration (their taps' accumulators stay in
  /// registers).
  int64_t block = 1;
  /// Whether the iterations run on threads.
  bool parallel = true;
};

/// A reduction of a kernel gradient's output gradient over every dimension
/// but the channels (the layer's bias gradient) that the kernel computes on
/// the way: it loads every output-gradient vector anyway.
struct ChannelSum {
  mlir::linalg::GenericOp op;
  /// The value the sum starts from (its init is a fill of it).
  Value start;
};

/// The bias-gradient reduction of `info`'s output gradient that its kernel
/// can compute (a kernel gradient whose taps all stay in one iteration).
std::optional<ChannelSum> findChannelSum(const DepthwiseInfo &info,
                                         const DepthwiseTiling &tiling);

/// Builds the kernel of one depthwise op in front of the op it replaces.
class DepthwiseKernelBuilder {
public:
  /// `flatInit` is the [N, OH, OW, C * M] (convolution) or [KH, KW, C * M]
  /// (kernel gradient) tensor the op accumulates into; `accumulator` and
  /// `epilogue` what the kernel absorbs (see ContractionKernel.h).
  DepthwiseKernelBuilder(const DepthwiseInfo &info,
                         const DepthwiseTiling &tiling, Value flatInit,
                         const AccumulatorSource &accumulator,
                         std::optional<Epilogue> epilogue);

  /// Builds the forall at `b`'s insertion point; returns the flat result
  /// (and, after setChannelSum, the channel sum).
  mlir::ValueRange build(OpBuilder &b);

  /// Computes `sum` in the kernel-gradient kernel too.
  void setChannelSum(const ChannelSum &sum) { channelSum = sum; }

private:
  Value constant(OpBuilder &b, int64_t value);
  /// `width` lanes of `source` (a tensor) from `indices`.
  Value loadVector(OpBuilder &b, Value source, ValueRange indices);
  /// The input lanes of output channels [j, j + width): input channels
  /// j / M, one lane per output channel.
  Value loadInput(OpBuilder &b, Value image, Value row, Value column, Value j);
  /// `count` initial accumulators at `indices` of the flat output, stepping
  /// along dimension `steppedDim`; `tile` holds them when it is a slice of
  /// the op's own init at `tileIndices`.
  SmallVector<Value> initialAccumulators(OpBuilder &b, int64_t count,
                                         Value tile,
                                         ArrayRef<Value> tileIndices,
                                         ArrayRef<Value> indices,
                                         unsigned steppedDim, Value j);
  Value buildConvolution(OpBuilder &b);
  /// `count` output columns from `firstColumn` of row (`image`, `row`),
  /// channel vector `j`, written into `tile` (one output row); the kh loop
  /// runs over [khBegin, khEnd), the kernel rows inside the input.
  Value emitColumns(OpBuilder &b, int64_t count, Value tile, Value image,
                    Value row, Position firstColumn, Value j, Value khBegin,
                    Value khEnd);
  /// The kernel rows [begin, end) that read inside the input for output row
  /// `row`.
  std::pair<Value, Value> kernelRowRange(OpBuilder &b, Value row);
  /// The input index of output position `position` and tap `tap` along
  /// dimension 0 (rows) or 1 (columns), or nullopt when a known position's
  /// tap falls into the padding.
  std::optional<Value> inputIndex(OpBuilder &b, Position position, Value tap,
                                  std::optional<int64_t> knownTap,
                                  unsigned dim);
  mlir::ValueRange buildKernelGradient(OpBuilder &b);
  /// One reduction step of the kernel gradient at (image, oh, ow).
  SmallVector<Value> accumulateTaps(OpBuilder &b, Value image, Position oh,
                                    Position ow, Value j, Value firstRow,
                                    ValueRange accs);
  /// The reduction over one output row's positions, with the border
  /// columns peeled.
  SmallVector<Value> reduceRow(OpBuilder &b, Value image, Position oh, Value j,
                               Value firstRow, ValueRange accs);
  mlir::scf::ForallOp createLoop(OpBuilder &b,
                                 ArrayRef<mlir::OpFoldResult> bounds,
                                 ValueRange outputs);

  DepthwiseInfo info;
  DepthwiseTiling tiling;
  Value flatInit;
  AccumulatorSource accumulator;
  std::optional<Epilogue> epilogue;
  Location loc;
  VectorType vectorType;
  /// The tensor the kernel writes into.
  Value destination;
  /// Convolution: the kernel as [KH, KW, C * M].
  Value flatKernel;
  std::optional<ChannelSum> channelSum;
};

} // namespace cnnc::codegen

#endif // CNNC_LIB_CODEGEN_DEPTHWISEKERNEL_H
