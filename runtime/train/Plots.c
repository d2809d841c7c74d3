//===- Plots.c - loss/accuracy curves and confusion matrix via gnuplot ----===//
//
// Writes history.dat, confusion.dat (counts), confusion_normalized.dat
// (each row divided by its sum) and a gnuplot script plots.gp into the plot
// directory and runs `gnuplot plots.gp` there with fork + chdir + execv (no
// shell: the directory name never reaches an interpreter, and the script
// only names files relative to it; class names are single-quoted gnuplot
// strings with quotes doubled, on a terminal without enhanced text).
// gnuplot's output goes to plots.log. Terminals: pngcairo or svg, both in
// Debian's gnuplot-nox. Figures: loss, accuracy (and learning_rate when the
// history has one) with train and validation curves, the confusion matrix
// as counts and row-normalized, and overview with curves and matrix side by
// side.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/// Writes "<dir>/<name>" atomically from a generator function.
static int writeFile(const char *dir, const char *name,
                     void (*generate)(FILE *, const void *), const void *data) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
    return cnnrt_train_fail(dir, "path too long");
  cnnrt_atomic_file file;
  if (cnnrt_atomic_open(&file, path))
    return -1;
  generate(file.file, data);
  return cnnrt_atomic_commit(&file);
}

static void writeHistoryData(FILE *out, const void *data) {
  const cnnrt_history *history = data;
  fputs("# epoch loss accuracy val_loss val_accuracy learning_rate\n", out);
  for (int64_t i = 0; i < history->count; ++i) {
    const cnnrt_epoch_record *r = &history->records[i];
    double values[5] = {r->loss, r->accuracy, r->val_loss, r->val_accuracy,
                        history->has_learning_rate ? r->learning_rate : NAN};
    fprintf(out, "%lld", (long long)(i + 1));
    for (int k = 0; k < 5; ++k)
      fprintf(out, isfinite(values[k]) ? " %.9g" : " nan", values[k]);
    fputc('\n', out);
  }
}

/// The rows and columns of the classes that occur (as a label or a
/// prediction; all of them when none does), as the report shows them.
typedef struct Confusion {
  const int64_t *counts;
  int64_t classes;
  const int64_t *shown; ///< class of each row/column of the plot
  int64_t numShown;
  int normalized; ///< each row divided by its sum (an empty row stays 0)
} Confusion;

static void writeConfusionData(FILE *out, const void *data) {
  const Confusion *confusion = data;
  int64_t n = confusion->classes;
  for (int64_t r = 0; r < confusion->numShown; ++r) {
    const int64_t *row = confusion->counts + confusion->shown[r] * n;
    int64_t sum = 0;
    for (int64_t col = 0; col < n; ++col)
      sum += row[col];
    for (int64_t c = 0; c < confusion->numShown; ++c) {
      int64_t count = row[confusion->shown[c]];
      if (confusion->normalized)
        fprintf(out, "%.6f", sum ? (double)count / (double)sum : 0.0);
      else
        fprintf(out, "%lld", (long long)count);
      fputc(c + 1 < confusion->numShown ? ' ' : '\n', out);
    }
  }
}

typedef struct Script {
  const char *format; ///< "png" or "svg"
  const cnnrt_history *history;
  int64_t classes;      ///< rows of the plotted matrix; 0: no confusion matrix
  const int64_t *shown; ///< the class of each row
  const char *const *names;
  int64_t numNames;
} Script;

static const char *terminalOf(const Script *script) {
  return strcmp(script->format, "svg") == 0 ? "svg" : "pngcairo";
}

/// One curve plot: train column `column`, validation column `column` + 2
/// (`validation` 0: none).
static void writeCurve(FILE *out, const Script *script, const char *name,
                       const char *title, int column, int validation) {
  fprintf(out, "set title '%s'\nset ylabel '%s'\n", title, name);
  fprintf(out, "plot 'history.dat' using 1:%d with linespoints title 'train'",
          column);
  if (validation && script->history->has_validation)
    fprintf(out, ", '' using 1:%d with linespoints title 'validation'",
            column + 2);
  fputc('\n', out);
}

/// The axes of the curves.
static void writeCurveAxes(FILE *out, int64_t epochs) {
  fprintf(out,
          "set grid\nset xlabel 'epoch'\nset xrange [0.5:%lld.5]\n"
          "set key top right\n",
          (long long)epochs);
  fputs(epochs <= 20 ? "set xtics 1\n" : "set xtics autofreq\n", out);
}

/// A gnuplot string literal: single quotes, a quote doubled.
static void quoted(FILE *out, const char *text) {
  fputc('\'', out);
  for (const char *c = text; *c; ++c) {
    if (*c == '\'')
      fputc('\'', out);
    fputc(*c, out);
  }
  fputc('\'', out);
}

/// `set xtics`/`set ytics` with the class names (numbers without names).
static void writeClassTics(FILE *out, const Script *script) {
  const char *axes[2] = {"xtics", "ytics"};
  for (int a = 0; a < 2; ++a) {
    fprintf(out, "set %s (", axes[a]);
    for (int64_t k = 0; k < script->classes; ++k) {
      int64_t shown = script->shown[k];
      if (k)
        fputs(", ", out);
      if (shown < script->numNames)
        quoted(out, script->names[shown]);
      else
        fprintf(out, "'%lld'", (long long)shown);
      fprintf(out, " %lld", (long long)k);
    }
    fputs(a == 0 ? ") rotate by 45 right\n" : ")\n", out);
  }
}

/// The confusion matrix from `file` (counts or fractions).
static void writeMatrix(FILE *out, const Script *script, const char *file,
                        const char *title, int fractions) {
  long long last = (long long)script->classes - 1;
  fprintf(out, "stats '%s' matrix using 3 nooutput\n", file);
  fprintf(out,
          "unset grid\nset title '%s'\n"
          "set xlabel 'predicted class'\nset ylabel 'true class'\n"
          "set xrange [-0.5:%lld.5]\nset yrange [%lld.5:-0.5]\n"
          "set size ratio -1\nset palette defined (0 '#ffffff', 1 "
          "'#08519c')\n",
          title, last, last);
  fprintf(out, fractions ? "set cbrange [0:1]\n" : "set cbrange [*:*]\n");
  writeClassTics(out, script);
  fprintf(out, "plot '%s' matrix with image notitle", file);
  if (script->classes <= 30)
    fprintf(out,
            ", \\\n     '' matrix using 1:2:($3 > 0 ? sprintf('%s', $3) : ''):"
            "($3 > STATS_max / 2 ? 0xffffff : 0) with labels "
            "textcolor rgb variable notitle",
            fractions ? "%.2f" : "%d");
  fputs("\nset size noratio\nunset xtics\nunset ytics\nset xtics\nset ytics\n"
        "unset cbrange\nset autoscale\n",
        out);
}

static void writeScript(FILE *out, const void *data) {
  const Script *script = data;
  const char *terminal = terminalOf(script);
  fputs("# Generated by cnnc-train; run as `gnuplot plots.gp` here.\n", out);
  fputs("set datafile missing 'nan'\n", out);
  int64_t epochs = script->history ? script->history->count : 0;
  int rates = epochs > 0 && script->history->has_learning_rate;
  if (epochs > 0) {
    fprintf(out, "set terminal %s size 800,600 noenhanced\n", terminal);
    writeCurveAxes(out, epochs);
    fprintf(out, "set output 'loss.%s'\n", script->format);
    writeCurve(out, script, "loss", "Loss", 2, 1);
    fprintf(out, "set key bottom right\nset output 'accuracy.%s'\n",
            script->format);
    writeCurve(out, script, "accuracy", "Accuracy", 3, 1);
    if (rates) {
      fprintf(out, "set output 'learning_rate.%s'\n", script->format);
      writeCurve(out, script, "learning_rate", "Learning rate", 6, 0);
    }
    fputs("reset\n", out);
  }
  int64_t side = script->classes > 20 ? 900 : 700;
  if (script->classes > 0) {
    fprintf(out, "set terminal %s size %lld,%lld noenhanced\n", terminal,
            (long long)side, (long long)(side - 60));
    fprintf(out, "set output 'confusion.%s'\n", script->format);
    writeMatrix(out, script, "confusion.dat", "Confusion matrix (test set)", 0);
    fprintf(out, "set output 'confusion_normalized.%s'\n", script->format);
    writeMatrix(out, script, "confusion_normalized.dat",
                "Confusion matrix (test set, rows normalized)", 1);
    fputs("reset\n", out);
  }
  if (epochs == 0 && script->classes == 0)
    return;
  // Overview: the curves and the normalized matrix side by side.
  int panels = (epochs > 0 ? 2 : 0) + (script->classes > 0);
  fprintf(out,
          "set terminal %s size %d,%lld noenhanced\n"
          "set output 'overview.%s'\nset multiplot layout 1,%d title "
          "'Training overview'\n",
          terminal, 600 * panels, (long long)side - 100, script->format,
          panels);
  if (epochs > 0) {
    writeCurveAxes(out, epochs);
    writeCurve(out, script, "loss", "Loss", 2, 1);
    fputs("set key bottom right\n", out);
    writeCurve(out, script, "accuracy", "Accuracy", 3, 1);
    fputs("unset xlabel\nunset xrange\n", out);
  }
  if (script->classes > 0)
    writeMatrix(out, script, "confusion_normalized.dat",
                "Confusion matrix (rows normalized)", 1);
  fputs("unset multiplot\n", out);
}

/// The absolute path of `name` in $PATH, or 0 when it is not there.
static int findProgram(const char *name, char resolved[PATH_MAX]) {
  const char *path = getenv("PATH");
  if (!path)
    return 0;
  for (const char *entry = path;; ++entry) {
    const char *end = strchr(entry, ':');
    size_t length = end ? (size_t)(end - entry) : strlen(entry);
    char candidate[PATH_MAX];
    int n = snprintf(candidate, sizeof candidate, "%.*s/%s", (int)length,
                     length ? entry : ".", name);
    if (n > 0 && n < (int)sizeof candidate && access(candidate, X_OK) == 0 &&
        realpath(candidate, resolved))
      return 1;
    if (!end)
      return 0;
    entry = end;
  }
}

/// Runs `gnuplot plots.gp` in `dir`. Returns 0, or -1 with the error set.
static int runGnuplot(const char *dir, const char *program) {
  pid_t pid = fork();
  if (pid < 0)
    return cnnrt_train_fail_errno(dir, errno, "cannot start gnuplot");
  if (pid == 0) { // only async-signal-safe calls until execv
    if (chdir(dir) != 0)
      _exit(126);
    int log = open("plots.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      close(log);
    }
    char name[] = "gnuplot", script[] = "plots.gp";
    char *const argv[] = {name, script, NULL};
    execv(program, argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return cnnrt_train_fail_errno(dir, errno, "waiting for gnuplot");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  return cnnrt_train_fail(
      dir, "gnuplot failed (%s %d); see %s/plots.log",
      WIFEXITED(status) ? "exit status" : "signal",
      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), dir);
}

int cnnrt_plots_write(const char *dir, const char *format,
                      const cnnrt_history *history, const int64_t *confusion,
                      int64_t numClasses) {
  return cnnrt_plots_write_named(dir, format, history, confusion, numClasses,
                                 NULL, 0);
}

int cnnrt_plots_write_named(const char *dir, const char *format,
                            const cnnrt_history *history,
                            const int64_t *confusion, int64_t numClasses,
                            const char *const *names, int64_t numNames) {
  if (!format || (strcmp(format, "png") != 0 && strcmp(format, "svg") != 0))
    return cnnrt_train_fail("--plot-format", "'%s' is not png or svg",
                            format ? format : "");
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    return cnnrt_train_fail_errno(dir, errno,
                                  "cannot create the plot "
                                  "directory");
  int64_t *shown =
      confusion
          ? malloc((size_t)(numClasses > 0 ? numClasses : 1) * sizeof *shown)
          : NULL;
  if (confusion && !shown)
    return cnnrt_train_fail(dir, "out of memory");
  int64_t numShown = 0;
  for (int64_t k = 0; confusion && k < numClasses; ++k)
    if (cnnrt_class_occurs(confusion, numClasses, k))
      shown[numShown++] = k;
  for (int64_t k = 0; confusion && !numShown && k < numClasses; ++k)
    shown[k] = k;
  if (confusion && !numShown)
    numShown = numClasses;
  Script script = {format, history, numShown,
                   shown,  names,   names ? numNames : 0};
  Confusion counts = {confusion, numClasses, shown, numShown, 0};
  Confusion fractions = {confusion, numClasses, shown, numShown, 1};
  int failed =
      (history && writeFile(dir, "history.dat", writeHistoryData, history)) ||
      (confusion &&
       (writeFile(dir, "confusion.dat", writeConfusionData, &counts) ||
        writeFile(dir, "confusion_normalized.dat", writeConfusionData,
                  &fractions))) ||
      writeFile(dir, "plots.gp", writeScript, &script);
  free(shown);
  if (failed)
    return -1;
  char program[PATH_MAX];
  if (!findProgram("gnuplot", program))
    return 1;
  return runGnuplot(dir, program);
}
