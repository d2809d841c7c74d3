//===- ByteStream.c - reading gzip-compressed or raw files ----------------===//
//
// Built on zlib's gz* interface, which reads gzip members and, transparently,
// files without the gzip magic. A short read is either the end of the data or
// an error that zlib records: "unexpected end of file" (a truncated .gz) or a
// data error (corrupted deflate data, CRC or length mismatch).
//
//===----------------------------------------------------------------------===//

#include "ByteStream.h"

#include "Error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { kBufferBytes = 1 << 17, kMaxChunk = 1 << 30 };

int cnnrt_stream_open(cnnrt_stream *stream, const char *path) {
  stream->path = path;
  stream->file = NULL;
  stream->offset = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cnnrt_fail_errno(path, errno, "cannot open");
  struct stat info;
  if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    close(fd);
    return cnnrt_fail(path, "is a directory, not a data file");
  }
  gzFile file = gzdopen(fd, "rb");
  if (!file) {
    close(fd);
    return cnnrt_fail(path, "out of memory opening the file");
  }
  gzbuffer(file, kBufferBytes);
  stream->file = file;
  return 0;
}

/// zlib's message without the "<fd:N>: " it puts first.
static const char *zlibReason(const char *message) {
  const char *separator = strstr(message, ": ");
  return separator ? separator + 2 : message;
}

/// Turns the error zlib recorded after a short read into our message.
/// Returns 0 when there was no error (the end of the data).
static int reportShortRead(cnnrt_stream *stream) {
  int code = Z_OK;
  const char *message = gzerror(stream->file, &code);
  switch (code) {
  case Z_OK:
  case Z_STREAM_END:
    return 0;
  case Z_BUF_ERROR:
    return cnnrt_fail(stream->path,
                      "gzip data ends unexpectedly after %lld decompressed "
                      "bytes: the compressed file is truncated",
                      (long long)stream->offset);
  case Z_DATA_ERROR:
    return cnnrt_fail(stream->path,
                      "corrupted gzip data after %lld decompressed bytes "
                      "(near compressed byte offset %lld): %s",
                      (long long)stream->offset,
                      (long long)gzoffset(stream->file), zlibReason(message));
  case Z_MEM_ERROR:
    return cnnrt_fail(stream->path, "out of memory while decompressing");
  default:
    return cnnrt_fail(stream->path, "read error at byte offset %lld: %s",
                      (long long)stream->offset, zlibReason(message));
  }
}

int64_t cnnrt_stream_read(cnnrt_stream *stream, void *buffer, size_t size) {
  char *out = buffer;
  size_t done = 0;
  while (done < size) {
    size_t chunk = size - done < kMaxChunk ? size - done : kMaxChunk;
    int got = gzread(stream->file, out + done, (unsigned)chunk);
    if (got > 0) {
      done += (size_t)got;
      stream->offset += got;
    }
    if (got < (int)chunk)
      return reportShortRead(stream) ? -1 : (int64_t)done;
  }
  return (int64_t)done;
}

void cnnrt_stream_close(cnnrt_stream *stream) {
  if (stream->file)
    gzclose(stream->file);
  stream->file = NULL;
}
