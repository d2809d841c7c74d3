//===- InstanceTest.cpp - buffers and entry points of a loaded model ------===//
//
// Runs the tiny fixture model (logits = image x kernel + bias; see
// fixtures/TinyModel.c) through an instance: parameter initialization by the
// support library, predict with known weights, the argument checks in front
// of every entry point, and the training wrappers.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "TempFiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace cnnrt_test;

namespace {

std::string lastError() { return cnnrt_last_error(); }

class Instance : public ::testing::Test {
protected:
  void SetUp() override { load(CNNRT_FIXTURE_TINY); }
  void TearDown() override {
    cnnrt_instance_destroy(instance);
    cnnrt_unload(model);
  }

  void load(const char *path) {
    cnnrt_instance_destroy(instance);
    cnnrt_unload(model);
    model = cnnrt_load(path);
    ASSERT_NE(model, nullptr) << cnnrt_last_error();
    instance = cnnrt_instance_create(model, 42);
    ASSERT_NE(instance, nullptr) << cnnrt_last_error();
  }

  /// Expects the last error to be about the fixture and contain `expected`.
  void expectError(const std::string &expected) {
    EXPECT_TRUE(isErrorAbout(lastError(), cnnrt_model_path(model)));
    EXPECT_NE(lastError().find(expected), std::string::npos) << lastError();
  }

  cnnrt_model *model = nullptr;
  cnnrt_instance *instance = nullptr;
};

TEST_F(Instance, InitializesWithTheSupportLibrary) {
  const float *params = cnnrt_instance_params(instance);
  ASSERT_EQ(cnnrt_instance_param_elements(instance), 15);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(params) % 64, 0u);
  // Kernel: glorot_uniform with fans 4 and 3; bias: zeros.
  float limit = std::sqrt(6.0f / 7.0f);
  bool allEqual = true;
  for (int i = 0; i < 12; ++i) {
    EXPECT_LE(std::fabs(params[i]), limit);
    allEqual &= params[i] == params[0];
  }
  EXPECT_FALSE(allEqual);
  for (int i = 12; i < 15; ++i)
    EXPECT_EQ(params[i], 0.0f);
  // The same values the support library computes from the same seed.
  std::vector<float> direct(15);
  ASSERT_EQ(
      cnnc_support_init_params(cnnrt_model_desc(model), direct.data(), 42),
      CNNC_OK);
  EXPECT_EQ(std::memcmp(direct.data(), params, 15 * sizeof(float)), 0);
}

TEST_F(Instance, ResetReinitializesEverything) {
  std::vector<float> first(cnnrt_instance_params(instance),
                           cnnrt_instance_params(instance) + 15);
  float image[4] = {0, 0, 0, 0};
  int32_t label = 0;
  ASSERT_EQ(
      cnnrt_train_step(instance, image, &label, 1, 0.5f, nullptr, nullptr), 0);
  EXPECT_EQ(cnnrt_instance_step(instance), 1);
  ASSERT_EQ(cnnrt_instance_reset(instance, 42), 0);
  EXPECT_EQ(cnnrt_instance_step(instance), 0);
  EXPECT_EQ(cnnrt_instance_opt_state(instance)[0], 0.0f);
  EXPECT_EQ(std::memcmp(first.data(), cnnrt_instance_params(instance),
                        15 * sizeof(float)),
            0);
}

TEST_F(Instance, PredictRunsForward) {
  float *params = cnnrt_instance_params(instance);
  for (int i = 0; i < 12; ++i)
    params[i] = static_cast<float>(i); // kernel[p][k] = 3p + k
  params[12] = 100, params[13] = 200, params[14] = 300;
  float images[8] = {1, 0, 0, 0, /**/ 0, 0, 0, 2};
  float logits[6] = {};
  ASSERT_EQ(cnnrt_predict(instance, images, 2, logits), 0) << lastError();
  EXPECT_EQ(logits[0], 100.0f);
  EXPECT_EQ(logits[1], 201.0f);
  EXPECT_EQ(logits[2], 302.0f);
  EXPECT_EQ(logits[3], 100.0f + 2 * 9);
  EXPECT_EQ(logits[4], 200.0f + 2 * 10);
  EXPECT_EQ(logits[5], 300.0f + 2 * 11);
}

TEST_F(Instance, PredictChecksArguments) {
  float images[4] = {}, logits[3] = {};
  EXPECT_EQ(cnnrt_predict(instance, images, 0, nullptr), 0);
  EXPECT_EQ(cnnrt_predict(instance, images, -1, logits), -1);
  expectError("predict: batch -1 is negative");
  EXPECT_EQ(cnnrt_predict(instance, nullptr, 1, logits), -1);
  expectError("predict: the images pointer is NULL");
  EXPECT_EQ(cnnrt_predict(instance, images, 1, nullptr), -1);
  expectError("predict: the logits pointer is NULL");
  EXPECT_EQ(cnnrt_predict(instance, images, int64_t(1) << 62, logits), -1);
  expectError("predict: batch 4611686018427387904 is too large");
  EXPECT_EQ(cnnrt_predict(nullptr, images, 1, logits), -1);
  EXPECT_EQ(lastError(), "predict: the instance is NULL");
}

TEST_F(Instance, ReportsEntryPointFailures) {
  float images[4] = {0, -1, 0, 0}; // the fixture refuses negative pixels
  float logits[3];
  EXPECT_EQ(cnnrt_predict(instance, images, 1, logits), -1);
  expectError("forward returned status 1 (invalid argument)");
}

TEST_F(Instance, TrainStepCountsStepsAndChecksLabels) {
  float images[8] = {};
  int32_t labels[2] = {0, 2};
  float loss = -1;
  int64_t correct = -1;
  for (int64_t step = 1; step <= 3; ++step) {
    ASSERT_EQ(
        cnnrt_train_step(instance, images, labels, 2, 0.25f, &loss, &correct),
        0)
        << lastError();
    EXPECT_EQ(loss, static_cast<float>(step)); // the fixture echoes `step`
    EXPECT_EQ(correct, 2);
    EXPECT_EQ(cnnrt_instance_opt_state(instance)[0], static_cast<float>(step));
  }
  EXPECT_EQ(cnnrt_instance_step(instance), 3);
  EXPECT_EQ(cnnrt_instance_params(instance)[12], -0.75f);

  labels[1] = 3;
  EXPECT_EQ(
      cnnrt_train_step(instance, images, labels, 2, 0.25f, &loss, &correct),
      -1);
  expectError("train_step: label 3 of image 1 is not a class in [0, 3)");
  labels[1] = -1;
  EXPECT_EQ(cnnrt_evaluate(instance, images, labels, 2, &loss, &correct), -1);
  expectError("evaluate: label -1 of image 1 is not a class in [0, 3)");
  EXPECT_EQ(
      cnnrt_train_step(instance, images, nullptr, 2, 0.25f, &loss, &correct),
      -1);
  expectError("train_step: the labels pointer is NULL");
  labels[1] = 1;
  EXPECT_EQ(cnnrt_train_step(instance, images, labels, 2,
                             std::numeric_limits<float>::quiet_NaN(), &loss,
                             &correct),
            -1);
  expectError("train_step: learning rate nan is not a finite non-negative "
              "number");
  EXPECT_EQ(cnnrt_instance_step(instance), 3);
}

TEST_F(Instance, EvaluateDoesNotUpdate) {
  float images[12] = {};
  int32_t labels[3] = {0, 1, 0};
  float loss = 0;
  int64_t correct = 0;
  std::vector<float> before(cnnrt_instance_params(instance),
                            cnnrt_instance_params(instance) + 15);
  ASSERT_EQ(cnnrt_evaluate(instance, images, labels, 3, &loss, &correct), 0);
  EXPECT_EQ(loss, 0.5f);
  EXPECT_EQ(correct, 2);
  EXPECT_EQ(cnnrt_instance_step(instance), 0);
  EXPECT_EQ(std::memcmp(before.data(), cnnrt_instance_params(instance),
                        15 * sizeof(float)),
            0);
}

TEST_F(Instance, TrainingNeedsTrainingEntryPoints) {
  load(CNNRT_FIXTURE_TINY_INFERENCE);
  EXPECT_EQ(cnnrt_instance_opt_state_elements(instance), 0);
  EXPECT_NE(cnnrt_instance_opt_state(instance), nullptr);
  float images[4] = {};
  int32_t labels[1] = {0};
  float loss;
  int64_t correct;
  EXPECT_EQ(
      cnnrt_train_step(instance, images, labels, 1, 0.1f, &loss, &correct), -1);
  expectError("train_step: model compiled without training");
  EXPECT_EQ(cnnrt_evaluate(instance, images, labels, 1, &loss, &correct), -1);
  expectError("evaluate: model compiled without training");
  float logits[3];
  EXPECT_EQ(cnnrt_predict(instance, images, 1, logits), 0);
  float gradient[15];
  EXPECT_EQ(cnnrt_compute_gradients(instance, images, labels, 1, 1, 1,
                                    gradient, &loss, &correct),
            -1);
  expectError("compute_gradients: model compiled without training");
  EXPECT_EQ(cnnrt_apply_gradients(instance, gradient, 0.1f, 1), -1);
  expectError("apply_gradients: model compiled without training");
}

TEST_F(Instance, DeviceGradientsNeedAGpuModel) {
  float images[4] = {};
  int32_t labels[1] = {0};
  void *gradient = nullptr, *stream = nullptr;
  EXPECT_EQ(cnnrt_compute_gradients_on_device(instance, images, labels, 1, 1, 1,
                                              &gradient, &stream, nullptr,
                                              nullptr),
            -1);
  expectError("compute_gradients_on_device: only for a GPU (nvptx) model");
  EXPECT_EQ(cnnrt_apply_gradients_on_device(instance, 0.1f, 1), -1);
  expectError("apply_gradients_on_device: only for a GPU (nvptx) model");
  EXPECT_EQ(gradient, nullptr);
}

TEST_F(Instance, SaveAndLoadParams) {
  TempDir dir;
  std::string path = dir.file("tiny.params");
  float *params = cnnrt_instance_params(instance);
  std::vector<float> saved(params, params + 15);
  ASSERT_EQ(cnnrt_params_write(path.c_str(), params, 15), 0) << lastError();
  ASSERT_EQ(cnnrt_instance_reset(instance, 7), 0);
  EXPECT_NE(std::memcmp(saved.data(), params, 15 * sizeof(float)), 0);
  ASSERT_EQ(cnnrt_params_read(path.c_str(), params, 15), 0) << lastError();
  EXPECT_EQ(std::memcmp(saved.data(), params, 15 * sizeof(float)), 0);
}

} // namespace
