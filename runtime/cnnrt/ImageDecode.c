//===- ImageDecode.c - PNG and JPEG files into 8-bit pixels ---------------===//
//
// PNG through libpng's simplified API (palette, 1-16 bit depths, tRNS and
// gamma handled by libpng; 16-bit samples are taken as sRGB-encoded, as
// image libraries usually do), JPEG through libturbojpeg (accurate IDCT;
// warnings such as a truncated file are errors; progressive scans limited).
// The kind is recognized by the first bytes, not the file name. The size
// in the header is checked against what the file's length can encode
// before the pixel buffer is allocated. Alpha channels are dropped, as
// TensorFlow's decoders do when asked for 1 or 3 channels.
//
//===----------------------------------------------------------------------===//

#include "Image.h"

#include "Error.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

static const uint8_t kPngSignature[8] = {0x89, 'P',  'N',  'G',
                                         '\r', '\n', 0x1a, '\n'};

/// Refuses sizes no file of `size` bytes can encode, or too large ones.
static int checkSize(const char *path, const char *kind, int64_t width,
                     int64_t height, size_t size) {
  int64_t pixels = width * height; // both < 2^31
  if (width <= 0 || height <= 0)
    return cnnrt_fail(path, "%s header gives an empty image %lldx%lld", kind,
                      (long long)width, (long long)height);
  if (pixels > CNNRT_MAX_IMAGE_PIXELS)
    return cnnrt_fail(path,
                      "%s image of %lldx%lld pixels, more than the %lld this "
                      "reader decodes",
                      kind, (long long)width, (long long)height,
                      (long long)CNNRT_MAX_IMAGE_PIXELS);
  if ((uint64_t)pixels / CNNRT_MAX_PIXELS_PER_BYTE > size)
    return cnnrt_fail(path,
                      "%s header claims %lldx%lld pixels, more than a file "
                      "of %zu bytes can encode: the file is damaged",
                      kind, (long long)width, (long long)height, size);
  return 0;
}

/// Removes the last of `channels` + 1 bytes of every pixel, in place.
static void dropAlpha(uint8_t *pixels, int64_t count, int64_t channels) {
  for (int64_t i = 0; i < count; ++i)
    for (int64_t c = 0; c < channels; ++c)
      pixels[i * channels + c] = pixels[i * (channels + 1) + c];
}

static int decodePng(const char *path, const uint8_t *bytes, size_t size,
                     cnnrt_decoded_image *out) {
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes, size))
    return cnnrt_fail(path, "invalid PNG: %s", image.message);
  if (checkSize(path, "PNG", image.width, image.height, size)) {
    png_image_free(&image);
    return -1;
  }
  int alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  out->channels = image.format & PNG_FORMAT_FLAG_COLOR ? 3 : 1;
  image.format = (out->channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY) |
                 (alpha ? PNG_FORMAT_FLAG_ALPHA : 0);
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  out->width = image.width;
  out->height = image.height;
  out->pixels = malloc(PNG_IMAGE_SIZE(image));
  if (!out->pixels) {
    png_image_free(&image);
    return cnnrt_fail(path, "out of memory for a %lldx%lld image",
                      (long long)out->width, (long long)out->height);
  }
  if (!png_image_finish_read(&image, NULL, out->pixels, 0, NULL)) {
    free(out->pixels);
    out->pixels = NULL;
    return cnnrt_fail(path, "invalid PNG: %s", image.message);
  }
  if (alpha)
    dropAlpha(out->pixels, out->width * out->height, out->channels);
  return 0;
}

/// The side libturbojpeg makes of `side` at scale 1/`denominator`.
static int64_t scaled(int64_t side, int denominator) {
  return (side + denominator - 1) / denominator;
}

static int decodeJpeg(const char *path, const uint8_t *bytes, size_t size,
                      int64_t height, int64_t width, cnnrt_decoded_image *out) {
  tjhandle handle = tjInitDecompress();
  if (!handle)
    return cnnrt_fail(path, "cannot start the JPEG decoder: %s",
                      tjGetErrorStr2(NULL));
  int fileWidth = 0, fileHeight = 0, subsampling = 0, colorspace = 0;
  int failed = 0;
  if (tjDecompressHeader3(handle, bytes, (unsigned long)size, &fileWidth,
                          &fileHeight, &subsampling, &colorspace))
    failed = cnnrt_fail(path, "invalid JPEG: %s", tjGetErrorStr2(handle));
  else
    failed = checkSize(path, "JPEG", fileWidth, fileHeight, size);
  int denominator = 1;
  while (!failed && denominator < 8 &&
         scaled(fileWidth, 2 * denominator) >= width &&
         scaled(fileHeight, 2 * denominator) >= height)
    denominator *= 2;
  if (!failed) {
    out->channels = colorspace == TJCS_GRAY ? 1 : 3;
    out->width = scaled(fileWidth, denominator);
    out->height = scaled(fileHeight, denominator);
    out->pixels = malloc((size_t)(out->width * out->height * out->channels));
    if (!out->pixels)
      failed = cnnrt_fail(path, "out of memory for a %dx%d image", fileWidth,
                          fileHeight);
  }
  if (!failed && tjDecompress2(handle, bytes, (unsigned long)size, out->pixels,
                               (int)out->width, 0, (int)out->height,
                               out->channels == 1 ? TJPF_GRAY : TJPF_RGB,
                               TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING |
                                   TJFLAG_LIMITSCANS)) {
    failed = cnnrt_fail(path, "invalid JPEG: %s", tjGetErrorStr2(handle));
    free(out->pixels);
    out->pixels = NULL;
  }
  tjDestroy(handle);
  return failed;
}

int cnnrt_image_decode(const char *path, const uint8_t *bytes, size_t size,
                       int64_t height, int64_t width,
                       cnnrt_decoded_image *out) {
  memset(out, 0, sizeof *out);
  if (size == 0)
    return cnnrt_fail(path, "empty file, expected a PNG or JPEG image");
  if (size >= 8 && memcmp(bytes, kPngSignature, 8) == 0)
    return decodePng(path, bytes, size, out);
  if (size >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
    return decodeJpeg(path, bytes, size, height, width, out);
  uint8_t first[4] = {0};
  memcpy(first, bytes, size < 4 ? size : 4);
  return cnnrt_fail(path,
                    "not a PNG or JPEG image (first bytes at byte offset 0: "
                    "%02x %02x %02x %02x)",
                    first[0], first[1], first[2], first[3]);
}
