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
// Allocation failure: every C entry point of a generated library runs its
// implementation inside a guard (cnnc_support_guard_enter + _setjmp in the
// wrapper, ExportCInterface.cpp). An allocation the system refuses inside a
// guard frees the blocks allocated since the guard was entered and
// longjmps back to the wrapper, which returns CNNC_ERR_MEMORY instead of
// letting the kernel write through a null pointer. Allocations outside any
// guard (none in generated code) still return NULL.
//
//===----------------------------------------------------------------------===//

#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

enum { kSlots = 64, kGuards = 4 };

/// In front of every block (kHeader bytes, keeping the payload 16-byte
/// aligned): its usable size and, while it is live inside a guard, its
/// links in that guard's list of live blocks.
typedef struct BlockHeader {
  size_t size;
  struct BlockHeader *previous, *next;
  struct Guard *guard; ///< NULL when not in a guard's list
} BlockHeader;

enum { kHeader = (sizeof(BlockHeader) + 15) / 16 * 16 };

/// One entry-point call in progress on this thread.
typedef struct Guard {
  jmp_buf target;     ///< where an allocation failure returns to
  BlockHeader *live;  ///< blocks allocated since the guard was entered
} Guard;

/// The guards of this thread's calls in progress (entry points do not call
/// each other, so one is the usual depth).
static _Thread_local Guard guards[kGuards];
static _Thread_local int guardDepth;
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

#include "cnnc/Runtime/abi.h"

void _mlir_memref_to_llvm_free(void *pointer);

static void *payload(void *block) { return (char *)block + kHeader; }

/// Adds `block` to the live list of the innermost guard, if any.
static void *track(void *block) {
  BlockHeader *header = block;
  header->guard = NULL;
  if (guardDepth > 0) {
    Guard *guard = &guards[guardDepth - 1];
    header->guard = guard;
    header->previous = NULL;
    header->next = guard->live;
    if (guard->live)
      guard->live->previous = header;
    guard->live = header;
  }
  return block;
}

/// Removes `block` from its guard's live list.
static void untrack(BlockHeader *header) {
  Guard *guard = header->guard;
  if (!guard)
    return;
  if (header->previous)
    header->previous->next = header->next;
  else
    guard->live = header->next;
  if (header->next)
    header->next->previous = header->previous;
  header->guard = NULL;
}

/// A refused allocation: back to the innermost guard's wrapper, which
/// returns CNNC_ERR_MEMORY; NULL outside a guard.
static void *outOfMemory(void) {
  if (guardDepth == 0)
    return NULL;
  longjmp(guards[guardDepth - 1].target, 1);
}

void *cnnc_support_guard_enter(void) {
  // Entry points never call each other; deeper nesting is a bug.
  if (guardDepth == kGuards)
    abort();
  Guard *guard = &guards[guardDepth++];
  guard->live = NULL;
  return guard->target;
}

void cnnc_support_guard_leave(void) {
  Guard *guard = &guards[--guardDepth];
  // Everything a call allocates it frees; forget whatever remains.
  while (guard->live)
    untrack(guard->live);
}

void cnnc_support_guard_unwind(void) {
  Guard *guard = &guards[guardDepth - 1];
  // The blocks of the abandoned call; freeing them may cache them, so pop
  // the guard afterwards (the cache's own allocations are not tracked).
  while (guard->live) {
    BlockHeader *header = guard->live;
    untrack(header);
    _mlir_memref_to_llvm_free(payload(header));
  }
  --guardDepth;
}

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
      return payload(track(block));
    }
  }
  void *block = size > SIZE_MAX - kHeader ? NULL : malloc(size + kHeader);
  if (!block)
    return outOfMemory();
  ((BlockHeader *)block)->size = size;
  return payload(track(block));
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
  untrack(block);
  size_t size = ((BlockHeader *)block)->size;
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
