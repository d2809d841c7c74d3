//===- ModelInternal.h - the representation of cnnrt_model --------*- C -*-===//
//
// Shared by Model.c, which creates models, and Instance.c, which runs them.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_CNNRT_MODELINTERNAL_H
#define CNNC_RUNTIME_CNNRT_MODELINTERNAL_H

#include "cnnc/Runtime/cnnrt.h"

struct cnnrt_model {
  void *handle;                ///< dlopen handle; NULL for a wrapped model
  const cnnc_model_desc *desc; ///< validated
  char *path;                  ///< as given by the caller, for messages
  int64_t imageElements;       ///< H * W * C
};

#endif // CNNC_RUNTIME_CNNRT_MODELINTERNAL_H
