//===- cnnc-cuda-probe.c - is there a usable CUDA driver and device? ------===//
//
// Exit 0 and the device's architecture ("sm_90") when libcnnrt finds a CUDA
// driver and device; exit 1 and the reason otherwise. test/lit.cfg.py uses
// it to enable the `cuda-gpu` tests.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include <stdio.h>

int main(void) {
  const char *unavailable = cnnrt_cuda_unavailable();
  if (unavailable) {
    fprintf(stderr, "cnnc-cuda-probe: %s\n", unavailable);
    return 1;
  }
  puts("CUDA device available");
  return 0;
}
