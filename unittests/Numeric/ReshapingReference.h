//===- ReshapingReference.h - double reference of the reshaping ops ---*- C++ -*-===//

#ifndef CNNC_UNITTESTS_NUMERIC_RESHAPINGREFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_RESHAPINGREFERENCE_H

#include "Reference.h"

namespace cnnc::numeric {} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_RESHAPINGREFERENCE_H
