//===- WindowGeometryTest.cpp - Keras window arithmetic -------------------===//
//
// Checks computeWindowDim against the definition of Keras/TensorFlow padding:
// for every small configuration the output extent and the padding split are
// recomputed from first principles (real-valued ceil, explicit enumeration of
// window positions) and compared.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "mlir/IR/MLIRContext.h"
#include <cmath>
#include <gtest/gtest.h>

using namespace cnnc::cnn;

namespace {
mlir::InFlightDiagnostic quiet() { return mlir::InFlightDiagnostic(); }

TEST(WindowGeometry, ValidMatchesEnumeration) {
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t d = 1; d <= 3; ++d) {
          int64_t span = (k - 1) * d + 1;
          auto dim = computeWindowDim(in, k, s, d, Padding::Valid, "height",
                                      quiet);
          if (span > in) {
            EXPECT_TRUE(mlir::failed(dim)) << in << " " << k << " " << d;
            continue;
          }
          ASSERT_TRUE(mlir::succeeded(dim));
          // Count window start positions that keep the window inside.
          int64_t positions = 0;
          for (int64_t start = 0; start + span <= in; start += s)
            ++positions;
          EXPECT_EQ(dim->output, positions);
          EXPECT_EQ(dim->padBefore, 0);
          EXPECT_EQ(dim->padAfter, 0);
        }
}

TEST(WindowGeometry, SameMatchesTensorFlow) {
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t d = 1; d <= 2; ++d) {
          auto dim =
              computeWindowDim(in, k, s, d, Padding::Same, "width", quiet);
          ASSERT_TRUE(mlir::succeeded(dim));
          double expectedOut = std::ceil(double(in) / double(s));
          EXPECT_EQ(dim->output, int64_t(expectedOut));
          double total = std::max(0.0, (expectedOut - 1) * s +
                                           ((k - 1) * d + 1) - in);
          EXPECT_EQ(dim->padBefore, int64_t(std::floor(total / 2)));
          EXPECT_EQ(dim->padAfter, int64_t(total) - dim->padBefore);
          // The last window stays inside the padded extent, and ends
          // exactly at it whenever any padding was needed.
          int64_t lastEnd = (dim->output - 1) * s + dim->dilatedWindow;
          int64_t padded = in + dim->padBefore + dim->padAfter;
          EXPECT_LE(lastEnd, padded);
          if (dim->padAfter > 0)
            EXPECT_EQ(lastEnd, padded);
        }
}

TEST(WindowGeometry, OddSizeStrideTwoPadsAfter) {
  // 7 wide, 3x3 window, stride 2, same: out 4, total pad 2 -> 1 + 1.
  auto dim = computeWindowDim(7, 3, 2, 1, Padding::Same, "width", quiet);
  ASSERT_TRUE(mlir::succeeded(dim));
  EXPECT_EQ(dim->output, 4);
  EXPECT_EQ(dim->padBefore, 1);
  EXPECT_EQ(dim->padAfter, 1);
  // 8 wide, 3x3, stride 2: out 4, total pad 1 -> 0 before, 1 after.
  dim = computeWindowDim(8, 3, 2, 1, Padding::Same, "width", quiet);
  ASSERT_TRUE(mlir::succeeded(dim));
  EXPECT_EQ(dim->output, 4);
  EXPECT_EQ(dim->padBefore, 0);
  EXPECT_EQ(dim->padAfter, 1);
}

TEST(WindowGeometry, OverflowIsAnErrorNotAWrap) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  // The padded extent (input - 1) + dilated window overflows int64.
  EXPECT_TRUE(mlir::failed(computeWindowDim(kMax / 2 + 10, kMax / 2 + 10, 1,
                                            1, Padding::Same, "height",
                                            quiet)));
  // (window - 1) * dilation overflows int64.
  EXPECT_TRUE(mlir::failed(
      computeWindowDim(10, 3, 1, kMax / 2, Padding::Same, "height", quiet)));
  // Huge but representable extents still work.
  auto dim = computeWindowDim(kMax - 1, 2, 2, 1, Padding::Valid, "height",
                              quiet);
  ASSERT_TRUE(mlir::succeeded(dim));
  EXPECT_EQ(dim->output, (kMax - 1 - 2) / 2 + 1);
}

TEST(WindowGeometry, PositivePairRule) {
  mlir::MLIRContext context;
  std::string message;
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &diag) {
    message = diag.str();
  });
  auto emit = [&] {
    return mlir::emitError(mlir::UnknownLoc::get(&context));
  };
  EXPECT_TRUE(mlir::succeeded(verifyPositivePair({2, 3}, "strides", emit)));
  EXPECT_TRUE(mlir::failed(verifyPositivePair({2}, "strides", emit)));
  EXPECT_EQ(message, "'strides' must have 2 elements (height, width), got 1");
  EXPECT_TRUE(mlir::failed(verifyPositivePair({0, 1}, "window", emit)));
  EXPECT_EQ(message, "'window' must be positive, got [0, 1]");
}
} // namespace
