//===- prefetch_host_driver.c - a CUDA driver whose device is host memory -===//
//
// A stand-in for libcuda.so.1 with one "device" whose memory is host memory,
// so libcnnrt's CUDA instance code (uploads, batch slots, prefetches, result
// downloads) runs on a CPU-only machine around the entry points of a CPU
// library (test/GPU/Inputs/prefetch.c relabels its descriptor "nvptx").
//
// Asynchronous copies and memsets are queued per stream and only performed
// when the stream is synchronized (or destroyed), or an event recorded after
// them is: the latest moment a real driver may perform them. A runtime that
// uses a device buffer before waiting for its copy, or rewrites a staging
// buffer that a queued copy still reads, therefore computes with wrong data,
// and freeing memory that a queued copy still touches aborts.
// fake_cuda_copies() counts the host-to-device copies per stream, in the order
// the streams were created.
//
//===----------------------------------------------------------------------===//

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxStreams = 8, kMaxOps = 64, kFailure = 999 };

typedef struct Op {
  char *dst;
  const char *src; // NULL: memset to `value`
  size_t bytes;
  unsigned char value;
} Op;

typedef struct Stream {
  int index;         // creation order
  long queued, done; // operations queued and performed so far
  Op ops[kMaxOps];   // operation k at k % kMaxOps
} Stream;

typedef struct Event {
  Stream *stream; // NULL: never recorded
  long position;  // operations queued before the record
} Event;

static Stream *streams[kMaxStreams];
static int created;
static long copies[kMaxStreams];

long fake_cuda_copies(int streamIndex) {
  return streamIndex >= 0 && streamIndex < kMaxStreams ? copies[streamIndex]
                                                       : -1;
}

/// Performs the operations of `stream` queued before `position`.
static void run(Stream *stream, long position) {
  for (; stream->done < position; ++stream->done) {
    Op *op = &stream->ops[stream->done % kMaxOps];
    if (op->src)
      memcpy(op->dst, op->src, op->bytes);
    else
      memset(op->dst, op->value, op->bytes);
  }
}

static int enqueue(Stream *stream, void *dst, const void *src, size_t bytes,
                   unsigned char value) {
  if (!stream || stream->queued - stream->done == kMaxOps)
    return kFailure;
  stream->ops[stream->queued++ % kMaxOps] = (Op){dst, src, bytes, value};
  return 0;
}

/// Aborts when a queued operation touches [begin, begin + bytes).
static void checkUnused(const char *what, const char *begin, size_t bytes) {
  for (int s = 0; s < created; ++s) {
    Stream *stream = streams[s];
    for (long k = stream ? stream->done : 0; stream && k < stream->queued;
         ++k) {
      const Op *op = &stream->ops[k % kMaxOps];
      int dst = op->dst < begin + bytes && begin < op->dst + op->bytes;
      int src =
          op->src && op->src < begin + bytes && begin < op->src + op->bytes;
      if (dst || src) {
        fprintf(stderr, "fake driver: %s of memory a queued copy uses\n", what);
        abort();
      }
    }
  }
}

// Allocations, to know the size of what is freed.
typedef struct Block {
  char *begin;
  size_t bytes;
} Block;
static Block blocks[256];

static void *allocate(size_t bytes) {
  char *memory = malloc(bytes ? bytes : 1);
  if (!memory)
    return NULL;
  memset(memory, 0xff, bytes); // NaN until written
  for (int i = 0; i < 256; ++i)
    if (!blocks[i].begin) {
      blocks[i] = (Block){memory, bytes};
      return memory;
    }
  free(memory);
  return NULL;
}

static int release(const char *what, void *memory) {
  for (int i = 0; i < 256; ++i)
    if (blocks[i].begin == memory) {
      checkUnused(what, memory, blocks[i].bytes);
      free(memory);
      blocks[i].begin = NULL;
      return 0;
    }
  return kFailure;
}

int cuInit(unsigned flags) { return flags ? kFailure : 0; }
int cuDeviceGetCount(int *count) {
  *count = 1;
  return 0;
}
int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? 0 : kFailure;
}
int cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  *value = attribute == 75 ? 9 : 0; // compute capability 9.0
  return 0;
}
int cuDeviceGetName(char *name, int length, int device) {
  (void)device;
  snprintf(name, (size_t)length, "host memory");
  return 0;
}
int cuDevicePrimaryCtxRetain(void **context, int device) {
  (void)device;
  *context = (void *)streams;
  return 0;
}
int cuCtxSetCurrent(void *context) { return context ? 0 : kFailure; }
int cuGetErrorName(int error, const char **name) {
  *name = error ? "FAKE_ERROR" : "CUDA_SUCCESS";
  return 0;
}
int cuGetErrorString(int error, const char **text) {
  *text = error ? "fake driver failure" : "no error";
  return 0;
}

int cuMemAlloc_v2(uint64_t *ptr, size_t bytes) {
  void *memory = allocate(bytes);
  *ptr = (uint64_t)(uintptr_t)memory;
  return memory ? 0 : kFailure;
}
int cuMemFree_v2(uint64_t ptr) {
  return release("cuMemFree", (void *)(uintptr_t)ptr);
}
int cuMemAllocAsync(uint64_t *ptr, size_t bytes, Stream *stream) {
  (void)stream;
  return cuMemAlloc_v2(ptr, bytes);
}
int cuMemFreeAsync(uint64_t ptr, Stream *stream) {
  (void)stream;
  return cuMemFree_v2(ptr);
}
int cuMemHostAlloc(void **ptr, size_t bytes, unsigned flags) {
  (void)flags;
  *ptr = allocate(bytes);
  return *ptr ? 0 : kFailure;
}
int cuMemFreeHost(void *ptr) { return release("cuMemFreeHost", ptr); }

int cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t bytes,
                         Stream *stream) {
  if (stream)
    ++copies[stream->index];
  return enqueue(stream, (void *)(uintptr_t)dst, src, bytes, 0);
}
int cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t bytes,
                         Stream *stream) {
  return enqueue(stream, dst, (const void *)(uintptr_t)src, bytes, 0);
}
int cuMemsetD8Async(uint64_t dst, unsigned char value, size_t n,
                    Stream *stream) {
  return enqueue(stream, (void *)(uintptr_t)dst, NULL, n, value);
}

int cuStreamCreate(Stream **stream, unsigned flags) {
  (void)flags;
  if (created == kMaxStreams || !(*stream = calloc(1, sizeof **stream)))
    return kFailure;
  (*stream)->index = created;
  streams[created++] = *stream;
  return 0;
}
int cuStreamSynchronize(Stream *stream) {
  if (!stream)
    return kFailure;
  run(stream, stream->queued);
  return 0;
}
int cuStreamDestroy_v2(Stream *stream) {
  if (!stream)
    return kFailure;
  run(stream, stream->queued);
  streams[stream->index] = NULL;
  free(stream);
  return 0;
}

int cuEventCreate(Event **event, unsigned flags) {
  (void)flags;
  *event = calloc(1, sizeof **event);
  return *event ? 0 : kFailure;
}
int cuEventRecord(Event *event, Stream *stream) {
  if (!event || !stream)
    return kFailure;
  *event = (Event){stream, stream->queued};
  return 0;
}
int cuEventSynchronize(Event *event) {
  if (!event)
    return kFailure;
  if (event->stream)
    run(event->stream, event->position);
  return 0;
}
int cuEventDestroy_v2(Event *event) {
  free(event);
  return event ? 0 : kFailure;
}

// Kernels never reach this driver: the entry points are CPU code.
#define UNUSED(name)                                                           \
  int name(void) { return kFailure; }
UNUSED(cuModuleLoadData)
UNUSED(cuModuleUnload)
UNUSED(cuModuleGetFunction)
UNUSED(cuLaunchKernel)
UNUSED(cuStreamBeginCapture_v2)
UNUSED(cuStreamEndCapture)
UNUSED(cuGraphInstantiateWithFlags)
UNUSED(cuGraphExecUpdate_v2)
UNUSED(cuGraphLaunch)
UNUSED(cuGraphDestroy)
UNUSED(cuGraphExecDestroy)
