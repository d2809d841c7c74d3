//===- Error.c - the thread-local last-error message ----------------------===//
//
// One fixed buffer per thread; messages longer than it are cut, never
// allocated, so reporting an out-of-memory condition cannot fail itself.
//
//===----------------------------------------------------------------------===//

#include "Error.h"

#include "cnnc/Runtime/cnnrt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { kMessageCapacity = 1024 };

static _Thread_local char lastError[kMessageCapacity];

const char *cnnrt_last_error(void) { return lastError; }

/// Writes "<subject>: " + the formatted message + (errnum ? ": strerror").
static void record(const char *subject, int errnum, const char *format,
                   va_list args) {
  int used = snprintf(lastError, kMessageCapacity,
                      "%s: ", subject ? subject : "cnnrt");
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

int cnnrt_fail(const char *subject, const char *format, ...) {
  va_list args;
  va_start(args, format);
  record(subject, 0, format, args);
  va_end(args);
  return -1;
}

int cnnrt_fail_errno(const char *subject, int errnum, const char *format, ...) {
  va_list args;
  va_start(args, format);
  record(subject, errnum, format, args);
  va_end(args);
  return -1;
}

int cnnrt_fail_message(const char *message) {
  snprintf(lastError, kMessageCapacity, "%s", message);
  return -1;
}
