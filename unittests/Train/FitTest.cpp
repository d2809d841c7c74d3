//===- FitTest.cpp - the epoch loop, its metrics and exact resume ---------===//
//
// The fit loop must learn (a sanity check with a real gradient), weight
// epoch means by batch size, pass Adam-style step numbers on, and continue
// from a checkpoint taken at an epoch boundary or in the middle of an epoch
// with bit-identical parameters, optimizer state and history.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace cnnrt_train_test;

namespace {

cnnrt_fit_options options(const TestData &data, int64_t epochs, int64_t batch) {
  cnnrt_fit_options result;
  std::memset(&result, 0, sizeof result);
  result.epochs = epochs;
  result.batch_size = batch;
  result.learning_rate = 0.3f;
  result.train = cnnrt_data_view_first(&data.dataset, -1);
  return result;
}

bool sameBits(const void *a, const void *b, size_t size) {
  return std::memcmp(a, b, size) == 0;
}

/// Expects two runs to have ended in bit-identical places.
void expectSameRun(TestModel &a, const cnnrt_history &historyA,
                   const cnnrt_train_state &stateA, TestModel &b,
                   const cnnrt_history &historyB,
                   const cnnrt_train_state &stateB) {
  EXPECT_TRUE(sameBits(a.params().data(), b.params().data(), 15 * 4));
  EXPECT_TRUE(sameBits(a.optState().data(), b.optState().data(), 15 * 4));
  EXPECT_TRUE(sameBits(&stateA, &stateB, sizeof stateA));
  ASSERT_EQ(historyA.count, historyB.count);
  EXPECT_TRUE(sameBits(historyA.records, historyB.records,
                       sizeof(cnnrt_epoch_record) * historyA.count));
}

TEST(Fit, LearnsASimpleTask) {
  TestModel model("test_model", 4, 3);
  TestData data(300, 4, 3);
  cnnrt_fit_options fit = options(data, 6, 16);
  ASSERT_EQ(cnnrt_validation_split(fit.train, 0.2, &fit.train, &fit.validation),
            0);
  cnnrt_train_state state = cnnrt_train_state_initial(5);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  cnnrt_fit_stats stats;
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, &stats),
            0)
      << lastError();
  ASSERT_EQ(history.count, 6);
  EXPECT_EQ(history.has_validation, 1);
  EXPECT_LT(history.records[5].loss, history.records[0].loss);
  EXPECT_GT(history.records[5].val_accuracy, 0.8); // chance: 1/3
  EXPECT_EQ(stats.steps, 6 * 15); // 240 images in batches of 16
  EXPECT_EQ(stats.images, 6 * 240);
  EXPECT_EQ(state.step, 90);
  EXPECT_EQ(state.epoch, 6);
  cnnrt_eval_result result;
  int64_t confusion[9];
  ASSERT_EQ(cnnrt_evaluate_view(model.instance, fit.validation, 7, &result,
                                confusion),
            0);
  EXPECT_EQ(result.count, 60);
  EXPECT_DOUBLE_EQ(result.accuracy, history.records[5].val_accuracy);
  EXPECT_NEAR(result.loss, history.records[5].val_loss, 1e-5);
  EXPECT_EQ(confusion[0] + confusion[4] + confusion[8], result.correct);
  int64_t total = 0;
  for (int64_t count : confusion)
    total += count;
  EXPECT_EQ(total, 60);
  cnnrt_history_clear(&history);
}

TEST(Fit, EpochMeansAreWeightedByBatchSize) {
  TestModel model("test_model", 4, 3, Kind::Counting);
  TestData data(10, 4, 3);
  cnnrt_fit_options fit = options(data, 2, 4);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            0);
  // Batches of 4, 4, 2 report loss = size and 1 correct image each.
  EXPECT_DOUBLE_EQ(history.records[0].loss, (16.0 + 16.0 + 4.0) / 10.0);
  EXPECT_DOUBLE_EQ(history.records[0].accuracy, 0.3);
  EXPECT_TRUE(std::isnan(history.records[0].val_loss));
  EXPECT_EQ(state.step, 6);
  EXPECT_EQ(model.optState()[0], 6.0f); // train_step saw step = 6 last
  fit.epochs = 3;
  fit.max_steps = 2; // the third epoch stops after 2 batches
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            0);
  ASSERT_EQ(history.count, 3);
  EXPECT_DOUBLE_EQ(history.records[2].loss, 4.0);
  EXPECT_DOUBLE_EQ(history.records[2].accuracy, 0.25);
  EXPECT_EQ(state.step, 8);
  cnnrt_history_clear(&history);
}

// The step counter never passes CNNRT_MAX_STEPS (checkpoints beyond it are
// refused), so step + 1 cannot overflow: the run stops with an error there.
TEST(Fit, StopsAtTheStepLimit) {
  TestModel model("test_model", 4, 3, Kind::Counting);
  TestData data(10, 4, 3);
  cnnrt_fit_options fit = options(data, 1, 4);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  state.step = CNNRT_MAX_STEPS - 1;
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            -1);
  EXPECT_EQ(state.step, CNNRT_MAX_STEPS);
  EXPECT_NE(std::string(cnnrt_train_last_error())
                .find("the run has taken 9007199254740992 steps, the most a "
                      "run may take"),
            std::string::npos)
      << cnnrt_train_last_error();
  cnnrt_history_clear(&history);
}

TEST(Fit, ResumeFromAnEpochCheckpointIsBitIdentical) {
  TempDir dir;
  TestData data(50, 4, 3);
  std::string checkpoint = dir.file("run.ckpt");
  TestModel a("test_model", 4, 3);
  cnnrt_fit_options fit = options(data, 3, 8);
  cnnrt_train_state stateA = cnnrt_train_state_initial(21);
  cnnrt_history historyA = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(a.instance, &fit, &stateA, &historyA, nullptr, nullptr),
            0);

  TestModel b1("test_model", 4, 3);
  cnnrt_train_state stateB = cnnrt_train_state_initial(21);
  cnnrt_history historyB = {0, 0, nullptr, 0, 0};
  fit.epochs = 1;
  fit.checkpoint = checkpoint.c_str();
  ASSERT_EQ(cnnrt_fit(b1.instance, &fit, &stateB, &historyB, nullptr, nullptr),
            0);
  TestModel b2("test_model", 4, 3, Kind::Learning, "sgd", 1234);
  cnnrt_train_state resumed;
  ASSERT_EQ(cnnrt_checkpoint_load(checkpoint.c_str(), b2.instance, &resumed,
                                  &historyB),
            0)
      << lastError();
  EXPECT_EQ(resumed.epoch, 1);
  fit.epochs = 3;
  ASSERT_EQ(cnnrt_fit(b2.instance, &fit, &resumed, &historyB, nullptr, nullptr),
            0);
  expectSameRun(a, historyA, stateA, b2, historyB, resumed);
  cnnrt_history_clear(&historyA);
  cnnrt_history_clear(&historyB);
}

/// Stops the fit after batch `stopAt` of epoch `epoch` (0-based).
struct Stopper {
  int64_t epoch, stopAt, current = -1;
};

void stopperEpochBegin(void *context, int64_t epoch, int64_t, int64_t) {
  static_cast<Stopper *>(context)->current = epoch;
}

int stopperBatchEnd(void *context, int64_t done, int64_t, double, double) {
  auto *stopper = static_cast<Stopper *>(context);
  return stopper->current == stopper->epoch && done == stopper->stopAt;
}

TEST(Fit, ResumeFromTheMiddleOfAnEpochIsBitIdentical) {
  TempDir dir;
  TestData data(45, 4, 3);
  TestModel a("test_model", 4, 3);
  cnnrt_fit_options fit = options(data, 3, 7);
  cnnrt_train_state stateA = cnnrt_train_state_initial(8);
  cnnrt_history historyA = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(a.instance, &fit, &stateA, &historyA, nullptr, nullptr),
            0);

  TestModel b1("test_model", 4, 3);
  cnnrt_train_state stateB = cnnrt_train_state_initial(8);
  cnnrt_history historyB = {0, 0, nullptr, 0, 0};
  Stopper stopper = {1, 3};
  cnnrt_fit_callbacks callbacks = {&stopper, stopperEpochBegin, stopperBatchEnd,
                                   nullptr};
  cnnrt_fit_stats stats;
  ASSERT_EQ(
      cnnrt_fit(b1.instance, &fit, &stateB, &historyB, &callbacks, &stats), 0);
  EXPECT_EQ(stats.stopped, 1);
  EXPECT_EQ(stateB.epoch, 1);
  EXPECT_EQ(stateB.batch, 3);
  EXPECT_EQ(stateB.seen, 21);
  std::string checkpoint = dir.file("mid.ckpt");
  ASSERT_EQ(cnnrt_checkpoint_save(checkpoint.c_str(), b1.instance, &stateB,
                                  &historyB),
            0);
  cnnrt_history_clear(&historyB);

  TestModel b2("test_model", 4, 3, Kind::Learning, "sgd", 99);
  cnnrt_train_state resumed;
  ASSERT_EQ(cnnrt_checkpoint_load(checkpoint.c_str(), b2.instance, &resumed,
                                  &historyB),
            0);
  ASSERT_EQ(cnnrt_fit(b2.instance, &fit, &resumed, &historyB, nullptr, nullptr),
            0);
  expectSameRun(a, historyA, stateA, b2, historyB, resumed);

  // The middle of an epoch only makes sense with the same batches.
  TestModel b3("test_model", 4, 3);
  ASSERT_EQ(
      cnnrt_checkpoint_load(checkpoint.c_str(), b3.instance, &resumed, nullptr),
      0);
  fit.batch_size = 8;
  EXPECT_EQ(cnnrt_fit(b3.instance, &fit, &resumed, &historyB, nullptr, nullptr),
            -1);
  EXPECT_NE(lastError().find("same --batch"), std::string::npos) << lastError();
  cnnrt_history_clear(&historyA);
  cnnrt_history_clear(&historyB);
}

TEST(Fit, RejectsUnusableModelsAndData) {
  TestData data(10, 4, 3);
  cnnrt_fit_options fit = options(data, 1, 4);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  TestModel inference("test_model", 4, 3, Kind::InferenceOnly);
  EXPECT_EQ(
      cnnrt_fit(inference.instance, &fit, &state, &history, nullptr, nullptr),
      -1);
  EXPECT_EQ(lastError(), "test_model.so: model compiled without training (no "
                         "train_step entry point)");
  TestModel model("test_model", 4, 3);
  data.dataset.labels[6] = 3;
  EXPECT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            -1);
  EXPECT_EQ(lastError(), "training data: label 3 of image 6 is not one of the "
                         "3 classes of test_model.so");
  TestData other(10, 3, 3);
  fit.train = cnnrt_data_view_first(&other.dataset, -1);
  EXPECT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            -1);
  EXPECT_EQ(lastError(), "training data: images are 1x3x1 but test_model.so "
                         "expects 1x4x1");
  fit.train.count = 0;
  EXPECT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            -1);
  EXPECT_EQ(history.count, 0);
}

} // namespace
