//===- NormalizationReference.h - batch norm and dropout in double -*- C++
//-*-===//
//
// Keras 3 BatchNormalization (axis -1) in both modes, its moving-average
// update, and Dropout in training mode with the mask cnnc draws
// (docs/training.md), in double precision, written from the Keras source
// (keras/src/layers/normalization/batch_normalization.py,
// keras/src/layers/regularization/dropout.py) and runtime/support/Philox.h,
// not from the compiler's lowering.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_NUMERIC_NORMALIZATIONREFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_NORMALIZATIONREFERENCE_H

#include "Reference.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace cnnc::numeric {

/// Inference mode: `(x - mean) / sqrt(variance + epsilon) * gamma + beta`
/// per channel (the last axis) of a [N, ..., C] tensor; a null `gamma` is 1
/// (Keras `scale=False`), a null `beta` 0 (`center=False`).
Tensor batchNormInference(const Tensor &x, const Tensor &mean,
                          const Tensor &variance, const Tensor *gamma,
                          const Tensor *beta, double epsilon);

/// The per-channel mean and biased variance over every axis but the last
/// (Keras `ops.moments`).
struct Moments {
  Tensor mean, variance;
};
Moments batchMoments(const Tensor &x);

/// Training mode: normalizes with the batch's own moments.
Tensor batchNormTraining(const Tensor &x, const Tensor *gamma,
                         const Tensor *beta, double epsilon);

/// Keras's state update: `moving * momentum + statistic * (1 - momentum)`.
Tensor movingAverage(const Tensor &moving, const Tensor &statistic,
                     double momentum);

/// What keys a dropout layer's mask in one training step.
struct DropoutKey {
  uint64_t seed = 0;   ///< train_step's seed
  uint64_t step = 1;   ///< train_step's step
  uint32_t stream = 0; ///< the layer's rank among the random layers
  std::optional<int64_t> layerSeed; ///< the op's `seed` attribute
};

/// Whether element `element` (row-major within an image of `perImage`
/// elements) of image `image` is kept: Philox4x32-10 as docs/training.md
/// specifies.
bool dropoutKeeps(const DropoutKey &key, double rate, int64_t image,
                  int64_t element, int64_t perImage);

/// Training mode: kept elements divided by 1 - rate, the others 0.
Tensor dropoutTraining(const Tensor &x, double rate, const DropoutKey &key);

} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_NORMALIZATIONREFERENCE_H
