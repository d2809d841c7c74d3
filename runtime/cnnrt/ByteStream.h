//===- ByteStream.h - reading gzip-compressed or raw files --------*- C -*-===//
//
// Data files come gzip-compressed (as Debian ships Fashion-MNIST) or raw.
// A stream hides the difference: compression is recognized by the gzip magic
// bytes 1f 8b, not by the name. It counts the decompressed bytes delivered,
// so readers can report a byte offset, and turns every zlib or I/O failure
// into a one-line error naming the file. Concatenated gzip members are read
// one after the other, as gzip(1) does; anything else after the gzip data is
// an error, not silently ignored.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_CNNRT_BYTESTREAM_H
#define CNNC_RUNTIME_CNNRT_BYTESTREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct cnnrt_stream {
  const char *path; ///< for messages; not owned
  void *impl;       ///< the file and decompressor (ByteStream.c)
  int64_t offset;   ///< decompressed bytes delivered so far
} cnnrt_stream;

/// Opens `path` for reading. Returns 0, or -1 after recording an error.
int cnnrt_stream_open(cnnrt_stream *stream, const char *path);

/// Reads up to `size` bytes. Returns the number read, which is less than
/// `size` only at the end of the data, or -1 after recording an error (I/O
/// error, truncated or corrupted gzip data, bytes after the gzip data).
int64_t cnnrt_stream_read(cnnrt_stream *stream, void *buffer, size_t size);

/// Closes the stream; a stream that failed to open is ignored.
void cnnrt_stream_close(cnnrt_stream *stream);

#endif // CNNC_RUNTIME_CNNRT_BYTESTREAM_H
