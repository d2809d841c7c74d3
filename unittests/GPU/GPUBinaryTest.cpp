//===- GPUBinaryTest.cpp - the embedded GPU image container ---------------===//

#include "cnnc/Target/GPUBinary.h"
#include "cnnc/Runtime/gpu_binary.h"

#include "llvm/Support/Error.h"

#include <gtest/gtest.h>

using namespace cnnc;

namespace {

TEST(GPUBinary, ParsesArchitectures) {
  EXPECT_EQ(parseGPUArch("sm_90"), 90u);
  EXPECT_EQ(parseGPUArch("sm_80"), 80u);
  EXPECT_EQ(parseGPUArch("sm_100"), 100u);
  EXPECT_FALSE(parseGPUArch("sm90"));
  EXPECT_FALSE(parseGPUArch("sm_"));
  EXPECT_FALSE(parseGPUArch("sm_9x"));
  EXPECT_FALSE(parseGPUArch("compute_90"));
}

TEST(GPUBinary, RoundTripsImagesWithAlignedOffsets) {
  std::string cubin("\x7f" "ELF\0\1\2", 7);
  std::string ptx = std::string(".version 7.8\n.target sm_90\n") + '\0';
  std::string blob = packGPUImages(
      {{CNNC_GPU_IMAGE_CUBIN, 90, cubin}, {CNNC_GPU_IMAGE_PTX, 90, ptx}});
  ASSERT_EQ(blob.compare(0, 8, CNNC_GPU_BINARY_MAGIC), 0);
  llvm::Expected<std::vector<GPUImage>> images = unpackGPUImages(blob);
  ASSERT_TRUE(bool(images)) << llvm::toString(images.takeError());
  ASSERT_EQ(images->size(), 2u);
  EXPECT_EQ((*images)[0].kind, uint32_t(CNNC_GPU_IMAGE_CUBIN));
  EXPECT_EQ((*images)[0].bytes, cubin);
  EXPECT_EQ((*images)[1].kind, uint32_t(CNNC_GPU_IMAGE_PTX));
  EXPECT_EQ((*images)[1].arch, 90u);
  EXPECT_EQ((*images)[1].bytes, ptx);
  // Image data starts 16-byte aligned (cuModuleLoadData reads ELF headers).
  size_t ptxOffset = blob.find(".version");
  EXPECT_EQ(ptxOffset % 16, 0u);
}

TEST(GPUBinary, RejectsMalformedContainers) {
  std::string blob = packGPUImages({{CNNC_GPU_IMAGE_PTX, 80, std::string("x\0", 2)}});
  // A table entry cut short.
  llvm::Expected<std::vector<GPUImage>> truncated =
      unpackGPUImages(blob.substr(0, 20));
  EXPECT_FALSE(bool(truncated));
  llvm::consumeError(truncated.takeError());
  std::string badMagic = blob;
  badMagic[0] = 'X';
  llvm::Expected<std::vector<GPUImage>> bad = unpackGPUImages(badMagic);
  EXPECT_FALSE(bool(bad));
  llvm::consumeError(bad.takeError());
  // An image table claiming more entries than the blob holds.
  std::string tooMany = blob;
  tooMany[12] = '\x7f';
  llvm::Expected<std::vector<GPUImage>> many = unpackGPUImages(tooMany);
  EXPECT_FALSE(bool(many));
  llvm::consumeError(many.takeError());
}

} // namespace
