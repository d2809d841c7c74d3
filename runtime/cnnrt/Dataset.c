//===- Dataset.c - data set buffers, value mapping, whole-file reads ------===//
//
// Buffer growth for the readers, the stored-to-input value mapping of
// cnnrt_load_options, reading a small file whole (image files), and
// cnnrt_dataset_free.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "CheckedMath.h"
#include "DatasetInternal.h"
#include "Error.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cnnrt_value_map_init(cnnrt_value_map *map,
                         const cnnrt_load_options *options, int bytes,
                         const char *subject) {
  double scale = options ? options->scale : 0.0;
  double offset = options ? options->offset : 0.0;
  if (!isfinite(scale) || !isfinite(offset))
    return cnnrt_fail(subject, "the scale %g and offset %g must be finite",
                      scale, offset);
  map->bytes_default = bytes && scale == 0.0 && offset == 0.0;
  map->scale = scale != 0.0 ? scale : bytes ? 1.0 / 255.0 : 1.0;
  map->offset = offset;
  for (int value = 0; value < 256; ++value)
    map->byte[value] = cnnrt_value_map_apply(map, value);
  return 0;
}

const char *const cnnrt_cifar10_class_names[10] = {
    "airplane", "automobile", "bird",  "cat",  "deer",
    "dog",      "frog",       "horse", "ship", "truck"};

char **cnnrt_class_names_copy(const char *const *names, int64_t count) {
  if (count <= 0 || !names || (uint64_t)count > SIZE_MAX / sizeof(char *))
    return NULL;
  char **copy = calloc((size_t)count, sizeof *copy);
  for (int64_t i = 0; copy && i < count; ++i) {
    size_t length = strlen(names[i]);
    copy[i] = malloc(length + 1);
    if (!copy[i]) {
      cnnrt_class_names_free(copy, i);
      return NULL;
    }
    memcpy(copy[i], names[i], length + 1);
  }
  return copy;
}

void cnnrt_class_names_free(char **names, int64_t count) {
  if (!names)
    return;
  for (int64_t i = 0; i < count; ++i)
    free(names[i]);
  free(names);
}

int cnnrt_dataset_copy_names(cnnrt_dataset *data, const char *const *names,
                             int64_t count, const char *subject) {
  char **copy = cnnrt_class_names_copy(names, count);
  if (!copy)
    return cnnrt_fail(subject, "out of memory for %lld class names",
                      (long long)count);
  cnnrt_class_names_free(data->class_names, data->num_classes);
  data->class_names = copy;
  data->num_classes = count;
  return 0;
}

int cnnrt_read_whole_file(const char *path, int64_t limit, uint8_t **bytes,
                          size_t *size) {
  *bytes = NULL;
  *size = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cnnrt_fail_errno(path, errno, "cannot open");
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    int error = errno;
    close(fd);
    return S_ISDIR(info.st_mode) ? cnnrt_fail(path, "is a directory")
           : error               ? cnnrt_fail_errno(path, error, "cannot stat")
                                 : cnnrt_fail(path, "not a regular file");
  }
  if (info.st_size > limit) {
    close(fd);
    return cnnrt_fail(path, "%lld bytes, more than the %lld this reader takes",
                      (long long)info.st_size, (long long)limit);
  }
  size_t capacity = (size_t)info.st_size + 1; // +1: see the end of the file
  uint8_t *buffer = malloc(capacity);
  if (!buffer) {
    close(fd);
    return cnnrt_fail(path, "out of memory for %lld bytes",
                      (long long)info.st_size);
  }
  size_t done = 0;
  for (;;) {
    ssize_t got = read(fd, buffer + done, capacity - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int error = errno;
      close(fd);
      free(buffer);
      return cnnrt_fail_errno(path, error, "read error at byte offset %lld",
                              (long long)done);
    }
    if (got == 0)
      break;
    done += (size_t)got;
    if (done == capacity) { // the file grew while being read
      close(fd);
      free(buffer);
      return cnnrt_fail(path, "changed while being read");
    }
  }
  close(fd);
  *bytes = buffer;
  *size = done;
  return 0;
}

void cnnrt_dataset_free(cnnrt_dataset *dataset) {
  if (!dataset)
    return;
  free(dataset->images);
  free(dataset->labels);
  cnnrt_class_names_free(dataset->class_names, dataset->num_classes);
  memset(dataset, 0, sizeof *dataset);
}
