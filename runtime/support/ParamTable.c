//===- ParamTable.c - consistency of a model's parameter table ------------===//
//
// Walks the table once, keeping a running offset, and reports the first
// tensor that does not continue it exactly, or that lies on the wrong side
// of trainable_elements (trainable tensors form the prefix).
//
//===----------------------------------------------------------------------===//

#include "ParamTable.h"

#include "CheckedMath.h"

int cnnc_support_initializer_uses_fans(int32_t initializer) {
  return initializer >= CNNC_INIT_GLOROT_UNIFORM &&
         initializer <= CNNC_INIT_LECUN_UNIFORM;
}

/// Whether the initializer averages fan_in and fan_out (Keras fan_avg mode).
static int usesFanOut(int32_t initializer) {
  return initializer == CNNC_INIT_GLOROT_UNIFORM ||
         initializer == CNNC_INIT_GLOROT_NORMAL;
}

/// Checks one tensor that should start at `expectedOffset`.
static const char *checkTensor(const cnnc_param_info *info,
                               int64_t expectedOffset, int64_t total,
                               int64_t trainable) {
  if (!info->name)
    return "has no name";
  if (info->rank < 1 || info->rank > CNNC_MAX_PARAM_RANK)
    return "rank is not in 1..4";
  int64_t product = 1;
  for (int32_t dim = 0; dim < CNNC_MAX_PARAM_RANK; ++dim) {
    if (dim >= info->rank) {
      if (info->shape[dim] != 0)
        return "shape entries beyond the rank are not 0";
      continue;
    }
    if (info->shape[dim] <= 0)
      return "shape has an extent that is not positive";
    if (cnnc_mul_overflows(product, info->shape[dim], &product))
      return "shape has more elements than int64 can count";
  }
  if (info->size != product)
    return "size is not the product of the shape";
  if (info->offset != expectedOffset)
    return "offset is not the end of the previous tensor";
  int64_t end;
  if (cnnc_add_overflows(info->offset, info->size, &end) || end > total)
    return "tensor extends past param_elements";
  if (info->trainable != 0 && info->trainable != 1)
    return "trainable is not 0 or 1";
  if (info->reserved != 0)
    return "reserved is not 0";
  if (info->trainable ? end > trainable : info->offset < trainable)
    return info->trainable ? "trainable tensor extends past trainable_elements"
                           : "non-trainable tensor starts before "
                             "trainable_elements";
  if (info->initializer < CNNC_INIT_ZEROS ||
      info->initializer > CNNC_INIT_LECUN_UNIFORM)
    return "initializer is not a known cnnc_initializer";
  if (cnnc_support_initializer_uses_fans(info->initializer)) {
    if (info->fan_in <= 0)
      return "fan_in is not positive";
    if (usesFanOut(info->initializer) && info->fan_out <= 0)
      return "fan_out is not positive";
  }
  return 0;
}

const char *cnnc_support_check_params(const cnnc_model_desc *desc,
                                      int64_t *param) {
  *param = -1;
  if (desc->num_params < 0 || desc->num_params > INT32_MAX)
    return "num_params is not in 0..2^31-1";
  if (desc->param_elements < 0)
    return "param_elements is negative";
  if (desc->trainable_elements < 0 ||
      desc->trainable_elements > desc->param_elements)
    return "trainable_elements is not in 0..param_elements";
  if (desc->num_params > 0 && !desc->params)
    return "the parameter table is NULL";
  int64_t offset = 0;
  for (int64_t i = 0; i < desc->num_params; ++i) {
    const cnnc_param_info *info = &desc->params[i];
    const char *problem = checkTensor(info, offset, desc->param_elements,
                                      desc->trainable_elements);
    if (problem) {
      *param = i;
      return problem;
    }
    offset += info->size; // cannot overflow: checked against the total
  }
  if (offset != desc->param_elements)
    return "the tensor sizes do not add up to param_elements";
  return 0;
}
