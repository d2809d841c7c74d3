//===- Image.h - decoding and resampling of image files -----------*- C -*-===//
//
// The pieces of the image readers: decoding PNG (libpng's simplified API)
// and JPEG (libturbojpeg) from memory into 8-bit gray or RGB pixels, and
// converting those to the model's input (channels, size, value mapping).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_CNNRT_IMAGE_H
#define CNNC_RUNTIME_CNNRT_IMAGE_H

#include "cnnc/Runtime/cnnrt.h"

#include "DatasetInternal.h"

#include <stddef.h>
#include <stdint.h>

/// A decoded image: height x width x channels bytes, channels 1 or 3.
typedef struct cnnrt_decoded_image {
  uint8_t *pixels;
  int64_t height, width, channels;
} cnnrt_decoded_image;

/// The most pixels an image may have: 2^28 (16384 x 16384).
#define CNNRT_MAX_IMAGE_PIXELS (INT64_C(1) << 28)

/// The most pixels per byte of file a PNG or JPEG can encode: deflate's
/// 1032:1 with 8 pixels per byte (1-bit PNG); JPEG stays far below. Larger
/// claims are refused before anything is allocated.
#define CNNRT_MAX_PIXELS_PER_BYTE 8256

/// Decodes the PNG or JPEG (recognized by its first bytes) in `bytes` into
/// gray (1 channel) or RGB (3), as the file stores it; alpha is dropped.
/// JPEGs at least twice as large as `height` x `width` are decoded at the
/// largest of libjpeg-turbo's 1/2, 1/4, 1/8 DCT scales that keeps both
/// sides at least that size. Errors name `path`.
int cnnrt_image_decode(const char *path, const uint8_t *bytes, size_t size,
                       int64_t height, int64_t width, cnnrt_decoded_image *out);

/// Converts `image` to `channels` (1: BT.601 luma 0.299 R + 0.587 G +
/// 0.114 B; 3: gray replicated), resizes it to height x width (per axis:
/// area averaging when shrinking, bilinear with half-pixel centers when
/// enlarging, a copy when equal) and maps the values through `map` into
/// `out` (height * width * channels floats). Returns 0, or -1 when out of
/// memory (naming `path`).
int cnnrt_image_convert(const char *path, const cnnrt_decoded_image *image,
                        int64_t height, int64_t width, int64_t channels,
                        const cnnrt_value_map *map, float *out);

/// Reads, decodes and converts the image file at `path` into `out`.
/// `options` must give the size (checked by the caller).
int cnnrt_image_load_file(const char *path, const cnnrt_load_options *options,
                          const cnnrt_value_map *map, float *out);

#endif // CNNC_RUNTIME_CNNRT_IMAGE_H
