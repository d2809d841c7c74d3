/*===- memory-check.c - a generated library's memory stays flat -----------===*\
|*                                                                            *|
|* Loads a library built by cnnc, calls each entry point many times and      *|
|* fails when the resident set grows between the first third of the calls    *|
|* and the end: every temporary of a call must be freed (or reused) by the   *|
|* next one.                                                                 *|
|*                                                                            *|
|*   memory-check model.so calls max-growth-kb                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "cnnc/Runtime/abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static long residentKB(void) {
  FILE *statm = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (!statm || fscanf(statm, "%ld %ld", &size, &resident) != 2) {
    fprintf(stderr, "memory-check: cannot read /proc/self/statm\n");
    exit(2);
  }
  fclose(statm);
  return resident * 4;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s model.so calls max-growth-kb\n", argv[0]);
    return 2;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  cnnc_model_entry_fn entry =
      library ? (cnnc_model_entry_fn)dlsym(library, CNNC_MODEL_ENTRY_SYMBOL)
              : NULL;
  if (!entry) {
    fprintf(stderr, "memory-check: %s\n", dlerror());
    return 2;
  }
  const cnnc_model_desc *desc = entry();
  long calls = atol(argv[2]), maxGrowth = atol(argv[3]), batch = 32;
  long image = desc->input_shape[1] * desc->input_shape[2] *
               desc->input_shape[3];
  float *params = calloc(desc->param_elements, sizeof(float));
  float *state = calloc(desc->opt_state_elements + 1, sizeof(float));
  float *images = calloc(batch * image, sizeof(float));
  float *logits = calloc(batch * desc->num_classes, sizeof(float));
  int32_t *labels = calloc(batch, sizeof(int32_t));
  if (!params || !state || !images || !logits || !labels ||
      desc->init_params(params, 1) != CNNC_OK)
    return 2;
  for (long i = 0; i < batch * image; ++i)
    images[i] = (float)(i % 251) / 251.0f;
  for (long i = 0; i < batch; ++i)
    labels[i] = (int32_t)(i % desc->num_classes);
  long baseline = 0;
  for (long call = 1; call <= calls; ++call) {
    float loss;
    int64_t correct;
    if (desc->train_step(params, state, images, labels, batch, 1e-3f, call,
                         /*seed=*/1, &loss, &correct) != CNNC_OK ||
        desc->evaluate(params, images, labels, batch, &loss, &correct) !=
            CNNC_OK ||
        desc->forward(params, images, batch, logits) != CNNC_OK) {
      fprintf(stderr, "memory-check: an entry point failed\n");
      return 2;
    }
    if (call == calls / 3)
      baseline = residentKB();
  }
  long growth = residentKB() - baseline;
  printf("resident set growth over the last %ld calls: %ld KB\n",
         calls - calls / 3, growth);
  return growth > maxGrowth ? 1 : 0;
}
