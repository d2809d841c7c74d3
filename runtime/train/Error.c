//===- Error.c - the thread-local last error of the training library ------===//
//
// One fixed buffer per thread, as in libcnnrt: messages longer than it are
// cut, never allocated, so reporting a failed allocation cannot fail itself.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

enum { kMessageCapacity = 1024 };

static _Thread_local char lastError[kMessageCapacity];

const char *cnnrt_train_last_error(void) { return lastError; }

/// Writes "<subject>: " (nothing for a NULL subject) + the formatted message
/// + (errnum ? ": strerror").
static void record(const char *subject, int errnum, const char *format,
                   va_list args) {
  int used = snprintf(lastError, kMessageCapacity, "%s%s",
                      subject ? subject : "", subject ? ": " : "");
  if (used < 0)
    used = 0;
  if (used < kMessageCapacity)
    vsnprintf(lastError + used, kMessageCapacity - (size_t)used, format, args);
  if (errnum) {
    char reason[256];
    if (strerror_r(errnum, reason, sizeof reason) != 0)
      snprintf(reason, sizeof reason, "error %d", errnum);
    size_t length = strlen(lastError);
    snprintf(lastError + length, kMessageCapacity - length, ": %s", reason);
  }
  for (char *c = lastError; *c; ++c)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = ' ';
}

int cnnrt_train_fail(const char *subject, const char *format, ...) {
  va_list args;
  va_start(args, format);
  record(subject, 0, format, args);
  va_end(args);
  return -1;
}

int cnnrt_train_fail_errno(const char *subject, int errnum, const char *format,
                           ...) {
  va_list args;
  va_start(args, format);
  record(subject, errnum, format, args);
  va_end(args);
  return -1;
}

int cnnrt_train_fail_runtime(void) {
  const char *message = cnnrt_last_error();
  snprintf(lastError, kMessageCapacity, "%s",
           message[0] ? message : "cnnrt: unknown runtime error");
  return -1;
}

double cnnrt_train_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}
