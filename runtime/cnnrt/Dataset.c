//===- Dataset.c - data set buffers ---------------------------------------===//
//
// Buffer growth for the readers and cnnrt_dataset_free.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "CheckedMath.h"
#include "DatasetInternal.h"
#include "Error.h"

#include <stdlib.h>
#include <string.h>

enum { kInitialElements = 1 << 16 };

int cnnrt_reserve(const char *path, void **buffer, int64_t *capacity,
                  int64_t needed, int64_t limit, size_t elementSize) {
  if (needed <= *capacity)
    return 0;
  int64_t grown =
      *capacity < kInitialElements / 2 ? kInitialElements : *capacity * 2;
  if (grown < needed)
    grown = needed;
  if (grown > limit)
    grown = limit;
  int64_t bytes;
  void *larger = NULL;
  if (!cnnc_mul_overflows(grown, (int64_t)elementSize, &bytes) &&
      (uint64_t)bytes <= SIZE_MAX)
    larger = realloc(*buffer, (size_t)bytes);
  if (!larger)
    return cnnrt_fail(path, "out of memory reading the data (%lld values)",
                      (long long)grown);
  *buffer = larger;
  *capacity = grown;
  return 0;
}

void cnnrt_dataset_free(cnnrt_dataset *dataset) {
  if (!dataset)
    return;
  free(dataset->images);
  free(dataset->labels);
  memset(dataset, 0, sizeof *dataset);
}
