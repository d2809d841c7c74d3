//===- CallbacksTest.cpp - schedules, plateaus, early stopping ------------===//
//
// Keras's formulas for the learning-rate schedules, the learning rate the
// fit loop passes to every step (the counting model subtracts it from a
// parameter), ReduceLROnPlateau's reductions and cooldown, EarlyStopping
// with restore_best_weights, the best-only checkpoint, and a run with all
// of them that is interrupted in the middle of an epoch, checkpointed and
// resumed: bit-identical to the uninterrupted run.
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
  result.learning_rate = 0.25f;
  result.train = cnnrt_data_view_first(&data.dataset, -1);
  return result;
}

TEST(Schedule, FollowsKerasFormulas) {
  cnnrt_lr_schedule constant = {CNNRT_LR_CONSTANT, 0, 0, 0};
  EXPECT_EQ(cnnrt_lr_schedule_rate(&constant, 0.1, 77, 10, 5), 0.1);
  // Every 2 epochs of 10 steps, x 0.5 (ExponentialDecay, staircase).
  cnnrt_lr_schedule step = {CNNRT_LR_STEP, 0.5, 2, 0};
  EXPECT_EQ(cnnrt_lr_schedule_rate(&step, 0.1, 19, 10, 5), 0.1);
  EXPECT_EQ(cnnrt_lr_schedule_rate(&step, 0.1, 20, 10, 5), 0.05);
  EXPECT_EQ(cnnrt_lr_schedule_rate(&step, 0.1, 45, 10, 5), 0.025);
  cnnrt_lr_schedule exponential = {CNNRT_LR_EXPONENTIAL, 0.5, 1, 0};
  EXPECT_DOUBLE_EQ(cnnrt_lr_schedule_rate(&exponential, 0.1, 5, 10, 5),
                   0.1 * std::pow(0.5, 0.5));
  // CosineDecay over the whole run (5 epochs of 10 steps), alpha 0.1.
  cnnrt_lr_schedule cosine = {CNNRT_LR_COSINE, 0, 0, 0.1};
  EXPECT_DOUBLE_EQ(cnnrt_lr_schedule_rate(&cosine, 0.1, 0, 10, 5), 0.1);
  EXPECT_DOUBLE_EQ(cnnrt_lr_schedule_rate(&cosine, 0.1, 25, 10, 5),
                   0.1 * (0.9 * 0.5 + 0.1));
  EXPECT_DOUBLE_EQ(cnnrt_lr_schedule_rate(&cosine, 0.1, 50, 10, 5), 0.01);
  EXPECT_DOUBLE_EQ(cnnrt_lr_schedule_rate(&cosine, 0.1, 80, 10, 5), 0.01);
}

TEST(Schedule, EveryStepGetsTheScheduledRate) {
  TestModel model("test_model", 4, 3, Kind::Counting);
  TestData data(12, 4, 3);
  cnnrt_fit_options fit = options(data, 3, 4); // 3 steps per epoch
  fit.schedule = {CNNRT_LR_STEP, 0.5, 1, 0};
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  float before = model.params()[0];
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            0)
      << lastError();
  // 3 steps at 0.25, 3 at 0.125, 3 at 0.0625 (float subtractions).
  float expected = before;
  for (float rate : {0.25f, 0.125f, 0.0625f})
    for (int i = 0; i < 3; ++i)
      expected -= rate;
  EXPECT_EQ(model.params()[0], expected);
  EXPECT_EQ(history.has_learning_rate, 1);
  EXPECT_EQ(history.records[2].learning_rate, 0.0625);
  cnnrt_history_clear(&history);
}

TEST(Plateau, ReducesAfterPatienceThenCoolsDown) {
  // The counting model's loss never changes: no epoch after the first
  // improves on it.
  TestModel model("test_model", 4, 3, Kind::Counting);
  TestData data(8, 4, 3);
  cnnrt_fit_options fit = options(data, 7, 4);
  fit.plateau = {1, CNNRT_MONITOR_LOSS, 0.5, 2, 1e-4, 1, 0.05};
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  cnnrt_fit_stats stats;
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, &stats),
            0)
      << lastError();
  // Epoch 1 sets the best; 2, 3 wait: reduced after 3. Epoch 4 ends the
  // cooldown and, as in Keras, already counts as a wait: reduced after 5,
  // and after 7 not below min_lr 0.05.
  std::vector<double> rates;
  for (int i = 0; i < 7; ++i)
    rates.push_back(history.records[i].learning_rate);
  EXPECT_EQ(rates, (std::vector<double>{0.25, 0.25, 0.25, 0.125, 0.125, 0.0625,
                                        0.0625}));
  EXPECT_EQ(stats.lr_reductions, 3);
  EXPECT_EQ(state.lr_scale, 0.05 / 0.25);
  cnnrt_history_clear(&history);
}

TEST(EarlyStopping, StopsAndRestoresTheBestWeights) {
  TestModel model("test_model", 4, 3);
  TestData data(60, 4, 3);
  cnnrt_fit_options fit = options(data, 50, 10);
  fit.learning_rate = 0.5f;
  // Accuracy on the training set saturates: stop 3 epochs after its best.
  fit.early_stopping = {1, CNNRT_MONITOR_ACCURACY, 3, 0.0, 1};
  std::vector<float> best(15);
  fit.best_params = best.data();
  cnnrt_train_state state = cnnrt_train_state_initial(4);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  cnnrt_fit_stats stats;
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, &stats),
            0)
      << lastError();
  EXPECT_EQ(stats.early_stopped, 1);
  EXPECT_EQ(state.stopped, 1);
  ASSERT_LT(history.count, 50);
  EXPECT_EQ(state.epoch, state.best_epoch + 3);
  EXPECT_EQ(state.stop_best, history.records[state.best_epoch - 1].accuracy);
  for (int64_t i = state.best_epoch; i < history.count; ++i)
    EXPECT_LE(history.records[i].accuracy, state.stop_best);
  EXPECT_EQ(model.params(), best);
  // A stopped run trains no more.
  fit.epochs = 60;
  int64_t epochs = history.count;
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            0);
  EXPECT_EQ(history.count, epochs);
  cnnrt_history_clear(&history);
}

TEST(EarlyStopping, RefusesMonitorsWithoutData) {
  TestModel model("test_model", 4, 3);
  TestData data(20, 4, 3);
  cnnrt_fit_options fit = options(data, 2, 10);
  fit.early_stopping = {1, CNNRT_MONITOR_VAL_LOSS, 1, 0.0, 0};
  cnnrt_train_state state = cnnrt_train_state_initial(4);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  EXPECT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            -1);
  EXPECT_EQ(lastError().rfind("--early-stopping: monitors val_loss, but there "
                              "is no validation data",
                              0),
            0u)
      << lastError();
  fit.early_stopping = {1, CNNRT_MONITOR_LOSS, 1, 0.0, 1};
  EXPECT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            -1);
  EXPECT_NE(lastError().find("restore_best_weights needs a buffer"),
            std::string::npos);
}

TEST(BestCheckpoint, IsWrittenOnlyWhenTheMonitorImproves) {
  TempDir dir;
  TestModel model("test_model", 4, 3);
  TestData data(60, 4, 3);
  cnnrt_fit_options fit = options(data, 8, 10);
  ASSERT_EQ(cnnrt_validation_split(fit.train, 0.5, &fit.train, &fit.validation),
            0);
  std::string best = dir.file("best.ckpt");
  fit.best_checkpoint = best.c_str();
  fit.best_monitor = CNNRT_MONITOR_VAL_LOSS;
  cnnrt_train_state state = cnnrt_train_state_initial(2);
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(model.instance, &fit, &state, &history, nullptr, nullptr),
            0)
      << lastError();
  int64_t bestEpoch = 1;
  for (int64_t i = 1; i < history.count; ++i)
    if (history.records[i].val_loss < history.records[bestEpoch - 1].val_loss)
      bestEpoch = i + 1;
  TestModel loaded("test_model", 4, 3);
  cnnrt_train_state saved;
  ASSERT_EQ(
      cnnrt_checkpoint_load(best.c_str(), loaded.instance, &saved, nullptr), 0);
  EXPECT_EQ(saved.epoch, bestEpoch);
  EXPECT_EQ(saved.save_best, history.records[bestEpoch - 1].val_loss);
  cnnrt_history_clear(&history);
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

/// A fit with every schedule and callback on.
/// (`checkpoint` must outlive the options.)
cnnrt_fit_options everything(const TestData &data, std::vector<float> &best,
                             const std::string &checkpoint) {
  cnnrt_fit_options fit = options(data, 12, 7);
  EXPECT_EQ(cnnrt_validation_split(fit.train, 0.3, &fit.train, &fit.validation),
            0);
  fit.schedule = {CNNRT_LR_COSINE, 0, 0, 0.2};
  fit.plateau = {1, CNNRT_MONITOR_VAL_ACCURACY, 0.5, 1, 0.0, 0, 0.0};
  fit.early_stopping = {1, CNNRT_MONITOR_VAL_ACCURACY, 4, 0.0, 1};
  fit.best_params = best.data();
  fit.checkpoint = checkpoint.c_str();
  return fit;
}

TEST(Callbacks, ResumeInTheMiddleOfAnEpochIsBitIdentical) {
  TempDir dir;
  TestData data(70, 4, 3);
  std::vector<float> bestA(15), bestB(15);
  TestModel a("test_model", 4, 3);
  std::string checkpointA = dir.file("a.ckpt");
  cnnrt_fit_options fitA = everything(data, bestA, checkpointA);
  cnnrt_train_state stateA = cnnrt_train_state_initial(8);
  cnnrt_history historyA = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(a.instance, &fitA, &stateA, &historyA, nullptr, nullptr),
            0)
      << lastError();
  // Every callback acted: reductions, a stop before epoch 12, a restore.
  EXPECT_LT(stateA.lr_scale, 0.5);
  EXPECT_EQ(stateA.stopped, 1);
  EXPECT_LT(stateA.best_epoch, stateA.epoch);
  EXPECT_GT(stateA.epoch, 4);

  TestModel b1("test_model", 4, 3);
  std::string checkpoint = dir.file("b.ckpt");
  cnnrt_fit_options fitB = everything(data, bestB, checkpoint);
  cnnrt_train_state stateB = cnnrt_train_state_initial(8);
  cnnrt_history historyB = {0, 0, nullptr, 0, 0};
  Stopper stopper = {3, 4};
  cnnrt_fit_callbacks callbacks = {&stopper, stopperEpochBegin, stopperBatchEnd,
                                   nullptr};
  cnnrt_fit_stats stats;
  ASSERT_EQ(
      cnnrt_fit(b1.instance, &fitB, &stateB, &historyB, &callbacks, &stats), 0);
  ASSERT_EQ(stats.stopped, 1);
  cnnrt_checkpoint_extras extras = cnnrt_checkpoint_extras();
  extras.best_params = bestB.data();
  ASSERT_EQ(cnnrt_checkpoint_save_extras(checkpoint.c_str(), b1.instance,
                                         &stateB, &historyB, &extras),
            0);
  cnnrt_history_clear(&historyB);

  TestModel b2("test_model", 4, 3, Kind::Learning, "sgd", 99);
  std::vector<float> bestC(15, 0.0f);
  cnnrt_fit_options fitC = everything(data, bestC, checkpoint);
  cnnrt_checkpoint_extras read = cnnrt_checkpoint_extras();
  read.best_params = bestC.data();
  cnnrt_train_state resumed;
  ASSERT_EQ(cnnrt_checkpoint_load_extras(checkpoint.c_str(), b2.instance,
                                         &resumed, &historyB, &read),
            0)
      << lastError();
  EXPECT_EQ(read.has_best_params, 1);
  ASSERT_EQ(
      cnnrt_fit(b2.instance, &fitC, &resumed, &historyB, nullptr, nullptr), 0);
  EXPECT_EQ(std::memcmp(&stateA, &resumed, sizeof stateA), 0);
  EXPECT_EQ(a.params(), b2.params());
  EXPECT_EQ(a.optState(), b2.optState());
  EXPECT_EQ(bestA, bestC);
  ASSERT_EQ(historyA.count, historyB.count);
  EXPECT_EQ(std::memcmp(historyA.records, historyB.records,
                        sizeof(cnnrt_epoch_record) * historyA.count),
            0);
  // The final checkpoints of both runs are the same bytes.
  EXPECT_EQ(readBytes(checkpointA), readBytes(checkpoint));
  cnnrt_history_clear(&historyA);
  cnnrt_history_clear(&historyB);
}

} // namespace
