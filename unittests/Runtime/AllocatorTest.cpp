//===- AllocatorTest.cpp - the generated code's caching allocator ---------===//
//
// runtime/support/Allocator.c: a freed block comes back for the next request
// of a similar size, requests much smaller or larger get their own block,
// and the cache stays bounded however many blocks are freed.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" {
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *pointer);
}

namespace {

TEST(Allocator, ReusesAFreedBlockOfSimilarSize) {
  void *first = _mlir_memref_to_llvm_alloc(1 << 20);
  ASSERT_NE(first, nullptr);
  std::memset(first, 0x5a, 1 << 20);
  _mlir_memref_to_llvm_free(first);
  // Up to twice the request is reused...
  void *again = _mlir_memref_to_llvm_alloc((1 << 20) - 4096);
  EXPECT_EQ(again, first);
  _mlir_memref_to_llvm_free(again);
  // ...not a block more than twice as large, nor one too small.
  void *small = _mlir_memref_to_llvm_alloc(1000);
  EXPECT_NE(small, first);
  void *large = _mlir_memref_to_llvm_alloc((1 << 20) + 1);
  EXPECT_NE(large, first);
  _mlir_memref_to_llvm_free(small);
  _mlir_memref_to_llvm_free(large);
}

TEST(Allocator, BlocksAreAlignedAndDistinct) {
  std::vector<void *> blocks;
  for (int i = 0; i < 8; ++i) {
    void *block = _mlir_memref_to_llvm_alloc(4096);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 16, 0u);
    for (void *other : blocks)
      EXPECT_NE(block, other);
    std::memset(block, i, 4096);
    blocks.push_back(block);
  }
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(static_cast<unsigned char *>(blocks[i])[4095], i);
  for (void *block : blocks)
    _mlir_memref_to_llvm_free(block);
  void *aligned = _mlir_memref_to_llvm_aligned_alloc(64, 100);
  ASSERT_NE(aligned, nullptr);
  _mlir_memref_to_llvm_free(aligned);
}

TEST(Allocator, ManyFreesStayBoundedAndFreeingNullIsANoOp) {
  // More blocks than the cache has slots: the extra ones are released (a
  // leak would show under valgrind/LeakSanitizer, a bad eviction crash).
  std::vector<void *> blocks;
  for (int i = 0; i < 200; ++i)
    blocks.push_back(_mlir_memref_to_llvm_alloc(1024 + i * 64));
  for (void *block : blocks)
    _mlir_memref_to_llvm_free(block);
  _mlir_memref_to_llvm_free(nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(SIZE_MAX - 8), nullptr);
}

} // namespace
