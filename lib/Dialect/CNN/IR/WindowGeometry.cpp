//===- WindowGeometry.cpp - Keras sliding-window arithmetic ---------------===//
//
// Implements the output-extent and padding rules of Keras Conv2D and pooling
// layers along one spatial dimension, with checked arithmetic.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;

LogicalResult cnnc::cnn::verifyPositivePair(ArrayRef<int64_t> values,
                                            StringRef what,
                                            EmitErrorFn emitError) {
  if (values.size() != 2)
    return emitError() << "'" << what << "' must have 2 elements (height, "
                       << "width), got " << values.size();
  if (values[0] <= 0 || values[1] <= 0)
    return emitError() << "'" << what << "' must be positive, got ["
                       << values[0] << ", " << values[1] << "]";
  return success();
}

LogicalResult cnnc::cnn::verifyPaddedSize(const WindowDim &height,
                                          const WindowDim &width,
                                          int64_t channels,
                                          EmitErrorFn emitError) {
  // Cannot overflow: the padded extent is max(input, the last window's end).
  int64_t paddedHeight = height.input + height.padBefore + height.padAfter;
  int64_t paddedWidth = width.input + width.padBefore + width.padAfter;
  std::optional<int64_t> elements =
      llvm::checkedMul(paddedHeight, paddedWidth);
  if (elements)
    elements = llvm::checkedMul(*elements, channels);
  if (elements && *elements <= kMaxElementsPerImage)
    return success();
  return emitError() << "the input, padded to " << paddedHeight << " x "
                     << paddedWidth << " x " << channels << " for a "
                     << height.dilatedWindow << " x " << width.dilatedWindow
                     << " window, would have more than 2^40 elements per "
                        "image, more than cnnc supports";
}

FailureOr<WindowDim> cnnc::cnn::computeWindowDim(int64_t input, int64_t window,
                                                 int64_t stride,
                                                 int64_t dilation,
                                                 Padding padding,
                                                 StringRef dimName,
                                                 EmitErrorFn emitError) {
  WindowDim dim;
  dim.input = input;
  dim.window = window;
  dim.stride = stride;
  dim.dilation = dilation;
  if (input <= 0) {
    emitError() << "input " << dimName << " must be positive, got " << input;
    return failure();
  }
  std::optional<int64_t> span = llvm::checkedMul(window - 1, dilation);
  std::optional<int64_t> dilated =
      span ? llvm::checkedAdd(*span, int64_t(1)) : std::nullopt;
  if (!dilated) {
    emitError() << "dilated window " << dimName << " overflows int64";
    return failure();
  }
  dim.dilatedWindow = *dilated;

  if (padding == Padding::Valid) {
    if (dim.dilatedWindow > input) {
      emitError() << "window " << dimName << " " << dim.dilatedWindow
                  << (dilation > 1 ? " (dilated)" : "")
                  << " is larger than the input " << dimName << " " << input
                  << " with padding = valid";
      return failure();
    }
    dim.output = (input - dim.dilatedWindow) / stride + 1;
    return dim;
  }

  // same: out = ceil(in / stride); the window must reach the last input.
  dim.output = input / stride + (input % stride != 0);
  // (output - 1) * stride < input, so only the product can overflow.
  std::optional<int64_t> reach = llvm::checkedMul(dim.output - 1, stride);
  std::optional<int64_t> end =
      reach ? llvm::checkedAdd(*reach, dim.dilatedWindow) : std::nullopt;
  if (!end) {
    emitError() << "padded " << dimName << " overflows int64";
    return failure();
  }
  int64_t total = std::max<int64_t>(*end - input, 0);
  dim.padBefore = total / 2;
  dim.padAfter = total - dim.padBefore;
  return dim;
}
