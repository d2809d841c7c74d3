//===- Batches.c - shuffled mini-batches, data views, validation split ----===//
//
// The shuffle of epoch e is a Fisher-Yates permutation whose random draws
// come from Philox4x32-10 keyed by the seed, with the counter (position,
// epoch, attempt): the order of any epoch is a pure function of (seed, epoch,
// count), so resuming at (epoch, batch) needs no generator state besides the
// seed. Draws are unbiased (rejection of the low remainder, as in OpenBSD's
// arc4random_uniform).
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "CheckedMath.h"
#include "Philox.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cnnrt_batches {
  cnnrt_data_view view;
  int64_t batchSize;
  int shuffle;
  uint64_t seed;
  int64_t imageElements;   ///< floats per image
  int64_t perEpoch;        ///< ceil(count / batchSize)
  int64_t next;            ///< index of the next batch in the epoch
  int64_t *order;          ///< view-relative indices of this epoch
  size_t imageBufferBytes; ///< size of each gathered images buffer
  size_t labelBufferBytes;
  float *images; ///< gathered batch (shuffled iterators only)
  int32_t *labels;
  float *spareImages; ///< second gather buffer (cnnrt_batches_double_buffer)
  int32_t *spareLabels;
  uint64_t epoch;                  ///< of the last start
  int augment;                     ///< augmentation is on
  cnnrt_augmentation augmentation; ///< cnnrt_batches_augment
  int rank, ranks; ///< cnnrt_batches_shard: this rank's share (1 rank: all)
};

cnnrt_data_view cnnrt_data_view_first(const cnnrt_dataset *data,
                                      int64_t count) {
  cnnrt_data_view view = {data, 0, data ? data->count : 0};
  if (count >= 0 && count < view.count)
    view.count = count;
  return view;
}

int cnnrt_validation_split(cnnrt_data_view all, double fraction,
                           cnnrt_data_view *train,
                           cnnrt_data_view *validation) {
  if (!(fraction > 0.0 && fraction < 1.0))
    return cnnrt_train_fail("--validation-split",
                            "%g is not a fraction in (0, 1)", fraction);
  // Keras: split_at = floor(n * (1 - validation_split)), in double.
  double splitAt = floor((double)all.count * (1.0 - fraction));
  int64_t trainCount = (int64_t)splitAt;
  if (trainCount <= 0 || trainCount >= all.count)
    return cnnrt_train_fail("--validation-split",
                            "%g of %lld images leaves an empty training or "
                            "validation set",
                            fraction, (long long)all.count);
  *train = (cnnrt_data_view){all.data, all.begin, trainCount};
  *validation = (cnnrt_data_view){all.data, all.begin + trainCount,
                                  all.count - trainCount};
  return 0;
}

/// An unbiased draw from [0, bound) for Fisher-Yates position `position`.
static int64_t drawBelow(uint64_t seed, uint32_t epoch, int64_t position,
                         uint64_t bound) {
  uint64_t threshold = (0 - bound) % bound; // 2^64 mod bound
  for (uint32_t attempt = 0;; ++attempt) {
    uint32_t block[4] = {(uint32_t)position,
                         (uint32_t)((uint64_t)position >> 32), epoch, attempt};
    cnnc_philox4x32_10(block, (uint32_t)seed, (uint32_t)(seed >> 32));
    uint64_t candidates[2] = {((uint64_t)block[0] << 32) | block[1],
                              ((uint64_t)block[2] << 32) | block[3]};
    for (int i = 0; i < 2; ++i)
      if (candidates[i] >= threshold)
        return (int64_t)(candidates[i] % bound);
  }
}

int cnnrt_shuffle_order(uint64_t seed, uint64_t epoch, int64_t *order,
                        int64_t count) {
  if (count < 0 || (count > 0 && !order))
    return cnnrt_train_fail("cnnrt_shuffle_order", "invalid count or buffer");
  if (epoch > UINT32_MAX)
    return cnnrt_train_fail("cnnrt_shuffle_order",
                            "epoch %llu is beyond 2^32 - 1",
                            (unsigned long long)epoch);
  for (int64_t i = 0; i < count; ++i)
    order[i] = i;
  for (int64_t i = count - 1; i > 0; --i) {
    int64_t j = drawBelow(seed, (uint32_t)epoch, i, (uint64_t)i + 1);
    int64_t swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return 0;
}

void cnnrt_batches_destroy(cnnrt_batches *batches) {
  if (!batches)
    return;
  free(batches->order);
  free(batches->images);
  free(batches->labels);
  free(batches->spareImages);
  free(batches->spareLabels);
  free(batches);
}

/// Validates a view and computes the floats per image.
static int checkView(cnnrt_data_view view, int64_t *imageElements) {
  const cnnrt_dataset *data = view.data;
  if (!data)
    return cnnrt_train_fail("cnnrt_batches_create", "the data set is NULL");
  int64_t end;
  if (view.begin < 0 || view.count < 0 ||
      cnnc_add_overflows(view.begin, view.count, &end) || end > data->count)
    return cnnrt_train_fail("cnnrt_batches_create",
                            "images [%lld, +%lld) are not in a data set of "
                            "%lld images",
                            (long long)view.begin, (long long)view.count,
                            (long long)data->count);
  if (data->height <= 0 || data->width <= 0 || data->channels <= 0 ||
      cnnc_mul_overflows(data->height, data->width, imageElements) ||
      cnnc_mul_overflows(*imageElements, data->channels, imageElements))
    return cnnrt_train_fail("cnnrt_batches_create", "invalid image shape");
  return 0;
}

cnnrt_batches *cnnrt_batches_create(cnnrt_data_view view, int64_t batchSize,
                                    int shuffle, uint64_t seed) {
  int64_t imageElements, batchFloats, orderBytes;
  if (checkView(view, &imageElements))
    return NULL;
  int64_t gathered = batchSize < view.count ? batchSize : view.count;
  if (batchSize <= 0 ||
      cnnc_mul_overflows(gathered, imageElements, &batchFloats) ||
      cnnc_mul_overflows(batchFloats, (int64_t)sizeof(float), &batchFloats) ||
      cnnc_mul_overflows(view.count, (int64_t)sizeof(int64_t), &orderBytes)) {
    cnnrt_train_fail("--batch", "batch size %lld is not usable",
                     (long long)batchSize);
    return NULL;
  }
  cnnrt_batches *batches = calloc(1, sizeof *batches);
  if (!batches) {
    cnnrt_train_fail("cnnrt_batches_create", "out of memory");
    return NULL;
  }
  batches->view = view;
  batches->batchSize = batchSize;
  batches->shuffle = shuffle;
  batches->seed = seed;
  batches->imageElements = imageElements;
  batches->imageBufferBytes = batchFloats ? (size_t)batchFloats : 1;
  batches->labelBufferBytes =
      (size_t)(gathered ? gathered : 1) * sizeof(int32_t);
  batches->perEpoch = view.count / batchSize + (view.count % batchSize != 0);
  batches->order = malloc(orderBytes ? (size_t)orderBytes : 1);
  if (shuffle) {
    batches->images = malloc(batches->imageBufferBytes);
    batches->labels = malloc(batches->labelBufferBytes);
  }
  if (!batches->order || (shuffle && (!batches->images || !batches->labels))) {
    cnnrt_batches_destroy(batches);
    cnnrt_train_fail("cnnrt_batches_create", "out of memory for %lld images",
                     (long long)view.count);
    return NULL;
  }
  batches->next = batches->perEpoch; // nothing until the first start
  batches->ranks = 1;
  return batches;
}

void cnnrt_shard_range(int64_t size, int ranks, int rank, int64_t *first,
                       int64_t *count) {
  int64_t base = size / ranks, extra = size % ranks;
  *count = base + (rank < extra);
  *first = rank * base + (rank < extra ? rank : extra);
}

int cnnrt_batches_shard(cnnrt_batches *batches, int rank, int ranks) {
  if (!batches->shuffle || ranks < 1 || rank < 0 || rank >= ranks)
    return cnnrt_train_fail("cnnrt_batches_shard",
                            "rank %d of %d on an iterator that cannot be "
                            "sharded",
                            rank, ranks);
  batches->rank = rank;
  batches->ranks = ranks;
  return 0;
}

int64_t cnnrt_batches_full_size(const cnnrt_batches *batches, int64_t index) {
  int64_t left = batches->view.count - index * batches->batchSize;
  return left < batches->batchSize ? left : batches->batchSize;
}

int cnnrt_batches_double_buffer(cnnrt_batches *batches) {
  if (!batches->shuffle || batches->spareImages) // nothing gathered, or done
    return 0;
  batches->spareImages = malloc(batches->imageBufferBytes);
  batches->spareLabels = malloc(batches->labelBufferBytes);
  if (!batches->spareImages || !batches->spareLabels) {
    free(batches->spareImages);
    free(batches->spareLabels);
    batches->spareImages = NULL;
    batches->spareLabels = NULL;
    return cnnrt_train_fail("cnnrt_batches_double_buffer",
                            "out of memory for a second batch");
  }
  return 0;
}

int64_t cnnrt_batches_per_epoch(const cnnrt_batches *batches) {
  return batches ? batches->perEpoch : 0;
}

int cnnrt_batches_start(cnnrt_batches *batches, uint64_t epoch,
                        int64_t firstBatch) {
  if (firstBatch < 0 || firstBatch > batches->perEpoch)
    return cnnrt_train_fail(
        "cnnrt_batches_start", "batch %lld is not in an epoch of %lld batches",
        (long long)firstBatch, (long long)batches->perEpoch);
  if (batches->shuffle) {
    if (cnnrt_shuffle_order(batches->seed, epoch, batches->order,
                            batches->view.count))
      return -1;
  } else {
    for (int64_t i = 0; i < batches->view.count; ++i)
      batches->order[i] = i;
  }
  batches->next = firstBatch;
  batches->epoch = epoch;
  return 0;
}

int cnnrt_batches_augment(cnnrt_batches *batches,
                          const cnnrt_augmentation *augmentation) {
  batches->augment = cnnrt_augmentation_enabled(augmentation);
  if (!batches->augment)
    return 0;
  const cnnrt_dataset *data = batches->view.data;
  if (!batches->shuffle)
    return cnnrt_train_fail("--augment", "only training batches are "
                                         "augmented");
  if (cnnrt_augmentation_check(augmentation, data->height, data->width))
    return -1;
  batches->augmentation = *augmentation;
  return 0;
}

void cnnrt_batches_buffer_bytes(const cnnrt_batches *batches,
                                size_t *imageBytes, size_t *labelBytes) {
  *imageBytes = batches->imageBufferBytes;
  *labelBytes = batches->labelBufferBytes;
}

int64_t cnnrt_batches_position(const cnnrt_batches *batches) {
  return batches->next;
}

void cnnrt_batches_gather(const cnnrt_batches *batches, int64_t index,
                          float *images, int32_t *labels, cnnrt_batch *batch) {
  const cnnrt_dataset *data = batches->view.data;
  int64_t first = index * batches->batchSize, offset, size;
  cnnrt_shard_range(cnnrt_batches_full_size(batches, index), batches->ranks,
                    batches->rank, &offset, &size);
  first += offset;
  batch->size = size;
  batch->index = index;
  batch->order = batches->order + first;
  int64_t elements = batches->imageElements;
  size_t imageBytes = (size_t)elements * sizeof(float);
  for (int64_t k = 0; k < size; ++k) {
    int64_t position = batches->order[first + k];
    int64_t source = batches->view.begin + position;
    const float *image = data->images + source * elements;
    if (batches->augment)
      cnnrt_augment_image(&batches->augmentation, batches->seed, batches->epoch,
                          position, data->height, data->width, data->channels,
                          image, images + k * elements);
    else
      memcpy(images + k * elements, image, imageBytes);
    labels[k] = data->labels[source];
  }
  batch->images = images;
  batch->labels = labels;
}

int cnnrt_batches_next(cnnrt_batches *batches, cnnrt_batch *batch) {
  if (batches->next >= batches->perEpoch)
    return 0;
  const cnnrt_dataset *data = batches->view.data;
  int64_t index = batches->next++;
  if (!batches->shuffle) { // contiguous: no copy
    int64_t first = index * batches->batchSize;
    int64_t size = batches->view.count - first;
    batch->size = size > batches->batchSize ? batches->batchSize : size;
    batch->index = index;
    batch->order = batches->order + first;
    batch->images =
        data->images + (batches->view.begin + first) * batches->imageElements;
    batch->labels = data->labels + batches->view.begin + first;
    return 1;
  }
  cnnrt_batches_gather(batches, index, batches->images, batches->labels, batch);
  if (batches->spareImages) { // the next batch goes to the other buffer
    float *images = batches->images;
    int32_t *labels = batches->labels;
    batches->images = batches->spareImages;
    batches->labels = batches->spareLabels;
    batches->spareImages = images;
    batches->spareLabels = labels;
  }
  return 1;
}

int cnnrt_dataset_shuffle(cnnrt_dataset *data, uint64_t seed) {
  int64_t count = data->count, imageElements;
  if (count < 2)
    return 0;
  if (checkView((cnnrt_data_view){data, 0, count}, &imageElements))
    return -1;
  size_t imageBytes = (size_t)imageElements * sizeof(float);
  int64_t *order = malloc((size_t)count * sizeof *order);
  unsigned char *done = calloc((size_t)count, 1);
  float *held = malloc(imageBytes);
  // An epoch number no fit reaches (--epochs is at most 10^6).
  if (!order || !done || !held ||
      cnnrt_shuffle_order(seed, UINT32_MAX, order, count)) {
    free(order);
    free(done);
    free(held);
    return cnnrt_train_fail("training data", "out of memory shuffling");
  }
  // Image k takes the place of image order[k]: follow each cycle once.
  for (int64_t start = 0; start < count; ++start) {
    if (done[start])
      continue;
    memcpy(held, data->images + start * imageElements, imageBytes);
    int32_t heldLabel = data->labels[start];
    int64_t k = start;
    while (order[k] != start) {
      memcpy(data->images + k * imageElements,
             data->images + order[k] * imageElements, imageBytes);
      data->labels[k] = data->labels[order[k]];
      done[k] = 1;
      k = order[k];
    }
    memcpy(data->images + k * imageElements, held, imageBytes);
    data->labels[k] = heldLabel;
    done[k] = 1;
  }
  free(order);
  free(done);
  free(held);
  return 0;
}
