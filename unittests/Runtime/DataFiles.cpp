//===- DataFiles.cpp - writing test data in the formats users bring -------===//

#include "DataFiles.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <png.h>
#include <turbojpeg.h>
#include <zip.h>

using namespace cnnrt_files;

bool cnnrt_files::writePng(const std::string &path, int width, int height,
                           int channels, const uint8_t *pixels) {
  static const png_uint_32 kFormats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA,
                                         PNG_FORMAT_RGB, PNG_FORMAT_RGBA};
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = kFormats[channels - 1];
  if (png_image_write_to_file(&image, path.c_str(), 0, pixels, 0, nullptr))
    return true;
  std::fprintf(stderr, "%s: %s\n", path.c_str(), image.message);
  return false;
}

bool cnnrt_files::writeJpeg(const std::string &path, int width, int height,
                            int channels, const uint8_t *pixels, int quality) {
  tjhandle handle = tjInitCompress();
  unsigned char *jpeg = nullptr;
  unsigned long size = 0;
  int failed = tjCompress2(handle, pixels, width, 0, height,
                           channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
                           channels == 1 ? TJSAMP_GRAY : TJSAMP_444, quality,
                           TJFLAG_ACCURATEDCT);
  if (failed)
    std::fprintf(stderr, "%s: %s\n", path.c_str(), tjGetErrorStr2(handle));
  bool written = !failed && writeFile(path, Bytes(jpeg, jpeg + size));
  tjFree(jpeg);
  tjDestroy(handle);
  return written;
}

Bytes cnnrt_files::npyBytes(const std::string &descr, const std::string &shape,
                            const Bytes &data) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // NumPy pads with spaces to a multiple of 64 bytes, ending in '\n'.
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  Bytes bytes = {0x93,
                 'N',
                 'U',
                 'M',
                 'P',
                 'Y',
                 1,
                 0,
                 uint8_t(header.size() & 0xff),
                 uint8_t(header.size() >> 8)};
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

bool cnnrt_files::writeNpz(const std::string &path,
                           const std::vector<NpzMember> &members,
                           bool compressed) {
  int error = 0;
  zip_t *archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) {
    std::fprintf(stderr, "%s: zip_open failed (%d)\n", path.c_str(), error);
    return false;
  }
  bool ok = true;
  for (const NpzMember &member : members) {
    zip_source_t *source =
        zip_source_buffer(archive, member.bytes.data(), member.bytes.size(), 0);
    zip_int64_t index =
        source ? zip_file_add(archive, (member.name + ".npy").c_str(), source,
                              ZIP_FL_OVERWRITE)
               : -1;
    if (index < 0) {
      zip_source_free(source);
      ok = false;
      break;
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                             compressed ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (!ok || zip_close(archive) != 0) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), zip_strerror(archive));
    zip_discard(archive);
    return false;
  }
  return true;
}

bool cnnrt_files::writeFile(const std::string &path, const Bytes &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

Bytes cnnrt_files::readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
}
