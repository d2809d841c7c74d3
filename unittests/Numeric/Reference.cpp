//===- Reference.cpp - double-precision reference for the cnn ops ---------===//
//
// Straight loops over every output element, each computed from its
// definition: which input positions a window covers, which of them lie inside
// the image, and what is summed, compared or counted there. No tiling, no
// im2col, no shared code with the compiler.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace cnnc::numeric {

namespace {

/// Aborts on a malformed call: a bug in the test, not in the compiler.
void require(bool condition, const char *message) {
  if (condition)
    return;
  std::fprintf(stderr, "numeric reference: %s\n", message);
  std::abort();
}

} // namespace

const char *toString(Padding padding) {
  return padding == Padding::Valid ? "valid" : "same";
}

const char *toString(Activation activation) {
  switch (activation) {
  case Activation::None:
    return "none";
  case Activation::Relu:
    return "relu";
  case Activation::Sigmoid:
    return "sigmoid";
  case Activation::Tanh:
    return "tanh";
  case Activation::LeakyRelu:
    return "leaky_relu";
  case Activation::Elu:
    return "elu";
  case Activation::Selu:
    return "selu";
  case Activation::Relu6:
    return "relu6";
  case Activation::Silu:
    return "silu";
  case Activation::Gelu:
    return "gelu";
  case Activation::Softplus:
    return "softplus";
  case Activation::HardSigmoid:
    return "hard_sigmoid";
  case Activation::HardSwish:
    return "hard_swish";
  }
  return "?";
}

const char *toString(PoolKind kind) {
  switch (kind) {
  case PoolKind::Max:
    return "max_pool2d";
  case PoolKind::Avg:
    return "avg_pool2d";
  case PoolKind::Min:
    return "min_pool2d";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

Tensor::Tensor(std::vector<int64_t> shape) : shape(std::move(shape)) {
  data.assign(numElements(), 0.0);
}

int64_t Tensor::numElements() const {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  return count;
}

double &Tensor::at(int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
  require(rank() == 4, "rank-4 access to a tensor of another rank");
  require(i0 >= 0 && i0 < shape[0] && i1 >= 0 && i1 < shape[1] && i2 >= 0 &&
              i2 < shape[2] && i3 >= 0 && i3 < shape[3],
          "rank-4 index out of bounds");
  return data[((i0 * shape[1] + i1) * shape[2] + i2) * shape[3] + i3];
}

double Tensor::at(int64_t i0, int64_t i1, int64_t i2, int64_t i3) const {
  return const_cast<Tensor *>(this)->at(i0, i1, i2, i3);
}

double &Tensor::at(int64_t i0, int64_t i1) {
  require(rank() == 2, "rank-2 access to a tensor of another rank");
  require(i0 >= 0 && i0 < shape[0] && i1 >= 0 && i1 < shape[1],
          "rank-2 index out of bounds");
  return data[i0 * shape[1] + i1];
}

double Tensor::at(int64_t i0, int64_t i1) const {
  return const_cast<Tensor *>(this)->at(i0, i1);
}

//===----------------------------------------------------------------------===//
// Window arithmetic and activations
//===----------------------------------------------------------------------===//

WindowDim computeWindow(int64_t input, int64_t window, int64_t stride,
                        int64_t dilation, Padding padding) {
  require(window >= 1 && stride >= 1 && dilation >= 1, "bad window");
  // Rows of the input one window position touches, first to last inclusive.
  int64_t span = (window - 1) * dilation + 1;
  WindowDim dim;
  if (padding == Padding::Valid) {
    // Positions p = 0, stride, 2*stride, ... with p + span <= input.
    for (int64_t p = 0; p + span <= input; p += stride)
      ++dim.output;
    return dim;
  }
  dim.output = (input + stride - 1) / stride; // ceil(input / stride)
  int64_t total =
      std::max<int64_t>((dim.output - 1) * stride + span - input, 0);
  dim.padBefore = total / 2;
  return dim;
}

double leakyRelu(double x, double slope) { return x >= 0.0 ? x : slope * x; }

double elu(double x, double alpha) {
  return x > 0.0 ? x : alpha * (std::exp(x) - 1.0);
}

double gelu(double x, bool approximate) {
  const double pi = 3.14159265358979323846;
  if (approximate)
    return 0.5 * x *
           (1.0 + std::tanh(std::sqrt(2.0 / pi) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

namespace {
/// keras.activations.hard_sigmoid in Keras 3: relu6(x + 3) / 6.
double hardSigmoid(double x) {
  return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
}
} // namespace

double activate(double x, Activation activation) {
  // SELU's constants (keras/src/backend/numpy/nn.py).
  const double seluAlpha = 1.6732632423543772848170429916717;
  const double seluScale = 1.0507009873554804934193349852946;
  switch (activation) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return x > 0.0 ? x : 0.0;
  case Activation::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case Activation::Tanh:
    return std::tanh(x);
  case Activation::LeakyRelu:
    return leakyRelu(x, 0.2);
  case Activation::Elu:
    return elu(x, 1.0);
  case Activation::Selu:
    return seluScale * elu(x, seluAlpha);
  case Activation::Relu6:
    return std::min(std::max(x, 0.0), 6.0);
  case Activation::Silu:
    return x / (1.0 + std::exp(-x));
  case Activation::Gelu:
    return gelu(x, false);
  case Activation::Softplus:
    // log(1 + exp(x)) as np.logaddexp(x, 0) computes it.
    return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
  case Activation::HardSigmoid:
    return hardSigmoid(x);
  case Activation::HardSwish:
    return x * hardSigmoid(x);
  }
  return x;
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

Tensor conv2d(const Tensor &input, const Tensor &filter, const Tensor *bias,
              std::array<int64_t, 2> strides, std::array<int64_t, 2> dilations,
              Padding padding, Activation activation) {
  require(input.rank() == 4 && filter.rank() == 4, "conv2d needs rank 4");
  require(input.dim(3) == filter.dim(2), "conv2d channel mismatch");
  int64_t batch = input.dim(0), height = input.dim(1), width = input.dim(2);
  int64_t channels = input.dim(3);
  int64_t kernelH = filter.dim(0), kernelW = filter.dim(1);
  int64_t filters = filter.dim(3);
  require(!bias || (bias->rank() == 1 && bias->dim(0) == filters),
          "conv2d bias shape");
  WindowDim rows =
      computeWindow(height, kernelH, strides[0], dilations[0], padding);
  WindowDim cols =
      computeWindow(width, kernelW, strides[1], dilations[1], padding);

  Tensor output({batch, rows.output, cols.output, filters});
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oh = 0; oh < rows.output; ++oh)
      for (int64_t ow = 0; ow < cols.output; ++ow)
        for (int64_t f = 0; f < filters; ++f) {
          double sum = 0.0;
          for (int64_t kh = 0; kh < kernelH; ++kh) {
            int64_t ih = oh * strides[0] - rows.padBefore + kh * dilations[0];
            if (ih < 0 || ih >= height)
              continue; // zero padding contributes nothing
            for (int64_t kw = 0; kw < kernelW; ++kw) {
              int64_t iw = ow * strides[1] - cols.padBefore + kw * dilations[1];
              if (iw < 0 || iw >= width)
                continue;
              for (int64_t c = 0; c < channels; ++c)
                sum += input.at(n, ih, iw, c) * filter.at(kh, kw, c, f);
            }
          }
          if (bias)
            sum += bias->data[f];
          output.at(n, oh, ow, f) = activate(sum, activation);
        }
  return output;
}

Tensor pool2d(PoolKind kind, const Tensor &input, std::array<int64_t, 2> window,
              std::optional<std::array<int64_t, 2>> strides, Padding padding) {
  require(input.rank() == 4, "pool2d needs rank 4");
  std::array<int64_t, 2> step = strides.value_or(window);
  int64_t batch = input.dim(0), height = input.dim(1), width = input.dim(2);
  int64_t channels = input.dim(3);
  WindowDim rows = computeWindow(height, window[0], step[0], 1, padding);
  WindowDim cols = computeWindow(width, window[1], step[1], 1, padding);

  Tensor output({batch, rows.output, cols.output, channels});
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oh = 0; oh < rows.output; ++oh)
      for (int64_t ow = 0; ow < cols.output; ++ow)
        for (int64_t c = 0; c < channels; ++c) {
          double best = kind == PoolKind::Max
                            ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
          double sum = 0.0;
          int64_t count = 0;
          for (int64_t kh = 0; kh < window[0]; ++kh) {
            int64_t ih = oh * step[0] - rows.padBefore + kh;
            if (ih < 0 || ih >= height)
              continue; // padding takes no part in any reduction
            for (int64_t kw = 0; kw < window[1]; ++kw) {
              int64_t iw = ow * step[1] - cols.padBefore + kw;
              if (iw < 0 || iw >= width)
                continue;
              double x = input.at(n, ih, iw, c);
              best =
                  kind == PoolKind::Max ? std::max(best, x) : std::min(best, x);
              sum += x;
              ++count;
            }
          }
          require(count > 0, "pool window entirely in the padding");
          output.at(n, oh, ow, c) =
              kind == PoolKind::Avg ? sum / static_cast<double>(count) : best;
        }
  return output;
}

Tensor dense(const Tensor &input, const Tensor &kernel, const Tensor *bias,
             Activation activation) {
  require(input.rank() == 2 && kernel.rank() == 2, "dense needs rank 2");
  require(input.dim(1) == kernel.dim(0), "dense feature mismatch");
  int64_t batch = input.dim(0), features = input.dim(1);
  int64_t units = kernel.dim(1);
  require(!bias || (bias->rank() == 1 && bias->dim(0) == units),
          "dense bias shape");
  Tensor output({batch, units});
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t u = 0; u < units; ++u) {
      double sum = 0.0;
      for (int64_t f = 0; f < features; ++f)
        sum += input.at(n, f) * kernel.at(f, u);
      if (bias)
        sum += bias->data[u];
      output.at(n, u) = activate(sum, activation);
    }
  return output;
}

Tensor flatten(const Tensor &input) {
  require(input.rank() >= 1, "flatten needs a batch dimension");
  Tensor output;
  int64_t batch = input.dim(0);
  int64_t features = 1;
  for (size_t i = 1; i < input.rank(); ++i)
    features *= input.dim(i);
  output.shape = {batch, features};
  output.data = input.data; // row-major: the order of elements is unchanged
  return output;
}

Tensor applyActivation(const Tensor &input, Activation activation) {
  Tensor output = input;
  for (double &x : output.data)
    x = activate(x, activation);
  return output;
}

Tensor mapElements(const Tensor &input,
                   const std::function<double(double)> &f) {
  Tensor output = input;
  for (double &x : output.data)
    x = f(x);
  return output;
}

Tensor relu(const Tensor &input) {
  return applyActivation(input, Activation::Relu);
}

Tensor sigmoid(const Tensor &input) {
  return applyActivation(input, Activation::Sigmoid);
}

Tensor tanh(const Tensor &input) {
  return applyActivation(input, Activation::Tanh);
}

Tensor softmax(const Tensor &input) {
  require(input.rank() >= 1, "softmax needs rank >= 1");
  Tensor output = input;
  int64_t inner = input.shape.back();
  int64_t outer = inner == 0 ? 0 : input.numElements() / inner;
  for (int64_t row = 0; row < outer; ++row) {
    const double *x = &input.data[row * inner];
    double *y = &output.data[row * inner];
    double max = *std::max_element(x, x + inner);
    double sum = 0.0;
    for (int64_t i = 0; i < inner; ++i)
      sum += std::exp(x[i] - max);
    for (int64_t i = 0; i < inner; ++i)
      y[i] = std::exp(x[i] - max) / sum;
  }
  return output;
}

Tensor add(const Tensor &lhs, const Tensor &rhs) {
  require(lhs.shape == rhs.shape, "add needs equal shapes");
  Tensor output = lhs;
  for (size_t i = 0; i < output.data.size(); ++i)
    output.data[i] += rhs.data[i];
  return output;
}

} // namespace cnnc::numeric
