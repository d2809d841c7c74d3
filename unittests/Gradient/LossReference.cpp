//===- LossReference.cpp - double-precision losses and accuracy -----------===//
//
// Straight loops from the definitions; the log-sum-exp subtracts the row
// maximum, which changes nothing in exact arithmetic and keeps exp finite.
//
//===----------------------------------------------------------------------===//

#include "LossReference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cnnc::gradient {

const char *toString(Loss loss) {
  switch (loss) {
  case Loss::SparseCategoricalCrossentropy:
    return "sparse_categorical_crossentropy";
  case Loss::CategoricalCrossentropy:
    return "categorical_crossentropy";
  case Loss::MeanSquaredError:
    return "mean_squared_error";
  }
  return "?";
}

namespace {

/// Checks the shapes of a loss call; aborts on a bug in the test itself.
void checkShapes(const numeric::Tensor &logits,
                 const std::vector<int32_t> &labels) {
  bool ok =
      logits.rank() == 2 && static_cast<size_t>(logits.dim(0)) == labels.size();
  for (int32_t label : labels)
    ok = ok && label >= 0 && label < logits.dim(1);
  if (ok)
    return;
  std::fprintf(stderr, "loss reference: bad logits or labels\n");
  std::abort();
}

} // namespace

double referenceLoss(const numeric::Tensor &logits,
                     const std::vector<int32_t> &labels, Loss loss) {
  checkShapes(logits, labels);
  int64_t batch = logits.dim(0), classes = logits.dim(1);
  if (batch == 0)
    return 0.0;
  double total = 0.0;
  for (int64_t n = 0; n < batch; ++n) {
    const double *z = &logits.data[n * classes];
    if (loss == Loss::MeanSquaredError) {
      double sum = 0.0;
      for (int64_t k = 0; k < classes; ++k) {
        double diff = z[k] - (k == labels[n] ? 1.0 : 0.0);
        sum += diff * diff;
      }
      total += sum / static_cast<double>(classes);
      continue;
    }
    double max = *std::max_element(z, z + classes);
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k)
      sum += std::exp(z[k] - max);
    total += max + std::log(sum) - z[labels[n]];
  }
  return total / static_cast<double>(batch);
}

int64_t referenceCorrect(const numeric::Tensor &logits,
                         const std::vector<int32_t> &labels) {
  checkShapes(logits, labels);
  int64_t batch = logits.dim(0), classes = logits.dim(1);
  int64_t correct = 0;
  for (int64_t n = 0; n < batch; ++n) {
    const double *z = &logits.data[n * classes];
    // std::max_element returns the first of equal maxima.
    correct += (std::max_element(z, z + classes) - z) == labels[n];
  }
  return correct;
}

} // namespace cnnc::gradient
