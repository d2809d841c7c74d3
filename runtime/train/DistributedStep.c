//===- DistributedStep.c - what data-parallel ranks sum and compare -------===//
//
// The MPI-free half of data-parallel training (Distributed.h): the layout
// of the one buffer the ranks sum per step, the weighting that turns the
// shards' mean gradients into the global batch's mean, the averaging of
// non-trainable state, and the fingerprints that catch ranks started with
// another library, runtime, data or flags. Kept apart from the MPI calls so
// that the unit tests check it in one process.
//
//===----------------------------------------------------------------------===//

#include "Distributed.h"
#include "Internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kFnvPrime = 0x100000001b3 };

uint64_t cnnrt_hash_bytes(uint64_t hash, const void *bytes, size_t size) {
  const unsigned char *p = bytes;
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ p[i]) * (uint64_t)kFnvPrime;
  return hash;
}

uint64_t cnnrt_hash_words(uint64_t hash, const void *bytes, size_t size) {
  const unsigned char *p = bytes;
  size_t words = size / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t word;
    memcpy(&word, p + 8 * i, 8);
    hash = (hash ^ word) * (uint64_t)kFnvPrime;
    hash ^= hash >> 29; // the multiply alone never moves high bits down
  }
  return cnnrt_hash_bytes(hash, p + 8 * words, size % 8);
}

int64_t cnnrt_sum_elements(int64_t trainable, int64_t state) {
  return trainable + state + CNNRT_SUM_SCALARS;
}

void cnnrt_sum_pack(float *buffer, int64_t trainable, int64_t state,
                    const float *before, const float *after, int64_t shard,
                    int64_t full, float loss, int64_t correct, int stop,
                    int failed) {
  // shard / full is exact for the usual equal shards of a power-of-two
  // count (1/2, 1/4, ...); the sum then only regroups the images' terms.
  float weight = full > 0 ? (float)((double)shard / (double)full) : 0.0f;
  for (int64_t i = 0; i < trainable; ++i)
    buffer[i] *= weight;
  // Deltas, not values: a tensor no step changes (a frozen layer) sums to
  // exactly zero, whatever rounding the weights carry.
  float *deltas = buffer + trainable;
  for (int64_t i = 0; i < state; ++i)
    deltas[i] = (after[i] - before[i]) * weight;
  float *scalars = deltas + state;
  scalars[CNNRT_SUM_LOSS] = loss * weight;
  scalars[CNNRT_SUM_CORRECT] = (float)correct;
  scalars[CNNRT_SUM_STOP] = stop ? 1.0f : 0.0f;
  scalars[CNNRT_SUM_FAILED] = failed ? 1.0f : 0.0f;
}

void cnnrt_sum_unpack(const float *buffer, int64_t trainable, int64_t state,
                      const float *before, float *stateOut, float *loss,
                      int64_t *correct, int *stop, int *failed) {
  const float *deltas = buffer + trainable;
  for (int64_t i = 0; i < state; ++i)
    stateOut[i] = before[i] + deltas[i];
  const float *scalars = deltas + state;
  *loss = scalars[CNNRT_SUM_LOSS];
  *correct = (int64_t)scalars[CNNRT_SUM_CORRECT];
  *stop = scalars[CNNRT_SUM_STOP] > 0.0f;
  *failed = scalars[CNNRT_SUM_FAILED] > 0.0f;
}

uint64_t cnnrt_rank_seed(uint64_t seed, int rank) {
  // A Weyl step per rank (SplitMix64's increment): distinct keys, so the
  // Philox streams of the ranks are independent.
  return seed + (uint64_t)rank * UINT64_C(0x9e3779b97f4a7c15);
}

static uint64_t hashString(uint64_t hash, const char *text) {
  text = text ? text : "";
  return cnnrt_hash_bytes(hash, text, strlen(text) + 1);
}

#define HASH_FIELD(hash, field) cnnrt_hash_bytes(hash, &(field), sizeof(field))

/// The descriptor's table and everything that shapes the buffers.
static uint64_t hashTable(const cnnc_model_desc *desc) {
  uint64_t hash = CNNRT_HASH_START;
  hash = hashString(hash, desc->name);
  hash = hashString(hash, desc->target);
  hash = hashString(hash, desc->optimizer);
  hash = hashString(hash, desc->loss);
  hash = cnnrt_hash_bytes(hash, desc->input_shape, sizeof desc->input_shape);
  hash = HASH_FIELD(hash, desc->num_classes);
  hash = HASH_FIELD(hash, desc->param_elements);
  hash = HASH_FIELD(hash, desc->trainable_elements);
  hash = HASH_FIELD(hash, desc->opt_state_elements);
  for (int64_t i = 0; i < desc->num_params; ++i) {
    const cnnc_param_info *param = &desc->params[i];
    hash = hashString(hash, param->name);
    hash = HASH_FIELD(hash, param->offset);
    hash = HASH_FIELD(hash, param->size);
    hash = HASH_FIELD(hash, param->rank);
    hash = HASH_FIELD(hash, param->initializer);
    hash = cnnrt_hash_bytes(hash, param->shape, sizeof param->shape);
    hash = HASH_FIELD(hash, param->trainable);
  }
  return hash;
}

int cnnrt_fingerprint_model(const cnnrt_model *model,
                            cnnrt_fingerprint *fingerprint) {
  memset(fingerprint, 0, sizeof *fingerprint);
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  fingerprint->protocol = CNNRT_DISTRIBUTED_PROTOCOL;
  fingerprint->runtime_abi = CNNC_ABI_VERSION;
  fingerprint->model_abi = desc->abi_version;
  fingerprint->table_hash = hashTable(desc);
  const char *path = cnnrt_model_path(model);
  snprintf(fingerprint->model, sizeof fingerprint->model, "%s", path);
  FILE *file = fopen(path, "rb");
  if (!file)
    return cnnrt_train_fail_errno(path, errno, "cannot read the library");
  uint64_t hash = CNNRT_HASH_START, bytes = 0;
  unsigned char chunk[1 << 16];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
    hash = cnnrt_hash_words(hash, chunk, got);
    bytes += got;
  }
  int failed = ferror(file);
  fclose(file);
  if (failed)
    return cnnrt_train_fail(path, "cannot read the library");
  fingerprint->model_bytes = bytes;
  fingerprint->model_hash = hash;
  return 0;
}

/// A data view's images and labels.
static uint64_t hashView(cnnrt_data_view view) {
  if (view.count <= 0)
    return CNNRT_HASH_START;
  const cnnrt_dataset *data = view.data;
  size_t image = (size_t)(data->height * data->width * data->channels);
  uint64_t hash = cnnrt_hash_words(CNNRT_HASH_START,
                                   data->images + (size_t)view.begin * image,
                                   (size_t)view.count * image * sizeof(float));
  return cnnrt_hash_words(hash, data->labels + view.begin,
                          (size_t)view.count * sizeof(int32_t));
}

void cnnrt_fingerprint_fit(const cnnrt_fit_options *options,
                           cnnrt_fingerprint *fingerprint) {
  uint64_t hash = CNNRT_HASH_START;
  hash = HASH_FIELD(hash, options->epochs);
  hash = HASH_FIELD(hash, options->batch_size);
  hash = HASH_FIELD(hash, options->learning_rate);
  hash = HASH_FIELD(hash, options->max_steps);
  const cnnrt_lr_schedule *schedule = &options->schedule;
  hash = HASH_FIELD(hash, schedule->kind);
  hash = HASH_FIELD(hash, schedule->rate);
  hash = HASH_FIELD(hash, schedule->period);
  hash = HASH_FIELD(hash, schedule->alpha);
  const cnnrt_plateau_options *plateau = &options->plateau;
  hash = HASH_FIELD(hash, plateau->enabled);
  hash = HASH_FIELD(hash, plateau->monitor);
  hash = HASH_FIELD(hash, plateau->factor);
  hash = HASH_FIELD(hash, plateau->patience);
  hash = HASH_FIELD(hash, plateau->min_delta);
  hash = HASH_FIELD(hash, plateau->cooldown);
  hash = HASH_FIELD(hash, plateau->min_lr);
  const cnnrt_early_stopping_options *stopping = &options->early_stopping;
  hash = HASH_FIELD(hash, stopping->enabled);
  hash = HASH_FIELD(hash, stopping->monitor);
  hash = HASH_FIELD(hash, stopping->patience);
  hash = HASH_FIELD(hash, stopping->min_delta);
  hash = HASH_FIELD(hash, stopping->restore_best_weights);
  const cnnrt_augmentation *augmentation = &options->augmentation;
  hash = HASH_FIELD(hash, augmentation->horizontal_flip);
  hash = HASH_FIELD(hash, augmentation->translate);
  hash = HASH_FIELD(hash, augmentation->crop_padding);
  hash = HASH_FIELD(hash, augmentation->brightness);
  hash = HASH_FIELD(hash, augmentation->contrast);
  hash = HASH_FIELD(hash, augmentation->value_min);
  hash = HASH_FIELD(hash, augmentation->value_max);
  fingerprint->options_hash = hash;
  fingerprint->train_images = options->train.count;
  fingerprint->train_hash = hashView(options->train);
  fingerprint->validation_images = options->validation.count;
  fingerprint->validation_hash = hashView(options->validation);
  fingerprint->has_fit = 1;
}

/// "N images (hash H)" of one side of a data comparison.
static int dataDiffers(int rank, const char *what, int64_t images,
                       uint64_t hash, int64_t firstImages, uint64_t firstHash) {
  return cnnrt_train_fail(NULL,
                          "rank %d: other %s data than rank 0 (%lld images, "
                          "hash %016llx there; %lld images, hash %016llx on "
                          "rank 0): every rank must read the same files",
                          rank, what, (long long)images,
                          (unsigned long long)hash, (long long)firstImages,
                          (unsigned long long)firstHash);
}

int cnnrt_fingerprint_compare(const cnnrt_fingerprint *mine,
                              const cnnrt_fingerprint *first, int rank) {
  if (mine->protocol != first->protocol ||
      mine->runtime_abi != first->runtime_abi)
    return cnnrt_train_fail(NULL,
                            "rank %d: another cnnc-train build (protocol %u, "
                            "ABI %u there; protocol %u, ABI %u on rank 0): "
                            "install the same build on every node",
                            rank, mine->protocol, mine->runtime_abi,
                            first->protocol, first->runtime_abi);
  if (mine->model_abi != first->model_abi ||
      mine->table_hash != first->table_hash)
    return cnnrt_train_fail(NULL,
                            "rank %d: %s is another model than rank 0's %s "
                            "(ABI version %u, parameter table %016llx there; "
                            "%u, %016llx on rank 0): every rank must load the "
                            "same library",
                            rank, mine->model, first->model, mine->model_abi,
                            (unsigned long long)mine->table_hash,
                            first->model_abi,
                            (unsigned long long)first->table_hash);
  if (mine->model_bytes != first->model_bytes ||
      mine->model_hash != first->model_hash)
    return cnnrt_train_fail(NULL,
                            "rank %d: %s is another build of the model than "
                            "rank 0's %s (%llu bytes, hash %016llx there; %llu "
                            "bytes, %016llx on rank 0): every rank must load "
                            "the same library",
                            rank, mine->model, first->model,
                            (unsigned long long)mine->model_bytes,
                            (unsigned long long)mine->model_hash,
                            (unsigned long long)first->model_bytes,
                            (unsigned long long)first->model_hash);
  if (!mine->has_fit || !first->has_fit)
    return 0;
  if (mine->options_hash != first->options_hash)
    return cnnrt_train_fail(NULL,
                            "rank %d: other training flags than rank 0 "
                            "(--epochs, --batch, --lr, --max-steps, "
                            "schedules, callbacks and --augment must match)",
                            rank);
  if (mine->train_images != first->train_images ||
      mine->train_hash != first->train_hash)
    return dataDiffers(rank, "training", mine->train_images, mine->train_hash,
                       first->train_images, first->train_hash);
  if (mine->validation_images != first->validation_images ||
      mine->validation_hash != first->validation_hash)
    return dataDiffers(rank, "validation", mine->validation_images,
                       mine->validation_hash, first->validation_images,
                       first->validation_hash);
  return 0;
}

/// A positive integer environment variable, or `fallback`.
static long environmentNumber(const char *name, long fallback) {
  const char *text = getenv(name);
  if (!text || !*text)
    return fallback;
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  return errno || *end || value < 0 ? fallback : value;
}

int cnnrt_launcher_ranks(int *rank) {
  static const char *const kLaunchers[][2] = {
      {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
      {"PMI_SIZE", "PMI_RANK"},
  };
  for (size_t i = 0; i < sizeof kLaunchers / sizeof kLaunchers[0]; ++i) {
    long size = environmentNumber(kLaunchers[i][0], 0);
    if (size > 0) {
      *rank = (int)environmentNumber(kLaunchers[i][1], 0);
      return size > 1 << 20 ? 1 << 20 : (int)size;
    }
  }
  *rank = 0;
  return 1;
}
