//===- CheckpointTest.cpp - checkpoint round trip, layout, atomic writes --===//
//
// A checkpoint must bring back parameters, optimizer state, training state
// and history bit for bit; its bytes must follow docs/checkpoint.md (checked
// here independently of the reader); and a failed save must leave the
// previous file untouched, with no temporary file behind.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

using namespace cnnrt_train_test;

namespace {

uint64_t getLE(const Bytes &bytes, size_t offset, int size) {
  uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | bytes.at(offset + static_cast<size_t>(i));
  return value;
}

/// A state with every field set to something recognizable.
cnnrt_train_state sampleState() {
  cnnrt_train_state state = cnnrt_train_state_initial(0x123456789abcdefull);
  state.step = 77;
  state.epoch = 2;
  state.batch = 5;
  state.batch_size = 16;
  state.train_examples = 1000;
  state.loss_sum = 12.375;
  state.correct = 40;
  state.seen = 80;
  state.lr_scale = 0.5;
  state.plateau_best = 0.25;
  state.plateau_wait = 1;
  state.stop_best = 0.875;
  state.best_epoch = 2;
  return state;
}

cnnrt_history sampleHistory() {
  cnnrt_history history = {0, 0, nullptr, 0, 0};
  cnnrt_epoch_record first = {0.75, 0.5, NAN, NAN, 0.01},
                     second = {0.5, 0.625, 0.25, 0.875, 0.005};
  EXPECT_EQ(cnnrt_history_append(&history, &first), 0);
  EXPECT_EQ(cnnrt_history_append(&history, &second), 0);
  return history;
}

/// Trains a few steps so that parameters and optimizer state are non-trivial.
void train(TestModel &model) {
  TestData data(40, 4, 3);
  for (int64_t b = 0; b < 4; ++b)
    ASSERT_EQ(cnnrt_train_step(model.instance, data.dataset.images + b * 40,
                               data.dataset.labels + b * 10, 10, 0.1f, nullptr,
                               nullptr),
              0)
        << cnnrt_last_error();
}

bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(Checkpoint, RoundTripRestoresEverythingBitForBit) {
  TempDir dir;
  TestModel saved("test_model", 4, 3),
      loaded("test_model", 4, 3, Kind::Learning, "sgd", 99);
  train(saved);
  ASSERT_NE(saved.params(), loaded.params());
  cnnrt_train_state state = sampleState();
  cnnrt_history history = sampleHistory();
  std::string path = dir.file("model.ckpt");
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), saved.instance, &state, &history), 0)
      << lastError();
  cnnrt_train_state restored;
  cnnrt_history restoredHistory = {0, 0, nullptr, 1, 0};
  ASSERT_EQ(cnnrt_checkpoint_load(path.c_str(), loaded.instance, &restored,
                                  &restoredHistory),
            0)
      << lastError();
  EXPECT_EQ(0, std::memcmp(saved.params().data(), loaded.params().data(),
                           15 * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(saved.optState().data(), loaded.optState().data(),
                           15 * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(&state, &restored, sizeof state));
  ASSERT_EQ(restoredHistory.count, 2);
  EXPECT_EQ(restoredHistory.has_validation, 1); // kept from the caller
  for (int i = 0; i < 2; ++i) {
    const cnnrt_epoch_record &a = history.records[i],
                             &b = restoredHistory.records[i];
    EXPECT_TRUE(sameBits(a.loss, b.loss) && sameBits(a.accuracy, b.accuracy) &&
                sameBits(a.val_loss, b.val_loss) &&
                sameBits(a.val_accuracy, b.val_accuracy))
        << "epoch " << i + 1;
  }
  cnnrt_history_clear(&history);
  cnnrt_history_clear(&restoredHistory);
}

TEST(Checkpoint, InferenceOnlyModelTakesTheParameters) {
  TempDir dir;
  TestModel saved("test_model", 4, 3);
  TestModel loaded("test_model", 4, 3, Kind::InferenceOnly, "", 99);
  train(saved);
  cnnrt_train_state state = sampleState();
  std::string path = dir.file("deploy.ckpt");
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), saved.instance, &state, nullptr), 0);
  cnnrt_train_state restored;
  ASSERT_EQ(
      cnnrt_checkpoint_load(path.c_str(), loaded.instance, &restored, nullptr),
      0)
      << lastError();
  EXPECT_EQ(loaded.params(), saved.params());
  EXPECT_EQ(restored.step, 77);
}

TEST(Checkpoint, BytesFollowTheDocumentedLayout) {
  TempDir dir;
  TestModel model("test_model", 4, 3);
  train(model);
  cnnrt_train_state state = sampleState();
  cnnrt_history history = sampleHistory();
  std::string path = dir.file("layout.ckpt");
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, &history), 0);
  cnnrt_history_clear(&history);
  Bytes bytes = readBytes(path);
  // Fixed header, names, tensor table (40 + name bytes each), 2 history
  // records of 40 bytes, no class names.
  size_t header = 208 + 10 + 3 + (40 + 12) + (40 + 10) + 2 * 40;
  ASSERT_EQ(bytes.size(), header + 4 * (15 + 15) + 4);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "CNNCCKPT");
  EXPECT_EQ(getLE(bytes, 8, 4), 2u);      // format version
  EXPECT_EQ(getLE(bytes, 12, 4), header); // header size
  EXPECT_EQ(getLE(bytes, 16, 4), CNNC_ABI_VERSION);
  EXPECT_EQ(getLE(bytes, 20, 4), 10u); // "test_model"
  EXPECT_EQ(getLE(bytes, 24, 4), 3u);  // "sgd"
  EXPECT_EQ(getLE(bytes, 28, 4), 2u);  // tensors
  EXPECT_EQ(getLE(bytes, 32, 8), 15u); // param_elements
  EXPECT_EQ(getLE(bytes, 40, 8), 15u); // opt_state_elements
  EXPECT_EQ(getLE(bytes, 48, 8), 77u); // step
  EXPECT_EQ(getLE(bytes, 56, 8), 2u);  // epoch
  EXPECT_EQ(getLE(bytes, 64, 8), 5u);  // batch
  EXPECT_EQ(getLE(bytes, 72, 8), 0x123456789abcdefull);
  EXPECT_EQ(getLE(bytes, 120, 4), 2u);                    // history records
  EXPECT_EQ(getLE(bytes, 124, 4), 0u);                    // class names
  EXPECT_EQ(getLE(bytes, 128, 8), 0x3fe0000000000000ull); // lr_scale 0.5
  EXPECT_EQ(getLE(bytes, 144, 8), 1u);                    // plateau wait
  EXPECT_EQ(getLE(bytes, 176, 8), 2u);                    // best epoch
  EXPECT_EQ(getLE(bytes, 192, 8), 0u);                    // not stopped
  EXPECT_EQ(getLE(bytes, 200, 4), 0u);                    // no best parameters
  EXPECT_EQ(std::string(bytes.begin() + 208, bytes.begin() + 221),
            "test_modelsgd");
  EXPECT_EQ(getLE(bytes, 221, 4), 12u); // "dense/kernel"
  EXPECT_EQ(getLE(bytes, 225, 4), 2u);  // rank
  EXPECT_EQ(getLE(bytes, 229, 8), 4u);  // shape [4, 3, 0, 0]
  EXPECT_EQ(getLE(bytes, 237, 8), 3u);
  EXPECT_EQ(getLE(bytes, 245, 8), 0u);
  // The second record's learning rate ends the history.
  EXPECT_EQ(getLE(bytes, header - 8, 8), 0x3f747ae147ae147bull); // 0.005
  uint32_t firstParam = static_cast<uint32_t>(getLE(bytes, header, 4));
  float value;
  std::memcpy(&value, &firstParam, sizeof value);
  EXPECT_EQ(value, model.params()[0]);
  uLong crc = crc32(0L, bytes.data(), static_cast<uInt>(bytes.size() - 4));
  EXPECT_EQ(getLE(bytes, bytes.size() - 4, 4), crc);
}

TEST(Checkpoint, ClassNamesAndBestParametersRoundTrip) {
  TempDir dir;
  TestModel saved("test_model", 4, 3);
  train(saved);
  cnnrt_train_state state = sampleState();
  std::vector<float> best(15);
  for (int i = 0; i < 15; ++i)
    best[i] = 0.5f * float(i) - 3.0f;
  const char *names[] = {"cat", "dog house", "emu"};
  cnnrt_checkpoint_extras extras = {best.data(), 0, const_cast<char **>(names),
                                    3};
  std::string path = dir.file("extras.ckpt");
  ASSERT_EQ(cnnrt_checkpoint_save_extras(path.c_str(), saved.instance, &state,
                                         nullptr, &extras),
            0)
      << lastError();
  TestModel loaded("test_model", 4, 3);
  std::vector<float> readBest(15, 0.0f);
  cnnrt_checkpoint_extras read = {readBest.data(), 0, nullptr, 0};
  cnnrt_train_state restored;
  ASSERT_EQ(cnnrt_checkpoint_load_extras(path.c_str(), loaded.instance,
                                         &restored, nullptr, &read),
            0)
      << lastError();
  EXPECT_EQ(read.has_best_params, 1);
  EXPECT_EQ(readBest, best);
  ASSERT_EQ(read.num_class_names, 3);
  EXPECT_STREQ(read.class_names[1], "dog house");
  cnnrt_class_names_free(read.class_names, read.num_class_names);
  EXPECT_EQ(std::memcmp(&restored, &state, sizeof state), 0);
  EXPECT_EQ(loaded.params(), saved.params());
  // Plain loads skip both; names a model cannot have are refused.
  ASSERT_EQ(
      cnnrt_checkpoint_load(path.c_str(), loaded.instance, &restored, nullptr),
      0);
  const char *four[] = {"a", "b", "c", "d"};
  cnnrt_checkpoint_extras tooMany = {nullptr, 0, const_cast<char **>(four), 4};
  EXPECT_EQ(cnnrt_checkpoint_save_extras(path.c_str(), saved.instance, &state,
                                         nullptr, &tooMany),
            -1);
  EXPECT_EQ(lastError(), path + ": 4 class names for a model of 3 classes");
}

TEST(Checkpoint, SaveReplacesTheFileAndLeavesNoTemporaryFile) {
  TempDir dir;
  TestModel model("test_model", 4, 3);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  std::string path = dir.file("a.ckpt");
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr), 0);
  Bytes before = readBytes(path);
  train(model);
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr), 0);
  EXPECT_NE(readBytes(path), before);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"a.ckpt"});
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

/// Saves `model` to `path` in a child process whose file size limit is
/// `limit` bytes; returns the child's exit status (0: save failed with a
/// message about `path`).
int saveWithFileSizeLimit(TestModel &model, const std::string &path,
                          rlim_t limit) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN); // writes past the limit fail with EFBIG
    struct rlimit rl = {limit, limit};
    setrlimit(RLIMIT_FSIZE, &rl);
    cnnrt_train_state state = cnnrt_train_state_initial(5);
    int rc =
        cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr);
    _exit(rc == -1 && lastError().rfind(path + ": ", 0) == 0 ? 0 : 1);
  }
  int status = -1;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(CheckpointAtomic, FailedWriteKeepsTheOldFile) {
  // Works as root too: the file size limit applies to every user.
  TempDir dir;
  TestModel model("test_model", 4, 3);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  std::string path = dir.file("keep.ckpt");
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr), 0);
  Bytes before = readBytes(path);
  train(model);
  EXPECT_EQ(saveWithFileSizeLimit(model, path, 200), 0);
  EXPECT_EQ(readBytes(path), before);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"keep.ckpt"});
}

TEST(CheckpointAtomic, UnwritableDirectoryKeepsTheOldFile) {
  if (geteuid() == 0)
    GTEST_SKIP() << "running as root: directory permissions do not stop "
                    "root (FailedWriteKeepsTheOldFile covers a failing "
                    "write instead)";
  TempDir dir;
  TestModel model("test_model", 4, 3);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  std::string path = dir.file("keep.ckpt");
  ASSERT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr), 0);
  Bytes before = readBytes(path);
  train(model);
  ASSERT_EQ(chmod(dir.path().c_str(), 0555), 0);
  EXPECT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr), -1);
  EXPECT_NE(lastError().find("Permission denied"), std::string::npos)
      << lastError();
  chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(readBytes(path), before);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"keep.ckpt"});
}

TEST(CheckpointAtomic, MissingDirectoryIsReported) {
  TempDir dir;
  TestModel model("test_model", 4, 3);
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  std::string path = dir.file("missing/x.ckpt");
  EXPECT_EQ(
      cnnrt_checkpoint_save(path.c_str(), model.instance, &state, nullptr), -1);
  EXPECT_EQ(lastError().rfind(path + ": cannot create a temporary file", 0), 0u)
      << lastError();
}

} // namespace
