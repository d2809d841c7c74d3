//===- ImageResize.c - decoded pixels to model inputs ---------------------===//
//
// Channel conversion, then a separable resize, then the value mapping of
// cnnrt_load_options. Each axis gets its own filter, chosen by its ratio:
// shrinking averages the source pixels each output pixel covers, weighted by
// the covered length ("area", as OpenCV's INTER_AREA and TensorFlow's
// resize method 'area'; no aliasing, unlike plain bilinear sampling);
// enlarging interpolates linearly between the two nearest source pixels
// with half-pixel centers (TensorFlow 2's 'bilinear'); equal sizes copy.
// Sums run in double in a fixed order, so results are reproducible.
//
//===----------------------------------------------------------------------===//

#include "Image.h"

#include "Error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/// The filter of one axis: output i reads source samples first[i] ..
/// first[i] + count[i] - 1 with weights weight[offset[i] ...].
typedef struct Axis {
  int64_t *first, *count, *offset;
  double *weight;
} Axis;

static void freeAxis(Axis *axis) {
  free(axis->first);
  free(axis->weight);
}

/// Weights for `n` source samples to `m` outputs.
static int makeAxis(int64_t n, int64_t m, Axis *axis) {
  int64_t maxTaps = m < n ? n / m + 2 : 2;
  axis->first = malloc((size_t)(3 * m) * sizeof(int64_t));
  axis->weight = malloc((size_t)(m * maxTaps) * sizeof(double));
  if (!axis->first || !axis->weight) {
    freeAxis(axis);
    return -1;
  }
  axis->count = axis->first + m;
  axis->offset = axis->first + 2 * m;
  int64_t used = 0;
  double ratio = (double)n / (double)m;
  for (int64_t i = 0; i < m; ++i) {
    double *w = axis->weight + used;
    int64_t first, count;
    if (m == n) {
      first = i, count = 1, w[0] = 1.0;
    } else if (m < n) { // area: source interval [a, b)
      double a = (double)i * ratio, b = (double)(i + 1) * ratio;
      first = (int64_t)floor(a);
      int64_t end = (int64_t)ceil(b);
      if (end > n)
        end = n;
      count = end - first;
      for (int64_t j = first; j < end; ++j) {
        double low = a > (double)j ? a : (double)j;
        double high = b < (double)(j + 1) ? b : (double)(j + 1);
        w[j - first] = high > low ? (high - low) / ratio : 0.0;
      }
    } else { // bilinear, half-pixel centers, clamped at the edges
      double x = ((double)i + 0.5) * ratio - 0.5;
      if (x < 0.0)
        x = 0.0;
      first = (int64_t)floor(x);
      double fraction = x - (double)first;
      count = first + 1 < n ? 2 : 1;
      w[0] = count == 2 ? 1.0 - fraction : 1.0;
      if (count == 2)
        w[1] = fraction;
    }
    axis->first[i] = first;
    axis->count[i] = count;
    axis->offset[i] = used;
    used += count;
  }
  return 0;
}

/// Source pixels to floats with `channels` channels.
static void convertChannels(const cnnrt_decoded_image *image, int64_t channels,
                            float *out) {
  int64_t pixels = image->height * image->width;
  const uint8_t *in = image->pixels;
  if (image->channels == channels) {
    for (int64_t i = 0; i < pixels * channels; ++i)
      out[i] = in[i];
  } else if (channels == 1) { // RGB to luma
    for (int64_t i = 0; i < pixels; ++i)
      out[i] = (float)(0.299 * in[3 * i] + 0.587 * in[3 * i + 1] +
                       0.114 * in[3 * i + 2]);
  } else { // gray to RGB
    for (int64_t i = 0; i < pixels; ++i)
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = in[i];
  }
}

/// Resamples `rows` rows of `n` pixels of `channels` to `m` pixels along
/// the rows (`stride` 1: within a row) - or, with the roles of the indices
/// exchanged, columns: in[(r * n + j) * channels + c] or in[(j * rows + r)
/// * channels + c].
static void resampleRows(const float *in, int64_t rows, int64_t channels,
                         const Axis *axis, int64_t n, int64_t m,
                         int alongColumns, float *out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < m; ++i) {
      const double *w = axis->weight + axis->offset[i];
      for (int64_t c = 0; c < channels; ++c) {
        double sum = 0.0;
        for (int64_t t = 0; t < axis->count[i]; ++t) {
          int64_t j = axis->first[i] + t;
          int64_t index = alongColumns ? j * rows + r : r * n + j;
          sum += w[t] * in[index * channels + c];
        }
        int64_t target = alongColumns ? i * rows + r : r * m + i;
        out[target * channels + c] = (float)sum;
      }
    }
}

int cnnrt_image_convert(const char *path, const cnnrt_decoded_image *image,
                        int64_t height, int64_t width, int64_t channels,
                        const cnnrt_value_map *map, float *out) {
  int64_t h = image->height, w = image->width;
  int64_t pixels = h * w > height * width ? h * w : height * width;
  float *converted = malloc((size_t)(pixels * channels) * sizeof(float));
  float *across = malloc((size_t)(h * width * channels) * sizeof(float));
  Axis horizontal = {0}, vertical = {0};
  if (!converted || !across || makeAxis(w, width, &horizontal) ||
      makeAxis(h, height, &vertical)) {
    free(converted);
    free(across);
    freeAxis(&horizontal);
    return cnnrt_fail(path, "out of memory resizing a %lldx%lld image",
                      (long long)w, (long long)h);
  }
  convertChannels(image, channels, converted);
  resampleRows(converted, h, channels, &horizontal, w, width, 0, across);
  // Columns of `across`: h samples of the row-major (h, width) image; the
  // result (height, width) goes to the first buffer, which is large enough.
  resampleRows(across, width, channels, &vertical, h, height, 1, converted);
  for (int64_t i = 0; i < height * width * channels; ++i)
    out[i] = cnnrt_value_map_apply(map, converted[i]);
  free(converted);
  free(across);
  freeAxis(&horizontal);
  freeAxis(&vertical);
  return 0;
}
