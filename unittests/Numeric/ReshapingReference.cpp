//===- ReshapingReference.cpp - reference pooling, padding, concat --------===//
//
// Straight loops over every output element from the Keras definitions: the
// mean or maximum of one channel over the whole image, an input element or
// a zero, the element of whichever input covers the output channel.
//
//===----------------------------------------------------------------------===//

#include "ReshapingReference.h"

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace cnnc::numeric {

namespace {

/// Aborts on a malformed call: a bug in the test, not in the compiler.
void require(bool condition, const char *message) {
  if (condition)
    return;
  std::fprintf(stderr, "reshaping reference: %s\n", message);
  std::abort();
}

} // namespace

Tensor globalPool2d(PoolKind kind, const Tensor &input, bool keepdims) {
  require(input.rank() == 4, "global pooling needs an NHWC tensor");
  require(kind != PoolKind::Min, "Keras has no global min pooling");
  int64_t n = input.dim(0), h = input.dim(1), w = input.dim(2),
          c = input.dim(3);
  Tensor output({n, c});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c; ++k) {
      double result = kind == PoolKind::Max
                          ? -std::numeric_limits<double>::infinity()
                          : 0.0;
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          double value = input.at(b, y, x, k);
          result =
              kind == PoolKind::Max ? std::max(result, value) : result + value;
        }
      output.at(b, k) = kind == PoolKind::Max ? result : result / double(h * w);
    }
  if (keepdims)
    output.shape = {n, 1, 1, c};
  return output;
}

Tensor zeroPad2d(const Tensor &input, const std::array<int64_t, 4> &padding) {
  require(input.rank() == 4, "zero padding needs an NHWC tensor");
  auto [top, bottom, left, right] = padding;
  Tensor output({input.dim(0), input.dim(1) + top + bottom,
                 input.dim(2) + left + right, input.dim(3)});
  for (int64_t b = 0; b < output.dim(0); ++b)
    for (int64_t y = 0; y < output.dim(1); ++y)
      for (int64_t x = 0; x < output.dim(2); ++x)
        for (int64_t k = 0; k < output.dim(3); ++k) {
          int64_t iy = y - top, ix = x - left;
          bool inside =
              iy >= 0 && iy < input.dim(1) && ix >= 0 && ix < input.dim(2);
          output.at(b, y, x, k) = inside ? input.at(b, iy, ix, k) : 0.0;
        }
  return output;
}

Tensor concat(const std::vector<const Tensor *> &inputs) {
  require(!inputs.empty(), "concatenation needs inputs");
  std::vector<int64_t> shape = inputs.front()->shape;
  int64_t channels = 0;
  for (const Tensor *input : inputs) {
    require(input->rank() == shape.size(), "concatenated ranks differ");
    for (size_t d = 0; d + 1 < shape.size(); ++d)
      require(input->dim(d) == shape[d], "concatenated extents differ");
    channels += input->shape.back();
  }
  shape.back() = channels;
  Tensor output(shape);
  // Row-major: every position of the leading dimensions holds `channels`
  // values, the inputs' channels one after the other.
  int64_t positions = channels == 0 ? 0 : output.numElements() / channels;
  for (int64_t p = 0; p < positions; ++p) {
    int64_t offset = 0;
    for (const Tensor *input : inputs) {
      int64_t width = input->shape.back();
      for (int64_t k = 0; k < width; ++k)
        output.data[p * channels + offset + k] = input->data[p * width + k];
      offset += width;
    }
  }
  return output;
}

} // namespace cnnc::numeric
