//===- CheckedMath.h - overflow-checked int64 arithmetic ----------*- C -*-===//
//
// Every size computed from user input (parameter tables, file headers, batch
// sizes) goes through these helpers, so a hostile value produces an error
// message instead of a wrapped-around allocation size.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_SUPPORT_CHECKEDMATH_H
#define CNNC_RUNTIME_SUPPORT_CHECKEDMATH_H

#include <stdint.h>

/// Sets *result = a * b; returns nonzero when the product overflows int64.
static inline int cnnc_mul_overflows(int64_t a, int64_t b, int64_t *result) {
  return __builtin_mul_overflow(a, b, result);
}

/// Sets *result = a + b; returns nonzero when the sum overflows int64.
static inline int cnnc_add_overflows(int64_t a, int64_t b, int64_t *result) {
  return __builtin_add_overflow(a, b, result);
}

#endif // CNNC_RUNTIME_SUPPORT_CHECKEDMATH_H
