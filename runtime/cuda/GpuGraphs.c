//===- GpuGraphs.c - an entry call's launches as a CUDA graph -------------===//
//
// Recording, replay and the cache of executable graphs (GpuGraphs.h); the
// entry calls that use them are in GpuEntry.c.
//
//===----------------------------------------------------------------------===//

#include "GpuGraphs.h"
#include "GpuRuntime.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(void *) != 8 || sizeof(cnnc_cuda_kernel_node) == 72,
               "cnnc_cuda_kernel_node must match CUDA_KERNEL_NODE_PARAMS_v2");

void cnnc_graphs_begin_call(GraphState *g) {
  g->signature = 1469598103934665603ull;
  g->recorded.count = 0;
  g->recorded.used = 0;
}

/// Hashes one launch into the call's signature (FNV-1a): equal signatures
/// mean the same graph topology, as far as the cache needs to look.
void cnnc_graphs_note_launch(GraphState *g, CUfunction function,
                             const unsigned grid[3], const unsigned block[3],
                             unsigned sharedBytes) {
  uint64_t words[8] = {(uint64_t)(uintptr_t)function,
                       grid[0],
                       grid[1],
                       grid[2],
                       block[0],
                       block[1],
                       block[2],
                       sharedBytes};
  for (int i = 0; i < 8; ++i) {
    g->signature ^= words[i];
    g->signature *= 1099511628211ull;
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
static const KernelInfo *kernelInfo(GraphState *g, const cnnc_cuda_api *cuda,
                                    CUfunction function, size_t numParams) {
  for (int i = 0; i < g->numKernels; ++i)
    if (g->kernels[i].function == function)
      return (size_t)g->kernels[i].numParams == numParams ? &g->kernels[i]
                                                          : NULL;
  if (numParams > 4096)
    return NULL;
  KernelInfo *more =
      grow(g->kernels, &g->maxKernels, g->numKernels + 1, sizeof *more);
  uint32_t *sizes = malloc((numParams ? numParams : 1) * sizeof *sizes);
  if (!more || !sizes) {
    free(sizes);
    return NULL;
  }
  g->kernels = more;
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
  KernelInfo *info = &g->kernels[g->numKernels++];
  *info = (KernelInfo){function, (int)numParams, sizes};
  return info;
}

/// Appends a launch with a copy of its argument values to the call's
/// record; 0 when it cannot be recorded (the caller launches it).
int cnnc_graphs_record(GraphState *g, const cnnc_cuda_api *cuda,
                       CUfunction function, const unsigned grid[3],
                       const unsigned block[3], unsigned sharedBytes,
                       void **params, size_t numParams, void **extra) {
  if (extra || (numParams && !params))
    return 0;
  const KernelInfo *info = kernelInfo(g, cuda, function, numParams);
  if (!info)
    return 0;
  LaunchList *list = &g->recorded;
  size_t bytes = 0;
  for (int i = 0; i < info->numParams; ++i)
    bytes += align8(info->sizes[i]);
  Launch *more =
      grow(list->launches, &list->capacity, list->count + 1, sizeof *more);
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
  *launch = (Launch){function,
                     {grid[0], grid[1], grid[2]},
                     {block[0], block[1], block[2]},
                     sharedBytes,
                     info->numParams,
                     info->sizes,
                     list->used,
                     bytes};
  list->used += bytes;
  return 1;
}

/// The argument pointers of launch `k` of `list` (scratch memory, valid
/// until the next call), or NULL when out of host memory.
static void **argumentPointers(GraphState *g, const LaunchList *list, int k) {
  const Launch *launch = &list->launches[k];
  void **more =
      grow(g->pointers, &g->maxPointers, launch->numParams, sizeof *more);
  if (!more)
    return NULL;
  g->pointers = more;
  unsigned char *at = list->bytes + launch->argOffset;
  for (int i = 0; i < launch->numParams; ++i) {
    more[i] = at;
    at += align8(launch->sizes[i]);
  }
  return more;
}

/// The kernel node of launch `k` of `list`; 0 when out of host memory.
static int kernelNode(GraphState *g, const LaunchList *list, int k,
                      cnnc_cuda_kernel_node *node) {
  const Launch *launch = &list->launches[k];
  void **pointers = argumentPointers(g, list, k);
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
void cnnc_graphs_launch_recorded(GraphState *g, const cnnc_cuda_api *cuda,
                                 CUstream stream) {
  LaunchList *list = &g->recorded;
  for (int k = 0; k < list->count && !cnnc_gpu_failed(); ++k) {
    cnnc_cuda_kernel_node n;
    if (!kernelNode(g, list, k, &n))
      break;
    cnnc_gpu_check(cuda->launchKernel(n.function, n.grid[0], n.grid[1],
                                      n.grid[2], n.block[0], n.block[1],
                                      n.block[2], n.sharedBytes, stream,
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
static int holdRecorded(GraphState *g, GraphSlot *slot) {
  const LaunchList *from = &g->recorded;
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
static int buildGraph(GraphState *g, const cnnc_cuda_api *cuda,
                      GraphSlot *slot) {
  releaseSlot(cuda, slot);
  if (!holdRecorded(g, slot)) {
    cnnc_gpu_fail("out of host memory recording kernel launches");
    return 0;
  }
  slot->signature = g->signature;
  const LaunchList *held = &slot->held;
  int ok = !cnnc_gpu_check(cuda->graphCreate(&slot->graph, 0),
                           "cannot create a CUDA graph");
  for (int k = 0; ok && k < held->count; ++k) {
    cnnc_cuda_kernel_node node;
    ok = kernelNode(g, held, k, &node) &&
         !cnnc_gpu_check(cuda->graphAddKernelNode(
                             &slot->nodes[k], slot->graph,
                             k ? &slot->nodes[k - 1] : NULL, k ? 1 : 0, &node),
                         "cannot add a kernel to the CUDA graph");
  }
  ok =
      ok && !cnnc_gpu_check(cuda->graphInstantiate(&slot->exec, slot->graph, 0),
                            "cannot instantiate the CUDA graph");
  if (!ok)
    releaseSlot(cuda, slot);
  return ok;
}

/// Gives the nodes of `slot` whose argument values differ from the recorded
/// ones the new values; 0 when the driver refused one.
static int updateSlot(GraphState *g, const cnnc_cuda_api *cuda,
                      GraphSlot *slot) {
  const LaunchList *now = &g->recorded;
  LaunchList *held = &slot->held;
  for (int k = 0; k < now->count; ++k) {
    const Launch *launch = &now->launches[k];
    unsigned char *old = held->bytes + held->launches[k].argOffset;
    const unsigned char *values = now->bytes + launch->argOffset;
    if (memcmp(old, values, launch->argBytes) == 0)
      continue;
    cnnc_cuda_kernel_node node;
    if (!kernelNode(g, now, k, &node) ||
        cuda->graphExecKernelNodeSetParams(slot->exec, slot->nodes[k], &node) !=
            CNNC_CU_SUCCESS)
      return 0;
    memcpy(old, values, launch->argBytes);
  }
  return 1;
}

/// Submits the recorded launches as one cuGraphLaunch: the cached graph of
/// the same sequence with changed arguments set, or a new graph.
void cnnc_graphs_submit_recorded(GraphState *g, const cnnc_cuda_api *cuda,
                                 CUstream stream) {
  GraphSlot *slot = NULL;
  for (int i = 0; i < kGraphCacheSize && !slot; ++i) {
    GraphSlot *candidate = &g->graphs[i];
    if (candidate->exec && candidate->graph &&
        candidate->signature == g->signature &&
        sameSequence(&candidate->held, &g->recorded))
      slot = candidate;
  }
  if (slot && !updateSlot(g, cuda, slot))
    releaseSlot(cuda, slot); // rebuilt below
  if (!slot) {
    slot = &g->graphs[g->nextSlot];
    g->nextSlot = (g->nextSlot + 1) % kGraphCacheSize;
  }
  if (!slot->exec && !buildGraph(g, cuda, slot))
    return;
  cnnc_gpu_check(cuda->graphLaunch(slot->exec, stream),
                 "cannot launch the CUDA graph");
}

/// 1 when the driver can replay graphs without capturing them.
int cnnc_graphs_can_record(const cnnc_cuda_api *cuda) {
  return cuda->funcGetParamInfo && cuda->graphCreate &&
         cuda->graphAddKernelNode && cuda->graphExecKernelNodeSetParams;
}

/// Launches the captured graph through the cache of executable graphs.
void cnnc_graphs_submit_captured(GraphState *g, const cnnc_cuda_api *cuda,
                                 CUgraph graph, CUstream stream) {
  GraphSlot *slot = NULL;
  for (int i = 0; i < kGraphCacheSize; ++i)
    if (g->graphs[i].exec && !g->graphs[i].graph &&
        g->graphs[i].signature == g->signature)
      slot = &g->graphs[i];
  struct {
    int result;
    void *errorNode, *errorFromNode;
  } info;
  if (slot && cuda->graphExecUpdate(slot->exec, graph, &info) != 0)
    releaseSlot(cuda, slot);
  if (!slot || !slot->exec) {
    if (!slot) {
      slot = &g->graphs[g->nextSlot];
      g->nextSlot = (g->nextSlot + 1) % kGraphCacheSize;
      releaseSlot(cuda, slot);
    }
    slot->signature = g->signature;
    if (cnnc_gpu_check(cuda->graphInstantiate(&slot->exec, graph, 0),
                       "cannot instantiate the CUDA graph"))
      return;
  }
  cnnc_gpu_check(cuda->graphLaunch(slot->exec, stream),
                 "cannot launch the CUDA graph");
}
