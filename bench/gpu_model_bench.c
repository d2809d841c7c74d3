/*===- gpu_model_bench.c - speed of a generated library through libcnnrt --===*\
|*                                                                            *|
|* The GPU counterpart of model_bench.c. The entry points of an nvptx library *|
|* take device pointers (docs/gpu.md), so this program drives the model       *|
|* through libcnnrt's instance API, which owns the device buffers and copies  *|
|* each batch in and the results out, exactly as cnnc-train does. It works    *|
|* for CPU libraries too (cnnrt calls their entry points on host buffers),    *|
|* which is how it is tested without a GPU. Measures:                         *|
|*   - train step at --train-batch (default 32): median time per step over    *|
|*     timed windows (cnnrt_train_step_at), images/s;                         *|
|*   - forward at --batch (default 256): images/s, median of repeated calls;  *|
|*   - forward at batch 1: latency p50/p90 over many calls;                   *|
|*   - with --resident, the same three again calling the library's entry      *|
|*     points directly on buffers allocated once (device memory from the CUDA *|
|*     driver for an nvptx library): no per-call copies, i.e. "data already   *|
|*     on the device" as in the PyTorch CUDA figures. Keys start "resident_". *|
|* GFLOP/s use the descriptor's FLOP count (training counted as 3x forward,   *|
|* as model_bench.c does) and, with --peak-gflops, the fraction of that peak. *|
|* Every GPU entry call is synchronous, so wall-clock time around it is the   *|
|* time of the work. CUDA graphs follow CNNC_CUDA_GRAPHS (read by the         *|
|* library). Prints one "key: value" line per figure (keys start with        *|
|* --prefix) for bench/gpu.sh to collect.                                     *|
|*                                                                            *|
|*   gpu_model_bench model.so [--batch N] [--train-batch N] [--seconds S]     *|
|*                  [--peak-gflops G] [--prefix P] [--train-only] [--resident]*|
|*                                                                            *|
|* Test hook: GPU_MODEL_BENCH_DRIVER=lib.so makes --resident allocate through *|
|* that "driver" even for a CPU library (a fake whose cuMemAlloc is malloc    *|
|* checks the driver path without a GPU). CNNC_CUDA_DRIVER and                *|
|* CNNC_CUDA_DEVICE are honoured as by libcnnrt.                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "cnnc/Runtime/cnnrt.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_stats.h"

static void *allocateOrDie(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) {
    fprintf(stderr, "gpu_model_bench: out of memory\n");
    exit(1);
  }
  return p;
}

static void die(const char *what) {
  fprintf(stderr, "gpu_model_bench: %s: %s\n", what, cnnrt_last_error());
  exit(1);
}

static const char *prefix = "";
static double peakGflops = 0;

/*===----------------------------------------------------------------------===*\
|* The operations measured: through cnnrt or on resident buffers              *|
\*===----------------------------------------------------------------------===*/

/// One way to run the model: `train` does one optimizer step with step number
/// `step`, `forward` one inference call; both return 0 or exit on failure.
typedef struct Runner {
  void (*train)(void *self, int64_t batch, int64_t step);
  void (*forward)(void *self, int64_t batch);
  void *self;
  float lastLoss;
} Runner;

typedef struct CnnrtRun {
  cnnrt_instance *instance;
  const float *images;
  const int32_t *labels;
  float *logits;
  Runner *runner;
} CnnrtRun;

static void cnnrtTrain(void *self, int64_t batch, int64_t step) {
  CnnrtRun *run = self;
  int64_t correct;
  if (cnnrt_train_step_at(run->instance, run->images, run->labels, batch,
                          1e-3f, step, /*seed=*/1, &run->runner->lastLoss,
                          &correct))
    die("train step");
}

static void cnnrtForward(void *self, int64_t batch) {
  CnnrtRun *run = self;
  if (cnnrt_predict(run->instance, run->images, batch, run->logits))
    die("forward");
}

/* The CUDA driver calls --resident needs, loaded with dlopen like libcnnrt
   does (no CUDA headers or libraries at build time). */
typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGet)(int *, int);
  CUresult (*primaryCtxRetain)(void **, int);
  CUresult (*ctxSetCurrent)(void *);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*getErrorString)(CUresult, const char **);
} Driver;

static void checkDriver(const Driver *cu, CUresult result, const char *what) {
  if (result == 0)
    return;
  const char *text = NULL;
  if (cu->getErrorString)
    cu->getErrorString(result, &text);
  fprintf(stderr, "gpu_model_bench: --resident: %s: CUDA error %d (%s)\n",
          what, result, text ? text : "no description");
  exit(1);
}

static void loadDriver(Driver *cu, const char *path) {
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "gpu_model_bench: --resident: %s\n", dlerror());
    exit(1);
  }
  struct {
    void **slot;
    const char *name;
  } symbols[] = {{(void **)&cu->init, "cuInit"},
                 {(void **)&cu->deviceGet, "cuDeviceGet"},
                 {(void **)&cu->primaryCtxRetain, "cuDevicePrimaryCtxRetain"},
                 {(void **)&cu->ctxSetCurrent, "cuCtxSetCurrent"},
                 {(void **)&cu->memAlloc, "cuMemAlloc_v2"},
                 {(void **)&cu->memFree, "cuMemFree_v2"},
                 {(void **)&cu->memcpyHtoD, "cuMemcpyHtoD_v2"},
                 {(void **)&cu->memcpyDtoH, "cuMemcpyDtoH_v2"},
                 {(void **)&cu->getErrorString, "cuGetErrorString"}};
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; ++i) {
    *symbols[i].slot = dlsym(handle, symbols[i].name);
    if (!*symbols[i].slot) {
      fprintf(stderr, "gpu_model_bench: --resident: %s lacks %s\n", path,
              symbols[i].name);
      exit(1);
    }
  }
  const char *ordinalText = getenv("CNNC_CUDA_DEVICE");
  int ordinal = ordinalText && *ordinalText ? atoi(ordinalText) : 0, device;
  void *context;
  checkDriver(cu, cu->init(0), "cuInit");
  checkDriver(cu, cu->deviceGet(&device, ordinal), "cuDeviceGet");
  /* The primary context: the one the library's own driver layer uses, so
     pointers allocated here are valid in its kernels. */
  checkDriver(cu, cu->primaryCtxRetain(&context, device),
              "cuDevicePrimaryCtxRetain");
  checkDriver(cu, cu->ctxSetCurrent(context), "cuCtxSetCurrent");
}

/// Buffers of --resident: device pointers (driver) or host pointers.
typedef struct ResidentRun {
  const cnnc_model_desc *desc;
  const Driver *cu; ///< NULL: host buffers
  void *params, *state, *images, *labels, *logits, *results;
  Runner *runner;
} ResidentRun;

static void *residentAlloc(const Driver *cu, const void *init, size_t bytes) {
  bytes = bytes ? bytes : 4;
  if (!cu) {
    void *p = allocateOrDie(bytes);
    if (init)
      memcpy(p, init, bytes);
    else
      memset(p, 0, bytes);
    return p;
  }
  CUdeviceptr p;
  checkDriver(cu, cu->memAlloc(&p, bytes), "cuMemAlloc");
  if (init) {
    checkDriver(cu, cu->memcpyHtoD(p, init, bytes), "cuMemcpyHtoD");
  } else {
    void *zeros = calloc(1, bytes);
    if (!zeros) {
      fprintf(stderr, "gpu_model_bench: out of memory\n");
      exit(1);
    }
    checkDriver(cu, cu->memcpyHtoD(p, zeros, bytes), "cuMemcpyHtoD");
    free(zeros);
  }
  return (void *)(uintptr_t)p;
}

static void residentFree(const Driver *cu, void *p) {
  if (cu)
    cu->memFree((CUdeviceptr)(uintptr_t)p);
  else
    free(p);
}

static void residentTrain(void *self, int64_t batch, int64_t step) {
  ResidentRun *run = self;
  int32_t status = run->desc->train_step(
      run->params, run->state, run->images, run->labels, batch, 1e-3f, step,
      /*seed=*/1, run->results, (int64_t *)((char *)run->results + 8));
  if (status) {
    fprintf(stderr, "gpu_model_bench: resident train_step returned %d\n",
            (int)status);
    exit(1);
  }
}

static void residentForward(void *self, int64_t batch) {
  ResidentRun *run = self;
  int32_t status = run->desc->forward(run->params, run->images, batch,
                                      run->logits);
  if (status) {
    fprintf(stderr, "gpu_model_bench: resident forward returned %d\n",
            (int)status);
    exit(1);
  }
}

/// The loss the last resident train step wrote (copied back once, at the end).
static float residentLoss(const ResidentRun *run) {
  float loss;
  if (run->cu)
    checkDriver(run->cu,
                run->cu->memcpyDtoH(&loss,
                                    (CUdeviceptr)(uintptr_t)run->results, 4),
                "cuMemcpyDtoH");
  else
    memcpy(&loss, run->results, 4);
  return loss;
}

/*===----------------------------------------------------------------------===*\
|* Measurements                                                               *|
\*===----------------------------------------------------------------------===*/

/// Training at `batch`: median seconds per step over timed windows, sized so
/// that all windows together take about `seconds`.
static void measureTrain(Runner *r, const char *key, int64_t batch,
                         double seconds, int64_t forwardFlops,
                         int64_t *step) {
  enum { kWindows = 11 };
  for (int i = 0; i < 5; ++i) /* module load, workspace, graph capture */
    r->train(r->self, batch, ++*step);
  double t0 = nowSeconds();
  for (int i = 0; i < 5; ++i)
    r->train(r->self, batch, ++*step);
  double estimate = (nowSeconds() - t0) / 5;
  long perWindow = (long)(seconds / kWindows / (estimate > 0 ? estimate : 1e-6));
  perWindow = perWindow < 1 ? 1 : perWindow > 2000 ? 2000 : perWindow;
  double windows[kWindows];
  for (int w = 0; w < kWindows; ++w) {
    double start = nowSeconds();
    for (long i = 0; i < perWindow; ++i)
      r->train(r->self, batch, ++*step);
    windows[w] = (nowSeconds() - start) / (double)perWindow;
  }
  qsort(windows, kWindows, sizeof(double), compareDoubles);
  double median = windows[kWindows / 2];
  double imagesPerSecond = (double)batch / median;
  double gflops = imagesPerSecond * 3.0 * (double)forwardFlops * 1e-9;
  printf("%s%strain_batch%lld_us_per_step: %.1f\n", prefix, key,
         (long long)batch, median * 1e6);
  printf("%s%strain_batch%lld_us_per_step_min: %.1f\n", prefix, key,
         (long long)batch, windows[0] * 1e6);
  printf("%s%strain_batch%lld_images_per_s: %.0f\n", prefix, key,
         (long long)batch, imagesPerSecond);
  printf("%s%strain_batch%lld_gflops: %.2f\n", prefix, key, (long long)batch,
         gflops);
  if (peakGflops > 0)
    printf("%s%strain_batch%lld_fraction_of_peak: %.4f\n", prefix, key,
           (long long)batch, gflops / peakGflops);
  printf("%s%strain_steps_per_window: %ld\n", prefix, key, perWindow);
  fflush(stdout);
}

/// Forward at `batch` (median of repeated calls) and at batch 1 (p50/p90).
static void measureForward(Runner *r, const char *key, int64_t batch,
                           double seconds, int64_t forwardFlops) {
  enum { kRuns = 15, kLatencySamples = 5000 };
  double runs[kRuns];
  for (int i = 0; i < 3; ++i)
    r->forward(r->self, batch);
  for (int i = 0; i < kRuns; ++i) {
    double t0 = nowSeconds();
    r->forward(r->self, batch);
    runs[i] = nowSeconds() - t0;
  }
  qsort(runs, kRuns, sizeof(double), compareDoubles);
  double imagesPerSecond = (double)batch / runs[kRuns / 2];
  double gflops = imagesPerSecond * (double)forwardFlops * 1e-9;
  printf("%s%sbatch%lld_images_per_s: %.0f\n", prefix, key, (long long)batch,
         imagesPerSecond);
  printf("%s%sbatch%lld_us: %.1f\n", prefix, key, (long long)batch,
         runs[kRuns / 2] * 1e6);
  printf("%s%sbatch%lld_gflops: %.2f\n", prefix, key, (long long)batch,
         gflops);
  if (peakGflops > 0)
    printf("%s%sbatch%lld_fraction_of_peak: %.4f\n", prefix, key,
           (long long)batch, gflops / peakGflops);

  static double latency[kLatencySamples];
  for (int i = 0; i < 50; ++i)
    r->forward(r->self, 1);
  int samples = 0;
  double start = nowSeconds();
  while (samples < kLatencySamples &&
         (samples < 50 || nowSeconds() - start < seconds)) {
    double t0 = nowSeconds();
    r->forward(r->self, 1);
    latency[samples++] = nowSeconds() - t0;
  }
  qsort(latency, samples, sizeof(double), compareDoubles);
  printf("%s%sbatch1_p50_us: %.1f\n", prefix, key,
         quantile(latency, samples, 0.5) * 1e6);
  printf("%s%sbatch1_p90_us: %.1f\n", prefix, key,
         quantile(latency, samples, 0.9) * 1e6);
  printf("%s%sbatch1_samples: %d\n", prefix, key, samples);
  fflush(stdout);
}

static long positiveOrDie(const char *flag, const char *text) {
  char *end;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 1 || value > 65536) {
    fprintf(stderr, "gpu_model_bench: %s must be an integer in [1, 65536], "
                    "not '%s'\n", flag, text);
    exit(1);
  }
  return value;
}

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr,
            "usage: %s model.so [--batch N] [--train-batch N] [--seconds S] "
            "[--peak-gflops G] [--prefix P] [--train-only] [--resident]\n",
            argv[0]);
    return 1;
  }
  long batch = 256, trainBatch = 32;
  double seconds = 1.0;
  int trainOnly = 0, resident = 0;
  for (int i = 2; i < argc; ++i) {
    if (!strcmp(argv[i], "--train-only")) {
      trainOnly = 1;
      continue;
    }
    if (!strcmp(argv[i], "--resident")) {
      resident = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "gpu_model_bench: %s needs a value\n", argv[i]);
      return 1;
    }
    if (!strcmp(argv[i], "--batch"))
      batch = positiveOrDie("--batch", argv[++i]);
    else if (!strcmp(argv[i], "--train-batch"))
      trainBatch = positiveOrDie("--train-batch", argv[++i]);
    else if (!strcmp(argv[i], "--peak-gflops"))
      peakGflops = atof(argv[++i]);
    else if (!strcmp(argv[i], "--seconds"))
      seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--prefix"))
      prefix = argv[++i];
    else {
      fprintf(stderr, "gpu_model_bench: unknown flag %s\n", argv[i]);
      return 1;
    }
  }
  if (!(seconds > 0 && seconds <= 600) || !(peakGflops >= 0)) {
    fprintf(stderr, "gpu_model_bench: --seconds must be in (0, 600] and "
                    "--peak-gflops not negative\n");
    return 1;
  }

  cnnrt_model *model = cnnrt_load(argv[1]);
  if (!model)
    die("load");
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  int cuda = cnnrt_model_is_cuda(model);
  if (cuda && cnnrt_cuda_unavailable()) {
    fprintf(stderr, "gpu_model_bench: %s\n", cnnrt_cuda_unavailable());
    return 1;
  }
  const char *graphs = getenv("CNNC_CUDA_GRAPHS");
  printf("%smodel: %s\n", prefix, desc->name);
  printf("%starget: %s\n", prefix, desc->target);
  printf("%scuda_graphs: %d\n", prefix,
         cuda && graphs && !strcmp(graphs, "1"));
  printf("%sforward_flops_per_image: %lld\n", prefix,
         (long long)desc->forward_flops);
  printf("%sthreads: %d\n", prefix, cnnrt_num_threads(model));
  fflush(stdout);

  int64_t pixels = cnnrt_model_image_elements(model);
  long rows = batch > trainBatch ? batch : trainBatch;
  float *images = allocateOrDie(sizeof(float) * (size_t)(rows * pixels));
  int32_t *labels = allocateOrDie(sizeof(int32_t) * (size_t)rows);
  float *logits =
      allocateOrDie(sizeof(float) * (size_t)(rows * desc->num_classes));
  for (int64_t i = 0; i < rows * pixels; ++i)
    images[i] = (float)((i * 7919) % 256) / 255.0f;
  for (long i = 0; i < rows; ++i)
    labels[i] = (int32_t)(i % desc->num_classes);
  int training = cnnrt_model_has_training(model);

  /* Through cnnrt: what cnnc-train sees (batch copied in, results out). */
  cnnrt_instance *instance = cnnrt_instance_create(model, 42);
  if (!instance)
    die("instance");
  Runner runner = {cnnrtTrain, cnnrtForward, NULL, NAN};
  CnnrtRun cnnrtRun = {instance, images, labels, logits, &runner};
  runner.self = &cnnrtRun;
  int64_t step = 0;
  if (training) {
    measureTrain(&runner, "", trainBatch, seconds, desc->forward_flops, &step);
    printf("%strain_last_loss: %.6f\n", prefix, runner.lastLoss);
    if (!isfinite(runner.lastLoss)) {
      fprintf(stderr, "gpu_model_bench: the training loss is not finite\n");
      return 1;
    }
  }
  if (!trainOnly)
    measureForward(&runner, "", batch, seconds, desc->forward_flops);
  cnnrt_instance_destroy(instance);

  /* Resident buffers: the entry points alone, no copies. */
  if (resident) {
    const char *testDriver = getenv("GPU_MODEL_BENCH_DRIVER");
    const char *driverPath = getenv("CNNC_CUDA_DRIVER");
    Driver driver = {0};
    const Driver *cu = NULL;
    if (cuda || (testDriver && *testDriver)) {
      loadDriver(&driver, testDriver && *testDriver ? testDriver
                          : driverPath && *driverPath ? driverPath
                                                      : "libcuda.so.1");
      cu = &driver;
    }
    float *hostParams =
        allocateOrDie(sizeof(float) * (size_t)desc->param_elements);
    if (desc->init_params(hostParams, 42) != CNNC_OK) {
      fprintf(stderr, "gpu_model_bench: init_params failed\n");
      return 1;
    }
    Runner residentRunner = {residentTrain, residentForward, NULL, NAN};
    ResidentRun run = {
        desc,
        cu,
        residentAlloc(cu, hostParams,
                      sizeof(float) * (size_t)desc->param_elements),
        residentAlloc(cu, NULL,
                      sizeof(float) * (size_t)desc->opt_state_elements),
        residentAlloc(cu, images, sizeof(float) * (size_t)(rows * pixels)),
        residentAlloc(cu, labels, sizeof(int32_t) * (size_t)rows),
        residentAlloc(cu, NULL,
                      sizeof(float) * (size_t)(rows * desc->num_classes)),
        residentAlloc(cu, NULL, 16),
        &residentRunner};
    residentRunner.self = &run;
    printf("%sresident_buffers: %s\n", prefix, cu ? "driver" : "host");
    step = 0;
    if (training) {
      measureTrain(&residentRunner, "resident_", trainBatch, seconds,
                   desc->forward_flops, &step);
      float loss = residentLoss(&run);
      printf("%sresident_train_last_loss: %.6f\n", prefix, loss);
      if (!isfinite(loss)) {
        fprintf(stderr, "gpu_model_bench: the resident training loss is not "
                        "finite\n");
        return 1;
      }
    }
    if (!trainOnly)
      measureForward(&residentRunner, "resident_", batch, seconds,
                     desc->forward_flops);
    residentFree(cu, run.params);
    residentFree(cu, run.state);
    residentFree(cu, run.images);
    residentFree(cu, run.labels);
    residentFree(cu, run.logits);
    residentFree(cu, run.results);
    free(hostParams);
  }
  free(images);
  free(labels);
  free(logits);
  cnnrt_unload(model);
  return 0;
}
