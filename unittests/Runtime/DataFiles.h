//===- DataFiles.h - writing test data in the formats users bring -*- C++
//-*-===//
//
// Writers for PNG (libpng), JPEG (libturbojpeg), NumPy .npy (the header
// format from NumPy's documentation) and .npz archives (libzip), used by the
// reader tests, the training tests and cnnrt-make-images (which writes the
// image folders of the lit tests and the benchmark). Each writer returns
// false (after printing why) on failure.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_RUNTIME_DATAFILES_H
#define CNNC_UNITTESTS_RUNTIME_DATAFILES_H

#include <cstdint>
#include <string>
#include <vector>

namespace cnnrt_files {

using Bytes = std::vector<uint8_t>;

/// Writes a width x height image of `channels` (1: gray, 2: gray + alpha,
/// 3: RGB, 4: RGBA) 8-bit samples, rows top to bottom, as a PNG.
bool writePng(const std::string &path, int width, int height, int channels,
              const uint8_t *pixels);

/// The same as JPEG (channels 1 or 3) at `quality` (1..100), 4:4:4.
bool writeJpeg(const std::string &path, int width, int height, int channels,
               const uint8_t *pixels, int quality = 95);

/// The bytes of a version 1.0 .npy file: `descr` such as "|u1" or "<f4",
/// `shape` such as "(3, 2, 2)", then `data` as given.
Bytes npyBytes(const std::string &descr, const std::string &shape,
               const Bytes &data);

/// A member of an .npz archive: "<name>.npy" holding `bytes`.
struct NpzMember {
  std::string name;
  Bytes bytes;
};

/// Writes an .npz (zip) archive, deflated (`compressed`, as
/// np.savez_compressed) or stored (as np.savez).
bool writeNpz(const std::string &path, const std::vector<NpzMember> &members,
              bool compressed);

bool writeFile(const std::string &path, const Bytes &bytes);
Bytes readFile(const std::string &path);

} // namespace cnnrt_files

#endif // CNNC_UNITTESTS_RUNTIME_DATAFILES_H
