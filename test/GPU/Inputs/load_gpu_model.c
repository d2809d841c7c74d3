// Loads a library built with `cnnc --target=nvptx` through libcnnrt and
// tries to create an instance, then calls the library's entry point
// directly: loading works anywhere, running needs a CUDA device, and both
// failures are one clear line, never a crash.
#include "cnnc/Runtime/cnnrt.h"

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  cnnrt_model *model = cnnrt_load(argv[1]);
  if (!model) {
    printf("load failed: %s\n", cnnrt_last_error());
    return 1;
  }
  printf("loaded: target %s, cuda %d\n", cnnrt_model_desc(model)->target,
         cnnrt_model_is_cuda(model));
  const char *unavailable = cnnrt_cuda_unavailable();
  printf("cuda: %s\n", unavailable ? unavailable : "available");
  cnnrt_instance *instance = cnnrt_instance_create(model, 1);
  if (!instance)
    printf("instance: %s\n", cnnrt_last_error());
  // The entry point itself reports the device error as a status.
  float image[28 * 28], logits[10];
  int status = cnnrt_model_desc(model)->forward(image, image, 1, logits);
  printf("forward status %d\n", status);
  cnnrt_instance_destroy(instance);
  cnnrt_unload(model);
  return 0;
}
