//===- IdxReader.c - IDX image and label files (MNIST, Fashion-MNIST) -----===//
//
// An IDX file is a big-endian header - magic 0x0000TTDD (TT = 0x08 for
// unsigned bytes, DD = number of dimensions), then one uint32 per dimension -
// followed by the elements in row-major order. Images are [n, rows, cols]
// (magic 0x00000803, grayscale) or [n, rows, cols, channels] (magic
// 0x00000804, channels last: RGB IDX as converters write it), labels [n]
// (magic 0x00000801).
//
// Both headers are read before any payload, so a count mismatch is reported
// without decompressing 47 MB of pixels. Payloads are read in chunks into
// buffers that grow as data arrives (DatasetInternal.h), and the end of the
// stream is read too: trailing bytes and a corrupted gzip trailer (CRC) are
// errors, not silently ignored.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "ByteStream.h"
#include "CheckedMath.h"
#include "DatasetInternal.h"
#include "Error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kChunkBytes = 1 << 20 };

/// An open IDX file whose header has been read.
typedef struct IdxFile {
  cnnrt_stream stream;
  int dims;           ///< 3 or 4 for images, 1 for labels
  int64_t count;      ///< first dimension
  int64_t rows, cols; ///< images only; 1 for labels
  int64_t channels;   ///< 4-dimensional images only; else 1
  int64_t itemBytes;  ///< rows * cols * channels
  const cnnrt_value_map *map;
} IdxFile;

static int64_t headerBytes(const IdxFile *idx) { return 4 + 4 * idx->dims; }

/// "28x28" for 3-dimensional image files, "32x32x3" for 4-dimensional ones.
typedef struct SizeText {
  char text[64];
} SizeText;

static SizeText imageSize(const IdxFile *idx) {
  SizeText size;
  if (idx->dims == 4)
    snprintf(size.text, sizeof size.text, "%lldx%lldx%lld",
             (long long)idx->rows, (long long)idx->cols,
             (long long)idx->channels);
  else
    snprintf(size.text, sizeof size.text, "%lldx%lld", (long long)idx->rows,
             (long long)idx->cols);
  return size;
}

static uint32_t bigEndian32(const uint8_t *bytes) {
  return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 |
         (uint32_t)bytes[2] << 8 | (uint32_t)bytes[3];
}

static int failMagic(const IdxFile *idx, uint32_t magic) {
  const char *hint = "";
  if (idx->dims == 3 && magic == 0x0801u)
    hint = "; this is a label file, not an image file";
  else if (idx->dims == 1 && (magic == 0x0803u || magic == 0x0804u))
    hint = "; this is an image file, not a label file";
  return cnnrt_fail(idx->stream.path,
                    "not an IDX %s file: magic number 0x%08x at byte offset "
                    "0, expected %s%s",
                    idx->dims == 3 ? "image" : "label", (unsigned)magic,
                    idx->dims == 3 ? "0x00000803 or 0x00000804 (unsigned "
                                     "bytes, 3 or 4 dimensions)"
                                   : "0x00000801 (unsigned bytes, 1 "
                                     "dimension)",
                    hint);
}

/// Reads header bytes [offset, size) of the header into `header`.
static int readHeaderBytes(IdxFile *idx, uint8_t *header, int64_t offset,
                           int64_t size) {
  int64_t got =
      cnnrt_stream_read(&idx->stream, header + offset, (size_t)(size - offset));
  if (got < 0)
    return -1;
  if (offset + got == 0)
    return cnnrt_fail(idx->stream.path, "empty file, expected an IDX header");
  if (offset + got < size)
    return cnnrt_fail(idx->stream.path,
                      "truncated IDX header: the data ends at byte offset "
                      "%lld, the header has %lld bytes",
                      (long long)(offset + got), (long long)headerBytes(idx));
  return 0;
}

/// Reads and checks the header; `dims` is 3 for images (4 is accepted too),
/// 1 for labels. The magic number is checked first, so that any file that
/// is not the expected kind of IDX file is reported as such.
static int readHeader(IdxFile *idx, int dims) {
  uint8_t header[20];
  idx->dims = dims;
  if (readHeaderBytes(idx, header, 0, 4))
    return -1;
  uint32_t magic = bigEndian32(header);
  if (dims == 3 && magic == 0x0804u)
    idx->dims = 4;
  else if (magic != (0x0800u | (uint32_t)dims))
    return failMagic(idx, magic);
  if (readHeaderBytes(idx, header, 4, headerBytes(idx)))
    return -1;
  idx->count = bigEndian32(header + 4);
  idx->rows = dims == 3 ? bigEndian32(header + 8) : 1;
  idx->cols = dims == 3 ? bigEndian32(header + 12) : 1;
  idx->channels = idx->dims == 4 ? bigEndian32(header + 16) : 1;
  if (idx->rows == 0 || idx->cols == 0 || idx->channels == 0)
    return cnnrt_fail(idx->stream.path,
                      "the IDX header (byte offset 8) gives an empty image "
                      "size %s",
                      imageSize(idx).text);
  int64_t payload, floatBytes;
  if (cnnc_mul_overflows(idx->rows, idx->cols, &idx->itemBytes) ||
      cnnc_mul_overflows(idx->itemBytes, idx->channels, &idx->itemBytes) ||
      cnnc_mul_overflows(idx->count, idx->itemBytes, &payload) ||
      cnnc_mul_overflows(payload, (int64_t)sizeof(float), &floatBytes) ||
      (uint64_t)floatBytes > SIZE_MAX)
    return cnnrt_fail(idx->stream.path,
                      "the IDX header (byte offset 4) declares %lld images "
                      "of %s, more than this machine can address",
                      (long long)idx->count, imageSize(idx).text);
  return 0;
}

static int openIdx(IdxFile *idx, const char *path, int dims) {
  if (cnnrt_stream_open(&idx->stream, path))
    return -1;
  if (readHeader(idx, dims)) {
    cnnrt_stream_close(&idx->stream);
    return -1;
  }
  return 0;
}

/// Converts `count` payload bytes into elements of the output buffer.
typedef void (*ConvertFn)(const IdxFile *idx, const uint8_t *bytes,
                          int64_t count, void *out);

static void convertPixels(const IdxFile *idx, const uint8_t *bytes,
                          int64_t count, void *out) {
  float *pixels = out;
  for (int64_t i = 0; i < count; ++i)
    pixels[i] = idx->map->byte[bytes[i]];
}

static void convertLabels(const IdxFile *idx, const uint8_t *bytes,
                          int64_t count, void *out) {
  (void)idx;
  int32_t *labels = out;
  for (int64_t i = 0; i < count; ++i)
    labels[i] = bytes[i];
}

static int failTruncated(const IdxFile *idx, int64_t done) {
  const char *path = idx->stream.path;
  int64_t end = headerBytes(idx) + done;
  if (idx->dims == 1)
    return cnnrt_fail(path,
                      "truncated: the IDX header (byte offset 4) declares "
                      "%lld labels, but the data ends at byte offset %lld "
                      "after %lld labels",
                      (long long)idx->count, (long long)end, (long long)done);
  return cnnrt_fail(path,
                    "truncated: the IDX header (byte offset 4) declares %lld "
                    "images of %s, but the data ends at byte offset %lld "
                    "after %lld complete images",
                    (long long)idx->count, imageSize(idx).text, (long long)end,
                    (long long)(done / idx->itemBytes));
}

/// Reads the whole payload into a new buffer of elements of `elementSize`
/// bytes, then checks that the file ends there. The buffer grows only after
/// the bytes for it have been read.
static int readPayload(IdxFile *idx, uint8_t *chunk, void **out,
                       size_t elementSize, ConvertFn convert) {
  int64_t total = idx->count * idx->itemBytes; // checked by readHeader
  int64_t capacity = 0, done = 0;
  *out = NULL;
  while (done < total) {
    int64_t want = total - done < kChunkBytes ? total - done : kChunkBytes;
    int64_t got = cnnrt_stream_read(&idx->stream, chunk, (size_t)want);
    if (got < 0 || cnnrt_reserve(idx->stream.path, out, &capacity, done + got,
                                 total, elementSize))
      return -1;
    convert(idx, chunk, got, (char *)*out + done * (int64_t)elementSize);
    done += got;
    if (got < want)
      return failTruncated(idx, done);
  }
  int64_t extra = cnnrt_stream_read(&idx->stream, chunk, 1);
  if (extra < 0)
    return -1;
  if (extra > 0)
    return cnnrt_fail(idx->stream.path,
                      "unexpected data at byte offset %lld, after the %lld "
                      "%s the IDX header declares",
                      (long long)(headerBytes(idx) + total),
                      (long long)idx->count,
                      idx->dims == 1 ? "labels" : "images");
  return 0;
}

/// Reads both payloads into `out` (whose buffers the caller frees).
static int readDataset(IdxFile *images, IdxFile *labels, cnnrt_dataset *out) {
  uint8_t *chunk = malloc(kChunkBytes);
  if (!chunk)
    return cnnrt_fail(images->stream.path, "out of memory");
  void *pixels = NULL, *classes = NULL;
  int failed =
      readPayload(images, chunk, &pixels, sizeof(float), convertPixels) ||
      readPayload(labels, chunk, &classes, sizeof(int32_t), convertLabels);
  free(chunk);
  out->images = pixels;
  out->labels = classes;
  if (failed)
    return -1;
  out->count = images->count;
  out->height = images->rows;
  out->width = images->cols;
  out->channels = images->channels;
  for (int64_t i = 0; i < out->count; ++i)
    if (out->labels[i] >= out->num_classes)
      out->num_classes = out->labels[i] + 1;
  return 0;
}

int cnnrt_dataset_load_idx(const char *imagesPath, const char *labelsPath,
                           cnnrt_dataset *out) {
  return cnnrt_dataset_read_idx(imagesPath, labelsPath, NULL, out);
}

int cnnrt_dataset_read_idx(const char *imagesPath, const char *labelsPath,
                           const cnnrt_load_options *options,
                           cnnrt_dataset *out) {
  if (!out)
    return cnnrt_fail("cnnrt_dataset_read_idx", "the data set is NULL");
  memset(out, 0, sizeof *out);
  if (!imagesPath || !labelsPath)
    return cnnrt_fail("cnnrt_dataset_read_idx", "a file path is NULL");
  cnnrt_value_map map;
  if (cnnrt_value_map_init(&map, options, 1, imagesPath))
    return -1;
  IdxFile images, labels;
  images.map = labels.map = &map;
  if (openIdx(&images, imagesPath, 3))
    return -1;
  if (openIdx(&labels, labelsPath, 1)) {
    cnnrt_stream_close(&images.stream);
    return -1;
  }
  int failed = 0;
  if (images.count != labels.count)
    failed = cnnrt_fail(labelsPath,
                        "the IDX header declares %lld labels, but %s declares "
                        "%lld images",
                        (long long)labels.count, imagesPath,
                        (long long)images.count);
  else
    failed = readDataset(&images, &labels, out);
  cnnrt_stream_close(&images.stream);
  cnnrt_stream_close(&labels.stream);
  if (failed)
    cnnrt_dataset_free(out);
  return failed ? -1 : 0;
}

/// "<dir>/<name>", or "<dir>/<name without .gz>" when only that exists.
/// Returns NULL after recording an error.
static char *dataPath(const char *dir, const char *name) {
  size_t dirLength = strlen(dir), nameLength = strlen(name);
  char *path = malloc(dirLength + nameLength + 2);
  if (!path) {
    cnnrt_fail(dir, "out of memory");
    return NULL;
  }
  memcpy(path, dir, dirLength);
  path[dirLength] = '/';
  memcpy(path + dirLength + 1, name, nameLength + 1);
  if (access(path, F_OK) == 0)
    return path;
  int err = errno;
  path[dirLength + nameLength - 2] = '\0'; // drop ".gz"
  if (access(path, F_OK) == 0)
    return path;
  path[dirLength + nameLength - 2] = '.';
  cnnrt_fail_errno(path, err,
                   "cannot open the Fashion-MNIST file (install the Debian "
                   "package dataset-fashion-mnist or set %s)",
                   CNNRT_FASHION_MNIST_DIR_ENV);
  free(path);
  return NULL;
}

int cnnrt_dataset_load_fashion_mnist(const char *dir, int train,
                                     cnnrt_dataset *out) {
  return cnnrt_dataset_read_fashion_mnist(dir, train, NULL, out);
}

int cnnrt_dataset_read_fashion_mnist(const char *dir, int train,
                                     const cnnrt_load_options *options,
                                     cnnrt_dataset *out) {
  if (!out)
    return cnnrt_fail("cnnrt_dataset_load_fashion_mnist",
                      "the data set is NULL");
  memset(out, 0, sizeof *out);
  if (!dir) {
    const char *override = getenv(CNNRT_FASHION_MNIST_DIR_ENV);
    dir = override && override[0] ? override : CNNRT_FASHION_MNIST_DIR;
  }
  char *imagesPath = dataPath(dir, train ? "train-images-idx3-ubyte.gz"
                                         : "t10k-images-idx3-ubyte.gz");
  char *labelsPath = imagesPath
                         ? dataPath(dir, train ? "train-labels-idx1-ubyte.gz"
                                               : "t10k-labels-idx1-ubyte.gz")
                         : NULL;
  static const char *const kClassNames[10] = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  int status =
      labelsPath ? cnnrt_dataset_read_idx(imagesPath, labelsPath, options, out)
                 : -1;
  if (!status && out->num_classes <= 10) // the data set's own names
    status = cnnrt_dataset_copy_names(out, kClassNames, 10, dir);
  if (status)
    cnnrt_dataset_free(out);
  free(imagesPath);
  free(labelsPath);
  return status;
}
