//===- NpyReader.c - NumPy .npy arrays ------------------------------------===//
//
// Parses the header dict with a small scanner for exactly what NumPy writes
// (quoted keys, a dtype string, True/False, a tuple of integers) and reads
// the elements in chunks into buffers that grow as bytes arrive (the shape
// in the header is never trusted for an allocation). Supported element
// types: unsigned/signed integers of 1-8 bytes and bool (labels), uint8,
// float32 and float64 (images), either byte order. Messages give the byte
// offset within the array's .npy data.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "CheckedMath.h"
#include "Error.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxHeaderBytes = 1 << 16, kChunkBytes = 1 << 20 };

/// The parsed header.
typedef struct Header {
  char kind;     ///< 'u', 'i', 'b' or 'f'
  int itemBytes; ///< 1, 2, 4 or 8
  int bigEndian;
  int fortran;
  int dims;
  int64_t shape[CNNRT_NPY_MAX_DIMS];
  int seen; ///< bit 0: descr, 1: fortran_order, 2: shape
} Header;

/// A position in the header text, which starts at byte `base` of the file.
typedef struct Scanner {
  const cnnrt_npy_source *source;
  const char *text;
  int64_t length, at, base;
} Scanner;

static int failAt(const Scanner *s, const char *what) {
  return cnnrt_fail(s->source->subject,
                    "invalid .npy header at byte offset %lld: %s",
                    (long long)(s->base + s->at), what);
}

static void skipSpace(Scanner *s) {
  while (s->at < s->length && isspace((unsigned char)s->text[s->at]))
    ++s->at;
}

static int accept(Scanner *s, char c) {
  skipSpace(s);
  if (s->at < s->length && s->text[s->at] == c)
    return ++s->at, 1;
  return 0;
}

/// A quoted string into `out` (at most `capacity` - 1 bytes).
static int scanString(Scanner *s, char *out, size_t capacity) {
  skipSpace(s);
  char quote = s->at < s->length ? s->text[s->at] : 0;
  if (quote != '\'' && quote != '"')
    return failAt(s, "expected a quoted string");
  size_t used = 0;
  for (++s->at; s->at < s->length && s->text[s->at] != quote; ++s->at) {
    if (used + 1 >= capacity)
      return failAt(s, "string too long");
    out[used++] = s->text[s->at];
  }
  if (s->at >= s->length)
    return failAt(s, "unterminated string");
  ++s->at;
  out[used] = '\0';
  return 0;
}

static int parseDescr(Scanner *s, Header *header) {
  char descr[16];
  int64_t start = s->at;
  if (scanString(s, descr, sizeof descr))
    return -1;
  const char *d = descr;
  header->bigEndian = *d == '>';
  if (*d == '<' || *d == '>' || *d == '|' || *d == '=')
    ++d;
  header->kind = *d ? *d++ : 0;
  char *end;
  long bytes = strtol(d, &end, 10);
  header->itemBytes = (int)bytes;
  int valid = *d && !*end &&
              ((strchr("ui", header->kind) &&
                (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) ||
               (header->kind == 'b' && bytes == 1) ||
               (header->kind == 'f' && (bytes == 4 || bytes == 8)));
  if (valid)
    return 0;
  s->at = start;
  return cnnrt_fail(s->source->subject,
                    "unsupported dtype '%s' at byte offset %lld (integers, "
                    "bool, float32 or float64)",
                    descr, (long long)(s->base + start));
}

static int parseShape(Scanner *s, Header *header) {
  if (!accept(s, '('))
    return failAt(s, "expected the shape tuple");
  header->dims = 0;
  while (!accept(s, ')')) {
    skipSpace(s);
    if (header->dims == CNNRT_NPY_MAX_DIMS)
      return failAt(s, "more than 8 dimensions");
    int64_t value = 0;
    int digits = 0;
    while (s->at < s->length && isdigit((unsigned char)s->text[s->at])) {
      if (cnnc_mul_overflows(value, 10, &value) ||
          cnnc_add_overflows(value, s->text[s->at++] - '0', &value))
        return failAt(s, "dimension too large");
      ++digits;
    }
    if (!digits)
      return failAt(s, "expected a non-negative dimension");
    header->shape[header->dims++] = value;
    if (!accept(s, ',') &&
        (skipSpace(s), s->at >= s->length || s->text[s->at] != ')'))
      return failAt(s, "expected ',' or ')' in the shape");
  }
  return 0;
}

/// Parses the header dict.
static int parseHeader(Scanner *s, Header *header) {
  if (!accept(s, '{'))
    return failAt(s, "expected '{'");
  while (!accept(s, '}')) {
    char key[32];
    if (scanString(s, key, sizeof key))
      return -1;
    if (!accept(s, ':'))
      return failAt(s, "expected ':'");
    skipSpace(s);
    if (strcmp(key, "descr") == 0 && !(header->seen & 1)) {
      if (parseDescr(s, header))
        return -1;
      header->seen |= 1;
    } else if (strcmp(key, "fortran_order") == 0 && !(header->seen & 2)) {
      int yes = strncmp(s->text + s->at, "True", 4) == 0;
      if (!yes && strncmp(s->text + s->at, "False", 5) != 0)
        return failAt(s, "expected True or False");
      s->at += yes ? 4 : 5;
      header->fortran = yes;
      header->seen |= 2;
    } else if (strcmp(key, "shape") == 0 && !(header->seen & 4)) {
      if (parseShape(s, header))
        return -1;
      header->seen |= 4;
    } else {
      return failAt(s, "unexpected or repeated key");
    }
    if (!accept(s, ',') &&
        (skipSpace(s), s->at >= s->length || s->text[s->at] != '}'))
      return failAt(s, "expected ',' or '}'");
  }
  if (header->seen != 7)
    return failAt(s, "'descr', 'fortran_order' or 'shape' missing");
  if (header->fortran && header->dims > 1)
    return cnnrt_fail(s->source->subject,
                      "Fortran-order arrays are not supported (save with "
                      "np.ascontiguousarray)");
  return 0;
}

/// Reads exactly `size` bytes, or fails naming what was being read.
static int readExactly(cnnrt_npy_source *source, void *buffer, size_t size,
                       const char *what) {
  int64_t got = source->read(source->context, buffer, size);
  if (got < 0)
    return -1;
  source->offset += got;
  if ((size_t)got < size)
    return cnnrt_fail(source->subject,
                      "truncated: the data ends at byte offset %lld inside "
                      "the %s",
                      (long long)source->offset, what);
  return 0;
}

static int readHeader(cnnrt_npy_source *source, Header *header) {
  unsigned char fixed[12];
  if (readExactly(source, fixed, 8, "magic and version"))
    return -1;
  if (memcmp(fixed, "\x93NUMPY", 6) != 0)
    return cnnrt_fail(source->subject, "not a .npy array: no \\x93NUMPY "
                                       "magic at byte offset 0");
  if (fixed[6] < 1 || fixed[6] > 3)
    return cnnrt_fail(source->subject,
                      "unsupported .npy version %u.%u at byte offset 6",
                      fixed[6], fixed[7]);
  int wide = fixed[6] >= 2;
  if (readExactly(source, fixed + 8, wide ? 4 : 2, "header length"))
    return -1;
  int64_t length = fixed[8] | fixed[9] << 8;
  if (wide)
    length |= (int64_t)fixed[10] << 16 | (int64_t)fixed[11] << 24;
  if (length > kMaxHeaderBytes)
    return cnnrt_fail(source->subject,
                      "header length %lld at byte offset 8 exceeds %d bytes",
                      (long long)length, kMaxHeaderBytes);
  char *text = malloc((size_t)length + 1);
  if (!text)
    return cnnrt_fail(source->subject, "out of memory");
  Scanner scanner = {source, text, length, 0, source->offset};
  int failed = readExactly(source, text, (size_t)length, "header");
  if (!failed) {
    memset(header, 0, sizeof *header);
    failed = parseHeader(&scanner, header);
  }
  free(text);
  return failed;
}

/// The element at `bytes` as a double (integers exactly up to 2^53).
static double element(const Header *header, const unsigned char *bytes,
                      int64_t *integer) {
  uint64_t bits = 0;
  for (int k = 0; k < header->itemBytes; ++k) {
    int index = header->bigEndian ? k : header->itemBytes - 1 - k;
    bits = bits << 8 | bytes[index];
  }
  if (header->kind == 'f') {
    if (header->itemBytes == 4) {
      uint32_t narrow = (uint32_t)bits;
      float value;
      memcpy(&value, &narrow, sizeof value);
      return value;
    }
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
  }
  int shift = 64 - 8 * header->itemBytes;
  *integer = header->kind == 'i' ? (int64_t)(bits << shift) >> shift
                                 : (int64_t)bits; // u8 above 2^63: negative
  if (header->kind == 'u' && header->itemBytes == 8 && *integer < 0)
    *integer = INT64_MAX;
  return (double)*integer;
}

/// Converts `count` elements of a chunk that starts at element `first`.
static int convert(const cnnrt_npy_source *source, const Header *header,
                   int images, const cnnrt_value_map *map,
                   const unsigned char *chunk, int64_t count, int64_t first,
                   int64_t dataStart, void *out) {
  for (int64_t i = 0; i < count; ++i) {
    const unsigned char *bytes = chunk + i * header->itemBytes;
    int64_t offset = dataStart + (first + i) * header->itemBytes;
    if (images && header->kind == 'u') {
      ((float *)out)[first + i] = map->byte[bytes[0]];
      continue;
    }
    int64_t integer = 0;
    double value = element(header, bytes, &integer);
    if (images) {
      float mapped = cnnrt_value_map_apply(map, value);
      if (!isfinite(mapped))
        return cnnrt_fail(source->subject,
                          "image value %g at byte offset %lld is not finite",
                          value, (long long)offset);
      ((float *)out)[first + i] = mapped;
    } else if (integer < 0 || integer > INT32_MAX) {
      return cnnrt_fail(source->subject,
                        "label %lld at byte offset %lld is not a class index",
                        (long long)integer, (long long)offset);
    } else {
      ((int32_t *)out)[first + i] = (int32_t)integer;
    }
  }
  return 0;
}

/// Reads the elements and checks the source ends with them.
static int readElements(cnnrt_npy_source *source, const Header *header,
                        int images, const cnnrt_value_map *map, int64_t count,
                        void **out) {
  size_t elementSize = images ? sizeof(float) : sizeof(int32_t);
  int64_t perChunk = kChunkBytes / header->itemBytes, capacity = 0;
  int64_t dataStart = source->offset;
  unsigned char *chunk = malloc(kChunkBytes);
  if (!chunk)
    return cnnrt_fail(source->subject, "out of memory");
  int failed = 0;
  for (int64_t done = 0; done < count && !failed;) {
    int64_t want = count - done < perChunk ? count - done : perChunk;
    int64_t got = source->read(source->context, chunk,
                               (size_t)(want * header->itemBytes));
    if (got < 0) {
      failed = -1;
      break;
    }
    source->offset += got;
    int64_t whole = got / header->itemBytes;
    failed = cnnrt_reserve(source->subject, out, &capacity, done + whole, count,
                           elementSize) ||
             convert(source, header, images, map, chunk, whole, done, dataStart,
                     *out);
    done += whole;
    if (!failed && whole < want)
      failed = cnnrt_fail(source->subject,
                          "truncated: the header declares %lld elements, but "
                          "the data ends at byte offset %lld after %lld",
                          (long long)count, (long long)source->offset,
                          (long long)done);
  }
  if (!failed) {
    int64_t extra = source->read(source->context, chunk, 1);
    failed = extra < 0 ? -1
             : extra   ? cnnrt_fail(source->subject,
                                    "unexpected data at byte offset %lld, "
                                      "after the %lld elements the header "
                                      "declares",
                                    (long long)source->offset, (long long)count)
                       : 0;
  }
  free(chunk);
  return failed;
}

int cnnrt_npy_read(cnnrt_npy_source *source, int images,
                   const cnnrt_value_map *byteMap,
                   const cnnrt_value_map *floatMap, cnnrt_npy_array *out) {
  memset(out, 0, sizeof *out);
  Header header;
  if (readHeader(source, &header))
    return -1;
  if (images && header.kind != 'f' &&
      !(header.kind == 'u' && header.itemBytes == 1))
    return cnnrt_fail(source->subject,
                      "images must be uint8, float32 or float64, not %c%d",
                      header.kind, header.itemBytes);
  if (!images && header.kind == 'f')
    return cnnrt_fail(source->subject,
                      "labels must be integer class indices, not float%d",
                      8 * header.itemBytes);
  int64_t count = 1, bytes;
  for (int d = 0; d < header.dims; ++d)
    if (cnnc_mul_overflows(count, header.shape[d], &count))
      count = -1;
  if (count < 0 || cnnc_mul_overflows(count, 8, &bytes))
    return cnnrt_fail(source->subject,
                      "the shape in the header has more elements than this "
                      "machine can address");
  out->dims = header.dims;
  memcpy(out->shape, header.shape, sizeof out->shape);
  out->count = count;
  if (!readElements(source, &header, images,
                    header.kind == 'u' ? byteMap : floatMap, count, &out->data))
    return 0;
  free(out->data);
  out->data = NULL;
  return -1;
}
