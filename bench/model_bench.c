/*===- model_bench.c - speed of a generated library -----------------------===*\
|*                                                                            *|
|* Loads a library produced by `cnnc` with dlopen and measures forward():    *|
|* batch-1 latency on one thread (p50/p90 over many calls) and large-batch    *|
|* throughput on --threads threads (median of repeated runs), and            *|
|* train_step() at batch 32 (median of timed windows), plus GFLOP/s from the  *|
|* descriptor's FLOP count (training counted as 3x forward) and the fraction  *|
|* of the peak passed on the command line (for the same thread count).       *|
|* Prints one "key: value" line per figure for bench/run.sh to collect; keys  *|
|* start with --prefix.                                                       *|
|*                                                                            *|
|*   model_bench model.so [--batch N] [--threads T] [--peak-gflops G]         *|
|*                        [--seconds S] [--prefix P] [--train-only]           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "cnnc/Runtime/abi.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_stats.h"

static void *allocateOrDie(size_t count) {
  void *p = aligned_alloc(64, ((count * sizeof(float)) + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "model_bench: out of memory\n");
    exit(1);
  }
  return p;
}

int main(int argc, char **argv) {
  /* As cnnc-train does: large temporaries stay on the heap (see
     runtime/train/Tool.c). */
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  if (argc < 2) {
    fprintf(stderr, "usage: %s model.so [--batch N] [--peak-gflops G] "
                    "[--seconds S]\n", argv[0]);
    return 1;
  }
  long batch = 256, threads = 0;
  double peakGflops = 0, seconds = 2.0;
  const char *prefix = "";
  int trainOnly = 0;
  for (int i = 2; i < argc; ++i) {
    if (!strcmp(argv[i], "--train-only")) {
      trainOnly = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "model_bench: %s needs a value\n", argv[i]);
      return 1;
    }
    if (!strcmp(argv[i], "--batch"))
      batch = atol(argv[++i]);
    else if (!strcmp(argv[i], "--threads"))
      threads = atol(argv[++i]);
    else if (!strcmp(argv[i], "--peak-gflops"))
      peakGflops = atof(argv[++i]);
    else if (!strcmp(argv[i], "--seconds"))
      seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--prefix"))
      prefix = argv[++i];
    else {
      fprintf(stderr, "model_bench: unknown flag %s\n", argv[i]);
      return 1;
    }
  }
  if (batch < 1 || threads < 0) {
    fprintf(stderr, "model_bench: --batch must be positive and --threads "
                    "not negative\n");
    return 1;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fprintf(stderr, "model_bench: %s\n", dlerror());
    return 1;
  }
  cnnc_model_entry_fn entry =
      (cnnc_model_entry_fn)dlsym(library, CNNC_MODEL_ENTRY_SYMBOL);
  const cnnc_model_desc *desc = entry ? entry() : NULL;
  if (!desc || desc->abi_version != CNNC_ABI_VERSION) {
    fprintf(stderr, "model_bench: %s: not a cnnc ABI v%u library\n",
            argv[1], CNNC_ABI_VERSION);
    return 1;
  }
  /* The kernels' OpenMP runtime, reached through the library's own
     dependencies (absent in a library compiled with --parallel=false). */
  void (*setThreads)(int);
  *(void **)&setThreads = dlsym(library, "omp_set_num_threads");
  int (*maxThreads)(void);
  *(void **)&maxThreads = dlsym(library, "omp_get_max_threads");
  if (setThreads && threads > 0)
    setThreads((int)threads);
  int runThreads = maxThreads ? maxThreads() : 1;
  long imageSize = desc->input_shape[1] * desc->input_shape[2] *
                   desc->input_shape[3];
  float *params = allocateOrDie(desc->param_elements);
  float *images = allocateOrDie(batch * imageSize);
  float *logits = allocateOrDie(batch * desc->num_classes);
  if (desc->init_params(params, 42) != CNNC_OK) {
    fprintf(stderr, "model_bench: init_params failed\n");
    return 1;
  }
  for (long i = 0; i < batch * imageSize; ++i)
    images[i] = (float)((i * 7919) % 256) / 255.0f;

  printf("%sthreads: %d\n", prefix, runThreads);
  if (!trainOnly) {
    /* Batch 1: latency distribution, on one thread. */
    enum { kLatencySamples = 2000 };
    static double latency[kLatencySamples];
    if (setThreads)
      setThreads(1);
    for (int i = 0; i < 100; ++i)
      desc->forward(params, images, 1, logits);
    int samples = 0;
    double start = nowSeconds();
    while (samples < kLatencySamples &&
           (samples < 50 || nowSeconds() - start < seconds)) {
      double t0 = nowSeconds();
      desc->forward(params, images, 1, logits);
      latency[samples++] = nowSeconds() - t0;
    }
    qsort(latency, samples, sizeof(double), compareDoubles);
    if (setThreads)
      setThreads(runThreads);

    /* Large batch: throughput, median over repeated runs. */
    enum { kThroughputRuns = 15 };
    double runs[kThroughputRuns];
    desc->forward(params, images, batch, logits);
    for (int i = 0; i < kThroughputRuns; ++i) {
      double t0 = nowSeconds();
      desc->forward(params, images, batch, logits);
      runs[i] = nowSeconds() - t0;
    }
    qsort(runs, kThroughputRuns, sizeof(double), compareDoubles);
    double median = runs[kThroughputRuns / 2];
    double imagesPerSecond = (double)batch / median;
    double gflops = imagesPerSecond * (double)desc->forward_flops * 1e-9;
    printf("%sbatch1_p50_us: %.1f\n", prefix,
           quantile(latency, samples, 0.5) * 1e6);
    printf("%sbatch1_p90_us: %.1f\n", prefix,
           quantile(latency, samples, 0.9) * 1e6);
    printf("%sbatch%ld_images_per_s: %.0f\n", prefix, batch, imagesPerSecond);
    printf("%sbatch%ld_gflops: %.2f\n", prefix, batch, gflops);
    if (peakGflops > 0)
      printf("%sbatch%ld_fraction_of_peak: %.3f\n", prefix, batch,
             gflops / peakGflops);
  }

  /* Training: batch 32, median time per step over 9 windows of 5 steps. */
  double trainImagesPerSecond = 0;
  if (desc->train_step) {
    enum { kWindows = 9, kStepsPerWindow = 5, kTrainBatch = 32 };
    float *state = allocateOrDie(desc->opt_state_elements + 1);
    for (long i = 0; i < desc->opt_state_elements; ++i)
      state[i] = 0;
    int32_t labels[kTrainBatch];
    for (int i = 0; i < kTrainBatch; ++i)
      labels[i] = i % (int)desc->num_classes;
    float loss;
    int64_t correct, step = 0;
    for (int i = 0; i < 3; ++i)
      desc->train_step(params, state, images, labels, kTrainBatch, 1e-3f,
                       ++step, /*seed=*/1, &loss, &correct);
    double windows[kWindows];
    for (int w = 0; w < kWindows; ++w) {
      double t0 = nowSeconds();
      for (int i = 0; i < kStepsPerWindow; ++i)
        desc->train_step(params, state, images, labels, kTrainBatch, 1e-3f,
                         ++step, /*seed=*/1, &loss, &correct);
      windows[w] = (nowSeconds() - t0) / kStepsPerWindow;
    }
    qsort(windows, kWindows, sizeof(double), compareDoubles);
    trainImagesPerSecond = kTrainBatch / windows[kWindows / 2];
    free(state);
  }

  printf("%smodel: %s\n", prefix, desc->name);
  printf("%sforward_flops_per_image: %lld\n", prefix,
         (long long)desc->forward_flops);
  if (trainImagesPerSecond > 0) {
    double trainGflops =
        trainImagesPerSecond * 3.0 * (double)desc->forward_flops * 1e-9;
    printf("%strain_batch32_images_per_s: %.0f\n", prefix,
           trainImagesPerSecond);
    printf("%strain_batch32_gflops: %.2f\n", prefix, trainGflops);
    if (peakGflops > 0)
      printf("%strain_batch32_fraction_of_peak: %.3f\n", prefix,
             trainGflops / peakGflops);
  }
  free(params);
  free(images);
  free(logits);
  dlclose(library);
  return 0;
}
