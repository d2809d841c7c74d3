//===- ReshapingReference.h - reference pooling, padding, concat -*- C++
//-*-===//
//
// Double-precision reference of Keras's GlobalAveragePooling2D,
// GlobalMaxPooling2D, ZeroPadding2D and Concatenate(axis=-1), written from
// their Keras definitions (ops.mean / ops.max over axes 1 and 2, zeros
// around every image, inputs side by side along the last axis).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_NUMERIC_RESHAPINGREFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_RESHAPINGREFERENCE_H

#include "Reference.h"

namespace cnnc::numeric {

/// Keras GlobalAveragePooling2D (kind Avg) / GlobalMaxPooling2D (kind Max) on
/// [N, H, W, C]: [N, C], or [N, 1, 1, C] with `keepdims`.
Tensor globalPool2d(PoolKind kind, const Tensor &input, bool keepdims);

/// Keras ZeroPadding2D(((top, bottom), (left, right))) on [N, H, W, C].
Tensor zeroPad2d(const Tensor &input, const std::array<int64_t, 4> &padding);

/// Keras Concatenate(axis=-1): tensors of one shape except the last
/// dimension, side by side along it.
Tensor concat(const std::vector<const Tensor *> &inputs);

} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_RESHAPINGREFERENCE_H
