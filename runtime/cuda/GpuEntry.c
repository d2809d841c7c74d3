//===- GpuEntry.c - entry calls, streams, workspace, launches, graphs -----===//
//
// Every C entry point of a GPU library runs
//
//   cnnc_gpu_entry_begin()   driver + context, the thread's stream, workspace
//   <host code>              mgpuStreamCreate / mgpuMemAlloc / mgpuLaunchKernel
//   cnnc_gpu_entry_end(s)    submit, synchronize once, report
//
// Inside an entry call the per-launch streams of the generated code are the
// thread's one stream (their synchronize/destroy are no-ops), so kernels run
// back to back and the host waits once. Temporaries come from a per-thread
// device workspace, bump-allocated and recycled by the next call; a call that
// needs more takes stream-ordered allocations and grows the workspace for
// the next one.
//
// With CNNC_CUDA_GRAPHS=1 the launches of a call are recorded (kernel, grid,
// block, shared memory and a copy of the argument values, sized with
// cuFuncGetParamInfo) and issued at its end: a call whose launch sequence
// matches a cached executable graph sets the arguments of the nodes whose
// values changed (cuGraphExecKernelNodeSetParams) and replays it with one
// cuGraphLaunch, with no capture; another sequence is built into a new graph
// (one kernel node per launch, in order) and cached. A call that needed
// stream-ordered allocations launches its kernels directly. Drivers without
// cuFuncGetParamInfo (before CUDA 12.4) capture the whole call instead and
// update the cached graph with cuGraphExecUpdate.
//
//===----------------------------------------------------------------------===//

#include "GpuRuntime.h"
#include "cnnc/Runtime/abi.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kGraphCacheSize = 8, kAlignment = 256 };

_Static_assert(sizeof(void *) != 8 || sizeof(cnnc_cuda_kernel_node) == 72,
               "cnnc_cuda_kernel_node must match CUDA_KERNEL_NODE_PARAMS_v2");

/// How an entry call submits its kernels.
typedef enum LaunchMode {
  kDirect,  ///< cuLaunchKernel as the host code calls it
  kCapture, ///< stream capture, cuGraphExecUpdate (drivers before 12.4)
  kRecord,  ///< recorded, then replayed or built into a graph at the end
} LaunchMode;

/// The argument sizes of a kernel, from cuFuncGetParamInfo.
typedef struct KernelInfo {
  CUfunction function;
  int numParams;
  uint32_t *sizes;
} KernelInfo;

/// One recorded launch; its argument values lie in the list's bytes.
typedef struct Launch {
  CUfunction function;
  unsigned grid[3], block[3], sharedBytes;
  int numParams;
  const uint32_t *sizes;      ///< of its arguments (KernelInfo's, stable)
  size_t argOffset, argBytes; ///< argument values, packed 8-byte aligned
} Launch;

/// Launches in order with their argument values.
typedef struct LaunchList {
  Launch *launches;
  int count, capacity;
  unsigned char *bytes;
  size_t used, reserved;
} LaunchList;

typedef struct GraphSlot {
  uint64_t signature;
  CUgraphExec exec;
  CUgraph graph;      ///< kRecord: the graph of `exec`, owner of `nodes`
  CUgraphNode *nodes; ///< kRecord: the node of each launch
  int maxNodes;
  LaunchList held;    ///< kRecord: the launches and values `exec` holds
} GraphSlot;

typedef struct EntryState {
  int active, failed;
  LaunchMode mode;
  char message[512];
  CUstream stream;
  CUdeviceptr arena;
  uint64_t capacity, used, highWater;
  CUdeviceptr *overflow;
  int numOverflow, maxOverflow;
  uint64_t signature; ///< hash of this call's launch sequence
  GraphSlot graphs[kGraphCacheSize];
  int nextSlot;
  int64_t calls;       ///< entry calls made by this thread
  LaunchList recorded; ///< kRecord: this call's launches so far
  KernelInfo *kernels; ///< argument sizes of the kernels seen
  int numKernels, maxKernels;
  void **pointers; ///< scratch: argument pointers of one launch
  int maxPointers;
} EntryState;

static _Thread_local EntryState state;

const char *cnnc_gpu_last_error(void) { return state.message; }

void cnnc_gpu_fail(const char *format, ...) {
  if (state.failed && state.active)
    return; // keep the first error of the call
  state.failed = 1;
  va_list args;
  va_start(args, format);
  vsnprintf(state.message, sizeof state.message, format, args);
  va_end(args);
}

int cnnc_gpu_check(CUresult result, const char *what) {
  if (result == CNNC_CU_SUCCESS)
    return 0;
  char text[400];
  cnnc_cuda_describe(result, what, text, sizeof text);
  cnnc_gpu_fail("%s", text);
  return 1;
}

int cnnc_gpu_failed(void) { return state.active && state.failed; }

const cnnc_cuda_api *cnnc_gpu_driver(void) {
  const cnnc_cuda_api *cuda = cnnc_cuda_init();
  if (!cuda)
    cnnc_gpu_fail("%s", cnnc_cuda_init_error());
  return cuda;
}

static int graphsEnabled(void) {
  static int enabled = -1;
  if (enabled < 0) {
    const char *value = getenv("CNNC_CUDA_GRAPHS");
    enabled = value && strcmp(value, "1") == 0;
  }
  return enabled;
}

/// Hashes one launch into the call's signature (FNV-1a): equal signatures
/// mean the same graph topology, as far as the cache needs to look.
static void noteLaunch(CUfunction function, const unsigned grid[3],
                       const unsigned block[3], unsigned sharedBytes) {
  uint64_t words[8] = {(uint64_t)(uintptr_t)function, grid[0], grid[1],
                       grid[2], block[0], block[1], block[2], sharedBytes};
  for (int i = 0; i < 8; ++i) {
    state.signature ^= words[i];
    state.signature *= 1099511628211ull;
  }
}

/// `array` with room for `needed` elements of `size` bytes, or NULL (then
/// `array` is unchanged); updates `*capacity`.
static void *grow(void *array, int *capacity, int needed, size_t size) {
  if (needed <= *capacity)
    return array;
  int grown = *capacity ? *capacity : 16;
  while (grown < needed)
    grown *= 2;
  void *more = realloc(array, (size_t)grown * size);
  if (more)
    *capacity = grown;
  return more;
}

/// 1 when `list` has room for `bytes` more argument bytes.
static int reserveBytes(LaunchList *list, size_t bytes) {
  if (list->bytes && list->used + bytes <= list->reserved)
    return 1;
  size_t grown = list->reserved ? list->reserved : 4096;
  while (grown < list->used + bytes)
    grown *= 2;
  unsigned char *more = realloc(list->bytes, grown);
  if (!more)
    return 0;
  list->bytes = more;
  list->reserved = grown;
  return 1;
}

static size_t align8(size_t bytes) { return (bytes + 7) & ~(size_t)7; }

/// The argument sizes of `function`, or NULL when the driver cannot say.
static const KernelInfo *kernelInfo(const cnnc_cuda_api *cuda,
                                    CUfunction function, size_t numParams) {
  for (int i = 0; i < state.numKernels; ++i)
    if (state.kernels[i].function == function)
      return (size_t)state.kernels[i].numParams == numParams
                 ? &state.kernels[i]
                 : NULL;
  if (numParams > 4096)
    return NULL;
  KernelInfo *more = grow(state.kernels, &state.maxKernels,
                          state.numKernels + 1, sizeof *more);
  uint32_t *sizes = malloc((numParams ? numParams : 1) * sizeof *sizes);
  if (!more || !sizes) {
    free(sizes);
    return NULL;
  }
  state.kernels = more;
  for (size_t i = 0; i < numParams; ++i) {
    size_t offset = 0, size = 0;
    if (cuda->funcGetParamInfo(function, i, &offset, &size) !=
            CNNC_CU_SUCCESS ||
        size == 0 || size > 4096) {
      free(sizes);
      return NULL;
    }
    sizes[i] = (uint32_t)size;
  }
  KernelInfo *info = &state.kernels[state.numKernels++];
  *info = (KernelInfo){function, (int)numParams, sizes};
  return info;
}

/// Appends a launch with a copy of its argument values to the call's
/// record; 0 when it cannot be recorded (the caller launches it).
static int recordLaunch(const cnnc_cuda_api *cuda, CUfunction function,
                        const unsigned grid[3], const unsigned block[3],
                        unsigned sharedBytes, void **params, size_t numParams,
                        void **extra) {
  if (extra || (numParams && !params))
    return 0;
  const KernelInfo *info = kernelInfo(cuda, function, numParams);
  if (!info)
    return 0;
  LaunchList *list = &state.recorded;
  size_t bytes = 0;
  for (int i = 0; i < info->numParams; ++i)
    bytes += align8(info->sizes[i]);
  Launch *more = grow(list->launches, &list->capacity, list->count + 1,
                      sizeof *more);
  if (!more)
    return 0;
  list->launches = more;
  if (!reserveBytes(list, bytes))
    return 0;
  unsigned char *at = list->bytes + list->used;
  memset(at, 0, bytes); // padding compares equal
  for (int i = 0; i < info->numParams; ++i) {
    memcpy(at, params[i], info->sizes[i]);
    at += align8(info->sizes[i]);
  }
  Launch *launch = &list->launches[list->count++];
  *launch = (Launch){function, {grid[0], grid[1], grid[2]},
                     {block[0], block[1], block[2]}, sharedBytes,
                     info->numParams, info->sizes, list->used, bytes};
  list->used += bytes;
  return 1;
}

/// The argument pointers of launch `k` of `list` (scratch memory, valid
/// until the next call), or NULL when out of host memory.
static void **argumentPointers(const LaunchList *list, int k) {
  const Launch *launch = &list->launches[k];
  void **more = grow(state.pointers, &state.maxPointers,
                     launch->numParams, sizeof *more);
  if (!more)
    return NULL;
  state.pointers = more;
  unsigned char *at = list->bytes + launch->argOffset;
  for (int i = 0; i < launch->numParams; ++i) {
    more[i] = at;
    at += align8(launch->sizes[i]);
  }
  return more;
}

/// The kernel node of launch `k` of `list`; 0 when out of host memory.
static int kernelNode(const LaunchList *list, int k,
                      cnnc_cuda_kernel_node *node) {
  const Launch *launch = &list->launches[k];
  void **pointers = argumentPointers(list, k);
  if (!pointers) {
    cnnc_gpu_fail("out of host memory recording kernel launches");
    return 0;
  }
  *node = (cnnc_cuda_kernel_node){
      launch->function,
      {launch->grid[0], launch->grid[1], launch->grid[2]},
      {launch->block[0], launch->block[1], launch->block[2]},
      launch->sharedBytes,
      pointers,
      NULL,
      NULL,
      NULL};
  return 1;
}

/// Launches the recorded launches directly, in order, and forgets them.
static void launchRecorded(const cnnc_cuda_api *cuda) {
  LaunchList *list = &state.recorded;
  for (int k = 0; k < list->count && !state.failed; ++k) {
    cnnc_cuda_kernel_node n;
    if (!kernelNode(list, k, &n))
      break;
    cnnc_gpu_check(cuda->launchKernel(n.function, n.grid[0], n.grid[1],
                                      n.grid[2], n.block[0], n.block[1],
                                      n.block[2], n.sharedBytes, state.stream,
                                      n.params, NULL),
                   "cannot launch a kernel");
  }
  list->count = 0;
  list->used = 0;
}

/// 1 when `a` and `b` launch the same kernels with the same dimensions.
static int sameSequence(const LaunchList *a, const LaunchList *b) {
  if (a->count != b->count)
    return 0;
  for (int k = 0; k < a->count; ++k) {
    const Launch *x = &a->launches[k], *y = &b->launches[k];
    if (x->function != y->function || x->sizes != y->sizes ||
        x->sharedBytes != y->sharedBytes ||
        memcmp(x->grid, y->grid, sizeof x->grid) != 0 ||
        memcmp(x->block, y->block, sizeof x->block) != 0)
      return 0;
  }
  return 1;
}

/// Destroys the graphs of `slot`, keeping its host memory for reuse.
static void releaseSlot(const cnnc_cuda_api *cuda, GraphSlot *slot) {
  if (slot->exec)
    cuda->graphExecDestroy(slot->exec);
  if (slot->graph)
    cuda->graphDestroy(slot->graph);
  slot->exec = NULL;
  slot->graph = NULL;
  slot->held.count = 0;
  slot->held.used = 0;
}

/// Copies the recorded launches into `slot`; 0 when out of host memory.
static int holdRecorded(GraphSlot *slot) {
  const LaunchList *from = &state.recorded;
  LaunchList *to = &slot->held;
  Launch *more = grow(to->launches, &to->capacity, from->count, sizeof *more);
  if (!more)
    return 0;
  to->launches = more;
  CUgraphNode *nodes =
      grow(slot->nodes, &slot->maxNodes, from->count, sizeof *nodes);
  if (!nodes)
    return 0;
  slot->nodes = nodes;
  to->used = 0;
  if (!reserveBytes(to, from->used))
    return 0;
  memcpy(to->launches, from->launches, (size_t)from->count * sizeof *more);
  memcpy(to->bytes, from->bytes, from->used);
  to->count = from->count;
  to->used = from->used;
  return 1;
}

/// Builds the recorded launches into a graph (a chain of kernel nodes) and
/// instantiates it in `slot`; 0 on failure (recorded as the call's error).
static int buildGraph(const cnnc_cuda_api *cuda, GraphSlot *slot) {
  releaseSlot(cuda, slot);
  if (!holdRecorded(slot)) {
    cnnc_gpu_fail("out of host memory recording kernel launches");
    return 0;
  }
  slot->signature = state.signature;
  const LaunchList *held = &slot->held;
  int ok = !cnnc_gpu_check(cuda->graphCreate(&slot->graph, 0),
                           "cannot create a CUDA graph");
  for (int k = 0; ok && k < held->count; ++k) {
    cnnc_cuda_kernel_node node;
    ok = kernelNode(held, k, &node) &&
         !cnnc_gpu_check(cuda->graphAddKernelNode(
                             &slot->nodes[k], slot->graph,
                             k ? &slot->nodes[k - 1] : NULL, k ? 1 : 0, &node),
                         "cannot add a kernel to the CUDA graph");
  }
  ok = ok && !cnnc_gpu_check(cuda->graphInstantiate(&slot->exec, slot->graph,
                                                    0),
                             "cannot instantiate the CUDA graph");
  if (!ok)
    releaseSlot(cuda, slot);
  return ok;
}

/// Gives the nodes of `slot` whose argument values differ from the recorded
/// ones the new values; 0 when the driver refused one.
static int updateSlot(const cnnc_cuda_api *cuda, GraphSlot *slot) {
  const LaunchList *now = &state.recorded;
  LaunchList *held = &slot->held;
  for (int k = 0; k < now->count; ++k) {
    const Launch *launch = &now->launches[k];
    unsigned char *old = held->bytes + held->launches[k].argOffset;
    const unsigned char *values = now->bytes + launch->argOffset;
    if (memcmp(old, values, launch->argBytes) == 0)
      continue;
    cnnc_cuda_kernel_node node;
    if (!kernelNode(now, k, &node) ||
        cuda->graphExecKernelNodeSetParams(slot->exec, slot->nodes[k],
                                           &node) != CNNC_CU_SUCCESS)
      return 0;
    memcpy(old, values, launch->argBytes);
  }
  return 1;
}

/// Submits the recorded launches as one cuGraphLaunch: the cached graph of
/// the same sequence with changed arguments set, or a new graph.
static void submitRecorded(const cnnc_cuda_api *cuda) {
  GraphSlot *slot = NULL;
  for (int i = 0; i < kGraphCacheSize && !slot; ++i) {
    GraphSlot *candidate = &state.graphs[i];
    if (candidate->exec && candidate->graph &&
        candidate->signature == state.signature &&
        sameSequence(&candidate->held, &state.recorded))
      slot = candidate;
  }
  if (slot && !updateSlot(cuda, slot))
    releaseSlot(cuda, slot); // rebuilt below
  if (!slot) {
    slot = &state.graphs[state.nextSlot];
    state.nextSlot = (state.nextSlot + 1) % kGraphCacheSize;
  }
  if (!slot->exec && !buildGraph(cuda, slot))
    return;
  cnnc_gpu_check(cuda->graphLaunch(slot->exec, state.stream),
                 "cannot launch the CUDA graph");
}

/// 1 when the driver can replay graphs without capturing them.
static int canRecord(const cnnc_cuda_api *cuda) {
  return cuda->funcGetParamInfo && cuda->graphCreate &&
         cuda->graphAddKernelNode && cuda->graphExecKernelNodeSetParams;
}

int32_t cnnc_gpu_entry_begin(void) {
  state.active = 1;
  state.failed = 0;
  state.message[0] = '\0';
  state.used = 0;
  state.numOverflow = 0;
  state.signature = 1469598103934665603ull;
  state.recorded.count = 0;
  state.recorded.used = 0;
  state.mode = kDirect;
  const cnnc_cuda_api *cuda = cnnc_gpu_driver();
  if (!cuda)
    return CNNC_ERR_DEVICE;
  if (!state.stream &&
      cnnc_gpu_check(
          cuda->streamCreate(&state.stream, CNNC_CU_STREAM_NON_BLOCKING),
          "cannot create a CUDA stream"))
    return CNNC_ERR_DEVICE;
  if (!graphsEnabled())
    return CNNC_OK;
  if (canRecord(cuda)) {
    state.mode = kRecord;
    return CNNC_OK;
  }
  // Capture: the first call of a thread runs uncaptured; it loads the
  // kernel module and grows the workspace, neither of which belongs in a
  // graph.
  if (state.calls++ > 0) {
    if (cnnc_gpu_check(cuda->streamBeginCapture(
                           state.stream,
                           CNNC_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                       "cannot capture a CUDA graph"))
      return CNNC_ERR_DEVICE;
    state.mode = kCapture;
  }
  return CNNC_OK;
}

/// Launches the captured graph through the cache of executable graphs.
static void submitGraph(const cnnc_cuda_api *cuda, CUgraph graph) {
  GraphSlot *slot = NULL;
  for (int i = 0; i < kGraphCacheSize; ++i)
    if (state.graphs[i].exec && !state.graphs[i].graph &&
        state.graphs[i].signature == state.signature)
      slot = &state.graphs[i];
  struct {
    int result;
    void *errorNode, *errorFromNode;
  } info;
  if (slot && cuda->graphExecUpdate(slot->exec, graph, &info) != 0)
    releaseSlot(cuda, slot);
  if (!slot || !slot->exec) {
    if (!slot) {
      slot = &state.graphs[state.nextSlot];
      state.nextSlot = (state.nextSlot + 1) % kGraphCacheSize;
      releaseSlot(cuda, slot);
    }
    slot->signature = state.signature;
    if (cnnc_gpu_check(cuda->graphInstantiate(&slot->exec, graph, 0),
                       "cannot instantiate the CUDA graph"))
      return;
  }
  cnnc_gpu_check(cuda->graphLaunch(slot->exec, state.stream),
                 "cannot launch the CUDA graph");
}

/// Submits the kernels of the call, by its mode.
static void submitCall(const cnnc_cuda_api *cuda) {
  if (state.mode == kCapture) {
    CUgraph graph = NULL;
    CUresult result = cuda->streamEndCapture(state.stream, &graph);
    if (!cnnc_gpu_check(result, "CUDA graph capture failed") && !state.failed)
      submitGraph(cuda, graph);
    if (graph)
      cuda->graphDestroy(graph);
  } else if (state.mode == kRecord && !state.failed &&
             state.recorded.count > 0) {
    // Kernels that use stream-ordered allocations are not kept in a graph:
    // the next call gets other addresses from the grown workspace.
    if (state.numOverflow > 0)
      launchRecorded(cuda);
    else
      submitRecorded(cuda);
  }
  state.mode = kDirect;
  state.recorded.count = 0;
  state.recorded.used = 0;
}

int32_t cnnc_gpu_entry_end(int32_t beginStatus) {
  if (beginStatus != CNNC_OK) {
    state.active = 0;
    return beginStatus;
  }
  const cnnc_cuda_api *cuda = cnnc_cuda_init();
  submitCall(cuda);
  // Freed after the kernels (and any graph) that use them, in stream order.
  for (int i = 0; i < state.numOverflow; ++i)
    cuda->memFreeAsync(state.overflow[i], state.stream);
  cnnc_gpu_check(cuda->streamSynchronize(state.stream),
                 "the GPU failed running the kernels");
  // Grow the workspace to what this call needed, for the next one.
  if (state.highWater > state.capacity) {
    uint64_t capacity = (state.highWater + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
    if (state.arena)
      cuda->memFree(state.arena);
    state.arena = 0;
    state.capacity = 0;
    if (cuda->memAlloc(&state.arena, capacity) == CNNC_CU_SUCCESS)
      state.capacity = capacity;
  }
  state.active = 0;
  return state.failed ? CNNC_ERR_DEVICE : CNNC_OK;
}

void *mgpuStreamCreate(void) {
  if (state.active)
    return state.stream;
  const cnnc_cuda_api *cuda = cnnc_gpu_driver();
  CUstream stream = NULL;
  if (cuda)
    cnnc_gpu_check(cuda->streamCreate(&stream, CNNC_CU_STREAM_NON_BLOCKING),
                   "cannot create a CUDA stream");
  return stream;
}

void mgpuStreamSynchronize(void *stream) {
  if (!stream || (state.active && stream == state.stream))
    return; // the entry call synchronizes once, at its end
  const cnnc_cuda_api *cuda = cnnc_gpu_driver();
  if (cuda)
    cnnc_gpu_check(cuda->streamSynchronize(stream),
                   "the GPU failed running the kernels");
}

void mgpuStreamDestroy(void *stream) {
  if (!stream || stream == state.stream)
    return;
  const cnnc_cuda_api *cuda = cnnc_cuda_init();
  if (cuda)
    cuda->streamDestroy(stream);
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  (void)stream;
  if (hostShared) {
    cnnc_gpu_fail("host-shared GPU allocations are not supported");
    return NULL;
  }
  const cnnc_cuda_api *cuda = cnnc_gpu_driver();
  if (!cuda || cnnc_gpu_failed())
    return NULL;
  uint64_t size = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (size == 0)
    size = kAlignment;
  if (!state.active) {
    CUdeviceptr ptr = 0;
    cnnc_gpu_check(cuda->memAlloc(&ptr, size), "cannot allocate GPU memory");
    return (void *)(uintptr_t)ptr;
  }
  uint64_t offset = state.used;
  state.used += size;
  if (state.used > state.highWater)
    state.highWater = state.used;
  if (state.used <= state.capacity)
    return (void *)(uintptr_t)(state.arena + offset);
  // Beyond the workspace: a stream-ordered allocation (capturable), freed
  // at the end of the call.
  if (state.numOverflow == state.maxOverflow) {
    int grown = state.maxOverflow ? 2 * state.maxOverflow : 64;
    CUdeviceptr *more = realloc(state.overflow, grown * sizeof *more);
    if (!more) {
      cnnc_gpu_fail("out of host memory tracking GPU allocations");
      return NULL;
    }
    state.overflow = more;
    state.maxOverflow = grown;
  }
  CUdeviceptr ptr = 0;
  if (cnnc_gpu_check(cuda->memAllocAsync(&ptr, size, state.stream),
                     "cannot allocate GPU memory"))
    return NULL;
  state.overflow[state.numOverflow++] = ptr;
  return (void *)(uintptr_t)ptr;
}

void mgpuMemFree(void *ptr, void *stream) {
  (void)stream;
  CUdeviceptr p = (CUdeviceptr)(uintptr_t)ptr;
  if (!p || state.active)
    return; // workspace and overflow memory are released by the entry call
  const cnnc_cuda_api *cuda = cnnc_cuda_init();
  if (cuda)
    cuda->memFree(p);
}

void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz,
                      int32_t sharedBytes, void *stream, void **params,
                      void **extra, size_t paramsCount) {
  if (!function || cnnc_gpu_failed())
    return; // the error is already recorded
  if (gx <= 0 || gy <= 0 || gz <= 0)
    return; // an empty batch: nothing to compute
  const cnnc_cuda_api *cuda = cnnc_cuda_init();
  unsigned grid[3] = {(unsigned)gx, (unsigned)gy, (unsigned)gz};
  unsigned block[3] = {(unsigned)bx, (unsigned)by, (unsigned)bz};
  noteLaunch(function, grid, block, (unsigned)sharedBytes);
  if (state.active && state.mode == kRecord && stream == state.stream) {
    if (recordLaunch(cuda, function, grid, block, (unsigned)sharedBytes,
                     params, paramsCount, extra))
      return;
    // Not recordable: the rest of the call launches directly, in order.
    launchRecorded(cuda);
    state.mode = kDirect;
    if (cnnc_gpu_failed())
      return;
  }
  cnnc_gpu_check(cuda->launchKernel(function, grid[0], grid[1], grid[2],
                                    block[0], block[1], block[2],
                                    (unsigned)sharedBytes, stream, params,
                                    extra),
                 "cannot launch a kernel");
}
