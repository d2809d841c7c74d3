//===- CheckpointRead.c - load and validate a checkpoint ------------------===//
//
// Checks in the order that gives the most useful message: the fixed header
// (magic, version), the sizes it claims against the file's real length
// (overflow-checked, before anything is allocated), the CRC32 over the whole
// file, and then the model match (CheckpointMatch.c). Only then are the
// floats decoded, into temporary buffers, and copied into the instance, so
// a failed load leaves the instance as it was. Nothing is allocated beyond
// what the file's length justifies.
//
//===----------------------------------------------------------------------===//

#include "CheckpointFormat.h"
#include "Internal.h"

#include "CheckedMath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

typedef struct Reader {
  const char *path;
  int fd;
  int64_t size; ///< bytes in the file
} Reader;

enum { kChunkBytes = 65536 };

/// Reads exactly `count` bytes at `offset`.
static int readAt(const Reader *reader, int64_t offset, void *buffer,
                  size_t count) {
  unsigned char *out = buffer;
  while (count > 0) {
    ssize_t got = pread(reader->fd, out, count, (off_t)offset);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return cnnrt_train_fail_errno(reader->path, errno,
                                    "read failed at byte offset %lld",
                                    (long long)offset);
    if (got == 0)
      return cnnrt_train_fail(reader->path,
                              "unexpected end of file at byte offset %lld",
                              (long long)offset);
    out += got;
    offset += got;
    count -= (size_t)got;
  }
  return 0;
}

/// Magic, version, header size and the file length the header implies.
static int checkFixed(const Reader *reader, const unsigned char *fixed) {
  const char *path = reader->path;
  if (memcmp(fixed + kOffsetMagic, CNNRT_CHECKPOINT_MAGIC, 8) != 0)
    return cnnrt_train_fail(path, "bad magic at byte offset 0: not a cnnc "
                                  "checkpoint");
  uint32_t version = cnnrt_get_u32(fixed + kOffsetVersion);
  if (version != kCheckpointVersion)
    return cnnrt_train_fail(path,
                            "unsupported format version %u at byte offset %d "
                            "(this runtime reads version %d)",
                            version, kOffsetVersion, kCheckpointVersion);
  int64_t headerSize = cnnrt_get_u32(fixed + kOffsetHeaderSize);
  if (headerSize < kCheckpointFixedSize)
    return cnnrt_train_fail(path,
                            "header size %lld at byte offset %d is smaller "
                            "than the %d-byte fixed header",
                            (long long)headerSize, kOffsetHeaderSize,
                            kCheckpointFixedSize);
  if (headerSize > reader->size - kCheckpointCrcSize)
    return cnnrt_train_fail(path,
                            "truncated: header size %lld at byte offset %d, "
                            "but the file has %lld bytes",
                            (long long)headerSize, kOffsetHeaderSize,
                            (long long)reader->size);
  int64_t params = (int64_t)cnnrt_get_u64(fixed + kOffsetParamElements);
  int64_t state = (int64_t)cnnrt_get_u64(fixed + kOffsetOptStateElements);
  uint32_t flags = cnnrt_get_u32(fixed + kOffsetFlags);
  if (flags & ~(uint32_t)kCheckpointFlagBestParams)
    return cnnrt_train_fail(path, "unknown flags 0x%x at byte offset %d", flags,
                            kOffsetFlags);
  int best = (flags & kCheckpointFlagBestParams) != 0;
  int64_t floats, expected;
  if (params < 0 || state < 0 || cnnc_add_overflows(params, state, &floats) ||
      (best && cnnc_add_overflows(floats, params, &floats)) ||
      cnnc_mul_overflows(floats, 4, &expected) ||
      cnnc_add_overflows(expected, headerSize + kCheckpointCrcSize, &expected))
    return cnnrt_train_fail(path,
                            "param_elements %lld (byte offset %d) and "
                            "opt_state_elements %lld (byte offset %d) are "
                            "impossible for a file of %lld bytes",
                            (long long)params, kOffsetParamElements,
                            (long long)state, kOffsetOptStateElements,
                            (long long)reader->size);
  if (expected == reader->size)
    return 0;
  return cnnrt_train_fail(
      path,
      "%s: the header (byte offsets %d, %d, %d, %d) describes %lld bytes "
      "(%lld header + 4 * (%lld + %lld%s) floats + 4 CRC), the file has %lld",
      expected > reader->size ? "truncated" : "trailing bytes",
      kOffsetHeaderSize, kOffsetParamElements, kOffsetOptStateElements,
      kOffsetFlags, (long long)expected, (long long)headerSize,
      (long long)params, (long long)state, best ? " + best parameters" : "",
      (long long)reader->size);
}

/// Compares the stored CRC32 (last 4 bytes) with that of all bytes before.
static int checkCrc(const Reader *reader) {
  unsigned char chunk[kChunkBytes];
  uLong crc = crc32(0L, Z_NULL, 0);
  int64_t end = reader->size - kCheckpointCrcSize;
  for (int64_t offset = 0; offset < end;) {
    size_t count = end - offset < kChunkBytes ? (size_t)(end - offset)
                                              : (size_t)kChunkBytes;
    if (readAt(reader, offset, chunk, count))
      return -1;
    crc = crc32(crc, chunk, (uInt)count);
    offset += (int64_t)count;
  }
  unsigned char stored[kCheckpointCrcSize];
  if (readAt(reader, end, stored, sizeof stored))
    return -1;
  if (cnnrt_get_u32(stored) == (uint32_t)crc)
    return 0;
  return cnnrt_train_fail(reader->path,
                          "CRC32 mismatch: 0x%08x stored at byte offset %lld, "
                          "0x%08x computed over bytes [0, %lld): the file is "
                          "corrupted",
                          cnnrt_get_u32(stored), (long long)end, (unsigned)crc,
                          (long long)end);
}

/// Decodes `count` little-endian floats starting at `offset`.
static int readFloats(const Reader *reader, int64_t offset, float *values,
                      int64_t count) {
  unsigned char chunk[kChunkBytes];
  for (int64_t done = 0; done < count;) {
    int64_t n = count - done < kChunkBytes / 4 ? count - done : kChunkBytes / 4;
    if (readAt(reader, offset + 4 * done, chunk, (size_t)(4 * n)))
      return -1;
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits = cnnrt_get_u32(chunk + 4 * i);
      memcpy(&values[done + i], &bits, sizeof bits);
    }
    done += n;
  }
  return 0;
}

/// The message for a file too short for the fixed header and the CRC.
static int failTooSmall(const Reader *reader) {
  unsigned char magic[8];
  if (reader->size >= 8 && readAt(reader, 0, magic, sizeof magic))
    return -1;
  if (reader->size < 8 || memcmp(magic, CNNRT_CHECKPOINT_MAGIC, 8) != 0)
    return cnnrt_train_fail(reader->path,
                            "%lld bytes without the magic at byte offset 0: "
                            "not a cnnc checkpoint",
                            (long long)reader->size);
  return cnnrt_train_fail(reader->path,
                          "truncated: %lld bytes, the fixed header and the "
                          "CRC alone take %d",
                          (long long)reader->size,
                          kCheckpointFixedSize + kCheckpointCrcSize);
}

/// Everything after the file was opened; `header` and `floats` are freed by
/// the caller.
static int load(const Reader *reader, cnnrt_instance *instance,
                cnnrt_train_state *state, cnnrt_history *history,
                cnnrt_checkpoint_extras *extras, unsigned char **header,
                float **floats) {
  unsigned char fixed[kCheckpointFixedSize];
  if (reader->size < kCheckpointFixedSize + kCheckpointCrcSize)
    return failTooSmall(reader);
  if (readAt(reader, 0, fixed, sizeof fixed))
    return -1;
  if (checkFixed(reader, fixed) || checkCrc(reader))
    return -1;
  uint32_t headerSize = cnnrt_get_u32(fixed + kOffsetHeaderSize);
  const cnnc_model_desc *desc =
      cnnrt_model_desc(cnnrt_instance_model(instance));
  *header = malloc(headerSize);
  if (!*header)
    return cnnrt_train_fail(reader->path, "out of memory");
  if (readAt(reader, 0, *header, headerSize) ||
      cnnrt_checkpoint_match(reader->path, *header, headerSize,
                             cnnrt_instance_model(instance), state, history,
                             extras))
    return -1;
  int best =
      (cnnrt_get_u32(fixed + kOffsetFlags) & kCheckpointFlagBestParams) != 0;
  int64_t params = desc->param_elements,
          total = params + desc->opt_state_elements + (best ? params : 0);
  *floats = malloc((size_t)(total ? total : 1) * sizeof(float));
  if (!*floats)
    return cnnrt_train_fail(reader->path, "out of memory for %lld floats",
                            (long long)total);
  return readFloats(reader, headerSize, *floats, total);
}

int cnnrt_checkpoint_load(const char *path, cnnrt_instance *instance,
                          cnnrt_train_state *state, cnnrt_history *history) {
  return cnnrt_checkpoint_load_extras(path, instance, state, history, NULL);
}

int cnnrt_checkpoint_load_extras(const char *path, cnnrt_instance *instance,
                                 cnnrt_train_state *state,
                                 cnnrt_history *history,
                                 cnnrt_checkpoint_extras *extras) {
  if (!path || !instance || !state)
    return cnnrt_train_fail(path ? path : "cnnrt_checkpoint_load",
                            "NULL argument");
  Reader reader = {path, open(path, O_RDONLY), 0};
  if (reader.fd < 0)
    return cnnrt_train_fail_errno(path, errno, "cannot open checkpoint");
  struct stat info;
  if (fstat(reader.fd, &info) != 0) {
    int error = errno;
    close(reader.fd);
    return cnnrt_train_fail_errno(path, error, "cannot stat checkpoint");
  }
  if (!S_ISREG(info.st_mode)) {
    close(reader.fd);
    return cnnrt_train_fail(path, "not a regular file");
  }
  reader.size = (int64_t)info.st_size;
  unsigned char *header = NULL;
  float *floats = NULL;
  cnnrt_train_state loaded;
  cnnrt_history records = {0, 0, NULL, 0, 0};
  cnnrt_checkpoint_extras found = {NULL, 0, NULL, 0};
  int result =
      load(&reader, instance, &loaded, &records, &found, &header, &floats);
  close(reader.fd);
  if (result == 0) {
    const cnnc_model_desc *desc =
        cnnrt_model_desc(cnnrt_instance_model(instance));
    memcpy(cnnrt_instance_params(instance), floats,
           (size_t)desc->param_elements * sizeof(float));
    memcpy(cnnrt_instance_opt_state(instance), floats + desc->param_elements,
           (size_t)desc->opt_state_elements * sizeof(float));
    if (extras) {
      extras->has_best_params = found.has_best_params && extras->best_params;
      if (extras->has_best_params)
        memcpy(extras->best_params,
               floats + desc->param_elements + desc->opt_state_elements,
               (size_t)desc->param_elements * sizeof(float));
      extras->class_names = found.class_names;
      extras->num_class_names = found.num_class_names;
      found.class_names = NULL;
    }
    *state = loaded;
    if (history) {
      int validation = history->has_validation;
      int learningRate = history->has_learning_rate;
      cnnrt_history_clear(history);
      *history = records;
      history->has_validation = validation;
      history->has_learning_rate = learningRate;
      records.records = NULL;
    }
  }
  cnnrt_history_clear(&records);
  cnnrt_class_names_free(found.class_names, found.num_class_names);
  free(header);
  free(floats);
  return result;
}
