//===- AugmentTest.cpp - seeded augmentation and the batch producer -------===//
//
// Each transform does what its Keras layer does (flip, reflected shift,
// zero-padded crop, clipped brightness, mean-preserving contrast); an
// image's augmentation depends on (seed, epoch, image) only, so batch size
// and the producer thread change nothing; and a fit with augmentation on
// that is interrupted in the middle of an epoch and resumed from its
// checkpoint is bit-identical to the uninterrupted run.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include "Internal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace cnnrt_train_test;

namespace {

/// A 4x5x2 image with distinct values (y, x, c) -> 0.01 (10 y + x) + 0.5 c.
std::vector<float> sampleImage() {
  std::vector<float> image(4 * 5 * 2);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 2; ++c)
        image[(y * 5 + x) * 2 + c] = 0.01f * float(10 * y + x) + 0.5f * c;
  return image;
}

std::vector<float> augment(const cnnrt_augmentation &a, uint64_t epoch,
                           int64_t index, uint64_t seed = 3) {
  std::vector<float> source = sampleImage(), out(source.size());
  cnnrt_augment_image(&a, seed, epoch, index, 4, 5, 2, source.data(),
                      out.data());
  return out;
}

TEST(Augment, FlipMirrorsAboutHalfTheImages) {
  cnnrt_augmentation flip = {1, 0, 0, 0, 0, 0, 0};
  std::vector<float> source = sampleImage();
  int flipped = 0;
  for (int64_t index = 0; index < 200; ++index) {
    std::vector<float> out = augment(flip, 0, index);
    if (out == source)
      continue;
    ++flipped;
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x)
        for (int c = 0; c < 2; ++c)
          ASSERT_EQ(out[(y * 5 + x) * 2 + c],
                    source[(y * 5 + (4 - x)) * 2 + c]);
  }
  EXPECT_GT(flipped, 70);
  EXPECT_LT(flipped, 130);
}

TEST(Augment, CropPadsWithZerosAndTranslateReflects) {
  std::vector<float> source = sampleImage();
  cnnrt_augmentation crop = {0, 0, 2, 0, 0, 0, 0};
  bool sawShift = false;
  for (int64_t index = 0; index < 50; ++index) {
    std::vector<float> out = augment(crop, 1, index);
    // Find the shift: the pixel that holds source (1, 2) at channel 0.
    int zeros = 0;
    for (size_t i = 0; i < out.size(); i += 2)
      zeros += out[i] == 0.0f && out[i + 1] == 0.0f;
    sawShift = sawShift || zeros > 0;
    // Every nonzero pixel is a source pixel at most 2 away.
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) {
        float value = out[(y * 5 + x) * 2];
        if (value == 0.0f && out[(y * 5 + x) * 2 + 1] == 0.0f)
          continue;
        int sy = int(std::lround(value * 100)) / 10;
        int sx = int(std::lround(value * 100)) % 10;
        EXPECT_LE(std::abs(sy - y), 2);
        EXPECT_LE(std::abs(sx - x), 2);
      }
  }
  EXPECT_TRUE(sawShift);
  // Reflection never leaves zeros: every value comes from the image.
  cnnrt_augmentation translate = {0, 0.5, 0, 0, 0, 0, 0};
  for (int64_t index = 0; index < 50; ++index)
    for (float value : augment(translate, 1, index))
      EXPECT_NE(std::find(source.begin(), source.end(), value), source.end());
}

TEST(Augment, BrightnessAndContrastClipToTheRange) {
  cnnrt_augmentation bright = {0, 0, 0, 0.5, 0, 0, 0};
  std::vector<float> source = sampleImage();
  for (int64_t index = 0; index < 20; ++index) {
    std::vector<float> out = augment(bright, 2, index);
    float delta = NAN; // from the first pixel that did not clip
    for (size_t i = 0; i < out.size() && std::isnan(delta); ++i)
      if (out[i] > 0.0f && out[i] < 1.0f)
        delta = out[i] - source[i];
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_GE(out[i], 0.0f);
      EXPECT_LE(out[i], 1.0f);
      if (out[i] > 0.0f && out[i] < 1.0f)
        EXPECT_NEAR(out[i] - source[i], delta, 1e-6);
    }
  }
  // Contrast keeps each channel's mean when nothing clips.
  cnnrt_augmentation contrast = {0, 0, 0, 0, 0.3, -10, 10};
  std::vector<float> out = augment(contrast, 2, 5);
  for (int c = 0; c < 2; ++c) {
    double before = 0, after = 0;
    for (int i = 0; i < 20; ++i) {
      before += source[i * 2 + c];
      after += out[i * 2 + c];
    }
    EXPECT_NEAR(before, after, 1e-4);
  }
  EXPECT_NE(out, source);
}

TEST(Augment, DependsOnSeedEpochAndImageOnly) {
  cnnrt_augmentation all = {1, 0.25, 0, 0.2, 0.2, 0, 0};
  EXPECT_EQ(augment(all, 4, 17), augment(all, 4, 17));
  EXPECT_NE(augment(all, 4, 17), augment(all, 5, 17));
  EXPECT_NE(augment(all, 4, 17), augment(all, 4, 18));
  EXPECT_NE(augment(all, 4, 17, 3), augment(all, 4, 17, 4));
  cnnrt_augmentation bad = {0, 0.1, 1, 0, 0, 0, 0};
  EXPECT_EQ(cnnrt_augmentation_check(&bad, 4, 5), -1);
  EXPECT_EQ(lastError(), "--augment: translate and crop both shift the image; "
                         "choose one");
}

/// Every image of epoch `epoch` as the iterator (or the producer) gives it,
/// keyed by its view index.
std::vector<std::vector<float>> epochImages(const TestData &data,
                                            int64_t batchSize, bool threaded,
                                            const cnnrt_augmentation &a) {
  cnnrt_data_view view = cnnrt_data_view_first(&data.dataset, -1);
  cnnrt_batches *batches = cnnrt_batches_create(view, batchSize, 1, 11);
  EXPECT_EQ(cnnrt_batches_augment(batches, &a), 0);
  cnnrt_pipeline *pipeline =
      threaded ? cnnrt_pipeline_create(batches) : nullptr;
  int64_t steps = cnnrt_batches_per_epoch(batches);
  std::vector<std::vector<float>> images(size_t(view.count));
  for (uint64_t epoch = 0; epoch < 2; ++epoch) { // the second epoch counts
    if (pipeline)
      EXPECT_EQ(cnnrt_pipeline_start(pipeline, epoch, 0, steps), 0);
    else
      EXPECT_EQ(cnnrt_batches_start(batches, epoch, 0), 0);
    cnnrt_batch batch;
    while (pipeline ? cnnrt_pipeline_next(pipeline, &batch)
                    : cnnrt_batches_next(batches, &batch))
      for (int64_t k = 0; k < batch.size; ++k)
        images[size_t(batch.order[k])].assign(batch.images + 4 * k,
                                              batch.images + 4 * k + 4);
  }
  cnnrt_pipeline_destroy(pipeline);
  cnnrt_batches_destroy(batches);
  return images;
}

TEST(Augment, BatchSizeAndProducerThreadChangeNothing) {
  TestData data(37, 4, 3);
  cnnrt_augmentation a = {1, 0.5, 0, 0.1, 0.1, 0, 0};
  auto reference = epochImages(data, 5, false, a);
  EXPECT_EQ(epochImages(data, 8, false, a), reference);
  EXPECT_EQ(epochImages(data, 5, true, a), reference);
  EXPECT_EQ(epochImages(data, 3, true, a), reference);
  cnnrt_augmentation none = {0, 0, 0, 0, 0, 0, 0};
  EXPECT_NE(epochImages(data, 5, true, none), reference);
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

cnnrt_fit_options augmented(const TestData &data) {
  cnnrt_fit_options fit;
  std::memset(&fit, 0, sizeof fit);
  fit.epochs = 4;
  fit.batch_size = 6;
  fit.learning_rate = 0.3f;
  fit.train = cnnrt_data_view_first(&data.dataset, -1);
  fit.augmentation = {1, 0.5, 0, 0.2, 0.3, 0, 0};
  return fit;
}

TEST(Augment, ResumeWithAugmentationIsBitIdentical) {
  TempDir dir;
  TestData data(40, 4, 3);
  TestModel a("test_model", 4, 3);
  cnnrt_fit_options fit = augmented(data);
  cnnrt_train_state stateA = cnnrt_train_state_initial(6);
  cnnrt_history historyA = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(a.instance, &fit, &stateA, &historyA, nullptr, nullptr),
            0)
      << lastError();

  TestModel b1("test_model", 4, 3);
  cnnrt_train_state stateB = cnnrt_train_state_initial(6);
  cnnrt_history historyB = {0, 0, nullptr, 0, 0};
  Stopper stopper = {2, 3};
  cnnrt_fit_callbacks callbacks = {&stopper, stopperEpochBegin, stopperBatchEnd,
                                   nullptr};
  cnnrt_fit_stats stats;
  ASSERT_EQ(
      cnnrt_fit(b1.instance, &fit, &stateB, &historyB, &callbacks, &stats), 0);
  ASSERT_EQ(stats.stopped, 1);
  std::string checkpoint = dir.file("mid.ckpt");
  ASSERT_EQ(cnnrt_checkpoint_save(checkpoint.c_str(), b1.instance, &stateB,
                                  &historyB),
            0);
  cnnrt_history_clear(&historyB);
  TestModel b2("test_model", 4, 3, Kind::Learning, "sgd", 77);
  cnnrt_train_state resumed;
  ASSERT_EQ(cnnrt_checkpoint_load(checkpoint.c_str(), b2.instance, &resumed,
                                  &historyB),
            0);
  ASSERT_EQ(cnnrt_fit(b2.instance, &fit, &resumed, &historyB, nullptr, nullptr),
            0);
  EXPECT_EQ(a.params(), b2.params());
  EXPECT_EQ(a.optState(), b2.optState());
  EXPECT_EQ(std::memcmp(&stateA, &resumed, sizeof stateA), 0);
  ASSERT_EQ(historyA.count, historyB.count);
  EXPECT_EQ(std::memcmp(historyA.records, historyB.records,
                        sizeof(cnnrt_epoch_record) * historyA.count),
            0);
  // Augmentation is on: the run differs from one without it.
  TestModel plain("test_model", 4, 3);
  fit.augmentation = cnnrt_augmentation();
  cnnrt_train_state statePlain = cnnrt_train_state_initial(6);
  cnnrt_history historyPlain = {0, 0, nullptr, 0, 0};
  ASSERT_EQ(cnnrt_fit(plain.instance, &fit, &statePlain, &historyPlain, nullptr,
                      nullptr),
            0);
  EXPECT_NE(plain.params(), a.params());
  cnnrt_history_clear(&historyA);
  cnnrt_history_clear(&historyB);
  cnnrt_history_clear(&historyPlain);
}

} // namespace
