//===- ParamTable.h - consistency of a model's parameter table ----*- C -*-===//
//
// The one definition of a consistent parameter table, shared by the support
// library (which refuses to initialize an inconsistent buffer) and libcnnrt
// (which turns the finding into a message naming the library and tensor).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_SUPPORT_PARAMTABLE_H
#define CNNC_RUNTIME_SUPPORT_PARAMTABLE_H

#include "cnnc/Runtime/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Returns NULL when the parameter table of `desc` is consistent, otherwise a
/// static phrase describing the first problem found. `*param` receives the
/// index of the offending tensor, or -1 for a problem of the table as a
/// whole. Checked: num_params in [0, INT32_MAX], params non-NULL when
/// num_params > 0, every tensor named, rank in 1..CNNC_MAX_PARAM_RANK,
/// positive extents and zero unused extents, size == product of the shape,
/// offset == end of the previous tensor, a known initializer with positive
/// fans where it scales by them, and the sizes adding up to param_elements.
/// All arithmetic is overflow-checked. The ABI version is not looked at.
__attribute__((visibility("hidden"))) const char *
cnnc_support_check_params(const cnnc_model_desc *desc, int64_t *param);

/// 1 when `initializer` is a variance-scaling initializer (uses the fans).
__attribute__((visibility("hidden"))) int
cnnc_support_initializer_uses_fans(int32_t initializer);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // CNNC_RUNTIME_SUPPORT_PARAMTABLE_H
