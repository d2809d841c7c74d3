//===- ToolData.c - the data sets of cnnc-train ---------------------------===//
//
// Maps --data and the per-split flags to libcnnrt's readers:
//
//   fashion-mnist  Debian's dataset-fashion-mnist (or --data-dir)
//   cifar10        --data-dir (data_batch_1..5.bin, test_batch.bin) or any
//                  batch files: --train-file F (repeatable), --test-file ...
//   idx            --train-images/--train-labels, ... (gray or RGB IDX), or
//                  --data-dir with the MNIST file names
//   npz            --data-file F.npz (x_train, y_train, x_test, y_test as
//                  Keras's load_data() returns them) or .npy files through
//                  --train-images/--train-labels, ...
//   folder         --train-dir, --validation-dir, --test-dir: class folders
//                  of PNG/JPEG images, resized to the model's input
//
// and checks, before anything is read, that the flags given belong to the
// chosen format and that the data a command needs is there.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Tool.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char *const kSplitNames[CNNRT_SPLITS] = {"train", "validation",
                                                      "test"};

static int isData(const cnnrt_tool_options *options, const char *name) {
  return strcmp(options->data, name) == 0;
}

/// Fails when flag `flag` is set but belongs to another format.
static int onlyWith(const cnnrt_tool_options *options, const void *set,
                    const char *flag, const char *formats) {
  if (!set)
    return 0;
  size_t length = strlen(options->data);
  for (const char *f = formats; *f;) {
    const char *bar = strchr(f, '|');
    size_t n = bar ? (size_t)(bar - f) : strlen(f);
    if (n == length && strncmp(f, options->data, n) == 0)
      return 0;
    f += bar ? n + 1 : n;
  }
  return cnnrt_train_fail(flag, "only with --data %s (the data is %s)", formats,
                          options->data);
}

/// What the command line gives for `split`: 1 when some data is named.
static int hasSplit(const cnnrt_tool_options *options, cnnrt_split split) {
  const cnnrt_split_files *files = &options->splits[split];
  if (files->images || files->dir || files->num_files)
    return 1;
  if (split == CNNRT_SPLIT_VALIDATION)
    return 0;
  return isData(options, "fashion-mnist") ||
         (options->data_dir && !isData(options, "folder")) ||
         (options->data_file && isData(options, "npz"));
}

static int checkSplitFlags(const cnnrt_tool_options *options,
                           cnnrt_split split) {
  const cnnrt_split_files *files = &options->splits[split];
  char images[32], labels[32], dir[32], file[32];
  const char *name = kSplitNames[split];
  snprintf(images, sizeof images, "--%s-images", name);
  snprintf(labels, sizeof labels, "--%s-labels", name);
  snprintf(dir, sizeof dir, "--%s-dir", name);
  snprintf(file, sizeof file, "--%s-file", name);
  if (onlyWith(options, files->images, images, "idx|npz") ||
      onlyWith(options, files->labels, labels, "idx|npz") ||
      onlyWith(options, files->dir, dir, "folder") ||
      onlyWith(options, files->num_files ? files : NULL, file, "cifar10"))
    return -1;
  if (!files->images != !files->labels)
    return cnnrt_train_fail(files->images ? labels : images, "required with %s",
                            files->images ? images : labels);
  return 0;
}

int cnnrt_tool_check_data_flags(const cnnrt_tool_options *options) {
  if (onlyWith(options, options->data_dir, "--data-dir",
               "fashion-mnist|cifar10|idx") ||
      onlyWith(options, options->data_file, "--data-file", "npz"))
    return -1;
  for (int split = 0; split < CNNRT_SPLITS; ++split)
    if (checkSplitFlags(options, (cnnrt_split)split))
      return -1;
  const char *need[] = {
      isData(options, "folder")    ? "--train-dir"
      : isData(options, "cifar10") ? "--data-dir or --train-file"
      : isData(options, "npz") ? "--data-file or --train-images/--train-labels"
                               : "--data-dir or --train-images/--train-labels",
      isData(options, "folder")    ? "--test-dir"
      : isData(options, "cifar10") ? "--data-dir or --test-file"
      : isData(options, "npz") ? "--data-file or --test-images/--test-labels"
                               : "--data-dir or --test-images/--test-labels"};
  if (options->command == CNNRT_TOOL_FIT &&
      !hasSplit(options, CNNRT_SPLIT_TRAIN))
    return cnnrt_train_fail("--data", "%s: training data needed (%s)",
                            options->data, need[0]);
  if (options->command == CNNRT_TOOL_EVALUATE &&
      !hasSplit(options, CNNRT_SPLIT_TEST))
    return cnnrt_train_fail("--data", "%s: test data needed (%s)",
                            options->data, need[1]);
  if (options->command == CNNRT_TOOL_PREDICT && !options->num_inputs &&
      !options->images_dir && !hasSplit(options, CNNRT_SPLIT_TEST))
    return cnnrt_train_fail(NULL, "predict: no images (image files after "
                                  "the model, --images DIR, or test data)");
  int explicitValidation = hasSplit(options, CNNRT_SPLIT_VALIDATION);
  if (explicitValidation &&
      (options->validation_split > 0 || options->validation_test))
    return cnnrt_train_fail(options->validation_split > 0 ? "--validation-split"
                                                          : "--validation-data",
                            "cannot be combined with validation files");
  return 0;
}

int cnnrt_tool_has_split(const cnnrt_tool_options *options, cnnrt_split split) {
  return hasSplit(options, split);
}

/// "<dir>/<name>" into `out`.
static int dirPath(char *out, const char *dir, const char *name) {
  int length = snprintf(out, PATH_MAX, "%s/%s", dir, name);
  return length < 0 || length >= PATH_MAX
             ? cnnrt_train_fail("--data-dir", "path too long")
             : 0;
}

static int loadCifar10(const cnnrt_tool_options *options, cnnrt_split split,
                       const cnnrt_load_options *load, cnnrt_dataset *out) {
  enum { kTrainBatches = 5 };
  const cnnrt_split_files *files = &options->splits[split];
  char paths[kTrainBatches][PATH_MAX];
  const char *names[CNNRT_TOOL_MAX_FILES];
  int count = files->num_files;
  for (int i = 0; i < count; ++i)
    names[i] = files->files[i];
  if (!count) { // the standard names in --data-dir
    count = split == CNNRT_SPLIT_TRAIN ? kTrainBatches : 1;
    for (int i = 0; i < count; ++i) {
      char name[32];
      snprintf(name, sizeof name,
               split == CNNRT_SPLIT_TRAIN ? "data_batch_%d.bin"
                                          : "test_batch.bin",
               i + 1);
      if (dirPath(paths[i], options->data_dir, name))
        return -1;
      names[i] = paths[i];
    }
  }
  return cnnrt_dataset_read_cifar10(names, count, load, out) ? -1 : 0;
}

/// The archive's x_<split>/y_<split>; 1 when it has no such arrays.
static int loadNpz(const cnnrt_tool_options *options, cnnrt_split split,
                   const cnnrt_load_options *load, cnnrt_dataset *out) {
  const char *x = split == CNNRT_SPLIT_TRAIN ? "x_train" : "x_test";
  const char *y = split == CNNRT_SPLIT_TRAIN ? "y_train" : "y_test";
  if (split == CNNRT_SPLIT_TEST) {
    int has = cnnrt_npz_has_array(options->data_file, x);
    if (has <= 0)
      return has < 0 ? -1 : 1;
  }
  return cnnrt_dataset_read_npz(options->data_file, x, y, load, out) ? -1 : 0;
}

/// Reads `split` with libcnnrt; 1 when the command line names no such data.
static int load(const cnnrt_tool_options *options, cnnrt_split split,
                const cnnrt_load_options *load, cnnrt_dataset *out) {
  const cnnrt_split_files *files = &options->splits[split];
  int train = split == CNNRT_SPLIT_TRAIN;
  if (!hasSplit(options, split))
    return 1;
  if (isData(options, "folder"))
    return cnnrt_dataset_read_image_folder(files->dir, load, out) ? -1 : 0;
  if (isData(options, "cifar10"))
    return loadCifar10(options, split, load, out);
  if (files->images && isData(options, "idx"))
    return cnnrt_dataset_read_idx(files->images, files->labels, load, out) ? -1
                                                                           : 0;
  if (files->images)
    return cnnrt_dataset_read_npy(files->images, files->labels, load, out) ? -1
                                                                           : 0;
  if (isData(options, "npz"))
    return loadNpz(options, split, load, out);
  if (cnnrt_dataset_read_fashion_mnist(options->data_dir, train, load, out))
    return -1;
  if (isData(options, "idx")) { // MNIST file names, no class names
    cnnrt_class_names_free(out->class_names, out->num_classes);
    out->class_names = NULL;
  }
  return 0;
}

int cnnrt_tool_load_split(const cnnrt_tool_options *options,
                          const cnnrt_model *model, cnnrt_split split,
                          const char *const *classNames, int64_t numClasses,
                          cnnrt_dataset *out) {
  memset(out, 0, sizeof *out);
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  cnnrt_load_options loadOptions = {0};
  loadOptions.height = desc->input_shape[1];
  loadOptions.width = desc->input_shape[2];
  loadOptions.channels = desc->input_shape[3];
  loadOptions.scale = options->rescale;
  loadOptions.offset = options->rescale_offset;
  loadOptions.class_names = classNames;
  loadOptions.num_classes = classNames ? numClasses : 0;
  if (isData(options, "folder") && loadOptions.channels != 1 &&
      loadOptions.channels != 3)
    return cnnrt_train_fail(cnnrt_model_path(model),
                            "takes %lld channels; image files give 1 "
                            "(grayscale) or 3 (RGB)",
                            (long long)loadOptions.channels);
  int result = load(options, split, &loadOptions, out);
  return result < 0 ? cnnrt_train_fail_runtime() : result;
}

void cnnrt_tool_usage(FILE *out) {
  fputs(
      "usage: cnnc-train [fit] MODEL.so [options]      train (Keras-like fit)\n"
      "       cnnc-train evaluate MODEL.so --checkpoint FILE|--weights FILE "
      "[options]\n"
      "       cnnc-train predict MODEL.so --checkpoint FILE|--weights FILE "
      "[IMAGE...] "
      "[--images DIR]\n"
      "\n"
      "data (docs/cnnc-train.md):\n"
      "  --data fashion-mnist|cifar10|idx|npz|folder   format "
      "(fashion-mnist)\n"
      "  --data-dir DIR                 fashion-mnist, cifar10, idx: the "
      "standard file names\n"
      "  --data-file F.npz              npz: x_train, y_train, x_test, "
      "y_test\n"
      "  --train-images F --train-labels F   idx: IDX files; npz: .npy "
      "files\n"
      "  --train-dir DIR                folder: DIR/<class>/<image>.png|.jpg\n"
      "  --train-file F                 cifar10: a batch file (repeatable)\n"
      "  --validation-... / --test-...  the same for validation and test "
      "data\n"
      "  --class-names FILE             one class name per line\n"
      "  --rescale SCALE[,OFFSET]       input = stored value * SCALE + OFFSET "
      "(1/255)\n"
      "  --train-subset N               train on the first N images only\n"
      "  --test-subset N                test on the first N images only\n"
      "  --validation-split F           validate on the last F of the "
      "training set\n"
      "  --validation-data test         validate on the test set\n"
      "training:\n"
      "  --epochs N (1)  --batch N (32)  --lr X (0.001)  --seed N (1)\n"
      "  --max-steps N                  at most N steps per epoch (debug)\n"
      "  --augment flip,translate=F,crop=P,brightness=B,contrast=F\n"
      "                                 seeded augmentation of the training "
      "batches\n"
      "  --lr-schedule step:E:F|exponential:F[:E]|cosine[:A[:E]]\n"
      "  --reduce-lr-on-plateau on|KEY=V,...  --early-stopping on|KEY=V,...\n"
      "  --save-best FILE [--save-best-monitor val_loss|val_accuracy|loss|"
      "accuracy]\n"
      "  --threads N                    threads of the model's kernels "
      "(default:\n"
      "                                 CNNC_NUM_THREADS, OMP_NUM_THREADS, all "
      "cores)\n"
      "  --checkpoint FILE              save after every epoch (evaluate/"
      "predict: load)\n"
      "  --resume FILE                  continue a checkpointed run exactly\n"
      "  --weights FILE                 raw float32 parameters (cnnc "
      "--emit-weights,\n"
      "                                 --save-weights): fit starts from "
      "them\n"
      "output:\n"
      "  --history FILE.csv|FILE.json   per-epoch metrics\n"
      "  --report FILE.csv|FILE.json    per-class precision, recall, F1 on "
      "the test set\n"
      "  --top-k K                      top-K accuracy; predict: K classes "
      "per image (3)\n"
      "  --plots DIR [--plot-format png|svg]   curves and confusion matrix "
      "(gnuplot)\n"
      "  --progress auto|bar|plain      progress bar (auto: when stdout is a "
      "terminal)\n"
      "  --count N                      predict: test images to classify "
      "(10)\n"
      "  --images DIR                   predict: every image file under DIR\n"
      "  --device cpu|cuda              where the library's kernels run (cpu); "
      "cuda needs\n"
      "                                 a library built with cnnc "
      "--target=nvptx\n"
      "data-parallel (mpirun -np N cnnc-train ..., docs/distributed.md):\n"
      "  --collective-timeout S         seconds a rank waits for the others "
      "(300)\n",
      out);
}
