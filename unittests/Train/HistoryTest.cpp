//===- HistoryTest.cpp - per-epoch metrics as CSV and JSON ----------------===//
//
// The exact bytes of both formats (header, %.9g numbers, the val_* columns
// only with validation data, nan/null for missing values) and the errors for
// unknown extensions and unwritable paths.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace cnnrt_train_test;

namespace {

class History : public ::testing::Test {
protected:
  void SetUp() override {
    cnnrt_epoch_record first = {0.482100010, 0.826171875, 0.375, 0.8671875,
                                1e-3};
    cnnrt_epoch_record second = {0.25, 0.9, NAN, 1.0 / 3.0, 5e-4};
    ASSERT_EQ(cnnrt_history_append(&history, &first), 0);
    ASSERT_EQ(cnnrt_history_append(&history, &second), 0);
  }
  void TearDown() override { cnnrt_history_clear(&history); }

  std::string written(const std::string &name) {
    std::string path = dir.file(name);
    EXPECT_EQ(cnnrt_history_write(&history, path.c_str()), 0) << lastError();
    Bytes bytes = readBytes(path);
    return std::string(bytes.begin(), bytes.end());
  }

  cnnrt_history history = {0, 0, nullptr, 1, 0};
  TempDir dir;
};

TEST_F(History, CsvWithValidation) {
  EXPECT_EQ(written("h.csv"), "epoch,loss,accuracy,val_loss,val_accuracy\n"
                              "1,0.48210001,0.826171875,0.375,0.8671875\n"
                              "2,0.25,0.9,nan,0.333333333\n");
}

TEST_F(History, CsvWithoutValidation) {
  history.has_validation = 0;
  EXPECT_EQ(written("h.csv"), "epoch,loss,accuracy\n"
                              "1,0.48210001,0.826171875\n"
                              "2,0.25,0.9\n");
}

TEST_F(History, Json) {
  EXPECT_EQ(written("h.json"), "{\n"
                               "  \"epoch\": [1, 2],\n"
                               "  \"loss\": [0.48210001, 0.25],\n"
                               "  \"accuracy\": [0.826171875, 0.9],\n"
                               "  \"val_loss\": [0.375, null],\n"
                               "  \"val_accuracy\": [0.8671875, 0.333333333]\n"
                               "}\n");
  history.has_validation = 0;
  EXPECT_EQ(written("h.json"), "{\n"
                               "  \"epoch\": [1, 2],\n"
                               "  \"loss\": [0.48210001, 0.25],\n"
                               "  \"accuracy\": [0.826171875, 0.9]\n"
                               "}\n");
}

TEST_F(History, EmptyHistory) {
  cnnrt_history_clear(&history);
  EXPECT_EQ(written("e.csv"), "epoch,loss,accuracy,val_loss,val_accuracy\n");
  EXPECT_EQ(written("e.json"), "{\n  \"epoch\": [],\n  \"loss\": [],\n"
                               "  \"accuracy\": [],\n  \"val_loss\": [],\n"
                               "  \"val_accuracy\": []\n}\n");
}

TEST_F(History, FormatFollowsTheExtension) {
  EXPECT_TRUE(cnnrt_history_path_is_supported("a/b.csv"));
  EXPECT_TRUE(cnnrt_history_path_is_supported("b.json"));
  EXPECT_FALSE(cnnrt_history_path_is_supported("b.txt"));
  EXPECT_FALSE(cnnrt_history_path_is_supported(".csv"));
  EXPECT_FALSE(cnnrt_history_path_is_supported("csv"));
  std::string path = dir.file("h.txt");
  EXPECT_EQ(cnnrt_history_write(&history, path.c_str()), -1);
  EXPECT_EQ(lastError(), path + ": unknown history format: the name must end "
                                "in .csv or .json");
  path = dir.file("missing/h.csv");
  EXPECT_EQ(cnnrt_history_write(&history, path.c_str()), -1);
  EXPECT_EQ(lastError().rfind(path + ": cannot create a temporary file", 0), 0u)
      << lastError();
}

TEST_F(History, GrowsPastItsInitialCapacity) {
  cnnrt_epoch_record record = {1, 0.5, NAN, NAN, 0.1};
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(cnnrt_history_append(&history, &record), 0);
  EXPECT_EQ(history.count, 102);
  EXPECT_EQ(history.records[101].loss, 1.0);
  EXPECT_EQ(history.records[0].loss, 0.482100010);
}

} // namespace
