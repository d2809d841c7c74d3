//===- Allocator.c - the generated code's temporary buffers ---------------===//
//
// Generated libraries allocate their temporaries (activations, gradients)
// through `_mlir_memref_to_llvm_alloc`/`_free` (finalize-memref-to-llvm with
// use-generic-functions). A training step or a batch-256 forward frees and
// re-allocates the same few megabytes on every call; straight malloc/free
// hands blocks that large back to the kernel (mmap/munmap), and the next
// call pays a page fault per 4 KiB page: a third of a batch-256 forward on
// two threads (perf, bench/run.sh). This allocator keeps the freed blocks
// of each thread in a small cache and gives them back to the next request
// of a similar size, so calls after the first allocate nothing from the
// system. The cache holds at most kSlots blocks and kMaxCachedBytes in all;
// its blocks are freed when the thread exits or the library is unloaded.
//
//===----------------------------------------------------------------------===//

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

enum { kSlots = 64, kHeader = 16 };
static const size_t kMaxCachedBytes = (size_t)1 << 30;

typedef struct BlockCache {
  void *blocks[kSlots]; ///< the malloc'd pointers (header first)
  size_t sizes[kSlots]; ///< their usable sizes
  int count;
  size_t bytes;
} BlockCache;

static pthread_key_t cacheKey;
static pthread_once_t cacheOnce = PTHREAD_ONCE_INIT;

static void destroyCache(void *opaque) {
  BlockCache *cache = opaque;
  for (int i = 0; i < cache->count; ++i)
    free(cache->blocks[i]);
  free(cache);
}

static int keyCreated;

static void createKey(void) {
  keyCreated = pthread_key_create(&cacheKey, destroyCache) == 0;
}

/// When the model library is unloaded: free the unloading thread's cache and
/// drop the key, so no thread exit later calls into unmapped code. (Caches
/// of other threads that allocated through this library are leaked; the
/// generated code allocates only on the thread that calls an entry point.)
__attribute__((destructor)) static void releaseCaches(void) {
  if (!keyCreated)
    return;
  BlockCache *cache = pthread_getspecific(cacheKey);
  if (cache) {
    pthread_setspecific(cacheKey, NULL);
    destroyCache(cache);
  }
  pthread_key_delete(cacheKey);
  keyCreated = 0;
}

/// This thread's cache, or NULL when it cannot be created (then every block
/// goes straight to malloc/free).
static BlockCache *threadCache(void) {
  pthread_once(&cacheOnce, createKey);
  if (!keyCreated)
    return NULL;
  BlockCache *cache = pthread_getspecific(cacheKey);
  if (!cache) {
    cache = calloc(1, sizeof *cache);
    if (cache && pthread_setspecific(cacheKey, cache)) {
      free(cache);
      cache = NULL;
    }
  }
  return cache;
}

static void *payload(void *block) { return (char *)block + kHeader; }

void *_mlir_memref_to_llvm_alloc(size_t size) {
  BlockCache *cache = threadCache();
  if (cache) {
    // The smallest cached block that fits without wasting more than half.
    int best = -1;
    for (int i = 0; i < cache->count; ++i)
      if (cache->sizes[i] >= size && cache->sizes[i] / 2 <= size &&
          (best < 0 || cache->sizes[i] < cache->sizes[best]))
        best = i;
    if (best >= 0) {
      void *block = cache->blocks[best];
      cache->bytes -= cache->sizes[best];
      --cache->count;
      cache->blocks[best] = cache->blocks[cache->count];
      cache->sizes[best] = cache->sizes[cache->count];
      return payload(block);
    }
  }
  if (size > SIZE_MAX - kHeader)
    return NULL;
  void *block = malloc(size + kHeader);
  if (!block)
    return NULL;
  *(size_t *)block = size;
  return payload(block);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  // The lowering only uses this with use-aligned-alloc, which cnnc does not
  // set; over-allocate and let the caller align, as it does for malloc.
  (void)alignment;
  return _mlir_memref_to_llvm_alloc(size);
}

void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer)
    return;
  void *block = (char *)pointer - kHeader;
  size_t size = *(size_t *)block;
  BlockCache *cache = threadCache();
  if (!cache || size > kMaxCachedBytes) {
    free(block);
    return;
  }
  // Make room: evict the largest blocks first until this one fits.
  while (cache->count &&
         (cache->count == kSlots || cache->bytes + size > kMaxCachedBytes)) {
    int largest = 0;
    for (int i = 1; i < cache->count; ++i)
      if (cache->sizes[i] > cache->sizes[largest])
        largest = i;
    free(cache->blocks[largest]);
    cache->bytes -= cache->sizes[largest];
    --cache->count;
    cache->blocks[largest] = cache->blocks[cache->count];
    cache->sizes[largest] = cache->sizes[cache->count];
  }
  cache->blocks[cache->count] = block;
  cache->sizes[cache->count] = size;
  ++cache->count;
  cache->bytes += size;
}
