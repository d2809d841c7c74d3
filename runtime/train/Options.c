//===- Options.c - the command line of cnnc-train -------------------------===//
//
// A table of flags, each with the commands it belongs to, a value kind and
// its allowed range, so every bad flag or value gets one message naming the
// flag ("--batch: expected an integer in [1, 65536], got '0'"). Values may
// follow as the next argument or after '='.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Tool.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum {
  kFit = CNNRT_TOOL_FIT,
  kEval = CNNRT_TOOL_EVALUATE,
  kPredict = CNNRT_TOOL_PREDICT,
  kAll = kFit | kEval | kPredict,
};

/// The `max` of an integer flag that accepts every positive int64.
#define kAnyInt64 HUGE_VAL

typedef enum ValueKind {
  kInteger,  ///< int64 in [min, max] (max kAnyInt64: up to INT64_MAX)
  kUnsigned, ///< uint64 (the seed)
  kReal,     ///< finite double in (min, max) or [min, max] (see `open`)
  kText,     ///< any non-empty string
  kChoice,   ///< one of `choices`, stored as the string
  kList,     ///< repeatable text: a cnnrt_split_files.files array
  kRescale,  ///< SCALE or A/B, optionally ",OFFSET"
  kCallback, ///< cnnrt_tool_parse_callback
} ValueKind;

typedef struct Flag {
  const char *name;
  unsigned commands;
  ValueKind kind;
  size_t offset; ///< field in cnnrt_tool_options
  double min, max;
  const char *choices; ///< "a|b|c" for kChoice
} Flag;

#define FIELD(name) offsetof(cnnrt_tool_options, name)
#define SPLIT(split, name) FIELD(splits[CNNRT_SPLIT_##split].name)
static const Flag kFlags[] = {
    {"--data", kAll, kChoice, FIELD(data), 0, 0,
     "fashion-mnist|cifar10|idx|npz|folder"},
    {"--data-dir", kAll, kText, FIELD(data_dir), 0, 0, NULL},
    {"--data-file", kAll, kText, FIELD(data_file), 0, 0, NULL},
    {"--train-images", kFit, kText, SPLIT(TRAIN, images), 0, 0, NULL},
    {"--train-labels", kFit, kText, SPLIT(TRAIN, labels), 0, 0, NULL},
    {"--train-dir", kFit, kText, SPLIT(TRAIN, dir), 0, 0, NULL},
    {"--train-file", kFit, kList, SPLIT(TRAIN, files), 0, 0, NULL},
    {"--validation-images", kFit, kText, SPLIT(VALIDATION, images), 0, 0, NULL},
    {"--validation-labels", kFit, kText, SPLIT(VALIDATION, labels), 0, 0, NULL},
    {"--validation-dir", kFit, kText, SPLIT(VALIDATION, dir), 0, 0, NULL},
    {"--validation-file", kFit, kList, SPLIT(VALIDATION, files), 0, 0, NULL},
    {"--test-images", kAll, kText, SPLIT(TEST, images), 0, 0, NULL},
    {"--test-labels", kAll, kText, SPLIT(TEST, labels), 0, 0, NULL},
    {"--test-dir", kAll, kText, SPLIT(TEST, dir), 0, 0, NULL},
    {"--test-file", kAll, kList, SPLIT(TEST, files), 0, 0, NULL},
    {"--class-names", kAll, kText, FIELD(class_names), 0, 0, NULL},
    {"--rescale", kAll, kRescale, FIELD(rescale), 0, 0, NULL},
    {"--images", kPredict, kText, FIELD(images_dir), 0, 0, NULL},
    {"--top-k", kAll, kInteger, FIELD(top_k), 1, 1000, NULL},
    {"--report", kFit | kEval, kText, FIELD(report), 0, 0, NULL},
    {"--lr-schedule", kFit, kCallback, 0, 0, 0, NULL},
    {"--reduce-lr-on-plateau", kFit, kCallback, 0, 0, 0, NULL},
    {"--early-stopping", kFit, kCallback, 0, 0, 0, NULL},
    {"--save-best", kFit, kText, FIELD(save_best), 0, 0, NULL},
    {"--save-best-monitor", kFit, kCallback, 0, 0, 0, NULL},
    {"--augment", kFit, kCallback, 0, 0, 0, NULL},
    {"--epochs", kFit, kInteger, FIELD(epochs), 1, 1000000, NULL},
    {"--batch", kAll, kInteger, FIELD(batch), 1, 65536, NULL},
    {"--lr", kFit, kReal, FIELD(learning_rate), 0, 1e6, NULL},
    {"--seed", kFit, kUnsigned, FIELD(seed), 0, 0, NULL},
    {"--validation-split", kFit, kReal, FIELD(validation_split), 0, 1, NULL},
    {"--validation-data", kFit, kChoice, 0, 0, 0, "test"},
    {"--history", kFit, kText, FIELD(history), 0, 0, NULL},
    {"--checkpoint", kAll, kText, FIELD(checkpoint), 0, 0, NULL},
    {"--resume", kFit, kText, FIELD(resume), 0, 0, NULL},
    {"--plots", kFit | kEval, kText, FIELD(plots), 0, 0, NULL},
    {"--save-weights", kFit, kText, FIELD(weights), 0, 0, NULL},
    {"--weights", kAll, kText, FIELD(initial_weights), 0, 0, NULL},
    {"--plot-format", kFit | kEval, kChoice, FIELD(plot_format), 0, 0,
     "png|svg"},
    {"--max-steps", kFit, kInteger, FIELD(max_steps), 1, kAnyInt64, NULL},
    {"--train-subset", kFit, kInteger, FIELD(train_subset), 1, kAnyInt64, NULL},
    {"--test-subset", kAll, kInteger, FIELD(test_subset), 1, kAnyInt64, NULL},
    {"--count", kPredict, kInteger, FIELD(count), 1, 1000000, NULL},
    {"--progress", kFit, kChoice, 0, 0, 0, "auto|bar|plain"},
    {"--threads", kAll, kInteger, FIELD(threads), 1, 4096, NULL},
    {"--device", kAll, kChoice, FIELD(device), 0, 0, "cpu|cuda"},
    {"--collective-timeout", kFit, kReal, FIELD(collective_timeout), 0, 1e6,
     NULL},
};
#undef SPLIT
#undef FIELD

static const char *commandName(cnnrt_tool_command command) {
  return command == CNNRT_TOOL_FIT        ? "fit"
         : command == CNNRT_TOOL_EVALUATE ? "evaluate"
                                          : "predict";
}

/// 1 when `value` is one of the '|'-separated `choices`.
static int isChoice(const char *value, const char *choices) {
  size_t length = strlen(value);
  for (const char *c = choices; c;) {
    const char *bar = strchr(c, '|');
    size_t choiceLength = bar ? (size_t)(bar - c) : strlen(c);
    if (choiceLength == length && strncmp(c, value, length) == 0)
      return 1;
    c = bar ? bar + 1 : NULL;
  }
  return 0;
}

static int parseInteger(const Flag *flag, const char *value, int64_t *out) {
  // Bounds as integers: a double cannot hold INT64_MAX exactly.
  long long min = (long long)flag->min;
  long long max = flag->max == kAnyInt64 ? LLONG_MAX : (long long)flag->max;
  char *end;
  errno = 0;
  long long parsed = strtoll(value, &end, 10);
  if (errno || end == value || *end || parsed < min || parsed > max)
    return cnnrt_train_fail(flag->name,
                            "expected an integer in [%lld, %lld], got '%s'",
                            min, max, value);
  *out = parsed;
  return 0;
}

static int parseReal(const Flag *flag, const char *value, double *out) {
  char *end;
  errno = 0;
  double parsed = strtod(value, &end);
  if (errno || end == value || *end || !isfinite(parsed) ||
      parsed <= flag->min || parsed >= flag->max)
    return cnnrt_train_fail(flag->name,
                            "expected a number in (%g, %g), got '%s'",
                            flag->min, flag->max, value);
  *out = parsed;
  return 0;
}

/// A positive finite number: decimal, or a fraction "A/B" (1/255).
static int parseScale(const char *text, const char *end, double *out) {
  char *stop;
  errno = 0;
  double value = strtod(text, &stop);
  if (stop < end && *stop == '/') {
    double divisor = strtod(stop + 1, &stop);
    value = divisor != 0.0 ? value / divisor : NAN;
  }
  *out = value;
  return errno || stop != end || stop == text || !isfinite(value) ||
         value <= 0.0;
}

/// --rescale SCALE[,OFFSET]: input = stored value * SCALE + OFFSET.
static int parseRescale(const Flag *flag, const char *value,
                        cnnrt_tool_options *options) {
  const char *comma = strchr(value, ',');
  const char *end = comma ? comma : value + strlen(value);
  char *stop = NULL;
  double offset = 0.0;
  if (comma) {
    errno = 0;
    offset = strtod(comma + 1, &stop);
  }
  if (parseScale(value, end, &options->rescale) ||
      (comma && (errno || stop == comma + 1 || *stop || !isfinite(offset))))
    return cnnrt_train_fail(flag->name,
                            "expected SCALE or SCALE,OFFSET (e.g. 1/255 or "
                            "1/127.5,-1) with a positive scale, got '%s'",
                            value);
  options->rescale_offset = offset;
  return 0;
}

/// Stores `value` for `flag`.
static int apply(const Flag *flag, const char *value,
                 cnnrt_tool_options *options) {
  char *field = (char *)options + flag->offset;
  if (!value[0])
    return cnnrt_train_fail(flag->name, "empty value");
  switch (flag->kind) {
  case kInteger:
    return parseInteger(flag, value, (int64_t *)(void *)field);
  case kReal:
    return parseReal(flag, value, (double *)(void *)field);
  case kUnsigned: {
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(value, &end, 10);
    if (errno || *end || value[0] < '0' || value[0] > '9')
      return cnnrt_train_fail(
          flag->name, "expected an integer in [0, 2^64), got '%s'", value);
    options->seed = parsed;
    options->seed_given = 1;
    return 0;
  }
  case kChoice:
    if (!isChoice(value, flag->choices))
      return cnnrt_train_fail(flag->name, "expected one of %s, got '%s'",
                              flag->choices, value);
    if (strcmp(flag->name, "--validation-data") == 0)
      options->validation_test = 1;
    else if (strcmp(flag->name, "--progress") == 0)
      options->progress = value[0] == 'a'   ? CNNRT_PROGRESS_AUTO
                          : value[0] == 'b' ? CNNRT_PROGRESS_BAR
                                            : CNNRT_PROGRESS_PLAIN;
    else
      *(const char **)(void *)field = value;
    return 0;
  case kText:
    *(const char **)(void *)field = value;
    return 0;
  case kList: {
    cnnrt_split_files *split =
        (cnnrt_split_files *)(void *)(field -
                                      offsetof(cnnrt_split_files, files));
    if (split->num_files == CNNRT_TOOL_MAX_FILES)
      return cnnrt_train_fail(flag->name, "given more than %d times",
                              CNNRT_TOOL_MAX_FILES);
    split->files[split->num_files++] = value;
    return 0;
  }
  case kRescale:
    return parseRescale(flag, value, options);
  case kCallback:
    return cnnrt_tool_parse_callback(flag->name, value, options);
  }
  return 0;
}

static const Flag *findFlag(const char *name, size_t length) {
  for (size_t i = 0; i < sizeof kFlags / sizeof kFlags[0]; ++i)
    if (strlen(kFlags[i].name) == length &&
        strncmp(kFlags[i].name, name, length) == 0)
      return &kFlags[i];
  return NULL;
}

/// Parses the flag at argv[*index] (and its value), advancing *index.
static int parseFlag(int argc, char **argv, int *index,
                     cnnrt_tool_options *options) {
  const char *arg = argv[*index];
  const char *equals = strchr(arg, '=');
  size_t length = equals ? (size_t)(equals - arg) : strlen(arg);
  if (!equals && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
    options->help = 1;
    return 0;
  }
  const Flag *flag = findFlag(arg, length);
  if (!flag)
    return cnnrt_train_fail(arg, "unknown flag (see cnnc-train --help)");
  if (!(flag->commands & options->command))
    return cnnrt_train_fail(flag->name, "not an option of '%s'",
                            commandName(options->command));
  if (!equals && *index + 1 >= argc)
    return cnnrt_train_fail(flag->name, "missing value");
  const char *value = equals ? equals + 1 : argv[++*index];
  return apply(flag, value, options);
}

/// Rules between flags, checked after all of them were read.
static int checkCombination(const cnnrt_tool_options *options) {
  if (!options->model)
    return cnnrt_train_fail(NULL, "missing the model library (a .so written by "
                                  "`cnnc model.mlir -o model.so`)");
  if (options->command != CNNRT_TOOL_FIT && !options->checkpoint &&
      !options->initial_weights)
    return cnnrt_train_fail("--checkpoint", "required by '%s' (or --weights)",
                            commandName(options->command));
  if (options->command != CNNRT_TOOL_FIT && options->checkpoint &&
      options->initial_weights)
    return cnnrt_train_fail("--weights",
                            "cannot be combined with --checkpoint: '%s' "
                            "takes the parameters from one of them",
                            commandName(options->command));
  if (options->resume && options->initial_weights)
    return cnnrt_train_fail("--weights",
                            "cannot be combined with --resume (the "
                            "checkpoint holds the parameters)");
  if (options->save_best && options->checkpoint &&
      strcmp(options->save_best, options->checkpoint) == 0)
    return cnnrt_train_fail("--save-best",
                            "'%s' is also the --checkpoint; the best epoch "
                            "needs a file of its own",
                            options->save_best);
  if (options->report && !cnnrt_history_path_is_supported(options->report))
    return cnnrt_train_fail("--report", "'%s' must end in .csv or .json",
                            options->report);
  if (options->validation_split > 0 && options->validation_test)
    return cnnrt_train_fail("--validation-split",
                            "cannot be combined with --validation-data");
  if (options->history && !cnnrt_history_path_is_supported(options->history))
    return cnnrt_train_fail("--history", "'%s' must end in .csv or .json",
                            options->history);
  return cnnrt_tool_check_data_flags(options);
}

int cnnrt_tool_parse(int argc, char **argv, cnnrt_tool_options *options) {
  memset(options, 0, sizeof *options);
  options->command = CNNRT_TOOL_FIT;
  options->data = "fashion-mnist";
  options->epochs = 1;
  options->batch = 32;
  options->learning_rate = 1e-3;
  options->seed = 1;
  options->plot_format = "png";
  options->device = "cpu";
  options->collective_timeout = 300.0; // CNNRT_DISTRIBUTED_TIMEOUT
  options->train_subset = options->test_subset = -1;
  options->count = 10;
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "fit") == 0)
    first = 2;
  else if (argc > 1 && strcmp(argv[1], "evaluate") == 0)
    options->command = CNNRT_TOOL_EVALUATE, first = 2;
  else if (argc > 1 && strcmp(argv[1], "predict") == 0)
    options->command = CNNRT_TOOL_PREDICT, first = 2;
  else if (argc > 1 && strcmp(argv[1], "help") == 0)
    return options->help = 1, 0;
  for (int i = first; i < argc; ++i) {
    if (argv[i][0] == '-' && argv[i][1]) {
      if (parseFlag(argc, argv, &i, options))
        return -1;
    } else if (options->model && options->command == CNNRT_TOOL_PREDICT) {
      if (options->num_inputs == CNNRT_TOOL_MAX_INPUTS)
        return cnnrt_train_fail(argv[i],
                                "more than %d image files; put them in a "
                                "folder and use --images DIR",
                                CNNRT_TOOL_MAX_INPUTS);
      options->inputs[options->num_inputs++] = argv[i]; // an image file
    } else if (options->model) {
      return cnnrt_train_fail(argv[i],
                              "unexpected argument (the model is "
                              "'%s')",
                              options->model);
    } else {
      options->model = argv[i];
    }
  }
  return options->help ? 0 : checkCombination(options);
}
