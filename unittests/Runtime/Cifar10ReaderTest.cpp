//===- Cifar10ReaderTest.cpp - CIFAR-10 binary batches --------------------===//
//
// Synthetic batches whose pixel bytes encode their own position, so the
// CHW -> HWC conversion is checked exactly; then the ways a batch can be
// broken (partial record, bad label, empty file, missing file).
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "TempFiles.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace cnnrt_test;

namespace {

std::string lastError() { return cnnrt_last_error(); }

/// One record: label, then channel c of pixel p holds (p + 7c + salt) % 256.
Bytes record(uint8_t label, int salt) {
  Bytes bytes = {label};
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 1024; ++p)
      bytes.push_back(static_cast<uint8_t>((p + 7 * c + salt) % 256));
  return bytes;
}

/// Loads `paths`, returning the status; `data` is freed by the caller.
int load(const std::vector<std::string> &paths, cnnrt_dataset &data) {
  std::vector<const char *> raw;
  for (const std::string &path : paths)
    raw.push_back(path.c_str());
  return cnnrt_dataset_load_cifar10(raw.data(),
                                    static_cast<int64_t>(raw.size()), &data);
}

TEST(Cifar10Reader, ConvertsRecordsFromSeveralFiles) {
  TempDir dir;
  std::string first =
      dir.write("data_batch_1.bin", concat(record(3, 0), record(9, 1)));
  std::string second = dir.writeGzip("test_batch.bin.gz", record(0, 2));
  cnnrt_dataset data = {};
  ASSERT_EQ(load({first, second}, data), 0) << lastError();
  EXPECT_EQ(data.count, 3);
  EXPECT_EQ(data.height, 32);
  EXPECT_EQ(data.width, 32);
  EXPECT_EQ(data.channels, 3);
  EXPECT_EQ(data.num_classes, 10);
  ASSERT_NE(data.class_names, nullptr);
  EXPECT_STREQ(data.class_names[0], "airplane");
  EXPECT_STREQ(data.class_names[9], "truck");
  EXPECT_EQ(data.labels[0], 3);
  EXPECT_EQ(data.labels[1], 9);
  EXPECT_EQ(data.labels[2], 0);
  for (int image = 0; image < 3; ++image)
    for (int p = 0; p < 1024; p += 37)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(data.images[(image * 1024 + p) * 3 + c],
                  ((p + 7 * c + image) % 256) / 255.0f)
            << "image " << image << " pixel " << p << " channel " << c;
  cnnrt_dataset_free(&data);
  EXPECT_EQ(data.images, nullptr);
  EXPECT_EQ(data.count, 0);
}

TEST(Cifar10Reader, RefusesBrokenBatches) {
  TempDir dir;
  std::string good = dir.write("good.bin", record(1, 0));
  Bytes partial = concat(record(1, 0), record(2, 0));
  partial.resize(3073 + 100);
  std::string truncated = dir.write("truncated.bin", partial);
  std::string badLabel =
      dir.write("label.bin", concat(record(1, 0), record(10, 0)));
  std::string empty = dir.write("empty.bin", {});
  struct Case {
    std::string path, expected;
  } cases[] = {
      {truncated, "truncated: the 100 bytes at byte offset 3073 do not form a "
                  "whole 3073-byte CIFAR-10 record"},
      {badLabel, "label 10 at byte offset 3073 is not a CIFAR-10 class (0..9)"},
      {empty, "empty file, expected CIFAR-10 records of 3073 bytes"},
      {dir.file("missing.bin"), "cannot open: No such file or directory"},
  };
  for (const Case &c : cases) {
    cnnrt_dataset data = {};
    EXPECT_EQ(load({good, c.path}, data), -1);
    EXPECT_EQ(lastError(), c.path + ": " + c.expected);
    EXPECT_EQ(data.images, nullptr);
    EXPECT_EQ(data.count, 0);
  }
  cnnrt_dataset data = {};
  EXPECT_EQ(load({}, data), -1);
  EXPECT_EQ(lastError(), "cnnrt_dataset_read_cifar10: no files given");
}

} // namespace
