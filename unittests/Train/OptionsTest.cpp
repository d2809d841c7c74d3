//===- OptionsTest.cpp - cnnc-train's command line and console lines ------===//
//
// Defaults, both flag spellings, subcommands, one precise message per bad
// flag or value, and the exact text of the epoch line and progress bar.
//
//===----------------------------------------------------------------------===//

#include "Tool.h"

#include "TestModel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

using namespace cnnrt_train_test;

namespace {

/// Parses `args` (without the program name); returns 0 or -1.
int parse(std::initializer_list<const char *> args,
          cnnrt_tool_options &options) {
  std::vector<std::string> storage = {"cnnc-train"};
  storage.insert(storage.end(), args.begin(), args.end());
  static std::vector<std::string> keep; // argv must outlive the options
  keep = storage;
  static std::vector<char *> argv;
  argv.clear();
  for (std::string &arg : keep)
    argv.push_back(arg.data());
  return cnnrt_tool_parse(static_cast<int>(argv.size()), argv.data(), &options);
}

std::string failure(std::initializer_list<const char *> args) {
  cnnrt_tool_options options;
  EXPECT_EQ(parse(args, options), -1);
  return lastError();
}

TEST(Options, Defaults) {
  cnnrt_tool_options o;
  ASSERT_EQ(parse({"m.so"}, o), 0) << lastError();
  EXPECT_EQ(o.command, CNNRT_TOOL_FIT);
  EXPECT_STREQ(o.model, "m.so");
  EXPECT_STREQ(o.data, "fashion-mnist");
  EXPECT_EQ(o.data_dir, nullptr);
  EXPECT_EQ(o.epochs, 1);
  EXPECT_EQ(o.batch, 32);
  EXPECT_EQ(o.learning_rate, 1e-3);
  EXPECT_EQ(o.seed, 1u);
  EXPECT_EQ(o.seed_given, 0);
  EXPECT_EQ(o.validation_split, 0.0);
  EXPECT_EQ(o.validation_test, 0);
  EXPECT_EQ(o.max_steps, 0);
  EXPECT_EQ(o.train_subset, -1);
  EXPECT_EQ(o.progress, CNNRT_PROGRESS_AUTO);
  EXPECT_STREQ(o.plot_format, "png");
}

TEST(Options, EveryFitFlagBothSpellings) {
  cnnrt_tool_options o;
  ASSERT_EQ(parse({"fit",
                   "--data=cifar10",
                   "--data-dir",
                   "/d",
                   "m.so",
                   "--epochs",
                   "4",
                   "--batch=64",
                   "--lr",
                   "2.5e-4",
                   "--seed=18446744073709551615",
                   "--validation-split",
                   "0.1",
                   "--history",
                   "h.json",
                   "--checkpoint=c",
                   "--resume",
                   "r",
                   "--plots",
                   "p",
                   "--plot-format",
                   "svg",
                   "--max-steps",
                   "7",
                   "--train-subset",
                   "100",
                   "--test-subset=50",
                   "--progress",
                   "plain"},
                  o),
            0)
      << lastError();
  EXPECT_STREQ(o.data, "cifar10");
  EXPECT_STREQ(o.data_dir, "/d");
  EXPECT_EQ(o.epochs, 4);
  EXPECT_EQ(o.batch, 64);
  EXPECT_EQ(o.learning_rate, 2.5e-4);
  EXPECT_EQ(o.seed, UINT64_MAX);
  EXPECT_EQ(o.seed_given, 1);
  EXPECT_EQ(o.validation_split, 0.1);
  EXPECT_STREQ(o.history, "h.json");
  EXPECT_STREQ(o.checkpoint, "c");
  EXPECT_STREQ(o.resume, "r");
  EXPECT_STREQ(o.plots, "p");
  EXPECT_STREQ(o.plot_format, "svg");
  EXPECT_EQ(o.max_steps, 7);
  EXPECT_EQ(o.train_subset, 100);
  EXPECT_EQ(o.test_subset, 50);
  EXPECT_EQ(o.progress, CNNRT_PROGRESS_PLAIN);
}

TEST(Options, Subcommands) {
  cnnrt_tool_options o;
  ASSERT_EQ(parse({"evaluate", "m.so", "--checkpoint", "c"}, o), 0);
  EXPECT_EQ(o.command, CNNRT_TOOL_EVALUATE);
  ASSERT_EQ(parse({"predict", "m.so", "--checkpoint", "c", "--count", "3"}, o),
            0);
  EXPECT_EQ(o.command, CNNRT_TOOL_PREDICT);
  EXPECT_EQ(o.count, 3);
  ASSERT_EQ(parse({"--help"}, o), 0);
  EXPECT_EQ(o.help, 1);
  ASSERT_EQ(parse({"fit", "m.so", "--validation-data", "test"}, o), 0);
  EXPECT_EQ(o.validation_test, 1);
}

TEST(Options, OneMessageNamingTheFlag) {
  EXPECT_EQ(failure({"m.so", "--batch", "0"}),
            "--batch: expected an integer in [1, 65536], got '0'");
  EXPECT_EQ(failure({"m.so", "--epochs", "-1"}),
            "--epochs: expected an integer in [1, 1000000], got '-1'");
  EXPECT_EQ(failure({"m.so", "--epochs", "3x"}),
            "--epochs: expected an integer in [1, 1000000], got '3x'");
  EXPECT_EQ(failure({"m.so", "--max-steps", "99999999999999999999"}),
            "--max-steps: expected an integer in [1, 9223372036854775807], "
            "got '99999999999999999999'");
  EXPECT_EQ(failure({"m.so", "--max-steps", "0"}),
            "--max-steps: expected an integer in [1, 9223372036854775807], "
            "got '0'");
  // The whole int64 range is accepted, its maximum included.
  cnnrt_tool_options options;
  EXPECT_EQ(
      parse({"fit", "m.so", "--max-steps", "9223372036854775807"}, options), 0)
      << cnnrt_train_last_error();
  EXPECT_EQ(options.max_steps, INT64_MAX);
  EXPECT_EQ(failure({"m.so", "--lr", "nan"}),
            "--lr: expected a number in (0, 1e+06), got 'nan'");
  EXPECT_EQ(failure({"m.so", "--lr", "0"}),
            "--lr: expected a number in (0, 1e+06), got '0'");
  EXPECT_EQ(failure({"m.so", "--validation-split", "1"}),
            "--validation-split: expected a number in (0, 1), got '1'");
  EXPECT_EQ(failure({"m.so", "--seed", "-3"}),
            "--seed: expected an integer in [0, 2^64), got '-3'");
  EXPECT_EQ(failure({"m.so", "--data", "mnist"}),
            "--data: expected one of fashion-mnist|cifar10|idx|npz|folder, "
            "got 'mnist'");
  EXPECT_EQ(failure({"m.so", "--validation-data", "train"}),
            "--validation-data: expected one of test, got 'train'");
  EXPECT_EQ(failure({"m.so", "--frobnicate"}),
            "--frobnicate: unknown flag (see cnnc-train --help)");
  EXPECT_EQ(failure({"m.so", "--batch"}), "--batch: missing value");
  EXPECT_EQ(failure({"m.so", "--history="}), "--history: empty value");
  EXPECT_EQ(failure({"m.so", "--count", "3"}),
            "--count: not an option of 'fit'");
  EXPECT_EQ(failure({"evaluate", "m.so", "--resume", "r", "--checkpoint=c"}),
            "--resume: not an option of 'evaluate'");
  EXPECT_EQ(failure({"m.so", "n.so"}),
            "n.so: unexpected argument (the model is 'm.so')");
  EXPECT_EQ(failure({"--epochs", "2"}),
            "missing the model library (a .so written by `cnnc model.mlir "
            "-o model.so`)");
  EXPECT_EQ(failure({"predict", "m.so"}), "--checkpoint: required by "
                                          "'predict' (or --weights)");
  EXPECT_EQ(failure({"evaluate", "m.so", "--checkpoint", "c", "--weights",
                     "w"}),
            "--weights: cannot be combined with --checkpoint: 'evaluate' "
            "takes the parameters from one of them");
  EXPECT_EQ(failure({"m.so", "--resume", "c", "--weights", "w"}),
            "--weights: cannot be combined with --resume (the checkpoint "
            "holds the parameters)");
  EXPECT_EQ(failure({"m.so", "--validation-split", "0.2", "--validation-data",
                     "test"}),
            "--validation-split: cannot be combined with --validation-data");
  EXPECT_EQ(failure({"m.so", "--history", "h.txt"}),
            "--history: 'h.txt' must end in .csv or .json");
  EXPECT_EQ(failure({"m.so", "--data", "cifar10"}),
            "--data: cifar10: training data needed (--data-dir or "
            "--train-file)");
}

TEST(Options, DataFlagsOfEveryFormat) {
  cnnrt_tool_options o;
  ASSERT_EQ(
      parse({"m.so", "--data", "folder", "--train-dir", "t",
             "--validation-dir=v", "--test-dir", "s", "--rescale", "1/127.5,-1",
             "--class-names", "n.txt", "--report", "r.json", "--top-k", "5"},
            o),
      0)
      << lastError();
  EXPECT_STREQ(o.splits[CNNRT_SPLIT_TRAIN].dir, "t");
  EXPECT_STREQ(o.splits[CNNRT_SPLIT_VALIDATION].dir, "v");
  EXPECT_STREQ(o.splits[CNNRT_SPLIT_TEST].dir, "s");
  EXPECT_DOUBLE_EQ(o.rescale, 1 / 127.5);
  EXPECT_EQ(o.rescale_offset, -1.0);
  EXPECT_STREQ(o.class_names, "n.txt");
  EXPECT_STREQ(o.report, "r.json");
  EXPECT_EQ(o.top_k, 5);
  ASSERT_EQ(parse({"m.so", "--data", "cifar10", "--train-file", "a.bin",
                   "--train-file=b.bin", "--test-file", "t.bin"},
                  o),
            0)
      << lastError();
  EXPECT_EQ(o.splits[CNNRT_SPLIT_TRAIN].num_files, 2);
  EXPECT_STREQ(o.splits[CNNRT_SPLIT_TRAIN].files[1], "b.bin");
  EXPECT_STREQ(o.splits[CNNRT_SPLIT_TEST].files[0], "t.bin");
  ASSERT_EQ(parse({"m.so", "--data", "npz", "--data-file", "d.npz"}, o), 0);
  ASSERT_EQ(parse({"m.so", "--data", "idx", "--train-images", "i",
                   "--train-labels", "l", "--rescale", "0.5"},
                  o),
            0);
  EXPECT_EQ(o.rescale, 0.5);
  ASSERT_EQ(parse({"predict", "m.so", "a.png", "--checkpoint", "c", "b.jpg",
                   "--images", "dir"},
                  o),
            0)
      << lastError();
  ASSERT_EQ(o.num_inputs, 2);
  EXPECT_STREQ(o.inputs[1], "b.jpg");
  EXPECT_STREQ(o.images_dir, "dir");

  EXPECT_EQ(failure({"m.so", "--train-dir", "t"}),
            "--train-dir: only with --data folder (the data is "
            "fashion-mnist)");
  EXPECT_EQ(failure({"m.so", "--data", "folder"}),
            "--data: folder: training data needed (--train-dir)");
  EXPECT_EQ(
      failure({"evaluate", "m.so", "--checkpoint", "c", "--data", "folder"}),
      "--data: folder: test data needed (--test-dir)");
  EXPECT_EQ(failure({"m.so", "--data", "idx", "--train-images", "i"}),
            "--train-labels: required with --train-images");
  EXPECT_EQ(failure({"m.so", "--data", "npz", "--data-dir", "d"}),
            "--data-dir: only with --data fashion-mnist|cifar10|idx (the "
            "data is npz)");
  EXPECT_EQ(failure({"m.so", "--data-file", "d.npz"}),
            "--data-file: only with --data npz (the data is fashion-mnist)");
  EXPECT_EQ(failure({"m.so", "--data", "folder", "--train-dir", "t",
                     "--validation-dir", "v", "--validation-split", "0.1"}),
            "--validation-split: cannot be combined with validation files");
  EXPECT_EQ(failure({"m.so", "--rescale", "0"}),
            "--rescale: expected SCALE or SCALE,OFFSET (e.g. 1/255 or "
            "1/127.5,-1) with a positive scale, got '0'");
  EXPECT_EQ(failure({"m.so", "--rescale", "1/0"}).substr(0, 20),
            "--rescale: expected ");
  EXPECT_EQ(failure({"m.so", "--rescale", "1,x"}).substr(0, 20),
            "--rescale: expected ");
  EXPECT_EQ(
      failure({"predict", "m.so", "--checkpoint", "c", "--data", "folder"}),
      "predict: no images (image files after the model, --images DIR, "
      "or test data)");
  EXPECT_EQ(failure({"m.so", "--report", "r.txt"}),
            "--report: 'r.txt' must end in .csv or .json");
}

TEST(Console, Durations) {
  char text[32];
  cnnrt_format_duration(text, sizeof text, 42.4);
  EXPECT_STREQ(text, "42s");
  cnnrt_format_duration(text, sizeof text, 187.0);
  EXPECT_STREQ(text, "3:07");
  cnnrt_format_duration(text, sizeof text, 3723.0);
  EXPECT_STREQ(text, "1:02:03");
  cnnrt_format_duration(text, sizeof text, NAN);
  EXPECT_STREQ(text, "0s");
}

TEST(Console, EpochLine) {
  char line[256];
  cnnrt_epoch_record record = {0.48214, 0.82617, 0.39999, 0.85, 1e-3};
  cnnrt_format_epoch(line, sizeof line, 0, 4, 93.2, &record, 1);
  EXPECT_STREQ(line, "Epoch 1/4 - 93s - loss: 0.4821 - accuracy: 0.8262 - "
                     "val_loss: 0.4000 - val_accuracy: 0.8500");
  cnnrt_format_epoch(line, sizeof line, 3, 4, 5, &record, 0);
  EXPECT_STREQ(line, "Epoch 4/4 - 5s - loss: 0.4821 - accuracy: 0.8262");
}

TEST(Console, ProgressBar) {
  char line[256];
  cnnrt_format_bar(line, sizeof line, 1, 4, 15, 60, 3.0, 0.61, 0.78, 20);
  EXPECT_STREQ(line, "Epoch 2/4 15/60 [====>...............] - ETA: 9s - "
                     "loss: 0.6100 - accuracy: 0.7800");
  cnnrt_format_bar(line, sizeof line, 0, 1, 60, 60, 12.0, 0.5, 0.5, 10);
  EXPECT_STREQ(line, "Epoch 1/1 60/60 [==========] - ETA: 0s - loss: 0.5000 - "
                     "accuracy: 0.5000");
  cnnrt_format_bar(line, sizeof line, 0, 1, 5, 1875, 1.0, 0.5, 0.5, 10);
  EXPECT_STREQ(line, "Epoch 1/1    5/1875 [..........] - ETA: 6:14 - loss: "
                     "0.5000 - accuracy: 0.5000");
}

} // namespace

namespace {

TEST(Options, CallbacksAndAugmentation) {
  cnnrt_tool_options o;
  ASSERT_EQ(
      parse({"m.so", "--lr-schedule", "step:2:0.5", "--reduce-lr-on-plateau",
             "monitor=loss,factor=0.2,cooldown=1", "--early-stopping", "on",
             "--save-best", "b.ckpt", "--save-best-monitor", "val_accuracy",
             "--augment", "flip,translate=0.125,brightness=0.2,contrast=0.3"},
            o),
      0)
      << lastError();
  EXPECT_EQ(o.schedule.kind, CNNRT_LR_STEP);
  EXPECT_EQ(o.schedule.period, 2.0);
  EXPECT_EQ(o.schedule.rate, 0.5);
  EXPECT_EQ(o.plateau.enabled, 1);
  EXPECT_EQ(o.plateau.monitor, CNNRT_MONITOR_LOSS);
  EXPECT_EQ(o.plateau.factor, 0.2);
  EXPECT_EQ(o.plateau.patience, 10); // Keras's default
  EXPECT_EQ(o.plateau.min_delta, 1e-4);
  EXPECT_EQ(o.plateau.cooldown, 1);
  EXPECT_EQ(o.early_stopping.enabled, 1);
  EXPECT_EQ(o.early_stopping.monitor, CNNRT_MONITOR_VAL_LOSS);
  EXPECT_EQ(o.early_stopping.patience, 0);
  EXPECT_STREQ(o.save_best, "b.ckpt");
  EXPECT_EQ(o.save_best_monitor, CNNRT_MONITOR_VAL_ACCURACY);
  EXPECT_EQ(o.augmentation.horizontal_flip, 1);
  EXPECT_EQ(o.augmentation.translate, 0.125);
  EXPECT_EQ(o.augmentation.brightness, 0.2);
  EXPECT_EQ(o.augmentation.contrast, 0.3);
  ASSERT_EQ(
      parse({"m.so", "--lr-schedule", "cosine:0.1", "--augment", "crop=4"}, o),
      0);
  EXPECT_EQ(o.schedule.kind, CNNRT_LR_COSINE);
  EXPECT_EQ(o.schedule.alpha, 0.1);
  EXPECT_EQ(o.schedule.period, 0.0);
  EXPECT_EQ(o.augmentation.crop_padding, 4);
  EXPECT_EQ(failure({"m.so", "--lr-schedule", "step:0:0.5"}).substr(0, 37),
            "--lr-schedule: expected step:EPOCHS:F");
  EXPECT_EQ(failure({"m.so", "--early-stopping", "patience"}),
            "--early-stopping: expected 'on' or KEY=VALUE,..., got "
            "'patience'");
  EXPECT_EQ(
      failure({"m.so", "--reduce-lr-on-plateau", "factor=1"}).substr(0, 39),
      "--reduce-lr-on-plateau: bad 'factor=1' ");
  EXPECT_EQ(failure({"m.so", "--save-best-monitor", "auc"}),
            "--save-best-monitor: expected val_loss, val_accuracy, loss or "
            "accuracy, got 'auc'");
  EXPECT_EQ(failure({"m.so", "--save-best", "c", "--checkpoint", "c"}),
            "--save-best: 'c' is also the --checkpoint; the best epoch needs "
            "a file of its own");
  EXPECT_EQ(failure({"m.so", "--augment", "flip,translate=1"}).substr(0, 32),
            "--augment: bad 'translate=1' (ex");
}

} // namespace
