//===- AtomicFile.c - replace a file atomically ---------------------------===//
//
// Checkpoints, history files and plot data are written to a temporary file
// in the destination's directory (so rename cannot cross file systems),
// flushed and fsync'ed, renamed over the destination, and the directory is
// fsync'ed so the rename itself survives a crash. Readers therefore see
// either the old file or the complete new one, never a torn write.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/// A copy of the directory part of `path` ("." when there is none).
static char *directoryOf(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t length = slash ? (size_t)(slash - path) : 1;
  if (slash == path)
    length = 1; // "/name": the root directory
  char *dir = malloc(length + 1);
  if (!dir)
    return NULL;
  memcpy(dir, slash ? path : ".", length);
  dir[length] = '\0';
  return dir;
}

static char *copyString(const char *text) {
  size_t length = strlen(text) + 1;
  char *copy = malloc(length);
  if (copy)
    memcpy(copy, text, length);
  return copy;
}

int cnnrt_atomic_open(cnnrt_atomic_file *file, const char *path) {
  memset(file, 0, sizeof *file);
  if (!path || !path[0])
    return cnnrt_train_fail(NULL, "empty output file name");
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (!base[0])
    return cnnrt_train_fail(path, "the output path names a directory");
  char *dir = directoryOf(path);
  size_t tempLength = (dir ? strlen(dir) : 0) + strlen(base) + 16;
  file->path = copyString(path);
  file->temp_path = malloc(tempLength);
  if (!dir || !file->path || !file->temp_path) {
    free(dir);
    cnnrt_atomic_abort(file);
    return cnnrt_train_fail(path, "out of memory");
  }
  snprintf(file->temp_path, tempLength, "%s/.%s.XXXXXX", dir, base);
  int fd = mkstemp(file->temp_path);
  if (fd < 0) {
    int error = errno;
    cnnrt_train_fail_errno(path, error,
                           "cannot create a temporary file in '%s'", dir);
    free(dir);
    free(file->temp_path); // nothing was created: nothing to remove
    file->temp_path = NULL;
    cnnrt_atomic_abort(file);
    return -1;
  }
  free(dir);
  if (fchmod(fd, 0644) != 0 || !(file->file = fdopen(fd, "wb"))) {
    int error = errno;
    close(fd);
    cnnrt_atomic_abort(file);
    return cnnrt_train_fail_errno(path, error, "cannot open '%s'",
                                  file->temp_path);
  }
  file->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  return 0;
}

int cnnrt_atomic_write(cnnrt_atomic_file *file, const void *bytes,
                       size_t size) {
  if (size == 0)
    return 0;
  const unsigned char *data = bytes;
  for (size_t done = 0; done < size;) { // crc32 takes a uInt length
    size_t chunk = size - done < (1u << 30) ? size - done : (1u << 30);
    file->crc = (uint32_t)crc32(file->crc, data + done, (uInt)chunk);
    done += chunk;
  }
  if (fwrite(bytes, 1, size, file->file) == size)
    return 0;
  int error = errno;
  cnnrt_train_fail_errno(file->path, error ? error : EIO, "write failed");
  cnnrt_atomic_abort(file);
  return -1;
}

/// fsyncs the directory `dir` so that a rename in it is durable. File
/// systems that cannot sync directories (EINVAL) are accepted.
static int syncDirectory(const char *path, const char *dir) {
  int fd = open(dir, O_RDONLY);
  if (fd < 0)
    return cnnrt_train_fail_errno(path, errno, "cannot open directory '%s'",
                                  dir);
  int result = fsync(fd);
  int error = errno;
  close(fd);
  if (result != 0 && error != EINVAL && error != ENOTSUP)
    return cnnrt_train_fail_errno(path, error, "fsync of directory '%s'", dir);
  return 0;
}

int cnnrt_atomic_commit(cnnrt_atomic_file *file) {
  FILE *stream = file->file;
  file->file = NULL;
  int failed = fflush(stream) != 0 || ferror(stream);
  int error = errno;
  if (!failed && fsync(fileno(stream)) != 0) {
    failed = 1;
    error = errno;
  }
  if (fclose(stream) != 0 && !failed) {
    failed = 1;
    error = errno;
  }
  if (failed) {
    cnnrt_train_fail_errno(file->path, error ? error : EIO, "write failed");
    cnnrt_atomic_abort(file);
    return -1;
  }
  if (rename(file->temp_path, file->path) != 0) {
    cnnrt_train_fail_errno(file->path, errno, "cannot rename '%s' to it",
                           file->temp_path);
    cnnrt_atomic_abort(file);
    return -1;
  }
  free(file->temp_path);
  file->temp_path = NULL;
  char *dir = directoryOf(file->path);
  int result = dir ? syncDirectory(file->path, dir)
                   : cnnrt_train_fail(file->path, "out of memory");
  free(dir);
  free(file->path);
  file->path = NULL;
  return result;
}

void cnnrt_atomic_abort(cnnrt_atomic_file *file) {
  if (file->file)
    fclose(file->file);
  if (file->temp_path)
    unlink(file->temp_path);
  free(file->temp_path);
  free(file->path);
  file->file = NULL;
  file->temp_path = NULL;
  file->path = NULL;
}
