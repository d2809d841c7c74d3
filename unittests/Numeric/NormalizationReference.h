//===- NormalizationReference.h - double reference of the normalization ops ---*- C++ -*-===//

#ifndef CNNC_UNITTESTS_NUMERIC_NORMALIZATIONREFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_NORMALIZATIONREFERENCE_H

#include "Reference.h"

namespace cnnc::numeric {} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_NORMALIZATIONREFERENCE_H
