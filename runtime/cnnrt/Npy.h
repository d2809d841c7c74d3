//===- Npy.h - NumPy .npy arrays from any byte source -------------*- C -*-===//
//
// The .npy format (NumPy's format.py, versions 1-3): the magic "\x93NUMPY",
// a version, a little-endian header length and a Python dict literal with
// 'descr', 'fortran_order' and 'shape', then the elements. The reader takes
// its bytes from a callback, so plain files, gzip files and members of .npz
// archives (libzip) share it.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_CNNRT_NPY_H
#define CNNC_RUNTIME_CNNRT_NPY_H

#include "DatasetInternal.h"

#include <stddef.h>
#include <stdint.h>

/// Reads up to `size` bytes; returns the count (less only at the end) or -1
/// after recording an error.
typedef int64_t (*cnnrt_npy_read_fn)(void *context, void *buffer, size_t size);

typedef struct cnnrt_npy_source {
  const char *subject; ///< names the array in messages, e.g. "a.npz (x.npy)"
  cnnrt_npy_read_fn read;
  void *context;
  int64_t offset; ///< bytes read so far
} cnnrt_npy_source;

enum { CNNRT_NPY_MAX_DIMS = 8 };

/// An array read by cnnrt_npy_read.
typedef struct cnnrt_npy_array {
  int dims;
  int64_t shape[CNNRT_NPY_MAX_DIMS];
  int64_t count; ///< elements
  void *data;    ///< images: floats mapped through the value map; labels:
                 ///< int32 class indices
} cnnrt_npy_array;

/// Reads a whole array and checks that the source ends with it. Images
/// (`images` != 0) must be uint8, float32 or float64 and are mapped through
/// `map` (`byte_map` for uint8); labels must be integers in [0, 2^31).
int cnnrt_npy_read(cnnrt_npy_source *source, int images,
                   const cnnrt_value_map *byte_map,
                   const cnnrt_value_map *float_map, cnnrt_npy_array *out);

#endif // CNNC_RUNTIME_CNNRT_NPY_H
