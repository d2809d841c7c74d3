//===- Error.h - the thread-local last-error message --------------*- C -*-===//
//
// Every failing libcnnrt function records one line "<subject>: <message>"
// through these helpers and returns their result (-1), so a failure path is
// one statement: `return cnnrt_fail(path, "...", ...);`.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_CNNRT_ERROR_H
#define CNNC_RUNTIME_CNNRT_ERROR_H

/// Records "<subject>: <message>" (subject NULL reads "cnnrt") as the calling
/// thread's last error, with line breaks and other control characters
/// replaced by spaces. Returns -1.
__attribute__((format(printf, 2, 3))) int cnnrt_fail(const char *subject,
                                                     const char *format, ...);

/// Like cnnrt_fail, followed by ": <description of errnum>".
__attribute__((format(printf, 3, 4))) int
cnnrt_fail_errno(const char *subject, int errnum, const char *format, ...);

/// Records `message` (already "<subject>: <what>", e.g. the last error of
/// another thread) as the calling thread's last error. Returns -1.
int cnnrt_fail_message(const char *message);

#endif // CNNC_RUNTIME_CNNRT_ERROR_H
