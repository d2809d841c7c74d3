//===- ParamsFileTest.cpp - raw float32 parameter files -------------------===//
//
// A parameter file is accepted only when its size is exactly the model's
// parameter count times four; everything else is one line naming the file.
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

TEST(ParamsFile, RoundTrips) {
  TempDir dir;
  std::string path = dir.file("w.bin");
  std::vector<float> out = {1.5f, -2.0f, 3.25f}, in(3);
  ASSERT_EQ(cnnrt_params_write(path.c_str(), out.data(), 3), 0);
  EXPECT_EQ(readFile(path).size(), 12u);
  ASSERT_EQ(cnnrt_params_read(path.c_str(), in.data(), 3), 0);
  EXPECT_EQ(in, out);
}

TEST(ParamsFile, RefusesAWrongSize) {
  TempDir dir;
  std::string path = dir.write("w.bin", Bytes(10, 0));
  std::vector<float> in(3, 7.0f);
  EXPECT_EQ(cnnrt_params_read(path.c_str(), in.data(), 3), -1);
  EXPECT_EQ(lastError(), path + ": holds 10 bytes, but the model has 3 "
                                "float32 parameters (12 bytes)");
  EXPECT_EQ(in[0], 7.0f);
}

TEST(ParamsFile, ReportsMissingFilesAndDirectories) {
  TempDir dir;
  std::vector<float> in(3);
  std::string missing = dir.file("missing.bin");
  EXPECT_EQ(cnnrt_params_read(missing.c_str(), in.data(), 3), -1);
  EXPECT_EQ(lastError(), missing + ": cannot open the parameter file: No such "
                                   "file or directory");
  EXPECT_EQ(cnnrt_params_read(dir.path().c_str(), in.data(), 3), -1);
  EXPECT_EQ(lastError(), dir.path() + ": is not a regular file");
  std::string unwritable = dir.file("no/such/dir/w.bin");
  EXPECT_EQ(cnnrt_params_write(unwritable.c_str(), in.data(), 3), -1);
  EXPECT_TRUE(isErrorAbout(lastError(), unwritable));
  EXPECT_EQ(cnnrt_params_read(missing.c_str(), in.data(), -1), -1);
  EXPECT_EQ(lastError(), missing + ": -1 is not a valid number of parameters");
}

} // namespace
