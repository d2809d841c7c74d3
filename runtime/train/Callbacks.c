//===- Callbacks.c - schedules, ReduceLROnPlateau, EarlyStopping ----------===//
//
// Keras's learning-rate schedules and epoch-end callbacks for cnnrt_fit,
// with their whole state in cnnrt_train_state (and the best parameters in a
// caller's buffer), so that a checkpoint taken at any point resumes them
// exactly. A monitored value that is NaN (a diverged run) never counts as
// an improvement; a NaN best (none yet) is improved on by any number.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const char *const kMonitorNames[] = {"val_loss", "val_accuracy", "loss",
                                            "accuracy"};

const char *cnnrt_monitor_name(cnnrt_monitor monitor) {
  return (unsigned)monitor < 4 ? kMonitorNames[monitor] : "?";
}

static int isAccuracy(cnnrt_monitor monitor) {
  return monitor == CNNRT_MONITOR_ACCURACY ||
         monitor == CNNRT_MONITOR_VAL_ACCURACY;
}

static double monitored(cnnrt_monitor monitor,
                        const cnnrt_epoch_record *record) {
  switch (monitor) {
  case CNNRT_MONITOR_VAL_ACCURACY:
    return record->val_accuracy;
  case CNNRT_MONITOR_LOSS:
    return record->loss;
  case CNNRT_MONITOR_ACCURACY:
    return record->accuracy;
  default:
    return record->val_loss;
  }
}

/// Keras: min mode improves below best - min_delta, max mode above
/// best + min_delta.
static int improves(cnnrt_monitor monitor, double current, double best,
                    double minDelta) {
  if (isnan(current))
    return 0;
  if (isnan(best))
    return 1;
  return isAccuracy(monitor) ? current > best + minDelta
                             : current < best - minDelta;
}

static int64_t periodSteps(double period, int64_t stepsPerEpoch) {
  long long steps = llround(period * (double)stepsPerEpoch);
  return steps < 1 ? 1 : steps;
}

double cnnrt_lr_schedule_rate(const cnnrt_lr_schedule *schedule,
                              double learningRate, int64_t steps,
                              int64_t stepsPerEpoch, int64_t epochs) {
  switch (schedule->kind) {
  case CNNRT_LR_STEP:
    return learningRate *
           pow(schedule->rate,
               (double)(steps / periodSteps(schedule->period, stepsPerEpoch)));
  case CNNRT_LR_EXPONENTIAL:
    return learningRate *
           pow(schedule->rate,
               (double)steps /
                   (double)periodSteps(schedule->period, stepsPerEpoch));
  case CNNRT_LR_COSINE: {
    int64_t decay = schedule->period > 0
                        ? periodSteps(schedule->period, stepsPerEpoch)
                        : epochs * stepsPerEpoch;
    double t = (double)(steps < decay ? steps : decay) /
               (double)(decay > 0 ? decay : 1);
    double cosine = 0.5 * (1.0 + cos(M_PI * t));
    return learningRate * ((1.0 - schedule->alpha) * cosine + schedule->alpha);
  }
  default:
    return learningRate;
  }
}

/// Checks a monitor against the data of the fit.
static int checkMonitor(const char *what, cnnrt_monitor monitor,
                        const cnnrt_fit_options *options) {
  if ((unsigned)monitor > CNNRT_MONITOR_ACCURACY)
    return cnnrt_train_fail(what, "unknown monitor %d", (int)monitor);
  if ((monitor == CNNRT_MONITOR_VAL_LOSS ||
       monitor == CNNRT_MONITOR_VAL_ACCURACY) &&
      options->validation.count <= 0)
    return cnnrt_train_fail(what,
                            "monitors %s, but there is no validation data "
                            "(--validation-split, --validation-data or "
                            "validation files; or monitor=loss)",
                            cnnrt_monitor_name(monitor));
  return 0;
}

int cnnrt_callbacks_check(const cnnrt_fit_options *options) {
  const cnnrt_lr_schedule *s = &options->schedule;
  if ((unsigned)s->kind > CNNRT_LR_COSINE ||
      ((s->kind == CNNRT_LR_STEP || s->kind == CNNRT_LR_EXPONENTIAL) &&
       (!(s->rate > 0.0 && s->rate <= 1.0) || !(s->period > 0.0) ||
        !isfinite(s->period))) ||
      (s->kind == CNNRT_LR_COSINE &&
       (!(s->alpha >= 0.0 && s->alpha <= 1.0) || !(s->period >= 0.0) ||
        !isfinite(s->period))))
    return cnnrt_train_fail("--lr-schedule",
                            "rate must be in (0, 1], the period positive and "
                            "alpha in [0, 1]");
  const cnnrt_plateau_options *p = &options->plateau;
  if (p->enabled &&
      (!(p->factor > 0.0 && p->factor < 1.0) || p->patience < 0 ||
       !(p->min_delta >= 0.0) || p->cooldown < 0 || !(p->min_lr >= 0.0)))
    return cnnrt_train_fail("--reduce-lr-on-plateau",
                            "factor must be in (0, 1); patience, min_delta, "
                            "cooldown and min_lr not negative");
  if (p->enabled && checkMonitor("--reduce-lr-on-plateau", p->monitor, options))
    return -1;
  const cnnrt_early_stopping_options *e = &options->early_stopping;
  if (e->enabled && (e->patience < 0 || !(e->min_delta >= 0.0)))
    return cnnrt_train_fail("--early-stopping",
                            "patience and min_delta must not be negative");
  if (e->enabled && checkMonitor("--early-stopping", e->monitor, options))
    return -1;
  if (e->enabled && e->restore_best_weights && !options->best_params)
    return cnnrt_train_fail("--early-stopping",
                            "restore_best_weights needs a buffer for the "
                            "best parameters (cnnrt_fit_options.best_params)");
  if (options->best_checkpoint &&
      checkMonitor("--save-best", options->best_monitor, options))
    return -1;
  return 0;
}

cnnrt_checkpoint_extras cnnrt_fit_extras(const cnnrt_fit_options *options,
                                         const cnnrt_train_state *state) {
  cnnrt_checkpoint_extras extras = {NULL, 0, NULL, 0};
  const cnnrt_early_stopping_options *e = &options->early_stopping;
  if (e->enabled && e->restore_best_weights && state->best_epoch > 0)
    extras.best_params = options->best_params;
  // Only read when saving.
  extras.class_names = (char **)(uintptr_t)options->class_names;
  extras.num_class_names = options->class_names ? options->num_class_names : 0;
  return extras;
}

/// ReduceLROnPlateau's epoch end (Keras 3's order of the checks).
static void plateauEpochEnd(const cnnrt_fit_options *options,
                            cnnrt_train_state *state, double current,
                            cnnrt_fit_stats *stats) {
  const cnnrt_plateau_options *p = &options->plateau;
  if (state->plateau_cooldown > 0) {
    --state->plateau_cooldown;
    state->plateau_wait = 0;
  }
  if (improves(p->monitor, current, state->plateau_best, p->min_delta)) {
    state->plateau_best = current;
    state->plateau_wait = 0;
    return;
  }
  if (state->plateau_cooldown > 0 || ++state->plateau_wait < p->patience)
    return;
  double base = options->learning_rate, old = base * state->lr_scale;
  if (base > 0.0 && old > p->min_lr) {
    double reduced = old * p->factor;
    state->lr_scale = (reduced > p->min_lr ? reduced : p->min_lr) / base;
    ++stats->lr_reductions;
  }
  state->plateau_cooldown = p->cooldown;
  state->plateau_wait = 0;
}

/// EarlyStopping's epoch end: 1 when training stops.
static int earlyStoppingEpochEnd(cnnrt_instance *instance,
                                 const cnnrt_fit_options *options,
                                 cnnrt_train_state *state, double current) {
  const cnnrt_early_stopping_options *e = &options->early_stopping;
  int64_t elements = cnnrt_instance_param_elements(instance);
  ++state->stop_wait;
  if (improves(e->monitor, current, state->stop_best, e->min_delta)) {
    state->stop_best = current;
    state->best_epoch = state->epoch;
    state->stop_wait = 0;
    if (e->restore_best_weights)
      memcpy(options->best_params, cnnrt_instance_params(instance),
             (size_t)elements * sizeof(float));
    return 0;
  }
  if (state->stop_wait < e->patience || state->epoch <= 1)
    return 0;
  state->stopped = 1;
  if (e->restore_best_weights && state->best_epoch > 0)
    memcpy(cnnrt_instance_params(instance), options->best_params,
           (size_t)elements * sizeof(float));
  return 1;
}

int cnnrt_callbacks_epoch_end(cnnrt_instance *instance,
                              const cnnrt_fit_options *options,
                              cnnrt_train_state *state,
                              const cnnrt_history *history,
                              const cnnrt_epoch_record *record,
                              cnnrt_fit_stats *stats) {
  if (options->plateau.enabled)
    plateauEpochEnd(options, state, monitored(options->plateau.monitor, record),
                    stats);
  if (options->early_stopping.enabled &&
      earlyStoppingEpochEnd(instance, options, state,
                            monitored(options->early_stopping.monitor, record)))
    stats->early_stopped = 1;
  if (!options->best_checkpoint)
    return 0;
  double current = monitored(options->best_monitor, record);
  if (!improves(options->best_monitor, current, state->save_best, 0.0))
    return 0;
  state->save_best = current;
  cnnrt_checkpoint_extras extras = cnnrt_fit_extras(options, state);
  return cnnrt_checkpoint_save_extras(options->best_checkpoint, instance, state,
                                      history, &extras);
}
