/*===- out-of-memory.c - allocation failure inside generated code ---------===*\
|*                                                                            *|
|* Caps the address space (RLIMIT_AS), then calls forward and train_step of  *|
|* a library built by cnnc on a batch whose temporaries cannot fit: each call *|
|* must return CNNC_ERR_MEMORY (no crash through a null pointer), free what   *|
|* it allocated (repeated failures do not grow the heap), and leave the      *|
|* library usable: a small batch then succeeds.                              *|
|*                                                                            *|
|*   out-of-memory model.so limit-mb huge-batch                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "cnnc/Runtime/abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s model.so limit-mb huge-batch\n", argv[0]);
    return 2;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  cnnc_model_entry_fn entry =
      library ? (cnnc_model_entry_fn)dlsym(library, CNNC_MODEL_ENTRY_SYMBOL)
              : NULL;
  if (!entry) {
    fprintf(stderr, "out-of-memory: %s\n", dlerror());
    return 2;
  }
  const cnnc_model_desc *desc = entry();
  long image = desc->input_shape[1] * desc->input_shape[2] *
               desc->input_shape[3];
  long batch = atol(argv[3]);
  float *params = calloc(desc->param_elements, sizeof(float));
  float *state = calloc(desc->opt_state_elements + 1, sizeof(float));
  float *images = calloc((size_t)(batch * image), sizeof(float));
  float *logits = calloc((size_t)(batch * desc->num_classes), sizeof(float));
  int32_t *labels = calloc((size_t)batch, sizeof(int32_t));
  if (!params || !state || !images || !logits || !labels ||
      desc->init_params(params, 1) != CNNC_OK) {
    fprintf(stderr, "out-of-memory: setup failed\n");
    return 2;
  }
  struct rlimit limit = {(rlim_t)atol(argv[2]) << 20,
                         (rlim_t)atol(argv[2]) << 20};
  if (setrlimit(RLIMIT_AS, &limit)) {
    perror("setrlimit");
    return 2;
  }
  float loss;
  int64_t correct;
  for (int i = 0; i < 20; ++i) {
    int32_t forward = desc->forward(params, images, batch, logits);
    int32_t step = desc->train_step(params, state, images, labels, batch,
                                    1e-3f, 1, 1, &loss, &correct);
    if (forward != CNNC_ERR_MEMORY || step != CNNC_ERR_MEMORY) {
      printf("call %d: forward %d, train_step %d, expected %d\n", i, forward,
             step, CNNC_ERR_MEMORY);
      return 1;
    }
  }
  printf("20 forward and train_step calls returned CNNC_ERR_MEMORY\n");
  // Everything the failed calls allocated was freed: a small batch fits.
  int32_t small = desc->train_step(params, state, images, labels, 2, 1e-3f, 1,
                                   1, &loss, &correct);
  printf("then a batch of 2: train_step %d\n", small);
  return small == CNNC_OK ? 0 : 1;
}
