//===- History.c - per-epoch metrics, written as CSV or JSON --------------===//
//
// The CSV file looks like Keras's CSVLogger output (a header, one row per
// epoch); the JSON file like Keras's History.history, one array per metric.
// Numbers use %.9g, enough to round-trip the float32 the metrics derive
// from; non-finite values are "nan"/"inf" in CSV and null in JSON.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "CheckedMath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cnnrt_history_append(cnnrt_history *history,
                         const cnnrt_epoch_record *record) {
  if (history->count == history->capacity) {
    int64_t capacity = history->capacity ? 2 * history->capacity : 16, bytes;
    if (cnnc_mul_overflows(capacity, (int64_t)sizeof *record, &bytes))
      return cnnrt_train_fail("history", "too many epochs");
    cnnrt_epoch_record *grown = realloc(history->records, (size_t)bytes);
    if (!grown)
      return cnnrt_train_fail("history", "out of memory");
    history->records = grown;
    history->capacity = capacity;
  }
  history->records[history->count++] = *record;
  return 0;
}

void cnnrt_history_clear(cnnrt_history *history) {
  free(history->records);
  history->records = NULL;
  history->count = 0;
  history->capacity = 0;
}

static int endsWith(const char *text, const char *suffix) {
  size_t length = strlen(text), suffixLength = strlen(suffix);
  return length > suffixLength &&
         strcmp(text + length - suffixLength, suffix) == 0;
}

int cnnrt_history_path_is_supported(const char *path) {
  return path && (endsWith(path, ".csv") || endsWith(path, ".json"));
}

/// One CSV field: %.9g, or "nan"/"inf"/"-inf".
static void csvNumber(FILE *out, double value) {
  if (isnan(value))
    fputs("nan", out);
  else if (isinf(value))
    fputs(value > 0 ? "inf" : "-inf", out);
  else
    fprintf(out, "%.9g", value);
}

static void writeCsv(const cnnrt_history *history, FILE *out) {
  fputs(history->has_validation ? "epoch,loss,accuracy,val_loss,val_accuracy"
                                : "epoch,loss,accuracy",
        out);
  fputs(history->has_learning_rate ? ",learning_rate\n" : "\n", out);
  for (int64_t i = 0; i < history->count; ++i) {
    const cnnrt_epoch_record *record = &history->records[i];
    fprintf(out, "%lld,", (long long)(i + 1));
    csvNumber(out, record->loss);
    fputc(',', out);
    csvNumber(out, record->accuracy);
    if (history->has_validation) {
      fputc(',', out);
      csvNumber(out, record->val_loss);
      fputc(',', out);
      csvNumber(out, record->val_accuracy);
    }
    if (history->has_learning_rate) {
      fputc(',', out);
      csvNumber(out, record->learning_rate);
    }
    fputc('\n', out);
  }
}

/// `"name": [v1, v2, ...]` for the metric at byte offset `field` of a record.
static void jsonSeries(const cnnrt_history *history, FILE *out,
                       const char *name, size_t field, int last) {
  fprintf(out, "  \"%s\": [", name);
  for (int64_t i = 0; i < history->count; ++i) {
    double value;
    memcpy(&value, (const char *)&history->records[i] + field, sizeof value);
    if (i)
      fputs(", ", out);
    if (isfinite(value))
      fprintf(out, "%.9g", value);
    else
      fputs("null", out);
  }
  fputs(last ? "]\n" : "],\n", out);
}

static void writeJson(const cnnrt_history *history, FILE *out) {
  fputs("{\n  \"epoch\": [", out);
  for (int64_t i = 0; i < history->count; ++i)
    fprintf(out, i ? ", %lld" : "%lld", (long long)(i + 1));
  fputs("],\n", out);
  int validation = history->has_validation;
  int rate = history->has_learning_rate;
  jsonSeries(history, out, "loss", offsetof(cnnrt_epoch_record, loss), 0);
  jsonSeries(history, out, "accuracy", offsetof(cnnrt_epoch_record, accuracy),
             !validation && !rate);
  if (validation) {
    jsonSeries(history, out, "val_loss", offsetof(cnnrt_epoch_record, val_loss),
               0);
    jsonSeries(history, out, "val_accuracy",
               offsetof(cnnrt_epoch_record, val_accuracy), !rate);
  }
  if (rate)
    jsonSeries(history, out, "learning_rate",
               offsetof(cnnrt_epoch_record, learning_rate), 1);
  fputs("}\n", out);
}

int cnnrt_history_write(const cnnrt_history *history, const char *path) {
  if (!cnnrt_history_path_is_supported(path))
    return cnnrt_train_fail(path ? path : "history",
                            "unknown history format: the name must end in "
                            ".csv or .json");
  cnnrt_atomic_file file;
  if (cnnrt_atomic_open(&file, path))
    return -1;
  if (endsWith(path, ".csv"))
    writeCsv(history, file.file);
  else
    writeJson(history, file.file);
  return cnnrt_atomic_commit(&file);
}
