//===- InitParamsTest.cpp - Keras initializers of the support library -----===//
//
// Checks cnnc_support_init_params against the Keras definitions: the bounds
// of the uniform initializers, the moments of large tensors (mean 0 within
// five standard errors, variance within 2% of the intended one), the cut of
// the truncated normal at two (pre-truncation) standard deviations, and the
// determinism the ABI promises: same seed same bits, pinned values that any
// machine must reproduce, and tensors independent of each other.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/abi.h"

#include "ParamTable.h"
#include "Philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace {

/// A parameter table under construction, and the descriptor around it.
class Table {
public:
  Table &add(const char *name, std::vector<int64_t> shape,
             cnnc_initializer init, int64_t fanIn = 1, int64_t fanOut = 1) {
    cnnc_param_info info = {};
    info.name = name;
    info.offset = elements;
    info.size = 1;
    info.rank = static_cast<int32_t>(shape.size());
    info.initializer = init;
    for (size_t i = 0; i < shape.size(); ++i) {
      info.shape[i] = shape[i];
      info.size *= shape[i];
    }
    info.fan_in = fanIn;
    info.fan_out = fanOut;
    info.trainable = 1;
    params.push_back(info);
    elements += info.size;
    return *this;
  }

  /// The descriptor; valid until the table changes.
  cnnc_model_desc &desc() {
    descriptor = {};
    descriptor.abi_version = CNNC_ABI_VERSION;
    descriptor.desc_size = sizeof(cnnc_model_desc);
    descriptor.num_params = static_cast<int64_t>(params.size());
    descriptor.param_elements = elements;
    descriptor.trainable_elements = elements;
    descriptor.params = params.data();
    return descriptor;
  }

  /// Initializes a buffer from `seed`, expecting success.
  std::vector<float> init(uint64_t seed) {
    std::vector<float> buffer(static_cast<size_t>(elements), -123.0f);
    EXPECT_EQ(cnnc_support_init_params(&desc(), buffer.data(), seed), CNNC_OK);
    return buffer;
  }

  std::vector<cnnc_param_info> params;
  int64_t elements = 0;

private:
  cnnc_model_desc descriptor = {};
};

struct Moments {
  double mean = 0, variance = 0, min = INFINITY, max = -INFINITY;
};

Moments momentsOf(const float *values, size_t count) {
  Moments m;
  double sum = 0, squares = 0;
  for (size_t i = 0; i < count; ++i) {
    sum += values[i];
    squares += static_cast<double>(values[i]) * values[i];
    m.min = std::fmin(m.min, values[i]);
    m.max = std::fmax(m.max, values[i]);
  }
  m.mean = sum / count;
  m.variance = squares / count - m.mean * m.mean;
  return m;
}

/// Checks U(-limit, limit): inside the bounds, reaching close to both, with
/// the moments of the uniform distribution.
void expectUniform(const std::vector<float> &values, double limit) {
  Moments m = momentsOf(values.data(), values.size());
  double n = static_cast<double>(values.size());
  float bound = static_cast<float>(limit);
  EXPECT_GE(m.min, -bound);
  EXPECT_LE(m.max, bound);
  EXPECT_LT(m.min, -0.999 * limit);
  EXPECT_GT(m.max, 0.999 * limit);
  double variance = limit * limit / 3;
  EXPECT_NEAR(m.mean, 0.0, 5 * std::sqrt(variance / n));
  EXPECT_NEAR(m.variance / variance, 1.0, 0.02);
}

/// Checks a normal with pre-truncation stddev `stddev` cut at 2 stddev and
/// rescaled so that its variance is `variance`.
void expectTruncatedNormal(const std::vector<float> &values, double variance) {
  double stddev = std::sqrt(variance) / 0.87962566103423978;
  Moments m = momentsOf(values.data(), values.size());
  double n = static_cast<double>(values.size());
  float cut = static_cast<float>(2 * stddev);
  EXPECT_GE(m.min, -cut);
  EXPECT_LE(m.max, cut);
  EXPECT_LT(m.min, -0.99 * 2 * stddev);
  EXPECT_GT(m.max, 0.99 * 2 * stddev);
  EXPECT_NEAR(m.mean, 0.0, 5 * std::sqrt(variance / n));
  EXPECT_NEAR(m.variance / variance, 1.0, 0.02);
  // The shape, not only the moments: P(|x| > 1 stddev | |x| <= 2 stddev) of
  // a normal is (0.9545 - 0.6827) / 0.9545 = 0.2848.
  size_t outside = 0;
  for (float v : values)
    outside += std::fabs(v) > stddev;
  EXPECT_NEAR(outside / n, 0.2848, 0.005);
}

TEST(InitParams, PhiloxMatchesPublishedAnswers) {
  // Known-answer vectors of Philox4x32-10 from the Random123 distribution.
  uint32_t zero[4] = {0, 0, 0, 0};
  cnnc_philox4x32_10(zero, 0, 0);
  EXPECT_EQ(zero[0], 0x6627e8d5u);
  EXPECT_EQ(zero[1], 0xe169c58du);
  EXPECT_EQ(zero[2], 0xbc57ac4cu);
  EXPECT_EQ(zero[3], 0x9b00dbd8u);
  uint32_t ones[4] = {~0u, ~0u, ~0u, ~0u};
  cnnc_philox4x32_10(ones, ~0u, ~0u);
  EXPECT_EQ(ones[0], 0x408f276du);
  EXPECT_EQ(ones[1], 0x41c83b0eu);
  EXPECT_EQ(ones[2], 0xa20bc7c6u);
  EXPECT_EQ(ones[3], 0x6d5451fdu);
  uint32_t pi[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  cnnc_philox4x32_10(pi, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(pi[0], 0xd16cfe09u);
  EXPECT_EQ(pi[1], 0x94fdccebu);
  EXPECT_EQ(pi[2], 0x5001e420u);
  EXPECT_EQ(pi[3], 0x24126ea1u);
}

TEST(InitParams, ZerosAndOnesAreExact) {
  Table table;
  table.add("bias", {7}, CNNC_INIT_ZEROS).add("scale", {2, 3}, CNNC_INIT_ONES);
  std::vector<float> values = table.init(1);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(values[i], 0.0f);
  for (int i = 7; i < 13; ++i)
    EXPECT_EQ(values[i], 1.0f);
}

TEST(InitParams, GlorotUniformBoundsAndMoments) {
  // A 3x3 conv from 32 to 64 channels, three times over for a large sample.
  Table table;
  table.add("conv/kernel", {3, 3, 32, 64 * 8}, CNNC_INIT_GLOROT_UNIFORM, 288,
            576);
  expectUniform(table.init(42), std::sqrt(6.0 / (288 + 576)));
}

TEST(InitParams, HeAndLecunUniformBounds) {
  Table he, lecun;
  he.add("k", {400, 500}, CNNC_INIT_HE_UNIFORM, 400, 500);
  lecun.add("k", {400, 500}, CNNC_INIT_LECUN_UNIFORM, 400, 500);
  expectUniform(he.init(3), std::sqrt(6.0 / 400));
  expectUniform(lecun.init(3), std::sqrt(3.0 / 400));
}

TEST(InitParams, GlorotNormalIsTruncatedAtTwoStddev) {
  Table table;
  table.add("dense/kernel", {576, 512}, CNNC_INIT_GLOROT_NORMAL, 576, 512);
  expectTruncatedNormal(table.init(7), 2.0 / (576 + 512));
}

TEST(InitParams, HeNormalIsTruncatedAtTwoStddev) {
  Table table;
  table.add("conv/kernel", {3, 3, 64, 512}, CNNC_INIT_HE_NORMAL, 576, 4608);
  expectTruncatedNormal(table.init(7), 2.0 / 576);
}

TEST(InitParams, SameSeedSameBits) {
  Table table;
  table.add("a", {64, 64}, CNNC_INIT_GLOROT_UNIFORM, 64, 64)
      .add("b", {1000}, CNNC_INIT_HE_NORMAL, 10, 1);
  std::vector<float> first = table.init(2024), second = table.init(2024);
  EXPECT_EQ(
      std::memcmp(first.data(), second.data(), first.size() * sizeof(float)),
      0);
}

TEST(InitParams, DifferentSeedsDifferentValues) {
  Table table;
  table.add("a", {10000}, CNNC_INIT_GLOROT_NORMAL, 100, 100);
  std::vector<float> first = table.init(1), second = table.init(2);
  size_t equal = 0;
  for (size_t i = 0; i < first.size(); ++i)
    equal += first[i] == second[i];
  EXPECT_LT(equal, 10u);
}

TEST(InitParams, PinnedValuesAreReproducedEverywhere) {
  // The ABI promises bit-identical parameters on every machine; these values
  // were produced by the implementation and must never change.
  Table table;
  table.add("u", {4}, CNNC_INIT_GLOROT_UNIFORM, 2, 2)
      .add("n", {4}, CNNC_INIT_HE_NORMAL, 2, 1);
  std::vector<float> values = table.init(42);
  const float expected[8] = {0x1.1b55bp-2f,   0x1.31d55cp+0f, 0x1.98aea6p-1f,
                             0x1.1ff308p-1f,  0x1.0754c2p+1f, -0x1.b00278p+0f,
                             -0x1.4e5a5cp+0f, -0x1.bb202ap+0f};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(values[i], expected[i]) << "element " << i;
}

TEST(InitParams, TensorsAreIndependent) {
  // Tensor 1 keeps its values when tensor 0 changes size and initializer...
  Table small, large;
  small.add("first", {10}, CNNC_INIT_ZEROS)
      .add("second", {50, 20}, CNNC_INIT_GLOROT_UNIFORM, 50, 20);
  large.add("first", {3, 300}, CNNC_INIT_HE_NORMAL, 3, 300)
      .add("second", {50, 20}, CNNC_INIT_GLOROT_UNIFORM, 50, 20);
  std::vector<float> a = small.init(9), b = large.init(9);
  EXPECT_EQ(std::memcmp(a.data() + 10, b.data() + 900, 1000 * sizeof(float)),
            0);
  // ...while two tensors of identical description get different values.
  Table twins;
  twins.add("x", {1000}, CNNC_INIT_LECUN_UNIFORM, 10, 10)
      .add("y", {1000}, CNNC_INIT_LECUN_UNIFORM, 10, 10);
  std::vector<float> t = twins.init(9);
  size_t equal = 0;
  for (size_t i = 0; i < 1000; ++i)
    equal += t[i] == t[1000 + i];
  EXPECT_LT(equal, 5u);
}

TEST(InitParams, RejectsNullPointersAndForeignVersions) {
  Table table;
  table.add("k", {2, 2}, CNNC_INIT_GLOROT_UNIFORM, 2, 2);
  float buffer[4];
  EXPECT_EQ(cnnc_support_init_params(nullptr, buffer, 0), CNNC_ERR_ARGUMENT);
  EXPECT_EQ(cnnc_support_init_params(&table.desc(), nullptr, 0),
            CNNC_ERR_ARGUMENT);
  cnnc_model_desc &desc = table.desc();
  desc.abi_version = CNNC_ABI_VERSION + 1;
  EXPECT_EQ(cnnc_support_init_params(&desc, buffer, 0), CNNC_ERR_ARGUMENT);
}

/// Breaks one field of a valid two-tensor table and expects the checker and
/// the initializer to refuse it.
void expectInconsistent(void (*breakIt)(Table &), int64_t expectedParam,
                        const char *expectedProblem) {
  Table table;
  table.add("kernel", {3, 4}, CNNC_INIT_HE_NORMAL, 3, 4)
      .add("bias", {4}, CNNC_INIT_ZEROS);
  breakIt(table);
  std::vector<float> buffer(64);
  cnnc_model_desc &desc = table.desc();
  int64_t param = 99;
  const char *problem = cnnc_support_check_params(&desc, &param);
  ASSERT_NE(problem, nullptr);
  EXPECT_STREQ(problem, expectedProblem);
  EXPECT_EQ(param, expectedParam);
  EXPECT_EQ(cnnc_support_init_params(&desc, buffer.data(), 0),
            CNNC_ERR_ARGUMENT);
}

TEST(InitParams, RejectsInconsistentTables) {
  expectInconsistent([](Table &t) { t.params[1].offset = 13; }, 1,
                     "offset is not the end of the previous tensor");
  expectInconsistent([](Table &t) { t.params[0].size = 11; }, 0,
                     "size is not the product of the shape");
  expectInconsistent([](Table &t) { t.params[0].rank = 0; }, 0,
                     "rank is not in 1..4");
  expectInconsistent([](Table &t) { t.params[0].rank = 5; }, 0,
                     "rank is not in 1..4");
  expectInconsistent([](Table &t) { t.params[1].shape[2] = 1; }, 1,
                     "shape entries beyond the rank are not 0");
  expectInconsistent([](Table &t) { t.params[0].shape[1] = -4; }, 0,
                     "shape has an extent that is not positive");
  expectInconsistent(
      [](Table &t) {
        t.params[0].rank = 4;
        for (int64_t &extent : t.params[0].shape)
          extent = int64_t(1) << 20;
      },
      0, "shape has more elements than int64 can count");
  expectInconsistent([](Table &t) { t.params[0].fan_in = 0; }, 0,
                     "fan_in is not positive");
  expectInconsistent([](Table &t) { t.params[1].initializer = 7; }, 1,
                     "initializer is not a known cnnc_initializer");
  expectInconsistent([](Table &t) { t.params[1].name = nullptr; }, 1,
                     "has no name");
  expectInconsistent([](Table &t) { t.elements = 17; }, -1,
                     "the tensor sizes do not add up to param_elements");
  expectInconsistent([](Table &t) { t.elements = 15; }, 1,
                     "tensor extends past param_elements");
  expectInconsistent([](Table &t) { t.elements = -1; }, -1,
                     "param_elements is negative");
}

TEST(InitParams, GlorotNeedsFanOut) {
  Table table;
  table.add("k", {4, 4}, CNNC_INIT_GLOROT_NORMAL, 4, 0);
  int64_t param;
  EXPECT_STREQ(cnnc_support_check_params(&table.desc(), &param),
               "fan_out is not positive");
  // He scales by fan_in only, so fan_out 0 is fine there.
  Table he;
  he.add("k", {4, 4}, CNNC_INIT_HE_UNIFORM, 4, 0);
  EXPECT_EQ(cnnc_support_check_params(&he.desc(), &param), nullptr);
}

TEST(InitParams, EmptyTableIsConsistent) {
  cnnc_model_desc desc = {};
  desc.abi_version = CNNC_ABI_VERSION;
  float dummy = 5.0f;
  EXPECT_EQ(cnnc_support_init_params(&desc, &dummy, 1), CNNC_OK);
  EXPECT_EQ(dummy, 5.0f);
  desc.num_params = 1; // but no table
  EXPECT_EQ(cnnc_support_init_params(&desc, &dummy, 1), CNNC_ERR_ARGUMENT);
}

} // namespace
