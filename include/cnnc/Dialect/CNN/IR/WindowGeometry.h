//===- WindowGeometry.h - Keras sliding-window arithmetic -------*- C++ -*-===//
//
// Output extents and padding of convolution and pooling windows along one
// spatial dimension, with Keras/TensorFlow semantics. Shape inference and the
// lowerings share these rules so they can never disagree. All arithmetic is
// overflow-checked.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_WINDOWGEOMETRY_H
#define CNNC_DIALECT_CNN_IR_WINDOWGEOMETRY_H

#include "cnnc/Dialect/CNN/IR/CNNDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"

namespace cnnc::cnn {

/// The most elements one image (one batch entry) of any tensor of a model
/// may have, padded buffers included: 2^40 floats, 4 TiB. Everything the
/// compiler and the runtime derive from a shape (byte sizes, strides, batch
/// limits) then fits in int64 with room to spare.
inline constexpr int64_t kMaxElementsPerImage = int64_t(1) << 40;

/// Callback producing a diagnostic; an inert `InFlightDiagnostic` when the
/// caller only wants to know whether the shape is valid.
using EmitErrorFn = llvm::function_ref<mlir::InFlightDiagnostic()>;

/// The geometry of a window sliding along one spatial dimension.
struct WindowDim {
  int64_t input = 0;           ///< input extent
  int64_t window = 0;          ///< window extent before dilation
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t dilatedWindow = 0;   ///< (window - 1) * dilation + 1
  int64_t output = 0;          ///< output extent
  int64_t padBefore = 0;       ///< zero rows/columns added at the top/left
  int64_t padAfter = 0;        ///< zero rows/columns added at the bottom/right
};

/// Computes the geometry of one spatial dimension named `dimName` ("height"
/// or "width"). With `valid` padding the dilated window must fit in the
/// input; with `same` padding the output extent is ceil(input / stride) and
/// the padding total is split with the odd element after (TensorFlow).
mlir::FailureOr<WindowDim> computeWindowDim(int64_t input, int64_t window,
                                            int64_t stride, int64_t dilation,
                                            Padding padding,
                                            llvm::StringRef dimName,
                                            EmitErrorFn emitError);

/// Checks that the input padded for the windows of `height` and `width`,
/// with `channels` channels, has at most kMaxElementsPerImage elements per
/// image (a huge dilation with `same` padding pads the input by the dilated
/// window).
mlir::LogicalResult verifyPaddedSize(const WindowDim &height,
                                     const WindowDim &width, int64_t channels,
                                     EmitErrorFn emitError);

/// Checks that `values` holds exactly two positive integers; `what` names the
/// attribute in the diagnostic ("strides", "dilations", "window").
mlir::LogicalResult verifyPositivePair(llvm::ArrayRef<int64_t> values,
                                       llvm::StringRef what,
                                       EmitErrorFn emitError);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_IR_WINDOWGEOMETRY_H
