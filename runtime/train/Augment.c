//===- Augment.c - seeded image augmentation ------------------------------===//
//
// Keras's preprocessing layers RandomFlip("horizontal"), RandomTranslation
// (integer shifts, fill_mode "reflect") or pad-and-crop (zero padding),
// RandomBrightness and RandomContrast, in that order, on one NHWC image.
// The geometric part is one gather from the source image (no scratch
// buffer); brightness and contrast then work in place. The random numbers
// of an image come from Philox4x32-10 keyed by the seed with the counter
// (index, index >> 32, epoch, tag): tags start at 0xA0000000, far above the
// attempt numbers the shuffle puts in that word, so the two never share a
// counter.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "Philox.h"

#include <math.h>
#include <string.h>

enum { kTagGeometry = (int)0xA0000000u, kTagColour = (int)0xA0000001u };

int cnnrt_augmentation_enabled(const cnnrt_augmentation *a) {
  return a && (a->horizontal_flip || a->translate > 0 || a->crop_padding > 0 ||
               a->brightness > 0 || a->contrast > 0);
}

int cnnrt_augmentation_check(const cnnrt_augmentation *a, int64_t height,
                             int64_t width) {
  if (!a)
    return 0;
  if (!(a->translate >= 0 && a->translate < 1) || a->crop_padding < 0 ||
      a->crop_padding > (height > width ? height : width) ||
      !(a->brightness >= 0 && a->brightness <= 1) ||
      !(a->contrast >= 0 && a->contrast <= 1) || !isfinite(a->value_min) ||
      !isfinite(a->value_max) || a->value_min > a->value_max)
    return cnnrt_train_fail("--augment",
                            "translate must be in [0, 1), crop at most the "
                            "image side, brightness and contrast in [0, 1] "
                            "and the value range ordered");
  if (a->translate > 0 && a->crop_padding > 0)
    return cnnrt_train_fail("--augment",
                            "translate and crop both shift the image; "
                            "choose one");
  return 0;
}

/// Four random words for (seed, epoch, index, tag).
static void draw(uint64_t seed, uint64_t epoch, int64_t index, uint32_t tag,
                 uint32_t words[4]) {
  words[0] = (uint32_t)index;
  words[1] = (uint32_t)((uint64_t)index >> 32);
  words[2] = (uint32_t)epoch;
  words[3] = tag;
  cnnc_philox4x32_10(words, (uint32_t)seed, (uint32_t)(seed >> 32));
}

/// A uniform double in [0, 1) from one word.
static double unit(uint32_t word) { return (double)word * 0x1p-32; }

/// An integer in [-limit, limit] from one word.
static int64_t shift(uint32_t word, int64_t limit) {
  return (int64_t)(unit(word) * (double)(2 * limit + 1)) - limit;
}

/// The source coordinate of `at` shifted by `by` on a side of `n`: reflected
/// at the edges (d c b a | a b c d | d c b a), or -1 (zero fill).
static int64_t sourceOf(int64_t at, int64_t by, int64_t n, int reflect) {
  int64_t x = at - by;
  if (x >= 0 && x < n)
    return x;
  if (!reflect)
    return -1;
  int64_t period = 2 * n;
  x %= period;
  if (x < 0)
    x += period;
  return x < n ? x : period - 1 - x;
}

enum { kMaxWidth = 4096 };

/// out(y, x) = source(sy(y), sx(x)), 0 where a coordinate falls outside
/// (zero fill), with the column map computed once per image.
static void geometricCopy(const float *source, int64_t height, int64_t width,
                          int64_t channels, int64_t dx, int64_t dy, int flip,
                          int reflect, float *out) {
  int64_t columns[kMaxWidth];
  int64_t rowFloats = width * channels;
  if (width > kMaxWidth) { // rare: compute the map per pixel
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        int64_t sy = sourceOf(y, dy, height, reflect);
        int64_t sx = sourceOf(x, dx, width, reflect);
        float *pixel = out + (y * width + x) * channels;
        for (int64_t c = 0; c < channels; ++c)
          pixel[c] = sy < 0 || sx < 0
                         ? 0.0f
                         : source[(sy * width + (flip ? width - 1 - sx : sx)) *
                                      channels +
                                  c];
      }
    return;
  }
  for (int64_t x = 0; x < width; ++x) {
    int64_t sx = sourceOf(x, dx, width, reflect);
    columns[x] = sx < 0 ? -1 : (flip ? width - 1 - sx : sx) * channels;
  }
  for (int64_t y = 0; y < height; ++y) {
    int64_t sy = sourceOf(y, dy, height, reflect);
    float *row = out + y * rowFloats;
    if (sy < 0) {
      memset(row, 0, (size_t)rowFloats * sizeof(float));
      continue;
    }
    const float *in = source + sy * rowFloats;
    if (!flip && dx == 0) {
      memcpy(row, in, (size_t)rowFloats * sizeof(float));
      continue;
    }
    if (channels == 1) {
      for (int64_t x = 0; x < width; ++x)
        row[x] = columns[x] < 0 ? 0.0f : in[columns[x]];
      continue;
    }
    for (int64_t x = 0; x < width; ++x)
      for (int64_t c = 0; c < channels; ++c)
        row[x * channels + c] = columns[x] < 0 ? 0.0f : in[columns[x] + c];
  }
}

/// The sum of channel `c` in eight fixed lanes (a fixed order, so the same
/// on every run, and one the vectorizer can use).
static double channelSum(const float *values, int64_t pixels, int64_t channels,
                         int64_t c) {
  double lanes[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= pixels; i += 8)
    for (int k = 0; k < 8; ++k)
      lanes[k] += values[(i + k) * channels + c];
  double sum = 0.0;
  for (int k = 0; k < 8; ++k)
    sum += lanes[k];
  for (; i < pixels; ++i)
    sum += values[i * channels + c];
  return sum;
}

static float clip(float value, float low, float high) {
  return value < low ? low : value > high ? high : value;
}

void cnnrt_augment_image(const cnnrt_augmentation *a, uint64_t seed,
                         uint64_t epoch, int64_t index, int64_t height,
                         int64_t width, int64_t channels, const float *source,
                         float *out) {
  uint32_t geometry[4], colour[4];
  draw(seed, epoch, index, (uint32_t)kTagGeometry, geometry);
  draw(seed, epoch, index, (uint32_t)kTagColour, colour);
  int flip = a->horizontal_flip && (geometry[0] & 1);
  int64_t limitX = a->crop_padding, limitY = a->crop_padding;
  if (a->translate > 0) {
    limitX = (int64_t)floor(a->translate * (double)width);
    limitY = (int64_t)floor(a->translate * (double)height);
  }
  int64_t dx = shift(geometry[1], limitX), dy = shift(geometry[2], limitY);
  int reflect = a->translate > 0;
  geometricCopy(source, height, width, channels, dx, dy, flip, reflect, out);
  float low = a->value_min, high = a->value_max;
  if (low == 0 && high == 0)
    high = 1;
  int64_t pixels = height * width;
  if (a->brightness > 0) {
    float delta = (float)((2.0 * unit(geometry[3]) - 1.0) * a->brightness *
                          (double)(high - low));
    for (int64_t i = 0; i < pixels * channels; ++i)
      out[i] = clip(out[i] + delta, low, high);
  }
  if (a->contrast <= 0)
    return;
  float factor = (float)(1.0 + (2.0 * unit(colour[0]) - 1.0) * a->contrast);
  for (int64_t c = 0; c < channels; ++c) {
    float mean = (float)(channelSum(out, pixels, channels, c) / (double)pixels);
    for (int64_t i = 0; i < pixels; ++i) {
      float *value = &out[i * channels + c];
      *value = clip((*value - mean) * factor + mean, low, high);
    }
  }
}
