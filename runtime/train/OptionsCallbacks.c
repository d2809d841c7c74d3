//===- OptionsCallbacks.c - cnnc-train's schedule and callback flags ------===//
//
// The values of the flags that configure Keras-style callbacks:
//
//   --lr-schedule step:EPOCHS:FACTOR | exponential:FACTOR[:EPOCHS]
//                 | cosine[:ALPHA[:EPOCHS]]
//   --reduce-lr-on-plateau on | KEY=VALUE,...   (monitor, factor, patience,
//                                                min_delta, cooldown, min_lr)
//   --early-stopping on | KEY=VALUE,...         (monitor, patience,
//                                                min_delta,
//                                                restore_best_weights)
//   --save-best-monitor MONITOR
//   --augment flip,translate=F,crop=P,brightness=B,contrast=F (any subset)
//
// with Keras's defaults for every key not given. Each bad value is one
// message naming the flag and the key.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Tool.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// A number filling [text, end).
static int number(const char *text, const char *end, double *out) {
  char *stop;
  errno = 0;
  *out = strtod(text, &stop);
  return errno || stop != end || stop == text || !isfinite(*out);
}

/// A non-negative integer filling [text, end).
static int count(const char *text, const char *end, int64_t *out) {
  double value;
  if (number(text, end, &value) || value < 0 || value > 1e9 ||
      value != floor(value))
    return -1;
  *out = (int64_t)value;
  return 0;
}

static int monitor(const char *text, size_t length, cnnrt_monitor *out) {
  static const char *const kNames[] = {"val_loss", "val_accuracy", "loss",
                                       "accuracy"};
  for (int i = 0; i < 4; ++i)
    if (strlen(kNames[i]) == length && strncmp(kNames[i], text, length) == 0) {
      *out = (cnnrt_monitor)i;
      return 0;
    }
  return -1;
}

static int parseSchedule(const char *flag, const char *value,
                         cnnrt_lr_schedule *schedule) {
  const char *first = strchr(value, ':');
  const char *second = first ? strchr(first + 1, ':') : NULL;
  const char *end = value + strlen(value);
  size_t kindLength = first ? (size_t)(first - value) : strlen(value);
  memset(schedule, 0, sizeof *schedule);
  int bad = 0;
  if (kindLength == 4 && strncmp(value, "step", 4) == 0) {
    schedule->kind = CNNRT_LR_STEP;
    bad = !second || number(first + 1, second, &schedule->period) ||
          number(second + 1, end, &schedule->rate);
  } else if (kindLength == 11 && strncmp(value, "exponential", 11) == 0) {
    schedule->kind = CNNRT_LR_EXPONENTIAL;
    schedule->period = 1.0;
    bad = !first || number(first + 1, second ? second : end, &schedule->rate) ||
          (second && number(second + 1, end, &schedule->period));
  } else if (kindLength == 6 && strncmp(value, "cosine", 6) == 0) {
    schedule->kind = CNNRT_LR_COSINE;
    bad =
        (first && number(first + 1, second ? second : end, &schedule->alpha)) ||
        (second && number(second + 1, end, &schedule->period));
  } else {
    bad = 1;
  }
  if (bad ||
      (schedule->kind != CNNRT_LR_COSINE &&
       (!(schedule->rate > 0 && schedule->rate <= 1) ||
        !(schedule->period > 0))) ||
      (schedule->kind == CNNRT_LR_COSINE &&
       (!(schedule->alpha >= 0 && schedule->alpha <= 1) ||
        schedule->period < 0)))
    return cnnrt_train_fail(flag,
                            "expected step:EPOCHS:FACTOR, "
                            "exponential:FACTOR[:EPOCHS] or "
                            "cosine[:ALPHA[:EPOCHS]] (FACTOR in (0, 1], "
                            "EPOCHS > 0, ALPHA in [0, 1]), got '%s'",
                            value);
  return 0;
}

/// One key=value of a callback; `plateau` or `stopping` is the target.
static int applyKey(const char *flag, const char *key, size_t keyLength,
                    const char *text, const char *end,
                    cnnrt_plateau_options *plateau,
                    cnnrt_early_stopping_options *stopping) {
#define KEY(name)                                                              \
  (keyLength == strlen(name) && strncmp(key, name, keyLength) == 0)
  double real;
  int64_t integer;
  cnnrt_monitor watched;
  if (KEY("monitor") && !monitor(text, (size_t)(end - text), &watched)) {
    if (plateau)
      plateau->monitor = watched;
    else
      stopping->monitor = watched;
    return 0;
  }
  if (KEY("patience") && !count(text, end, &integer)) {
    if (plateau)
      plateau->patience = integer;
    else
      stopping->patience = integer;
    return 0;
  }
  if (KEY("min_delta") && !number(text, end, &real) && real >= 0) {
    if (plateau)
      plateau->min_delta = real;
    else
      stopping->min_delta = real;
    return 0;
  }
  if (plateau && KEY("factor") && !number(text, end, &real) && real > 0 &&
      real < 1)
    return plateau->factor = real, 0;
  if (plateau && KEY("cooldown") && !count(text, end, &integer))
    return plateau->cooldown = integer, 0;
  if (plateau && KEY("min_lr") && !number(text, end, &real) && real >= 0)
    return plateau->min_lr = real, 0;
  if (stopping && KEY("restore_best_weights") && !count(text, end, &integer) &&
      integer <= 1)
    return stopping->restore_best_weights = (int)integer, 0;
#undef KEY
  return cnnrt_train_fail(
      flag,
      "bad '%.*s' (keys: monitor=val_loss|val_accuracy|loss|accuracy, "
      "patience=N, min_delta=X, %s)",
      (int)(end - key), key,
      plateau ? "factor=X in (0, 1), cooldown=N, min_lr=X"
              : "restore_best_weights=0|1");
}

/// "on" or a comma-separated KEY=VALUE list.
static int parseKeys(const char *flag, const char *value,
                     cnnrt_plateau_options *plateau,
                     cnnrt_early_stopping_options *stopping) {
  if (strcmp(value, "on") == 0)
    return 0;
  for (const char *item = value; *item;) {
    const char *comma = strchr(item, ',');
    const char *end = comma ? comma : item + strlen(item);
    const char *equals = memchr(item, '=', (size_t)(end - item));
    if (!equals)
      return cnnrt_train_fail(flag, "expected 'on' or KEY=VALUE,..., got '%s'",
                              value);
    if (applyKey(flag, item, (size_t)(equals - item), equals + 1, end, plateau,
                 stopping))
      return -1;
    item = comma ? comma + 1 : end;
  }
  return 0;
}

/// --augment: a comma-separated list of transforms.
static int parseAugment(const char *flag, const char *value,
                        cnnrt_augmentation *a) {
  memset(a, 0, sizeof *a);
  for (const char *item = value; *item;) {
    const char *comma = strchr(item, ',');
    const char *end = comma ? comma : item + strlen(item);
    const char *equals = memchr(item, '=', (size_t)(end - item));
    size_t keyLength = (size_t)((equals ? equals : end) - item);
    double real = 0;
    int64_t pixels = 0;
#define KEY(name)                                                              \
  (keyLength == strlen(name) && strncmp(item, name, keyLength) == 0)
    int ok = 0;
    if (KEY("flip") &&
        (!equals || (!count(equals + 1, end, &pixels) && pixels <= 1)))
      ok = 1, a->horizontal_flip = equals ? (int)pixels : 1;
    else if (KEY("translate") && equals && !number(equals + 1, end, &real) &&
             real >= 0 && real < 1)
      ok = 1, a->translate = real;
    else if (KEY("crop") && equals && !count(equals + 1, end, &pixels))
      ok = 1, a->crop_padding = pixels;
    else if (KEY("brightness") && equals && !number(equals + 1, end, &real) &&
             real >= 0 && real <= 1)
      ok = 1, a->brightness = real;
    else if (KEY("contrast") && equals && !number(equals + 1, end, &real) &&
             real >= 0 && real <= 1)
      ok = 1, a->contrast = real;
#undef KEY
    if (!ok)
      return cnnrt_train_fail(flag,
                              "bad '%.*s' (expected flip, translate=F in "
                              "[0, 1), crop=PIXELS, brightness=B and "
                              "contrast=F in [0, 1])",
                              (int)(end - item), item);
    item = comma ? comma + 1 : end;
  }
  if (a->translate > 0 && a->crop_padding > 0)
    return cnnrt_train_fail(flag, "translate and crop both shift the image; "
                                  "choose one");
  return 0;
}

int cnnrt_tool_parse_callback(const char *flag, const char *value,
                              cnnrt_tool_options *options) {
  if (strcmp(flag, "--augment") == 0)
    return parseAugment(flag, value, &options->augmentation);
  if (strcmp(flag, "--lr-schedule") == 0)
    return parseSchedule(flag, value, &options->schedule);
  if (strcmp(flag, "--save-best-monitor") == 0)
    return monitor(value, strlen(value), &options->save_best_monitor)
               ? cnnrt_train_fail(flag,
                                  "expected val_loss, val_accuracy, loss or "
                                  "accuracy, got '%s'",
                                  value)
               : 0;
  if (strcmp(flag, "--reduce-lr-on-plateau") == 0) {
    cnnrt_plateau_options *p = &options->plateau;
    *p = (cnnrt_plateau_options){1,  CNNRT_MONITOR_VAL_LOSS, 0.1, 10, 1e-4, 0,
                                 0.0};
    return parseKeys(flag, value, p, NULL);
  }
  cnnrt_early_stopping_options *e = &options->early_stopping;
  *e = (cnnrt_early_stopping_options){1, CNNRT_MONITOR_VAL_LOSS, 0, 0.0, 0};
  return parseKeys(flag, value, NULL, e);
}
