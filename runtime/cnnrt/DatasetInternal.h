//===- DatasetInternal.h - helpers shared by the data set readers -*- C -*-===//
//
// The readers never trust a size from a file header for an allocation: they
// grow their buffers geometrically as data actually arrives, so a header
// claiming 2^31 images in a 1 KiB file costs at most a few KiB before the
// truncation is reported.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_CNNRT_DATASETINTERNAL_H
#define CNNC_RUNTIME_CNNRT_DATASETINTERNAL_H

#include <stddef.h>
#include <stdint.h>

/// Ensures `*buffer` holds at least `needed` elements of `elementSize` bytes
/// (`*capacity` counts elements), growing it to at most `limit` elements.
/// Returns 0, or -1 after recording an out-of-memory error naming `path`.
int cnnrt_reserve(const char *path, void **buffer, int64_t *capacity,
                  int64_t needed, int64_t limit, size_t elementSize);

/// A pixel byte scaled to [0, 1] as Keras preprocessing does (x / 255).
static inline float cnnrt_pixel(uint8_t value) { return value / 255.0f; }

#endif // CNNC_RUNTIME_CNNRT_DATASETINTERNAL_H
