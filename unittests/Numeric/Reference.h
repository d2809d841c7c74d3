//===- Reference.h - double-precision reference for the cnn ops -*- C++ -*-===//
//
// A deliberately plain implementation of every layer op of the `cnn` dialect,
// in double precision on NHWC images and HWCF filters, written from the
// Keras/TensorFlow definitions (not from the compiler's lowering). The numeric
// tests run a compiled model and compare its float output with these
// functions applied to the same (float-valued) inputs and parameters.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_NUMERIC_REFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_REFERENCE_H

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::numeric {

/// Keras `padding`.
enum class Padding { Valid, Same };

/// The fused activation of conv2d and dense (Keras `activation`): the Keras 3
/// activation function of that name with its default parameters. Each also
/// names a standalone layer op, `cnn.<toString>`.
enum class Activation {
  None,
  Relu,
  Sigmoid,
  Tanh,
  LeakyRelu,
  Elu,
  Selu,
  Relu6,
  Silu,
  Gelu,
  Softplus,
  HardSigmoid,
  HardSwish,
};

/// Every activation but `none`, for tests that cover them all.
inline constexpr Activation kAllActivations[] = {
    Activation::Relu,      Activation::Sigmoid,     Activation::Tanh,
    Activation::LeakyRelu, Activation::Elu,         Activation::Selu,
    Activation::Relu6,     Activation::Silu,        Activation::Gelu,
    Activation::Softplus,  Activation::HardSigmoid, Activation::HardSwish};

/// The reduction of a pooling layer.
enum class PoolKind { Max, Avg, Min };

/// The spelling used by the `cnn` dialect's assembly format.
const char *toString(Padding padding);
const char *toString(Activation activation);
/// The op mnemonic: max_pool2d, avg_pool2d or min_pool2d.
const char *toString(PoolKind kind);

/// A dense row-major tensor of doubles.
struct Tensor {
  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  explicit Tensor(std::vector<int64_t> shape);

  /// Number of elements: the product of the shape.
  int64_t numElements() const;
  /// Extent of dimension `i`.
  int64_t dim(size_t i) const { return shape.at(i); }
  size_t rank() const { return shape.size(); }

  /// Element access for rank-4 (NHWC or HWCF) tensors.
  double &at(int64_t i0, int64_t i1, int64_t i2, int64_t i3);
  double at(int64_t i0, int64_t i1, int64_t i2, int64_t i3) const;
  /// Element access for rank-2 tensors.
  double &at(int64_t i0, int64_t i1);
  double at(int64_t i0, int64_t i1) const;

  std::vector<int64_t> shape;
  std::vector<double> data;
};

/// Output extent and leading padding of one spatial dimension of a sliding
/// window (Keras/TensorFlow rules).
struct WindowDim {
  int64_t output = 0;
  int64_t padBefore = 0;
};

/// `valid`: the number of window positions fully inside the input.
/// `same`: ceil(input / stride) positions, the total padding
/// max((out - 1) * stride + (window - 1) * dilation + 1 - input, 0) split with
/// the smaller half before (top/left) and the odd element after.
WindowDim computeWindow(int64_t input, int64_t window, int64_t stride,
                        int64_t dilation, Padding padding);

/// Applies `activation` to one value, with the Keras function's defaults
/// (leaky_relu slope 0.2, elu alpha 1, exact gelu).
double activate(double x, Activation activation);

/// keras.activations.leaky_relu(x, negative_slope): x >= 0 ? x : slope x.
double leakyRelu(double x, double slope);
/// keras.activations.elu(x, alpha): x > 0 ? x : alpha (exp(x) - 1).
double elu(double x, double alpha);
/// keras.activations.gelu(x, approximate): x Phi(x), or the tanh form.
double gelu(double x, bool approximate);

/// Keras Conv2D: input [N,H,W,C], filter [KH,KW,C,F], optional bias [F]
/// (nullptr for none). Cross-correlation with zero padding.
Tensor conv2d(const Tensor &input, const Tensor &filter, const Tensor *bias,
              std::array<int64_t, 2> strides, std::array<int64_t, 2> dilations,
              Padding padding, Activation activation);

/// Keras MaxPooling2D / AveragePooling2D / "MinPooling2D" on [N,H,W,C].
/// `strides` default to the window. Padded positions are ignored: they never
/// win a max/min and are not counted by the average.
Tensor pool2d(PoolKind kind, const Tensor &input, std::array<int64_t, 2> window,
              std::optional<std::array<int64_t, 2>> strides, Padding padding);

/// Keras Dense: input [N,F] x kernel [F,U] + optional bias [U], activation.
Tensor dense(const Tensor &input, const Tensor &kernel, const Tensor *bias,
             Activation activation);

/// Keras Flatten: [N, d1, ..., dk] -> [N, d1 * ... * dk], row-major.
Tensor flatten(const Tensor &input);

/// Element-wise activations.
Tensor relu(const Tensor &input);
Tensor sigmoid(const Tensor &input);
Tensor tanh(const Tensor &input);
Tensor applyActivation(const Tensor &input, Activation activation);
/// `f` applied to every element.
Tensor mapElements(const Tensor &input, const std::function<double(double)> &f);

/// exp(x - max) / sum(exp(x - max)) along the last dimension.
Tensor softmax(const Tensor &input);

/// Element-wise sum of two tensors of one shape.
Tensor add(const Tensor &lhs, const Tensor &rhs);

} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_REFERENCE_H
