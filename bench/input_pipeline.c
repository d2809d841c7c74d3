/*===- input_pipeline.c - training from an image folder vs from memory ----===*\
|*                                                                            *|
|* Does the input pipeline keep up? Trains the model with cnnrt_fit on the    *|
|* same images twice per round: from the IDX arrays in memory (no             *|
|* augmentation, batches gathered in line) and from a PNG folder decoded and  *|
|* cached by libcnnrt, with flip, translation, brightness and contrast        *|
|* augmentation made by the producer thread. Rounds alternate the two so      *|
|* that the load of a shared machine hits both alike; each figure is the      *|
|* best and the median over the rounds (the best is the least disturbed by    *|
|* other processes) of images / wall time of cnnrt_fit (every step and        *|
|* every wait for a batch, no validation or checkpoints), and the share of   *|
|* that time the training thread spent getting batches (gathering in line,   *|
|* or waiting for the producer). Also reports the one-time decode rate of    *|
|* the folder.                                                                *|
|*                                                                            *|
|*   input_pipeline MODEL.so FOLDER IDX_IMAGES IDX_LABELS COUNT              *|
|*                  [--epochs E] [--rounds R] [--batch B]                     *|
|*                                                                            *|
|* FOLDER holds the first COUNT images of the IDX files as PNGs               *|
|* (cnnrt-make-images). Prints "key: value" lines.                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "cnnc/Runtime/train.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"

static int fail(const char *message) {
  fprintf(stderr, "input_pipeline: %s\n", message);
  return 1;
}

/// Images per second of `epochs` epochs of cnnrt_fit on `data`; the share
/// of the time spent getting batches goes to `*input`.
static double trainRate(cnnrt_model *model, const cnnrt_dataset *data,
                        int64_t count, int64_t epochs, int64_t batch,
                        const cnnrt_augmentation *augmentation, double *input) {
  cnnrt_instance *instance = cnnrt_instance_create(model, 1);
  cnnrt_fit_options fit;
  memset(&fit, 0, sizeof fit);
  fit.epochs = epochs;
  fit.batch_size = batch;
  fit.learning_rate = 1e-3f;
  fit.train = cnnrt_data_view_first(data, count);
  if (augmentation)
    fit.augmentation = *augmentation;
  cnnrt_train_state state = cnnrt_train_state_initial(1);
  cnnrt_history history = {0, 0, NULL, 0, 0};
  cnnrt_fit_stats stats;
  double start = nowSeconds();
  int failed = !instance ||
               cnnrt_fit(instance, &fit, &state, &history, NULL, &stats) != 0;
  double seconds = nowSeconds() - start;
  *input = failed ? 0.0 : stats.input_seconds / seconds;
  if (failed)
    fprintf(stderr, "input_pipeline: %s\n", cnnrt_train_last_error());
  cnnrt_history_clear(&history);
  cnnrt_instance_destroy(instance);
  return failed ? -1.0 : (double)(count * epochs) / seconds;
}

int main(int argc, char **argv) {
  // As cnnc-train does: large temporaries stay on the heap.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  if (argc < 6)
    return fail("usage: input_pipeline MODEL.so FOLDER IDX_IMAGES IDX_LABELS "
                "COUNT [--epochs E] [--rounds R] [--batch B]");
  int64_t count = atoll(argv[5]), epochs = 2, rounds = 3, batch = 32;
  for (int i = 6; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--epochs"))
      epochs = atoll(argv[i + 1]);
    else if (!strcmp(argv[i], "--rounds"))
      rounds = atoll(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch"))
      batch = atoll(argv[i + 1]);
    else
      return fail("unknown flag");
  }
  if (count < 1 || epochs < 1 || rounds < 1 || rounds > 64 || batch < 1)
    return fail("COUNT, --epochs, --rounds (at most 64) and --batch must be "
                "positive");
  cnnrt_model *model = cnnrt_load(argv[1]);
  if (!model)
    return fail(cnnrt_last_error());
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  cnnrt_load_options load = {0};
  load.height = desc->input_shape[1];
  load.width = desc->input_shape[2];
  load.channels = desc->input_shape[3];
  cnnrt_dataset memory = {0}, folder = {0};
  double start = nowSeconds();
  if (cnnrt_dataset_read_image_folder(argv[2], &load, &folder))
    return fail(cnnrt_last_error());
  double decodeSeconds = nowSeconds() - start;
  if (cnnrt_dataset_read_idx(argv[3], argv[4], NULL, &memory))
    return fail(cnnrt_last_error());
  if (folder.count < count || memory.count < count)
    return fail("fewer images than COUNT");
  cnnrt_dataset_shuffle(&folder, 1); // sorted by class on disk
  cnnrt_augmentation augmentation = {1, 0.1, 0, 0.1, 0.1, 0.0f, 1.0f};
  double fromMemory[64], fromFolder[64], ratios[64];
  double memoryInput[64], folderInput[64];
  for (int64_t r = 0; r < rounds; ++r) { // ABBA: both see the same load
    if (r % 2 == 0)
      fromMemory[r] = trainRate(model, &memory, count, epochs, batch, NULL,
                                &memoryInput[r]);
    fromFolder[r] = trainRate(model, &folder, count, epochs, batch,
                              &augmentation, &folderInput[r]);
    if (r % 2 == 1)
      fromMemory[r] = trainRate(model, &memory, count, epochs, batch, NULL,
                                &memoryInput[r]);
    if (fromMemory[r] < 0 || fromFolder[r] < 0)
      return 1;
    ratios[r] = fromFolder[r] / fromMemory[r];
  }
  qsort(fromMemory, (size_t)rounds, sizeof(double), compareDoubles);
  qsort(fromFolder, (size_t)rounds, sizeof(double), compareDoubles);
  qsort(ratios, (size_t)rounds, sizeof(double), compareDoubles);
  qsort(memoryInput, (size_t)rounds, sizeof(double), compareDoubles);
  qsort(folderInput, (size_t)rounds, sizeof(double), compareDoubles);
  double memoryRate = quantile(fromMemory, (int)rounds, 0.5);
  double folderRate = quantile(fromFolder, (int)rounds, 0.5);
  printf("images: %lld\n", (long long)count);
  printf("threads: %d\n", cnnrt_num_threads(model));
  printf("folder_decode_images_per_s: %.1f\n",
         (double)folder.count / decodeSeconds);
  printf("train_from_memory_images_per_s: %.1f\n", memoryRate);
  printf("train_from_folder_augmented_images_per_s: %.1f\n", folderRate);
  printf("memory_input_share: %.4f\n", quantile(memoryInput, (int)rounds, 0.5));
  printf("folder_input_share: %.4f\n", quantile(folderInput, (int)rounds, 0.5));
  printf("folder_over_memory_median_of_rounds: %.3f\n",
         quantile(ratios, (int)rounds, 0.5));
  printf("folder_over_memory: %.3f\n", folderRate / memoryRate);
  printf("train_from_memory_best_images_per_s: %.1f\n", fromMemory[rounds - 1]);
  printf("train_from_folder_augmented_best_images_per_s: %.1f\n",
         fromFolder[rounds - 1]);
  printf("folder_over_memory_best: %.3f\n",
         fromFolder[rounds - 1] / fromMemory[rounds - 1]);
  cnnrt_dataset_free(&memory);
  cnnrt_dataset_free(&folder);
  cnnrt_unload(model);
  return 0;
}
