//===- Progress.c - Keras-style console output of the fit loop ------------===//
//
// On a terminal, a progress bar with ETA and running metrics is redrawn in
// place (at most ten times a second) and replaced by the epoch's summary
// line; otherwise only the summary lines are printed, one per epoch and
// flushed at once, so logs and pipes get plain, diffable text.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Tool.h"

#include <math.h>
#include <string.h>

void cnnrt_format_duration(char *out, size_t capacity, double seconds) {
  long long total = isfinite(seconds) && seconds > 0 ? llround(seconds) : 0;
  if (total >= 3600)
    snprintf(out, capacity, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
             total % 60);
  else if (total >= 60)
    snprintf(out, capacity, "%lld:%02lld", total / 60, total % 60);
  else
    snprintf(out, capacity, "%llds", total);
}

void cnnrt_format_bar(char *out, size_t capacity, int64_t epoch, int64_t epochs,
                      int64_t done, int64_t steps, double elapsed, double loss,
                      double accuracy, int width) {
  char bar[256];
  if (width < 1 || width >= (int)sizeof bar)
    width = 30;
  int filled =
      steps > 0 ? (int)((double)width * (double)done / (double)steps) : width;
  for (int i = 0; i < width; ++i)
    bar[i] = i < filled ? '=' : '.';
  if (filled > 0 && filled < width)
    bar[filled - 1] = '>';
  bar[width] = '\0';
  char eta[32];
  double remaining =
      done > 0 ? elapsed / (double)done * (double)(steps - done) : 0.0;
  cnnrt_format_duration(eta, sizeof eta, done > 0 ? remaining : NAN);
  int digits = snprintf(NULL, 0, "%lld", (long long)steps);
  snprintf(out, capacity,
           "Epoch %lld/%lld %*lld/%lld [%s] - ETA: %s - loss: %.4f - "
           "accuracy: %.4f",
           (long long)epoch + 1, (long long)epochs, digits, (long long)done,
           (long long)steps, bar, eta, loss, accuracy);
}

void cnnrt_format_epoch(char *out, size_t capacity, int64_t epoch,
                        int64_t epochs, double seconds,
                        const cnnrt_epoch_record *record, int validation) {
  long long whole = isfinite(seconds) && seconds > 0 ? llround(seconds) : 0;
  int used = snprintf(out, capacity,
                      "Epoch %lld/%lld - %llds - loss: %.4f - accuracy: %.4f",
                      (long long)epoch + 1, (long long)epochs, whole,
                      record->loss, record->accuracy);
  if (validation && used >= 0 && (size_t)used < capacity)
    snprintf(out + used, capacity - (size_t)used,
             " - val_loss: %.4f - val_accuracy: %.4f", record->val_loss,
             record->val_accuracy);
}

static void epochBegin(void *context, int64_t epoch, int64_t epochs,
                       int64_t steps) {
  (void)steps;
  cnnrt_progress *progress = context;
  progress->epoch = epoch;
  progress->epochs = epochs;
  progress->epoch_start = cnnrt_train_now();
  progress->last_draw = 0.0;
}

static int batchEnd(void *context, int64_t done, int64_t steps, double loss,
                    double accuracy) {
  cnnrt_progress *progress = context;
  int stop = progress->stop && *progress->stop;
  if (!progress->bar)
    return stop;
  double now = cnnrt_train_now();
  if (done < steps && now - progress->last_draw < 0.1 && !stop)
    return stop;
  progress->last_draw = now;
  char line[512];
  cnnrt_format_bar(line, sizeof line, progress->epoch, progress->epochs, done,
                   steps, now - progress->epoch_start, loss, accuracy, 30);
  fprintf(progress->out, "\r%s\033[K", line);
  if (stop)
    fputc('\n', progress->out);
  fflush(progress->out);
  return stop;
}

/// Keras's messages of ReduceLROnPlateau and EarlyStopping.
static void callbackMessages(cnnrt_progress *progress, int64_t epoch) {
  const cnnrt_train_state *state = progress->state;
  if (state->lr_scale != progress->lr_scale) {
    progress->lr_scale = state->lr_scale;
    fprintf(progress->out,
            "Epoch %lld: ReduceLROnPlateau reducing learning rate to %.4g%s.\n",
            (long long)epoch + 1, progress->learning_rate * state->lr_scale,
            progress->schedule ? " (times the schedule)" : "");
  }
  if (!state->stopped || state->epoch != epoch + 1)
    return;
  fprintf(progress->out, "Epoch %lld: early stopping\n", (long long)epoch + 1);
  if (progress->early_stopping &&
      progress->early_stopping->restore_best_weights)
    fprintf(progress->out,
            "Restoring model weights from the end of the best epoch: %lld.\n",
            (long long)state->best_epoch);
}

static int epochEnd(void *context, int64_t epoch, int64_t epochs,
                    const cnnrt_epoch_record *record, double seconds) {
  cnnrt_progress *progress = context;
  char line[512];
  cnnrt_format_epoch(line, sizeof line, epoch, epochs, seconds, record,
                     progress->validation);
  fprintf(progress->out, progress->bar ? "\r%s\033[K\n" : "%s\n", line);
  if (progress->state)
    callbackMessages(progress, epoch);
  fflush(progress->out);
  return 0;
}

cnnrt_fit_callbacks cnnrt_progress_callbacks(cnnrt_progress *progress) {
  cnnrt_fit_callbacks callbacks = {progress, epochBegin, batchEnd, epochEnd};
  return callbacks;
}
