//===- ImageFolderTest.cpp - image folders and single image files ---------===//
//
// Folders of PNG and JPEG files written by the test with libpng and
// libturbojpeg: class folders in sorted order, nested folders, skipped and
// refused entries, exact pixel values for the channel conversions, the
// value mapping and both resize filters, and one error line (naming the
// image) for every kind of bad file, the first one in data set order.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "DataFiles.h"
#include "TempFiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>
#include <zlib.h>

using namespace cnnrt_test;

namespace {

std::string lastError() { return cnnrt_last_error(); }

struct Dataset : cnnrt_dataset {
  Dataset() : cnnrt_dataset() {}
  ~Dataset() { cnnrt_dataset_free(this); }
};

cnnrt_load_options size(int64_t height, int64_t width, int64_t channels) {
  cnnrt_load_options options = {};
  options.height = height;
  options.width = width;
  options.channels = channels;
  return options;
}

/// Writes a gray PNG of the given pixels (row-major) and returns its path.
std::string grayPng(const std::string &path, int width, int height,
                    const std::vector<uint8_t> &pixels) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  EXPECT_TRUE(cnnrt_files::writePng(path, width, height, 1, pixels.data()));
  return path;
}

std::string dot(const std::string &dir, const std::string &name) {
  std::filesystem::create_directories(
      std::filesystem::path(dir + "/" + name).parent_path());
  return dir + "/" + name;
}

TEST(ImageFolder, ReadsSortedClassFoldersLikeKeras) {
  TempDir dir;
  const std::string &root = dir.path();
  grayPng(root + "/dogs/c.png", 1, 1, {30});
  grayPng(root + "/cats/a.png", 1, 1, {10});
  std::vector<uint8_t> rgb = {20, 20, 20};
  ASSERT_TRUE(
      cnnrt_files::writeJpeg(dot(root, "cats/sub/b.JPG"), 1, 1, 3, rgb.data()));
  grayPng(root + "/ants/d.png", 1, 1, {40});
  grayPng(root + "/.hidden/x.png", 1, 1, {0}); // hidden class: skipped
  grayPng(root + "/dogs/.e.png", 1, 1, {0});   // hidden file: skipped
  cnnrt_files::writeFile(root + "/readme.txt", {'h', 'i'});
  cnnrt_files::writeFile(root + "/dogs/notes.txt", {'h', 'i'});
  std::filesystem::create_directory_symlink(root + "/ants",
                                            root + "/cats/link");
  cnnrt_load_options options = size(1, 1, 1);
  options.threads = 3;
  Dataset data;
  ASSERT_EQ(cnnrt_dataset_read_image_folder(root.c_str(), &options, &data), 0)
      << lastError();
  ASSERT_EQ(data.count, 4);
  ASSERT_EQ(data.num_classes, 3);
  EXPECT_STREQ(data.class_names[0], "ants");
  EXPECT_STREQ(data.class_names[1], "cats");
  EXPECT_STREQ(data.class_names[2], "dogs");
  std::vector<int32_t> labels(data.labels, data.labels + 4);
  EXPECT_EQ(labels, (std::vector<int32_t>{0, 1, 1, 2}));
  EXPECT_EQ(data.images[0], 40 / 255.0f);
  EXPECT_EQ(data.images[1], 10 / 255.0f); // cats/a.png before cats/sub/b.JPG
  EXPECT_NEAR(data.images[2], 20 / 255.0f, 1.5f / 255.0f);
  EXPECT_EQ(data.images[3], 30 / 255.0f);

  // The validation folder of the same classes, in the training order; a
  // missing or an extra class folder is an error.
  TempDir other;
  grayPng(other.path() + "/dogs/z.png", 1, 1, {50});
  grayPng(other.path() + "/ants/y.png", 1, 1, {60});
  const char *names[] = {"ants", "cats", "dogs"};
  options.class_names = names;
  options.num_classes = 2; // ants, cats: dogs is extra, cats missing
  Dataset bad;
  EXPECT_EQ(
      cnnrt_dataset_read_image_folder(other.path().c_str(), &options, &bad),
      -1);
  EXPECT_EQ(lastError(), other.path() +
                             ": no folder for class 1 'cats' of the 2 classes "
                             "expected (the training data's)");
  std::filesystem::create_directory(other.path() + "/cats");
  EXPECT_EQ(
      cnnrt_dataset_read_image_folder(other.path().c_str(), &options, &bad),
      -1);
  EXPECT_EQ(lastError(), other.path() +
                             ": folder 'dogs' is not one of the 2 classes "
                             "expected (the training data's)");
  options.num_classes = 3;
  Dataset validation;
  ASSERT_EQ(cnnrt_dataset_read_image_folder(other.path().c_str(), &options,
                                            &validation),
            0)
      << lastError();
  EXPECT_EQ(validation.count, 2);
  EXPECT_EQ(validation.num_classes, 3);
  EXPECT_EQ(validation.labels[0], 0);
  EXPECT_EQ(validation.labels[1], 2);
}

TEST(ImageFolder, ConvertsChannelsAndMapsValues) {
  TempDir dir;
  std::vector<uint8_t> rgba = {10, 20, 30, 0, 200, 100, 50, 255};
  std::string path = dir.file("rgba.png");
  ASSERT_TRUE(cnnrt_files::writePng(path, 2, 1, 4, rgba.data()));
  std::vector<float> out(6);
  cnnrt_load_options options = size(1, 2, 3);
  ASSERT_EQ(cnnrt_image_read(path.c_str(), &options, out.data()), 0)
      << lastError();
  // Alpha is dropped, not composited.
  EXPECT_EQ(out, (std::vector<float>{10 / 255.0f, 20 / 255.0f, 30 / 255.0f,
                                     200 / 255.0f, 100 / 255.0f, 50 / 255.0f}));
  options = size(1, 2, 1);
  ASSERT_EQ(cnnrt_image_read(path.c_str(), &options, out.data()), 0);
  EXPECT_EQ(out[0], float(0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255.0f);
  EXPECT_EQ(out[1], float(0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255.0f);
  std::string gray = grayPng(dir.file("gray.png"), 2, 1, {0, 255});
  options = size(1, 2, 3);
  options.scale = 1.0 / 127.5;
  options.offset = -1.0;
  ASSERT_EQ(cnnrt_image_read(gray.c_str(), &options, out.data()), 0);
  EXPECT_EQ(out, (std::vector<float>{-1, -1, -1, 1, 1, 1}));
  options.scale = NAN;
  EXPECT_EQ(cnnrt_image_read(gray.c_str(), &options, out.data()), -1);
  EXPECT_TRUE(isErrorAbout(lastError(), gray)) << lastError();
  options = size(1, 2, 2);
  EXPECT_EQ(cnnrt_image_read(gray.c_str(), &options, out.data()), -1);
  EXPECT_NE(lastError().find("the channels 1 or 3"), std::string::npos);
}

TEST(ImageFolder, ResizesWithAreaAndBilinearFilters) {
  TempDir dir;
  // 3 -> 2 columns (area): [30, 60, 90] -> [40, 80]; 1 -> 1 row.
  std::string shrink = grayPng(dir.file("shrink.png"), 3, 1, {30, 60, 90});
  cnnrt_load_options options = size(1, 2, 1);
  options.scale = 1.0;
  std::vector<float> out(36);
  ASSERT_EQ(cnnrt_image_read(shrink.c_str(), &options, out.data()), 0);
  EXPECT_NEAR(out[0], 40.0f, 1e-4);
  EXPECT_NEAR(out[1], 80.0f, 1e-4);
  // 4x4 -> 2x2: means of the 2x2 blocks.
  std::vector<uint8_t> block = {0,  4,  8,  12, 16, 20, 24, 28,
                                32, 36, 40, 44, 48, 52, 56, 60};
  std::string square = grayPng(dir.file("square.png"), 4, 4, block);
  options = size(2, 2, 1);
  options.scale = 1.0;
  ASSERT_EQ(cnnrt_image_read(square.c_str(), &options, out.data()), 0);
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 4),
            (std::vector<float>{10, 18, 42, 50}));
  // 2 -> 4 columns (bilinear, half-pixel centers, clamped edges).
  std::string grow = grayPng(dir.file("grow.png"), 2, 1, {0, 100});
  options = size(1, 4, 1);
  options.scale = 1.0;
  ASSERT_EQ(cnnrt_image_read(grow.c_str(), &options, out.data()), 0);
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 4),
            (std::vector<float>{0, 25, 75, 100}));
  // A large JPEG is decoded at a reduced DCT scale; a flat image stays flat.
  std::vector<uint8_t> flat(64 * 48 * 3, 90);
  std::string jpeg = dir.file("flat.jpeg");
  ASSERT_TRUE(cnnrt_files::writeJpeg(jpeg, 64, 48, 3, flat.data()));
  options = size(3, 4, 3);
  options.scale = 1.0;
  ASSERT_EQ(cnnrt_image_read(jpeg.c_str(), &options, out.data()), 0)
      << lastError();
  for (int i = 0; i < 12; ++i)
    EXPECT_NEAR(out[i], 90.0f, 1.0f) << i;
}

/// A 1x1 PNG whose IHDR claims width x height, with a valid chunk CRC.
cnnrt_files::Bytes lyingPng(const TempDir &dir, uint32_t width,
                            uint32_t height) {
  std::string path = dir.file("one.png");
  uint8_t pixel = 7;
  EXPECT_TRUE(cnnrt_files::writePng(path, 1, 1, 1, &pixel));
  cnnrt_files::Bytes bytes = cnnrt_files::readFile(path);
  for (int i = 0; i < 4; ++i) {
    bytes[16 + i] = uint8_t(width >> (24 - 8 * i));
    bytes[20 + i] = uint8_t(height >> (24 - 8 * i));
  }
  uint32_t crc = crc32(0, bytes.data() + 12, 17);
  for (int i = 0; i < 4; ++i)
    bytes[29 + i] = uint8_t(crc >> (24 - 8 * i));
  return bytes;
}

/// Reads `root` expecting one error line about `culprit` containing `what`.
void expectRefused(const std::string &root, const std::string &culprit,
                   const std::string &what, int64_t channels = 1) {
  cnnrt_load_options options = size(4, 4, channels);
  Dataset data;
  EXPECT_EQ(cnnrt_dataset_read_image_folder(root.c_str(), &options, &data), -1);
  EXPECT_TRUE(isErrorAbout(lastError(), culprit)) << lastError();
  EXPECT_NE(lastError().find(what), std::string::npos) << lastError();
  EXPECT_EQ(data.images, nullptr);
  EXPECT_EQ(data.class_names, nullptr);
}

TEST(ImageFolder, RefusesBadImagesNamingTheFile) {
  TempDir dir;
  std::string root = dir.path() + "/data";
  std::vector<uint8_t> pixels(16 * 16, 100);
  std::string good = root + "/a/good.png";
  grayPng(good, 16, 16, pixels);
  cnnrt_files::Bytes png = cnnrt_files::readFile(good);
  std::string text = root + "/a/text.png";
  cnnrt_files::writeFile(text, {'h', 'e', 'l', 'l', 'o'});
  expectRefused(root, text,
                "not a PNG or JPEG image (first bytes at byte offset 0: 68 "
                "65 6c 6c)");
  std::filesystem::remove(text);

  std::string shortPng = root + "/a/short.png";
  cnnrt_files::writeFile(shortPng,
                         cnnrt_files::Bytes(png.begin(), png.end() - 20));
  expectRefused(root, shortPng, "invalid PNG: ");
  std::filesystem::remove(shortPng);

  std::string liar = root + "/a/liar.png";
  cnnrt_files::writeFile(liar, lyingPng(dir, 5000, 5000));
  expectRefused(root, liar,
                "PNG header claims 5000x5000 pixels, more than a file of");
  cnnrt_files::writeFile(liar, lyingPng(dir, 100000, 100000));
  expectRefused(root, liar, "more than the 268435456 this reader decodes");
  std::filesystem::remove(liar);

  std::string jpeg = root + "/b/x.jpg";
  std::filesystem::create_directories(root + "/b");
  ASSERT_TRUE(cnnrt_files::writeJpeg(jpeg, 16, 16, 1, pixels.data()));
  cnnrt_files::Bytes jpegBytes = cnnrt_files::readFile(jpeg);
  cnnrt_files::writeFile(
      jpeg, cnnrt_files::Bytes(jpegBytes.begin(), jpegBytes.end() - 40));
  expectRefused(root, jpeg, "invalid JPEG: ");
  cnnrt_files::writeFile(jpeg, {0xff, 0xd8, 0xff, 0xe0, 0, 2});
  expectRefused(root, jpeg, "JPEG header gives an empty image 0x0");
  cnnrt_files::writeFile(jpeg, {});
  expectRefused(root, jpeg, "empty file, expected a PNG or JPEG image");
  std::filesystem::remove(jpeg);

  std::string bmp = root + "/b/y.bmp";
  cnnrt_files::writeFile(bmp, {'B', 'M'});
  expectRefused(root, bmp, "BMP and GIF images are not supported");
}

TEST(ImageFolder, ReportsTheFirstBadImageInDataSetOrder) {
  TempDir dir;
  std::vector<uint8_t> pixels(4, 1);
  for (int i = 0; i < 40; ++i)
    grayPng(dir.path() + "/c/" + std::to_string(100 + i) + ".png", 2, 2,
            pixels);
  std::string first = dir.path() + "/c/117.png";
  std::string second = dir.path() + "/c/131.png";
  cnnrt_files::writeFile(first, {1, 2, 3, 4});
  cnnrt_files::writeFile(second, {1, 2, 3, 4});
  for (int threads = 1; threads <= 8; threads *= 2) {
    cnnrt_load_options options = size(2, 2, 1);
    options.threads = threads;
    Dataset data;
    EXPECT_EQ(
        cnnrt_dataset_read_image_folder(dir.path().c_str(), &options, &data),
        -1);
    EXPECT_TRUE(isErrorAbout(lastError(), first)) << lastError();
  }
}

TEST(ImageFolder, RefusesFoldersWithoutClassesOrImages) {
  TempDir dir;
  expectRefused(dir.path(), dir.path(), "no class folders: expected");
  std::filesystem::create_directory(dir.path() + "/empty");
  expectRefused(dir.path(), dir.path(),
                "no .png, .jpg or .jpeg images in the 1 class folders");
  std::string missing = dir.path() + "/missing";
  expectRefused(missing, missing,
                "cannot read the image folder: No such file or directory");
  cnnrt_load_options options = size(0, 4, 1);
  Dataset data;
  EXPECT_EQ(
      cnnrt_dataset_read_image_folder(dir.path().c_str(), &options, &data), -1);
  EXPECT_NE(lastError().find("must be positive"), std::string::npos);
}

} // namespace
