//===- BatchesTest.cpp - shuffle, mini-batches and validation split -------===//
//
// The shuffle must be a permutation, a pure function of (seed, epoch), and
// unbiased; batches must cover the view once per epoch with a smaller last
// batch, resume at any batch, and the validation split must take the last
// images exactly as Keras does.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <vector>

using namespace cnnrt_train_test;

namespace {

std::vector<int64_t> shuffled(uint64_t seed, uint64_t epoch, int64_t count) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  EXPECT_EQ(cnnrt_shuffle_order(seed, epoch, order.data(), count), 0)
      << lastError();
  return order;
}

TEST(Shuffle, IsAPermutation) {
  for (int64_t count : {0, 1, 2, 7, 1000, 4097}) {
    std::vector<int64_t> order = shuffled(3, 1, count), identity(order.size());
    std::iota(identity.begin(), identity.end(), 0);
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, identity) << "count " << count;
  }
}

TEST(Shuffle, DependsOnlyOnSeedAndEpoch) {
  EXPECT_EQ(shuffled(3, 0, 500), shuffled(3, 0, 500));
  EXPECT_EQ(shuffled(3, 5, 500), shuffled(3, 5, 500));
  EXPECT_NE(shuffled(3, 0, 500), shuffled(3, 1, 500));
  EXPECT_NE(shuffled(3, 0, 500), shuffled(4, 0, 500));
  // The high half of a 64-bit seed matters too.
  EXPECT_NE(shuffled(3, 0, 500), shuffled(3 + (1ull << 32), 0, 500));
  std::vector<int64_t> identity(500);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(shuffled(3, 0, 500), identity);
}

TEST(Shuffle, AllPermutationsOfThreeEquallyLikely) {
  // Fisher-Yates draws from [0, i]; an off-by-one (Sattolo's [0, i)) or a
  // biased draw would make some of the 6 orders rare or impossible.
  std::map<std::vector<int64_t>, int> counts;
  const int epochs = 6000;
  for (int epoch = 0; epoch < epochs; ++epoch)
    ++counts[shuffled(11, epoch, 3)];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto &[order, count] : counts)
    EXPECT_NEAR(count, epochs / 6, 120) << "order starting " << order[0];
}

TEST(Shuffle, RejectsBadArguments) {
  int64_t order[2];
  EXPECT_EQ(cnnrt_shuffle_order(1, 0, order, -1), -1);
  EXPECT_EQ(cnnrt_shuffle_order(1, 1ull << 32, order, 2), -1);
  EXPECT_NE(lastError().find("epoch"), std::string::npos) << lastError();
}

/// All batches of one epoch: (labels, size) pairs, images checked as we go.
std::vector<std::vector<int32_t>> epochBatches(cnnrt_batches *batches,
                                               const cnnrt_dataset &data,
                                               cnnrt_data_view view,
                                               uint64_t epoch, int64_t first) {
  EXPECT_EQ(cnnrt_batches_start(batches, epoch, first), 0) << lastError();
  std::vector<std::vector<int32_t>> result;
  cnnrt_batch batch;
  int64_t pixels = data.width;
  while (cnnrt_batches_next(batches, &batch)) {
    EXPECT_EQ(batch.index, first + static_cast<int64_t>(result.size()));
    std::vector<int32_t> labels(batch.labels, batch.labels + batch.size);
    for (int64_t k = 0; k < batch.size; ++k) {
      int64_t source = view.begin + batch.order[k];
      EXPECT_EQ(batch.labels[k], data.labels[source]);
      EXPECT_EQ(batch.images[k * pixels], data.images[source * pixels]);
    }
    result.push_back(labels);
  }
  return result;
}

TEST(Batches, CoverTheViewOnceWithAPartialLastBatch) {
  TestData data(20, 4, 3);
  cnnrt_data_view view = {&data.dataset, 5, 10};
  cnnrt_batches *batches = cnnrt_batches_create(view, 4, 1, 9);
  ASSERT_NE(batches, nullptr) << lastError();
  EXPECT_EQ(cnnrt_batches_per_epoch(batches), 3);
  EXPECT_EQ(cnnrt_batches_start(batches, 2, 0), 0);
  std::vector<int64_t> seen;
  std::vector<int64_t> sizes;
  cnnrt_batch batch;
  while (cnnrt_batches_next(batches, &batch)) {
    sizes.push_back(batch.size);
    seen.insert(seen.end(), batch.order, batch.order + batch.size);
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(seen, shuffled(9, 2, 10));
  cnnrt_batches_destroy(batches);
}

TEST(Batches, ResumeAtAnyBatchGivesTheSameBatches) {
  TestData data(23, 4, 3);
  cnnrt_data_view view = cnnrt_data_view_first(&data.dataset, -1);
  cnnrt_batches *batches = cnnrt_batches_create(view, 5, 1, 4);
  ASSERT_NE(batches, nullptr);
  auto full = epochBatches(batches, data.dataset, view, 3, 0);
  ASSERT_EQ(full.size(), 5u);
  EXPECT_EQ(full.back().size(), 3u);
  for (int64_t first = 0; first <= 5; ++first) {
    auto rest = epochBatches(batches, data.dataset, view, 3, first);
    EXPECT_TRUE(
        std::equal(rest.begin(), rest.end(), full.begin() + first, full.end()));
    EXPECT_EQ(rest.size(), full.size() - static_cast<size_t>(first));
  }
  EXPECT_EQ(cnnrt_batches_start(batches, 3, 6), -1);
  EXPECT_NE(epochBatches(batches, data.dataset, view, 4, 0), full);
  cnnrt_batches_destroy(batches);
}

TEST(Batches, UnshuffledBatchesPointIntoTheData) {
  TestData data(10, 4, 3);
  cnnrt_data_view view = {&data.dataset, 2, 7};
  cnnrt_batches *batches = cnnrt_batches_create(view, 3, 0, 0);
  ASSERT_NE(batches, nullptr);
  ASSERT_EQ(cnnrt_batches_start(batches, 0, 0), 0);
  cnnrt_batch batch;
  int64_t first = 0;
  while (cnnrt_batches_next(batches, &batch)) {
    EXPECT_EQ(batch.images, data.dataset.images + (2 + first) * 4);
    EXPECT_EQ(batch.labels, data.dataset.labels + 2 + first);
    first += batch.size;
  }
  EXPECT_EQ(first, 7);
  cnnrt_batches_destroy(batches);
}

TEST(Batches, RejectsBadViewsAndSizes) {
  TestData data(10, 4, 3);
  EXPECT_EQ(cnnrt_batches_create({&data.dataset, 0, 10}, 0, 1, 0), nullptr);
  EXPECT_EQ(cnnrt_batches_create({&data.dataset, 5, 6}, 2, 1, 0), nullptr);
  EXPECT_EQ(cnnrt_batches_create({&data.dataset, -1, 2}, 2, 1, 0), nullptr);
  EXPECT_EQ(cnnrt_batches_create({&data.dataset, INT64_MAX, 2}, 2, 1, 0),
            nullptr);
  EXPECT_EQ(cnnrt_batches_create({nullptr, 0, 0}, 2, 1, 0), nullptr);
}

TEST(ValidationSplit, TakesTheLastImagesLikeKeras) {
  TestData data(2048, 4, 3);
  cnnrt_data_view all = cnnrt_data_view_first(&data.dataset, -1), train, val;
  ASSERT_EQ(cnnrt_validation_split(all, 0.1, &train, &val), 0);
  EXPECT_EQ(train.begin, 0); // floor(2048 * 0.9) = floor(1843.2)
  EXPECT_EQ(train.count, 1843);
  EXPECT_EQ(val.begin, 1843);
  EXPECT_EQ(val.count, 205);
  cnnrt_data_view hundred = {&data.dataset, 10, 100};
  ASSERT_EQ(cnnrt_validation_split(hundred, 0.25, &train, &val), 0);
  EXPECT_EQ(train.begin, 10);
  EXPECT_EQ(train.count, 75);
  EXPECT_EQ(val.begin, 85);
  EXPECT_EQ(val.count, 25);
  cnnrt_data_view ten = {&data.dataset, 0, 10};
  ASSERT_EQ(cnnrt_validation_split(ten, 0.15, &train, &val), 0);
  EXPECT_EQ(train.count, 8); // floor(8.5)
  EXPECT_EQ(val.count, 2);
}

TEST(ValidationSplit, RejectsFractionsOutsideTheOpenInterval) {
  TestData data(10, 4, 3);
  cnnrt_data_view all = cnnrt_data_view_first(&data.dataset, -1), train, val;
  for (double fraction : {0.0, 1.0, -0.1, 1.5, std::nan("")})
    EXPECT_EQ(cnnrt_validation_split(all, fraction, &train, &val), -1)
        << fraction;
  EXPECT_EQ(lastError().rfind("--validation-split: ", 0), 0u) << lastError();
  cnnrt_data_view one = cnnrt_data_view_first(&data.dataset, 1);
  EXPECT_EQ(cnnrt_validation_split(one, 0.5, &train, &val), -1);
  EXPECT_NE(lastError().find("empty"), std::string::npos) << lastError();
  // 1 - 1e-17 rounds to 1: no image left for validation.
  EXPECT_EQ(cnnrt_validation_split(all, 1e-17, &train, &val), -1);
}

TEST(DataView, FirstClampsToTheDataSet) {
  TestData data(10, 4, 3);
  EXPECT_EQ(cnnrt_data_view_first(&data.dataset, 3).count, 3);
  EXPECT_EQ(cnnrt_data_view_first(&data.dataset, 30).count, 10);
  EXPECT_EQ(cnnrt_data_view_first(&data.dataset, -1).count, 10);
}

} // namespace

namespace {

// A folder read class by class is reordered once by a seeded permutation:
// the same seed gives the same order, every image keeps its label.
TEST(Batches, DatasetShuffleKeepsPairsAndDependsOnTheSeed) {
  TestData a(50, 4, 3), b(50, 4, 3), c(50, 4, 3);
  ASSERT_EQ(cnnrt_dataset_shuffle(&a.dataset, 9), 0);
  ASSERT_EQ(cnnrt_dataset_shuffle(&b.dataset, 9), 0);
  ASSERT_EQ(cnnrt_dataset_shuffle(&c.dataset, 10), 0);
  TestData original(50, 4, 3);
  EXPECT_EQ(std::memcmp(a.dataset.images, b.dataset.images, 50 * 4 * 4), 0);
  EXPECT_NE(std::memcmp(a.dataset.images, c.dataset.images, 50 * 4 * 4), 0);
  std::vector<int> used(50, 0);
  for (int i = 0; i < 50; ++i) {
    int match = -1;
    for (int j = 0; j < 50 && match < 0; ++j)
      if (!used[j] && std::memcmp(a.dataset.images + 4 * i,
                                  original.dataset.images + 4 * j, 16) == 0)
        match = j;
    ASSERT_GE(match, 0) << "image " << i << " is not one of the originals";
    used[match] = 1;
    EXPECT_EQ(a.dataset.labels[i], original.dataset.labels[match]);
  }
}

} // namespace
