// GPU-vs-CPU parity: the same model compiled for the host and for nvptx,
// same seed, same batches. Checks forward logits, then `steps` training
// steps (loss, correct count, parameters and optimizer state after each)
// and evaluate, against stated tolerances:
//   logits, loss:      |gpu - cpu| <= 1e-4 + 1e-4 |cpu|
//   parameters, state: |gpu - cpu| <= 1e-4 + 1e-3 |cpu|   (after the steps)
// (float32 everywhere; the GPU sums in another order, and exp/log are MLIR's
// polynomials instead of libm.) Prints the largest differences.
#include "cnnc/Runtime/cnnrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double worst(const float *gpu, const float *cpu, int64_t n, double abs,
                    double rel, int64_t *bad) {
  double largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = fabs((double)gpu[i] - (double)cpu[i]);
    if (d > largest)
      largest = d;
    if (!(d <= abs + rel * fabs((double)cpu[i])))
      ++*bad;
  }
  return largest;
}

int main(int argc, char **argv) {
  if (argc != 5)
    return 2;
  int64_t batch = atoll(argv[3]), steps = atoll(argv[4]);
  cnnrt_model *cpuModel = cnnrt_load(argv[1]), *gpuModel = cnnrt_load(argv[2]);
  cnnrt_instance *cpu = cpuModel ? cnnrt_instance_create(cpuModel, 7) : NULL;
  cnnrt_instance *gpu = gpuModel ? cnnrt_instance_create(gpuModel, 7) : NULL;
  if (!cpu || !gpu) {
    printf("error: %s\n", cnnrt_last_error());
    return 1;
  }
  const cnnc_model_desc *desc = cnnrt_model_desc(cpuModel);
  int64_t pixels = cnnrt_model_image_elements(cpuModel);
  float *images = malloc(sizeof(float) * batch * pixels);
  int32_t *labels = malloc(sizeof(int32_t) * batch);
  float *cpuLogits = malloc(sizeof(float) * batch * desc->num_classes);
  float *gpuLogits = malloc(sizeof(float) * batch * desc->num_classes);
  srand(3);
  int64_t bad = 0;
  for (int64_t s = 0; s <= steps; ++s) {
    for (int64_t i = 0; i < batch * pixels; ++i)
      images[i] = (float)rand() / (float)RAND_MAX;
    for (int64_t i = 0; i < batch; ++i)
      labels[i] = rand() % (int)desc->num_classes;
    if (s == 0) {
      if (cnnrt_predict(cpu, images, batch, cpuLogits) ||
          cnnrt_predict(gpu, images, batch, gpuLogits)) {
        printf("error: %s\n", cnnrt_last_error());
        return 1;
      }
      printf("forward: max |diff| %.3g\n",
             worst(gpuLogits, cpuLogits, batch * desc->num_classes, 1e-4,
                   1e-4, &bad));
      continue;
    }
    float cpuLoss, gpuLoss;
    int64_t cpuCorrect, gpuCorrect;
    if (cnnrt_train_step(cpu, images, labels, batch, 1e-3f, &cpuLoss,
                         &cpuCorrect) ||
        cnnrt_train_step(gpu, images, labels, batch, 1e-3f, &gpuLoss,
                         &gpuCorrect)) {
      printf("error: %s\n", cnnrt_last_error());
      return 1;
    }
    printf("step %lld: loss cpu %.6f gpu %.6f, correct cpu %lld gpu %lld\n",
           (long long)s, cpuLoss, gpuLoss, (long long)cpuCorrect,
           (long long)gpuCorrect);
    worst(&gpuLoss, &cpuLoss, 1, 1e-4, 1e-4, &bad);
    bad += cpuCorrect != gpuCorrect;
  }
  printf("params: max |diff| %.3g\n",
         worst(cnnrt_instance_params(gpu), cnnrt_instance_params(cpu),
               desc->param_elements, 1e-4, 1e-3, &bad));
  printf("opt state: max |diff| %.3g\n",
         worst(cnnrt_instance_opt_state(gpu), cnnrt_instance_opt_state(cpu),
               desc->opt_state_elements, 1e-4, 1e-3, &bad));
  float cpuLoss, gpuLoss;
  int64_t cpuCorrect, gpuCorrect;
  if (cnnrt_evaluate(cpu, images, labels, batch, &cpuLoss, &cpuCorrect) ||
      cnnrt_evaluate(gpu, images, labels, batch, &gpuLoss, &gpuCorrect)) {
    printf("error: %s\n", cnnrt_last_error());
    return 1;
  }
  worst(&gpuLoss, &cpuLoss, 1, 1e-4, 1e-4, &bad);
  printf("evaluate: loss cpu %.6f gpu %.6f\n", cpuLoss, gpuLoss);
  printf("%s: %lld values outside the tolerances\n", bad ? "FAIL" : "PASS",
         (long long)bad);
  cnnrt_instance_destroy(cpu);
  cnnrt_instance_destroy(gpu);
  cnnrt_unload(cpuModel);
  cnnrt_unload(gpuModel);
  return bad ? 1 : 0;
}
