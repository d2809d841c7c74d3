//===- graph_replay.c - entry calls as generated host code makes them -----===//
//
// Drives the entry API of libcnnc_gpu_support.a the way a GPU library's
// host code does (begin, the stream, a temporary, two kernel launches with
// argument structs on the stack, end) against Inputs/graph_driver.c, whose
// kernels k1, k2 and k3 are the fake handles 0x100, 0x200 and 0x300 (the
// driver gives no argument sizes for k3). Each call prints
// "call <label>" before the driver calls it causes.
//
//===----------------------------------------------------------------------===//

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int32_t cnnc_gpu_entry_begin(void);
int32_t cnnc_gpu_entry_end(int32_t beginStatus);
void *mgpuStreamCreate(void);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamDestroy(void *stream);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz,
                      int32_t sharedBytes, void *stream, void **params,
                      void **extra, size_t paramsCount);

static void *const k1 = (void *)0x100, *const k2 = (void *)0x200,
                  *const k3 = (void *)0x300;

/// One entry call: k1(input, temporary, n) on `grid` blocks, k3(temporary)
/// when `withK3`, then k2(temporary, rate) on one block; the argument
/// structs die after each launch, as the generated code's do.
static void call(const char *label, unsigned grid, int32_t n, float rate,
                 uint64_t bytes, bool withK3) {
  printf("call %s\n", label);
  fflush(stdout);
  int32_t status = cnnc_gpu_entry_begin();
  void *stream = mgpuStreamCreate();
  void *temporary = mgpuMemAlloc(bytes, stream, false);
  {
    struct {
      void *input, *output;
      int32_t n;
    } args = {(void *)0xabc000, temporary, n};
    void *params[] = {&args.input, &args.output, &args.n};
    mgpuLaunchKernel(k1, grid, 1, 1, 256, 1, 1, 0, stream, params, NULL, 3);
  }
  if (withK3) {
    void *buffer = temporary;
    void *params[] = {&buffer};
    mgpuLaunchKernel(k3, 2, 1, 1, 64, 1, 1, 0, stream, params, NULL, 1);
  }
  {
    struct {
      void *buffer;
      float rate;
    } args = {temporary, rate};
    void *params[] = {&args.buffer, &args.rate};
    mgpuLaunchKernel(k2, 1, 1, 1, 128, 1, 1, 0, stream, params, NULL, 2);
  }
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  printf("status %d\n", cnnc_gpu_entry_end(status));
  fflush(stdout);
}

int main(void) {
  const uint64_t small = 4096, large = 3 << 20;
  call("first", 4, 1024, 0.5f, small, false);
  call("same", 4, 1024, 0.5f, small, false);
  call("again", 4, 1024, 0.5f, small, false);
  call("new rate", 4, 1024, 0.25f, small, false);
  call("other grid", 8, 2048, 0.25f, small, false);
  call("back", 4, 1024, 0.25f, small, false);
  call("new n and rate", 4, 512, 0.125f, small, false);
  call("unrecordable", 4, 512, 0.125f, small, true);
  call("overflow", 4, 512, 0.125f, large, false);
  call("grown", 4, 512, 0.125f, large, false);
  return 0;
}
