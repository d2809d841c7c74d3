//===- ParamsFile.c - raw float32 parameter files -------------------------===//
//
// The simplest weight format: the parameter buffer's bytes, nothing else.
// Its size identifies it, so reading checks the size before any byte.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "CheckedMath.h"
#include "Error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/// The byte size of `count` floats, or -1 after recording an error.
static int64_t byteSize(const char *path, int64_t count) {
  int64_t bytes;
  if (count < 0 || cnnc_mul_overflows(count, (int64_t)sizeof(float), &bytes) ||
      (uint64_t)bytes > SIZE_MAX)
    return cnnrt_fail(path, "%lld is not a valid number of parameters",
                      (long long)count);
  return bytes;
}

int cnnrt_params_read(const char *path, float *params, int64_t count) {
  if (!path)
    return cnnrt_fail("cnnrt_params_read", "the path is NULL");
  int64_t bytes = byteSize(path, count);
  if (bytes < 0)
    return -1;
  if (!params && bytes)
    return cnnrt_fail(path, "the parameter buffer is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cnnrt_fail_errno(path, errno, "cannot open the parameter file");
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int err = errno;
    close(fd);
    return cnnrt_fail_errno(path, err, "cannot stat the parameter file");
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return cnnrt_fail(path, "is not a regular file");
  }
  if ((int64_t)info.st_size != bytes) {
    close(fd);
    return cnnrt_fail(path,
                      "holds %lld bytes, but the model has %lld float32 "
                      "parameters (%lld bytes)",
                      (long long)info.st_size, (long long)count,
                      (long long)bytes);
  }
  char *out = (char *)params;
  int64_t done = 0;
  while (done < bytes) {
    ssize_t got = read(fd, out + done, (size_t)(bytes - done));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      int err = got < 0 ? errno : 0;
      close(fd);
      return err ? cnnrt_fail_errno(path, err, "read error at byte offset %lld",
                                    (long long)done)
                 : cnnrt_fail(path,
                              "file ends at byte offset %lld, before "
                              "its %lld bytes",
                              (long long)done, (long long)bytes);
    }
    done += got;
  }
  close(fd);
  return 0;
}

int cnnrt_params_write(const char *path, const float *params, int64_t count) {
  if (!path)
    return cnnrt_fail("cnnrt_params_write", "the path is NULL");
  int64_t bytes = byteSize(path, count);
  if (bytes < 0)
    return -1;
  if (!params && bytes)
    return cnnrt_fail(path, "the parameter buffer is NULL");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return cnnrt_fail_errno(path, errno, "cannot create the parameter file");
  const char *in = (const char *)params;
  int64_t done = 0;
  int err = 0;
  while (done < bytes && !err) {
    ssize_t put = write(fd, in + done, (size_t)(bytes - done));
    if (put < 0 && errno == EINTR)
      continue;
    if (put <= 0)
      err = put < 0 ? errno : EIO;
    else
      done += put;
  }
  if (close(fd) != 0 && !err)
    err = errno;
  if (err) {
    unlink(path);
    return cnnrt_fail_errno(path, err, "write error at byte offset %lld",
                            (long long)done);
  }
  return 0;
}
