/*===- GpuGraphs.h - an entry call's launches as a CUDA graph -----*- C -*-===*\
|*                                                                            *|
|* With CNNC_CUDA_GRAPHS=1 the launches of an entry call are recorded         *|
|* (kernel, dimensions and a copy of the argument values) and submitted at    *|
|* its end as one cuGraphLaunch: a cached executable graph of the same        *|
|* launch sequence gets the changed arguments, another sequence is built      *|
|* into a new graph. Drivers that cannot tell a kernel's argument sizes       *|
|* capture the call instead (GpuEntry.c).                                     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_CUDA_GPUGRAPHS_H
#define CNNC_RUNTIME_CUDA_GPUGRAPHS_H

#include "CudaDriver.h"

#include <stddef.h>
#include <stdint.h>

enum { kGraphCacheSize = 8 };

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
  LaunchList held; ///< kRecord: the launches and values `exec` holds
} GraphSlot;

/// One thread's graphs: the current call's launches, the argument sizes of
/// the kernels seen, and the cache of executable graphs.
typedef struct GraphState {
  uint64_t signature;  ///< hash of this call's launch sequence
  LaunchList recorded; ///< this call's launches so far (recording)
  KernelInfo *kernels; ///< argument sizes of the kernels seen
  int numKernels, maxKernels;
  void **pointers; ///< scratch: argument pointers of one launch
  int maxPointers;
  GraphSlot graphs[kGraphCacheSize];
  int nextSlot;
} GraphState;

/// Starts a call: no launches, an empty signature.
void cnnc_graphs_begin_call(GraphState *g);

/// Hashes one launch into the call's signature (FNV-1a): equal signatures
/// mean the same graph topology, as far as the cache needs to look.
void cnnc_graphs_note_launch(GraphState *g, CUfunction function,
                             const unsigned grid[3], const unsigned block[3],
                             unsigned sharedBytes);

/// Appends a launch with a copy of its argument values to the call's
/// record; 0 when it cannot be recorded (the caller launches it).
int cnnc_graphs_record(GraphState *g, const cnnc_cuda_api *cuda,
                       CUfunction function, const unsigned grid[3],
                       const unsigned block[3], unsigned sharedBytes,
                       void **params, size_t numParams, void **extra);

/// Launches the recorded launches directly on `stream`, in order, and
/// forgets them.
void cnnc_graphs_launch_recorded(GraphState *g, const cnnc_cuda_api *cuda,
                                 CUstream stream);

/// Submits the recorded launches as one cuGraphLaunch on `stream`: the
/// cached graph of the same sequence with changed arguments set, or a new
/// graph.
void cnnc_graphs_submit_recorded(GraphState *g, const cnnc_cuda_api *cuda,
                                 CUstream stream);

/// Launches a captured `graph` through the cache of executable graphs
/// (updated in place with cuGraphExecUpdate when the sequence matches).
void cnnc_graphs_submit_captured(GraphState *g, const cnnc_cuda_api *cuda,
                                 CUgraph graph, CUstream stream);

/// 1 when the driver can replay graphs without capturing them.
int cnnc_graphs_can_record(const cnnc_cuda_api *cuda);

#endif /* CNNC_RUNTIME_CUDA_GPUGRAPHS_H */
