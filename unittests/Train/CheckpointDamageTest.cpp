//===- CheckpointDamageTest.cpp - every way a checkpoint can be wrong -----===//
//
// Truncation at every length, a flipped bit at every offset, wrong magic or
// version, another model's file (name, tensor shape, optimizer), headers
// claiming huge sizes in a tiny file: each load must fail with one line
// naming the file (and the byte offset), never crash, never allocate from
// the claim, and leave the instance untouched.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <zlib.h>

using namespace cnnrt_train_test;

namespace {

void putLE(Bytes &bytes, size_t offset, uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    bytes.at(offset + static_cast<size_t>(i)) =
        static_cast<unsigned char>(value >> (8 * i));
}

/// Recomputes the trailing CRC32 after an edit, so that the edit itself is
/// what the reader finds.
void fixCrc(Bytes &bytes) {
  uLong crc = crc32(0L, bytes.data(), static_cast<uInt>(bytes.size() - 4));
  putLE(bytes, bytes.size() - 4, crc, 4);
}

class Damage : public ::testing::Test {
protected:
  void SetUp() override {
    TestModel writer("test_model", 4, 3);
    // One epoch of 10 batches of 4 images, then 2 batches of the next.
    cnnrt_train_state state = cnnrt_train_state_initial(3);
    state.epoch = 1;
    state.step = 12;
    state.batch = 2;
    state.batch_size = 4;
    state.train_examples = 40;
    state.seen = 8;
    state.correct = 5;
    state.loss_sum = 9.5;
    path = dir.file("good.ckpt");
    ASSERT_EQ(
        cnnrt_checkpoint_save(path.c_str(), writer.instance, &state, nullptr),
        0)
        << lastError();
    good = readBytes(path);
    damaged = dir.file("damaged.ckpt");
  }

  /// Loads `bytes` into a fresh test_model (or `model`), expects failure
  /// and an unchanged instance, and returns the message.
  std::string loadFails(const Bytes &bytes, TestModel *model = nullptr) {
    writeBytes(damaged, bytes);
    TestModel fallback("test_model", 4, 3);
    TestModel &target = model ? *model : fallback;
    std::vector<float> params = target.params();
    cnnrt_train_state state = cnnrt_train_state_initial(0);
    EXPECT_EQ(cnnrt_checkpoint_load(damaged.c_str(), target.instance, &state,
                                    nullptr),
              -1);
    EXPECT_EQ(target.params(), params) << "instance changed by a failed load";
    std::string message = lastError();
    EXPECT_EQ(message.rfind(damaged + ": ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
    return message;
  }

  TempDir dir;
  std::string path, damaged;
  Bytes good;
};

TEST_F(Damage, GoodFileLoads) {
  TestModel model("test_model", 4, 3);
  cnnrt_train_state state;
  EXPECT_EQ(
      cnnrt_checkpoint_load(path.c_str(), model.instance, &state, nullptr), 0)
      << lastError();
  EXPECT_EQ(state.epoch, 1);
}

TEST_F(Damage, TruncatedAtEveryLength) {
  for (size_t length = 0; length < good.size(); ++length) {
    std::string message = loadFails(Bytes(good.begin(), good.begin() + length));
    bool explained = message.find("truncated") != std::string::npos ||
                     (length < 8 && message.find("not a cnnc checkpoint") !=
                                        std::string::npos);
    EXPECT_TRUE(explained) << length << ": " << message;
  }
}

TEST_F(Damage, FlippedBitAnywhereIsDetected) {
  for (size_t offset = 0; offset < good.size(); ++offset) {
    Bytes bytes = good;
    bytes[offset] ^= 0x10;
    std::string message = loadFails(bytes);
    if (offset >= 208) // past the fixed header only the CRC can tell
      EXPECT_NE(message.find("CRC32 mismatch"), std::string::npos)
          << offset << ": " << message;
  }
  Bytes bytes = good;
  bytes[good.size() - 20] ^= 1; // a parameter byte
  std::string message = loadFails(bytes);
  EXPECT_NE(message.find("byte offset " + std::to_string(good.size() - 4)),
            std::string::npos)
      << message;
}

TEST_F(Damage, WrongMagicAndVersion) {
  Bytes bytes = good;
  bytes[0] = 'X';
  EXPECT_NE(loadFails(bytes).find("bad magic at byte offset 0"),
            std::string::npos);
  bytes = good;
  putLE(bytes, 8, 1, 4); // the seed's format: refused by version
  fixCrc(bytes);
  EXPECT_NE(loadFails(bytes).find("unsupported format version 1 at byte "
                                  "offset 8 (this runtime reads version 2)"),
            std::string::npos);
}

TEST_F(Damage, AnotherModelIsNamedPrecisely) {
  TestModel other("other_model", 4, 3);
  EXPECT_NE(loadFails(good, &other)
                .find("model name 'test_model' at byte "
                      "offset 208 does not match "
                      "'other_model' of other_model.so"),
            std::string::npos)
      << lastError();
  TestModel reshaped("test_model", 3, 4);
  EXPECT_NE(loadFails(good, &reshaped)
                .find("tensor 0 'dense/kernel' [4, 3] at byte offset 221 "
                      "does not match tensor 0 'dense/kernel' [3, 4]"),
            std::string::npos)
      << lastError();
  TestModel adam("test_model", 4, 3, Kind::Learning, "adam");
  EXPECT_NE(loadFails(good, &adam)
                .find("optimizer 'sgd' at byte offset 218 "
                      "does not match 'adam'"),
            std::string::npos)
      << lastError();
}

TEST_F(Damage, HugeSizesInATinyFile) {
  // Each claim is CRC-consistent, so only the size checks can catch it.
  struct Case {
    size_t offset;
    uint64_t value;
    int size;
    const char *expected;
  } cases[] = {
      {32, 1ull << 62, 8, "impossible for a file of"}, // 4 * n overflows
      {32, 1ull << 40, 8, "truncated: the header"},    // 4 TiB claimed
      {40, ~0ull, 8, "impossible for a file of"},      // negative
      {12, 0xffffffffu, 4, "header size 4294967295 at byte offset 12"},
      {12, 64, 4, "header size 64 at byte offset 12"},
      {20, 0x7fffffffu, 4, "model name at byte offset 208 runs past"},
      {28, 0xffffffffu, 4, "4294967295 tensors at byte offset 28"},
      {48, ~0ull, 8, "impossible step -1 at byte offset 48"},
      {120, 1000, 4, "history of 1000 epochs at byte offset 120"},
      // Counters a run cannot reach (an edited checkpoint with a valid CRC
      // must not train on from an overflowing step counter).
      {48, 0x7fffffffffffffffull, 8,
       "impossible step 9223372036854775807 at byte offset 48"},
      {48, (1ull << 53) + 1, 8, "impossible step 9007199254740993"},
      {56, 13, 8, "impossible epoch 13 at byte offset 56"},
      {64, 13, 8, "impossible batch 13 at byte offset 64"},
      {80, 0, 8, "impossible batch size 0 at byte offset 80"},
      {88, 0, 8, "impossible training set size 0 at byte offset 88"},
      {112, 9, 8, "impossible images seen 9 at byte offset 112"},
      {112, 1, 8, "impossible images seen 1 at byte offset 112"},
      {104, 9, 8, "impossible correct count 9 at byte offset 104"},
      {96, 0xbff0000000000000ull, 8,
       "impossible loss sum -1 at byte offset 96"},
      // The callbacks' state (format version 2).
      {124, 4, 4, "4 class names at byte offset 124, but the model has 3"},
      {124, 1, 4, "class name length at byte offset"},
      {128, 0x4000000000000000ull, 8,
       "impossible learning-rate factor 2 at byte offset 128"},
      {128, 0, 8, "impossible learning-rate factor 0 at byte offset 128"},
      {144, 2, 8, "impossible plateau wait 2 at byte offset 144"},
      {152, ~0ull, 8, "impossible plateau cooldown -1 at byte offset 152"},
      {168, 5, 8, "impossible early-stopping wait 5 at byte offset 168"},
      {176, 2, 8, "impossible best epoch 2 at byte offset 176"},
      {192, 2, 8, "impossible stopped flag 2 at byte offset 192"},
      {200, 2, 4, "unknown flags 0x2 at byte offset 200"},
      {200, 1, 4, "truncated: the header (byte offsets 12, 32, 40, 200)"},
  };
  for (const Case &c : cases) {
    Bytes bytes = good;
    putLE(bytes, c.offset, c.value, c.size);
    fixCrc(bytes);
    EXPECT_NE(loadFails(bytes).find(c.expected), std::string::npos)
        << "offset " << c.offset << ": " << lastError();
  }
}

TEST_F(Damage, TrailingBytes) {
  Bytes bytes = good;
  bytes.insert(bytes.end(), {1, 2, 3, 4});
  EXPECT_NE(loadFails(bytes).find("trailing bytes"), std::string::npos);
}

TEST_F(Damage, NotAFile) {
  TestModel model("test_model", 4, 3);
  cnnrt_train_state state;
  EXPECT_EQ(cnnrt_checkpoint_load(dir.path().c_str(), model.instance, &state,
                                  nullptr),
            -1);
  EXPECT_EQ(lastError(), dir.path() + ": not a regular file");
  std::string missing = dir.file("missing.ckpt");
  EXPECT_EQ(
      cnnrt_checkpoint_load(missing.c_str(), model.instance, &state, nullptr),
      -1);
  EXPECT_EQ(lastError(),
            missing + ": cannot open checkpoint: No such file or directory");
}

} // namespace
