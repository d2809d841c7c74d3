//===- ByteStream.c - reading gzip-compressed or raw files ----------------===//
//
// Reads the file through a buffer and, when it starts with the gzip magic,
// decompresses with zlib's inflate (gzip wrapper: header, CRC-32 and length
// are checked). At the end of a gzip member the next bytes must be another
// member or nothing: zlib's gz* interface would silently ignore anything
// else, which would let a damaged or appended-to file pass as valid.
//
//===----------------------------------------------------------------------===//

#include "ByteStream.h"

#include "Error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { kBufferBytes = 1 << 17, kMaxChunk = 1 << 30 };

typedef struct StreamImpl {
  int fd;
  int gzip;          ///< the file starts with the gzip magic
  int zlibReady;     ///< inflateInit2 succeeded
  int fileEnded;     ///< read() returned 0
  int dataEnded;     ///< no more decompressed data (gzip: after the last member)
  z_stream zlib;
  int64_t consumed;  ///< compressed (file) bytes handed to inflate or copied
  unsigned char *next;
  size_t available;  ///< bytes at `next` not consumed yet
  unsigned char buffer[kBufferBytes];
} StreamImpl;

/// Makes at least `count` unconsumed bytes available unless the file ends
/// first (the unconsumed bytes move to the front of the buffer).
static int fillBuffer(cnnrt_stream *stream, StreamImpl *impl, size_t count) {
  if (impl->available >= count || impl->fileEnded)
    return 0;
  memmove(impl->buffer, impl->next, impl->available);
  impl->next = impl->buffer;
  while (impl->available < count && !impl->fileEnded) {
    ssize_t got;
    do
      got = read(impl->fd, impl->buffer + impl->available,
                 sizeof impl->buffer - impl->available);
    while (got < 0 && errno == EINTR);
    if (got < 0)
      return cnnrt_fail_errno(stream->path, errno,
                              "read error at compressed byte offset %lld",
                              (long long)(impl->consumed +
                                          (int64_t)impl->available));
    impl->available += (size_t)got;
    impl->fileEnded = got == 0;
  }
  return 0;
}

int cnnrt_stream_open(cnnrt_stream *stream, const char *path) {
  stream->path = path;
  stream->impl = NULL;
  stream->offset = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cnnrt_fail_errno(path, errno, "cannot open");
  struct stat info;
  if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    close(fd);
    return cnnrt_fail(path, "is a directory, not a data file");
  }
  StreamImpl *impl = calloc(1, sizeof *impl);
  if (!impl) {
    close(fd);
    return cnnrt_fail(path, "out of memory opening the file");
  }
  impl->fd = fd;
  stream->impl = impl;
  impl->next = impl->buffer;
  // Enough bytes to see the magic (a file of one byte is raw).
  if (fillBuffer(stream, impl, 2)) {
    cnnrt_stream_close(stream);
    return -1;
  }
  impl->gzip = impl->available >= 2 && impl->buffer[0] == 0x1f &&
               impl->buffer[1] == 0x8b;
  if (impl->gzip) {
    // 16 + MAX_WBITS: a gzip wrapper, whose CRC-32 and length are checked.
    if (inflateInit2(&impl->zlib, 16 + MAX_WBITS) != Z_OK) {
      cnnrt_stream_close(stream);
      return cnnrt_fail(path, "out of memory opening the file");
    }
    impl->zlibReady = 1;
  }
  return 0;
}

/// Copies raw (uncompressed) bytes.
static int64_t readRaw(cnnrt_stream *stream, StreamImpl *impl, char *out,
                       size_t size) {
  size_t done = 0;
  while (done < size) {
    if (fillBuffer(stream, impl, 1))
      return -1;
    if (!impl->available)
      break;
    size_t chunk = size - done < impl->available ? size - done : impl->available;
    memcpy(out + done, impl->next, chunk);
    impl->next += chunk;
    impl->available -= chunk;
    impl->consumed += (int64_t)chunk;
    done += chunk;
  }
  return (int64_t)done;
}

/// After a gzip member: another member follows, or the file ends. Anything
/// else is an error naming where the gzip data ended.
static int finishMember(cnnrt_stream *stream, StreamImpl *impl) {
  if (fillBuffer(stream, impl, 2))
    return -1;
  if (!impl->available) {
    impl->dataEnded = 1;
    return 0;
  }
  if (impl->available >= 2 && impl->next[0] == 0x1f && impl->next[1] == 0x8b)
    return inflateReset(&impl->zlib) == Z_OK
               ? 0
               : cnnrt_fail(stream->path, "cannot restart decompression");
  struct stat info;
  if (fstat(impl->fd, &info) == 0 && S_ISREG(info.st_mode) &&
      info.st_size > impl->consumed)
    return cnnrt_fail(stream->path,
                      "%lld unexpected bytes after the end of the gzip data "
                      "at byte offset %lld of the file",
                      (long long)(info.st_size - impl->consumed),
                      (long long)impl->consumed);
  return cnnrt_fail(stream->path,
                    "unexpected bytes after the end of the gzip data at byte "
                    "offset %lld of the file",
                    (long long)impl->consumed);
}

/// Decompresses into `out`; stops early only at the end of the data.
static int64_t readGzip(cnnrt_stream *stream, StreamImpl *impl, char *out,
                        size_t size) {
  z_stream *z = &impl->zlib;
  size_t done = 0;
  while (done < size && !impl->dataEnded) {
    if (fillBuffer(stream, impl, 1))
      return -1;
    size_t chunk = size - done < kMaxChunk ? size - done : kMaxChunk;
    z->next_in = impl->next;
    z->avail_in = (uInt)impl->available;
    z->next_out = (Bytef *)out + done;
    z->avail_out = (uInt)chunk;
    int code = inflate(z, Z_NO_FLUSH);
    size_t used = impl->available - z->avail_in;
    impl->next += used;
    impl->available -= used;
    impl->consumed += (int64_t)used;
    size_t produced = chunk - z->avail_out;
    done += produced;
    stream->offset += (int64_t)produced;
    switch (code) {
    case Z_STREAM_END:
      if (finishMember(stream, impl))
        return -1;
      break;
    case Z_OK:
      break;
    case Z_BUF_ERROR: // no progress possible: input exhausted
      if (impl->fileEnded && !impl->available)
        return cnnrt_fail(stream->path,
                          "gzip data ends unexpectedly after %lld "
                          "decompressed bytes: the compressed file is "
                          "truncated",
                          (long long)stream->offset);
      break;
    case Z_MEM_ERROR:
      return cnnrt_fail(stream->path, "out of memory while decompressing");
    default: // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
      return cnnrt_fail(stream->path,
                        "corrupted gzip data after %lld decompressed bytes "
                        "(near compressed byte offset %lld): %s",
                        (long long)stream->offset, (long long)impl->consumed,
                        z->msg ? z->msg : "invalid data");
    }
  }
  return (int64_t)done;
}

int64_t cnnrt_stream_read(cnnrt_stream *stream, void *buffer, size_t size) {
  StreamImpl *impl = stream->impl;
  if (impl->gzip)
    return readGzip(stream, impl, buffer, size);
  int64_t got = readRaw(stream, impl, buffer, size);
  if (got > 0)
    stream->offset += got;
  return got;
}

void cnnrt_stream_close(cnnrt_stream *stream) {
  StreamImpl *impl = stream->impl;
  if (!impl)
    return;
  if (impl->zlibReady)
    inflateEnd(&impl->zlib);
  close(impl->fd);
  free(impl);
  stream->impl = NULL;
}
