//===- TempFiles.h - scratch files for the runtime tests --------*- C++ -*-===//
//
// The reader tests write small (often deliberately broken) data files; this
// puts them in a private temporary directory that disappears with the test,
// and checks the shape of the runtime's error messages.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_RUNTIME_TEMPFILES_H
#define CNNC_UNITTESTS_RUNTIME_TEMPFILES_H

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace cnnrt_test {

using Bytes = std::vector<uint8_t>;

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return dir; }
  /// "<dir>/<name>" (the file need not exist).
  std::string file(const std::string &name) const;
  /// Writes `bytes` to <dir>/<name> and returns the path.
  std::string write(const std::string &name, const Bytes &bytes) const;
  /// Writes `bytes` gzip-compressed to <dir>/<name> and returns the path.
  std::string writeGzip(const std::string &name, const Bytes &bytes) const;

private:
  std::string dir;
};

/// The contents of a file (empty when it cannot be read).
Bytes readFile(const std::string &path);

/// An IDX header: big-endian magic, then one big-endian uint32 per dimension.
Bytes idxHeader(uint32_t magic, std::initializer_list<uint32_t> dims);

/// `a` followed by `b`.
Bytes concat(Bytes a, const Bytes &b);

/// Succeeds when `message` is a single line that starts with "<path>: ".
::testing::AssertionResult isErrorAbout(const std::string &message,
                                        const std::string &path);

} // namespace cnnrt_test

#endif // CNNC_UNITTESTS_RUNTIME_TEMPFILES_H
