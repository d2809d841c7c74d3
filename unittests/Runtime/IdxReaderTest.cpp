//===- IdxReaderTest.cpp - IDX files: Fashion-MNIST and broken copies -----===//
//
// Reads the real Fashion-MNIST files of the Debian package (skipped where the
// package is not installed) and checks what is known about them: 60000/10000
// images of 28x28, 6000/1000 images per class, the first labels and pixel
// sums. Then feeds the reader broken files - truncated and corrupted gzip,
// wrong magic, count mismatch, headers that lie about the size - and checks
// each is refused with one line naming the broken file.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "TempFiles.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace cnnrt_test;

namespace {

std::string lastError() { return cnnrt_last_error(); }

const std::string kDebianDir = CNNRT_FASHION_MNIST_DIR;

bool haveFashionMnist() {
  return access((kDebianDir + "/t10k-labels-idx1-ubyte.gz").c_str(), R_OK) == 0;
}

#define REQUIRE_FASHION_MNIST()                                                \
  if (!haveFashionMnist())                                                     \
  GTEST_SKIP() << "Fashion-MNIST is not installed in " << kDebianDir           \
               << " (Debian package dataset-fashion-mnist)"

/// A data set freed at scope exit.
struct Dataset : cnnrt_dataset {
  Dataset() : cnnrt_dataset() {}
  ~Dataset() { cnnrt_dataset_free(this); }
};

/// Checks the counts, geometry, class balance and first labels of a split.
void expectFashionMnist(const cnnrt_dataset &data, int64_t count,
                        const std::array<int32_t, 10> &firstLabels,
                        int pixelSumOfFirstImage) {
  ASSERT_EQ(data.count, count);
  EXPECT_EQ(data.height, 28);
  EXPECT_EQ(data.width, 28);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.num_classes, 10);
  std::array<int64_t, 10> perClass = {};
  for (int64_t i = 0; i < count; ++i) {
    ASSERT_GE(data.labels[i], 0);
    ASSERT_LE(data.labels[i], 9);
    ++perClass[data.labels[i]];
  }
  for (int64_t n : perClass)
    EXPECT_EQ(n, count / 10);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(data.labels[i], firstLabels[i]) << "label " << i;
  double sum = 0;
  float max = 0;
  for (int i = 0; i < 28 * 28; ++i) {
    float pixel = data.images[i];
    ASSERT_GE(pixel, 0.0f);
    ASSERT_LE(pixel, 1.0f);
    // Every value is a byte divided by 255.
    EXPECT_FLOAT_EQ(std::round(pixel * 255.0f) / 255.0f, pixel);
    sum += pixel;
    max = std::fmax(max, pixel);
  }
  EXPECT_NEAR(sum * 255.0, pixelSumOfFirstImage, 0.01);
  EXPECT_EQ(max, 1.0f);
}

TEST(IdxReader, ReadsFashionMnistTrainingSplit) {
  REQUIRE_FASHION_MNIST();
  Dataset data;
  ASSERT_EQ(cnnrt_dataset_load_fashion_mnist(kDebianDir.c_str(), 1, &data), 0)
      << lastError();
  expectFashionMnist(data, 60000, {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, 76247);
}

TEST(IdxReader, ReadsFashionMnistTestSplitFromTheDefaultDir) {
  REQUIRE_FASHION_MNIST();
  unsetenv(CNNRT_FASHION_MNIST_DIR_ENV);
  Dataset data;
  ASSERT_EQ(cnnrt_dataset_load_fashion_mnist(nullptr, 0, &data), 0)
      << lastError();
  expectFashionMnist(data, 10000, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, 33456);
}

/// Uncompressed copies of the first `count` test images and labels.
struct SmallCopy {
  explicit SmallCopy(const TempDir &dir, uint32_t count = 3) {
    Bytes images = idxHeader(0x803, {count, 2, 2});
    Bytes labels = idxHeader(0x801, {count});
    for (uint32_t i = 0; i < count; ++i) {
      images.insert(images.end(), {uint8_t(i), 0, 255, 51});
      labels.push_back(uint8_t(2 * i));
    }
    imagesPath = dir.write("t10k-images-idx3-ubyte", images);
    labelsPath = dir.write("t10k-labels-idx1-ubyte", labels);
  }
  std::string imagesPath, labelsPath;
};

TEST(IdxReader, ReadsRawFilesAndHonoursTheEnvironment) {
  TempDir dir;
  SmallCopy copy(dir);
  ASSERT_EQ(setenv(CNNRT_FASHION_MNIST_DIR_ENV, dir.path().c_str(), 1), 0);
  Dataset data;
  int status = cnnrt_dataset_load_fashion_mnist(nullptr, 0, &data);
  unsetenv(CNNRT_FASHION_MNIST_DIR_ENV);
  ASSERT_EQ(status, 0) << lastError();
  EXPECT_EQ(data.count, 3);
  EXPECT_EQ(data.height, 2);
  // The loader of the known data set names its 10 classes.
  EXPECT_EQ(data.num_classes, 10);
  EXPECT_STREQ(data.class_names[4], "Coat");
  EXPECT_EQ(data.labels[2], 4);
  EXPECT_EQ(data.images[4], 1.0f / 255.0f);
  EXPECT_EQ(data.images[6], 1.0f);
  EXPECT_EQ(data.images[7], 0.2f);
}

TEST(IdxReader, ReportsAMissingDataSet) {
  TempDir dir;
  Dataset data;
  EXPECT_EQ(cnnrt_dataset_load_fashion_mnist(dir.path().c_str(), 1, &data), -1);
  std::string path = dir.file("train-images-idx3-ubyte.gz");
  EXPECT_EQ(lastError(), path + ": cannot open the Fashion-MNIST file "
                                "(install the Debian package "
                                "dataset-fashion-mnist or set "
                                "CNNC_FASHION_MNIST_DIR): No such file or "
                                "directory");
  EXPECT_EQ(data.images, nullptr);
}

/// Loads a pair expecting failure with a message about `culprit` that
/// contains `expected`, and an empty data set.
void expectRefused(const std::string &images, const std::string &labels,
                   const std::string &culprit, const std::string &expected) {
  Dataset data;
  EXPECT_EQ(cnnrt_dataset_load_idx(images.c_str(), labels.c_str(), &data), -1);
  EXPECT_TRUE(isErrorAbout(lastError(), culprit));
  EXPECT_NE(lastError().find(expected), std::string::npos) << lastError();
  EXPECT_EQ(data.count, 0);
  EXPECT_EQ(data.images, nullptr);
  EXPECT_EQ(data.labels, nullptr);
}

TEST(IdxReader, RefusesATruncatedGzipFile) {
  REQUIRE_FASHION_MNIST();
  TempDir dir;
  SmallCopy copy(dir, 10000);
  Bytes gz = readFile(kDebianDir + "/t10k-labels-idx1-ubyte.gz");
  gz.resize(gz.size() / 2);
  std::string labels = dir.write("labels.gz", gz);
  expectRefused(copy.imagesPath, labels, labels,
                "gzip data ends unexpectedly after");
}

TEST(IdxReader, RefusesCorruptedGzipData) {
  REQUIRE_FASHION_MNIST();
  TempDir dir;
  SmallCopy copy(dir, 10000);
  Bytes gz = readFile(kDebianDir + "/t10k-labels-idx1-ubyte.gz");
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 16; ++i)
    gz[i] ^= 0x5a;
  std::string labels = dir.write("labels.gz", gz);
  expectRefused(copy.imagesPath, labels, labels, "corrupted gzip data after");
  // A wrong CRC in the trailer is only seen at the very end of the stream.
  gz = readFile(kDebianDir + "/t10k-labels-idx1-ubyte.gz");
  gz[gz.size() - 6] ^= 1;
  labels = dir.write("crc.gz", gz);
  expectRefused(copy.imagesPath, labels, labels, "incorrect data check");
}

// Members concatenated (as `cat a.gz b.gz` makes) are one stream, as for
// gzip(1); anything else after the gzip data is an error, not ignored.
TEST(IdxReader, ReadsConcatenatedGzipMembersAndRefusesTrailingBytes) {
  TempDir dir;
  SmallCopy copy(dir);
  Bytes labels = readFile(copy.labelsPath);
  Bytes head(labels.begin(), labels.begin() + 5);
  Bytes tail(labels.begin() + 5, labels.end());
  Bytes joined = concat(readFile(dir.writeGzip("head.gz", head)),
                        readFile(dir.writeGzip("tail.gz", tail)));
  std::string joinedPath = dir.write("joined.gz", joined);
  Dataset data;
  ASSERT_EQ(cnnrt_dataset_load_idx(copy.imagesPath.c_str(), joinedPath.c_str(),
                                   &data),
            0)
      << lastError();
  EXPECT_EQ(data.count, 3);
  EXPECT_EQ(data.labels[2], 4);

  Bytes gz = readFile(dir.writeGzip("labels.gz", labels));
  size_t end = gz.size();
  std::string trailing = dir.write("trailing.gz", concat(gz, {0, 0, 0}));
  expectRefused(copy.imagesPath, trailing, trailing,
                "3 unexpected bytes after the end of the gzip data at byte "
                "offset " +
                    std::to_string(end) + " of the file");
  // One stray byte, even one that starts like a gzip magic.
  std::string stray = dir.write("stray.gz", concat(gz, {0x1f}));
  expectRefused(copy.imagesPath, stray, stray,
                "1 unexpected bytes after the end of the gzip data");
}

TEST(IdxReader, RefusesWrongMagicNumbers) {
  TempDir dir;
  SmallCopy copy(dir);
  std::string bad =
      dir.write("bad", concat(idxHeader(0x802, {3, 2}), Bytes(6, 0)));
  expectRefused(bad, copy.labelsPath, bad,
                "not an IDX image file: magic number 0x00000802 at byte "
                "offset 0, expected 0x00000803 or 0x00000804 (unsigned "
                "bytes, 3 or 4 dimensions)");
  // Swapped arguments get a hint.
  expectRefused(copy.labelsPath, copy.imagesPath, copy.labelsPath,
                "; this is a label file, not an image file");
  std::string text =
      dir.write("text", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd',
                         '!', '!', '!', '!', '!'});
  expectRefused(text, copy.labelsPath, text, "magic number 0x68656c6c");
}

TEST(IdxReader, ReadsChannelsLastImagesAndScales) {
  TempDir dir;
  // Two 1x2 RGB images (magic 0x804: [n, rows, cols, channels]).
  std::string images =
      dir.write("rgb", concat(idxHeader(0x804, {2, 1, 2, 3}),
                              {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}));
  std::string labels =
      dir.write("labels", concat(idxHeader(0x801, {2}), {1, 0}));
  cnnrt_load_options options = {};
  options.scale = 2.0;
  options.offset = -1.0;
  Dataset data;
  ASSERT_EQ(
      cnnrt_dataset_read_idx(images.c_str(), labels.c_str(), &options, &data),
      0)
      << lastError();
  EXPECT_EQ(data.height, 1);
  EXPECT_EQ(data.width, 2);
  EXPECT_EQ(data.channels, 3);
  EXPECT_EQ(data.images[4], 7.0f);
  EXPECT_EQ(data.images[11], 509.0f);
  EXPECT_EQ(data.class_names, nullptr);
  std::string shortImages =
      dir.write("short", concat(idxHeader(0x804, {2, 1, 2, 3}), Bytes(7, 0)));
  expectRefused(shortImages, labels, shortImages,
                "declares 2 images of 1x2x3, but the data ends at byte "
                "offset 27 after 1 complete images");
}

TEST(IdxReader, RefusesACountMismatch) {
  TempDir dir;
  SmallCopy three(dir, 3);
  std::string labels =
      dir.write("two-labels", concat(idxHeader(0x801, {2}), {1, 2}));
  expectRefused(three.imagesPath, labels, labels,
                "the IDX header declares 2 labels, but " + three.imagesPath +
                    " declares 3 images");
}

TEST(IdxReader, RefusesHeadersThatPromiseMoreThanTheFileHolds) {
  TempDir dir;
  SmallCopy copy(dir);
  // 2^31 images of 28x28 (1.7 TB) in a 100-byte file: reported as a
  // truncation, not as a failed 6.7 TB allocation.
  Bytes header = concat(idxHeader(0x803, {1u << 31, 28, 28}), Bytes(84, 7));
  std::string raw = dir.write("huge", header);
  expectRefused(raw, copy.labelsPath, copy.labelsPath,
                "the IDX header declares 3 labels");
  std::string labels = dir.write("huge-labels", idxHeader(0x801, {1u << 31}));
  expectRefused(raw, labels, raw,
                "truncated: the IDX header (byte offset 4) declares "
                "2147483648 images of 28x28, but the data ends at byte "
                "offset 100 after 0 complete images");
  std::string gz = dir.writeGzip("huge.gz", header);
  expectRefused(gz, labels, gz, "but the data ends at byte offset 100");
  std::string huge = dir.write(
      "overflow", idxHeader(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}));
  expectRefused(huge, labels, huge,
                "declares 4294967295 images of 4294967295x4294967295, more "
                "than this machine can address");
}

TEST(IdxReader, RefusesTruncatedPayloadsAndTrailingData) {
  TempDir dir;
  SmallCopy copy(dir);
  Bytes images = readFile(copy.imagesPath);
  images.resize(images.size() - 1);
  std::string shortImages = dir.write("short", images);
  expectRefused(shortImages, copy.labelsPath, shortImages,
                "declares 3 images of 2x2, but the data ends at byte offset "
                "27 after 2 complete images");
  Bytes labels = readFile(copy.labelsPath);
  labels.push_back(0);
  std::string longLabels = dir.writeGzip("long.gz", labels);
  expectRefused(copy.imagesPath, longLabels, longLabels,
                "unexpected data at byte offset 11, after the 3 labels the "
                "IDX header declares");
}

TEST(IdxReader, RefusesEmptyFilesHeadersAndDirectories) {
  TempDir dir;
  SmallCopy copy(dir);
  std::string empty = dir.write("empty", {});
  expectRefused(empty, copy.labelsPath, empty,
                "empty file, expected an IDX header");
  std::string partial = dir.write("partial", {0, 0, 8, 3, 0, 0});
  expectRefused(partial, copy.labelsPath, partial,
                "truncated IDX header: the data ends at byte offset 6, the "
                "header has 16 bytes");
  std::string flat = dir.write("flat", idxHeader(0x803, {1, 0, 28}));
  expectRefused(flat, copy.labelsPath, flat, "empty image size 0x28");
  expectRefused(dir.path(), copy.labelsPath, dir.path(),
                "is a directory, not a data file");
  std::string missing = dir.file("missing");
  expectRefused(copy.imagesPath, missing, missing,
                "cannot open: No such file or directory");
  Dataset data;
  EXPECT_EQ(cnnrt_dataset_load_idx(nullptr, missing.c_str(), &data), -1);
  EXPECT_EQ(cnnrt_dataset_load_idx(missing.c_str(), missing.c_str(), nullptr),
            -1);
}

} // namespace
