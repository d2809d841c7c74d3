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

struct cnnrt_load_options;
struct cnnrt_dataset;

/// The stored-to-input mapping of cnnrt_load_options: x * scale + offset,
/// where the default for 8-bit data is exactly cnnrt_pixel (x / 255.0f).
typedef struct cnnrt_value_map {
  int bytes_default; ///< 8-bit data with the default scale: x / 255.0f
  double scale;      ///< otherwise (float)(x * scale + offset)
  double offset;
  float byte[256]; ///< the mapping of every byte value
} cnnrt_value_map;

/// Fills `map` for 8-bit data (`bytes` != 0) or float data. NULL options
/// mean the defaults. Fails (naming `subject`) on a non-finite scale or
/// offset.
int cnnrt_value_map_init(cnnrt_value_map *map,
                         const struct cnnrt_load_options *options, int bytes,
                         const char *subject);

/// The mapped value of a stored (or resampled) value `x`.
static inline float cnnrt_value_map_apply(const cnnrt_value_map *map,
                                          double x) {
  if (map->bytes_default)
    return (float)x / 255.0f;
  return (float)(x * map->scale + map->offset);
}

/// The class names of CIFAR-10 (label order).
extern const char *const cnnrt_cifar10_class_names[10];

/// Gives `data` a copy of `count` names. Returns 0, or -1 (out of memory,
/// naming `subject`).
int cnnrt_dataset_copy_names(struct cnnrt_dataset *data,
                             const char *const *names, int64_t count,
                             const char *subject);

/// Reads the whole regular file at `path` into a new buffer (at most
/// `limit` bytes). Returns 0 or -1 after recording an error.
int cnnrt_read_whole_file(const char *path, int64_t limit, uint8_t **bytes,
                          size_t *size);

#endif // CNNC_RUNTIME_CNNRT_DATASETINTERNAL_H
