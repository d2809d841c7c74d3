//===- ClassNames.c - class names from a text file
//-------------------------===//
//
// One name per line, as `--class-names FILE` gives them for formats that
// carry none (IDX, NumPy arrays). The file is read whole (at most 16 MiB);
// every line must be a non-empty name of at most 255 bytes without control
// characters, so names print on one line in reports, CSV and JSON. A final
// line break is optional; "\r\n" line ends are accepted.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "DatasetInternal.h"
#include "Error.h"

#include <stdlib.h>
#include <string.h>

enum { kMaxFileBytes = 16 << 20, kMaxNameBytes = 255 };

/// Checks line `number` (1-based) spanning [begin, end) at byte `offset`.
static int checkLine(const char *path, const uint8_t *begin, const uint8_t *end,
                     int64_t number, int64_t offset) {
  if (end == begin)
    return cnnrt_fail(path,
                      "line %lld (byte offset %lld) is empty: expected "
                      "one class name per line",
                      (long long)number, (long long)offset);
  if (end - begin > kMaxNameBytes)
    return cnnrt_fail(path,
                      "line %lld (byte offset %lld) has %lld bytes, a class "
                      "name at most %d",
                      (long long)number, (long long)offset,
                      (long long)(end - begin), kMaxNameBytes);
  for (const uint8_t *c = begin; c < end; ++c)
    if (*c < 0x20 || *c == 0x7f)
      return cnnrt_fail(path,
                        "control character 0x%02x at byte offset %lld (line "
                        "%lld)",
                        (unsigned)*c, (long long)(offset + (c - begin)),
                        (long long)number);
  return 0;
}

/// Splits `bytes` into lines, checking each; fills `names` when not NULL.
static int splitLines(const char *path, const uint8_t *bytes, size_t size,
                      char **names, int64_t *count) {
  int64_t number = 0;
  size_t start = 0;
  while (start < size) {
    const uint8_t *newline = memchr(bytes + start, '\n', size - start);
    size_t stop = newline ? (size_t)(newline - bytes) : size;
    size_t end = stop > start && bytes[stop - 1] == '\r' ? stop - 1 : stop;
    ++number;
    if (checkLine(path, bytes + start, bytes + end, number, (int64_t)start))
      return -1;
    if (names) {
      names[number - 1] = malloc(end - start + 1);
      if (!names[number - 1])
        return cnnrt_fail(path, "out of memory");
      memcpy(names[number - 1], bytes + start, end - start);
      names[number - 1][end - start] = '\0';
    }
    start = stop + 1;
  }
  *count = number;
  return 0;
}

int cnnrt_class_names_read(const char *path, char ***names, int64_t *count) {
  if (!path || !names || !count)
    return cnnrt_fail("cnnrt_class_names_read", "NULL argument");
  *names = NULL;
  *count = 0;
  uint8_t *bytes;
  size_t size;
  if (cnnrt_read_whole_file(path, kMaxFileBytes, &bytes, &size))
    return -1;
  int64_t lines = 0;
  char **result = NULL;
  int failed = splitLines(path, bytes, size, NULL, &lines);
  if (!failed && lines == 0)
    failed = cnnrt_fail(path, "empty file: expected one class name per line");
  if (!failed) {
    result = calloc((size_t)lines, sizeof *result);
    failed = result ? splitLines(path, bytes, size, result, &lines)
                    : cnnrt_fail(path, "out of memory");
  }
  free(bytes);
  if (failed) {
    cnnrt_class_names_free(result, lines);
    return -1;
  }
  *names = result;
  *count = lines;
  return 0;
}
