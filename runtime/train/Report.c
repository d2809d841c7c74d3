//===- Report.c - scikit-learn's classification_report --------------------===//
//
// Per-class precision, recall, F1 and support from a confusion matrix, with
// the macro and weighted averages and the accuracy, printed in the layout
// of sklearn.metrics.classification_report and written as CSV (one row per
// class, names quoted as RFC 4180 wants) or JSON (sklearn's output_dict).
// Classes that are neither a label nor a prediction are left out, as
// sklearn's unique_labels does; a zero denominator gives 0.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cnnrt_class_occurs(const int64_t *confusion, int64_t classes, int64_t k) {
  for (int64_t j = 0; j < classes; ++j)
    if (confusion[k * classes + j] || confusion[j * classes + k])
      return 1;
  return 0;
}

void cnnrt_classification_report(const int64_t *confusion, int64_t classes,
                                 cnnrt_class_metrics *metrics,
                                 cnnrt_class_metrics *macro,
                                 cnnrt_class_metrics *weighted) {
  memset(macro, 0, sizeof *macro);
  memset(weighted, 0, sizeof *weighted);
  int64_t occurring = 0;
  for (int64_t k = 0; k < classes; ++k) {
    int64_t truePositive = confusion[k * classes + k], predicted = 0,
            support = 0;
    for (int64_t j = 0; j < classes; ++j) {
      support += confusion[k * classes + j];
      predicted += confusion[j * classes + k];
    }
    cnnrt_class_metrics *m = &metrics[k];
    m->support = support;
    m->precision = predicted ? (double)truePositive / (double)predicted : 0.0;
    m->recall = support ? (double)truePositive / (double)support : 0.0;
    double sum = m->precision + m->recall;
    m->f1 = sum > 0 ? 2.0 * m->precision * m->recall / sum : 0.0;
    if (!cnnrt_class_occurs(confusion, classes, k))
      continue;
    ++occurring;
    macro->precision += m->precision;
    macro->recall += m->recall;
    macro->f1 += m->f1;
    macro->support += support;
    weighted->precision += m->precision * (double)support;
    weighted->recall += m->recall * (double)support;
    weighted->f1 += m->f1 * (double)support;
  }
  weighted->support = macro->support;
  double n = occurring ? (double)occurring : 1.0;
  double total = macro->support ? (double)macro->support : 1.0;
  macro->precision /= n;
  macro->recall /= n;
  macro->f1 /= n;
  weighted->precision /= total;
  weighted->recall /= total;
  weighted->f1 /= total;
}

/// The name of class k: names[k], or its number in `buffer`.
static const char *nameOf(const char *const *names, int64_t numNames, int64_t k,
                          char buffer[32]) {
  if (names && k < numNames)
    return names[k];
  snprintf(buffer, 32, "%lld", (long long)k);
  return buffer;
}

static double accuracyOf(const int64_t *confusion, int64_t classes,
                         int64_t total) {
  int64_t correct = 0;
  for (int64_t k = 0; k < classes; ++k)
    correct += confusion[k * classes + k];
  return total ? (double)correct / (double)total : 0.0;
}

/// The metrics of every class, or NULL (out of memory, error recorded).
static cnnrt_class_metrics *computeReport(const int64_t *confusion,
                                          int64_t classes,
                                          cnnrt_class_metrics *macro,
                                          cnnrt_class_metrics *weighted) {
  cnnrt_class_metrics *metrics = calloc((size_t)classes, sizeof *metrics);
  if (!metrics) {
    cnnrt_train_fail("report", "out of memory");
    return NULL;
  }
  cnnrt_classification_report(confusion, classes, metrics, macro, weighted);
  return metrics;
}

void cnnrt_report_print(FILE *out, const int64_t *confusion, int64_t classes,
                        const char *const *names, int64_t numNames) {
  cnnrt_class_metrics macro, weighted;
  cnnrt_class_metrics *metrics =
      computeReport(confusion, classes, &macro, &weighted);
  if (!metrics)
    return;
  char number[32];
  int width = (int)strlen("weighted avg");
  for (int64_t k = 0; k < classes; ++k) {
    int length = (int)strlen(nameOf(names, numNames, k, number));
    if (cnnrt_class_occurs(confusion, classes, k) && length > width)
      width = length;
  }
  fprintf(out, "%*s %10s %10s %10s %10s\n\n", width, "", "precision", "recall",
          "f1-score", "support");
  for (int64_t k = 0; k < classes; ++k)
    if (cnnrt_class_occurs(confusion, classes, k))
      fprintf(out, "%*s %10.4f %10.4f %10.4f %10lld\n", width,
              nameOf(names, numNames, k, number), metrics[k].precision,
              metrics[k].recall, metrics[k].f1, (long long)metrics[k].support);
  fprintf(out, "\n%*s %10s %10s %10.4f %10lld\n", width, "accuracy", "", "",
          accuracyOf(confusion, classes, macro.support),
          (long long)macro.support);
  const cnnrt_class_metrics *averages[2] = {&macro, &weighted};
  const char *labels[2] = {"macro avg", "weighted avg"};
  for (int i = 0; i < 2; ++i)
    fprintf(out, "%*s %10.4f %10.4f %10.4f %10lld\n", width, labels[i],
            averages[i]->precision, averages[i]->recall, averages[i]->f1,
            (long long)averages[i]->support);
  free(metrics);
}

/// A CSV field, quoted when it holds a comma or a quote.
static void csvText(FILE *out, const char *text) {
  if (!strpbrk(text, ",\"")) {
    fputs(text, out);
    return;
  }
  fputc('"', out);
  for (const char *c = text; *c; ++c) {
    if (*c == '"')
      fputc('"', out);
    fputc(*c, out);
  }
  fputc('"', out);
}

static void csvRow(FILE *out, const char *name, const cnnrt_class_metrics *m) {
  csvText(out, name);
  fprintf(out, ",%.9g,%.9g,%.9g,%lld\n", m->precision, m->recall, m->f1,
          (long long)m->support);
}

/// A JSON string (names have no control characters).
static void jsonText(FILE *out, const char *text) {
  fputc('"', out);
  for (const char *c = text; *c; ++c) {
    if (*c == '"' || *c == '\\')
      fputc('\\', out);
    fputc(*c, out);
  }
  fputc('"', out);
}

static void jsonRow(FILE *out, const char *name, const cnnrt_class_metrics *m) {
  fputs("  ", out);
  jsonText(out, name);
  fprintf(out,
          ": {\"precision\": %.9g, \"recall\": %.9g, \"f1-score\": %.9g, "
          "\"support\": %lld}",
          m->precision, m->recall, m->f1, (long long)m->support);
}

int cnnrt_report_write(const char *path, const int64_t *confusion,
                       int64_t classes, const char *const *names,
                       int64_t numNames, int64_t topK, double topKAccuracy) {
  if (!cnnrt_history_path_is_supported(path))
    return cnnrt_train_fail(path ? path : "report",
                            "unknown report format: the name must end in "
                            ".csv or .json");
  cnnrt_class_metrics macro, weighted;
  cnnrt_class_metrics *metrics =
      computeReport(confusion, classes, &macro, &weighted);
  cnnrt_atomic_file file;
  if (!metrics || cnnrt_atomic_open(&file, path)) {
    free(metrics);
    return -1;
  }
  FILE *out = file.file;
  int json = strcmp(path + strlen(path) - 5, ".json") == 0;
  double accuracy = accuracyOf(confusion, classes, macro.support);
  char number[32];
  fputs(json ? "{\n" : "class,precision,recall,f1-score,support\n", out);
  for (int64_t k = 0; k < classes; ++k) {
    if (!cnnrt_class_occurs(confusion, classes, k))
      continue;
    const char *name = nameOf(names, numNames, k, number);
    if (json) {
      jsonRow(out, name, &metrics[k]);
      fputs(",\n", out);
    } else {
      csvRow(out, name, &metrics[k]);
    }
  }
  if (json) {
    fprintf(out, "  \"accuracy\": %.9g,\n", accuracy);
    if (topK > 0)
      fprintf(out, "  \"top_%lld_accuracy\": %.9g,\n", (long long)topK,
              topKAccuracy);
    jsonRow(out, "macro avg", &macro);
    fputs(",\n", out);
    jsonRow(out, "weighted avg", &weighted);
    fputs("\n}\n", out);
  } else {
    fprintf(out, "accuracy,,,%.9g,%lld\n", accuracy, (long long)macro.support);
    if (topK > 0)
      fprintf(out, "top_%lld_accuracy,,,%.9g,%lld\n", (long long)topK,
              topKAccuracy, (long long)macro.support);
    csvRow(out, "macro avg", &macro);
    csvRow(out, "weighted avg", &weighted);
  }
  free(metrics);
  return cnnrt_atomic_commit(&file);
}
