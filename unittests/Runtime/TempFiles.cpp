//===- TempFiles.cpp - scratch files for the runtime tests ----------------===//

#include "TempFiles.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <zlib.h>

using namespace cnnrt_test;

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && base[0] ? base : "/tmp") + "/cnnrt-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data()))
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  dir = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

std::string TempDir::file(const std::string &name) const {
  return dir + "/" + name;
}

std::string TempDir::write(const std::string &name, const Bytes &bytes) const {
  std::string path = file(name);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out)
    ADD_FAILURE() << "cannot write " << path;
  return path;
}

std::string TempDir::writeGzip(const std::string &name,
                               const Bytes &bytes) const {
  std::string path = file(name);
  gzFile gz = gzopen(path.c_str(), "wb");
  if (!gz) {
    ADD_FAILURE() << "cannot write " << path;
    return path;
  }
  int written = bytes.empty() ? 0
                              : gzwrite(gz, bytes.data(),
                                        static_cast<unsigned>(bytes.size()));
  if (gzclose(gz) != Z_OK || written != static_cast<int>(bytes.size()))
    ADD_FAILURE() << "cannot compress " << path;
  return path;
}

Bytes cnnrt_test::readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
}

Bytes cnnrt_test::idxHeader(uint32_t magic,
                            std::initializer_list<uint32_t> dims) {
  Bytes bytes;
  auto put = [&](uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<uint8_t>(value >> shift));
  };
  put(magic);
  for (uint32_t dim : dims)
    put(dim);
  return bytes;
}

Bytes cnnrt_test::concat(Bytes a, const Bytes &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

::testing::AssertionResult cnnrt_test::isErrorAbout(const std::string &message,
                                                    const std::string &path) {
  if (message.find('\n') != std::string::npos)
    return ::testing::AssertionFailure()
           << "message spans several lines: " << message;
  if (message.rfind(path + ": ", 0) != 0)
    return ::testing::AssertionFailure()
           << "message does not start with '" << path << ": ': " << message;
  return ::testing::AssertionSuccess();
}
