//===- DistributedTest.cpp - the MPI-free half of data-parallel training --===//
//
// What the ranks of `mpirun -np N cnnc-train` share, checked in one
// process: the shards of a batch cover it once in the one-process order,
// the summed buffers of N simulated ranks give the global batch's mean
// gradient and loss, average the moving statistics and leave frozen state
// bit for bit, fingerprints name what differs between ranks, and NCCL's
// loader fails with one line where NCCL cannot be used.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include "Distributed.h"
#include "Internal.h"
#ifdef CNNC_HAVE_MPI
#include "Nccl.h"
#endif

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <vector>

using namespace cnnrt_train_test;

namespace {

TEST(Shards, CoverTheBatchOnceAndDifferByAtMostOne) {
  for (int64_t size = 0; size <= 40; ++size)
    for (int ranks = 1; ranks <= 6; ++ranks) {
      int64_t next = 0, fewest = size, most = 0;
      for (int rank = 0; rank < ranks; ++rank) {
        int64_t first, count;
        cnnrt_shard_range(size, ranks, rank, &first, &count);
        EXPECT_EQ(first, next) << size << " over " << ranks;
        next = first + count;
        fewest = std::min(fewest, count);
        most = std::max(most, count);
        // The first size % ranks ranks take the extra images.
        EXPECT_EQ(count, size / ranks + (rank < size % ranks));
      }
      EXPECT_EQ(next, size);
      EXPECT_LE(most - fewest, 1);
    }
}

TEST(Shards, AreTheOneProcessBatchesCut) {
  TestData data(23, 4, 3);
  cnnrt_data_view view = cnnrt_data_view_first(&data.dataset, -1);
  cnnrt_batches *whole = cnnrt_batches_create(view, 8, 1, 5);
  ASSERT_NE(whole, nullptr) << lastError();
  ASSERT_EQ(cnnrt_batches_start(whole, 2, 0), 0);
  std::vector<std::vector<int64_t>> expected;
  std::vector<std::vector<int32_t>> labels;
  cnnrt_batch batch;
  while (cnnrt_batches_next(whole, &batch)) {
    expected.emplace_back(batch.order, batch.order + batch.size);
    labels.emplace_back(batch.labels, batch.labels + batch.size);
    EXPECT_EQ(cnnrt_batches_full_size(whole, batch.index), batch.size);
  }
  ASSERT_EQ(expected.size(), 3u); // 8, 8, 7
  const int ranks = 3;
  std::vector<std::vector<int64_t>> joined(expected.size());
  std::vector<std::vector<int32_t>> joinedLabels(expected.size());
  for (int rank = 0; rank < ranks; ++rank) {
    cnnrt_batches *shard = cnnrt_batches_create(view, 8, 1, 5);
    ASSERT_NE(shard, nullptr);
    ASSERT_EQ(cnnrt_batches_shard(shard, rank, ranks), 0) << lastError();
    ASSERT_EQ(cnnrt_batches_start(shard, 2, 0), 0);
    while (cnnrt_batches_next(shard, &batch)) {
      auto &order = joined[static_cast<size_t>(batch.index)];
      order.insert(order.end(), batch.order, batch.order + batch.size);
      auto &label = joinedLabels[static_cast<size_t>(batch.index)];
      label.insert(label.end(), batch.labels, batch.labels + batch.size);
      EXPECT_EQ(cnnrt_batches_full_size(shard, batch.index),
                static_cast<int64_t>(expected[batch.index].size()));
    }
    cnnrt_batches_destroy(shard);
  }
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(joinedLabels, labels);
  EXPECT_EQ(cnnrt_batches_shard(whole, 3, 3), -1);
  cnnrt_batches_destroy(whole);
}

/// Sums the packed buffers of simulated ranks, as MPI_Allreduce does.
std::vector<float> sumOver(const std::vector<std::vector<float>> &buffers) {
  std::vector<float> sum(buffers[0].size(), 0.0f);
  for (const auto &buffer : buffers)
    for (size_t i = 0; i < sum.size(); ++i)
      sum[i] += buffer[i];
  return sum;
}

TEST(SummedBuffer, GivesTheGlobalMeanAndAveragesState) {
  // 3 ranks with shards of 3, 3 and 2 images of a batch of 8; two
  // trainable floats; state: a frozen weight and a moving mean.
  const int64_t shards[3] = {3, 3, 2}, full = 8, trainable = 2, state = 2;
  const float gradients[3][2] = {{1.0f, -2.0f}, {0.5f, 4.0f}, {-3.0f, 1.0f}};
  const float losses[3] = {2.0f, 1.0f, 0.5f}, statistics[3] = {1, 2, 4};
  const int64_t correct[3] = {1, 3, 2};
  const float before[2] = {0.1f, 0.3f};
  std::vector<std::vector<float>> buffers;
  for (int r = 0; r < 3; ++r) {
    std::vector<float> buffer(
        static_cast<size_t>(cnnrt_sum_elements(trainable, state)));
    buffer[0] = gradients[r][0];
    buffer[1] = gradients[r][1];
    float after[2] = {before[0], 0.9f * before[1] + 0.1f * statistics[r]};
    cnnrt_sum_pack(buffer.data(), trainable, state, before, after, shards[r],
                   full, losses[r], correct[r], r == 2, 0);
    buffers.push_back(buffer);
  }
  std::vector<float> sum = sumOver(buffers);
  for (int i = 0; i < 2; ++i) {
    double mean = 0;
    for (int r = 0; r < 3; ++r)
      mean += gradients[r][i] * shards[r] / double(full);
    EXPECT_NEAR(sum[i], mean, 1e-6);
  }
  float newState[2], loss;
  int64_t count;
  int stop, failed;
  cnnrt_sum_unpack(sum.data(), trainable, state, before, newState, &loss,
                   &count, &stop, &failed);
  EXPECT_EQ(newState[0], before[0]); // frozen: bit for bit
  double moving = 0;
  for (int r = 0; r < 3; ++r)
    moving += (0.9 * before[1] + 0.1 * statistics[r]) * shards[r] / full;
  EXPECT_NEAR(newState[1], moving, 1e-6);
  EXPECT_NEAR(loss, (2.0 * 3 + 1.0 * 3 + 0.5 * 2) / 8, 1e-6);
  EXPECT_EQ(count, 6);
  EXPECT_EQ(stop, 1);
  EXPECT_EQ(failed, 0);
}

TEST(SummedBuffer, EmptyShardsAndFailuresCount) {
  // A batch of 1 over 2 ranks: rank 1 has no image and weight 0.
  std::vector<float> a(static_cast<size_t>(cnnrt_sum_elements(1, 1)));
  std::vector<float> b(a.size());
  a[0] = 0.25f;
  b[0] = 0.0f;
  float before = 1.0f, afterA = 0.5f, afterB = 0.0f;
  cnnrt_sum_pack(a.data(), 1, 1, &before, &afterA, 1, 1, 2.0f, 1, 0, 0);
  cnnrt_sum_pack(b.data(), 1, 1, &before, &afterB, 0, 1, 0.0f, 0, 0, 1);
  std::vector<float> sum = sumOver({a, b});
  float state, loss;
  int64_t correct;
  int stop, failed;
  cnnrt_sum_unpack(sum.data(), 1, 1, &before, &state, &loss, &correct, &stop,
                   &failed);
  EXPECT_EQ(sum[0], 0.25f);
  EXPECT_EQ(state, 0.5f);
  EXPECT_EQ(loss, 2.0f);
  EXPECT_EQ(correct, 1);
  EXPECT_EQ(stop, 0);
  EXPECT_EQ(failed, 1);
}

TEST(RankSeeds, AreDistinctAndRankZeroKeepsTheSeed) {
  std::set<uint64_t> seeds;
  for (int rank = 0; rank < 4096; ++rank)
    seeds.insert(cnnrt_rank_seed(42, rank));
  EXPECT_EQ(seeds.size(), 4096u);
  EXPECT_EQ(cnnrt_rank_seed(42, 0), 42u);
}

TEST(Hashes, AreFnv1a) {
  // The FNV-1a 64 test vectors of "" and "a".
  EXPECT_EQ(cnnrt_hash_bytes(CNNRT_HASH_START, "", 0), 0xcbf29ce484222325u);
  EXPECT_EQ(cnnrt_hash_bytes(CNNRT_HASH_START, "a", 1), 0xaf63dc4c8601ec8cu);
  float values[3] = {1.0f, 2.0f, 3.0f};
  uint64_t hash = cnnrt_hash_words(CNNRT_HASH_START, values, sizeof values);
  values[2] = std::nextafter(3.0f, 4.0f);
  EXPECT_NE(cnnrt_hash_words(CNNRT_HASH_START, values, sizeof values), hash);
}

cnnrt_fingerprint fingerprintOf(const TestModel &model,
                                const cnnrt_dataset &data, float rate) {
  cnnrt_fingerprint fingerprint;
  // A wrapped model has no file: the table part only.
  EXPECT_EQ(cnnrt_fingerprint_model(model.model, &fingerprint), -1);
  EXPECT_NE(lastError().find("cannot read the library"), std::string::npos);
  cnnrt_fit_options options = {};
  options.epochs = 2;
  options.batch_size = 4;
  options.learning_rate = rate;
  options.train = cnnrt_data_view_first(&data, -1);
  cnnrt_fingerprint_fit(&options, &fingerprint);
  return fingerprint;
}

TEST(Fingerprints, NameWhatDiffers) {
  TestModel model("fp", 4, 3), other("fp", 3, 4);
  TestData data(10, 4, 3), moreData(11, 4, 3);
  cnnrt_fingerprint first = fingerprintOf(model, data.dataset, 0.1f);
  EXPECT_EQ(cnnrt_fingerprint_compare(&first, &first, 1), 0);

  cnnrt_fingerprint changed = fingerprintOf(other, data.dataset, 0.1f);
  EXPECT_EQ(cnnrt_fingerprint_compare(&changed, &first, 1), -1);
  EXPECT_NE(lastError().find("rank 1: "), std::string::npos) << lastError();
  EXPECT_NE(lastError().find("is another model than rank 0's"),
            std::string::npos);

  changed = fingerprintOf(model, data.dataset, 0.2f);
  EXPECT_EQ(cnnrt_fingerprint_compare(&changed, &first, 2), -1);
  EXPECT_NE(lastError().find("rank 2: other training flags"), std::string::npos)
      << lastError();

  changed = fingerprintOf(model, moreData.dataset, 0.1f);
  EXPECT_EQ(cnnrt_fingerprint_compare(&changed, &first, 1), -1);
  EXPECT_NE(lastError().find("other training data than rank 0 (11 images"),
            std::string::npos)
      << lastError();

  changed = first;
  changed.model_bytes += 1;
  EXPECT_EQ(cnnrt_fingerprint_compare(&changed, &first, 1), -1);
  EXPECT_NE(lastError().find("another build of the model"), std::string::npos);

  changed = first;
  changed.protocol += 1;
  EXPECT_EQ(cnnrt_fingerprint_compare(&changed, &first, 1), -1);
  EXPECT_NE(lastError().find("another cnnc-train build"), std::string::npos);
}

TEST(Launcher, RanksComeFromTheEnvironment) {
  unsetenv("OMPI_COMM_WORLD_SIZE");
  unsetenv("PMI_SIZE");
  int rank = -1;
  EXPECT_EQ(cnnrt_launcher_ranks(&rank), 1);
  EXPECT_EQ(rank, 0);
  setenv("PMI_SIZE", "4", 1);
  setenv("PMI_RANK", "3", 1);
  EXPECT_EQ(cnnrt_launcher_ranks(&rank), 4);
  EXPECT_EQ(rank, 3);
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1); // mpirun's names come first
  setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  EXPECT_EQ(cnnrt_launcher_ranks(&rank), 2);
  EXPECT_EQ(rank, 1);
  unsetenv("OMPI_COMM_WORLD_SIZE");
  unsetenv("OMPI_COMM_WORLD_RANK");
  unsetenv("PMI_SIZE");
  unsetenv("PMI_RANK");
}

#ifdef CNNC_HAVE_MPI
TEST(Nccl, MissingOrTooOldLibrariesGiveOneLine) {
  setenv(CNNRT_NCCL_LIBRARY_ENV, "/nonexistent/libnccl.so.2", 1);
  EXPECT_EQ(cnnrt_nccl_load(), nullptr);
  std::string error = cnnrt_nccl_error();
  EXPECT_NE(error.find("/nonexistent/libnccl.so.2"), std::string::npos);
  EXPECT_NE(error.find("install NCCL"), std::string::npos) << error;
  // A library that is not NCCL (zlib): the first missing function.
  setenv(CNNRT_NCCL_LIBRARY_ENV, "libz.so.1", 1);
  EXPECT_EQ(cnnrt_nccl_load(), nullptr);
  EXPECT_EQ(std::string(cnnrt_nccl_error()),
            "libz.so.1 lacks ncclGetVersion: NCCL 2.11 or later is needed");
  unsetenv(CNNRT_NCCL_LIBRARY_ENV);
}
#endif

} // namespace
