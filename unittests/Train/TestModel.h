//===- TestModel.h - hand-written models and data for the tests -*- C++ -*-===//
//
// Stand-ins for cnnc-generated libraries: softmax regression on 1 x P x 1
// images with C classes, trained by SGD with momentum (so the optimizer
// state matters), wrapped with cnnrt_model_wrap. Variants differ in name,
// shape or optimizer, for the checkpoint mismatch tests; a "counting" model
// reports loss = batch size so the epoch means can be checked exactly.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_TRAIN_TESTMODEL_H
#define CNNC_UNITTESTS_TRAIN_TESTMODEL_H

#include "cnnc/Runtime/train.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnrt_train_test {

/// Which train_step a TestModel gets.
enum class Kind { Learning, Counting, InferenceOnly };

/// A wrapped model and one instance of it.
class TestModel {
public:
  /// `pixels` and `classes` must be (4, 3) or (3, 4).
  TestModel(const char *name, int pixels, int classes,
            Kind kind = Kind::Learning, const char *optimizer = "sgd",
            uint64_t seed = 7);
  ~TestModel();
  TestModel(const TestModel &) = delete;
  TestModel &operator=(const TestModel &) = delete;

  cnnrt_model *model = nullptr;
  cnnrt_instance *instance = nullptr;

  std::vector<float> params() const;
  std::vector<float> optState() const;

private:
  std::string name, optimizer;
  cnnc_param_info table[2];
  cnnc_model_desc desc;
};

/// A labelled synthetic data set of 1 x pixels x 1 images whose label is the
/// index of the brightest of the first `classes` pixels (learnable).
class TestData {
public:
  TestData(int64_t count, int pixels, int classes, uint64_t seed = 1);
  cnnrt_dataset dataset;

private:
  std::vector<float> images;
  std::vector<int32_t> labels;
};

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
public:
  TempDir();
  ~TempDir();
  std::string file(const std::string &name) const { return dir + "/" + name; }
  const std::string &path() const { return dir; }
  /// Names of the entries of the directory.
  std::vector<std::string> list() const;

private:
  std::string dir;
};

using Bytes = std::vector<unsigned char>;
Bytes readBytes(const std::string &path);
void writeBytes(const std::string &path, const Bytes &bytes);

/// The last error of the training library.
inline std::string lastError() { return cnnrt_train_last_error(); }

} // namespace cnnrt_train_test

#endif // CNNC_UNITTESTS_TRAIN_TESTMODEL_H
