//===- Cifar10Reader.c - CIFAR-10 binary batches --------------------------===//
//
// The "binary version" of CIFAR-10 (data_batch_1.bin ... data_batch_5.bin,
// test_batch.bin) is a bare sequence of 3073-byte records: one label byte in
// 0..9, then 1024 red, 1024 green and 1024 blue bytes of a 32x32 image in
// row-major order. The images are converted from this CHW layout to the NHWC
// layout of cnnc models. With no header, the record count comes from the data
// itself; buffers grow as records arrive.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "ByteStream.h"
#include "DatasetInternal.h"
#include "Error.h"

#include <stdlib.h>
#include <string.h>

enum {
  kSide = 32,
  kChannels = 3,
  kPlane = kSide * kSide,
  kImageBytes = kPlane * kChannels,
  kRecordBytes = 1 + kImageBytes,
  kRecordsPerChunk = 256,
  kClasses = 10,
};

/// Growing output buffers.
typedef struct Cifar10Buffers {
  void *images, *labels;
  int64_t imageCapacity, labelCapacity; ///< in elements
  int64_t count;                        ///< records read so far
  const cnnrt_value_map *map;
} Cifar10Buffers;

/// Appends the whole records of `chunk`, which starts at `offset` in `path`.
static int appendRecords(const char *path, const uint8_t *chunk,
                         int64_t records, int64_t offset,
                         Cifar10Buffers *buffers) {
  int64_t limit = INT64_MAX / kImageBytes / (int64_t)sizeof(float);
  if (buffers->count + records > limit)
    return cnnrt_fail(path, "too many records at byte offset %lld",
                      (long long)offset);
  int64_t count = buffers->count + records;
  if (cnnrt_reserve(path, &buffers->images, &buffers->imageCapacity,
                    count * kImageBytes, limit * kImageBytes, sizeof(float)) ||
      cnnrt_reserve(path, &buffers->labels, &buffers->labelCapacity, count,
                    limit, sizeof(int32_t)))
    return -1;
  for (int64_t r = 0; r < records; ++r) {
    const uint8_t *record = chunk + r * kRecordBytes;
    if (record[0] >= kClasses)
      return cnnrt_fail(path,
                        "label %u at byte offset %lld is not a CIFAR-10 "
                        "class (0..9)",
                        (unsigned)record[0],
                        (long long)(offset + r * kRecordBytes));
    int64_t index = buffers->count + r;
    ((int32_t *)buffers->labels)[index] = record[0];
    float *image = (float *)buffers->images + index * kImageBytes;
    for (int pixel = 0; pixel < kPlane; ++pixel)
      for (int channel = 0; channel < kChannels; ++channel)
        image[pixel * kChannels + channel] =
            buffers->map->byte[record[1 + channel * kPlane + pixel]];
  }
  buffers->count = count;
  return 0;
}

static int readRecords(cnnrt_stream *stream, uint8_t *chunk,
                       Cifar10Buffers *buffers) {
  const size_t chunkBytes = (size_t)kRecordBytes * kRecordsPerChunk;
  int64_t fileRecords = 0;
  for (;;) {
    int64_t offset = stream->offset;
    int64_t got = cnnrt_stream_read(stream, chunk, chunkBytes);
    if (got < 0)
      return -1;
    int64_t records = got / kRecordBytes;
    if (appendRecords(stream->path, chunk, records, offset, buffers))
      return -1;
    fileRecords += records;
    if ((size_t)got == chunkBytes)
      continue;
    if (got % kRecordBytes)
      return cnnrt_fail(stream->path,
                        "truncated: the %lld bytes at byte offset %lld do "
                        "not form a whole %d-byte CIFAR-10 record",
                        (long long)(got % kRecordBytes),
                        (long long)(offset + records * kRecordBytes),
                        kRecordBytes);
    if (fileRecords == 0)
      return cnnrt_fail(stream->path,
                        "empty file, expected CIFAR-10 records of %d bytes",
                        kRecordBytes);
    return 0;
  }
}

static int readFile(const char *path, uint8_t *chunk, Cifar10Buffers *buffers) {
  cnnrt_stream stream;
  if (cnnrt_stream_open(&stream, path))
    return -1;
  int status = readRecords(&stream, chunk, buffers);
  cnnrt_stream_close(&stream);
  return status;
}

int cnnrt_dataset_load_cifar10(const char *const *paths, int64_t num_paths,
                               cnnrt_dataset *out) {
  return cnnrt_dataset_read_cifar10(paths, num_paths, NULL, out);
}

int cnnrt_dataset_read_cifar10(const char *const *paths, int64_t num_paths,
                               const cnnrt_load_options *options,
                               cnnrt_dataset *out) {
  if (!out)
    return cnnrt_fail("cnnrt_dataset_read_cifar10", "the data set is NULL");
  memset(out, 0, sizeof *out);
  if (!paths || num_paths <= 0)
    return cnnrt_fail("cnnrt_dataset_read_cifar10", "no files given");
  for (int64_t i = 0; i < num_paths; ++i)
    if (!paths[i])
      return cnnrt_fail("cnnrt_dataset_read_cifar10", "file path %lld is NULL",
                        (long long)i);
  cnnrt_value_map map;
  if (cnnrt_value_map_init(&map, options, 1, paths[0]))
    return -1;
  uint8_t *chunk = malloc((size_t)kRecordBytes * kRecordsPerChunk);
  if (!chunk)
    return cnnrt_fail(paths[0], "out of memory");
  Cifar10Buffers buffers = {0};
  buffers.map = &map;
  int failed = 0;
  for (int64_t i = 0; i < num_paths && !failed; ++i)
    failed = readFile(paths[i], chunk, &buffers);
  free(chunk);
  out->images = buffers.images;
  out->labels = buffers.labels;
  if (failed) {
    cnnrt_dataset_free(out);
    return -1;
  }
  out->count = buffers.count;
  out->height = kSide;
  out->width = kSide;
  out->channels = kChannels;
  if (!cnnrt_dataset_copy_names(out, cnnrt_cifar10_class_names, kClasses,
                                paths[0]))
    return 0;
  cnnrt_dataset_free(out);
  return -1;
}
