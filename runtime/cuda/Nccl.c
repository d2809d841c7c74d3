//===- Nccl.c - NCCL, loaded with dlopen ----------------------------------===//
//
// Opens libnccl.so.2 (or $CNNC_NCCL_LIBRARY) and resolves the functions of
// cnnrt_nccl_api; every failure becomes one line for the caller to print.
//
//===----------------------------------------------------------------------===//

#include "Nccl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local char loadError[512];

const char *cnnrt_nccl_error(void) { return loadError; }

/// Resolves one symbol; 0 when the library has it.
static int resolve(cnnrt_nccl *nccl, void **field, const char *path,
                   const char *name) {
  *field = dlsym(nccl->handle, name);
  if (*field)
    return 0;
  snprintf(loadError, sizeof loadError,
           "%s lacks %s: NCCL 2.11 or later is needed", path, name);
  return -1;
}

cnnrt_nccl *cnnrt_nccl_load(void) {
  loadError[0] = '\0';
  const char *path = getenv(CNNRT_NCCL_LIBRARY_ENV);
  if (!path || !*path)
    path = "libnccl.so.2";
  cnnrt_nccl *nccl = calloc(1, sizeof *nccl);
  if (!nccl) {
    snprintf(loadError, sizeof loadError, "out of memory");
    return NULL;
  }
  nccl->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!nccl->handle) {
    const char *reason = dlerror();
    snprintf(loadError, sizeof loadError, "%s (install NCCL, Debian: libnccl2)",
             reason ? reason : path);
    free(nccl);
    return NULL;
  }
  cnnrt_nccl_api *api = &nccl->api;
  if (resolve(nccl, (void **)&api->getVersion, path, "ncclGetVersion") ||
      resolve(nccl, (void **)&api->getUniqueId, path, "ncclGetUniqueId") ||
      resolve(nccl, (void **)&api->commInitRank, path, "ncclCommInitRank") ||
      resolve(nccl, (void **)&api->allReduce, path, "ncclAllReduce") ||
      resolve(nccl, (void **)&api->redOpCreatePreMulSum, path,
              "ncclRedOpCreatePreMulSum") ||
      resolve(nccl, (void **)&api->redOpDestroy, path, "ncclRedOpDestroy") ||
      resolve(nccl, (void **)&api->commGetAsyncError, path,
              "ncclCommGetAsyncError") ||
      resolve(nccl, (void **)&api->commAbort, path, "ncclCommAbort") ||
      resolve(nccl, (void **)&api->commDestroy, path, "ncclCommDestroy") ||
      resolve(nccl, (void **)&api->getErrorString, path,
              "ncclGetErrorString") ||
      api->getVersion(&nccl->version) != 0) {
    if (!loadError[0])
      snprintf(loadError, sizeof loadError, "%s: ncclGetVersion failed", path);
    dlclose(nccl->handle);
    free(nccl);
    return NULL;
  }
  return nccl;
}

void cnnrt_nccl_describe(const cnnrt_nccl *nccl, ncclResultCode result,
                         const char *what, char *buffer, size_t size) {
  const char *text = nccl ? nccl->api.getErrorString(result) : NULL;
  snprintf(buffer, size, "%s: %s (NCCL error %d)", what,
           text ? text : "unknown error", (int)result);
}

void cnnrt_nccl_destroy(cnnrt_nccl *nccl) {
  if (!nccl)
    return;
  if (nccl->comm)
    nccl->api.commDestroy(nccl->comm);
  dlclose(nccl->handle);
  free(nccl);
}
