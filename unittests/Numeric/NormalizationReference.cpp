//===- NormalizationReference.cpp - batch norm and dropout in double ------===//
//
// Straight loops over the channels of [N, ..., C] tensors (the channel is
// the innermost, row-major index), and the dropout mask recomputed element
// by element from its Philox key and counter.
//
//===----------------------------------------------------------------------===//

#include "NormalizationReference.h"

#include "Philox.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cnnc::numeric {

namespace {

int64_t channelsOf(const Tensor &x) {
  if (x.rank() < 2) {
    std::fprintf(stderr, "normalization reference: rank < 2\n");
    std::abort();
  }
  return x.shape.back();
}

} // namespace

Tensor batchNormInference(const Tensor &x, const Tensor &mean,
                          const Tensor &variance, const Tensor *gamma,
                          const Tensor *beta, double epsilon) {
  int64_t channels = channelsOf(x);
  Tensor y(x.shape);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = i % channels;
    double value =
        (x.data[i] - mean.data[c]) / std::sqrt(variance.data[c] + epsilon);
    if (gamma)
      value *= gamma->data[c];
    if (beta)
      value += beta->data[c];
    y.data[i] = value;
  }
  return y;
}

Moments batchMoments(const Tensor &x) {
  int64_t channels = channelsOf(x);
  int64_t count = x.numElements() / channels;
  Moments moments{Tensor({channels}), Tensor({channels})};
  for (int64_t i = 0; i < x.numElements(); ++i)
    moments.mean.data[i % channels] += x.data[i];
  for (double &mean : moments.mean.data)
    mean /= count;
  for (int64_t i = 0; i < x.numElements(); ++i) {
    double centered = x.data[i] - moments.mean.data[i % channels];
    moments.variance.data[i % channels] += centered * centered;
  }
  for (double &variance : moments.variance.data)
    variance /= count;
  return moments;
}

Tensor batchNormTraining(const Tensor &x, const Tensor *gamma,
                         const Tensor *beta, double epsilon) {
  Moments moments = batchMoments(x);
  return batchNormInference(x, moments.mean, moments.variance, gamma, beta,
                            epsilon);
}

Tensor movingAverage(const Tensor &moving, const Tensor &statistic,
                     double momentum) {
  Tensor result(moving.shape);
  for (int64_t i = 0; i < moving.numElements(); ++i)
    result.data[i] =
        moving.data[i] * momentum + statistic.data[i] * (1.0 - momentum);
  return result;
}

bool dropoutKeeps(const DropoutKey &key, double rate, int64_t image,
                  int64_t element, int64_t perImage) {
  if (rate >= 1.0)
    return false;
  // The layer key: Philox of (stream, layer seed, has seed) under the seed.
  uint64_t layerSeed = static_cast<uint64_t>(key.layerSeed.value_or(0));
  uint32_t layer[4] = {key.stream, static_cast<uint32_t>(layerSeed),
                       static_cast<uint32_t>(layerSeed >> 32),
                       key.layerSeed ? 1u : 0u};
  cnnc_philox4x32_10(layer, static_cast<uint32_t>(key.seed),
                     static_cast<uint32_t>(key.seed >> 32));
  // With B = ceil(perImage / 4) blocks, element i is word i / B of the
  // Philox of (i % B, image, step).
  int64_t blocks = (perImage + 3) / 4;
  uint32_t block[4] = {static_cast<uint32_t>(element % blocks),
                       static_cast<uint32_t>(image),
                       static_cast<uint32_t>(key.step),
                       static_cast<uint32_t>(key.step >> 32)};
  cnnc_philox4x32_10(block, layer[0], layer[1]);
  double threshold =
      std::min(std::nearbyint(rate * 4294967296.0), 4294967295.0);
  return static_cast<double>(block[element / blocks]) >= threshold;
}

Tensor dropoutTraining(const Tensor &x, double rate, const DropoutKey &key) {
  int64_t perImage = x.numElements() / x.shape.front();
  Tensor y(x.shape);
  for (int64_t i = 0; i < x.numElements(); ++i)
    if (dropoutKeeps(key, rate, i / perImage, i % perImage, perImage))
      y.data[i] = x.data[i] / (1.0 - rate);
  return y;
}

} // namespace cnnc::numeric
