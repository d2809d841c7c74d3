//===- Evaluate.c - loss, accuracy and confusion matrix over a data set ---===//
//
// Evaluation walks a data view in order, in batches, through the model's
// evaluate entry point (and its forward entry point for the confusion
// matrix); losses are weighted by batch size, so the result is the mean over
// images whatever the size of the last batch.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "CheckedMath.h"

#include <stdlib.h>
#include <string.h>

int cnnrt_check_data(const cnnrt_model *model, cnnrt_data_view view,
                     const char *what) {
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  const cnnrt_dataset *data = view.data;
  if (!data)
    return cnnrt_train_fail(what, "no data");
  if (data->height != desc->input_shape[1] ||
      data->width != desc->input_shape[2] ||
      data->channels != desc->input_shape[3])
    return cnnrt_train_fail(what,
                            "images are %lldx%lldx%lld but %s expects "
                            "%lldx%lldx%lld",
                            (long long)data->height, (long long)data->width,
                            (long long)data->channels, cnnrt_model_path(model),
                            (long long)desc->input_shape[1],
                            (long long)desc->input_shape[2],
                            (long long)desc->input_shape[3]);
  for (int64_t i = 0; i < view.count; ++i) {
    int32_t label = data->labels[view.begin + i];
    if (label < 0 || label >= desc->num_classes)
      return cnnrt_train_fail(what,
                              "label %d of image %lld is not one of the "
                              "%lld classes of %s",
                              (int)label, (long long)(view.begin + i),
                              (long long)desc->num_classes,
                              cnnrt_model_path(model));
  }
  return 0;
}

/// What a pass over the data counts besides loss and accuracy.
typedef struct Counts {
  int64_t *confusion; ///< NULL: none
  int64_t topK;       ///< 0: none
  int64_t topKCorrect;
} Counts;

/// Adds the argmax of each row of `logits` to the confusion matrix and
/// counts the rows whose label is among the top k: fewer than k logits
/// larger than the label's (ties count in the label's favour, as Keras's
/// in_top_k).
static void countPredictions(const float *logits, const int32_t *labels,
                             int64_t size, int64_t classes, Counts *counts) {
  for (int64_t b = 0; b < size; ++b) {
    const float *row = logits + b * classes;
    int64_t best = 0, larger = 0;
    for (int64_t k = 1; k < classes; ++k)
      if (row[k] > row[best])
        best = k;
    for (int64_t k = 0; k < classes; ++k)
      larger += row[k] > row[labels[b]];
    if (counts->confusion)
      ++counts->confusion[labels[b] * classes + best];
    counts->topKCorrect += larger < counts->topK;
  }
}

/// Evaluates one batch into the sums of `result`; `logits` is NULL when
/// nothing else is counted.
static int evaluateBatch(cnnrt_instance *instance, const cnnrt_batch *batch,
                         float *logits, Counts *counts, double *lossSum,
                         cnnrt_eval_result *result) {
  float loss;
  int64_t correct;
  if (cnnrt_evaluate(instance, batch->images, batch->labels, batch->size, &loss,
                     &correct))
    return cnnrt_train_fail_runtime();
  *lossSum += (double)loss * (double)batch->size;
  result->correct += correct;
  result->count += batch->size;
  if (!logits)
    return 0;
  if (cnnrt_predict(instance, batch->images, batch->size, logits))
    return cnnrt_train_fail_runtime();
  int64_t classes =
      cnnrt_model_desc(cnnrt_instance_model(instance))->num_classes;
  countPredictions(logits, batch->labels, batch->size, classes, counts);
  return 0;
}

/// Evaluates every batch of `batches`; `logits` is NULL when nothing else
/// is counted.
/// With `prefetch`, the copy of batch i + 1 to the device is started before
/// batch i is evaluated (the batches point into the data set: nothing is
/// gathered).
static int evaluateBatches(cnnrt_instance *instance, cnnrt_batches *batches,
                           int prefetch, float *logits, Counts *counts,
                           cnnrt_eval_result *result) {
  double lossSum = 0.0;
  cnnrt_batch batch, next = {0};
  int have = cnnrt_batches_next(batches, &batch);
  while (have) {
    int haveNext = 0;
    if (prefetch && (haveNext = cnnrt_batches_next(batches, &next)) &&
        cnnrt_instance_prefetch(instance, next.images, next.labels, next.size))
      return cnnrt_train_fail_runtime();
    if (evaluateBatch(instance, &batch, logits, counts, &lossSum, result))
      return -1;
    if (prefetch) {
      batch = next;
      have = haveNext;
    } else {
      have = cnnrt_batches_next(batches, &batch);
    }
  }
  if (result->count > 0) {
    result->loss = lossSum / (double)result->count;
    result->accuracy = (double)result->correct / (double)result->count;
  }
  return 0;
}

int cnnrt_evaluate_view(cnnrt_instance *instance, cnnrt_data_view view,
                        int64_t batchSize, cnnrt_eval_result *result,
                        int64_t *confusion) {
  return cnnrt_evaluate_view_top_k(instance, view, batchSize, result, confusion,
                                   0);
}

int cnnrt_evaluate_view_top_k(cnnrt_instance *instance, cnnrt_data_view view,
                              int64_t batchSize, cnnrt_eval_result *result,
                              int64_t *confusion, int64_t topK) {
  memset(result, 0, sizeof *result);
  if (!instance)
    return cnnrt_train_fail("cnnrt_evaluate_view", "the instance is NULL");
  if (topK < 0)
    return cnnrt_train_fail("--top-k", "%lld is negative", (long long)topK);
  int64_t classes =
      cnnrt_model_desc(cnnrt_instance_model(instance))->num_classes;
  int64_t logitCount = 0;
  int counting = confusion || topK > 0;
  if (counting) {
    int64_t gathered = batchSize < view.count ? batchSize : view.count;
    if (cnnc_mul_overflows(gathered > 0 ? gathered : 1, classes, &logitCount) ||
        cnnc_mul_overflows(logitCount, (int64_t)sizeof(float), &logitCount))
      return cnnrt_train_fail("--batch", "batch size %lld is too large",
                              (long long)batchSize);
    if (confusion)
      memset(confusion, 0, (size_t)(classes * classes) * sizeof *confusion);
  }
  cnnrt_batches *batches = cnnrt_batches_create(view, batchSize, 0, 0);
  if (!batches || cnnrt_batches_start(batches, 0, 0)) {
    cnnrt_batches_destroy(batches);
    return -1;
  }
  float *logits = counting ? malloc((size_t)logitCount) : NULL;
  int prefetch = cnnrt_instance_prefetches(instance);
  Counts counts = {confusion, topK, 0};
  int status = counting && !logits
                   ? cnnrt_train_fail("evaluate", "out of memory")
                   : evaluateBatches(instance, batches, prefetch, logits,
                                     &counts, result);
  result->top_k_correct = counts.topKCorrect;
  if (prefetch) // after a failure, one may be left
    (void)cnnrt_instance_prefetch(instance, NULL, NULL, 0);
  free(logits);
  cnnrt_batches_destroy(batches);
  return status;
}
