//===- ModelCheck.c - validation of a model descriptor --------------------===//
//
// cnnrt_check_model_desc: everything libcnnrt relies on before it calls into
// a generated library, checked field by field with a message that names the
// field's value. The parameter table is checked by the support library's
// cnnc_support_check_params, the same code that guards init_params.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "CheckedMath.h"
#include "Error.h"
#include "ParamTable.h"

#include <stddef.h>
#include <stdio.h>

/// Formats the extents of a tensor as "3x3x1x32" into `buffer`.
static const char *formatShape(const cnnc_param_info *info, char *buffer,
                               size_t size) {
  int rank = info->rank >= 1 && info->rank <= CNNC_MAX_PARAM_RANK
                 ? info->rank
                 : CNNC_MAX_PARAM_RANK;
  size_t used = 0;
  buffer[0] = '\0';
  for (int dim = 0; dim < rank && used < size; ++dim) {
    int written = snprintf(buffer + used, size - used, "%s%lld", dim ? "x" : "",
                           (long long)info->shape[dim]);
    if (written < 0)
      break;
    used += (size_t)written;
  }
  return buffer;
}

static int failParamTable(const cnnc_model_desc *desc, const char *origin,
                          int64_t index, const char *problem) {
  if (index < 0)
    return cnnrt_fail(origin,
                                      "inconsistent parameter table (%lld tensors, "
                      "param_elements %lld, trainable_elements %lld): %s",
                      (long long)desc->num_params,
                      (long long)desc->param_elements,
                      (long long)desc->trainable_elements, problem);
  const cnnc_param_info *info = &desc->params[index];
  char shape[128];
  return cnnrt_fail(
      origin,
      "inconsistent parameter table: tensor %lld '%s' (rank %d, shape %s, "
      "offset %lld, size %lld, initializer %d, fan_in %lld, fan_out %lld): "
      "%s",
      (long long)index, info->name ? info->name : "?", (int)info->rank,
      formatShape(info, shape, sizeof shape), (long long)info->offset,
      (long long)info->size, (int)info->initializer, (long long)info->fan_in,
      (long long)info->fan_out, problem);
}

/// Strings and entry points.
static int checkSymbols(const cnnc_model_desc *desc, const char *origin) {
  if (!desc->name || !desc->name[0])
    return cnnrt_fail(origin, "the model descriptor has no model name");
  if (!desc->target || !desc->optimizer || !desc->loss)
    return cnnrt_fail(origin,
                      "the model descriptor of '%s' lacks its %s "
                      "string",
                      desc->name,
                      !desc->target      ? "target"
                      : !desc->optimizer ? "optimizer"
                                         : "loss");
  if (!desc->init_params || !desc->forward)
    return cnnrt_fail(origin,
                      "the model descriptor of '%s' has no %s entry "
                      "point",
                      desc->name,
                      !desc->init_params ? "init_params" : "forward");
  return 0;
}

/// Input shape, classes and the byte sizes of the buffers to allocate.
static int checkShapes(const cnnc_model_desc *desc, const char *origin) {
  const int64_t *shape = desc->input_shape;
  int64_t imageElements = 1;
  if (shape[0] != -1 || shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0 ||
      cnnc_mul_overflows(imageElements, shape[1], &imageElements) ||
      cnnc_mul_overflows(imageElements, shape[2], &imageElements) ||
      cnnc_mul_overflows(imageElements, shape[3], &imageElements))
    return cnnrt_fail(origin,
                      "input shape [%lld, %lld, %lld, %lld] is not "
                      "[-1, H, W, C] with a dynamic batch and positive H, W, "
                      "C",
                      (long long)shape[0], (long long)shape[1],
                      (long long)shape[2], (long long)shape[3]);
  if (desc->num_classes <= 0)
    return cnnrt_fail(origin, "num_classes %lld is not positive",
                      (long long)desc->num_classes);
  int64_t bytes;
  if (desc->opt_state_elements < 0 ||
      cnnc_mul_overflows(desc->opt_state_elements, (int64_t)sizeof(float),
                         &bytes) ||
      (uint64_t)bytes > SIZE_MAX / 2)
    return cnnrt_fail(origin, "opt_state_elements %lld is not a valid size",
                      (long long)desc->opt_state_elements);
  // Optimizers keep a whole number of values per trainable parameter.
  if (desc->trainable_elements > 0
          ? desc->opt_state_elements % desc->trainable_elements != 0
          : desc->opt_state_elements != 0)
    return cnnrt_fail(origin,
                      "opt_state_elements %lld is not a multiple of "
                      "trainable_elements %lld",
                      (long long)desc->opt_state_elements,
                      (long long)desc->trainable_elements);
  if (cnnc_mul_overflows(desc->param_elements, (int64_t)sizeof(float),
                         &bytes) ||
      (uint64_t)bytes > SIZE_MAX / 2)
    return cnnrt_fail(origin, "param_elements %lld is not a valid size",
                      (long long)desc->param_elements);
  return 0;
}

int cnnrt_check_model_desc(const cnnc_model_desc *desc, const char *origin) {
  if (!desc)
    return cnnrt_fail(origin, "the model descriptor is NULL");
  if (desc->abi_version != CNNC_ABI_VERSION)
    return cnnrt_fail(origin,
                      "generated for cnnc ABI version %u, this runtime "
                      "supports version %u; recompile the model with this "
                      "cnnc",
                      (unsigned)desc->abi_version, (unsigned)CNNC_ABI_VERSION);
  if (desc->desc_size < sizeof(cnnc_model_desc))
    return cnnrt_fail(origin,
                      "the model descriptor is %u bytes, ABI version %u "
                      "needs %zu; recompile the model with this cnnc",
                      (unsigned)desc->desc_size, (unsigned)CNNC_ABI_VERSION,
                      sizeof(cnnc_model_desc));
  if (checkSymbols(desc, origin) || checkShapes(desc, origin))
    return -1;
  int64_t index;
  const char *problem = cnnc_support_check_params(desc, &index);
  if (problem)
    return failParamTable(desc, origin, index, problem);
  return 0;
}
