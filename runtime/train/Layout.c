//===- Layout.c - struct sizes for bindings that declare the API's types --===//
//
// Bindings that declare the structs of train.h and abi.h themselves (the
// Python package's ctypes declarations, docs/python.md) compare their sizes
// with the library's when they load it, so that a header change fails with a
// message instead of corrupting memory.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/train.h"

#include <string.h>

#define CNNRT_LAYOUT_ENTRY(type)                                               \
  { #type, sizeof(type) }

static const struct {
  const char *name;
  size_t size;
} kSizes[] = {
    CNNRT_LAYOUT_ENTRY(cnnc_param_info),
    CNNRT_LAYOUT_ENTRY(cnnc_model_desc),
    CNNRT_LAYOUT_ENTRY(cnnrt_dataset),
    CNNRT_LAYOUT_ENTRY(cnnrt_data_view),
    CNNRT_LAYOUT_ENTRY(cnnrt_augmentation),
    CNNRT_LAYOUT_ENTRY(cnnrt_train_state),
    CNNRT_LAYOUT_ENTRY(cnnrt_epoch_record),
    CNNRT_LAYOUT_ENTRY(cnnrt_history),
    CNNRT_LAYOUT_ENTRY(cnnrt_checkpoint_extras),
    CNNRT_LAYOUT_ENTRY(cnnrt_fit_callbacks),
    CNNRT_LAYOUT_ENTRY(cnnrt_lr_schedule),
    CNNRT_LAYOUT_ENTRY(cnnrt_plateau_options),
    CNNRT_LAYOUT_ENTRY(cnnrt_early_stopping_options),
    CNNRT_LAYOUT_ENTRY(cnnrt_fit_options),
    CNNRT_LAYOUT_ENTRY(cnnrt_fit_stats),
    CNNRT_LAYOUT_ENTRY(cnnrt_eval_result),
};

size_t cnnrt_train_sizeof(const char *type) {
  if (!type)
    return 0;
  for (size_t i = 0; i < sizeof kSizes / sizeof kSizes[0]; ++i)
    if (strcmp(kSizes[i].name, type) == 0)
      return kSizes[i].size;
  return 0;
}
