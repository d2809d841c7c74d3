//===- prefetch.c - cnnrt_instance_prefetch against the CPU path ----------===//
//
// Runs a CPU library through libcnnrt twice: as it is, and relabelled as an
// nvptx library so that its instances take the CUDA path of libcnnrt, with
// $CNNC_CUDA_DRIVER naming prefetch_host_driver.c (device memory is host
// memory, asynchronous copies happen at the latest allowed moment). The
// entry points compute the same floats either way, so every loss must be
// bit-identical whatever the runtime copies, prefetches or drops.
//
//   prefetch errors LIB [cuda]  argument checks (relabelled with `cuda`)
//   prefetch api LIB            prefetch scenarios, CPU vs relabelled
//   prefetch fit LIB cpu|cuda   cnnrt_fit (stopped, resumed) and evaluation:
//                               losses as hex floats, for `diff`
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"
#include "cnnc/Runtime/train.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cnnc_model_desc relabelled;

/// The model of `path`, relabelled "nvptx" when `cuda` (`*base` keeps the
/// library loaded).
static cnnrt_model *loadModel(const char *path, int cuda, cnnrt_model **base) {
  *base = cnnrt_load(path);
  if (!*base || !cuda)
    return *base;
  relabelled = *cnnrt_model_desc(*base);
  relabelled.target = "nvptx";
  return cnnrt_model_wrap(&relabelled, "relabelled");
}

/// Host-to-device copies the fake driver queued on its `index`-th stream.
static long copies(int index) {
  const char *driver = getenv("CNNC_CUDA_DRIVER");
  void *handle = driver ? dlopen(driver, RTLD_NOW | RTLD_NOLOAD) : NULL;
  long (*count)(int) =
      handle ? (long (*)(int))dlsym(handle, "fake_cuda_copies") : NULL;
  return count ? count(index) : -1;
}

/// `count` images of the model's shape with deterministic pixels and labels.
static cnnrt_dataset makeData(const cnnrt_model *model, int64_t count) {
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  cnnrt_dataset data = {count,
                        desc->input_shape[1],
                        desc->input_shape[2],
                        desc->input_shape[3],
                        desc->num_classes,
                        NULL,
                        NULL};
  int64_t elements = count * cnnrt_model_image_elements(model);
  data.images = malloc((size_t)elements * sizeof(float));
  data.labels = malloc((size_t)count * sizeof(int32_t));
  uint32_t x = 12345;
  for (int64_t i = 0; i < elements; ++i) {
    x = x * 1664525u + 1013904223u;
    data.images[i] = (float)(x >> 8) / 16777216.0f;
  }
  for (int64_t i = 0; i < count; ++i)
    data.labels[i] = (int32_t)((i * 7 + i / 3) % desc->num_classes);
  return data;
}

static void report(const char *what, int status) {
  printf("%s: %d%s%s\n", what, status, status ? " " : "",
         status ? cnnrt_last_error() : "");
}

static int errors(const char *path, int cuda) {
  cnnrt_model *base, *model = loadModel(path, cuda, &base);
  if (!model)
    return printf("load: %s\n", cnnrt_last_error()), 1;
  cnnrt_dataset data = makeData(model, 4);
  cnnrt_instance *instance = cnnrt_instance_create(model, 1);
  if (!instance)
    printf("instance: %s\n", cnnrt_last_error());
  int32_t bad[4] = {0, 1, -1, 0};
  report("null instance",
         cnnrt_instance_prefetch(NULL, data.images, data.labels, 4));
  printf("prefetches: %d\n", cnnrt_instance_prefetches(instance));
  if (instance) {
    report("ok",
           cnnrt_instance_prefetch(instance, data.images, data.labels, 4));
    report("null images",
           cnnrt_instance_prefetch(instance, NULL, data.labels, 4));
    report("null labels",
           cnnrt_instance_prefetch(instance, data.images, NULL, 4));
    report("negative",
           cnnrt_instance_prefetch(instance, data.images, data.labels, -1));
    report("bad label", cnnrt_instance_prefetch(instance, data.images, bad, 4));
    report("drop", cnnrt_instance_prefetch(instance, NULL, NULL, 0));
  }
  cnnrt_instance_destroy(instance);
  cnnrt_dataset_free(&data);
  cnnrt_unload(model);
  if (cuda)
    cnnrt_unload(base);
  return 0;
}

/// A CPU instance and a relabelled one of the same model and seed.
typedef struct Pair {
  cnnrt_instance *cpu, *gpu;
  long main, copy; // copies on the CUDA instance's streams so far
} Pair;

static int sameFloats(const float *a, const float *b, int64_t count) {
  return memcmp(a, b, (size_t)count * sizeof(float)) == 0;
}

/// Prints `name`, whether both results agree, and the copies since last.
static void verdict(Pair *pair, const char *name, int status, int same) {
  long main = copies(0), copy = copies(1);
  printf("%s: %s, main stream +%ld, copy stream +%ld\n", name,
         status ? cnnrt_last_error()
         : same ? "same"
                : "DIFFERENT",
         main - pair->main, copy - pair->copy);
  pair->main = main;
  pair->copy = copy;
}

static void prefetchBoth(Pair *pair, const float *images, const int32_t *labels,
                         int64_t batch) {
  if (cnnrt_instance_prefetch(pair->cpu, images, labels, batch) ||
      cnnrt_instance_prefetch(pair->gpu, images, labels, batch))
    printf("prefetch failed: %s\n", cnnrt_last_error());
}

static void trainBoth(Pair *pair, const char *name, const float *images,
                      const int32_t *labels, int64_t batch) {
  float loss[2];
  int64_t correct[2];
  int status = cnnrt_train_step(pair->cpu, images, labels, batch, 0.01f,
                                &loss[0], &correct[0]) ||
               cnnrt_train_step(pair->gpu, images, labels, batch, 0.01f,
                                &loss[1], &correct[1]);
  verdict(pair, name, status,
          !status && sameFloats(&loss[0], &loss[1], 1) &&
              correct[0] == correct[1]);
}

static int api(const char *path) {
  cnnrt_model *cpuBase, *gpuBase;
  cnnrt_model *cpuModel = loadModel(path, 0, &cpuBase);
  cnnrt_model *gpuModel = loadModel(path, 1, &gpuBase);
  if (!cpuModel || !gpuModel)
    return printf("load: %s\n", cnnrt_last_error()), 1;
  Pair pair = {cnnrt_instance_create(cpuModel, 3),
               cnnrt_instance_create(gpuModel, 3), 0, 0};
  if (!pair.cpu || !pair.gpu)
    return printf("instance: %s\n", cnnrt_last_error()), 1;
  printf("prefetches: cpu %d, cuda %d\n", cnnrt_instance_prefetches(pair.cpu),
         cnnrt_instance_prefetches(pair.gpu));
  int64_t size = cnnrt_model_image_elements(cpuModel);
  cnnrt_dataset data = makeData(cpuModel, 96);
  // Batch k: 8 images from 8 * k (16 for the large ones).
  float *x[10];
  int32_t *y[10];
  for (int k = 0; k < 10; ++k) {
    x[k] = data.images + 8 * k * size;
    y[k] = data.labels + 8 * k;
  }

  trainBoth(&pair, "plain", x[0], y[0], 8);
  prefetchBoth(&pair, x[1], y[1], 8);
  trainBoth(&pair, "prefetched", x[1], y[1], 8);
  prefetchBoth(&pair, x[2], y[2], 8);
  prefetchBoth(&pair, x[3], y[3], 8); // replaces the first
  trainBoth(&pair, "prefetched twice", x[3], y[3], 8);
  prefetchBoth(&pair, x[4], y[4], 8); // the fit loop's order
  trainBoth(&pair, "other batch", x[5], y[5], 8);
  trainBoth(&pair, "prefetched before it", x[4], y[4], 8);
  trainBoth(&pair, "used up", x[4], y[4], 8);
  prefetchBoth(&pair, x[6], y[6], 8);
  trainBoth(&pair, "other size", x[6], y[6], 7);
  trainBoth(&pair, "other labels", x[6], y[5], 8);
  cnnrt_instance_params(pair.cpu)[0] += 0.25f;
  cnnrt_instance_params(pair.gpu)[0] += 0.25f;
  trainBoth(&pair, "host changed after prefetch", x[6], y[6], 8);
  prefetchBoth(&pair, x[7], y[7], 16); // more rows than so far
  trainBoth(&pair, "larger prefetched", x[7], y[7], 16);
  trainBoth(&pair, "larger", x[8], y[8], 16);
  prefetchBoth(&pair, x[2], y[2], 8);
  prefetchBoth(&pair, NULL, NULL, 0);
  trainBoth(&pair, "dropped by batch 0", x[2], y[2], 8);

  // evaluate uses a prefetch; predict (no labels) leaves it.
  float loss[2];
  int64_t correct[2];
  prefetchBoth(&pair, x[9], y[9], 5);
  int status = cnnrt_evaluate(pair.cpu, x[9], y[9], 5, &loss[0], &correct[0]) ||
               cnnrt_evaluate(pair.gpu, x[9], y[9], 5, &loss[1], &correct[1]);
  verdict(&pair, "evaluate prefetched", status,
          sameFloats(loss, loss + 1, 1) && correct[0] == correct[1]);
  int64_t classes = cnnrt_model_desc(cpuModel)->num_classes;
  float *logits = calloc((size_t)(16 * classes), sizeof(float));
  prefetchBoth(&pair, x[9], y[9], 5);
  status = cnnrt_predict(pair.cpu, x[9], 5, logits) ||
           cnnrt_predict(pair.gpu, x[9], 5, logits + 5 * classes);
  verdict(&pair, "predict", status,
          sameFloats(logits, logits + 5 * classes, 5 * classes));
  trainBoth(&pair, "prefetched before predict", x[9], y[9], 5);
  prefetchBoth(&pair, x[8], y[8], 8); // left pending at destroy

  printf("params: %s\n",
         sameFloats(cnnrt_instance_params(pair.cpu),
                    cnnrt_instance_params(pair.gpu),
                    cnnrt_instance_param_elements(pair.cpu)) &&
                 sameFloats(cnnrt_instance_opt_state(pair.cpu),
                            cnnrt_instance_opt_state(pair.gpu),
                            cnnrt_instance_opt_state_elements(pair.cpu))
             ? "identical"
             : "DIFFERENT");
  free(logits);
  cnnrt_instance_destroy(pair.cpu);
  cnnrt_instance_destroy(pair.gpu); // with a prefetch pending: no leak, abort
  cnnrt_dataset_free(&data);
  cnnrt_unload(cpuModel);
  cnnrt_unload(gpuModel);
  cnnrt_unload(gpuBase);
  return 0;
}

/// Prints every batch's running loss; stops after `stopAt` batches.
static int batchEnd(void *context, int64_t done, int64_t steps, double loss,
                    double accuracy) {
  int64_t *left = context;
  printf("  batch %lld/%lld: loss %a accuracy %a\n", (long long)done,
         (long long)steps, loss, accuracy);
  return *left > 0 && --*left == 0;
}

static int epochEnd(void *context, int64_t epoch, int64_t epochs,
                    const cnnrt_epoch_record *record, double seconds) {
  (void)context, (void)epochs, (void)seconds;
  printf("epoch %lld: loss %a accuracy %a val_loss %a val_accuracy %a\n",
         (long long)epoch + 1, record->loss, record->accuracy, record->val_loss,
         record->val_accuracy);
  return 0;
}

/// FNV-1a of `count` floats' bytes.
static uint64_t hashFloats(const float *values, int64_t count) {
  const unsigned char *bytes = (const unsigned char *)values;
  uint64_t hash = 1469598103934665603ull;
  for (size_t i = 0; i < (size_t)count * sizeof(float); ++i)
    hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

static int fit(const char *path, int cuda) {
  cnnrt_model *base, *model = loadModel(path, cuda, &base);
  cnnrt_instance *instance = model ? cnnrt_instance_create(model, 5) : NULL;
  if (!instance)
    return printf("instance: %s\n", cnnrt_last_error()), 1;
  cnnrt_dataset data = makeData(model, 45);
  cnnrt_fit_options options = {3, 8, 0.01f, 0, {0}, {0}, NULL, NULL};
  if (cnnrt_validation_split(cnnrt_data_view_first(&data, -1), 0.2,
                             &options.train, &options.validation))
    return printf("split: %s\n", cnnrt_train_last_error()), 1;
  int64_t stopAfter = 7; // in the second epoch, then resumed
  cnnrt_fit_callbacks callbacks = {&stopAfter, NULL, batchEnd, epochEnd};
  cnnrt_train_state state = cnnrt_train_state_initial(5);
  cnnrt_history history = {0};
  cnnrt_fit_stats stats;
  for (int run = 0; run < 2; ++run) {
    if (cnnrt_fit(instance, &options, &state, &history, &callbacks, &stats))
      return printf("fit: %s\n", cnnrt_train_last_error()), 1;
    printf("fit %d: %lld steps, stopped %d\n", run + 1, (long long)stats.steps,
           stats.stopped);
  }
  options.max_steps = 2; // a fourth epoch of two steps
  options.epochs = 4;
  if (cnnrt_fit(instance, &options, &state, &history, &callbacks, &stats))
    return printf("fit: %s\n", cnnrt_train_last_error()), 1;
  cnnrt_eval_result result;
  int64_t confusion[64 * 64];
  for (int withConfusion = 0; withConfusion < 2; ++withConfusion) {
    if (cnnrt_evaluate_view(instance, cnnrt_data_view_first(&data, -1), 7,
                            &result, withConfusion ? confusion : NULL))
      return printf("evaluate: %s\n", cnnrt_train_last_error()), 1;
    printf("evaluate: loss %a accuracy %a\n", result.loss, result.accuracy);
  }
  printf(
      "params %016llx opt state %016llx\n",
      (unsigned long long)hashFloats(cnnrt_instance_params(instance),
                                     cnnrt_instance_param_elements(instance)),
      (unsigned long long)hashFloats(
          cnnrt_instance_opt_state(instance),
          cnnrt_instance_opt_state_elements(instance)));
  if (cuda)
    printf("copies: main stream %ld, copy stream %ld\n", copies(0), copies(1));
  cnnrt_history_clear(&history);
  cnnrt_instance_destroy(instance);
  cnnrt_dataset_free(&data);
  cnnrt_unload(model);
  if (cuda)
    cnnrt_unload(base);
  return 0;
}

int main(int argc, char **argv) {
  if ((argc == 3 || argc == 4) && strcmp(argv[1], "errors") == 0)
    return errors(argv[2], argc == 4 && strcmp(argv[3], "cuda") == 0);
  if (argc == 3 && strcmp(argv[1], "api") == 0)
    return api(argv[2]);
  if (argc == 4 && strcmp(argv[1], "fit") == 0)
    return fit(argv[2], strcmp(argv[3], "cuda") == 0);
  fprintf(stderr, "usage: prefetch errors LIB [cuda] | api LIB | "
                  "fit LIB cpu|cuda\n");
  return 2;
}
