//===- LossReference.h - double-precision losses and accuracy ---*- C++ -*-===//
//
// The three losses cnnc compiles into train_step/evaluate, written from the
// Keras definitions on logits [N, K] and int32 class indices [N], in double
// precision: the numerical gradients of the tests are finite differences of
// these functions composed with the reference forward.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_GRADIENT_LOSSREFERENCE_H
#define CNNC_UNITTESTS_GRADIENT_LOSSREFERENCE_H

#include "Reference.h"

#include <cstdint>
#include <vector>

namespace cnnc::gradient {

/// cnnc's `--loss=` choices. Labels are class indices for all three.
enum class Loss {
  SparseCategoricalCrossentropy,
  CategoricalCrossentropy,
  MeanSquaredError,
};

/// The `--loss=` spelling, also the descriptor's `loss` string.
const char *toString(Loss loss);

/// The batch mean of the loss (0 for an empty batch):
///  - both cross-entropies (from logits): logsumexp(z_n) - z_n[label_n];
///  - mean squared error: mean over classes of (z_n[k] - onehot_n[k])^2.
double referenceLoss(const numeric::Tensor &logits,
                     const std::vector<int32_t> &labels, Loss loss);

/// Rows whose first maximal logit is at the label.
int64_t referenceCorrect(const numeric::Tensor &logits,
                         const std::vector<int32_t> &labels);

} // namespace cnnc::gradient

#endif // CNNC_UNITTESTS_GRADIENT_LOSSREFERENCE_H
