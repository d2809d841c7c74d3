//===- Fit.c - the epoch loop --------------------------------------------===//
//
// Keras's fit for a compiled model: per epoch, shuffled mini-batches through
// the generated train_step, the epoch's loss (mean of batch losses weighted
// by batch size) and accuracy (correct / seen), validation, a history record,
// the checkpoint and the history file. The loop continues from any
// cnnrt_train_state, including one saved in the middle of an epoch, and
// performs exactly the same float operations as an uninterrupted run.
// Data-parallel ranks (options->distributed) train on their shard of each
// batch through Distributed.h instead of the fused train_step.
//
//===----------------------------------------------------------------------===//

#include "Distributed.h"
#include "Internal.h"

#include <math.h>
#include <string.h>

cnnrt_train_state cnnrt_train_state_initial(uint64_t seed) {
  cnnrt_train_state state;
  memset(&state, 0, sizeof state);
  state.seed = seed;
  state.lr_scale = 1.0;
  state.plateau_best = state.stop_best = state.save_best = NAN;
  return state;
}

static int checkOptions(cnnrt_instance *instance,
                        const cnnrt_fit_options *options,
                        const cnnrt_train_state *state) {
  const cnnrt_model *model = cnnrt_instance_model(instance);
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  if (!desc->train_step)
    return cnnrt_train_fail(cnnrt_model_path(model),
                            "model compiled without training (no train_step "
                            "entry point)");
  if (options->distributed && !desc->compute_gradients)
    return cnnrt_train_fail(cnnrt_model_path(model),
                            "data-parallel training needs the "
                            "compute_gradients entry point");
  if (options->epochs < 0)
    return cnnrt_train_fail("--epochs", "%lld is negative",
                            (long long)options->epochs);
  if (options->batch_size <= 0)
    return cnnrt_train_fail("--batch", "%lld is not positive",
                            (long long)options->batch_size);
  if (!isfinite(options->learning_rate) || options->learning_rate < 0.0f)
    return cnnrt_train_fail("--lr", "%g is not a finite non-negative number",
                            (double)options->learning_rate);
  if (options->max_steps < 0)
    return cnnrt_train_fail("--max-steps", "%lld is negative",
                            (long long)options->max_steps);
  if (options->train.count <= 0)
    return cnnrt_train_fail("training data", "no images to train on");
  if (cnnrt_check_data(model, options->train, "training data") ||
      (options->validation.count > 0 &&
       cnnrt_check_data(model, options->validation, "validation data")) ||
      cnnrt_callbacks_check(options))
    return -1;
  int midEpoch = state->batch > 0 || state->seen > 0;
  if (midEpoch && (state->batch_size != options->batch_size ||
                   state->train_examples != options->train.count))
    return cnnrt_train_fail(
        "--resume",
        "the checkpoint stopped in the middle of an "
        "epoch of batch size %lld over %lld images; "
        "resume with the same --batch and training data "
        "(now %lld and %lld)",
        (long long)state->batch_size, (long long)state->train_examples,
        (long long)options->batch_size, (long long)options->train.count);
  return 0;
}

/// The learning rate of the step after `steps` steps: the schedule's times
/// ReduceLROnPlateau's factor (exactly options->learning_rate without
/// either).
static float learningRate(const cnnrt_fit_options *options,
                          const cnnrt_train_state *state, int64_t steps,
                          int64_t stepsPerEpoch) {
  return (float)(cnnrt_lr_schedule_rate(&options->schedule,
                                        options->learning_rate, steps,
                                        stepsPerEpoch, options->epochs) *
                 state->lr_scale);
}

/// One train step on `batch`, accumulated into the state and the stats.
/// Data-parallel ranks train on their shard (`batch`) of a global batch of
/// `full` images; `*stop` is this rank's vote to stop and becomes the
/// ranks' decision.
static int step(cnnrt_instance *instance, const cnnrt_fit_options *options,
                const cnnrt_batch *batch, int64_t full, float rate, int *stop,
                cnnrt_train_state *state, cnnrt_fit_stats *stats) {
  const cnnrt_model *model = cnnrt_instance_model(instance);
  float loss = 0.0f;
  int64_t correct = 0, images = batch->size;
  if (state->step >= CNNRT_MAX_STEPS)
    return cnnrt_train_fail(cnnrt_model_path(model),
                            "the run has taken %lld steps, the most a run "
                            "may take",
                            (long long)state->step);
  double start = cnnrt_train_now();
  int failed;
  if (options->distributed) {
    failed = cnnrt_distributed_step(options->distributed, instance, batch, full,
                                    rate, state->step + 1, state->seed, *stop,
                                    &loss, &correct, stop);
    images = full;
  } else if (cnnrt_model_is_cuda(model)) {
    // Device-resident parameters: libcnnrt copies the batch in.
    failed =
        cnnrt_train_step_at(instance, batch->images, batch->labels, batch->size,
                            rate, state->step + 1, state->seed, &loss, &correct)
            ? cnnrt_train_fail_runtime()
            : 0;
  } else {
    int32_t status = cnnrt_model_desc(model)->train_step(
        cnnrt_instance_params(instance), cnnrt_instance_opt_state(instance),
        batch->images, batch->labels, batch->size, rate,
        state->step + 1, state->seed, &loss, &correct);
    failed = status ? cnnrt_train_fail(cnnrt_model_path(model),
                                       "train_step returned status %d (%s) "
                                       "at step %lld",
                                       (int)status, cnnrt_status_string(status),
                                       (long long)(state->step + 1))
                    : 0;
  }
  stats->train_seconds += cnnrt_train_now() - start;
  if (failed)
    return -1;
  ++state->step;
  ++state->batch;
  state->loss_sum += (double)loss * (double)images;
  state->correct += correct;
  state->seen += images;
  ++stats->steps;
  stats->images += images;
  return 0;
}

/// Closes an epoch: record, validation, state reset, callbacks, checkpoint,
/// history.
static int finishEpoch(cnnrt_instance *instance,
                       const cnnrt_fit_options *options,
                       cnnrt_train_state *state, cnnrt_history *history,
                       int64_t stepsPerEpoch, cnnrt_epoch_record *record,
                       cnnrt_fit_stats *stats) {
  double seen = state->seen > 0 ? (double)state->seen : NAN;
  record->loss = state->loss_sum / seen;
  record->accuracy = (double)state->correct / seen;
  record->val_loss = record->val_accuracy = NAN;
  record->learning_rate = learningRate(
      options, state, state->step > 0 ? state->step - 1 : 0, stepsPerEpoch);
  if (options->validation.count > 0) {
    cnnrt_eval_result result;
    if (options->distributed
            ? cnnrt_distributed_evaluate(options->distributed, instance,
                                         options->validation,
                                         options->batch_size, &result)
            : cnnrt_evaluate_view(instance, options->validation,
                                  options->batch_size, &result, NULL))
      return -1;
    record->val_loss = result.loss;
    record->val_accuracy = result.accuracy;
  }
  if (cnnrt_history_append(history, record))
    return -1;
  ++state->epoch;
  state->batch = state->correct = state->seen = 0;
  state->loss_sum = 0.0;
  if (cnnrt_callbacks_epoch_end(instance, options, state, history, record,
                                stats))
    return -1;
  cnnrt_checkpoint_extras extras = cnnrt_fit_extras(options, state);
  if (options->checkpoint &&
      cnnrt_checkpoint_save_extras(options->checkpoint, instance, state,
                                   history, &extras))
    return -1;
  if (options->history_file &&
      cnnrt_history_write(history, options->history_file))
    return -1;
  return options->distributed ? cnnrt_distributed_verify(options->distributed,
                                                         instance, state->epoch)
                              : 0;
}

/// Where the batches come from: the iterator, or a producer thread over it.
typedef struct Source {
  cnnrt_batches *batches;
  cnnrt_pipeline *pipeline; ///< NULL: in line
} Source;

static int startEpoch(Source *source, uint64_t epoch, int64_t first,
                      int64_t steps) {
  return source->pipeline
             ? cnnrt_pipeline_start(source->pipeline, epoch, first, steps)
             : cnnrt_batches_start(source->batches, epoch, first);
}

/// The batch `index` of the epoch into `batch`, when it is one of the first
/// `steps` and the iterator has it (the iterator must be at `index`). The
/// time it takes (gathering in line, or waiting for the producer) goes to
/// stats->input_seconds.
static int nextBatch(Source *source, int64_t index, int64_t steps,
                     cnnrt_batch *batch, cnnrt_fit_stats *stats) {
  if (index >= steps)
    return 0;
  double start = cnnrt_train_now();
  int have = source->pipeline ? cnnrt_pipeline_next(source->pipeline, batch)
                              : cnnrt_batches_next(source->batches, batch);
  stats->input_seconds += cnnrt_train_now() - start;
  return have;
}

/// Runs epochs until options->epochs or a callback stops the loop. With
/// `prefetch` (a CUDA instance), batch i + 1 is gathered into the iterator's
/// second buffer and its copy to the device started before the step on
/// batch i: the same batches in the same order, the copy overlapped.
static int runEpochs(cnnrt_instance *instance, const cnnrt_fit_options *options,
                     cnnrt_train_state *state, cnnrt_history *history,
                     const cnnrt_fit_callbacks *callbacks, Source *source,
                     int prefetch, cnnrt_fit_stats *stats) {
  int64_t steps = cnnrt_batches_per_epoch(source->batches);
  if (options->max_steps > 0 && options->max_steps < steps)
    steps = options->max_steps;
  void *context = callbacks ? callbacks->context : NULL;
  while (state->epoch < options->epochs && !state->stopped) {
    if (state->batch > steps)
      return cnnrt_train_fail("--resume",
                              "the checkpoint is at batch %lld of an epoch "
                              "of %lld steps",
                              (long long)state->batch, (long long)steps);
    double start = cnnrt_train_now();
    if (startEpoch(source, (uint64_t)state->epoch, state->batch, steps))
      return -1;
    if (callbacks && callbacks->epoch_begin)
      callbacks->epoch_begin(context, state->epoch, options->epochs, steps);
    cnnrt_batch batch, next = {0};
    int have = nextBatch(source, state->batch, steps, &batch, stats);
    // Data-parallel ranks stop together: a callback's request on one rank
    // is its vote in the next step's sum.
    int vote = 0;
    while (have) {
      int haveNext = 0;
      if (prefetch &&
          (haveNext =
               nextBatch(source, state->batch + 1, steps, &next, stats)) &&
          cnnrt_instance_prefetch(instance, next.images, next.labels,
                                  next.size))
        return cnnrt_train_fail_runtime();
      int stop = vote;
      if (step(instance, options, &batch,
               cnnrt_batches_full_size(source->batches, batch.index),
               learningRate(options, state, state->step, steps), &stop, state,
               stats))
        return -1;
      int requested =
          callbacks && callbacks->batch_end &&
          callbacks->batch_end(context, state->batch, steps,
                               state->loss_sum / (double)state->seen,
                               (double)state->correct / (double)state->seen);
      if (options->distributed) {
        vote = requested;
        requested = stop;
      }
      if (requested) {
        stats->stopped = 1;
        return 0;
      }
      if (prefetch) {
        batch = next;
        have = haveNext;
      } else {
        have = nextBatch(source, state->batch, steps, &batch, stats);
      }
    }
    cnnrt_epoch_record record;
    if (finishEpoch(instance, options, state, history, steps, &record, stats))
      return -1;
    if (callbacks && callbacks->epoch_end &&
        callbacks->epoch_end(context, state->epoch - 1, options->epochs,
                             &record, cnnrt_train_now() - start)) {
      stats->stopped = state->epoch < options->epochs;
      break;
    }
  }
  return 0;
}

int cnnrt_fit(cnnrt_instance *instance, const cnnrt_fit_options *options,
              cnnrt_train_state *state, cnnrt_history *history,
              const cnnrt_fit_callbacks *callbacks, cnnrt_fit_stats *stats) {
  cnnrt_fit_stats ignored;
  stats = stats ? stats : &ignored;
  memset(stats, 0, sizeof *stats);
  if (!instance || !options || !state || !history)
    return cnnrt_train_fail("cnnrt_fit", "NULL argument");
  if (checkOptions(instance, options, state))
    return -1;
  state->batch_size = options->batch_size;
  state->train_examples = options->train.count;
  history->has_validation = options->validation.count > 0;
  history->has_learning_rate =
      options->schedule.kind != CNNRT_LR_CONSTANT || options->plateau.enabled;
  cnnrt_batches *batches =
      cnnrt_batches_create(options->train, options->batch_size, 1, state->seed);
  if (!batches)
    return -1;
  cnnrt_distributed *ranks = options->distributed;
  if (ranks && cnnrt_batches_shard(batches, cnnrt_distributed_rank(ranks),
                                   cnnrt_distributed_size(ranks))) {
    cnnrt_batches_destroy(batches);
    return -1;
  }
  int prefetch = cnnrt_instance_prefetches(instance);
  int augment = cnnrt_augmentation_enabled(&options->augmentation);
  Source source = {batches, NULL};
  if ((augment && cnnrt_batches_augment(batches, &options->augmentation)) ||
      (augment && !prefetch &&
       !(source.pipeline = cnnrt_pipeline_create(batches)))) {
    cnnrt_batches_destroy(batches);
    return -1;
  }
  if (prefetch && cnnrt_batches_double_buffer(batches)) {
    cnnrt_batches_destroy(batches);
    return -1;
  }
  int result = runEpochs(instance, options, state, history, callbacks, &source,
                         prefetch, stats);
  cnnrt_pipeline_destroy(source.pipeline);
  // A stop or a failure can leave a prefetch of a buffer freed below.
  if (prefetch)
    (void)cnnrt_instance_prefetch(instance, NULL, NULL, 0);
  cnnrt_batches_destroy(batches);
  return result;
}
