//===- NpyReaderTest.cpp - NumPy .npy files and .npz archives -------------===//
//
// Arrays in the layouts Keras's load_data() returns (uint8 [n, H, W] images,
// uint8 [n] or int64 [n, 1] labels), float arrays in both byte orders, .npz
// archives written with libzip (stored and deflated), gzip-compressed .npy
// files, and a refusal naming the file (and member) for every kind of bad
// array or archive, including headers that promise more than the file has.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "DataFiles.h"
#include "TempFiles.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace cnnrt_test;
using cnnrt_files::npyBytes;

namespace {

std::string lastError() { return cnnrt_last_error(); }

struct Dataset : cnnrt_dataset {
  Dataset() : cnnrt_dataset() {}
  ~Dataset() { cnnrt_dataset_free(this); }
};

/// Three 2x2 images with pixel bytes 0..11 and labels 2, 0, 1.
const Bytes kPixels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255};
const Bytes kImages = npyBytes("|u1", "(3, 2, 2)", kPixels);
const Bytes kLabels = npyBytes("|u1", "(3,)", {2, 0, 1});

Bytes littleEndian(const void *data, size_t size) {
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  return Bytes(bytes, bytes + size);
}

TEST(NpyReader, ReadsKerasStyleArrays) {
  TempDir dir;
  std::string images = dir.write("x.npy", kImages);
  std::string labels = dir.write("y.npy", kLabels);
  Dataset data;
  ASSERT_EQ(
      cnnrt_dataset_read_npy(images.c_str(), labels.c_str(), nullptr, &data), 0)
      << lastError();
  EXPECT_EQ(data.count, 3);
  EXPECT_EQ(data.height, 2);
  EXPECT_EQ(data.width, 2);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.num_classes, 3);
  EXPECT_EQ(data.class_names, nullptr);
  EXPECT_EQ(data.labels[0], 2);
  EXPECT_EQ(data.images[5], 5 / 255.0f);
  EXPECT_EQ(data.images[11], 1.0f);
  // gzip-compressed files are recognized by content.
  std::string gz = dir.writeGzip("x.npy.gz", kImages);
  Dataset fromGzip;
  ASSERT_EQ(
      cnnrt_dataset_read_npy(gz.c_str(), labels.c_str(), nullptr, &fromGzip), 0)
      << lastError();
  EXPECT_EQ(std::memcmp(fromGzip.images, data.images, 12 * sizeof(float)), 0);
}

TEST(NpyReader, ReadsFloatImagesAndWideLabelsInBothByteOrders) {
  TempDir dir;
  // Two 1x1x3 float32 images, little-endian; labels int64 [2, 1].
  float values[6] = {0.5f, -1.25f, 3.0f, 1e-3f, 2.0f, 7.0f};
  int64_t classes[2] = {4, 1};
  std::string images = dir.write(
      "x.npy", npyBytes("<f4", "(2, 1, 1, 3)", littleEndian(values, 24)));
  std::string labels =
      dir.write("y.npy", npyBytes("<i8", "(2, 1)", littleEndian(classes, 16)));
  cnnrt_load_options options = {};
  options.offset = 1.0; // float data: scale 1 by default
  Dataset data;
  ASSERT_EQ(
      cnnrt_dataset_read_npy(images.c_str(), labels.c_str(), &options, &data),
      0)
      << lastError();
  EXPECT_EQ(data.channels, 3);
  EXPECT_EQ(data.num_classes, 5);
  EXPECT_EQ(data.images[1], -0.25f);
  EXPECT_EQ(data.labels[0], 4);
  // Big-endian float64 images and int16 labels.
  Bytes wide, shorts = {0, 3, 0, 0};
  for (float value : values) {
    double d = value;
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int i = 7; i >= 0; --i)
      wide.push_back(uint8_t(bits >> (8 * i)));
  }
  std::string bigImages =
      dir.write("xb.npy", npyBytes(">f8", "(2, 1, 3)", wide));
  std::string bigLabels = dir.write("yb.npy", npyBytes(">i2", "(2,)", shorts));
  Dataset big;
  ASSERT_EQ(cnnrt_dataset_read_npy(bigImages.c_str(), bigLabels.c_str(),
                                   nullptr, &big),
            0)
      << lastError();
  EXPECT_EQ(big.height, 1);
  EXPECT_EQ(big.width, 3);
  EXPECT_EQ(big.images[4], 2.0f);
  EXPECT_EQ(big.labels[0], 3);
}

TEST(NpzReader, ReadsStoredAndCompressedArchives) {
  TempDir dir;
  for (bool compressed : {false, true}) {
    std::string path = dir.file(compressed ? "c.npz" : "s.npz");
    ASSERT_TRUE(cnnrt_files::writeNpz(path,
                                      {{"x_train", kImages},
                                       {"y_train", kLabels},
                                       {"x_test", kImages},
                                       {"y_test", kLabels}},
                                      compressed));
    Dataset data;
    ASSERT_EQ(cnnrt_dataset_read_npz(path.c_str(), "x_test", "y_test", nullptr,
                                     &data),
              0)
        << lastError();
    EXPECT_EQ(data.count, 3);
    EXPECT_EQ(data.images[3], 3 / 255.0f);
    EXPECT_EQ(cnnrt_npz_has_array(path.c_str(), "x_train"), 1);
    EXPECT_EQ(cnnrt_npz_has_array(path.c_str(), "x_val"), 0);
  }
}

/// Reads the pair expecting one line about `culprit` containing `what`.
void expectRefused(const std::string &images, const std::string &labels,
                   const std::string &culprit, const std::string &what) {
  Dataset data;
  EXPECT_EQ(
      cnnrt_dataset_read_npy(images.c_str(), labels.c_str(), nullptr, &data),
      -1);
  EXPECT_TRUE(isErrorAbout(lastError(), culprit)) << lastError();
  EXPECT_NE(lastError().find(what), std::string::npos) << lastError();
  EXPECT_EQ(data.images, nullptr);
  EXPECT_EQ(data.labels, nullptr);
}

TEST(NpyReader, RefusesBadArrays) {
  TempDir dir;
  std::string labels = dir.write("y.npy", kLabels);
  std::string images = dir.write("x.npy", kImages);
  auto refuse = [&](const Bytes &bytes, const std::string &what) {
    std::string path = dir.write("bad.npy", bytes);
    expectRefused(path, labels, path, what);
  };
  refuse({'h', 'e', 'l', 'l', 'o', '!', 1, 0, 0, 0},
         "not a .npy array: no \\x93NUMPY magic at byte offset 0");
  Bytes version = kImages;
  version[6] = 9;
  refuse(version, "unsupported .npy version 9.0 at byte offset 6");
  refuse(Bytes(kImages.begin(), kImages.begin() + 30),
         "truncated: the data ends at byte offset 30 inside the header");
  refuse(npyBytes("<c8", "(3, 2, 2)", {}), "unsupported dtype '<c8'");
  refuse(npyBytes("|u1", "(3, 2, 2", {}), "invalid .npy header at byte");
  Bytes fortran = kImages;
  std::string text(fortran.begin(), fortran.end());
  std::memcpy(&fortran[text.find("False")], "True, ", 6);
  refuse(fortran, "Fortran-order arrays are not supported");
  refuse(Bytes(kImages.begin(), kImages.end() - 1),
         "truncated: the header declares 12 elements, but the data ends at "
         "byte offset 139 after 11");
  Bytes trailing = kImages;
  trailing.push_back(0);
  refuse(trailing, "unexpected data at byte offset 140, after the 12 "
                   "elements the header declares");
  refuse(npyBytes("|u1", "(12,)", kPixels),
         "images must have shape [n, height, width] or [n, height, width, "
         "channels], not 1 dimensions");
  refuse(npyBytes("<i4", "(3, 2, 2)", Bytes(48, 0)),
         "images must be uint8, float32 or float64, not i4");
  float nan = NAN;
  refuse(npyBytes("<f4", "(1, 1, 1)", littleEndian(&nan, 4)),
         "image value nan at byte offset 128 is not finite");
  // 10^9 images of 28x28 in a 150-byte file: a truncation, not a 3 TB
  // allocation.
  refuse(npyBytes("|u1", "(1000000000, 28, 28)", Bytes(22, 1)),
         "truncated: the header declares 784000000000 elements, but the data "
         "ends at byte offset 150 after 22");

  auto refuseLabels = [&](const Bytes &bytes, const std::string &what) {
    std::string path = dir.write("bad-labels.npy", bytes);
    expectRefused(images, path, path, what);
  };
  int32_t negative[3] = {1, -2, 0};
  refuseLabels(npyBytes("<i4", "(3,)", littleEndian(negative, 12)),
               "label -2 at byte offset 132 is not a class index");
  refuseLabels(npyBytes("<f4", "(3,)", Bytes(12, 0)),
               "labels must be integer class indices, not float32");
  refuseLabels(npyBytes("|u1", "(3, 4)", Bytes(12, 0)),
               "labels of shape [3, 4] look one-hot encoded");
  refuseLabels(npyBytes("|u1", "(2,)", {0, 1}),
               "expected 3 labels (shape [3] or [3, 1])");
}

TEST(NpzReader, RefusesBadArchives) {
  TempDir dir;
  std::string path = dir.file("a.npz");
  ASSERT_TRUE(cnnrt_files::writeNpz(
      path, {{"x_train", kImages}, {"y_train", kLabels}}, false));
  Dataset data;
  EXPECT_EQ(
      cnnrt_dataset_read_npz(path.c_str(), "x_test", "y_test", nullptr, &data),
      -1);
  EXPECT_EQ(lastError(), path + ": no array 'x_test' (member x_test.npy); the "
                                "archive holds: x_train, y_train");
  // A flipped byte in a stored member: libzip's CRC check reports it.
  Bytes bytes = readFile(path);
  size_t at = 0;
  for (size_t i = 0; i + 6 < bytes.size(); ++i)
    if (std::memcmp(&bytes[i], "\x93NUMPY", 6) == 0) {
      at = i;
      break;
    }
  ASSERT_NE(at, 0u);
  bytes[at + 130] ^= 0xff; // a pixel of x_train
  std::string flipped = dir.write("flipped.npz", bytes);
  EXPECT_EQ(cnnrt_dataset_read_npz(flipped.c_str(), "x_train", "y_train",
                                   nullptr, &data),
            -1);
  EXPECT_TRUE(isErrorAbout(lastError(), flipped + " (x_train.npy)"))
      << lastError();
  EXPECT_NE(lastError().find("CRC"), std::string::npos) << lastError();
  std::string text = dir.write("text.npz", {'n', 'o', 't', ' ', 'z', 'i', 'p'});
  EXPECT_EQ(cnnrt_dataset_read_npz(text.c_str(), "x_train", "y_train", nullptr,
                                   &data),
            -1);
  EXPECT_TRUE(isErrorAbout(lastError(), text)) << lastError();
  EXPECT_NE(lastError().find("cannot open as an .npz (zip) archive"),
            std::string::npos);
  EXPECT_EQ(cnnrt_npz_has_array(text.c_str(), "x"), -1);
  // A bad array inside an archive is named with its member.
  std::string inner = dir.file("inner.npz");
  ASSERT_TRUE(cnnrt_files::writeNpz(
      inner,
      {{"x_train", kImages}, {"y_train", npyBytes("<f8", "(3,)", Bytes(24))}},
      true));
  EXPECT_EQ(cnnrt_dataset_read_npz(inner.c_str(), "x_train", "y_train", nullptr,
                                   &data),
            -1);
  EXPECT_EQ(lastError(), inner + " (y_train.npy): labels must be integer "
                                 "class indices, not float64");
  EXPECT_EQ(data.images, nullptr);
}

TEST(ClassNames, ReadsOneNamePerLine) {
  TempDir dir;
  std::string path = dir.write("names.txt", {'c', 'a', 't', '\r', '\n', 'd',
                                             'o', 'g', ' ', 'x', '\n', 'e'});
  char **names = nullptr;
  int64_t count = 0;
  ASSERT_EQ(cnnrt_class_names_read(path.c_str(), &names, &count), 0)
      << lastError();
  ASSERT_EQ(count, 3);
  EXPECT_STREQ(names[0], "cat");
  EXPECT_STREQ(names[1], "dog x");
  EXPECT_STREQ(names[2], "e");
  cnnrt_class_names_free(names, count);
  auto refuse = [&](const Bytes &bytes, const std::string &what) {
    std::string bad = dir.write("bad.txt", bytes);
    EXPECT_EQ(cnnrt_class_names_read(bad.c_str(), &names, &count), -1);
    EXPECT_TRUE(isErrorAbout(lastError(), bad)) << lastError();
    EXPECT_NE(lastError().find(what), std::string::npos) << lastError();
    EXPECT_EQ(names, nullptr);
  };
  refuse({'a', '\n', '\n', 'b'}, "line 2 (byte offset 2) is empty");
  refuse({'a', '\t', 'b'}, "control character 0x09 at byte offset 1 (line 1)");
  refuse(Bytes(300, 'a'), "line 1 (byte offset 0) has 300 bytes");
  refuse({}, "empty file");
}

} // namespace
