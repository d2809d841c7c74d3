//===- DepthwiseReference.h - double reference of the depthwise ops ---*- C++ -*-===//

#ifndef CNNC_UNITTESTS_NUMERIC_DEPTHWISEREFERENCE_H
#define CNNC_UNITTESTS_NUMERIC_DEPTHWISEREFERENCE_H

#include "Reference.h"

namespace cnnc::numeric {} // namespace cnnc::numeric

#endif // CNNC_UNITTESTS_NUMERIC_DEPTHWISEREFERENCE_H
