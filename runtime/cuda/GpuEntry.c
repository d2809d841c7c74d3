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

#include "GpuGraphs.h"
#include "GpuRuntime.h"
#include "cnnc/Runtime/abi.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kAlignment = 256 };

/// How an entry call submits its kernels.
typedef enum LaunchMode {
  kDirect,  ///< cuLaunchKernel as the host code calls it
  kCapture, ///< stream capture, cuGraphExecUpdate (drivers before 12.4)
  kRecord,  ///< recorded, then replayed or built into a graph at the end
} LaunchMode;

typedef struct EntryState {
  int active, failed;
  LaunchMode mode;
  char message[512];
  CUstream stream;
  CUdeviceptr arena;
  uint64_t capacity, used, highWater;
  CUdeviceptr *overflow;
  int numOverflow, maxOverflow;
  int64_t calls;     ///< entry calls made by this thread
  GraphState graphs; ///< CNNC_CUDA_GRAPHS=1: recorded launches, cached graphs
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

int32_t cnnc_gpu_entry_begin(void) {
  state.active = 1;
  state.failed = 0;
  state.message[0] = '\0';
  state.used = 0;
  state.numOverflow = 0;
  cnnc_graphs_begin_call(&state.graphs);
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
  if (cnnc_graphs_can_record(cuda)) {
    state.mode = kRecord;
    return CNNC_OK;
  }
  // Capture: the first call of a thread runs uncaptured; it loads the
  // kernel module and grows the workspace, neither of which belongs in a
  // graph.
  if (state.calls++ > 0) {
    if (cnnc_gpu_check(
            cuda->streamBeginCapture(state.stream,
                                     CNNC_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
            "cannot capture a CUDA graph"))
      return CNNC_ERR_DEVICE;
    state.mode = kCapture;
  }
  return CNNC_OK;
}

/// Submits the kernels of the call, by its mode.
static void submitCall(const cnnc_cuda_api *cuda) {
  if (state.mode == kCapture) {
    CUgraph graph = NULL;
    CUresult result = cuda->streamEndCapture(state.stream, &graph);
    if (!cnnc_gpu_check(result, "CUDA graph capture failed") && !state.failed)
      cnnc_graphs_submit_captured(&state.graphs, cuda, graph, state.stream);
    if (graph)
      cuda->graphDestroy(graph);
  } else if (state.mode == kRecord && !state.failed &&
             state.graphs.recorded.count > 0) {
    // Kernels that use stream-ordered allocations are not kept in a graph:
    // the next call gets other addresses from the grown workspace.
    if (state.numOverflow > 0)
      cnnc_graphs_launch_recorded(&state.graphs, cuda, state.stream);
    else
      cnnc_graphs_submit_recorded(&state.graphs, cuda, state.stream);
  }
  state.mode = kDirect;
  cnnc_graphs_begin_call(&state.graphs);
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
    uint64_t capacity =
        (state.highWater + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
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
  cnnc_graphs_note_launch(&state.graphs, function, grid, block,
                          (unsigned)sharedBytes);
  if (state.active && state.mode == kRecord && stream == state.stream) {
    if (cnnc_graphs_record(&state.graphs, cuda, function, grid, block,
                           (unsigned)sharedBytes, params, paramsCount, extra))
      return;
    // Not recordable: the rest of the call launches directly, in order.
    cnnc_graphs_launch_recorded(&state.graphs, cuda, state.stream);
    state.mode = kDirect;
    if (cnnc_gpu_failed())
      return;
  }
  cnnc_gpu_check(cuda->launchKernel(
                     function, grid[0], grid[1], grid[2], block[0], block[1],
                     block[2], (unsigned)sharedBytes, stream, params, extra),
                 "cannot launch a kernel");
}
