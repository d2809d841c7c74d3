/*===- Nccl.h - NCCL, loaded with dlopen --------------------------*- C -*-===*\
|*                                                                            *|
|* Data-parallel GPU ranks sum their gradients with NCCL on device buffers.   *|
|* Like the CUDA driver (CudaDriver.h), cnnc never links it: this layer opens *|
|* libnccl.so.2 at run time and resolves the few functions cnnc-train calls,  *|
|* so machines without NCCL build and run everything else, and a GPU run      *|
|* without it stops with one line. The types are this project's spelling of   *|
|* NCCL's C ABI (nccl.h 2.11 or later: ncclRedOpCreatePreMulSum).             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CNNC_RUNTIME_CUDA_NCCL_H
#define CNNC_RUNTIME_CUDA_NCCL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int ncclResultCode;              /* ncclResult_t; 0 is ncclSuccess */
typedef struct ncclComm *ncclCommHandle; /* ncclComm_t */
typedef struct ncclUniqueIdBytes {       /* ncclUniqueId */
  char internal[128];                    /* NCCL_UNIQUE_ID_BYTES */
} ncclUniqueIdBytes;

enum {
  CNNC_NCCL_FLOAT32 = 7,               /* ncclFloat32 */
  CNNC_NCCL_SUM = 0,                   /* ncclSum */
  CNNC_NCCL_SCALAR_HOST_IMMEDIATE = 1, /* ncclScalarHostImmediate */
  CNNC_NCCL_IN_PROGRESS = 7,           /* ncclInProgress */
};

/// The NCCL functions cnnc-train calls.
typedef struct cnnrt_nccl_api {
  ncclResultCode (*getVersion)(int *version);
  ncclResultCode (*getUniqueId)(ncclUniqueIdBytes *id);
  ncclResultCode (*commInitRank)(ncclCommHandle *comm, int ranks,
                                 ncclUniqueIdBytes id, int rank);
  ncclResultCode (*allReduce)(const void *send, void *receive, size_t count,
                              int type, int op, ncclCommHandle comm,
                              void *stream);
  ncclResultCode (*redOpCreatePreMulSum)(int *op, void *scalar, int type,
                                         int residence, ncclCommHandle comm);
  ncclResultCode (*redOpDestroy)(int op, ncclCommHandle comm);
  ncclResultCode (*commGetAsyncError)(ncclCommHandle comm,
                                      ncclResultCode *error);
  ncclResultCode (*commAbort)(ncclCommHandle comm);
  ncclResultCode (*commDestroy)(ncclCommHandle comm);
  const char *(*getErrorString)(ncclResultCode result);
} cnnrt_nccl_api;

/// A loaded NCCL and, once created, a communicator of this rank.
typedef struct cnnrt_nccl {
  void *handle;
  cnnrt_nccl_api api;
  int version; ///< NCCL_VERSION_CODE, e.g. 22105 for 2.21.5
  ncclCommHandle comm;
} cnnrt_nccl;

/// Environment variable naming the library to open instead of
/// libnccl.so.2 (tests simulate missing or broken installations with it).
#define CNNRT_NCCL_LIBRARY_ENV "CNNC_NCCL_LIBRARY"

/// Opens NCCL and resolves its functions. Returns NULL with
/// cnnrt_nccl_error() set to one line ("libnccl.so.2: cannot open shared
/// object file: ...", "... lacks ncclRedOpCreatePreMulSum: NCCL 2.11 or
/// later is needed") when it cannot be used.
cnnrt_nccl *cnnrt_nccl_load(void);

/// Why the last cnnrt_nccl_load failed.
const char *cnnrt_nccl_error(void);

/// "<what>: <NCCL's description> (error N)" for a failed call.
void cnnrt_nccl_describe(const cnnrt_nccl *nccl, ncclResultCode result,
                         const char *what, char *buffer, size_t size);

/// Destroys the communicator (if any) and closes the library. NULL is
/// ignored.
void cnnrt_nccl_destroy(cnnrt_nccl *nccl);

#ifdef __cplusplus
} // extern "C"
#endif

#endif /* CNNC_RUNTIME_CUDA_NCCL_H */
